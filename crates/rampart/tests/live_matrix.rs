//! Every live check, on real servers, with a configuration that passes and
//! one that fails (or warns): the status, and the evidence naming what was
//! seen (the live value, the user, the port). Where the server can answer,
//! it is the oracle: CONFIG GET the value rampart reports, run the command
//! rampart says a user can (or cannot) run, read /proc/net for the sockets.
//!
//! One server serves a verdict pair where a runtime change (CONFIG SET, ACL
//! SETUSER) between two audits flips it; the drift from the config file then
//! shows in the evidence, which is asserted too.
//!
//! Covered elsewhere on real servers: NET004, ACL001, ACL003, ACL010,
//! TLS001–TLS005, TLS010, CLU001, CLU002, OS001, DATA001, DATA003 (live.rs,
//! topology.rs, sample.rs, oracle.rs).
//!
//! Not testable here:
//! - NET003 failing: its only failing configuration is a server on 6379
//!   (`port` or `tls-port`), and tests never bind 6379. What is tested is
//!   that the running port wins over a config file that says 6379.
//! - VER001 passing: the only Redis here is Debian's 7.0.15, a line that is
//!   end of life (fail); the Valkey of scripts/install-valkey.sh is a
//!   tarball build that rampart cannot confirm current (manual, with notes).
//!   A pass needs the latest patch of a supported line, identified as such.
//! - VER002 has no pass (rampart has no client-library release data: it
//!   lists what it sees, `manual`) and no fail; its two verdicts are skip
//!   (no application client) and manual. Listing libraries needs CLIENT
//!   SETINFO (Redis 7.2+ / Valkey): Redis 7.0 refuses it, so that half runs
//!   only when a valkey-server is installed (scripts/install-valkey.sh) and
//!   says SKIP otherwise.
//! - TLS006 against the link itself: it reads the `tls-replication`
//!   setting, and INFO does not say which transport the open master link
//!   uses, so a runtime CONFIG SET the link has not yet acted on (it applies
//!   at the next connection) cannot be told apart. The test's oracle is the
//!   port the link goes to (the primary's TLS port, or its plaintext one).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{
    Conn, Credentials, Node, ReplAuth, ReplicaSetBuilder, Reply, SentinelSetBuilder, ServerBuilder,
    TlsMaterial, ADMIN_PASSWORD, ADMIN_USER,
};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

const AUDIT_PW: &str = "c0ffee42deadbeef1337cafe0badf00d-matrix";
const APP_PW: &str = "5e1f0a9c7b3d2e8f4a6c1b0d9e7f3a2c-app";
const OPS_PW: &str = "0d9e7f3a2c5e1f0a9c7b3d2e8f4a6c1b-ops";
/// In John the Ripper's common-password list.
const WEAK_PW: &str = "iloveyou";
const STRONG_PW: &str = "a8e3f60a1e5c9b2d7f4a9f2c1e7a4b8d3-default";

/// `rampart audit ADDR --format json --no-tls-scan --no-discover` plus
/// `extra`, as `user` (`--user`) with `password` in REDISCLI_AUTH.
fn audit_at(
    addr: &str,
    user: Option<&str>,
    password: Option<&str>,
    extra: &[&str],
    env: &[(&str, &Path)],
) -> (Output, Value) {
    let mut args = vec![
        "audit",
        addr,
        "--format",
        "json",
        "--no-tls-scan",
        "--no-discover",
    ];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    args.extend_from_slice(extra);
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(&args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // No history unless a test gives one.
        .env(
            "RAMPART_HISTORY",
            "/nonexistent/rampart-live-matrix/history",
        )
        // Nothing recorded (the audit records itself unless told not to).
        .env("RAMPART_NO_HISTORY", "1");
    if let Some(p) = password {
        c.env("REDISCLI_AUTH", p);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let r = json(&o);
    (o, r)
}

/// Audit a node as the fixture's own credentials.
fn audit(node: &Node, extra: &[&str]) -> Value {
    let creds = node.credentials();
    let user = creds.and_then(|c| c.user.as_deref());
    let pw = creds.map(|c| c.password.as_str());
    audit_at(&node.addr(), user, pw, extra, &[]).1
}

/// The finding `id`, asserted to have `status`.
fn expect(r: &Value, id: &str, status: &str) -> Value {
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} finding in {r}"))
        .clone();
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

/// Assert that the evidence of `f` contains every one of `needles`.
fn ev_has(f: &Value, needles: &[&str]) {
    let text = ev(f);
    for n in needles {
        assert!(
            text.contains(n),
            "{}: evidence lacks {n:?}:\n{text}",
            f["id"]
        );
    }
}

/// A connection logged in as `user`.
fn conn_as(port: u16, user: &str, password: &str) -> Conn {
    let mut c = Conn::connect(port).unwrap();
    c.auth(&Credentials::user(user, password)).unwrap();
    c
}

/// Whether `user` may run `args` on the server: the server itself answers,
/// by running the command (every command used here is harmless).
fn may_run(port: u16, user: &str, password: &str, args: &[&str]) -> bool {
    match conn_as(port, user, password).cmd(args).unwrap() {
        Reply::Error(e) if e.starts_with("NOPERM") => false,
        Reply::Error(e) => panic!("{args:?} as {user}: unexpected error {e}"),
        _ => true,
    }
}

/// Local addresses (hex `ADDR:PORT` as /proc/net prints them) of the
/// sockets listening on `port`, from /proc/net/tcp and tcp6.
fn listeners(port: u16) -> Vec<String> {
    let mut out = Vec::new();
    for f in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // cols[1] local address, cols[3] state (0A = LISTEN)
            if cols.len() > 3 && cols[3] == "0A" && cols[1].ends_with(&format!(":{port:04X}")) {
                out.push(cols[1].to_string());
            }
        }
    }
    out
}

