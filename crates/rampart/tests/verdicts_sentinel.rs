//! Three verdicts checked against real servers: VER001's module
//! advisories follow MODULE LIST; CLU001 counts the Sentinels a running
//! Sentinel knows, not a file's known-sentinel lines; and a Sentinel's own
//! exposure (bind, protected mode, users in sentinel.conf) is judged.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{
    Conn, Node, ReplicaSetBuilder, Reply, SentinelSetBuilder, Server, ServerBuilder,
};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The advisories about a module (RedisBloom, RedisTimeSeries) in the data.
const MODULE_ADVISORIES: &[&str] = &["CVE-2026-25588", "CVE-2026-25589", "CVE-2026-62356"];

/// The least-privilege auditor user documented in the README.
const AUDITOR_RULES: &str = "on resetchannels -@all +info +config|get +acl|list +acl|cat +command +client|list +client|id +cluster|nodes +module|list";
const ADMIN_PW: &str = "5e1f0c9a7b3d2e8f4a6c1b0d9e7f3a2c-admin";
const AUDIT_PW: &str = "a7c3e9f1b5d2c8e4f0a6b1d7c3e9f5a2-audit";

fn run_rampart(args: &[&str], pw: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .env("RAMPART_HISTORY", "/nonexistent/rampart-verdicts/history")
        // Nothing recorded (the audit records itself unless told not to).
        .env("RAMPART_NO_HISTORY", "1");
    if let Some(p) = pw {
        c.env("REDISCLI_AUTH", p);
    }
    c.output().unwrap()
}

/// A live audit of one server (no discovery, no TLS scan), as `user`.
fn audit_live(addr: &str, user: Option<(&str, &str)>) -> Value {
    let mut args = vec![
        "audit",
        addr,
        "--format",
        "json",
        "--no-tls-scan",
        "--no-discover",
    ];
    if let Some((u, _)) = user {
        args.extend(["--user", u]);
    }
    let o = run_rampart(&args, user.map(|(_, p)| p));
    json(&o)
}

fn finding<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

/// Message and every evidence line of a finding, as one text.
fn text(r: &Value, id: &str) -> String {
    let f = finding(r, id);
    let mut t = f["message"].as_str().unwrap_or_default().to_string();
    for e in f["evidence"].as_array().into_iter().flatten() {
        t.push('\n');
        t.push_str(e["location"].as_str().unwrap_or_default());
        t.push_str(": ");
        t.push_str(e["observed"].as_str().unwrap_or_default());
    }
    t
}

fn no_module_advisory(r: &Value, what: &str) {
    let t = text(r, "VER001");
    for id in MODULE_ADVISORIES {
        assert!(
            !t.contains(id),
            "{what}: {id} listed without its module:\n{t}"
        );
    }
}

#[test]
fn ver001_module_advisories_follow_module_list() {
    // Debian's 7.0.15: no module; the evidence says so.
    let s = Server::start("").unwrap();
    let r = audit_live(&format!("127.0.0.1:{}", s.port), None);
    no_module_advisory(&r, "7.0.15");
    let t = text(&r, "VER001");
    assert!(t.contains("MODULE LIST on"), "{t}");
    assert!(t.contains("no module loaded"), "{t}");

    let Some(v82) = redis_fixture::version("redis-8.2") else {
        eprintln!("SKIP ver001_module_advisories_follow_module_list on redis-8.2: not installed (scripts/install-servers.sh)");
        return;
    };
    // Redis 8.2.3 without RedisBloom/RedisTimeSeries: the advisories in
    // those modules (fixed in 8.2.6 / 8.2.9) are not this server's.
    let users = format!(
        "user default off\nuser admin on >{ADMIN_PW} ~* &* +@all\nuser rampart {AUDITOR_RULES} >{AUDIT_PW}\nuser nomodules on >{AUDIT_PW} resetchannels -@all +info +config|get +acl|list +client|list +client|id\n"
    );
    let plain = ServerBuilder::new()
        .binary(&v82.path)
        .config(&users)
        .start()
        .unwrap();
    let admin = audit_live(&plain.addr(), Some(("admin", ADMIN_PW)));
    no_module_advisory(&admin, "redis 8.2.3 without modules");
    let t = text(&admin, "VER001");
    assert!(t.contains("Redis 8.2.3"), "{t}");
    // Redis 8 always lists its built-in vectorset module.
    assert!(t.contains("modules loaded: vectorset"), "{t}");
    // The documented least-privilege user sees the same.
    let auditor = audit_live(&plain.addr(), Some(("rampart", AUDIT_PW)));
    assert_eq!(
        text(&auditor, "VER001"),
        t,
        "the documented auditor user reads MODULE LIST"
    );
    // A user refused MODULE LIST: the modules are unknown, the module
    // advisories may apply (with the reason), never a pass.
    let denied = audit_live(&plain.addr(), Some(("nomodules", AUDIT_PW)));
    let t = text(&denied, "VER001");
    assert!(t.contains("NOPERM"), "{t}");
    assert!(t.contains("the modules are unknown"), "{t}");
    assert!(
        t.contains("CVE-2026-25589") && t.contains("may apply: only if RedisBloom"),
        "{t}"
    );
    assert_ne!(finding(&denied, "VER001")["status"], "pass");

    // A real module loaded (FalkorDB ships next to this redis-server):
    // MODULE LIST names it and so does the evidence.
    let bin = std::fs::canonicalize(&v82.path).unwrap();
    let so = bin.parent().unwrap().join("falkordb.so");
    if !so.is_file() {
        eprintln!(
            "SKIP module part: no {} next to redis-server 8.2",
            so.display()
        );
        return;
    }
    let with = ServerBuilder::new()
        .binary(&v82.path)
        .config(&format!("loadmodule {}\n{users}", so.display()))
        .start()
        .unwrap();
    let r = audit_live(&with.addr(), Some(("admin", ADMIN_PW)));
    no_module_advisory(&r, "redis 8.2.3 with FalkorDB");
    let t = text(&r, "VER001");
    assert!(
        t.contains("modules loaded: ") && t.contains("graph ver "),
        "{t}"
    );
}

