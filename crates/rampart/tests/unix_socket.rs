//! redis-cli parity (issue 12): `-s SOCKET`, `unix://` and `-u URI` reach a
//! real server over its Unix socket, for audit, acl and rotate.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::process::Command;

const PW: &str = "9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3-admin";

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", PW)
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .output()
        .unwrap()
}

#[test]
fn audit_acl_and_rotate_over_a_unix_socket() {
    let sockdir = tempfile::tempdir().unwrap();
    let sock = sockdir.path().join("redis.sock");
    let sock_s = sock.to_str().unwrap().to_string();
    let conf = format!(
        "unixsocket {sock_s}\nunixsocketperm 700\nuser default off\nuser admin on >{PW} ~* &* +@all\nuser app on >app-pass-1234567890abcdef ~app:* +@read\n"
    );
    let s = redis_fixture::Server::start(&conf).unwrap();
    let _ = s.port;
    // -s SOCKET, as redis-cli spells it.
    let o = run(&[
        "audit", "-s", &sock_s, "--user", "admin", "--format", "json",
    ]);
    let r = json(&o);
    assert_eq!(r["targets"][0]["name"], sock_s.as_str(), "{}", stderr(&o));
    assert_eq!(status(&r, "ACL003"), "pass", "{}", stderr(&o));
    assert_eq!(status(&r, "NET004"), "pass");
    // unix:// as a positional target, and -u URI.
    let uri = format!("unix://{sock_s}");
    for args in [
        vec!["audit", uri.as_str(), "--user", "admin", "--format", "json"],
        vec![
            "audit",
            "-u",
            uri.as_str(),
            "--user",
            "admin",
            "--format",
            "json",
        ],
    ] {
        let r = json(&run(&args));
        assert_eq!(status(&r, "ACL003"), "pass", "{args:?}");
    }
    // A socket path is a server, not a config file to read.
    let r = json(&run(&[
        "audit", &sock_s, "--user", "admin", "--format", "json",
    ]));
    assert_eq!(r["targets"][0]["kind"], "server");
    // acl over the socket.
    let o = run(&[
        "acl",
        "review",
        "--target",
        &format!("unix://admin@{sock_s}"),
        "-f",
        "json",
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    assert!(stdout(&o).contains("app"), "{}", stdout(&o));
    // rotate's plan over the socket (--dry-run changes nothing).
    let state = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "rotate",
            "-s",
            &sock_s,
            "--login-user",
            "admin",
            "--account",
            "app",
            "--generate",
            "--dry-run",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", PW)
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    let out = stdout(&o) + &stderr(&o);
    assert!(out.contains(&sock_s), "{out}");
    assert!(!out.contains(PW), "{out}");
}