/// The @dangerous commands (ACL CAT dangerous) the server lets `user` run,
/// asked with ACL DRYRUN (nothing runs), with dummy arguments to each
/// command's arity (COMMAND INFO).
fn dangerous_allowed(c: &mut Conn, user: &str) -> Vec<String> {
    let cat = c.cmd(&["ACL", "CAT", "dangerous"]).unwrap();
    let mut allowed = Vec::new();
    for name in cat.array().iter().map(Reply::text) {
        let info = c.cmd(&["COMMAND", "INFO", &name]).unwrap();
        let arity = match &info.array()[0].array()[1] {
            Reply::Int(n) => n.unsigned_abs() as usize,
            other => panic!("COMMAND INFO {name}: {other:?}"),
        };
        let mut args = vec!["ACL".to_string(), "DRYRUN".into(), user.into()];
        let words: Vec<String> = name.split('|').map(str::to_string).collect();
        let n = words.len();
        args.extend(words);
        args.extend(std::iter::repeat_n(
            "x".to_string(),
            arity.saturating_sub(n),
        ));
        match c.cmd(&args).unwrap() {
            Reply::Status(ok) if ok == "OK" => allowed.push(name),
            Reply::Bulk(Some(b)) if String::from_utf8_lossy(&b).contains("no permissions") => {}
            other => panic!("{args:?}: {other:?}"),
        }
    }
    allowed.sort();
    allowed
}

/// The commands named after `prefix` in evidence text (`a b c (+N more)`)
/// and how many there are in all.
fn listed(text: &str, prefix: &str) -> (Vec<String>, usize) {
    let line = text
        .lines()
        .find(|l| l.contains(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in:\n{text}"));
    let tail = &line[line.find(prefix).unwrap() + prefix.len()..];
    let (names, more) = match tail.split_once(" (+") {
        Some((names, rest)) => (
            names,
            rest.trim_end_matches(" more)").parse::<usize>().unwrap(),
        ),
        None => (tail, 0),
    };
    let shown: Vec<String> = names.split_whitespace().map(str::to_string).collect();
    let total = shown.len() + more;
    (shown, total)
}

fn no_secret(o: &Output, secrets: &[&str]) {
    let text = stdout(o) + &stderr(o);
    for s in secrets {
        assert!(!text.contains(s), "a password in rampart's output");
    }
}

/// One server with the fixture's defaults (bind 127.0.0.1, protected mode,
/// no auth, no log file), audited, changed with CONFIG SET, audited again.
/// NET001, NET002, NET003, ACL007, ACL009 (warn), LOG001 (fail), LOG003
/// (warn), VER001, VER002.
#[test]
// One server's story, step by step (a test reads best in one piece).
#[allow(clippy::too_many_lines)]
fn defaults_then_runtime_changes() {
    let s = ServerBuilder::new().start().unwrap();
    let port = s.port.unwrap();
    let on = format!("on 127.0.0.1:{port}");
    let r = audit(&s, &[]);

    // NET001: bind as CONFIG GET gives it; the server listens on loopback only.
    assert_eq!(s.config_get("bind").unwrap(), "127.0.0.1");
    assert_eq!(listeners(port), [format!("0100007F:{port:04X}")]);
    let f = expect(&r, "NET001", "pass");
    let proc_net = format!("/proc/net/tcp, tcp6 (process {})", s.pid());
    ev_has(
        &f,
        &[
            &format!("CONFIG GET bind {on} | bind 127.0.0.1"),
            &format!("{proc_net} | listening on 127.0.0.1:{port}"),
        ],
    );

    // NET002
    assert_eq!(s.config_get("protected-mode").unwrap(), "yes");
    let f = expect(&r, "NET002", "pass");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET protected-mode {on} | protected-mode yes"
        )],
    );

    // NET003: the port the server runs on, and no tls-port.
    assert_eq!(s.config_get("port").unwrap(), port.to_string());
    let f = expect(&r, "NET003", "pass");
    ev_has(
        &f,
        &[
            &format!("CONFIG GET port {on} | port {port}"),
            &format!("CONFIG GET tls-port {on} | tls-port 0"),
        ],
    );

    // ACL007: no requirepass.
    assert_eq!(s.config_get("requirepass").unwrap(), "");
    let f = expect(&r, "ACL007", "pass");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET requirepass {on} | requirepass not set"
        )],
    );

    // ACL009: the debug switch is off (DEBUG is refused), but with no ACL
    // users every client runs CONFIG, KEYS, FLUSHALL...: warn, naming them.
    let mut c = s.conn();
    let debug = c.cmd(&["DEBUG", "SLEEP", "0"]).unwrap();
    assert!(
        debug.text().contains("DEBUG command not allowed"),
        "{debug:?}"
    );
    assert!(!c.cmd(&["KEYS", "nothing:*"]).unwrap().is_error());
    let f = expect(&r, "ACL009", "warn");
    ev_has(
        &f,
        &[
            &format!("CONFIG GET enable-debug-command {on} | enable-debug-command no"),
            "no ACL users; not renamed: flushall flushdb config debug keys",
        ],
    );

    // LOG001 / LOG003: logfile "" (stdout), no syslog, not supervised.
    assert_eq!(s.config_get("logfile").unwrap(), "");
    assert_eq!(s.config_get("syslog-enabled").unwrap(), "no");
    let f = expect(&r, "LOG001", "fail");
    ev_has(
        &f,
        &[
            &format!("CONFIG GET logfile {on} | logfile \"\""),
            "syslog-enabled no",
        ],
    );
    let f = expect(&r, "LOG003", "warn");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET syslog-enabled {on} | syslog-enabled no"
        )],
    );

    // VER001: what it decides on this server's version. The version it
    // names is the one INFO gives; a 7.0.x is an end-of-life line (fail).
    let info = s.info("server");
    let version = redis_fixture::info_field(&info, "redis_version").unwrap();
    let f = &r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "VER001")
        .unwrap()
        .clone();
    assert_ne!(f["status"], "pass", "{f:#}");
    assert_ne!(f["status"], "error", "{f:#}");
    let line: Vec<&str> = version.split('.').take(2).collect();
    let line = line.join(".");
    ev_has(
        f,
        &[&format!(
            "INFO server {on} | Redis {version} (line {line}: "
        )],
    );
    assert!(
        f["evidence"][0]["expected"]
            .as_str()
            .unwrap()
            .contains("advisory data reviewed"),
        "{f:#}"
    );
    if line == "7.0" {
        assert_eq!(f["status"], "fail", "{f:#}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("line 7.0 is end of life"),
            "{f:#}"
        );
    }

    drop(c);
    // VER002: only the audit's own connection: skip. An application
    // connection that cannot name its library (CLIENT SETINFO is 7.2+):
    // manual, counting it.
    expect(&r, "VER002", "skip");
    let mut app = s.conn();
    app.cmd(&["CLIENT", "SETNAME", "app-1"]).unwrap();
    let setinfo = app
        .cmd(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"])
        .unwrap();
    let has_setinfo = !setinfo.is_error();

    // Runtime changes: listen everywhere (protected mode stays on, so
    // other hosts get -DENIED meanwhile), then, on loopback again,
    // protected mode off.
    let set = |k: &str, v: &str| {
        let r = s.cmd(&["CONFIG", "SET", k, v]);
        assert!(!r.is_error(), "CONFIG SET {k}: {r:?}");
    };
    set("bind", "0.0.0.0");
    let listening = listeners(port);
    let r = audit(&s, &[]);
    set("bind", "127.0.0.1");
    // /proc/net: the server did listen on every IPv4 address.
    assert_eq!(listening, [format!("00000000:{port:04X}")]);
    let f = expect(&r, "NET001", "fail");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("every interface via 0.0.0.0"),
        "{f:#}"
    );
    ev_has(
        &f,
        &[
            &format!("CONFIG GET bind {on} | bind 0.0.0.0"),
            "drift: the file gives bind \"127.0.0.1\", the running server has \"0.0.0.0\"",
            &format!("{proc_net} | listening on 0.0.0.0:{port}"),
        ],
    );
    set("protected-mode", "no");
    let r = audit(&s, &[]);
    set("protected-mode", "yes");
    let f = expect(&r, "NET002", "fail");
    ev_has(
        &f,
        &[
            &format!("CONFIG GET protected-mode {on} | protected-mode no"),
            "user default: on, nopass",
        ],
    );
    if has_setinfo {
        let f = expect(&r, "VER002", "manual");
        ev_has(&f, &["redis-py"]);
    } else {
        // The server refused CLIENT SETINFO: rampart says it cannot have it.
        let f = expect(&r, "VER002", "manual");
        ev_has(
            &f,
            &[&format!(
                "CLIENT LIST {on} | 1 client(s); this server has no CLIENT SETINFO"
            )],
        );
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("cannot name its clients' libraries"),
            "{f:#}"
        );
    }
    drop(app);

    // A requirepass: ACL007 asks to verify it is still needed; protected
    // mode off is then acceptable (NET002 passes: clients must log in).
    set("protected-mode", "no");
    set("requirepass", STRONG_PW);
    let (o, r) = audit_at(&s.addr(), None, Some(STRONG_PW), &[], &[]);
    no_secret(&o, &[STRONG_PW]);
    let mut anon = Conn::connect(port).unwrap();
    assert!(anon.cmd(&["PING"]).unwrap().text().starts_with("NOAUTH"));
    let f = expect(&r, "ACL007", "manual");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET requirepass {on} | requirepass is set (value not shown)"
        )],
    );
    let f = expect(&r, "NET002", "pass");
    ev_has(&f, &["protected-mode no"]);
    // ACL002: a password set at runtime is known only by its hash, and the
    // message says what that hash could be checked for.
    let f = expect(&r, "ACL002", "pass");
    ev_has(
        &f,
        &[&format!(
            "ACL LIST {on} (user default) | user default: password #1 (hashed): not the hash of a common password"
        )],
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("their length and strength cannot be seen"),
        "{f:#}"
    );
}

