//! Verdicts of the ACL checks that once disagreed with the server, each
//! against a real redis-server (Debian's 7.0.15, the fixture's default)
//! started on the very config rampart audits; the server is the oracle
//! (ACL DRYRUN, AUTH, the command table as rename-command leaves it).
//!
//! - ACL009: a `+@all` default user beside a restricted user is not
//!   "restricted by ACLs" (file and live audit).
//! - ACL004: Redis 7.0 rewrites `+@connection -@dangerous +client|list` in
//!   ACL LIST as `+@connection -client|kill …`; the verdict follows what
//!   the user can run, not that text (live audit).
//! - ACL002: requirepass sets the default user's password: in effect, and
//!   counted once (file and live audit).
//! - rename-command: `acl can`, `who-can`, `review`, ACL004 and ACL009 of a
//!   files-only audit see the command table the server has.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Conn, Credentials, Reply, Server};
use serde_json::Value;
use std::process::{Command, Output};

const APP_PW: &str = "5e1f0a9c7b3d2e8f4a6c1b0d9e7f3a2c-app";
const AUDIT_PW: &str = "c0ffee42deadbeef1337cafe0badf00d-audit";
const DEFAULT_PW: &str = "a8e3f60a1e5c9b2d7f4a9f2c1e7a4b8d3-default";

/// The least-privilege auditor of the README, plus COMMAND (the server's
/// own command table) and, for the test's own oracle, ACL DRYRUN, ACL CAT
/// and ACL SETUSER: each granted one by one.
const AUDITOR: &str = "user audit on >c0ffee42deadbeef1337cafe0badf00d-audit resetchannels -@all +info +config|get +acl|list +client|list +client|id +cluster|nodes +command +acl|dryrun +acl|cat +acl|setuser";

fn start(conf: &str, files: &[(&str, &str)]) -> Option<Server> {
    if !redis_fixture::available() {
        eprintln!("SKIP: no redis-server here");
        return None;
    }
    Some(Server::start_files(conf, files, &[]).unwrap())
}

fn conf_path(s: &Server) -> String {
    s.path().join("redis.conf").display().to_string()
}

fn run(args: &[&str], password: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "RAMPART_HISTORY",
            "/nonexistent/rampart-verdicts-acl/history",
        )
        // Nothing recorded (the audit records itself unless told not to).
        .env("RAMPART_NO_HISTORY", "1");
    if let Some(p) = password {
        c.env("REDISCLI_AUTH", p);
    }
    c.output().unwrap()
}

/// A files-only audit of the server's config.
fn file_audit(s: &Server) -> Value {
    let conf = conf_path(s);
    json(&run(
        &["audit", "--config", &conf, "--no-proc", "--format", "json"],
        None,
    ))
}

/// A live audit of the server (its config file, named by INFO, beside it).
fn live_audit(s: &Server, user: Option<&str>, password: Option<&str>) -> Value {
    let addr = format!("127.0.0.1:{}", s.port);
    let mut args = vec![
        "audit",
        addr.as_str(),
        "--format",
        "json",
        "--no-tls-scan",
        "--no-discover",
    ];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    json(&run(&args, password))
}

fn finding(r: &Value, id: &str) -> Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {r}"))
        .clone()
}

fn expect(r: &Value, id: &str, status: &str) -> Value {
    let f = finding(r, id);
    assert_eq!(f["status"], status, "{id}: {f:#}");
    f
}

