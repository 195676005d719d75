//! Every file rampart writes, against a hostile directory: a symbolic link
//! planted at each temp, backup and output name cannot make rampart write
//! or chmod the link's target (it stays byte for byte, with its mode) nor
//! leave the file it writes a link; `acl migrate-hashes` keeps every byte
//! it does not hash, and the file's owner, group and mode; `--fix` killed
//! at any moment leaves whole backups, and the next run removes the temp
//! files the killed one left (only its own); the state directory, the
//! journal and the history are private. Real servers are the oracle where
//! a file must still load.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Credentials, Reply, Server, ServerBuilder, ADMIN_PASSWORD, ADMIN_USER};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// A file a planted link points to: its bytes and mode must never change.
struct Victim {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Victim {
    fn new(dir: &Path, bytes: &[u8]) -> Victim {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join("victim");
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Victim {
            path,
            bytes: bytes.to_vec(),
        }
    }

    #[track_caller]
    fn untouched(&self, what: &str) {
        let m = std::fs::symlink_metadata(&self.path).unwrap();
        assert!(m.is_file(), "{what}: the victim is no longer a file");
        assert_eq!(m.mode() & 0o7777, 0o644, "{what}: the victim was chmodded");
        assert_eq!(
            std::fs::read(&self.path).unwrap(),
            self.bytes,
            "{what}: the victim was written"
        );
    }
}

fn link(to: &Path, at: &Path) {
    std::os::unix::fs::symlink(to, at).unwrap();
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

#[track_caller]
fn regular(p: &Path) -> std::fs::Metadata {
    let m = std::fs::symlink_metadata(p).unwrap();
    assert!(m.is_file(), "{} is not a regular file", p.display());
    m
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// Whether this process may give files away (root, as CI runs).
fn can_chown(dir: &Path) -> bool {
    let p = dir.join(".chown-probe");
    std::fs::write(&p, b"").unwrap();
    let ok = std::os::unix::fs::chown(&p, Some(12345), Some(12345)).is_ok();
    std::fs::remove_file(&p).unwrap();
    if !ok {
        println!("SKIP: not root, the owner checks are left out");
    }
    ok
}

/// A pid that is gone: a child that ran and was reaped.
fn dead_pid() -> u32 {
    let mut c = Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    assert!(!Path::new("/proc").join(pid.to_string()).exists());
    pid
}

const ACL: &str =
    "user default on nopass ~* &* +@all\nuser app on >App-Sekrit-0001 ~app:* +@read\n";

#[test]
fn migrate_hashes_never_follows_a_planted_link() {
    let d = tempfile::tempdir().unwrap();
    let v = Victim::new(&d.path().join("other"), b"root:x:0:0::/root:/bin/sh\n");
    let acl = d.path().join("users.acl");
    std::fs::write(&acl, ACL).unwrap();
    std::fs::set_permissions(&acl, std::fs::Permissions::from_mode(0o640)).unwrap();
    // The temp name rampart used to write through, and others like it.
    for planted in [
        "users.rampart-tmp",
        "users.acl.rampart-tmp",
        ".users.acl.rampart-tmp",
    ] {
        link(&v.path, &d.path().join(planted));
    }
    let o = rampart(&["acl", "migrate-hashes", acl.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    v.untouched("migrate-hashes");
    regular(&acl);
    assert_eq!(mode(&acl), 0o640);
    let h = redis_acl::hash_password(b"App-Sekrit-0001");
    assert_eq!(
        std::fs::read_to_string(&acl).unwrap(),
        format!("user default on nopass ~* &* +@all\nuser app on #{h} ~app:* +@read\n")
    );
    for planted in ["users.rampart-tmp", "users.acl.rampart-tmp"] {
        assert!(is_link(&d.path().join(planted)), "{planted}");
    }
    assert!(
        !names(d.path()).iter().any(|n| n.contains("rampart-tmp.")),
        "a temp file was left: {:?}",
        names(d.path())
    );

    // The ACL file itself a link (to a file that would be migrated): refused.
    let real = d.path().join("other/real.acl");
    std::fs::write(&real, ACL).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).unwrap();
    let linked = d.path().join("linked.acl");
    link(&real, &linked);
    let o = rampart(&["acl", "migrate-hashes", linked.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", text(&o));
    assert!(stderr(&o).contains("nothing written"), "{}", text(&o));
    assert!(is_link(&linked));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), ACL);
    assert_eq!(mode(&real), 0o644);

    // --output naming a link, dangling or not: refused.
    let src = d.path().join("src.acl");
    std::fs::write(&src, ACL).unwrap();
    let nowhere = d.path().join("other/nowhere");
    for (out, to) in [("out.acl", &v.path), ("dangling.acl", &nowhere)] {
        let out = d.path().join(out);
        link(to, &out);
        let o = rampart(&[
            "acl",
            "migrate-hashes",
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(stderr(&o).contains("is a symbolic link"), "{}", text(&o));
        assert!(is_link(&out));
    }
    v.untouched("migrate-hashes -o");
    assert!(!nowhere.exists(), "written through a dangling link");
    assert_eq!(std::fs::read_to_string(&src).unwrap(), ACL);
}

/// Item 11: bytes that are not UTF-8 stay; owner, group and mode stay.
#[test]
fn migrate_hashes_keeps_bytes_owner_group_and_mode() {
    let d = tempfile::tempdir().unwrap();
    let acl = d.path().join("users.acl");
    let before: &[u8] =
        b"user default on nopass ~* &* +@all\nuser app on >App-Sekrit-0002 ~key\xff:* %R~r\xe9* +@read\n";
    std::fs::write(&acl, before).unwrap();
    std::fs::set_permissions(&acl, std::fs::Permissions::from_mode(0o640)).unwrap();
    let chown = can_chown(d.path());
    if chown {
        std::os::unix::fs::chown(&acl, Some(12345), Some(12345)).unwrap();
    }
    let o = rampart(&["acl", "migrate-hashes", acl.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        stderr(&o).contains("1 password rule(s) hashed"),
        "{}",
        text(&o)
    );
    let h = redis_acl::hash_password(b"App-Sekrit-0002");
    let mut want = b"user default on nopass ~* &* +@all\nuser app on #".to_vec();
    want.extend_from_slice(h.as_bytes());
    want.extend_from_slice(b" ~key\xff:* %R~r\xe9* +@read\n");
    let after = std::fs::read(&acl).unwrap();
    assert_eq!(
        after,
        want,
        "bytes changed: {}",
        String::from_utf8_lossy(&after)
    );
    let m = regular(&acl);
    assert_eq!(m.mode() & 0o7777, 0o640);
    if chown {
        assert_eq!((m.uid(), m.gid()), (12345, 12345), "owner not kept");
    }

    // redis.conf `user` lines too.
    let conf = d.path().join("redis.conf");
    let cbefore: &[u8] = b"port 0\nuser app on \">Conf Sekrit\" ~k\xfe* +get\n# \xff\n";
    std::fs::write(&conf, cbefore).unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o600)).unwrap();
    if chown {
        std::os::unix::fs::chown(&conf, Some(12345), Some(23456)).unwrap();
    }
    let o = rampart(&["acl", "migrate-hashes", conf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h = redis_acl::hash_password(b"Conf Sekrit");
    let mut want = b"port 0\nuser app on #".to_vec();
    want.extend_from_slice(h.as_bytes());
    want.extend_from_slice(b" ~k\xfe* +get\n# \xff\n");
    assert_eq!(std::fs::read(&conf).unwrap(), want);
    let m = regular(&conf);
    assert_eq!(m.mode() & 0o7777, 0o600);
    if chown {
        assert_eq!((m.uid(), m.gid()), (12345, 23456), "owner not kept");
    }

    // The server loads the rewritten file, with the byte in its pattern.
    if !redis_fixture::available() {
        println!("SKIP: no redis-server for the load check");
        return;
    }
    let s = Server::start(&format!("aclfile {}\n", acl.display()))
        .unwrap_or_else(|e| panic!("the migrated file does not load: {}", e.output));
    let mut c = s.conn();
    let list = c.cmd(&["ACL", "LIST"]).unwrap();
    let app = list
        .array()
        .iter()
        .find_map(|r| match r {
            Reply::Bulk(Some(b)) if b.starts_with(b"user app ") => Some(b.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no user app: {list:?}"));
    assert!(
        app.windows(6).any(|w| w == b"~key\xff:"),
        "{}",
        String::from_utf8_lossy(&app)
    );
    assert_eq!(
        c.cmd(&["AUTH", "app", "App-Sekrit-0002"]).unwrap(),
        Reply::Status("OK".into())
    );
    // The byte is the server's pattern: key\xff:1 is app's, keyX:1 not.
    let get = |c: &mut redis_fixture::Conn, k: &[u8]| {
        let args: [&[u8]; 2] = [b"GET", k];
        c.cmd(&args).unwrap()
    };
    assert_eq!(get(&mut c, b"key\xff:1"), Reply::Bulk(None));
    assert!(get(&mut c, b"keyX:1").is_error());
}

fn insecure_copy(dir: &Path) -> (PathBuf, Vec<u8>) {
    std::fs::create_dir_all(dir).unwrap();
    let conf = dir.join("redis.conf");
    std::fs::copy(repo_root().join("examples/insecure/redis.conf"), &conf).unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).unwrap();
    let bytes = std::fs::read(&conf).unwrap();
    (conf, bytes)
}

fn fix(conf: &Path) -> Output {
    rampart(&[
        "audit",
        "--config",
        conf.to_str().unwrap(),
        "--no-proc",
        "--fix",
    ])
}

#[test]
fn fix_never_follows_a_planted_link() {
    let d = tempfile::tempdir().unwrap();
    let v = Victim::new(&d.path().join("other"), b"do not touch\n");
    let (conf, original) = insecure_copy(&d.path().join("w"));
    let w = conf.parent().unwrap();
    let nowhere = d.path().join("other/nowhere");
    link(&v.path, &w.join("redis.conf.rampart-bak"));
    link(&nowhere, &w.join("redis.conf.rampart-bak.1"));
    link(&v.path, &w.join(".redis.conf.rampart-tmp"));
    let o = fix(&conf);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    v.untouched("--fix");
    assert!(!nowhere.exists(), "a backup went through a dangling link");
    // The backup went to the first free name, whole.
    let b = w.join("redis.conf.rampart-bak.2");
    regular(&b);
    assert_eq!(std::fs::read(&b).unwrap(), original);
    assert_eq!(mode(&b), 0o640);
    regular(&conf);
    assert_eq!(mode(&conf), 0o640);
    assert_ne!(std::fs::read(&conf).unwrap(), original, "nothing fixed");
    assert!(is_link(&w.join("redis.conf.rampart-bak")));

    // The config itself a link: refused before any backup.
    let (real, real_bytes) = insecure_copy(&d.path().join("real"));
    let w2 = d.path().join("w2");
    std::fs::create_dir(&w2).unwrap();
    let linked = w2.join("redis.conf");
    link(&real, &linked);
    let o = fix(&linked);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", text(&o));
    assert_eq!(std::fs::read(&real).unwrap(), real_bytes);
    assert_eq!(names(&w2), ["redis.conf"]);
    assert_eq!(names(real.parent().unwrap()), ["redis.conf"]);
}

fn harden_into(out: &Path) -> Output {
    rampart(&[
        "harden",
        "--config",
        "examples/insecure/redis.conf",
        "--out-dir",
        out.to_str().unwrap(),
        "--port",
        "7379",
    ])
}

#[test]
fn harden_never_follows_a_planted_link() {
    let d = tempfile::tempdir().unwrap();
    let v = Victim::new(&d.path().join("other"), b"do not touch\n");
    let nowhere = d.path().join("other/nowhere");
    for (i, (name, to)) in [
        ("passwords.txt", &v.path),
        ("passwords.txt", &nowhere),
        ("users.acl", &v.path),
        ("redis.conf", &nowhere),
    ]
    .into_iter()
    .enumerate()
    {
        let out = d.path().join(format!("out{i}"));
        std::fs::create_dir(&out).unwrap();
        link(to, &out.join(name));
        let o = harden_into(&out);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        let why = if name == "passwords.txt" {
            "already exists: rampart never overwrites it"
        } else {
            "is a symbolic link"
        };
        assert!(stderr(&o).contains(why), "{name}: {}", text(&o));
        v.untouched(name);
        assert!(!nowhere.exists(), "{name}: written through a dangling link");
        // Nothing else was written: no password for configs never written.
        assert_eq!(names(&out), [name], "{name}");
    }
    // A clean directory: the outputs are regular files, passwords.txt 0600.
    let out = d.path().join("clean");
    let o = harden_into(&out);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for (n, m) in [
        ("passwords.txt", 0o600),
        ("users.acl", 0o640),
        ("redis.conf", 0o640),
    ] {
        regular(&out.join(n));
        assert_eq!(mode(&out.join(n)), m, "{n}");
    }
    assert_eq!(names(&out), ["passwords.txt", "redis.conf", "users.acl"]);
    // A second run never overwrites passwords.txt.
    let pw = std::fs::read(out.join("passwords.txt")).unwrap();
    let o = harden_into(&out);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(std::fs::read(out.join("passwords.txt")).unwrap(), pw);
}

#[test]
fn report_output_and_history_never_follow_a_planted_link() {
    let d = tempfile::tempdir().unwrap();
    let v = Victim::new(&d.path().join("other"), b"do not touch\n");
    let out = d.path().join("report.json");
    link(&v.path, &out);
    let o = rampart(&[
        "audit",
        "--config",
        "examples/insecure/redis.conf",
        "--no-proc",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", text(&o));
    v.untouched("--output");
    assert!(is_link(&out));
    // A plain file is written, keeping its mode.
    let plain = d.path().join("plain.json");
    std::fs::write(&plain, b"old").unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o604)).unwrap();
    let o = rampart(&[
        "audit",
        "--config",
        "examples/insecure/redis.conf",
        "--no-proc",
        "--format",
        "json",
        "--output",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(mode(&plain), 0o604);
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&plain).unwrap()).unwrap();
    assert!(r["findings"].is_array());

    // The history (rampart used to chmod it through the path).
    let hist = d.path().join("history.sqlite");
    link(&v.path, &hist);
    let o = rampart(&[
        "acl",
        "review",
        "--config",
        "examples/hardened/redis.conf",
        "--record",
        "--server",
        "x",
        "--history",
        hist.to_str().unwrap(),
    ]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", text(&o));
    v.untouched("--history");
}

/// Item 15: what a SIGKILL during `--fix` leaves (a temp with the whole
/// new config, a cut backup temp), as a crash leaves it; the next run
/// removes those, and only those, and backs up whole.
#[test]
fn fix_after_a_crash_removes_its_own_temps_only() {
    let d = tempfile::tempdir().unwrap();
    let v = Victim::new(&d.path().join("other"), b"do not touch\n");
    let (conf, original) = insecure_copy(&d.path().join("w"));
    let w = conf.parent().unwrap().to_path_buf();
    let dead = dead_pid();
    let live = std::process::id();
    let gone = [
        format!(".redis.conf.rampart-tmp.{dead}.0123456789abcdef"),
        format!(".redis.conf.rampart-bak.rampart-tmp.{dead}.00112233445566ff"),
        format!(".redis.conf.rampart-tmp.{dead}"),
    ];
    for n in &gone {
        std::fs::write(w.join(n), b"requirepass the-whole-new-config\n").unwrap();
    }
    let kept_live = format!(".redis.conf.rampart-tmp.{live}.cccccccccccccccc");
    let kept_link = format!(".redis.conf.rampart-tmp.{dead}.bbbbbbbbbbbbbbbb");
    let kept_other = ".redis.conf.tmp".to_string();
    let kept_named = format!("redis.conf.rampart-tmp.{dead}.dddddddddddddddd");
    for n in [&kept_live, &kept_other, &kept_named] {
        std::fs::write(w.join(n), b"x").unwrap();
    }
    link(&v.path, &w.join(&kept_link));
    let mut kept = vec![kept_live, kept_link, kept_other, kept_named];
    if can_chown(&w) {
        let n = format!(".redis.conf.rampart-tmp.{dead}.aaaaaaaaaaaaaaaa");
        std::fs::write(w.join(&n), b"x").unwrap();
        std::os::unix::fs::chown(w.join(&n), Some(12345), Some(12345)).unwrap();
        kept.push(n);
    }
    let o = fix(&conf);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let now = names(&w);
    for n in &gone {
        assert!(!now.contains(n), "{n} left: {now:?}");
    }
    for n in &kept {
        assert!(now.contains(n), "{n} removed: {now:?}");
    }
    v.untouched("stale temps");
    assert_eq!(
        std::fs::read(w.join("redis.conf.rampart-bak")).unwrap(),
        original
    );
    assert!(!now.iter().any(|n| n.starts_with("redis.conf.rampart-bak.")));
}

/// Item 15, for real: `--fix` on a large config, SIGKILLed as soon as it
/// starts writing (the first new file in the directory) and then at
/// moments spread over its writes. Whatever the moment, every backup is
/// the whole original, the config is the original or the whole fixed
/// file, and the next complete run leaves no temp behind.
#[test]
fn fix_killed_at_any_moment_leaves_whole_files() {
    let d = tempfile::tempdir().unwrap();
    let (conf, _) = insecure_copy(d.path());
    // Large enough that writing and syncing take a while (under the 16 MiB cap).
    let mut original = std::fs::read(&conf).unwrap();
    for i in 0..40_000 {
        original.extend_from_slice(format!("# padding line {i:08} of a large config\n").as_bytes());
    }
    std::fs::write(&conf, &original).unwrap();
    let temps = |dir: &Path| -> Vec<String> {
        names(dir)
            .into_iter()
            .filter(|n| n.contains(".rampart-tmp."))
            .collect()
    };
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["audit", "--config"])
            .arg(&conf)
            .args(["--no-proc", "--fix"])
            .current_dir(d.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // One complete run: what the fixed file is.
    assert_eq!(spawn().wait().unwrap().code(), Some(1));
    let fixed = std::fs::read(&conf).unwrap();
    assert_ne!(fixed, original);
    const KILLS: u32 = 12;
    let (mut cut, mut left) = (0, 0);
    for i in 0..KILLS {
        std::fs::write(&conf, &original).unwrap();
        let before = names(d.path());
        let mut c = spawn();
        // Wait for the first file this run creates, then i × 300 µs more.
        let t = Instant::now();
        while c.try_wait().unwrap().is_none() && t.elapsed().as_secs() < 30 {
            if names(d.path()).len() != before.len() {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_micros(300 * u64::from(i)));
        let finished = c.try_wait().unwrap().is_some();
        let _ = c.kill();
        c.wait().unwrap();
        if !finished {
            cut += 1;
        }
        let now = std::fs::read(&conf).unwrap();
        assert!(
            now == original || now == fixed,
            "kill {i}: the config is cut ({} bytes)",
            now.len()
        );
        for n in names(d.path()) {
            if n.starts_with("redis.conf.rampart-bak") {
                let b = std::fs::read(d.path().join(&n)).unwrap();
                assert!(
                    b == original,
                    "kill {i}: {n} is not the whole original ({} of {} bytes)",
                    b.len(),
                    original.len()
                );
            }
        }
        left += temps(d.path()).len();
    }
    println!(
        "{KILLS} runs killed from their first write on: {cut} cut short, {left} temp file(s) seen after a kill"
    );
    assert!(cut > 0, "no run was killed before it ended");
    std::fs::write(&conf, &original).unwrap();
    assert_eq!(spawn().wait().unwrap().code(), Some(1));
    assert_eq!(std::fs::read(&conf).unwrap(), fixed);
    assert_eq!(temps(d.path()), Vec::<String>::new(), "stale temps kept");
}

fn rotate(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("rotate")
        .args(args)
        .args(["--login-user", ADMIN_USER])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_STATE_HOME", state)
        .env("REDISCLI_AUTH", ADMIN_PASSWORD)
        .output()
        .unwrap()
}

/// Item 16, and the journal and `--password-out` against planted links.
#[test]
fn rotate_state_is_private_and_never_follows_a_link() {
    let d = tempfile::tempdir().unwrap();
    // No server: the run stops at the connection, after taking its lock.
    let state = d.path().join("xdg");
    let port = redis_fixture::free_port().to_string();
    let o = rotate(
        &state,
        &[
            &format!("127.0.0.1:{port}"),
            "--account",
            "app",
            "--generate",
        ],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&state), 0o700, "{}", text(&o));
    assert_eq!(mode(&state.join("rampart")), 0o700);

    if !redis_fixture::available() {
        println!("SKIP: no redis-server for the rotation");
        return;
    }
    let node = ServerBuilder::new()
        .config(&format!(
            "user default off\nuser {ADMIN_USER} on >{ADMIN_PASSWORD} ~* &* +@all\nuser app on >App-Old-Sekrit-7 ~app:* +@read"
        ))
        .auth(Credentials::user(ADMIN_USER, ADMIN_PASSWORD))
        .start()
        .unwrap();
    let target = node.addr();
    let new = d.path().join("new");
    std::fs::write(&new, "App-New-Sekrit-8\n").unwrap();
    let nf = new.to_str().unwrap();
    let v = Victim::new(&d.path().join("other"), b"do not touch\n");
    let nowhere = d.path().join("other/nowhere.json");
    let auth = |pw: &str| {
        let mut c = redis_fixture::Conn::connect(node.client_port()).unwrap();
        c.auth(&Credentials::user("app", pw)).is_ok()
    };

    // The journal a dangling link; --password-out a link to a file.
    let journal = d.path().join("journal.json");
    link(&nowhere, &journal);
    let o = rotate(
        &state,
        &[
            &target,
            "--account",
            "app",
            "--new-password-file",
            nf,
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("is a symbolic link"), "{}", text(&o));
    assert!(!nowhere.exists(), "the journal went through a link");
    let out = d.path().join("pw.out");
    link(&v.path, &out);
    let o = rotate(
        &state,
        &[
            &target,
            "--account",
            "app",
            "--generate",
            "--password-out",
            out.to_str().unwrap(),
        ],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("is a symbolic link"), "{}", text(&o));
    v.untouched("--password-out");
    assert!(auth("App-Old-Sekrit-7"), "a refused run changed the server");

    // A whole rotation in a fresh state directory: all of it private.
    let state = d.path().join("fresh/xdg");
    let o = rotate(
        &state,
        &[
            &target,
            "--account",
            "app",
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(auth("App-New-Sekrit-8") && !auth("App-Old-Sekrit-7"));
    let dir = state.join("rampart");
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&dir), 0o700);
    let files = names(&dir);
    assert!(
        files.iter().any(|n| n.ends_with(".json")) && files.contains(&"history.sqlite".into()),
        "{files:?}"
    );
    for n in &files {
        regular(&dir.join(n));
        assert_eq!(mode(&dir.join(n)), 0o600, "{n}");
    }
}