/// A server started with a config file that says `port 6379`: the command
/// line moves it elsewhere, and NET003 judges the running port: from
/// CONFIG GET (the file's 6379 shows as drift), and, for an auditor that
/// may not run CONFIG GET, from the sockets the process listens on
/// (/proc/net). A server on 6379 itself is never started.
#[test]
fn net003_judges_the_running_port_not_the_file() {
    let s = redis_fixture::Server::start(&format!(
        "port 6379\n\
         user default on nopass ~* &* +@all\n\
         user auditor on >{AUDIT_PW} resetchannels -@all +info +acl|list +client|list +client|id\n"
    ))
    .unwrap();
    assert_ne!(s.port, 6379);
    assert_eq!(s.config_get("port").unwrap(), s.port.to_string());
    assert_eq!(listeners(s.port), [format!("0100007F:{:04X}", s.port)]);
    let target = format!("127.0.0.1:{}", s.port);
    let (_, r) = audit_at(&target, None, None, &[], &[]);
    let f = expect(&r, "NET003", "pass");
    ev_has(
        &f,
        &[
            &format!("CONFIG GET port on {target} | port {}", s.port),
            &format!(
                "drift: the file gives port \"6379\", the running server has \"{}\"",
                s.port
            ),
        ],
    );

    let (o, r) = audit_at(&target, Some("auditor"), Some(AUDIT_PW), &[], &[]);
    no_secret(&o, &[AUDIT_PW]);
    let f = expect(&r, "NET003", "pass");
    ev_has(
        &f,
        &[&format!(
            "/proc/net/tcp, tcp6 (process {}) | listening on port(s) {}",
            s.pid(),
            s.port
        )],
    );
}