/// Every piece of evidence as `location | observed`, one per line.
fn ev(f: &Value) -> String {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} | {}",
                e["location"].as_str().unwrap_or(""),
                e["observed"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `ACL DRYRUN user args...` on the server: `Ok(())` allowed, `Err(reply)` not.
fn dryrun(c: &mut Conn, user: &str, args: &[&str]) -> Result<(), String> {
    let mut v = vec!["ACL", "DRYRUN", user];
    v.extend_from_slice(args);
    match c.cmd(&v).unwrap() {
        Reply::Status(ok) if ok == "OK" => Ok(()),
        other => Err(other.text()),
    }
}

/// The @dangerous commands (as ACL CAT names them) that the server lets
/// `user` run (ACL DRYRUN), each called by `call(name)` (its name after
/// rename-command; `None`: not callable).
fn dangerous_allowed(
    c: &mut Conn,
    user: &str,
    call: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let cat = c.cmd(&["ACL", "CAT", "dangerous"]).unwrap();
    let mut allowed = Vec::new();
    for name in cat.array().iter().map(Reply::text) {
        let Some(called) = call(&name) else {
            // Not callable: the server must say so.
            let words: Vec<&str> = name.split('|').collect();
            let r = dryrun(c, user, &words);
            assert!(
                r.as_ref().is_err_and(|e| e.contains("not found")),
                "{name}: {r:?}"
            );
            continue;
        };
        let info = c.cmd(&["COMMAND", "INFO", &called]).unwrap();
        // By the name it is called by (COMMAND INFO knows no other).
        let arity = match &info {
            Reply::Array(Some(items)) => match items.first() {
                Some(Reply::Array(Some(inner))) => match inner.get(1) {
                    Some(Reply::Int(n)) => n.unsigned_abs() as usize,
                    _ => 1,
                },
                _ => 1,
            },
            _ => 1,
        };
        let mut args: Vec<String> = called.split('|').map(str::to_string).collect();
        let n = args.len();
        args.extend(std::iter::repeat_n(
            "x".to_string(),
            arity.saturating_sub(n),
        ));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match dryrun(c, user, &refs) {
            Ok(()) => allowed.push(name),
            Err(e) if e.contains("no permissions") => {}
            Err(e) => panic!("{refs:?}: {e}"),
        }
    }
    allowed
}

/// `user X: N @dangerous command(s) not granted one by one: ...` → N.
fn wholesale_count(f: &Value, user: &str) -> usize {
    let text = ev(f);
    let prefix = format!("user {user}: ");
    let line = text
        .lines()
        .find(|l| l.contains(&prefix) && l.contains("not granted one by one"))
        .unwrap_or_else(|| panic!("no wholesale line for {user}:\n{text}"));
    let tail = &line[line.find(&prefix).unwrap() + prefix.len()..];
    tail.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn acl009_judges_the_default_user_beside_restricted_ones() {
    let conf = format!(
        "user default on nopass ~* &* +@all\nuser app on >{APP_PW} ~app:* +@all -@dangerous\n"
    );
    let Some(s) = start(&conf, &[]) else { return };
    let mut c = s.conn();
    // The server: default runs FLUSHALL, CONFIG and KEYS; app none of them.
    for args in [
        &["FLUSHALL"][..],
        &["CONFIG", "SET", "dir", "/tmp"],
        &["KEYS", "*"],
    ] {
        assert_eq!(dryrun(&mut c, "default", args), Ok(()), "{args:?}");
        assert!(dryrun(&mut c, "app", args).is_err(), "{args:?}");
    }
    for (how, r) in [
        ("file", file_audit(&s)),
        ("live", live_audit(&s, None, None)),
    ] {
        let f = expect(&r, "ACL009", "warn");
        let text = ev(&f);
        assert!(
            text.contains("user default runs them with every command; not renamed: flushall flushdb config debug keys"),
            "{how}: {text}"
        );
        assert!(!text.contains("user app"), "{how}: {text}");
        assert!(
            f["message"].as_str().unwrap().contains("(user(s) default)"),
            "{how}: {f:#}"
        );
    }

    // requirepass instead of nopass: AUTH works, and the default user
    // still runs FLUSHALL.
    let conf =
        format!("requirepass {DEFAULT_PW}\nuser app on >{APP_PW} ~app:* +@all -@dangerous\n");
    let Some(s) = start(&conf, &[]) else { return };
    let mut c = s.conn();
    c.auth(&Credentials::password(DEFAULT_PW)).unwrap();
    assert_eq!(dryrun(&mut c, "default", &["FLUSHALL"]), Ok(()));
    for (how, r) in [
        ("file", file_audit(&s)),
        ("live", live_audit(&s, None, Some(DEFAULT_PW))),
    ] {
        let f = expect(&r, "ACL009", "warn");
        let text = ev(&f);
        assert!(
            text.contains("user default runs them with every command"),
            "{how}: {text}"
        );
        assert!(!text.contains("user app"), "{how}: {text}");
    }

    // The default user off, the others without @dangerous (the auditor
    // has its few granted one by one): restricted by ACLs.
    let conf =
        format!("user default off\n{AUDITOR}\nuser app on >{APP_PW} ~app:* +@all -@dangerous\n");
    let Some(s) = start(&conf, &[]) else { return };
    let mut c = s.conn();
    c.auth(&Credentials::user("audit", AUDIT_PW)).unwrap();
    for u in ["app", "audit"] {
        assert!(dryrun(&mut c, u, &["FLUSHALL"]).is_err(), "{u}");
    }
    for (how, r) in [
        ("file", file_audit(&s)),
        ("live", live_audit(&s, Some("audit"), Some(AUDIT_PW))),
    ] {
        let f = expect(&r, "ACL009", "pass");
        assert!(!ev(&f).contains("runs them"), "{how}: {f:#}");
    }
}

#[test]
fn acl004_follows_what_a_user_can_run_not_70_acl_list_text() {
    let conf = format!(
        "user default off\n{AUDITOR}\n\
         user conn on >{APP_PW} ~* +@connection -@dangerous +client|list\n\
         user plain on >{APP_PW} ~* -@dangerous +client|list\n\
         user ops on >{APP_PW} ~* +@admin -config|set\n\
         user adm on >{APP_PW} ~* &* +@all -@dangerous +acl +config +client +monitor +shutdown\n"
    );
    let Some(s) = start(&conf, &[]) else { return };
    let mut c = s.conn();
    c.auth(&Credentials::user("audit", AUDIT_PW)).unwrap();
    // Redis 7.0 rewrites conn's rules: CLIENT LIST now comes with
    // +@connection, the other dangerous ones of it removed one by one.
    let list = c.cmd(&["ACL", "LIST"]).unwrap();
    let line = list
        .array()
        .iter()
        .map(Reply::text)
        .find(|l| l.starts_with("user conn "))
        .unwrap();
    let info = c.cmd(&["INFO", "server"]).unwrap().text();
    let version = redis_fixture::info_field(&info, "redis_version").unwrap_or_default();
    if version.starts_with("7.0.") {
        assert!(line.contains("+@connection -client|"), "{line}");
        assert!(!line.contains("+client|list"), "{line}");
    }
    // What conn and plain can run of @dangerous: CLIENT LIST, nothing else.
    for u in ["conn", "plain"] {
        assert_eq!(dryrun(&mut c, u, &["CLIENT", "LIST"]), Ok(()), "{u}");
        assert_eq!(
            dangerous_allowed(&mut c, u, |n| Some(n.into())),
            ["client|list"],
            "{u}"
        );
    }
    // ops really runs dangerous commands (@admin but CONFIG SET); adm
    // too, each one named by its rules.
    assert_eq!(
        dryrun(&mut c, "ops", &["CONFIG", "GET", "maxmemory"]),
        Ok(())
    );
    assert!(dryrun(&mut c, "ops", &["CONFIG", "SET", "maxmemory", "0"]).is_err());
    let ops = dangerous_allowed(&mut c, "ops", |n| Some(n.into()));
    assert!(ops.len() > 60, "{ops:?}");
    assert_eq!(dryrun(&mut c, "adm", &["CLIENT", "KILL", "x"]), Ok(()));
    assert!(dryrun(&mut c, "adm", &["FLUSHALL"]).is_err());

    let r = live_audit(&s, Some("audit"), Some(AUDIT_PW));
    let f = expect(&r, "ACL004", "fail");
    let text = ev(&f);
    assert!(
        text.contains(&format!("ACL LIST on 127.0.0.1:{} (user ops)", s.port)),
        "{text}"
    );
    assert_eq!(
        wholesale_count(&f, "ops"),
        ops.len(),
        "server allows {ops:?}:\n{text}"
    );
    for u in ["conn", "plain", "audit", "adm"] {
        assert!(!text.contains(&format!("user {u}")), "{u}:\n{text}");
    }
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("1 user selector(s)"),
        "{f:#}"
    );

    // Without ops: a pass, conn's CLIENT LIST listed as granted one by one.
    assert!(!c.cmd(&["ACL", "SETUSER", "ops", "off"]).unwrap().is_error());
    let r = live_audit(&s, Some("audit"), Some(AUDIT_PW));
    let f = expect(&r, "ACL004", "pass");
    let text = ev(&f);
    assert!(
        text.contains("user conn: granted one by one: client|list"),
        "{text}"
    );
    assert!(
        text.contains("user plain: granted one by one: client|list"),
        "{text}"
    );
    assert!(
        text.contains("user adm: granted one by one: acl|"),
        "{text}"
    );
}

#[test]
fn acl002_requirepass_sets_the_default_users_password() {
    let conf = format!("requirepass {DEFAULT_PW}\nuser app on >{APP_PW} ~app:* +get\n");
    let Some(s) = start(&conf, &[]) else { return };
    // The server: AUTH with requirepass logs in as default.
    let mut c = s.conn();
    c.auth(&Credentials::password(DEFAULT_PW)).unwrap();
    assert_eq!(c.cmd(&["ACL", "WHOAMI"]).unwrap().text(), "default");
    for (how, r) in [
        ("file", file_audit(&s)),
        ("live", live_audit(&s, None, Some(DEFAULT_PW))),
    ] {
        let f = expect(&r, "ACL002", "pass");
        let text = ev(&f);
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .starts_with("2 password(s) checked"),
            "{how}: {f:#}"
        );
        assert!(
            text.contains("user default: password #1 (plaintext, from requirepass): strong"),
            "{how}: {text}"
        );
        assert!(!text.contains("not in effect"), "{how}: {text}");
        assert_eq!(text.matches("requirepass").count(), 1, "{how}: {text}");
        assert!(!serde_json::to_string(&r).unwrap().contains(DEFAULT_PW));
    }

    // With an aclfile Redis ignores requirepass: AUTH with it fails, and
    // the evidence says it is not in effect.
    let conf = format!("requirepass {DEFAULT_PW}\naclfile users.acl\n");
    let acl = format!("user app on >{APP_PW} ~app:* +get\n");
    let Some(s) = start(&conf, &[("users.acl", &acl)]) else {
        return;
    };
    let mut c = s.conn();
    assert!(c.auth(&Credentials::password(DEFAULT_PW)).is_err());
    let f = finding(&file_audit(&s), "ACL002");
    let text = ev(&f);
    assert!(text.contains("requirepass (not in effect"), "{text}");
    assert!(!text.contains("user default: password"), "{text}");
}