fn sentinel_conf_of(n: &Node) -> String {
    n.path().join("sentinel.conf").display().to_string()
}

#[test]
fn clu001_counts_running_sentinels() {
    // The packaged file has no known-sentinel line (Sentinel writes them):
    // it cannot show the count, so neither fail nor pass.
    let (_dir, data) = conf_no_issue();
    if Path::new(PACKAGED).exists() {
        let r = json(&run_rampart(
            &[
                "audit",
                "-c",
                &data,
                "--sentinel-config",
                PACKAGED,
                "--format",
                "json",
                "--no-proc",
            ],
            None,
        ));
        assert_eq!(
            finding(&r, "CLU001")["status"],
            "manual",
            "{}",
            text(&r, "CLU001")
        );
        assert!(text(&r, "CLU001").contains("writes the known-sentinel lines itself"));
    }
    let three = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(0))
        .sentinels(3, 2)
        .start()
        .unwrap();
    let r = audit_live(&three.sentinels[0].addr(), None);
    assert_eq!(
        finding(&r, "CLU001")["status"],
        "pass",
        "{}",
        text(&r, "CLU001")
    );
    assert!(
        text(&r, "CLU001").contains("3 Sentinel(s), this one and 2 other(s)"),
        "{}",
        text(&r, "CLU001")
    );
    // Its file, as rewritten by the running Sentinel (known-sentinel
    // lines included), still cannot decide: manual, with the reason.
    let conf = sentinel_conf_of(&three.sentinels[0]);
    assert!(std::fs::read_to_string(&conf)
        .unwrap()
        .contains("known-sentinel"));
    let o = run_rampart(
        &[
            "audit",
            "-c",
            &data,
            "--sentinel-config",
            &conf,
            "--format",
            "json",
            "--no-proc",
        ],
        None,
    );
    let r = json(&o);
    assert_eq!(finding(&r, "CLU001")["status"], "manual");
    assert!(text(&r, "CLU001").contains("audit a running Sentinel"));
    drop(three);

    let two = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(0))
        .sentinels(2, 2)
        .start()
        .unwrap();
    let r = audit_live(&two.sentinels[1].addr(), None);
    assert_eq!(
        finding(&r, "CLU001")["status"],
        "fail",
        "{}",
        text(&r, "CLU001")
    );
    assert!(text(&r, "CLU001").contains("mymaster has 2"));
}

/// A data node config that passes NET001, NET002 and ACL001 on its own, so
/// a failure there comes from the Sentinel.
/// The temp dir goes with it (removed when dropped).
fn conf_no_issue() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("redis.conf");
    std::fs::write(
        &p,
        "bind 127.0.0.1 -::1\nprotected-mode yes\nport 6390\nuser default off\n",
    )
    .unwrap();
    let p = p.display().to_string();
    (dir, p)
}

const PACKAGED: &str = "/etc/redis/sentinel.conf";