/// ACL users changed at runtime with ACL SETUSER, and rampart's history.
/// ACL002, ACL004, ACL008, ACL009 (ACL-restricted: pass), MNT001, MNT002.
#[test]
fn acl_users_at_runtime_and_history() {
    let conf = format!(
        "user default off\n\
         user rampart on >{AUDIT_PW} resetchannels -@all +info +config|get +acl|list +acl|setuser +acl|dryrun +acl|cat +client|list +client|id +cluster|nodes +command\n\
         user app on >{APP_PW} ~app:* resetchannels +@read +@write -@dangerous\n"
    );
    let s = ServerBuilder::new()
        .config(&conf)
        .auth(Credentials::user("rampart", AUDIT_PW))
        .start()
        .unwrap();
    let port = s.port.unwrap();
    let target = format!("127.0.0.1:{port}");
    let on = format!("on {target}");

    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history.sqlite");
    let day = 86_400;
    let now = rampart_collect::history::now();
    {
        let h = rampart_collect::history::History::open(&history).unwrap();
        h.record_review(&target, now - 100 * day, 2).unwrap();
        h.record_rotation(&target, "rampart", now - day, "test")
            .unwrap();
        h.record_rotation(&target, "app", now - 2 * day, "test")
            .unwrap();
    }
    let audit_h = || {
        let (o, r) = audit_at(
            &target,
            Some("rampart"),
            Some(AUDIT_PW),
            &[],
            &[("RAMPART_HISTORY", history.as_path())],
        );
        no_secret(&o, &[AUDIT_PW, APP_PW, OPS_PW, WEAK_PW]);
        r
    };
    let r = audit_h();

    // ACL002: ACL LIST shows hashes; the config file gives the same
    // passwords in clear, so their strength is measured.
    let f = expect(&r, "ACL002", "pass");
    ev_has(
        &f,
        &[
            "user rampart: password #1 (plaintext, from the config file): strong",
            "user app: password #1 (plaintext, from the config file): strong",
        ],
    );
    // ACL004: rampart's dangerous commands are granted one by one; app has none.
    assert!(!may_run(port, "app", APP_PW, &["KEYS", "app:*"]));
    assert!(!may_run(
        port,
        "app",
        APP_PW,
        &["CONFIG", "GET", "maxmemory"]
    ));
    assert!(may_run(
        port,
        "rampart",
        AUDIT_PW,
        &["CONFIG", "GET", "maxmemory"]
    ));
    assert!(!may_run(port, "rampart", AUDIT_PW, &["FLUSHALL"]));
    let f = expect(&r, "ACL004", "pass");
    ev_has(
        &f,
        &[
            "user rampart: granted one by one:",
            "user app: no @dangerous command",
        ],
    );
    // The server agrees, command by command (ACL DRYRUN over ACL CAT
    // dangerous): app may run none; rampart exactly the ones listed.
    let mut admin = s.conn();
    assert_eq!(dangerous_allowed(&mut admin, "app"), Vec::<String>::new());
    let (shown, total) = listed(&ev(&f), "user rampart: granted one by one: ");
    let allowed = dangerous_allowed(&mut admin, "rampart");
    assert_eq!(allowed.len(), total, "server: {allowed:?}\n{f:#}");
    for c in &shown {
        assert!(allowed.contains(c), "{c} is not allowed: {allowed:?}");
    }
    // ACL008: neither user reaches every key, channel or command.
    assert!(!may_run(port, "app", APP_PW, &["GET", "other:1"]));
    let f = expect(&r, "ACL008", "pass");
    ev_has(&f, &["user app: on, 1 password, ~app:*"]);
    // ACL009: ACL users restrict the dangerous commands.
    assert!(!may_run(port, "app", APP_PW, &["FLUSHALL"]));
    let f = expect(&r, "ACL009", "pass");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET enable-debug-command {on} | enable-debug-command no"
        )],
    );
    // MNT001: the last review is 100 days old.
    let f = expect(&r, "MNT001", "fail");
    ev_has(&f, &["(100 days ago, 2 user(s))"]);
    // MNT002: both passwords rotated within 90 days.
    let f = expect(&r, "MNT002", "pass");
    ev_has(
        &f,
        &[
            "user rampart: last rotated",
            "(1 days ago; 1 rotation(s) recorded)",
            "user app: last rotated",
        ],
    );

    // Runtime: app gets every key and command and a second, common
    // password; a new user ops was never rotated; a review is recorded now.
    let setuser = |c: &mut Conn, args: &[&str]| {
        let r = c.cmd(args).unwrap();
        assert!(!r.is_error(), "{args:?}: {r:?}");
    };
    setuser(
        &mut admin,
        &[
            "ACL",
            "SETUSER",
            "app",
            &format!(">{WEAK_PW}"),
            "allkeys",
            "+@all",
        ],
    );
    setuser(
        &mut admin,
        &[
            "ACL",
            "SETUSER",
            "ops",
            "on",
            &format!(">{OPS_PW}"),
            "~ops:*",
            "+get",
        ],
    );
    rampart_collect::history::History::open(&history)
        .unwrap()
        .record_review(&target, now, 3)
        .unwrap();
    let r = audit_h();

    // ACL002: the server accepts the common password: fail, by its hash.
    assert!(may_run(port, "app", WEAK_PW, &["PING"]));
    let f = expect(&r, "ACL002", "fail");
    ev_has(
        &f,
        &["user app: password #2 (hashed): the hash of a password in the common-password list"],
    );
    assert!(!ev(&f).contains("user app: password #1"), "{f:#}");
    // ACL004: app now runs dangerous commands that no rule names.
    assert!(may_run(port, "app", APP_PW, &["KEYS", "app:*"]));
    assert!(may_run(
        port,
        "app",
        APP_PW,
        &["CONFIG", "GET", "maxmemory"]
    ));
    let f = expect(&r, "ACL004", "fail");
    ev_has(&f, &[&format!("ACL LIST {on} (user app) | user app: ")]);
    assert!(!ev(&f).contains("user rampart"), "{f:#}");
    // The server allows app exactly as many dangerous commands as rampart
    // counts, including every one it names.
    let allowed = dangerous_allowed(&mut admin, "app");
    let (shown, total) = listed(&ev(&f), "@dangerous command(s) not granted one by one: ");
    assert!(
        ev(&f).contains(&format!("user app: {} @dangerous", allowed.len())),
        "server allows {}: {f:#}",
        allowed.len()
    );
    assert_eq!(allowed.len(), total, "{f:#}");
    for c in &shown {
        assert!(allowed.contains(c), "{c} is not allowed: {allowed:?}");
    }
    // ACL008: app reaches every key and every command.
    assert!(may_run(port, "app", APP_PW, &["GET", "other:1"]));
    let f = expect(&r, "ACL008", "warn");
    ev_has(
        &f,
        &["user app: on, 2 passwords, ~*", "holds every command"],
    );
    // MNT001: reviewed today.
    let f = expect(&r, "MNT001", "pass");
    ev_has(&f, &["(0 days ago, 3 user(s))"]);
    // MNT002: ops has a password and was never rotated.
    let f = expect(&r, "MNT002", "fail");
    ev_has(&f, &["user ops: never rotated by rampart"]);
    assert!(f["message"].as_str().unwrap().ends_with(": ops"), "{f:#}");
}

