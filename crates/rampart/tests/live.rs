//! Live audits against real redis-server processes.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Reply, Server};
use std::process::{Command, Output};

const PW: &str = "9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3-admin";
const AUDITOR_PW: &str = "c0ffee42deadbeef1337cafe0badf00d-audit";

/// The least-privilege auditor user documented in the README.
const AUDITOR_RULES: &str =
    "on resetchannels -@all +info +config|get +acl|list +acl|cat +command +client|list +client|id +cluster|nodes +module|list";

fn rampart_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn target(s: &Server) -> String {
    format!("127.0.0.1:{}", s.port)
}

#[test]
fn unauthenticated_server_is_caught() {
    let s = Server::start("").unwrap();
    let o = rampart(&["audit", &target(&s), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(status(&r, "NET004"), "fail");
    assert_eq!(status(&r, "ACL001"), "fail");
    assert_eq!(status(&r, "ACL004"), "fail");
    // INFO names the config file the fixture wrote: its file checks ran too.
    assert_ne!(status(&r, "OS004"), "skip", "{}", r["findings"]);
}

#[test]
fn authenticated_audit_and_wrong_password() {
    let conf = format!("user default off\nuser admin on >{PW} ~* &* +@all\n");
    let s = Server::start(&conf).unwrap();
    let o = rampart_env(
        &["audit", &target(&s), "--user", "admin", "--format", "json"],
        &[("REDISCLI_AUTH", PW)],
    );
    let r = json(&o);
    assert_eq!(status(&r, "NET004"), "pass", "{}", stderr(&o));
    assert_eq!(status(&r, "ACL001"), "pass");
    assert_eq!(status(&r, "ACL003"), "pass");
    assert!(!stdout(&o).contains(PW) && !stderr(&o).contains(PW));
    // A wrong password: a clear per-target error, no secret in it; the
    // target could not be audited and nothing else failed: exit 3.
    let o = rampart_env(
        &["audit", &target(&s), "--user", "admin", "--format", "json"],
        &[("REDISCLI_AUTH", "wrong-Sekrit-99")],
    );
    assert_eq!(o.status.code(), Some(3));
    let r = json(&o);
    assert_eq!(status(&r, "ACL001"), "error");
    let text = stdout(&o) + &stderr(&o);
    assert!(text.contains("authentication failed"), "{text}");
    assert!(!text.contains("wrong-Sekrit-99"));
    // A password in the URI works but warns.
    let o = rampart(&[
        "audit",
        &format!("redis://admin:{PW}@127.0.0.1:{}", s.port),
        "--format",
        "json",
    ]);
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    assert_eq!(status(&json(&o), "ACL001"), "pass");
    assert!(!stdout(&o).contains(PW));
}

#[test]
fn least_privilege_auditor_sees_the_same_and_changes_nothing() {
    let conf = format!("user default off\nuser admin on >{PW} ~* &* +@all\nuser rampart {AUDITOR_RULES} >{AUDITOR_PW}\n");
    let s = Server::start(&conf).unwrap();
    let admin = rampart_env(
        &["audit", &target(&s), "--user", "admin", "--format", "json"],
        &[("REDISCLI_AUTH", PW)],
    );
    let auditor = rampart_env(
        &[
            "audit",
            &target(&s),
            "--user",
            "rampart",
            "--format",
            "json",
        ],
        &[("REDISCLI_AUTH", AUDITOR_PW)],
    );
    let (a, b) = (json(&admin), json(&auditor));
    let verdicts = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        verdicts(&a),
        verdicts(&b),
        "auditor and admin verdicts differ"
    );
    // Read-only: every command the server ran is one the audit may send.
    let mut c = s.conn();
    c.cmd(&["AUTH", "admin", PW]).unwrap();
    let stats = c.cmd(&["INFO", "commandstats"]).unwrap().text();
    let allowed = [
        "hello",
        "auth",
        "info",
        "config|get",
        "acl|list",
        "acl|cat",
        "command",
        "client|list",
        "client|id",
        "cluster|nodes",
        "module|list",
        "ping",
    ];
    for line in stats.lines().filter(|l| l.starts_with("cmdstat_")) {
        let name = line
            .trim_start_matches("cmdstat_")
            .split(':')
            .next()
            .unwrap();
        assert!(allowed.contains(&name), "the audit ran {name}: {stats}");
    }
    // The auditor cannot touch keys or run anything else.
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["AUTH", "rampart", AUDITOR_PW]).unwrap(),
        Reply::Status("OK".into())
    );
    assert!(c.cmd(&["GET", "k"]).unwrap().is_error());
    assert!(c
        .cmd(&["CONFIG", "SET", "maxmemory", "1"])
        .unwrap()
        .is_error());
}

