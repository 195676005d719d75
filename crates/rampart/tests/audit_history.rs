//! Every audit is kept (issue 13 items 1 and 3): the real binary audits an
//! example config twice with a change between the runs, then `rampart
//! history`, `history show` and `rampart diff` read the record; a history
//! that cannot be written leaves the report whole and exits 4; no secret
//! reaches the file; a live server's settings drift shows in the diff.
#![allow(clippy::unwrap_used)]

mod common;

use common::repo_root;
use std::path::Path;
use std::process::{Command, Output};

fn rampart(history: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_HISTORY", history)
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn audit_files(history: &Path, conf: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "audit",
        "--config",
        conf.to_str().unwrap(),
        "--no-proc",
        "--no-host-checks",
    ];
    args.extend_from_slice(extra);
    rampart(history, &args)
}

fn hardened_copy(dir: &Path) -> std::path::PathBuf {
    for f in ["redis.conf", "users.acl"] {
        std::fs::copy(repo_root().join("examples/hardened").join(f), dir.join(f)).unwrap();
    }
    dir.join("redis.conf")
}

#[test]
fn two_audits_are_listed_shown_and_diffed() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("state/rampart/history.sqlite");
    let conf = hardened_copy(tmp.path());

    let first = audit_files(&history, &conf, &[]);
    assert!(
        !text(&first).contains("could not record"),
        "{}",
        text(&first)
    );
    assert!(history.exists(), "{}", text(&first));
    let mode = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&history), 0o600);
    assert_eq!(mode(history.parent().unwrap()), 0o700);

    // Only one run: nothing to diff against, a clear error.
    let o = rampart(&history, &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no earlier run"), "{}", text(&o));

    // The change: listen everywhere with protected mode off.
    let c = std::fs::read_to_string(&conf).unwrap();
    let c: String = c
        .lines()
        .map(|l| {
            if l.starts_with("protected-mode") {
                "protected-mode no".to_string()
            } else if l.starts_with("bind ") {
                "bind 0.0.0.0".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&conf, c + "\n").unwrap();
    let second = audit_files(&history, &conf, &["--format", "json"]);
    assert!(
        !text(&second).contains("could not record"),
        "{}",
        text(&second)
    );
    serde_json::from_slice::<serde_json::Value>(&second.stdout).unwrap();

    // The listing: newest first, with what is new since the previous run.
    let o = rampart(&history, &["history"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("20")).count(),
        2,
        "{out}"
    );
    let o = rampart(&history, &["history", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{v}");
    assert!(runs[0]["new"].as_u64().unwrap() >= 1, "{v}");
    assert!(runs[1]["new"].is_null(), "{v}");
    assert!(runs[0]["fail"].as_u64() > runs[1]["fail"].as_u64(), "{v}");
    let newest = runs[0]["run_id"].as_str().unwrap().to_string();

    // One run, by `last` and by a prefix of its id.
    let o = rampart(&history, &["history", "show", "last"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let shown = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(shown.contains(&newest), "{shown}");
    assert!(shown.contains("NET001"), "{shown}");
    assert!(shown.contains("bind 0.0.0.0"), "{shown}");
    let o = rampart(&history, &["history", "show", &newest[..22], "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["run"]["run_id"], newest.as_str());
    let o = rampart(&history, &["history", "show", "nosuchrun"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("has no run nosuchrun"), "{}", text(&o));

    // The diff: worse (exit 1), the finding and the settings that changed.
    let o = rampart(&history, &["diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let d = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(d.contains("NET001"), "{d}");
    assert!(d.contains("pass high → fail high"), "{d}");
    assert!(d.contains("protected-mode: yes → no"), "{d}");
    assert!(d.contains("bind: 127.0.0.1 -::1 → 0.0.0.0"), "{d}");
    let o = rampart(&history, &["diff", "last~1", "last", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["worse"], true);
    assert!(v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "protected-mode" && s["before"] == "yes" && s["after"] == "no"));
    // Backwards it is only better: exit 0.
    let o = rampart(&history, &["diff", "last", "last~1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Nothing got worse"), "{}", text(&o));
    let o = rampart(&history, &["diff", "last", "last"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("No change"), "{}", text(&o));

    // --no-history: nothing more recorded.
    audit_files(&history, &conf, &["--no-history"]);
    let o = rampart(&history, &["history", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn a_history_that_cannot_be_written_keeps_the_report_and_exits_4() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = hardened_copy(tmp.path());
    let check = |history: &Path, why: &str| {
        let o = audit_files(history, &conf, &["--fail-on", "never", "-f", "json"]);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(4), "{why}: {}", text(&o));
        // The report is whole (valid JSON), the message after it.
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
        assert!(
            err.contains(&format!(
                "rampart: could not record this audit in {}",
                history.display()
            )),
            "{why}: {err}"
        );
        assert!(err.contains(why), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        // Findings at --fail-on keep their exit 1.
        let o = audit_files(history, &conf, &["--fail-on", "info"]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("could not record"), "{}", text(&o));
    };
    // A directory.
    check(tmp.path(), "cannot use the history");
    // Corrupt.
    let garbage = tmp.path().join("garbage.sqlite");
    std::fs::write(&garbage, b"not a database\n".repeat(500)).unwrap();
    check(&garbage, "corrupt");
    // A link.
    let link = tmp.path().join("link.sqlite");
    std::os::unix::fs::symlink(tmp.path().join("elsewhere"), &link).unwrap();
    check(&link, "symbolic link");
    // Written by a newer rampart.
    let newer = tmp.path().join("newer.sqlite");
    audit_files(&newer, &conf, &[]);
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    check(&newer, "newer rampart (schema version 99");
    let o = rampart(&newer, &["history"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("upgrade rampart"), "{}", text(&o));
}

#[test]
fn an_old_history_is_migrated_by_the_audit() {
    // A file as rampart 0.1 wrote it (its schema and a rotation row).
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("h.sqlite");
    let c = rusqlite::Connection::open(&history).unwrap();
    c.execute_batch(
        "CREATE TABLE rotations(server TEXT NOT NULL, user TEXT NOT NULL, rotated_at INTEGER NOT NULL, tool_version TEXT NOT NULL);
         CREATE INDEX rotations_server_user ON rotations(server, user);
         CREATE TABLE reviews(server TEXT NOT NULL, reviewed_at INTEGER NOT NULL, users INTEGER NOT NULL);
         CREATE INDEX reviews_server ON reviews(server);
         INSERT INTO rotations VALUES ('10.9.9.9:6379', 'app', 1000, '0.1.0');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(c);
    let conf = hardened_copy(tmp.path());
    let o = audit_files(&history, &conf, &[]);
    assert!(!text(&o).contains("could not record"), "{}", text(&o));
    let c = rusqlite::Connection::open(&history).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 2);
    let n: i64 = c
        .query_row("SELECT count(*) FROM rotations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let n: i64 = c
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn no_secret_reaches_the_history_file() {
    const PW: &str = "audit-history-secret-pw-6b2d91e0";
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("h.sqlite");
    let conf = tmp.path().join("redis.conf");
    std::fs::write(
        &conf,
        format!("port 6390\nrequirepass {PW}\nmasterauth {PW}\nuser app on >{PW}x ~* +@read\n"),
    )
    .unwrap();
    let o = audit_files(&history, &conf, &["-v"]);
    assert!(!text(&o).contains("could not record"), "{}", text(&o));
    let bytes = std::fs::read(&history).unwrap();
    let hay = String::from_utf8_lossy(&bytes);
    assert!(!hay.contains(PW), "a password in the history file");
    // And the settings were recorded (without requirepass).
    let c = rusqlite::Connection::open(&history).unwrap();
    let s: String = c
        .query_row("SELECT settings FROM target_settings", [], |r| r.get(0))
        .unwrap();
    assert!(s.contains("\"port\":\"6390\""), "{s}");
    assert!(!s.contains("requirepass"), "{s}");
    assert!(!s.contains("masterauth"), "{s}");
}

#[test]
fn a_live_servers_settings_drift_shows_in_the_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("h.sqlite");
    let server = redis_fixture::Server::start("").unwrap();
    let target = format!("127.0.0.1:{}", server.port);
    let audit = || {
        let o = rampart(
            &history,
            &["audit", &target, "--no-tls-scan", "--no-proc", "-f", "json"],
        );
        assert!(!text(&o).contains("could not record"), "{}", text(&o));
        o
    };
    audit();
    let r = server
        .conn()
        .cmd(&["CONFIG", "SET", "maxmemory", "12345678"]);
    assert!(r.is_ok(), "{r:?}");
    audit();
    let o = rampart(&history, &["diff", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["settings"].as_array().unwrap().iter().any(|s| s["target"]
            .as_str()
            .unwrap()
            .starts_with(&target)
            && s["name"] == "maxmemory"
            && s["before"] == "0"
            && s["after"] == "12345678"),
        "{v}"
    );
    // Who the target is: its version and run_id, recorded.
    let o = rampart(&history, &["history", "show", "last", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let t = &v["run"]["targets"][0];
    assert_eq!(t["address"], target.as_str(), "{t}");
    assert!(
        t["server_run_id"].as_str().is_some_and(|s| s.len() == 40),
        "{t}"
    );
    assert!(
        t["version"].as_str().is_some_and(|s| s.contains(' ')),
        "{t}"
    );
    assert_eq!(t["role"], "master", "{t}");
}