/// ACL007 fail (requirepass ignored under an aclfile), ACL009 fail (DEBUG
/// enabled), LOG001 and LOG003 pass (a log file and syslog).
#[test]
fn aclfile_requirepass_debug_and_logs() {
    let s = ServerBuilder::new()
        .file("users.acl", "user default on nopass ~* &* +@all\n")
        .config(&format!(
            "aclfile users.acl\nrequirepass {STRONG_PW}\nenable-debug-command yes\n\
             logfile redis.log\nsyslog-enabled yes\nsyslog-ident rampart-live-matrix\n"
        ))
        .start()
        .unwrap();
    let port = s.port.unwrap();
    let on = format!("on 127.0.0.1:{port}");
    let (o, r) = audit_at(&s.addr(), None, None, &[], &[]);
    no_secret(&o, &[STRONG_PW]);

    // ACL007: CONFIG GET shows a requirepass, yet no password is needed:
    // the ACL file's default user decides.
    assert_eq!(s.config_get("requirepass").unwrap(), STRONG_PW);
    let mut anon = Conn::connect(port).unwrap();
    assert_eq!(anon.cmd(&["PING"]).unwrap().text(), "PONG");
    let f = expect(&r, "ACL007", "fail");
    assert!(f["message"].as_str().unwrap().contains("ignored"), "{f:#}");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET requirepass {on} | requirepass is set (value not shown)"
        )],
    );

    // ACL009: DEBUG runs.
    assert!(!anon.cmd(&["DEBUG", "SLEEP", "0"]).unwrap().is_error());
    let f = expect(&r, "ACL009", "fail");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET enable-debug-command {on} | enable-debug-command yes"
        )],
    );

    // LOG001: the log file is written; LOG003: syslog on.
    let logfile = s.config_get("logfile").unwrap();
    assert_eq!(logfile, "redis.log");
    assert!(
        std::fs::metadata(s.path().join("redis.log")).unwrap().len() > 0,
        "redis.log is empty"
    );
    let f = expect(&r, "LOG001", "pass");
    ev_has(
        &f,
        &[&format!("CONFIG GET logfile {on} | logfile redis.log")],
    );
    assert_eq!(s.config_get("syslog-enabled").unwrap(), "yes");
    let f = expect(&r, "LOG003", "pass");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET syslog-enabled {on} | syslog-enabled yes"
        )],
    );

    // ACL007 again after CONFIG SET requirepass: with an aclfile it does
    // take effect at runtime (anonymous PING is refused), until a restart
    // or ACL LOAD; rampart must not call it ignored.
    let r = s.cmd(&["CONFIG", "SET", "requirepass", APP_PW]);
    assert!(!r.is_error(), "{r:?}");
    let mut anon = Conn::connect(port).unwrap();
    assert!(anon.cmd(&["PING"]).unwrap().text().starts_with("NOAUTH"));
    let (o, r) = audit_at(&s.addr(), None, Some(APP_PW), &[], &[]);
    no_secret(&o, &[STRONG_PW, APP_PW]);
    let f = expect(&r, "ACL007", "fail");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("the running default user has a password the ACL file does not give it"),
        "{f:#}"
    );
    ev_has(
        &f,
        &[
            &format!("ACL LIST {on} (user default) | user default: on, 1 password"),
            "| user default: on, nopass",
        ],
    );
}