#[test]
fn drift_between_file_and_server_is_reported() {
    let s = Server::start("protected-mode yes\n").unwrap();
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "protected-mode", "no"]).unwrap(),
        Reply::Status("OK".into())
    );
    let o = rampart(&["audit", &target(&s), "--format", "json"]);
    let r = json(&o);
    assert_eq!(status(&r, "NET002"), "fail", "the running value wins");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "NET002")
        .unwrap();
    let ev = f["evidence"].to_string();
    assert!(ev.contains("drift"), "{ev}");
}

#[test]
fn a_broken_target_does_not_stop_the_fleet() {
    let s = Server::start("").unwrap();
    // A fake server that answers garbage, and a closed port.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fake = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for st in l.incoming().flatten().take(4) {
            use std::io::{Read, Write};
            let mut st = st;
            // Answer the first command, as a server does: a reply sent
            // before any command is "a reply no command asked for", which
            // the client refuses before it reads the declared length.
            let mut buf = [0u8; 256];
            let _ = st.read(&mut buf);
            let _ = st.write_all(b"$1073741824\r\n");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    });
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = std::time::Instant::now();
    let o = rampart(&[
        "audit",
        &target(&s),
        &format!("127.0.0.1:{fake}"),
        &format!("127.0.0.1:{closed}"),
        "--format",
        "json",
        "--timeout",
        "2",
    ]);
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    let r = json(&o);
    assert_eq!(r["targets"].as_array().unwrap().len(), 3);
    let by_target = |name: &str, id: &str| -> String {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["target"].as_str().unwrap().starts_with(name) && f["id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(by_target(&target(&s), "NET004"), "fail");
    assert_eq!(by_target(&format!("127.0.0.1:{fake}"), "ACL001"), "error");
    assert_eq!(by_target(&format!("127.0.0.1:{closed}"), "ACL001"), "error");
    assert!(
        r["findings"].to_string().contains("over the limit"),
        "the 1 GB bulk is named"
    );
}

#[test]
fn zero_arguments_find_the_servers_on_this_host() {
    let s = Server::start("").unwrap();
    let o = rampart(&[
        "audit",
        "--format",
        "json",
        "--timeout",
        "2",
        "--no-discover",
    ]);
    assert!(
        stderr(&o).contains("auditing the servers running on this host"),
        "{}",
        stderr(&o)
    );
    let r = json(&o);
    let names: Vec<String> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with(&format!("127.0.0.1:{} ", s.port))
                || *n == format!("127.0.0.1:{}", s.port)),
        "{names:?}"
    );
}

/// A server the process scan sees but cannot reach (a Unix socket only)
/// is said, with its pid: never taken for "no server runs here".
#[test]
fn zero_arguments_say_which_local_server_they_cannot_reach() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("only.sock");
    let mut child = std::process::Command::new(redis_fixture::redis_server_bin())
        .args(["--port", "0", "--save", "", "--appendonly", "no"])
        .arg("--unixsocket")
        .arg(&sock)
        .arg("--dir")
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = rampart(&[
        "audit",
        "--format",
        "json",
        "--timeout",
        "2",
        "--no-discover",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    let err = stderr(&o);
    assert!(
        err.contains(&format!("(pid {}): it listens on no TCP port", child.id())),
        "{err}"
    );
}

#[test]
fn denied_or_renamed_introspection_never_passes_silently() {
    // A user that may only PING and INFO: CONFIG GET, ACL LIST and CLIENT LIST are NOPERM.
    let conf = format!("user default off\nuser admin on >{PW} ~* &* +@all\nuser weak on >{AUDITOR_PW} -@all +info\n");
    let s = Server::start(&conf).unwrap();
    let o = rampart_env(
        &["audit", &target(&s), "--user", "weak", "--format", "json"],
        &[("REDISCLI_AUTH", AUDITOR_PW)],
    );
    let r = json(&o);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "NET002")
        .unwrap();
    let ev = f["evidence"].to_string();
    assert!(ev.contains("NOPERM") && ev.contains("unverified"), "{ev}");
    // The users fall back to the file, which the server named in INFO.
    assert_eq!(status(&r, "ACL001"), "pass");
    assert_eq!(
        status(&r, "VER002"),
        "skip",
        "CLIENT LIST denied: {}",
        r["findings"]
    );
    // CONFIG renamed away: the same, with the reason.
    let s = Server::start("rename-command CONFIG \"\"\n").unwrap();
    let r = json(&rampart(&["audit", &target(&s), "--format", "json"]));
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "NET001")
        .unwrap();
    assert!(
        f["evidence"].to_string().contains("renamed or disabled"),
        "{f}"
    );
}

