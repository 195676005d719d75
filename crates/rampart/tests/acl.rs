//! `rampart acl ...`: can / who-can / review / diff / hash / migrate-hashes.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use redis_fixture::{Reply, Server};

const ACL: &str = "user default off\n\
user app on >App-Sekrit-0001 ~app:* &app:* +@read +@write -@dangerous\n\
user ro on >Ro-Sekrit-0002 %R~* +@read -@dangerous (~cache:* +set +del)\n\
user ops on >Ops-Sekrit-0003 allkeys -@all +@admin +info +config|get\n\
user bad on >Bad-Sekrit-0004 +nosuchcmd ~x +get (~y +set\n";

const SECRETS: [&str; 4] = [
    "App-Sekrit-0001",
    "Ro-Sekrit-0002",
    "Ops-Sekrit-0003",
    "Bad-Sekrit-0004",
];

fn setup() -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("users.acl");
    std::fs::write(&p, ACL).unwrap();
    let s = p.to_str().unwrap().to_string();
    (d, s)
}

fn clean(o: &std::process::Output) {
    for s in SECRETS {
        assert!(!stdout(o).contains(s), "stdout leaks {s}");
        assert!(!stderr(o).contains(s), "stderr leaks {s}");
    }
}

#[test]
fn can_text_json_and_exit_codes() {
    let (_d, acl) = setup();
    let o = rampart(&["acl", "can", "--aclfile", &acl, "app", "GET", "app:1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("allowed: "), "{}", stdout(&o));
    assert!(stdout(&o).contains("+@read") && stdout(&o).contains("~app:*"));
    let o = rampart(&["acl", "can", "--aclfile", &acl, "app", "SET", "other", "v"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("write access to the key 'other'"));
    let o = rampart(&[
        "acl",
        "can",
        "--aclfile",
        &acl,
        "-f",
        "json",
        "app",
        "FLUSHALL",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["user"], "app");
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("-@dangerous"));
    let o = rampart(&["acl", "can", "--aclfile", &acl, "ro", "SET", "cache:1", "v"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("selector #1"));
    // The bad line is reported with file:line and Redis's words; its user is still analysed.
    assert!(
        stderr(&o).contains("users.acl:5: Unmatched parenthesis in selector definition"),
        "{}",
        stderr(&o)
    );
    let o = rampart(&["acl", "can", "--aclfile", &acl, "bad", "GET", "x"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = rampart(&["acl", "can", "--aclfile", &acl, "nobody", "GET", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("User 'nobody' not found"));
    clean(&o);
}

#[test]
fn batch_one_json_per_line() {
    let (d, acl) = setup();
    let q = d.path().join("q.txt");
    std::fs::write(
        &q,
        "# queries\napp GET app:1\nro \"SET\" 'cache:1' v\n\nnobody GET x\napp \"unbalanced\nops CONFIG GET maxmemory\n",
    )
    .unwrap();
    let o = rampart(&[
        "acl",
        "can",
        "--aclfile",
        &acl,
        "--batch",
        q.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    let allowed: Vec<bool> = lines
        .iter()
        .map(|v| v["allowed"].as_bool().unwrap())
        .collect();
    assert_eq!(allowed, [true, true, false, false, true]);
    assert!(lines[2]["reason"].as_str().unwrap().contains("not found"));
    assert!(lines[0]["line"].as_str().unwrap().ends_with("q.txt:2"));
}

#[test]
fn who_can_review_diff() {
    let (d, acl) = setup();
    let o = rampart(&["acl", "who-can", "--aclfile", &acl, "CONFIG", "GET", "x"]);
    assert!(
        stdout(&o).contains("1 user(s) can run 'config|get'"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("ops: "));
    let o = rampart(&[
        "acl",
        "who-can",
        "--aclfile",
        &acl,
        "--key",
        "cache:1",
        "--write",
    ]);
    let s = stdout(&o);
    assert!(
        s.contains("ro: selector #1 by ~cache:*") && s.contains("ops: root selector by allkeys"),
        "{s}"
    );
    let o = rampart(&[
        "acl",
        "who-can",
        "--aclfile",
        &acl,
        "--category",
        "@dangerous",
        "-f",
        "json",
    ]);
    let v = json(&o);
    let users: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["ops"], "default is off but listed? {v}");
    let o = rampart(&["acl", "review", "--aclfile", &acl, "-f", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let ops = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "ops")
        .unwrap();
    assert_eq!(ops["password"], "plaintext");
    assert!(ops["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "dangerous-wholesale"));
    assert!(ops["dangerous"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["command"] == "config|get" && g["grant"] == "explicit"));
    clean(&o);
    let o = rampart(&["acl", "review", "--aclfile", &acl]);
    clean(&o);
    let b = d.path().join("b.acl");
    std::fs::write(
        &b,
        ACL.replace("-@dangerous\n", "-@dangerous +flushdb\n")
            .replace("+info ", ""),
    )
    .unwrap();
    let o = rampart(&["acl", "diff", &acl, b.to_str().unwrap()]);
    let s = stdout(&o);
    assert!(s.contains("~ user app\n    + commands (1): flushdb"), "{s}");
    assert!(s.contains("~ user ops\n    - commands (1): info"), "{s}");
    clean(&o);
}

#[test]
fn config_user_lines_and_errors() {
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("redis.conf");
    std::fs::write(
        &c,
        "port 0\nuser alice on \">Conf Sekrit-0005\" ~a* +get\nuser bob on >x +nosuch\nuser carol on (~c +get\nrequirepass Req-Sekrit-0006\n",
    )
    .unwrap();
    let o = rampart(&["acl", "review", "--config", c.to_str().unwrap()]);
    let s = stdout(&o);
    assert!(s.contains("redis.conf:3: Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"), "{s}");
    assert!(
        s.contains("redis.conf:4: Unmatched parenthesis in acl selector starting at '(~c'."),
        "{s}"
    );
    assert!(
        s.contains("user alice (") && s.contains("user default ("),
        "{s}"
    );
    assert!(!s.contains("Sekrit"), "{s}");
    let o = rampart(&[
        "acl",
        "can",
        "--config",
        c.to_str().unwrap(),
        "alice",
        "GET",
        "ab",
    ]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn hash_from_stdin() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["acl", "hash"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Hash-Sekrit-0007\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.trim(),
        format!("#{}", redis_acl::hash_password(b"Hash-Sekrit-0007"))
    );
    assert!(
        !out.contains("Hash-Sekrit") && !String::from_utf8_lossy(&o.stderr).contains("Hash-Sekrit")
    );
}

#[test]
fn migrate_hashes_loads_in_redis() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("users.acl");
    let text = "user default on nopass ~* &* +@all\r\nuser app on >App-Sekrit-0001 ~app:* +@read  >second\n\nuser ro on %R~* +@read (~c +set)\n";
    std::fs::write(&p, text).unwrap();
    let o = rampart(&["acl", "migrate-hashes", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    clean(&o);
    let new = std::fs::read_to_string(&p).unwrap();
    let h1 = redis_acl::hash_password(b"App-Sekrit-0001");
    let h2 = redis_acl::hash_password(b"second");
    assert_eq!(
        new,
        format!("user default on nopass ~* &* +@all\r\nuser app on #{h1} ~app:* +@read  #{h2}\n\nuser ro on %R~* +@read (~c +set)\n")
    );
    if !redis_fixture::available() {
        return;
    }
    let s = Server::start_files("aclfile users.acl\n", &[("users.acl", &new)], &[]).unwrap();
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["AUTH", "app", "App-Sekrit-0001"]).unwrap(),
        Reply::Status("OK".into())
    );
    assert_eq!(
        c.cmd(&["AUTH", "app", "second"]).unwrap(),
        Reply::Status("OK".into())
    );

    // A file that does not load is refused, and left alone.
    let bad = d.path().join("bad.acl");
    std::fs::write(&bad, "user a on >Bad-Sekrit-0004 +nosuch\n").unwrap();
    let o = rampart(&["acl", "migrate-hashes", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing written"));
    clean(&o);
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "user a on >Bad-Sekrit-0004 +nosuch\n"
    );

    // redis.conf user lines: quoted passwords too.
    let conf = d.path().join("redis.conf");
    let ctext = "port 0\nuser app on \">Conf Sekrit\" ~a +get\n# >not-a-rule\n";
    std::fs::write(&conf, ctext).unwrap();
    let o = rampart(&["acl", "migrate-hashes", conf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let h = redis_acl::hash_password(b"Conf Sekrit");
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        format!("port 0\nuser app on #{h} ~a +get\n# >not-a-rule\n")
    );
}