/// ACL009 pass without ACL users: every listed dangerous command disabled
/// with rename-command (the server then answers "unknown command"; CONFIG
/// GET is gone too, so rampart says it used the file's values), in the
/// config file, then on the command line only.
#[test]
fn acl009_dangerous_commands_renamed() {
    let names = [
        "FLUSHALL",
        "FLUSHDB",
        "CONFIG",
        "DEBUG",
        "KEYS",
        "MODULE",
        "SHUTDOWN",
        "SAVE",
        "BGSAVE",
        "BGREWRITEAOF",
        "REPLICAOF",
        "SLAVEOF",
        "MIGRATE",
        "MONITOR",
        "ACL",
        "EVAL",
        "SCRIPT",
    ];
    let conf: String = names
        .iter()
        .map(|n| format!("rename-command {n} \"\"\n"))
        .collect();
    let s = ServerBuilder::new().config(&conf).start().unwrap();
    let mut c = s.conn();
    for n in ["FLUSHALL", "CONFIG", "KEYS"] {
        let r = c.cmd(&[n, "x"]).unwrap();
        assert!(r.text().contains("unknown command"), "{n}: {r:?}");
    }
    let (_, r) = audit_at(&s.addr(), None, None, &[], &[]);
    let f = expect(&r, "ACL009", "pass");
    ev_has(
        &f,
        &[
            "| flushall disabled",
            "| script disabled",
            "| enable-debug-command no",
            "not readable",
        ],
    );
    drop(c);
    drop(s);

    // The same renames on the command line: the config file has none, but
    // the server's command table (COMMAND) lacks them, and the server
    // refuses them. The live table wins over the file.
    let mut b = ServerBuilder::new();
    for n in names {
        b = b.arg("--rename-command").arg(n).arg("");
    }
    let s = b.start().unwrap();
    let file = std::fs::read_to_string(&s.config_path).unwrap();
    assert!(!file.contains("rename-command"), "{file}");
    let mut c = s.conn();
    for n in ["FLUSHALL", "CONFIG", "KEYS"] {
        let r = c.cmd(&[n, "x"]).unwrap();
        assert!(r.text().contains("unknown command"), "{n}: {r:?}");
    }
    let (_, r) = audit_at(&s.addr(), None, None, &[], &[]);
    let f = expect(&r, "ACL009", "pass");
    ev_has(
        &f,
        &[&format!(
            "COMMAND on {} | not in the server's command table (renamed or disabled): flushall flushdb config debug keys module shutdown save bgsave bgrewriteaof replicaof slaveof migrate monitor acl eval script",
            s.addr()
        )],
    );
}

/// ACL011 on live Sentinels (one Sentinel over one data node each): the
/// verdict comes from the sentinel.conf the Sentinel names in INFO (it
/// rewrites that file on every change, so it is what it runs); the live
/// oracle is SENTINEL CONFIG GET sentinel-user.
#[test]
fn acl011_sentinel_with_and_without_dedicated_users() {
    // requirepass on the data node: Sentinel logs in as default, and to
    // other sentinels with no user.
    let set = SentinelSetBuilder::new()
        .data(
            ReplicaSetBuilder::new()
                .replicas(0)
                .auth(ReplAuth::Password),
        )
        .sentinels(1, 1)
        .start()
        .unwrap();
    let sentinel = &set.sentinels[0];
    let su = sentinel.cmd(&["SENTINEL", "CONFIG", "GET", "sentinel-user"]);
    assert_eq!(su.array()[1].text(), "", "{su:?}");
    let r = audit(sentinel, &[]);
    let f = expect(&r, "ACL011", "fail");
    ev_has(
        &f,
        &[
            "master mymaster: auth-pass only (logs in as default)",
            "sentinel-user not set",
        ],
    );
    // SENTINEL CONFIG SET at runtime: Sentinel rewrites its config file at
    // once, so the next audit sees the change (the master still logs in as
    // default: still a fail, now for that reason only).
    let ok = sentinel.cmd(&["SENTINEL", "CONFIG", "SET", "sentinel-user", "peer"]);
    assert!(!ok.is_error(), "{ok:?}");
    let r = audit(sentinel, &[]);
    let f = expect(&r, "ACL011", "fail");
    ev_has(
        &f,
        &["master mymaster: auth-pass only (logs in as default)"],
    );
    assert!(!ev(&f).contains("sentinel-user not set"), "{f:#}");
    drop(set);

    // ACL users on the data node and on the Sentinel, sentinel-user set.
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(0).auth(ReplAuth::AclUser))
        .sentinels(1, 1)
        .sentinel_auth(true)
        .start()
        .unwrap();
    let sentinel = &set.sentinels[0];
    let su = sentinel.cmd(&["SENTINEL", "CONFIG", "GET", "sentinel-user"]);
    assert_eq!(su.array()[1].text(), "sentinel", "{su:?}");
    let (o, r) = audit_at(
        &sentinel.addr(),
        Some(ADMIN_USER),
        Some(ADMIN_PASSWORD),
        &[],
        &[],
    );
    no_secret(&o, &[ADMIN_PASSWORD, redis_fixture::SENTINEL_PASSWORD]);
    let f = expect(&r, "ACL011", "pass");
    ev_has(
        &f,
        &[
            "master mymaster: auth-user and auth-pass set",
            "sentinel-user set",
        ],
    );
}

