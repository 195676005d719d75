//! Sentinel dialect against the real redis-sentinel: the same configs
//! start or fail alike, at the same line.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis_conf::{Config, Format, LoadOptions, ProblemKind};

/// Run redis-sentinel on `text`: `Ok(())` when it is still running after a
/// moment, `Err((line, reason))` when it prints a FATAL CONFIG FILE ERROR.
fn sentinel(text: &str) -> Result<(), (Option<u32>, String)> {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(&conf, text).unwrap();
    let port = redis_fixture::free_port();
    let mut child = Command::new("redis-sentinel")
        .arg(&conf)
        .args([
            "--port",
            &port.to_string(),
            "--daemonize",
            "no",
            "--logfile",
            "",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_millis(700);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            let mut out = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            let e = redis_fixture::StartError { output: out };
            return Err((e.fatal_line(), e.fatal_reason().unwrap_or(e.output)));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

#[test]
fn sentinel_configs_match_redis_sentinel() {
    let ok_monitor = "sentinel monitor m 127.0.0.1 6399 2\n";
    let cases: Vec<String> = vec![
        format!("{ok_monitor}sentinel auth-pass m pw\nsentinel down-after-milliseconds m 5000\n"),
        format!(
            "port 26999\nprotected-mode no\nbind 127.0.0.1\n{ok_monitor}sentinel sentinel-user u\nsentinel sentinel-pass p\n\
             sentinel auth-user m u\nsentinel resolve-hostnames yes\nsentinel announce-hostnames no\n\
             user admin on >x +@all\nsentinel deny-scripts-reconfig yes\nlogfile \"\"\ndir .\n"
        ),
        format!(
            "{ok_monitor}sentinel known-replica m 127.0.0.1 6400\nsentinel config-epoch m 3\nsentinel current-epoch 3\n\
             sentinel announce-ip 1.2.3.4\nsentinel announce-port 5\nsentinel failover-timeout m 1000\nsentinel parallel-syncs m 2\n"
        ),
        "sentinel auth-pass nosuch pw\n".into(),
        "sentinel monitor m 127.0.0.1 6399 0\n".into(),
        "port 26999\nsentinel bogus 1\n".into(),
        "sentinel myid abc\n".into(),
        "sentinel deny-scripts-reconfig maybe\n".into(),
        "sentinel resolve-hostnames maybe\n".into(),
        "port 70000\n".into(),
        format!("{ok_monitor}{ok_monitor}"),
        format!("{ok_monitor}sentinel down-after-milliseconds m 0\n"),
        "tls-auth-clients optional\ntls-replication no\nrequirepass secret\n".into(),
    ];
    let mut failures = Vec::new();
    for text in &cases {
        let opts = LoadOptions {
            format: Format::Sentinel,
            ..LoadOptions::for_dialect("redis-7.0")
        };
        let c = Config::parse_str(Path::new("sentinel.conf"), text, &opts);
        let fatal: Vec<_> = c
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Fatal)
            .collect();
        match sentinel(text) {
            Ok(()) => {
                if !fatal.is_empty() {
                    failures.push(format!("{text:?}: sentinel started, rampart: {fatal:?}"));
                }
            }
            Err((line, reason)) => {
                let hit = fatal
                    .iter()
                    .any(|p| line.is_none_or(|l| p.span.line == l) && p.message.contains(&reason));
                if !hit {
                    failures.push(format!(
                        "{text:?}: sentinel refused line {line:?} {reason:?}, rampart: {fatal:?}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sentinel_defaults() {
    let opts = LoadOptions {
        format: Format::Sentinel,
        ..LoadOptions::for_dialect("redis-7.0")
    };
    let c = Config::parse_str(
        Path::new("sentinel.conf"),
        "sentinel monitor m 10.0.0.1 6379 2\n",
        &opts,
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.effective_for("port", Format::Sentinel).unwrap().value,
        "26379"
    );
    assert_eq!(
        c.effective_for("protected-mode", Format::Sentinel)
            .unwrap()
            .value,
        "no"
    );
    assert_eq!(c.all("sentinel").count(), 1);
}
