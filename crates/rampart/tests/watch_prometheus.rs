//! `rampart watch` against a real redis-server and a real Prometheus
//! (Debian's `prometheus` package): the series arrive through
//! Prometheus's HTTP API, no secret is in them, a change on the server
//! shows in a later round, SIGTERM stops it with exit 0. `promtool`
//! checks the exposition and the shipped alerting rules.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{free_port, Server};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PW: &str = "5e1f0c9a7b3d2e84-watch-admin";
const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";

/// A child process killed by pid when the test ends, however it ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether `bin` is there; with CI set its absence fails the test.
fn have(bin: &str) -> bool {
    if Path::new(bin).is_file() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install {bin} (test.sh installs prometheus)"
    );
    eprintln!("SKIP: {bin} is not installed (apt-get install prometheus)");
    false
}

/// Whether redis-server runs here; with CI set its absence fails the test.
fn have_redis() -> bool {
    if redis_fixture::available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install redis-server (test.sh)"
    );
    eprintln!("SKIP: redis-server is not installed");
    false
}

/// A server whose default user needs no password (so NET002 judges
/// protected mode) and an admin with one, which rampart logs in as.
fn server() -> Server {
    Server::start(&format!(
        "user default on nopass ~* &* +@all\nuser admin on >{PW} ~* &* +@all\nprotected-mode yes\n"
    ))
    .unwrap()
}

fn rampart_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", PW)
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1");
    c
}