/// TLS006 (a replica over TLS and one in plaintext) and TLS009 (a cluster
/// whose bus is TLS, and a cluster node whose bus is not), sharing one set
/// of certificates. The oracle: the port each replica's link goes to
/// (INFO replication), and the cluster agreeing over a TLS-only bus.
#[test]
fn tls_replication_and_cluster_bus() {
    let m = Arc::new(TlsMaterial::generate().unwrap());

    let tls = ReplicaSetBuilder::new()
        .replicas(1)
        .tls_replication(true)
        .tls_material(m.clone())
        .start()
        .unwrap();
    let replica = &tls.replicas[0];
    let tls_port = tls.primary.tls_port.unwrap();
    let info = replica.info("replication");
    assert_eq!(
        redis_fixture::info_field(&info, "master_port"),
        Some(tls_port.to_string().as_str())
    );
    let r = audit(replica, &[]);
    let f = expect(&r, "TLS006", "pass");
    ev_has(
        &f,
        &[
            &format!("role:slave, master 127.0.0.1:{tls_port}, link up"),
            &format!(
                "CONFIG GET tls-replication on {} | tls-replication yes",
                replica.addr()
            ),
        ],
    );
    // NET003 names the tls-port too.
    let r = audit(&tls.primary, &[]);
    let f = expect(&r, "NET003", "pass");
    ev_has(&f, &[&format!("| tls-port {tls_port}")]);
    drop(tls);

    let plain = ReplicaSetBuilder::new().replicas(1).start().unwrap();
    let replica = &plain.replicas[0];
    let port = plain.primary.port.unwrap();
    let info = replica.info("replication");
    assert_eq!(
        redis_fixture::info_field(&info, "master_port"),
        Some(port.to_string().as_str())
    );
    assert_eq!(plain.primary.tls_port, None, "the primary has no TLS port");
    let r = audit(replica, &[]);
    let f = expect(&r, "TLS006", "fail");
    ev_has(
        &f,
        &[
            &format!("role:slave, master 127.0.0.1:{port}, link up"),
            &format!(
                "CONFIG GET tls-replication on {} | tls-replication no",
                replica.addr()
            ),
        ],
    );
    drop(plain);

    let cluster = redis_fixture::ClusterBuilder::new()
        .shape(3, 0)
        .tls_cluster(true)
        .tls_material(m.clone())
        .start()
        .unwrap();
    let node = &cluster.nodes[0];
    assert_eq!(node.config_get("tls-cluster").unwrap(), "yes");
    let info = node.cmd(&["CLUSTER", "INFO"]).text();
    assert_eq!(
        redis_fixture::info_field(&info, "cluster_state"),
        Some("ok")
    );
    let r = audit(node, &[]);
    let f = expect(&r, "TLS009", "pass");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET tls-cluster on {} | tls-cluster yes",
            node.addr()
        )],
    );
    drop(cluster);

    // A cluster node whose bus is plaintext (one node is enough: TLS009
    // judges the node's own bus setting).
    let node = ServerBuilder::new().cluster(true).start().unwrap();
    assert_eq!(node.config_get("tls-cluster").unwrap(), "no");
    assert_eq!(node.config_get("cluster-enabled").unwrap(), "yes");
    let r = audit(&node, &[]);
    let f = expect(&r, "TLS009", "fail");
    ev_has(
        &f,
        &[&format!(
            "CONFIG GET tls-cluster on {} | tls-cluster no",
            node.addr()
        )],
    );
}

/// VER002 with a server that supports CLIENT SETINFO (Valkey): the
/// libraries are listed; and what VER001 decides on that Valkey. Skips
/// when no valkey-server is installed.
#[test]
fn ver002_lists_client_libraries() {
    let Some(_) = redis_fixture::valkey_server_bin() else {
        eprintln!("SKIP: no valkey-server (scripts/install-valkey.sh installs one)");
        return;
    };
    let v = ServerBuilder::new().valkey().start().unwrap();
    let mut app = v.conn();
    for (k, val) in [("LIB-NAME", "redis-py"), ("LIB-VER", "5.0.1")] {
        let r = app.cmd(&["CLIENT", "SETINFO", k, val]).unwrap();
        assert!(!r.is_error(), "{r:?}");
    }
    let _bare = v.conn();
    let list = v.cmd(&["CLIENT", "LIST"]).text();
    assert!(list.contains("lib-name=redis-py lib-ver=5.0.1"), "{list}");
    let r = audit(&v, &[]);
    // Since issue 15 VER002 has release data: redis-py 5.0.1 is on a line
    // its maintainers dropped, so the check fails (it was "manual").
    let f = expect(&r, "VER002", "fail");
    ev_has(
        &f,
        &[&format!("CLIENT LIST on {} | redis-py 5.0.1 (1)", v.addr())],
    );

    // VER001 on this Valkey: judged by valkey_version (not the fixed
    // redis_version 7.2.4). The installed build (a release tarball, git
    // sha1 0, possibly newer than the advisory data) cannot be confirmed
    // current: manual, with notes saying why; never a pass on a guess.
    let info = v.info("server");
    let version = redis_fixture::info_field(&info, "valkey_version").unwrap();
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "VER001")
        .unwrap()
        .clone();
    ev_has(
        &f,
        &[&format!(
            "INFO server on {} | Valkey {version} (line ",
            v.addr()
        )],
    );
    if f["status"] == "manual" {
        assert!(ev(&f).contains("| note: "), "{f:#}");
    } else {
        assert_eq!(f["status"], "fail", "{f:#}");
    }
}