/// rename-command in the config, as redis-server applies it.
const RENAMES: &str =
    "rename-command FLUSHALL \"\"\nrename-command CONFIG cfg\nrename-command DEBUG \"\"\n";

#[test]
fn rename_command_in_file_audits_matches_the_server() {
    let conf = format!(
        "{RENAMES}user default on nopass ~* &* +@all\nuser ops on >{APP_PW} ~* +@all -@dangerous +config|get +flushall\n"
    );
    let Some(s) = start(&conf, &[]) else { return };
    let mut c = s.conn();
    // The server: FLUSHALL and CONFIG are unknown, CONFIG answers as cfg.
    for args in [
        &["FLUSHALL"][..],
        &["CONFIG", "GET", "port"],
        &["DEBUG", "SLEEP", "0"],
    ] {
        let r = c.cmd(args).unwrap();
        assert!(r.text().contains("unknown command"), "{args:?}: {r:?}");
    }
    assert_eq!(
        c.cmd(&["cfg", "GET", "port"]).unwrap().array()[1].text(),
        s.port.to_string()
    );
    let conf_file = conf_path(&s);
    let conf_file = conf_file.as_str();

    // acl can: unknown where the server says so, allowed under the new name.
    for (user, args) in [
        ("default", &["CONFIG", "GET", "x"][..]),
        ("default", &["FLUSHALL"]),
        ("ops", &["FLUSHALL"]),
    ] {
        let oracle = dryrun(&mut c, user, args);
        assert!(
            oracle.as_ref().is_err_and(|e| e.contains("not found")),
            "{oracle:?}"
        );
        let mut a = vec!["acl", "can", "--config", conf_file, user];
        a.extend_from_slice(args);
        let o = run(&a, None);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
    }
    for (user, args) in [
        ("default", &["cfg", "SET", "x", "y"][..]),
        ("ops", &["cfg", "GET", "x"]),
    ] {
        assert_eq!(dryrun(&mut c, user, args), Ok(()));
        let mut a = vec!["acl", "can", "--config", conf_file, user];
        a.extend_from_slice(args);
        let o = run(&a, None);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
    }
    assert!(dryrun(&mut c, "ops", &["cfg", "SET", "x", "y"]).is_err());

    // The dangerous commands default can run, as the server counts them.
    let call = |n: &str| match n {
        "flushall" | "debug" => None,
        _ => Some(match n.strip_prefix("config|") {
            Some(sub) => format!("cfg|{sub}"),
            None => n.to_string(),
        }),
    };
    let allowed = dangerous_allowed(&mut c, "default", call);
    assert!(!allowed.iter().any(|n| n == "flushall" || n == "debug"));
    assert!(allowed.iter().any(|n| n == "config|set"));

    // who-can and review count the same.
    let o = run(
        &[
            "acl",
            "who-can",
            "--config",
            conf_file,
            "--category",
            "@dangerous",
            "--format",
            "json",
        ],
        None,
    );
    let v = json(&o);
    let reason = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "default")
        .unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.starts_with(&format!("{} of {} ", allowed.len(), allowed.len())),
        "{reason}"
    );
    let o = run(
        &["acl", "review", "--config", conf_file, "--format", "json"],
        None,
    );
    let v = json(&o);
    let default = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "default")
        .unwrap()
        .clone();
    let names: Vec<&str> = default["dangerous"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["command"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), allowed.len(), "{names:?}");
    assert!(!names.contains(&"flushall") && !names.contains(&"debug"));

    // The files-only audit: ACL004 counts what default can run, under the
    // name it is called by; ACL009 takes the renames as disabling.
    let r = file_audit(&s);
    let f = expect(&r, "ACL004", "fail");
    assert_eq!(wholesale_count(&f, "default"), allowed.len(), "{f:#}");
    assert!(!ev(&f).contains("user ops"), "{f:#}");
    let f = expect(&r, "ACL009", "warn");
    let text = ev(&f);
    for n in [
        "flushall disabled",
        "config renamed",
        "debug disabled",
        "user default runs them with every command; not renamed: flushdb keys module",
    ] {
        assert!(text.contains(n), "{n}: {text}");
    }
    assert!(!text.contains("user ops"), "{text}");
    // ops's +flushall names a command clients cannot call: nothing to count.
    assert!(dryrun(&mut c, "ops", &["FLUSHDB"]).is_err());
}

