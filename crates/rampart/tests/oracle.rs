//! The server is the oracle: rampart's file-based verdicts against what a
//! real redis-server does with the same files.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Conn, Reply, Server};

/// What a real server does with an unauthenticated client, and with
/// `AUTH <name> <wrong password>` for each user named in the files.
fn server_lets_strangers_in(s: &Server, names: &[&str]) -> bool {
    let mut c = Conn::connect(s.port).unwrap();
    if c.cmd(&["PING"]).unwrap() == Reply::Status("PONG".into()) {
        return true;
    }
    names.iter().any(|n| {
        let mut c = Conn::connect(s.port).unwrap();
        matches!(c.cmd(&["AUTH", n, "definitely-not-the-password"]).unwrap(), Reply::Status(ref ok) if ok == "OK")
    })
}

#[test]
fn acl001_agrees_with_a_real_server() {
    let strong = "9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3";
    let cases: Vec<(String, Option<String>, Vec<&str>)> = vec![
        (String::new(), None, vec![]),
        (format!("requirepass {strong}\n"), None, vec![]),
        (
            format!("user default off\nuser a on >{strong} ~* +@all\n"),
            None,
            vec!["a"],
        ),
        (
            format!("user default on >{strong} ~* +@all\n"),
            None,
            vec![],
        ),
        (
            format!("requirepass {strong}\nuser default on nopass ~* +@all\n"),
            None,
            vec![],
        ),
        (
            format!("requirepass {strong}\nuser default on +@all\n"),
            None,
            vec![],
        ),
        (
            "user default off\nuser app on nopass ~* +@all\n".into(),
            None,
            vec!["app"],
        ),
        (
            "user default off\nuser app off nopass ~* +@all\n".into(),
            None,
            vec!["app"],
        ),
        (
            "aclfile users.acl\n".into(),
            Some(format!("user a on >{strong} ~* +@all\n")),
            vec!["a"],
        ),
        (
            format!("aclfile users.acl\nrequirepass {strong}\n"),
            Some(format!("user a on >{strong} ~* +@all\n")),
            vec!["a"],
        ),
        (
            "aclfile users.acl\n".into(),
            Some(format!("user default off\nuser a on >{strong} ~* +@all\n")),
            vec!["a"],
        ),
        (
            "aclfile users.acl\n".into(),
            Some(format!(
                "user default on #{} ~* +@all\n",
                rampart_checks::passwords::sha256_hex(strong.as_bytes())
            )),
            vec![],
        ),
    ];
    for (conf, acl, names) in cases {
        let files: Vec<(&str, &str)> = acl
            .as_deref()
            .map(|a| vec![("users.acl", a)])
            .unwrap_or_default();
        let server = Server::start_files(&conf, &files, &[])
            .unwrap_or_else(|e| panic!("{conf}: {}", e.output));
        let open = server_lets_strangers_in(&server, &names);
        let o = rampart(&[
            "audit",
            "-c",
            server.config_path.to_str().unwrap(),
            "--format",
            "json",
            "--no-proc",
        ]);
        let r = json(&o);
        let want = if open { "fail" } else { "pass" };
        assert_eq!(
            status(&r, "ACL001"),
            want,
            "config {conf:?} acl {acl:?}: server open={open}"
        );
    }
}

#[test]
fn os001_reads_the_real_process() {
    let server = Server::start("").unwrap();
    // The running server's title shows its port; give the audited file the same port.
    let text = std::fs::read_to_string(&server.config_path).unwrap();
    std::fs::write(&server.config_path, format!("{text}port {}\n", server.port)).unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        server.config_path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let r = json(&o);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "OS001")
        .unwrap()
        .clone();
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let uid: u32 = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let want = if uid == 0 { "fail" } else { "pass" };
    assert_eq!(f["status"], want, "{f}");
    let ev = f["evidence"][0]["location"].as_str().unwrap();
    assert!(ev.contains(&format!("/proc/{}", server.pid())), "{ev}");
}