/// ACL002 on a live server whose config file holds a user's password in
/// plaintext: ACL LIST only shows its hash, which is not in the common list,
/// but the file shows it is short. The live verdict must be the file's
/// (fail), not the weaker "not the hash of a common password".
#[test]
fn acl002_live_hash_is_judged_by_the_files_plaintext() {
    const SHORT: &str = "Tr0ub4dor&3";
    let s = ServerBuilder::new()
        .config(&format!(
            "user default off\nuser rampart on >{AUDIT_PW} ~* &* +@all\nuser legacy on >{SHORT} ~legacy:* +get\n"
        ))
        .auth(Credentials::user("rampart", AUDIT_PW))
        .start()
        .unwrap();
    // The server takes the short password.
    assert!(may_run(
        s.port.unwrap(),
        "legacy",
        SHORT,
        &["GET", "legacy:1"]
    ));
    let files_only = common::json(&rampart(&[
        "audit",
        "--config",
        s.config_path.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let f = expect(&files_only, "ACL002", "fail");
    ev_has(&f, &["user legacy: password #1 (plaintext): "]);
    let (o, r) = audit_at(&s.addr(), Some("rampart"), Some(AUDIT_PW), &[], &[]);
    no_secret(&o, &[SHORT, AUDIT_PW]);
    let f = expect(&r, "ACL002", "fail");
    ev_has(
        &f,
        &["user legacy: password #1 (plaintext, from the config file): "],
    );
    assert!(!ev(&f).contains("user rampart"), "{f:#}");
}

/// NET001 when the auditor may not run CONFIG GET: the config file has no
/// bind line (its verdict would be "every interface"), but the server was
/// started with `--bind 127.0.0.1`. The sockets it listens on (/proc/net)
/// are the running truth: pass, then fail once it listens on 0.0.0.0.
#[test]
fn net001_sockets_decide_when_config_get_is_denied() {
    let s = redis_fixture::Server::start(&format!(
        "user default off\n\
         user admin on >{STRONG_PW} ~* &* +@all\n\
         user auditor on >{AUDIT_PW} resetchannels -@all +info +acl|list +client|list +client|id\n"
    ))
    .unwrap();
    let target = format!("127.0.0.1:{}", s.port);
    let proc_net = format!("/proc/net/tcp, tcp6 (process {})", s.pid());
    let audit = || {
        let (o, r) = audit_at(&target, Some("auditor"), Some(AUDIT_PW), &[], &[]);
        no_secret(&o, &[AUDIT_PW, STRONG_PW]);
        r
    };
    assert!(
        conn_as(s.port, "auditor", AUDIT_PW)
            .cmd(&["CONFIG", "GET", "bind"])
            .unwrap()
            .text()
            .starts_with("NOPERM"),
        "the auditor may not read the config"
    );
    assert_eq!(listeners(s.port), [format!("0100007F:{:04X}", s.port)]);
    let r = audit();
    let f = expect(&r, "NET001", "pass");
    assert_eq!(f["message"], "the server listens on loopback only", "{f:#}");
    ev_has(
        &f,
        &[
            &format!("{proc_net} | listening on 127.0.0.1:{}", s.port),
            &format!("CONFIG GET bind on {target} | not readable"),
        ],
    );

    let mut admin = conn_as(s.port, "admin", STRONG_PW);
    let ok = admin.cmd(&["CONFIG", "SET", "bind", "0.0.0.0"]).unwrap();
    assert!(!ok.is_error(), "{ok:?}");
    let listening = listeners(s.port);
    let r = audit();
    admin.cmd(&["CONFIG", "SET", "bind", "127.0.0.1"]).unwrap();
    assert_eq!(listening, [format!("00000000:{:04X}", s.port)]);
    let f = expect(&r, "NET001", "fail");
    ev_has(
        &f,
        &[&format!("{proc_net} | listening on 0.0.0.0:{}", s.port)],
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("every interface (0.0.0.0:"),
        "{f:#}"
    );
}

/// ACL011 for a Sentinel seen over the network only (`--no-local-files`:
/// its sentinel.conf is not read): sentinel-user from SENTINEL CONFIG GET,
/// and how it logs in to its master from the master's CLIENT LIST, the
/// master being audited in the same run. Without the master
/// (`--no-discover`), what cannot be seen is said: manual, not a pass.
#[test]
fn acl011_decided_live_for_a_remote_sentinel() {
    let run = |set: &redis_fixture::SentinelSet, user: Option<&str>, pw: &str, discover: bool| {
        let addr = set.sentinels[0].addr();
        let mut args = vec![
            "audit",
            addr.as_str(),
            "--format",
            "json",
            "--no-tls-scan",
            "--no-local-files",
        ];
        if !discover {
            args.push("--no-discover");
        }
        if let Some(u) = user {
            args.extend(["--user", u]);
        }
        let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(&args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "RAMPART_HISTORY",
                "/nonexistent/rampart-live-matrix/history",
            )
            // Nothing recorded (the audit records itself unless told not to).
            .env("RAMPART_NO_HISTORY", "1")
            .env("REDISCLI_AUTH", pw)
            .output()
            .unwrap();
        let r = json(&o);
        let f = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "ACL011" && f["target"].as_str().unwrap().starts_with(&addr))
            .unwrap_or_else(|| panic!("no ACL011 for {addr}: {r:#}"))
            .clone();
        (o, f)
    };
    // Dedicated users everywhere.
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(0).auth(ReplAuth::AclUser))
        .sentinels(1, 1)
        .sentinel_auth(true)
        .start()
        .unwrap();
    let (o, f) = run(&set, Some(ADMIN_USER), ADMIN_PASSWORD, true);
    no_secret(&o, &[ADMIN_PASSWORD, redis_fixture::SENTINEL_PASSWORD]);
    assert_eq!(f["status"], "pass", "{f:#}");
    ev_has(
        &f,
        &[
            "sentinel-user sentinel, sentinel-pass set",
            "this Sentinel is logged in as sentinel",
        ],
    );
    assert!(!ev(&f).contains("sentinel.conf"), "read the file: {f:#}");
    // The oracle: the master's own CLIENT LIST.
    let id = set.sentinels[0].cmd(&["SENTINEL", "MYID"]).text();
    let list = set.data.primary.cmd(&["CLIENT", "LIST"]).text();
    assert!(list
        .lines()
        .any(|l| l.contains(&format!("name=sentinel-{}-cmd", &id[..8]))
            && l.contains("user=sentinel ")));
    // Without its master in the run: not known, so not a pass.
    let (_, f) = run(&set, Some(ADMIN_USER), ADMIN_PASSWORD, false);
    assert_eq!(f["status"], "manual", "{f:#}");
    drop(set);

    // requirepass on the data node: the Sentinel logs in as default.
    let set = SentinelSetBuilder::new()
        .data(
            ReplicaSetBuilder::new()
                .replicas(0)
                .auth(ReplAuth::Password),
        )
        .sentinels(1, 1)
        .start()
        .unwrap();
    let (_, f) = run(&set, None, redis_fixture::REQUIREPASS, true);
    assert_eq!(f["status"], "fail", "{f:#}");
    ev_has(
        &f,
        &[
            "this Sentinel is logged in as default",
            "sentinel-user not set",
        ],
    );
}