#[test]
fn packaged_sentinel_conf_exposure_is_reported() {
    if !Path::new(PACKAGED).exists() {
        panic!(
            "redis-sentinel is not installed: .ci/run installs it (apt-get install redis-sentinel)"
        );
    }
    let packaged = std::fs::read_to_string(PACKAGED).unwrap();
    // What the packaged file says (read here, not assumed).
    let lines: Vec<&str> = packaged
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert!(lines.contains(&"protected-mode no"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.starts_with("bind ")));
    assert!(!lines
        .iter()
        .any(|l| l.starts_with("requirepass ") || l.starts_with("user ")));

    // The files audit: the data node passes alone, the Sentinel does not.
    let (_dir, data) = conf_no_issue();
    let alone = json(&run_rampart(
        &["audit", "-c", &data, "--format", "json", "--no-proc"],
        None,
    ));
    for id in ["NET001", "NET002", "ACL001"] {
        assert_eq!(
            finding(&alone, id)["status"],
            "pass",
            "{}",
            text(&alone, id)
        );
    }
    let r = json(&run_rampart(
        &[
            "audit",
            "-c",
            &data,
            "--sentinel-config",
            PACKAGED,
            "--format",
            "json",
            "--no-proc",
        ],
        None,
    ));
    for id in ["NET001", "NET002", "ACL001"] {
        assert_eq!(finding(&r, id)["status"], "fail", "{id}: {}", text(&r, id));
        assert!(
            text(&r, id).starts_with(&format!("Sentinel {PACKAGED}:")),
            "{id}: {}",
            text(&r, id)
        );
    }
    assert!(text(&r, "NET001").contains("every interface"));
    assert!(text(&r, "NET002").contains(&format!("{PACKAGED}:")));
    assert_eq!(
        finding(&r, "NET001")["fix"]["safety"],
        "display-only",
        "sentinel.conf is the Sentinel's to rewrite"
    );
    // A freshly shipped file has no known-sentinel line: CLU001 cannot tell.
    assert_eq!(
        finding(&r, "CLU001")["status"],
        "manual",
        "{}",
        text(&r, "CLU001")
    );

    // A real Sentinel on a copy of the packaged file, made safe for a test:
    // bound to loopback on a free port (the harness's `bind 127.0.0.1` and
    // `port`), in the foreground, its files in a temp dir, monitoring a
    // test server instead of 6379. protected-mode no and the absent
    // authentication are left as packaged.
    let master = Server::start("").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let copy = packaged.replace(
        "sentinel monitor mymaster 127.0.0.1 6379 2",
        &format!("sentinel monitor mymaster 127.0.0.1 {} 2", master.port),
    );
    assert_ne!(copy, packaged, "the packaged monitor line changed");
    assert!(!copy.lines().any(|l| l.trim_start().starts_with("bind ")));
    let copy = format!(
        "{copy}\n# test overrides\ndaemonize no\npidfile {0}/sentinel.pid\nlogfile \"\"\ndir {0}\n",
        tmp.path().display()
    );
    let sentinel = ServerBuilder::new()
        .sentinel(true)
        .config(&copy)
        .start()
        .unwrap();
    let cfg = std::fs::read_to_string(sentinel.path().join("sentinel.conf")).unwrap();
    assert!(cfg.contains("bind 127.0.0.1"), "loopback only");
    // It takes commands from a client that gives no credentials.
    let mut c = Conn::connect(sentinel.client_port()).unwrap();
    assert_eq!(c.cmd(&["PING"]).unwrap(), Reply::Status("PONG".into()));
    let masters = c.cmd(&["SENTINEL", "MASTERS"]).unwrap();
    assert!(!masters.is_error(), "{masters:?}");
    assert_eq!(masters.array().len(), 1);
    // And rampart says so, live: the unauthenticated probe, the default
    // user, and its file's protected mode.
    let r = audit_live(&sentinel.addr(), None);
    assert_eq!(
        finding(&r, "NET004")["status"],
        "fail",
        "{}",
        text(&r, "NET004")
    );
    assert_eq!(
        finding(&r, "ACL001")["status"],
        "fail",
        "{}",
        text(&r, "ACL001")
    );
    assert_eq!(
        finding(&r, "NET002")["status"],
        "fail",
        "{}",
        text(&r, "NET002")
    );
    assert!(text(&r, "NET002").contains("protected-mode no"));
    // One Sentinel for mymaster: no failover vote.
    assert_eq!(
        finding(&r, "CLU001")["status"],
        "fail",
        "{}",
        text(&r, "CLU001")
    );
}