/// `GET url`, the body; `None` when it cannot be had (yet).
fn http_get(url: &str) -> Option<String> {
    ureq::get(url)
        .timeout(Duration::from_secs(5))
        .call()
        .ok()?
        .into_string()
        .ok()
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_-.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Poll until `f` gives a value (a deadline of `secs` guards a hang).
fn until<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The result vector of a Prometheus instant query, when not empty.
fn query(prom: u16, q: &str) -> Option<Vec<serde_json::Value>> {
    let body = http_get(&format!(
        "http://127.0.0.1:{prom}/api/v1/query?query={}",
        encode(q)
    ))?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    let r = v["data"]["result"].as_array()?.clone();
    (!r.is_empty()).then_some(r)
}

fn metrics_once(target: &str) -> String {
    let o = rampart_cmd(&[
        "watch",
        target,
        "--user",
        "admin",
        "--no-tls-scan",
        "--once",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn promtool_accepts_the_exposition() {
    if !have_redis() || !have(PROMTOOL) {
        return;
    }
    let s = server();
    let text = metrics_once(&format!("127.0.0.1:{}", s.port));
    assert!(text.contains("rampart_check_status{"), "{text}");
    assert!(!text.contains(PW));
    let mut p = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    p.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let o = p.wait_with_output().unwrap();
    assert!(
        o.status.success() && o.stdout.is_empty() && o.stderr.is_empty(),
        "promtool check metrics: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn promtool_accepts_the_alerting_rules() {
    if !have(PROMTOOL) {
        return;
    }
    let rules = repo_root().join("examples/prometheus/rampart-alerts.yml");
    let o = Command::new(PROMTOOL)
        .arg("check")
        .arg("rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("SUCCESS"), "{}", stdout(&o));
}

#[test]
fn prometheus_scrapes_watch() {
    if !have_redis() || !have(PROMETHEUS) {
        return;
    }
    let s = server();
    let target = format!("127.0.0.1:{}", s.port);
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.sqlite");
    let watch = Reaped(
        rampart_cmd(&[
            "watch",
            &target,
            "--user",
            "admin",
            "--no-tls-scan",
            "--interval",
            "2s",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RAMPART_HISTORY", &history)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );

    let prom = free_port();
    std::fs::write(
        dir.path().join("prom.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: rampart\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let _prometheus = Reaped(
        Command::new(PROMETHEUS)
            .arg(format!(
                "--config.file={}",
                dir.path().join("prom.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    // The series arrive in Prometheus, with the target and check labels.
    let series = until(60, "rampart_check_status in Prometheus", || {
        query(prom, "rampart_check_status")
    });
    let net002 = series
        .iter()
        .find(|r| r["metric"]["check"] == "NET002")
        .unwrap_or_else(|| panic!("no NET002 series: {series:?}"));
    // The live server, with the config file INFO names beside it.
    let addr = net002["metric"]["addr"].as_str().unwrap();
    assert!(addr.starts_with(&target), "{net002}");
    assert_eq!(net002["metric"]["area"], "NET");
    assert_eq!(net002["metric"]["status"], "pass", "{net002}");
    for name in [
        "rampart_target_up",
        "rampart_findings",
        "rampart_last_run_timestamp_seconds",
        "rampart_runs_total",
        "rampart_advisory_data_age_seconds",
    ] {
        until(30, name, || query(prom, name));
    }
    let up = query(prom, "rampart_target_up").unwrap();
    assert!(
        up.iter()
            .all(|r| r["value"][1] == "1" && r["metric"]["kind"].is_string()),
        "{up:?}"
    );
    // No secret in anything served.
    let text = http_get(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
    assert!(!text.contains(PW), "{text}");

    // Protected mode turned off: a later round says NET002 fails.
    assert!(!s
        .conn()
        .cmd(&["CONFIG", "SET", "protected-mode", "no"])
        .unwrap()
        .is_error());
    until(60, "NET002 fail in Prometheus", || {
        query(
            prom,
            r#"rampart_check_status{check="NET002",status="fail",severity="high"}"#,
        )
    });

    // SIGTERM: it stops promptly and exits 0.
    let mut watch = watch;
    let pid = watch.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = until(30, "watch to exit after SIGTERM", || {
        watch.0.try_wait().unwrap()
    });
    let mut err = String::new();
    use std::io::Read;
    let _ = watch.0.stderr.take().unwrap().read_to_string(&mut err);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("stopped after"), "{err}");
    assert!(!err.contains(PW), "{err}");
    // It no longer serves.
    assert!(http_get(&format!("http://127.0.0.1:{port}/metrics")).is_none());
    // Every round was recorded, as an audit is, with no secret in the record.
    assert!(!err.contains("not recorded"), "{err}");
    let mut store =
        rampart_history::open(&rampart_history::HistorySpec::Sqlite(history.clone())).unwrap();
    let runs = store.runs(&rampart_history::RunFilter::default()).unwrap();
    assert!(runs.len() >= 2, "{runs:?}");
    let last = store.run(&runs[0].run_id).unwrap().unwrap();
    assert!(last.findings.iter().any(|f| f.check_id == "NET002"));
    assert!(!format!("{last:?}").contains(PW));
}

/// PostgreSQL down or refusing, and a round that cannot run: `watch`
/// counts the failures and keeps serving the last good round.
#[test]
fn failures_are_counted_and_the_metrics_stay_served() {
    if !have_redis() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("redis.conf");
    std::fs::write(&conf, "bind 127.0.0.1\nprotected-mode yes\n").unwrap();
    let port = free_port();
    // Nothing listens on port 1; the URL's password is never shown.
    let url = "postgres://rampart:Pg-Secret-77e1@127.0.0.1:1/rampart";
    let mut watch = Reaped(
        rampart_cmd(&[
            "watch",
            conf.to_str().unwrap(),
            "--no-proc",
            "--history",
            url,
            "--interval",
            "1s",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );
    let url_m = format!("http://127.0.0.1:{port}/metrics");
    let text = until(60, "a recorded failure", || {
        http_get(&url_m).filter(|t| {
            t.lines().any(|l| {
                l.starts_with("rampart_history_record_failures_total ") && !l.ends_with(" 0")
            })
        })
    });
    assert!(text.contains("rampart_check_status{"), "{text}");
    assert!(text.contains("rampart_last_run_error 0\n"), "{text}");
    // The config goes away: the rounds fail, the last good one stays shown.
    std::fs::remove_file(&conf).unwrap();
    let text = until(60, "a failed round", || {
        http_get(&url_m).filter(|t| t.contains("rampart_last_run_error 1\n"))
    });
    assert!(!text.contains("rampart_run_failures_total 0\n"), "{text}");
    assert!(text.contains("rampart_check_status{"), "{text}");
    assert!(!text.contains("Pg-Secret-77e1"));
    let pid = watch.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = until(30, "watch to exit", || watch.0.try_wait().unwrap());
    let mut err = String::new();
    use std::io::Read;
    let _ = watch.0.stderr.take().unwrap().read_to_string(&mut err);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("not recorded in the history"), "{err}");
    assert!(err.contains("could not run"), "{err}");
    assert!(!err.contains("Pg-Secret-77e1"), "{err}");
}

/// SIGTERM in the middle of a round longer than --timeout (four silent
/// servers, one at a time): the round is abandoned, exit 0.
#[test]
fn sigterm_abandons_a_long_round() {
    // Listeners that accept and never answer: a round of 4 x 3 s.
    let silent: Vec<std::net::TcpListener> = (0..4)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let targets: Vec<String> = silent
        .iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect();
    let port = free_port();
    let d = tempfile::tempdir().unwrap();
    let mut args = vec!["watch"];
    args.extend(targets.iter().map(String::as_str));
    let listen = format!("127.0.0.1:{port}");
    args.extend([
        "--no-tls-scan",
        "--no-discover",
        "--concurrency",
        "1",
        "--timeout",
        "3",
        "--interval",
        "1h",
        "--listen",
        &listen,
    ]);
    let mut watch = Reaped(
        rampart_cmd(&args)
            .env("RAMPART_HISTORY", d.path().join("h.sqlite"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Serving, and the first round in flight (no round finished yet).
    let text = until(30, "the metrics endpoint", || {
        http_get(&format!("http://{listen}/metrics"))
    });
    assert!(text.contains("rampart_runs_total"), "{text}");
    let pid = watch.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = until(60, "watch to exit", || watch.0.try_wait().unwrap());
    let mut err = String::new();
    use std::io::Read;
    let _ = watch.0.stderr.take().unwrap().read_to_string(&mut err);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("abandoned"), "{err}");
    drop(silent);
}
