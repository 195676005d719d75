//! `rampart harden`: the output loads in a real redis-server, its users log
//! in with the generated passwords (the default user cannot), and
//! `rampart audit` finds no `fail` in it.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Conn, Credentials, Reply, Server, TlsMaterial};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn harden(args: &[&str]) -> Output {
    rampart(&[&["harden"], args].concat())
}

/// `user password` pairs of passwords.txt.
fn passwords(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("passwords.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (u, p) = l.split_once(' ').unwrap();
            (u.to_string(), p.to_string())
        })
        .collect()
}

fn assert_no_password_printed(o: &Output, pws: &[(String, String)]) {
    let all = format!("{}{}", stdout(o), stderr(o));
    for (u, p) in pws {
        assert_eq!(p.len(), 64, "{u}");
        assert!(p.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!all.contains(p.as_str()), "password of {u} printed");
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The audit's fails, less the ones `allowed` (with their reasons).
fn audit_fails(conf: &Path) -> Vec<String> {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["audit", "--config"])
        .arg(conf)
        .args(["--format", "json", "--no-proc"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .output()
        .unwrap();
    let r = json(&o);
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" || f["status"] == "error")
        .map(|f| format!("{} {}", f["id"].as_str().unwrap(), f["message"]))
        .collect()
}

/// LOG002 passes only where logrotate is installed (the Debian package
/// ships the rule, not logrotate itself): see tests/debian.rs.
fn logrotate() -> bool {
    Path::new("/usr/sbin/logrotate").exists()
}

fn check_fails(conf: &Path, allowed: &[&str]) {
    let fails: Vec<String> = audit_fails(conf)
        .into_iter()
        .filter(|f| !allowed.iter().any(|a| f.starts_with(a)))
        .filter(|f| logrotate() || !f.starts_with("LOG002"))
        .collect();
    assert!(fails.is_empty(), "audit fails: {fails:#?}");
}

fn login_checks(c: &mut Conn, pws: &[(String, String)]) {
    // The default user is off: no command without AUTH, no AUTH as default.
    let r = c.cmd(&["GET", "k"]).unwrap();
    assert!(
        matches!(&r, Reply::Error(e) if e.starts_with("NOAUTH")),
        "{r:?}"
    );
    assert!(c.auth(&Credentials::password("anything")).is_err());
    for (u, p) in pws {
        c.auth(&Credentials::user(u, p))
            .unwrap_or_else(|e| panic!("AUTH {u}: {e}"));
        // Wrong password refused.
        assert!(c.auth(&Credentials::user(u, "0000")).is_err());
    }
}

fn out_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rampart-harden-")
        .tempdir()
        .unwrap()
}

#[test]
fn insecure_example_hardened_loads_and_audits() {
    let out = out_dir();
    let o = harden(&[
        "--config",
        "examples/insecure/redis.conf",
        "--out-dir",
        out.path().to_str().unwrap(),
        "--port",
        "7379",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("--- "), "diff first: {text}");
    for id in [
        "NET001", "NET002", "ACL003", "ACL005", "ACL007", "ACL009", "ACL010", "LOG001",
    ] {
        assert!(text.contains(id), "{id} missing from the summary:\n{text}");
    }
    let pws = passwords(out.path());
    assert_no_password_printed(&o, &pws);
    let names: Vec<&str> = pws.iter().map(|(u, _)| u.as_str()).collect();
    // app and reports had weak passwords: replaced.
    assert_eq!(names, ["app", "reports", "admin", "replication"]);
    assert_eq!(mode(&out.path().join("passwords.txt")), 0o600);
    assert_eq!(mode(&out.path().join("redis.conf")), 0o640);
    assert_eq!(mode(&out.path().join("users.acl")), 0o640);

    // The operator's comments and rename-command survive; secrets moved.
    let conf = std::fs::read_to_string(out.path().join("redis.conf")).unwrap();
    assert!(conf.contains("# An insecure Redis deployment"));
    assert!(conf.contains("rename-command FLUSHALL \"\""));
    assert!(!conf.contains("requirepass") && !conf.contains("\nuser "));
    let acl = std::fs::read_to_string(out.path().join("users.acl")).unwrap();
    assert!(acl.starts_with("user default off "));
    assert!(!acl.contains('>'));
    let repl = &pws.iter().find(|(u, _)| u == "replication").unwrap().1;
    assert!(conf.contains(&format!("masterauth {repl}")));

    let server = Server::start_with(&conf, &["--replicaof", "no", "one"])
        .unwrap_or_else(|e| panic!("hardened config does not load: {}", e.output));
    login_checks(&mut server.conn(), &pws);
    // app keeps its rules, minus @dangerous.
    let mut c = server.conn();
    let app = &pws.iter().find(|(u, _)| u == "app").unwrap().1;
    c.auth(&Credentials::user("app", app)).unwrap();
    assert_eq!(c.cmd(&["SET", "x", "1"]).unwrap().text(), "OK");
    assert!(c.cmd(&["FLUSHDB"]).unwrap().is_error());

    // A replica without certificates: replication stays in clear (TLS006).
    check_fails(&out.path().join("redis.conf"), &["TLS006"]);

    // A second run never overwrites passwords.txt.
    let before = std::fs::read(out.path().join("passwords.txt")).unwrap();
    let o2 = harden(&[
        "--config",
        "examples/insecure/redis.conf",
        "--out-dir",
        out.path().to_str().unwrap(),
    ]);
    assert!(!o2.status.success());
    assert!(
        stderr(&o2).contains("passwords.txt already exists"),
        "{}",
        stderr(&o2)
    );
    assert_eq!(
        std::fs::read(out.path().join("passwords.txt")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("redis.conf")).unwrap(),
        conf
    );
    assert_no_password_printed(&o2, &pws);
}

#[test]
fn debian_config_hardened_loads_and_audits() {
    let src = Path::new("/etc/redis/redis.conf");
    assert!(
        src.exists(),
        "redis-server is not installed: .ci/run installs it"
    );
    let work = out_dir();
    let input = work.path().join("in.conf");
    std::fs::copy(src, &input).unwrap();
    let out = work.path().join("out");
    let o = harden(&[
        "--config",
        input.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--port",
        "7380",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pws = passwords(&out);
    assert_no_password_printed(&o, &pws);
    assert_eq!(pws.len(), 1, "admin only");
    assert_eq!(mode(&out), 0o750);
    let conf = std::fs::read_to_string(out.join("redis.conf")).unwrap();
    let orig = std::fs::read_to_string(&input).unwrap();
    // Only a handful of lines change; the 2000-line file is kept.
    let diff_lines = stdout(&o)
        .lines()
        .take_while(|l| !l.starts_with("Changes:"))
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .count();
    assert!(diff_lines < 20, "{}", stdout(&o));
    assert!(conf.starts_with(&orig[..orig.find("port 6379").unwrap()]));

    let pid = work.path().join("redis.pid");
    let server = Server::start_with(&conf, &["--pidfile", pid.to_str().unwrap()])
        .unwrap_or_else(|e| panic!("hardened config does not load: {}", e.output));
    login_checks(&mut server.conn(), &pws);
    check_fails(&out.join("redis.conf"), &[]);
}

#[test]
fn dry_run_writes_nothing() {
    let work = out_dir();
    let out = work.path().join("out");
    let o = harden(&[
        "--config",
        "examples/insecure/redis.conf",
        "--out-dir",
        out.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Dry run: nothing written."));
    assert!(!out.exists());
    // The diff hides every secret of the input.
    for secret in ["foobared", "app12345", "Winter2024!"] {
        assert!(!stdout(&o).contains(secret), "{secret} printed");
    }
}

/// A TLS-only server (port 0) from redis-server started by hand.
struct TlsServer(Child);
impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn policy_with_tls_loads_and_audits() {
    let mat = TlsMaterial::generate().unwrap();
    let work = out_dir();
    // The operator's key: mode 0400 (TLS007) and the server's group (OS002).
    let tls_dir = work.path().join("tls");
    std::fs::create_dir(&tls_dir).unwrap();
    std::fs::set_permissions(&tls_dir, std::fs::Permissions::from_mode(0o750)).unwrap();
    let copy = |from: &Path, name: &str, m: u32| -> PathBuf {
        let to = tls_dir.join(name);
        std::fs::copy(from, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(m)).unwrap();
        to
    };
    let cert = copy(&mat.server.cert, "server.crt", 0o440);
    let key = copy(&mat.server.key, "server.key", 0o400);
    let ca = copy(&mat.ca_cert, "ca.crt", 0o440);
    if let Some(g) = redis_group() {
        for p in [&tls_dir, &cert, &key, &ca] {
            std::os::unix::fs::chown(p, None, Some(g)).unwrap();
        }
    }
    let policy = work.path().join("policy.toml");
    std::fs::write(
        &policy,
        r#"
[[user]]
name = "ops"
role = "admin"

[[user]]
name = "shop"
role = "app"
keys = ["shop:*"]
channels = ["shop:events"]

[[user]]
name = "reader"
role = "readonly"
keys = ["shop:*"]

[[user]]
name = "replication"
role = "replication"

[[user]]
name = "sentinel"
role = "sentinel"

[[user]]
name = "rampart"
role = "auditor"
"#,
    )
    .unwrap();
    let out = work.path().join("out");
    let tls_port = redis_fixture::free_port();
    let o = harden(&[
        "--config",
        "examples/insecure/redis.conf",
        "--policy",
        policy.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--tls-ca",
        ca.to_str().unwrap(),
        "--port",
        &tls_port.to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pws = passwords(&out);
    assert_no_password_printed(&o, &pws);
    let names: Vec<&str> = pws.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        names,
        [
            "app",
            "reports",
            "ops",
            "shop",
            "reader",
            "replication",
            "sentinel",
            "rampart"
        ]
    );
    let conf = std::fs::read_to_string(out.join("redis.conf")).unwrap();
    for line in [
        "port 0\n",
        &format!("tls-port {tls_port}\n"),
        "tls-protocols \"TLSv1.2 TLSv1.3\"\n",
        "tls-auth-clients yes\n",
        "tls-prefer-server-ciphers yes\n",
        "tls-replication yes\n",
        "masteruser replication\n",
    ] {
        assert!(conf.contains(line), "{line:?} missing:\n{conf}");
    }
    let acl = std::fs::read_to_string(out.join("users.acl")).unwrap();
    assert!(acl.contains(
        "resetkeys resetchannels -@all +info +config|get +acl|list +acl|cat +command +client|list +client|id +cluster|nodes +module|list\n"
    ));

    // Start it as written (port 0: TLS only), in a temp dir.
    let data = work.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let child = Command::new(redis_fixture::redis_server_bin())
        .arg(out.join("redis.conf"))
        .args(["--daemonize", "no", "--logfile", "", "--save", ""])
        .arg("--dir")
        .arg(&data)
        .arg("--pidfile")
        .arg(work.path().join("redis.pid"))
        .args(["--replicaof", "no", "one"])
        .current_dir(&data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _guard = TlsServer(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut c = loop {
        if let Ok(mut c) = Conn::connect_tls(tls_port, &mat, Some(&mat.client)) {
            if c.cmd(&["PING"]).is_ok() {
                break c;
            }
        }
        assert!(Instant::now() < deadline, "TLS server did not answer");
        std::thread::sleep(Duration::from_millis(50));
    };
    login_checks(&mut c, &pws);
    let ops = &pws.iter().find(|(u, _)| u == "ops").unwrap().1;
    c.auth(&Credentials::user("ops", ops)).unwrap();
    let r = c.cmd(&["CONFIG", "GET", "port"]).unwrap();
    assert_eq!(r.array()[1].text(), "0");
    let shop = &pws.iter().find(|(u, _)| u == "shop").unwrap().1;
    c.auth(&Credentials::user("shop", shop)).unwrap();
    assert_eq!(c.cmd(&["SET", "shop:1", "x"]).unwrap().text(), "OK");
    assert!(c.cmd(&["SET", "other", "x"]).unwrap().is_error());
    let reader = &pws.iter().find(|(u, _)| u == "reader").unwrap().1;
    c.auth(&Credentials::user("reader", reader)).unwrap();
    assert_eq!(c.cmd(&["GET", "shop:1"]).unwrap().text(), "x");
    assert!(c.cmd(&["SET", "shop:1", "y"]).unwrap().is_error());

    check_fails(&out.join("redis.conf"), &[]);
}

fn redis_group() -> Option<u32> {
    std::fs::read_to_string("/etc/group")
        .ok()?
        .lines()
        .find(|l| l.starts_with("redis:"))?
        .split(':')
        .nth(2)?
        .parse()
        .ok()
}

#[test]
fn cluster_tls_and_includes() {
    let work = out_dir();
    let inc = work.path().join("inc.conf");
    let main = work.path().join("redis.conf");
    std::fs::write(&inc, "maxmemory 1gb\n").unwrap();
    std::fs::write(
        &main,
        format!(
            "port 7000\ncluster-enabled yes\ninclude {}\n",
            inc.display()
        ),
    )
    .unwrap();
    let out = work.path().join("out");
    let args = |extra: &[&str]| -> Vec<String> {
        [
            "--config",
            main.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
            "--tls-cert",
            "/x/s.crt",
            "--tls-key",
            "/x/s.key",
            "--tls-ca",
            "/x/ca.crt",
            "--dry-run",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
    };
    let a = args(&[]);
    let o = harden(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(t.contains("+tls-cluster yes\n"), "{t}");
    assert!(t.contains("-port 7000\n+port 0\n"), "{t}");
    assert!(t.contains("read, not rewritten"), "{t}");
    assert!(!out.exists());

    // A `user` line in an include cannot be moved: refused, secret unprinted.
    std::fs::write(&inc, "user bob on >s3cret-in-include ~* +get\n").unwrap();
    let o = harden(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("included file"), "{}", stderr(&o));
    assert!(!format!("{}{}", stdout(&o), stderr(&o)).contains("s3cret"));
}

/// A primary and its replica hardened one after the other: the replica
/// takes the primary's users (`--users-from`), so its masterauth opens the
/// primary's replication user and the link comes up on real servers; both
/// nodes hold byte-identical users.acl; no new password is made.
#[test]
fn primary_and_replica_share_users() {
    let work = out_dir();
    let primary_in = work.path().join("primary.conf");
    std::fs::write(&primary_in, "bind 127.0.0.1\nport 6379\n").unwrap();
    let replica_in = work.path().join("replica.conf");
    std::fs::write(
        &replica_in,
        "bind 127.0.0.1\nport 6380\nreplicaof 127.0.0.1 6379\nuser default on nopass ~* +@all\n",
    )
    .unwrap();
    let out1 = work.path().join("primary");
    let o = harden(&[
        "--config",
        primary_in.to_str().unwrap(),
        "--out-dir",
        out1.to_str().unwrap(),
        "--replication",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pws = passwords(&out1);
    let names: Vec<&str> = pws.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(names, ["admin", "replication"]);
    assert_no_password_printed(&o, &pws);

    let out2 = work.path().join("replica");
    let o = harden(&[
        "--config",
        replica_in.to_str().unwrap(),
        "--out-dir",
        out2.to_str().unwrap(),
        "--users-from",
        out1.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_no_password_printed(&o, &pws);
    assert!(stdout(&o).contains("no passwords.txt"), "{}", stdout(&o));
    assert!(!out2.join("passwords.txt").exists());
    assert_eq!(
        std::fs::read(out1.join("users.acl")).unwrap(),
        std::fs::read(out2.join("users.acl")).unwrap()
    );

    let conf1 = std::fs::read_to_string(out1.join("redis.conf")).unwrap();
    let primary = Server::start_with(&conf1, &[])
        .unwrap_or_else(|e| panic!("hardened primary does not load: {}", e.output));
    login_checks(&mut primary.conn(), &pws);
    let conf2 = std::fs::read_to_string(out2.join("redis.conf")).unwrap();
    let port = primary.port.to_string();
    let replica = Server::start_with(&conf2, &["--replicaof", "127.0.0.1", &port])
        .unwrap_or_else(|e| panic!("hardened replica does not load: {}", e.output));
    let admin = &pws.iter().find(|(u, _)| u == "admin").unwrap().1;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut c = replica.conn();
        c.auth(&Credentials::user("admin", admin)).unwrap();
        let info = c.cmd(&["INFO", "replication"]).unwrap().text();
        if info.contains("master_link_status:up") {
            break;
        }
        assert!(Instant::now() < deadline, "no link:\n{info}");
        std::thread::sleep(Duration::from_millis(100));
    }
    check_fails(&out2.join("redis.conf"), &["TLS006"]);
}

/// Three Sentinels hardened (the first, then two with `--users-from` it)
/// over data nodes whose Sentinel user comes from `--data-users`: they
/// load in redis-sentinel, find each other as `sentinel-peer`, reach the
/// master as its Sentinel user, refuse the default user and the old
/// requirepass, let `discovery` read the master's address but not change
/// anything, pass ACL011 (file and live) and carry out a real failover.
#[test]
fn sentinel_group_hardened_and_fails_over() {
    use redis_fixture::{
        ReplAuth, ReplicaSetBuilder, ServerBuilder, SENTINEL_PASSWORD, SENTINEL_USER,
    };
    let mut data = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .replicas(1)
        .start()
        .unwrap();
    let work = out_dir();
    // The data nodes' harden output, as far as Sentinel needs it.
    let data_dir = work.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    std::fs::write(
        data_dir.join("users.acl"),
        format!(
            "user default off\nuser {SENTINEL_USER} on #{} allchannels +@all\n",
            redis_acl::hash_password(SENTINEL_PASSWORD.as_bytes())
        ),
    )
    .unwrap();
    std::fs::write(
        data_dir.join("passwords.txt"),
        format!("# test\n{SENTINEL_USER} {SENTINEL_PASSWORD}\n"),
    )
    .unwrap();
    let input = work.path().join("sentinel.conf");
    std::fs::write(
        &input,
        format!(
            "port 26379\ndaemonize no\nsentinel monitor mymaster 127.0.0.1 {} 2\nsentinel down-after-milliseconds mymaster 1500\nsentinel failover-timeout mymaster 5000\nrequirepass old-sentinel-requirepass\nsentinel deny-scripts-reconfig no\n",
            data.primary.client_port()
        ),
    )
    .unwrap();
    let outs: Vec<PathBuf> = (1..=3).map(|i| work.path().join(format!("s{i}"))).collect();
    let first = harden(&[
        "--sentinel-config",
        input.to_str().unwrap(),
        "--data-users",
        data_dir.to_str().unwrap(),
        "--out-dir",
        outs[0].to_str().unwrap(),
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let pws = passwords(&outs[0]);
    let names: Vec<&str> = pws.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(names, ["admin", "sentinel-peer", "discovery"]);
    assert_no_password_printed(&first, &pws);
    let text = stdout(&first);
    assert!(!text.contains(SENTINEL_PASSWORD) && !text.contains("old-sentinel-requirepass"));
    assert!(text.contains("sentinel auth-pass mymaster ***"), "{text}");
    for o in &outs[1..] {
        let r = harden(&[
            "--sentinel-config",
            input.to_str().unwrap(),
            "--data-users",
            data_dir.to_str().unwrap(),
            "--users-from",
            outs[0].to_str().unwrap(),
            "--out-dir",
            o.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{}", stderr(&r));
        assert!(!o.join("passwords.txt").exists());
    }
    let pw = |u: &str| pws.iter().find(|(n, _)| n == u).unwrap().1.clone();
    let admin = pw("admin");
    let sentinels: Vec<_> = outs
        .iter()
        .map(|o| {
            let conf = std::fs::read_to_string(o.join("sentinel.conf")).unwrap();
            ServerBuilder::new()
                .sentinel(true)
                .config(&conf)
                .auth(Credentials::user("admin", &admin))
                .start()
                .unwrap_or_else(|e| panic!("hardened sentinel.conf does not load: {}", e.output))
        })
        .collect();
    // They find each other (as sentinel-peer) and the replica.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen: Vec<(usize, usize)> = sentinels
            .iter()
            .map(|s| {
                let n = |sub: &str| s.cmd(&["SENTINEL", sub, "mymaster"]).array().len();
                (n("SENTINELS"), n("REPLICAS"))
            })
            .collect();
        if seen.iter().all(|&x| x == (2, 1)) {
            break;
        }
        assert!(Instant::now() < deadline, "not discovered: {seen:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let s0 = &sentinels[0];
    let mut anon = Conn::connect(s0.client_port()).unwrap();
    assert!(
        anon.cmd(&["PING"]).unwrap().is_error(),
        "default user not off"
    );
    assert!(anon
        .auth(&Credentials::password("old-sentinel-requirepass"))
        .is_err());
    let mut disc = Conn::connect(s0.client_port()).unwrap();
    disc.auth(&Credentials::user("discovery", &pw("discovery")))
        .unwrap();
    let addr = disc
        .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"])
        .unwrap();
    assert_eq!(
        addr.array()[1].text(),
        data.primary.client_port().to_string()
    );
    for cmd in [
        &["SENTINEL", "SET", "mymaster", "quorum", "1"][..],
        &["SENTINEL", "FLUSHCONFIG"][..],
        &["SENTINEL", "FAILOVER", "mymaster"][..],
    ] {
        assert!(
            disc.cmd(cmd).unwrap().is_error(),
            "discovery may run {cmd:?}"
        );
    }
    // ACL011 from the file and from the live Sentinel.
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["audit", "--sentinel-config"])
        .arg(outs[1].join("sentinel.conf"))
        .args(["--format", "json", "--no-proc"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .output()
        .unwrap();
    assert_eq!(status(&json(&o), "ACL011"), "pass", "{}", stdout(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            &s0.addr(),
            "--user",
            "admin",
            "--format",
            "json",
            "--no-discover",
            "--no-tls-scan",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", &admin)
        .output()
        .unwrap();
    assert_eq!(status(&json(&o), "ACL011"), "pass", "{}", stdout(&o));

    // A real failover: the vote between Sentinels and the promotion work
    // with these users.
    let replica_port = data.replicas[0].client_port().to_string();
    data.primary.stop();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let a = disc
            .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"])
            .unwrap();
        if a.array()[1].text() == replica_port {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no failover:\n{}",
            sentinels[0].log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A Sentinel group hardened with certificates: TLS only on the Sentinels'
/// ports, client certificates required, masters and peers reached over
/// TLS; they find each other, reach the TLS-only master and fail over.
#[test]
fn sentinel_group_hardened_with_tls() {
    use redis_fixture::{
        ReplAuth, ReplicaSetBuilder, ServerBuilder, TlsMode, SENTINEL_PASSWORD, SENTINEL_USER,
    };
    let mut data = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .replicas(1)
        .tls(TlsMode::TlsOnly)
        .tls_replication(true)
        .start()
        .unwrap();
    let mat = data.material.clone().unwrap();
    let work = out_dir();
    let tls_dir = work.path().join("tls");
    std::fs::create_dir(&tls_dir).unwrap();
    let copy = |from: &Path, name: &str, m: u32| -> PathBuf {
        let to = tls_dir.join(name);
        std::fs::copy(from, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(m)).unwrap();
        to
    };
    let cert = copy(&mat.server.cert, "sentinel.crt", 0o440);
    let key = copy(&mat.server.key, "sentinel.key", 0o400);
    let ca = copy(&mat.ca_cert, "ca.crt", 0o440);
    let data_dir = work.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    std::fs::write(
        data_dir.join("users.acl"),
        format!("user {SENTINEL_USER} on #00 allchannels +@all\n"),
    )
    .unwrap();
    std::fs::write(
        data_dir.join("passwords.txt"),
        format!("{SENTINEL_USER} {SENTINEL_PASSWORD}\n"),
    )
    .unwrap();
    let input = work.path().join("sentinel.conf");
    std::fs::write(
        &input,
        format!(
            "port 26379\nsentinel monitor mymaster 127.0.0.1 {} 2\nsentinel down-after-milliseconds mymaster 1500\nsentinel failover-timeout mymaster 5000\n",
            data.primary.tls_port.unwrap()
        ),
    )
    .unwrap();
    let outs: Vec<PathBuf> = (1..=3).map(|i| work.path().join(format!("s{i}"))).collect();
    for (i, o) in outs.iter().enumerate() {
        let mut args = vec![
            "--sentinel-config",
            input.to_str().unwrap(),
            "--data-users",
            data_dir.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--tls-ca",
            ca.to_str().unwrap(),
            "--out-dir",
            o.to_str().unwrap(),
        ];
        if i > 0 {
            args.extend(["--users-from", outs[0].to_str().unwrap()]);
        }
        let r = harden(&args);
        assert!(r.status.success(), "{}", stderr(&r));
    }
    let conf0 = std::fs::read_to_string(outs[0].join("sentinel.conf")).unwrap();
    for line in [
        "port 0",
        "tls-port 26379",
        "tls-auth-clients yes",
        "tls-replication yes",
    ] {
        assert!(conf0.contains(line), "{line}:\n{conf0}");
    }
    let admin = passwords(&outs[0])
        .into_iter()
        .find(|(u, _)| u == "admin")
        .unwrap()
        .1;
    let sentinels: Vec<_> = outs
        .iter()
        .map(|o| {
            let conf = std::fs::read_to_string(o.join("sentinel.conf")).unwrap();
            ServerBuilder::new()
                .sentinel(true)
                .tls(TlsMode::Mtls)
                .tls_material(mat.clone())
                .config(&conf)
                .auth(Credentials::user("admin", &admin))
                .start()
                .unwrap_or_else(|e| {
                    panic!("hardened TLS sentinel.conf does not load: {}", e.output)
                })
        })
        .collect();
    // Plaintext is gone; without a client certificate the handshake fails.
    assert!(sentinels[0].port.is_none());
    assert!(sentinels[0]
        .conn_tls(None)
        .and_then(|mut c| c.cmd(&["PING"]))
        .is_err());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen: Vec<(usize, usize)> = sentinels
            .iter()
            .map(|s| {
                let n = |sub: &str| s.cmd(&["SENTINEL", sub, "mymaster"]).array().len();
                (n("SENTINELS"), n("REPLICAS"))
            })
            .collect();
        if seen.iter().all(|&x| x == (2, 1)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not discovered over TLS: {seen:?}\n{}",
            sentinels[0].log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let replica_port = data.replicas[0].tls_port.unwrap().to_string();
    data.primary.stop();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let a = sentinels[1].cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]);
        if a.array()[1].text() == replica_port {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no failover over TLS:\n{}",
            sentinels[1].log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
