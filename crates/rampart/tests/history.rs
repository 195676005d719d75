//! rampart's history on a real server: `rampart rotate` and `rampart acl
//! review --record` write it, `rampart audit` reads it (MNT001, MNT002);
//! a corrupt history is an `error` finding, never a crash; the file is 0600.
#![allow(clippy::unwrap_used)]

use redis_fixture::Server;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const ADMIN_PW: &str = "history-admin-password-5b1f0c9e2d";
const APP_OLD: &str = "history-app-old-password-77aa31";
const APP_NEW: &str = "history-app-new-password-0c3e9d";
const OPS_PW: &str = "history-ops-password-a9e4b210fe";

fn rampart(history: &Path, state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_HISTORY", history)
        .env("XDG_STATE_HOME", state)
        .env("REDISCLI_AUTH", ADMIN_PW)
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

fn finding<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} finding"))
}

fn observed(f: &Value) -> Vec<String> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["observed"].as_str().unwrap().to_string())
        .collect()
}

fn audit_json(history: &Path, state: &Path, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["audit", "--format", "json", "--no-tls-scan", "--no-proc"];
    all.extend_from_slice(args);
    let o = rampart(history, state, &all);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&o)));
    (o, v)
}

#[test]
fn rotate_and_review_are_recorded_and_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("hist/rampart/history.sqlite");
    let state = tmp.path().join("state");
    let server = Server::start(&format!(
        "user default off\nuser admin on >{ADMIN_PW} ~* &* +@all\nuser app on >{APP_OLD} ~app:* +@read\nuser ops on >{OPS_PW} ~ops:* +@read\n"
    ))
    .unwrap();
    let target = format!("127.0.0.1:{}", server.port);

    // Before anything is recorded: both checks skip and say why.
    let (_, r) = audit_json(&history, &state, &[&target, "--user", "admin"]);
    for id in ["MNT001", "MNT002"] {
        let f = finding(&r, id);
        assert_eq!(f["status"], "skip", "{f}");
        assert!(
            f["message"].as_str().unwrap().contains("no history yet"),
            "{f}"
        );
    }
    // The audit recorded itself: a file of audit runs only is still "no
    // history yet" for MNT001/MNT002 (above).
    assert!(history.exists(), "the audit records itself");

    // A full rotation of `app` (old password removed at once) is recorded.
    let newfile = tmp.path().join("new");
    std::fs::write(&newfile, format!("{APP_NEW}\n")).unwrap();
    let o = rampart(
        &history,
        &state,
        &[
            "rotate",
            &target,
            "--login-user",
            "admin",
            "--account",
            "app",
            "--new-password-file",
            newfile.to_str().unwrap(),
            "--grace",
            "0",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Recorded in the history"), "{}", text(&o));

    // A review of the server's users, recorded under its host:port.
    let o = rampart(
        &history,
        &state,
        &[
            "acl",
            "review",
            "--config",
            server.config_path.to_str().unwrap(),
            "--record",
            "--server",
            &target,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("recorded a review of 4 user(s)"),
        "{}",
        text(&o)
    );

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&history), 0o600);
    assert_eq!(mode(history.parent().unwrap()), 0o700);
    let bytes = std::fs::read(&history).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    for secret in [ADMIN_PW, APP_OLD, APP_NEW, OPS_PW] {
        assert!(!raw.contains(secret), "a password in the history");
        let hash = redis_acl::hash_password(secret.as_bytes());
        assert!(!raw.contains(&hash), "a password hash in the history");
    }

    let (o, r) = audit_json(&history, &state, &[&target, "--user", "admin"]);
    let mnt001 = finding(&r, "MNT001");
    assert_eq!(mnt001["status"], "pass", "{mnt001}");
    assert!(
        observed(mnt001)[0].contains("(0 days ago, 4 user(s))"),
        "{mnt001}"
    );
    let mnt002 = finding(&r, "MNT002");
    assert_eq!(mnt002["status"], "fail", "{mnt002}");
    let ev = observed(mnt002);
    let app = ev.iter().find(|e| e.starts_with("user app:")).unwrap();
    assert!(
        app.contains("last rotated") && app.contains("(0 days ago; 1 rotation(s) recorded)"),
        "{mnt002}"
    );
    assert!(
        ev.iter().any(|e| e == "user ops: never rotated by rampart"),
        "{mnt002}"
    );
    let msg = mnt002["message"].as_str().unwrap();
    assert!(msg.contains("ops") && !msg.contains("app"), "{msg}");
    // MNT002 fails (medium): exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // --history overrides RAMPART_HISTORY; the audit records itself there.
    let elsewhere = tmp.path().join("none/history.sqlite");
    let (_, r) = audit_json(
        &history,
        &state,
        &[
            &target,
            "--user",
            "admin",
            "--history",
            elsewhere.to_str().unwrap(),
        ],
    );
    assert_eq!(finding(&r, "MNT001")["status"], "skip");
    assert!(elsewhere.exists());

    // A files-only audit: the review recorded under the config path (the
    // default name of `acl review --record`) is the one MNT001 sees.
    let (_, r) = audit_json(
        &history,
        &state,
        &["--config", server.config_path.to_str().unwrap()],
    );
    assert_eq!(finding(&r, "MNT001")["status"], "skip");
    let o = rampart(
        &history,
        &state,
        &[
            "acl",
            "review",
            "--config",
            server.config_path.to_str().unwrap(),
            "--record",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let (_, r) = audit_json(
        &history,
        &state,
        &["--config", server.config_path.to_str().unwrap()],
    );
    assert_eq!(finding(&r, "MNT001")["status"], "pass", "{r}");
}

#[test]
fn a_corrupt_history_is_an_error_finding_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history.sqlite");
    std::fs::write(
        &history,
        b"this is not an SQLite database at all\n".repeat(200),
    )
    .unwrap();
    let server = Server::start("").unwrap();
    let target = format!("127.0.0.1:{}", server.port);
    let (o, r) = audit_json(&history, tmp.path(), &[&target]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // The audit could not record itself there: said after the report.
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("could not record this audit in"),
        "{}",
        text(&o)
    );
    for id in ["MNT001", "MNT002"] {
        let f = finding(&r, id);
        assert_eq!(f["status"], "error", "{f}");
        assert!(f["message"].as_str().unwrap().contains("corrupt"), "{f}");
    }
    // Recording into it is a clear error too (exit 2), not a panic.
    let o = rampart(
        &history,
        tmp.path(),
        &[
            "acl",
            "review",
            "--config",
            server.config_path.to_str().unwrap(),
            "--record",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("is not a rampart history, or is corrupt"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("panicked"), "{}", text(&o));
}