#[test]
fn acl009_passes_when_every_dangerous_command_is_disabled() {
    const DANGEROUS: &[&str] = &[
        "flushall",
        "flushdb",
        "config",
        "debug",
        "keys",
        "module",
        "shutdown",
        "save",
        "bgsave",
        "bgrewriteaof",
        "replicaof",
        "slaveof",
        "migrate",
        "monitor",
        "acl",
        "eval",
        "script",
    ];
    let renames: String = DANGEROUS
        .iter()
        .map(|c| format!("rename-command {c} \"\"\n"))
        .collect();
    let Some(s) = start(&renames, &[]) else {
        return;
    };
    let mut c = s.conn();
    for cmd in DANGEROUS {
        let r = c.cmd(&[*cmd]).unwrap();
        assert!(r.text().contains("unknown command"), "{cmd}: {r:?}");
    }
    let r = file_audit(&s);
    let f = expect(&r, "ACL009", "pass");
    assert!(ev(&f).contains("flushall disabled"), "{f:#}");
    // And ACL004: what the +@all default user runs no longer holds them.
    let f = expect(&r, "ACL004", "fail");
    let text = ev(&f);
    for gone in ["flushall", "acl|setuser", "config|set"] {
        assert!(
            !text.split_whitespace().any(|w| w == gone),
            "{gone}: {text}"
        );
    }
}