#[test]
fn a_toml_inventory_gives_each_target_its_credentials() {
    let a = Server::start(&format!(
        "user default off\nuser admin on >{PW} ~* &* +@all\n"
    ))
    .unwrap();
    let b = Server::start(&format!(
        "user default off\nuser ops on >{AUDITOR_PW} ~* &* +@all\n"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pwfile = dir.path().join("b.pw");
    std::fs::write(&pwfile, format!("{AUDITOR_PW}\n")).unwrap();
    let inv = dir.path().join("fleet.toml");
    std::fs::write(
        &inv,
        format!(
            "[defaults]\nuser = \"admin\"\npassword_env = \"FLEET_PW\"\n\n[[target]]\nurl = \"127.0.0.1:{}\"\n\n[[target]]\nurl = \"redis://127.0.0.1:{}\"\nuser = \"ops\"\npassword_file = \"{}\"\n",
            a.port,
            b.port,
            pwfile.display()
        ),
    )
    .unwrap();
    let o = rampart_env(
        &[
            "audit",
            "--targets-file",
            inv.to_str().unwrap(),
            "--format",
            "json",
            "--no-discover",
        ],
        &[("FLEET_PW", PW)],
    );
    let r = json(&o);
    assert_eq!(r["targets"].as_array().unwrap().len(), 2, "{}", stderr(&o));
    let errors = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "error")
        .count();
    assert_eq!(errors, 0, "both logged in: {}", r["findings"]);
    assert!(!(stdout(&o) + &stderr(&o)).contains(PW));
    // A missing variable is named, before any server is touched.
    let o = rampart(&[
        "audit",
        "--targets-file",
        inv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("FLEET_PW"), "{}", stderr(&o));
}

#[test]
fn acl005_sees_the_running_servers_aclfile() {
    let s = Server::start_files(
        "aclfile users.acl\n",
        &[("users.acl", "user default on nopass ~* &* +@all\n")],
        &[],
    )
    .unwrap();
    let r = json(&rampart(&["audit", &target(&s), "--format", "json"]));
    assert_eq!(status(&r, "ACL005"), "pass", "{}", r["findings"]);
    let s = Server::start("").unwrap();
    let r = json(&rampart(&["audit", &target(&s), "--format", "json"]));
    assert_eq!(status(&r, "ACL005"), "fail");
}

#[test]
fn acl_commands_read_a_live_server() {
    let conf = format!("user default off\nuser admin on >{PW} ~* &* +@all\nuser app on >{AUDITOR_PW} ~app:* -@all +get +set\n");
    let s = Server::start(&conf).unwrap();
    let t = format!("redis://admin@127.0.0.1:{}", s.port);
    let env = [("REDISCLI_AUTH", PW)];
    // Decided with the server's own users and table, and agreeing with ACL DRYRUN.
    let o = rampart_env(
        &[
            "acl", "can", "--target", &t, "--format", "json", "app", "set", "app:1", "v",
        ],
        &env,
    );
    let r = json(&o);
    assert_eq!(r["allowed"], true, "{}", stderr(&o));
    let mut c = s.conn();
    c.cmd(&["AUTH", "admin", PW]).unwrap();
    assert_eq!(
        c.cmd(&["ACL", "DRYRUN", "app", "set", "app:1", "v"])
            .unwrap(),
        Reply::Status("OK".into())
    );
    let o = rampart_env(
        &[
            "acl", "can", "--target", &t, "--format", "json", "app", "flushall",
        ],
        &env,
    );
    assert_eq!(json(&o)["allowed"], false);
    let o = rampart_env(
        &["acl", "who-can", "--target", &t, "--category", "@dangerous"],
        &env,
    );
    assert!(
        stdout(&o).contains("admin") && !stdout(&o).contains("app:"),
        "{}",
        stdout(&o)
    );
    let o = rampart_env(&["acl", "review", "--target", &t], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ACL LIST on 127.0.0.1"),
        "{}",
        stdout(&o)
    );
    assert!(!(stdout(&o) + &stderr(&o)).contains(PW));
}
