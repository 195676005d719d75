//! `rampart rotate` on real servers: standalone (config file and aclfile),
//! a primary with replicas (the replication user and masterauth), client
//! loops counting refusals, crashes after every step then `--resume`, and
//! `--rollback`.
#![allow(clippy::unwrap_used)]

use redis_acl::hash_password;
use redis_fixture::{
    ClusterBuilder, Conn, Credentials, Node, ReplAuth, ReplicaSet, ReplicaSetBuilder,
    SentinelSetBuilder, ServerBuilder, TlsMode, ADMIN_PASSWORD, ADMIN_USER, MASTER_NAME,
    REPL_PASSWORD, REPL_USER, REQUIREPASS, SENTINEL_PASSWORD, SENTINEL_USER,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const APP_OLD: &str = "app-old-password-3e1d";

fn rampart_rotate(state: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    rotate_as(Some(ADMIN_USER), ADMIN_PASSWORD, state, args, env)
}

fn rotate_as(
    user: Option<&str>,
    password: &str,
    state: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.arg("rotate").args(args);
    if let Some(u) = user {
        c.args(["--login-user", u]);
    }
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_STATE_HOME", state)
        .env("REDISCLI_AUTH", password);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
#[allow(clippy::needless_pass_by_value)] // ok(cmd.output()) reads best
fn ok(o: Output) -> String {
    let t = text(&o);
    assert!(o.status.success(), "rotate failed ({:?}):\n{t}", o.status);
    t
}

fn hashes(n: &Node, user: &str) -> Vec<String> {
    let r = n.cmd(&["ACL", "GETUSER", user]);
    let pair = r.array().chunks(2).find(|p| p[0].text() == "passwords");
    let mut v: Vec<String> = pair.unwrap()[1].array().iter().map(|h| h.text()).collect();
    v.sort();
    v
}

fn auth_ok(port: u16, user: &str, pw: &str) -> bool {
    let mut c = Conn::connect(port).unwrap();
    !c.cmd(&["AUTH", user, pw]).unwrap().is_error()
}

/// AUTH on a fresh connection: accepted, refused, or `None` when the
/// connection broke before an answer.
fn try_auth(port: u16, user: &str, pw: &str) -> Option<bool> {
    let mut c = Conn::connect(port).ok()?;
    Some(!c.cmd(&["AUTH", user, pw]).ok()?.is_error())
}

/// No secret in any output or in the journal; the journal is mode 0600.
#[track_caller]
fn assert_secret_free(outputs: &str, state: &Path, secrets: &[&str]) {
    let dir = state.join("rampart");
    let mut files = String::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
        // The journal (JSON) and the history (SQLite, binary).
        files.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
    }
    assert!(!files.is_empty());
    for s in secrets {
        assert!(!outputs.contains(s), "a password in the output:\n{outputs}");
        assert!(!files.contains(s), "a password in the journal:\n{files}");
    }
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{content}\n")).unwrap();
    p
}

fn standalone_config() -> String {
    format!(
        "user default off\nuser {ADMIN_USER} on >{ADMIN_PASSWORD} ~* &* +@all\nuser app on >{APP_OLD} ~app:* +@read"
    )
}

#[test]
fn standalone_config_rewrite_and_aclfile() {
    let tmp = tempfile::tempdir().unwrap();
    let admin = Credentials::user(ADMIN_USER, ADMIN_PASSWORD);
    let a = ServerBuilder::new()
        .config(&standalone_config())
        .auth(admin.clone())
        .start()
        .unwrap();
    let b = ServerBuilder::new()
        .file(
            "users.acl",
            &format!(
                "user default off\nuser {ADMIN_USER} on >{ADMIN_PASSWORD} ~* &* +@all\nuser app on >{APP_OLD} ~app:* +@read\n"
            ),
        )
        .config("aclfile users.acl")
        .auth(admin)
        .start()
        .unwrap();
    let new = "app-new-password-77c2a9";
    let newfile = write(tmp.path(), "new", new);
    let mut all = String::new();
    for (node, persist) in [(&a, "CONFIG REWRITE"), (&b, "ACL SAVE")] {
        let state = tmp.path().join(format!("state-{}", node.client_port()));
        let target = node.addr();
        let nf = newfile.to_str().unwrap();
        // A dry run changes nothing.
        let t = ok(rampart_rotate(
            &state,
            &[
                &target,
                "--account",
                "app",
                "--new-password-file",
                nf,
                "--dry-run",
            ],
            &[],
        ));
        assert!(t.contains(persist), "{t}");
        assert_eq!(hashes(node, "app"), vec![hash_password(APP_OLD.as_bytes())]);
        all += &t;
        // The first half: both passwords work, on the wire and on disk.
        let t = ok(rampart_rotate(
            &state,
            &[&target, "--account", "app", "--new-password-file", nf],
            &[],
        ));
        all += &t;
        let port = node.client_port();
        assert!(
            auth_ok(port, "app", APP_OLD) && auth_ok(port, "app", new),
            "{t}"
        );
        let on_disk = if persist == "ACL SAVE" {
            std::fs::read_to_string(node.path().join("users.acl")).unwrap()
        } else {
            std::fs::read_to_string(&node.config_path).unwrap()
        };
        assert!(
            on_disk.contains(&hash_password(new.as_bytes())),
            "{on_disk}"
        );
        // A second start is refused while one is in progress.
        let o = rampart_rotate(&state, &[&target, "--account", "app", "--generate"], &[]);
        assert!(!o.status.success() && text(&o).contains("in progress"));
        // One run at a time: a live pid in the lock refuses.
        let lock = state.join(format!("rampart/rotate-app-127.0.0.1_{port}.lock"));
        std::fs::write(&lock, std::process::id().to_string()).unwrap();
        let o = rampart_rotate(&state, &[&target, "--account", "app", "--finish"], &[]);
        assert!(
            !o.status.success() && text(&o).contains("is running"),
            "{}",
            text(&o)
        );
        std::fs::remove_file(&lock).unwrap();
        // The second half.
        all += &ok(rampart_rotate(
            &state,
            &[&target, "--account", "app", "--finish"],
            &[],
        ));
        assert!(!auth_ok(port, "app", APP_OLD) && auth_ok(port, "app", new));
        assert_eq!(hashes(node, "app"), vec![hash_password(new.as_bytes())]);
        // Twice is harmless.
        all += &ok(rampart_rotate(
            &state,
            &[&target, "--account", "app", "--finish"],
            &[],
        ));
        assert_secret_free(&all, &state, &[APP_OLD, new, ADMIN_PASSWORD]);
    }
}

/// Client loops: one thread per node, fresh connection + AUTH in a loop
/// with the password clients are meant to use at that moment.
struct Loops {
    stop: Arc<AtomicBool>,
    /// A refusal is an AUTH loop round where none of these is accepted.
    pw: Arc<Mutex<Vec<String>>>,
    tries: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    /// Rounds cut by the server closing the connection (a failover's
    /// CLIENT KILL TYPE normal): neither accepted nor refused, counted
    /// apart and retried.
    dropped: Arc<AtomicUsize>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Loops {
    fn start(ports: &[u16], user: &str, pw: &[&str]) -> Loops {
        let l = Loops {
            stop: Arc::new(AtomicBool::new(false)),
            pw: Arc::new(Mutex::new(pw.iter().map(|p| p.to_string()).collect())),
            tries: Arc::default(),
            refused: Arc::default(),
            dropped: Arc::default(),
            threads: Vec::new(),
        };
        let mut threads = Vec::new();
        for &port in ports {
            let (stop, pwm, tries, refused, dropped) = (
                l.stop.clone(),
                l.pw.clone(),
                l.tries.clone(),
                l.refused.clone(),
                l.dropped.clone(),
            );
            let user = user.to_string();
            threads.push(std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let pw = pwm.lock().unwrap().clone();
                    let answers: Vec<Option<bool>> =
                        pw.iter().map(|p| try_auth(port, &user, p)).collect();
                    if answers.contains(&Some(true)) {
                    } else if answers.contains(&None) {
                        dropped.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                        continue;
                    } else {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    tries.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(2));
                }
            }));
        }
        Loops { threads, ..l }
    }
    fn switch(&self, pw: &str) {
        *self.pw.lock().unwrap() = vec![pw.to_string()];
    }
    fn stop(self) -> (usize, usize) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            t.join().unwrap();
        }
        let (t, r, d) = (
            self.tries.load(Ordering::SeqCst),
            self.refused.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst),
        );
        eprintln!("client loops: {t} AUTH rounds, {r} refused, {d} cut by the server closing the connection");
        (t, r)
    }
}

/// A rotation in two runs under client loops that hold the old password,
/// then (between the runs) the new one: `first` adds it, `--finish`
/// removes the old one. No AUTH round may be refused. Returns both
/// outputs.
fn two_runs(state: &Path, base: &[&str], new_file: &Path, new: &str, loops: Loops) -> String {
    let mut first = base.to_vec();
    first.extend(["--new-password-file", new_file.to_str().unwrap()]);
    let mut all = ok(rampart_rotate(state, &first, &[]));
    loops.switch(new);
    let mut finish = base.to_vec();
    finish.push("--finish");
    all += &ok(rampart_rotate(state, &finish, &[]));
    let (tries, refused) = loops.stop();
    assert!(tries > 50, "{tries}");
    assert_eq!(refused, 0, "{refused} refusals in {tries} AUTHs");
    all
}

fn ports(set: &ReplicaSet) -> Vec<u16> {
    set.nodes().map(|n| n.client_port()).collect()
}

/// Every node holds exactly `pw` for `user`, and every replica's masterauth
/// is `pw` and its link comes back after a forced reconnect.
#[track_caller]
fn assert_only(set: &ReplicaSet, user: &str, pw: &str) {
    for n in set.nodes() {
        assert_eq!(
            hashes(n, user),
            vec![hash_password(pw.as_bytes())],
            "{}",
            n.addr()
        );
        assert_eq!(n.config_get("masterauth").as_deref(), Some(pw));
        let conf = std::fs::read_to_string(&n.config_path).unwrap();
        assert!(
            conf.contains(&hash_password(pw.as_bytes())),
            "not persisted"
        );
    }
}

fn relink(set: &ReplicaSet) {
    for r in &set.replicas {
        r.cmd(&["CLIENT", "KILL", "TYPE", "master"]);
    }
    std::thread::sleep(Duration::from_millis(200));
    set.wait_linked(Duration::from_secs(10)).unwrap();
}

#[test]
fn replication_user_with_client_loops() {
    let set = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let out = tmp.path().join("new-password");
    let seed = set.replicas[1].addr(); // discovery goes up to the primary and down again
    let loops = Loops::start(&ports(&set), REPL_USER, &[REPL_PASSWORD]);
    std::thread::sleep(Duration::from_millis(100));
    let mut all = ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--generate",
            "--password-out",
            out.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(all.contains("3 node(s)"), "{all}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let new = std::fs::read_to_string(&out).unwrap();
    assert_eq!(new.len(), 64);
    // Clients move to the new password; the old one still works meanwhile.
    loops.switch(&new);
    std::thread::sleep(Duration::from_millis(100));
    all += &ok(rampart_rotate(
        &state,
        &[&seed, "--account", REPL_USER, "--finish"],
        &[],
    ));
    std::thread::sleep(Duration::from_millis(100));
    let (tries, refused) = loops.stop();
    assert!(tries > 50, "{tries}");
    assert_eq!(refused, 0, "{refused} refusals in {tries} AUTHs");
    assert_only(&set, REPL_USER, &new);
    relink(&set);
    assert!(all.contains("masterauth updated"), "{all}");
    // Both replicas reconnected with the new masterauth during the run.
    assert_eq!(
        all.matches("re-linked to its primary with it").count(),
        2,
        "{all}"
    );
    assert_secret_free(&all, &state, &[REPL_PASSWORD, &new, ADMIN_PASSWORD]);
}

#[test]
fn crash_after_each_step_then_resume_or_rollback() {
    let set = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.primary.addr();
    let mut old = REPL_PASSWORD.to_string();
    let mut all = String::new();
    let mut secrets = vec![REPL_PASSWORD.to_string()];
    for (i, point) in [
        "add:1",
        "add",
        "verify",
        "persist",
        "masterauth:2",
        "dependents",
        "remove",
    ]
    .iter()
    .enumerate()
    {
        let new = format!("repl-rotated-{i}-5a0c81d2");
        secrets.push(new.clone());
        let nf = write(tmp.path(), &format!("new{i}"), &new);
        let nf = nf.to_str().unwrap();
        // Clients hold either password: never a moment where neither works.
        let loops = Loops::start(&ports(&set), REPL_USER, &[&old, &new]);
        let o = rampart_rotate(
            &state,
            &[
                &seed,
                "--account",
                REPL_USER,
                "--new-password-file",
                nf,
                "--grace",
                "0",
            ],
            &[("RAMPART_ROTATE_CRASH_AFTER", point)],
        );
        all += &text(&o);
        assert_eq!(o.status.code(), Some(3), "{point}: {}", text(&o));
        let (_, refused) = loops.stop();
        assert_eq!(refused, 0, "{point}: neither password accepted");
        // Resume finishes it; the new password is needed until dependents
        // are done.
        let o = rampart_rotate(&state, &[&seed, "--account", REPL_USER, "--resume"], &[]);
        if ["add:1", "add", "persist", "masterauth:2"].contains(point) {
            assert!(
                !o.status.success(),
                "{point}: resumed without the new password"
            );
        }
        all += &text(&o);
        all += &ok(rampart_rotate(
            &state,
            &[
                &seed,
                "--account",
                REPL_USER,
                "--resume",
                "--new-password-file",
                nf,
            ],
            &[],
        ));
        assert_only(&set, REPL_USER, &new);
        old = new;
    }
    relink(&set);

    // Rollback after verify: the old password alone again.
    let new = "repl-rolled-back-e4b7";
    let nf = write(tmp.path(), "rb", new);
    let nf = nf.to_str().unwrap();
    let o = rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
        &[("RAMPART_ROTATE_CRASH_AFTER", "verify")],
    );
    all += &text(&o);
    assert_eq!(o.status.code(), Some(3));
    all += &ok(rampart_rotate(
        &state,
        &[&seed, "--account", REPL_USER, "--rollback"],
        &[],
    ));
    assert_only(&set, REPL_USER, &old);

    // Rollback after masterauth changed needs the old password.
    let o = rampart_rotate(
        &state,
        &[&seed, "--account", REPL_USER, "--new-password-file", nf],
        &[("RAMPART_ROTATE_CRASH_AFTER", "dependents")],
    );
    all += &text(&o);
    assert_eq!(o.status.code(), Some(3));
    let o = rampart_rotate(&state, &[&seed, "--account", REPL_USER, "--rollback"], &[]);
    assert!(!o.status.success() && text(&o).contains("--old-password-file"));
    let of = write(tmp.path(), "old", &old);
    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--rollback",
            "--old-password-file",
            of.to_str().unwrap(),
        ],
        &[],
    ));
    assert_only(&set, REPL_USER, &old);
    relink(&set);

    // Rollback after the old password was removed on one node: it comes
    // back there before masterauth returns to it; clients holding either
    // password are never refused.
    let loops = Loops::start(&ports(&set), REPL_USER, &[&old, new]);
    let o = rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
        &[("RAMPART_ROTATE_CRASH_AFTER", "remove:1")],
    );
    all += &text(&o);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert_eq!(
        hashes(&set.primary, REPL_USER),
        vec![hash_password(new.as_bytes())]
    );
    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--rollback",
            "--old-password-file",
            of.to_str().unwrap(),
        ],
        &[],
    ));
    let (_, refused) = loops.stop();
    assert_eq!(refused, 0);
    assert_only(&set, REPL_USER, &old);
    relink(&set);
    secrets.push(new.to_string());
    let s: Vec<&str> = secrets.iter().map(|s| s.as_str()).collect();
    assert_secret_free(&all, &state, &s);
}

#[test]
fn default_user_and_requirepass_on_replicas() {
    // requirepass + masterauth, logged in as `default` with the password
    // being rotated.
    let set = ReplicaSetBuilder::new()
        .auth(ReplAuth::Password)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.primary.addr();
    let new = "default-new-password-41f0";
    let nf = write(tmp.path(), "new", new);
    let loops = Loops::start(&ports(&set), "default", &[REQUIREPASS]);
    std::thread::sleep(Duration::from_millis(100));
    let args = [
        seed.as_str(),
        "--account",
        "default",
        "--new-password-file",
        nf.to_str().unwrap(),
    ];
    let mut all = ok(rotate_as(None, REQUIREPASS, &state, &args, &[]));
    assert!(all.contains("requirepass is set"), "{all}");
    loops.switch(new);
    std::thread::sleep(Duration::from_millis(100));
    // --finish with the new password: requirepass itself is set to it.
    all += &ok(rotate_as(
        None,
        REQUIREPASS,
        &state,
        &[
            &seed,
            "--account",
            "default",
            "--finish",
            "--new-password-file",
            nf.to_str().unwrap(),
        ],
        &[],
    ));
    let (tries, refused) = loops.stop();
    assert!(tries > 50);
    assert_eq!(refused, 0, "{refused} refusals in {tries} AUTHs");
    assert!(!all.contains("OLD password in clear"), "{all}");
    assert_eq!(
        all.matches("requirepass set to the new password").count(),
        3,
        "{all}"
    );
    for n in set.nodes() {
        let mut c = Conn::connect(n.client_port()).unwrap();
        assert!(c.cmd(&["AUTH", REQUIREPASS]).unwrap().is_error());
        assert!(!c.cmd(&["AUTH", new]).unwrap().is_error());
        let r = c.cmd(&["ACL", "GETUSER", "default"]).unwrap();
        let pw = r
            .array()
            .chunks(2)
            .find(|p| p[0].text() == "passwords")
            .unwrap()[1]
            .array()
            .len();
        assert_eq!(pw, 1);
        let r = c.cmd(&["CONFIG", "GET", "masterauth"]).unwrap();
        assert_eq!(r.array()[1].text(), new);
        let r = c.cmd(&["CONFIG", "GET", "requirepass"]).unwrap();
        assert_eq!(r.array()[1].text(), new);
        // CONFIG REWRITE wrote the new requirepass and a `user default`
        // line; the old password is nowhere in the file.
        let conf = std::fs::read_to_string(&n.config_path).unwrap();
        assert!(!conf.contains(REQUIREPASS), "{conf}");
        assert!(
            conf.contains(&format!(
                "user default on #{}",
                hash_password(new.as_bytes())
            )),
            "{conf}"
        );
    }
    for r in &set.replicas {
        let mut c = Conn::connect(r.client_port()).unwrap();
        c.cmd(&["AUTH", new]).unwrap();
        c.cmd(&["CLIENT", "KILL", "TYPE", "master"]).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    for r in &set.replicas {
        let mut ok = false;
        for _ in 0..100 {
            let mut c = Conn::connect(r.client_port()).unwrap();
            c.cmd(&["AUTH", new]).unwrap();
            let info = c.cmd(&["INFO", "replication"]).unwrap().text();
            if info.contains("master_link_status:up") {
                ok = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(ok, "replica did not relink with the new masterauth");
    }
    assert_secret_free(&all, &state, &[REQUIREPASS, new]);
}

#[test]
fn cluster_every_node_from_one_seed() {
    let cluster = ClusterBuilder::new()
        .shape(3, 1)
        .auth(ReplAuth::AclUser)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = cluster.nodes[0].addr();
    let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.client_port()).collect();
    // The replication user (masterauth on all six nodes) ...
    let new = "cluster-repl-new-9c31";
    let nf = write(tmp.path(), "new", new);
    let loops = Loops::start(&ports, REPL_USER, &[REPL_PASSWORD, new]);
    let mut all = ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--new-password-file",
            nf.to_str().unwrap(),
            "--grace",
            "0",
        ],
        &[],
    ));
    assert!(all.contains("6 node(s)"), "{all}");
    let (_, refused) = loops.stop();
    assert_eq!(refused, 0);
    // ... and the admin user rampart logs in as.
    let new_admin = "cluster-admin-new-0b77";
    let af = write(tmp.path(), "admin", new_admin);
    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            ADMIN_USER,
            "--new-password-file",
            af.to_str().unwrap(),
            "--grace",
            "0",
        ],
        &[],
    ));
    for n in &cluster.nodes {
        let mut c = Conn::connect(n.client_port()).unwrap();
        assert!(c
            .cmd(&["AUTH", ADMIN_USER, ADMIN_PASSWORD])
            .unwrap()
            .is_error());
        assert!(!c.cmd(&["AUTH", ADMIN_USER, new_admin]).unwrap().is_error());
        assert!(c
            .cmd(&["AUTH", REPL_USER, REPL_PASSWORD])
            .unwrap()
            .is_error());
        assert!(!c.cmd(&["AUTH", REPL_USER, new]).unwrap().is_error());
        c.cmd(&["AUTH", ADMIN_USER, new_admin]).unwrap();
        let r = c.cmd(&["CONFIG", "GET", "masterauth"]).unwrap();
        assert_eq!(r.array()[1].text(), new);
    }
    assert_secret_free(
        &all,
        &state,
        &[REPL_PASSWORD, new, ADMIN_PASSWORD, new_admin],
    );
}

/// The user a Sentinel logs in to the master as, and the age of that
/// connection, from the master's CLIENT LIST.
fn sentinel_login(sentinel: &Node, master: &Node) -> Option<(String, u64)> {
    let id = sentinel.cmd(&["SENTINEL", "MYID"]).text();
    let want = format!("name=sentinel-{}-cmd", &id[..8]);
    let list = master.cmd(&["CLIENT", "LIST"]).text();
    let line = list.lines().find(|l| l.split(' ').any(|f| f == want))?;
    let get = |k: &str| {
        line.split(' ')
            .find_map(|f| f.strip_prefix(k))
            .unwrap()
            .to_string()
    };
    Some((get("user="), get("age=").parse().unwrap()))
}

/// Within 5 s, `sentinel` has a fresh link (at most 5 s old) to `master`
/// logged in as `user`.
fn logs_in_again(sentinel: &Node, master: &Node, user: &str) -> bool {
    (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        sentinel_login(sentinel, master).is_some_and(|(u, age)| u == user && age <= 5)
    })
}

#[test]
fn sentinel_auth_pass_from_a_sentinel_seed() {
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().auth(ReplAuth::AclUser))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let data: Vec<u16> = set.data.nodes().map(|n| n.client_port()).collect();
    let new = "sentinel-user-new-6d2e";
    let nf = write(tmp.path(), "new", new);
    let loops = Loops::start(&data, SENTINEL_USER, &[SENTINEL_PASSWORD]);
    let all = two_runs(
        &state,
        &[&seed, "--account", SENTINEL_USER],
        &nf,
        new,
        loops,
    );
    assert!(all.contains("3 node(s)"), "{all}");
    assert_eq!(all.matches("auth-pass updated").count(), 3, "{all}");
    for n in set.data.nodes() {
        assert_eq!(
            hashes(n, SENTINEL_USER),
            vec![hash_password(new.as_bytes())]
        );
    }
    // Force the Sentinels to log in again: they do, with the new password.
    set.data
        .primary
        .cmd(&["CLIENT", "KILL", "USER", SENTINEL_USER]);
    for s in &set.sentinels {
        assert!(
            logs_in_again(s, &set.data.primary, SENTINEL_USER),
            "a Sentinel did not log in again"
        );
        let m = s.cmd(&["SENTINEL", "MASTER", MASTER_NAME]);
        let flags = m
            .array()
            .chunks(2)
            .find(|p| p[0].text() == "flags")
            .unwrap()[1]
            .text();
        assert_eq!(flags, "master");
    }
    assert_secret_free(&all, &state, &[SENTINEL_PASSWORD, new, ADMIN_PASSWORD]);
}

#[test]
fn tls_only_replicas() {
    // port 0 and tls-replication: replicas announce their TLS ports.
    let set = ReplicaSetBuilder::new()
        .replicas(1)
        .auth(ReplAuth::AclUser)
        .tls(TlsMode::TlsOnly)
        .tls_replication(true)
        .start()
        .unwrap();
    let m = set.material.clone().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = format!("rediss://127.0.0.1:{}", set.primary.tls_port.unwrap());
    let new = "tls-repl-new-5e88";
    let nf = write(tmp.path(), "new", new);
    let all = ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--cacert",
            m.ca_cert.to_str().unwrap(),
            "--cert",
            m.client.cert.to_str().unwrap(),
            "--key",
            m.client.key.to_str().unwrap(),
            "--account",
            REPL_USER,
            "--new-password-file",
            nf.to_str().unwrap(),
            "--grace",
            "0",
        ],
        &[],
    ));
    assert!(all.contains("2 node(s)"), "{all}");
    assert_only(&set, REPL_USER, new);
    relink(&set);
    assert_secret_free(&all, &state, &[REPL_PASSWORD, new, ADMIN_PASSWORD]);
}

fn journal_phase(state: &Path) -> String {
    let dir = state.join("rampart");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            return v["phase"].as_str().unwrap().to_string();
        }
    }
    panic!("no journal in {}", dir.display());
}

/// A replica is killed after the new password was added but before it was
/// persisted (it comes back without it), and the primary is killed and
/// restarted between two replicas' masterauth updates: `--resume` refuses
/// while a node is down (journal unchanged), then re-adds what the restart
/// lost and finishes; every node holds the new password only, persisted,
/// and every replication link is up.
#[test]
fn node_stopped_and_restarted_mid_rotation() {
    let mut set = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.primary.addr();
    let new = "repl-after-restart-0b6e2f";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let args = [&seed, "--account", REPL_USER, "--new-password-file", nf];
    let o = rampart_rotate(&state, &args, &[("RAMPART_ROTATE_CRASH_AFTER", "add")]);
    let mut all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert_eq!(journal_phase(&state), "added");

    // Replica 2 dies: the added password was in memory only.
    set.replicas[1].stop();
    let resume = [
        &seed,
        "--account",
        REPL_USER,
        "--resume",
        "--new-password-file",
        nf,
    ];
    let o = rampart_rotate(&state, &resume, &[]);
    let t = text(&o);
    all += &t;
    assert!(!o.status.success(), "resumed with a node down:\n{t}");
    assert!(
        t.contains(&set.replicas[1].addr()) && t.contains("--resume"),
        "{t}"
    );
    assert_eq!(journal_phase(&state), "added");

    set.replicas[1].restart().unwrap();
    set.wait_linked(Duration::from_secs(10)).unwrap();
    assert_eq!(
        hashes(&set.replicas[1], REPL_USER),
        vec![hash_password(REPL_PASSWORD.as_bytes())],
        "the restarted replica kept an unpersisted password?"
    );
    // Resume; stop again after the first replica's masterauth.
    let o = rampart_rotate(
        &state,
        &resume,
        &[("RAMPART_ROTATE_CRASH_AFTER", "masterauth:2")],
    );
    let t = text(&o);
    all += &t;
    assert_eq!(o.status.code(), Some(3), "{t}");
    assert!(t.contains("the new password is missing"), "{t}");

    // The primary restarts: both passwords were persisted, so replicas with
    // either masterauth sync again.
    set.primary.stop();
    set.primary.restart().unwrap();
    set.wait_linked(Duration::from_secs(20)).unwrap();

    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--finish",
            "--new-password-file",
            nf,
        ],
        &[],
    ));
    assert_eq!(journal_phase(&state), "done");
    assert_only(&set, REPL_USER, new);
    relink(&set);
    // And after a restart of every node, from their files alone.
    for n in std::iter::once(&mut set.primary).chain(set.replicas.iter_mut()) {
        n.restart().unwrap();
    }
    set.wait_linked(Duration::from_secs(20)).unwrap();
    assert_only(&set, REPL_USER, new);
    assert_secret_free(&all, &state, &[REPL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// The Sentinels' own ACL user, which they also log in to each other with
/// (`sentinel-user` / `sentinel-pass`): clients of the Sentinels are never
/// refused, every Sentinel's links come back logged in with the new
/// password, and a restarted Sentinel holds only the new one.
#[test]
fn sentinels_own_user_and_sentinel_pass() {
    let mut set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().auth(ReplAuth::AclUser))
        .sentinel_auth(true)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let ports: Vec<u16> = set.sentinels.iter().map(|s| s.client_port()).collect();
    let new = "sentinel-peer-new-91c4e7";
    let nf = write(tmp.path(), "new", new);
    let loops = Loops::start(&ports, SENTINEL_USER, &[SENTINEL_PASSWORD]);
    let base = [seed.as_str(), "--sentinels", "--account", SENTINEL_USER];
    let all = two_runs(&state, &base, &nf, new, loops);
    assert!(all.contains("3 node(s)"), "{all}");
    assert_eq!(all.matches("sentinel-pass updated").count(), 3, "{all}");
    let new_hash = hash_password(new.as_bytes());
    for s in &set.sentinels {
        assert_eq!(hashes(s, SENTINEL_USER), vec![new_hash.clone()]);
        let conf = std::fs::read_to_string(&s.config_path).unwrap();
        assert!(conf.contains(&new_hash), "not persisted:\n{conf}");
        assert!(!conf.contains(&hash_password(SENTINEL_PASSWORD.as_bytes())));
    }
    // The data nodes' `sentinel` user is another credential: untouched.
    for n in set.data.nodes() {
        assert_eq!(
            hashes(n, SENTINEL_USER),
            vec![hash_password(SENTINEL_PASSWORD.as_bytes())]
        );
    }
    // Every link between Sentinels logs in again, with the new password.
    set.sentinels[0].restart().unwrap();
    for s in &set.sentinels {
        s.cmd(&["CLIENT", "KILL", "USER", SENTINEL_USER]);
    }
    let ids: Vec<String> = set
        .sentinels
        .iter()
        .map(|s| s.cmd(&["SENTINEL", "MYID"]).text())
        .collect();
    for (i, s) in set.sentinels.iter().enumerate() {
        for (k, id) in ids.iter().enumerate() {
            if i == k {
                continue;
            }
            let want = format!("name=sentinel-{}-cmd", &id[..8]);
            let mut linked = false;
            for _ in 0..100 {
                let list = s.cmd(&["CLIENT", "LIST"]).text();
                if list.lines().any(|l| {
                    l.split(' ').any(|f| f == want)
                        && l.split(' ').any(|f| f == format!("user={SENTINEL_USER}"))
                }) {
                    linked = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            assert!(linked, "Sentinel {k} did not log in to Sentinel {i} again");
        }
    }
    assert!(auth_ok(ports[0], SENTINEL_USER, new));
    assert!(!auth_ok(ports[0], SENTINEL_USER, SENTINEL_PASSWORD));
    assert_secret_free(&all, &state, &[SENTINEL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// Rolled back after the Sentinels' sentinel-pass changed: the old
/// password is needed, and every Sentinel holds and uses it again.
#[test]
fn sentinels_rollback_after_sentinel_pass() {
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().auth(ReplAuth::AclUser))
        .sentinel_auth(true)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let new = "sentinel-peer-rolled-back-3a90";
    let nf = write(tmp.path(), "new", new);
    let of = write(tmp.path(), "old", SENTINEL_PASSWORD);
    let o = rampart_rotate(
        &state,
        &[
            &seed,
            "--sentinels",
            "--account",
            SENTINEL_USER,
            "--new-password-file",
            nf.to_str().unwrap(),
            "--grace",
            "0",
        ],
        &[("RAMPART_ROTATE_CRASH_AFTER", "dependents")],
    );
    let mut all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    let base = [
        &seed,
        "--sentinels",
        "--account",
        SENTINEL_USER,
        "--rollback",
    ];
    let o = rampart_rotate(&state, &base, &[]);
    all += &text(&o);
    assert!(!o.status.success(), "rolled back without the old password");
    let mut with_old = base.to_vec();
    with_old.extend(["--old-password-file", of.to_str().unwrap()]);
    all += &ok(rampart_rotate(&state, &with_old, &[]));
    for s in &set.sentinels {
        assert_eq!(
            hashes(s, SENTINEL_USER),
            vec![hash_password(SENTINEL_PASSWORD.as_bytes())]
        );
        let sp = s.cmd(&["SENTINEL", "CONFIG", "GET", "sentinel-pass"]);
        assert_eq!(sp.array()[1].text(), SENTINEL_PASSWORD);
    }
    // The links log in again with the old password.
    for s in &set.sentinels {
        s.cmd(&["CLIENT", "KILL", "USER", SENTINEL_USER]);
    }
    for s in &set.sentinels {
        let mut n = 0;
        for _ in 0..100 {
            let list = s.cmd(&["CLIENT", "LIST"]).text();
            n = list
                .lines()
                .filter(|l| l.contains("-cmd ") && l.contains(&format!(" user={SENTINEL_USER} ")))
                .count();
            if n == 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(n, 2, "links between Sentinels did not come back");
    }
    assert_secret_free(&all, &state, &[SENTINEL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// `--sentinels`, killed after each step in turn (between two Sentinels
/// too), then `--resume`: clients of the Sentinels are never refused, and
/// each time every Sentinel holds exactly the new password and uses it
/// for its links.
#[test]
fn sentinels_crash_after_each_step_then_resume() {
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().auth(ReplAuth::AclUser))
        .sentinel_auth(true)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let ports: Vec<u16> = set.sentinels.iter().map(|s| s.client_port()).collect();
    let mut old = SENTINEL_PASSWORD.to_string();
    let mut all = String::new();
    let mut secrets = vec![SENTINEL_PASSWORD.to_string()];
    let points = [
        "add:2",
        "verify",
        "persist",
        "sentinel-pass:1",
        "sentinel-pass:2",
        "dependents",
        "remove:2",
    ];
    for (i, point) in points.iter().enumerate() {
        let new = format!("sentinel-rotated-{i}-77c2a9");
        secrets.push(new.clone());
        let nf = write(tmp.path(), &format!("new{i}"), &new);
        let nf = nf.to_str().unwrap();
        let loops = Loops::start(&ports, SENTINEL_USER, &[&old, &new]);
        let base = [&seed, "--sentinels", "--account", SENTINEL_USER];
        let mut args = base.to_vec();
        args.extend(["--new-password-file", nf, "--grace", "0"]);
        let o = rampart_rotate(&state, &args, &[("RAMPART_ROTATE_CRASH_AFTER", point)]);
        all += &text(&o);
        assert_eq!(o.status.code(), Some(3), "{point}: {}", text(&o));
        let mut args = base.to_vec();
        args.extend(["--resume", "--new-password-file", nf]);
        all += &ok(rampart_rotate(&state, &args, &[]));
        let (_, refused) = loops.stop();
        assert_eq!(refused, 0, "{point}: neither password accepted");
        for s in &set.sentinels {
            assert_eq!(
                hashes(s, SENTINEL_USER),
                vec![hash_password(new.as_bytes())],
                "{point}"
            );
            let sp = s.cmd(&["SENTINEL", "CONFIG", "GET", "sentinel-pass"]);
            assert_eq!(sp.array()[1].text(), new, "{point}");
        }
        old = new;
    }
    let secrets: Vec<&str> = secrets.iter().map(|s| s.as_str()).collect();
    assert_secret_free(&all, &state, &secrets);
}

/// `--format json`: one object on stdout (progress on stderr), the phase
/// and what to run next, names and flags only; an error is an object too,
/// with exit status 2.
#[test]
fn json_output_for_automation() {
    let node = ServerBuilder::new()
        .config(&standalone_config())
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = node.addr();
    let new = "app-new-json-5d1f";
    let nf = write(tmp.path(), "new", new);
    let json = |o: &Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", text(o)))
    };
    let o = rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            "app",
            "--new-password-file",
            nf.to_str().unwrap(),
            "-f",
            "json",
        ],
        &[],
    );
    let mut all = text(&o);
    assert!(o.status.success(), "{all}");
    let v = json(&o);
    assert_eq!(v["phase"], "ready", "{v}");
    assert_eq!(v["next"], "finish");
    assert_eq!(v["user"], "app");
    assert_eq!(v["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(v["nodes"][0]["old_passwords"], 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("Adding the new password"));

    let o = rampart_rotate(
        &state,
        &[&seed, "--account", "app", "--finish", "-f", "json"],
        &[],
    );
    all += &text(&o);
    assert!(o.status.success(), "{all}");
    assert_eq!(json(&o)["phase"], "done");
    assert_eq!(json(&o)["next"], "none");

    // An error: no journal for this user.
    let o = rampart_rotate(
        &state,
        &[&seed, "--account", "nobody", "--resume", "-f", "json"],
        &[],
    );
    all += &text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(json(&o)["error"]
        .as_str()
        .unwrap()
        .contains("no rotation journal"));
    // Neither passwords nor their hashes.
    for s in [APP_OLD, new, ADMIN_PASSWORD] {
        assert!(!all.contains(s));
        assert!(!all.contains(&hash_password(s.as_bytes())));
    }
    assert_secret_free(&all, &state, &[APP_OLD, new, ADMIN_PASSWORD]);
}

/// Valkey 9.1: a primary and two replicas (masteruser is `primaryuser`
/// there; the old names are aliases), the replication user rotated under
/// AUTH loops with a crash and a resume, then every node restarted from
/// its files.
#[test]
fn valkey_primary_and_replicas() {
    let Some(_) = redis_fixture::valkey_server_bin() else {
        eprintln!("SKIP: no valkey-server (scripts/install-valkey.sh installs one)");
        return;
    };
    let mut set = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .valkey(true)
        .start()
        .unwrap();
    assert!(set.primary.info("server").contains("valkey_version:"));
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.replicas[0].addr();
    let new = "valkey-repl-new-6f0d3b";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let loops = Loops::start(&ports(&set), REPL_USER, &[REPL_PASSWORD, new]);
    let args = [
        &seed,
        "--account",
        REPL_USER,
        "--new-password-file",
        nf,
        "--grace",
        "0",
    ];
    let o = rampart_rotate(
        &state,
        &args,
        &[("RAMPART_ROTATE_CRASH_AFTER", "masterauth:2")],
    );
    let mut all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert!(all.contains("3 node(s)"), "{all}");
    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--resume",
            "--new-password-file",
            nf,
        ],
        &[],
    ));
    let (tries, refused) = loops.stop();
    assert!(tries > 20, "{tries}");
    assert_eq!(refused, 0, "{refused} refusals in {tries} AUTHs");
    assert_only(&set, REPL_USER, new);
    relink(&set);
    for n in std::iter::once(&mut set.primary).chain(set.replicas.iter_mut()) {
        n.restart().unwrap();
    }
    set.wait_linked(Duration::from_secs(20)).unwrap();
    assert_only(&set, REPL_USER, new);
    assert_secret_free(&all, &state, &[REPL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// A 3×1 cluster: a replica node is killed after the new password was
/// added (not persisted) and a master after persisting; `--resume` refuses
/// while a node is down, then repairs the restarted nodes and finishes;
/// every node holds exactly the new password and the cluster is `ok`.
#[test]
fn cluster_node_restarted_mid_rotation() {
    let mut cluster = ClusterBuilder::new()
        .shape(3, 1)
        .auth(ReplAuth::AclUser)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = cluster.nodes[0].addr();
    let new = "cluster-restart-new-1e8a";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let args = [&seed, "--account", REPL_USER, "--new-password-file", nf];
    let o = rampart_rotate(&state, &args, &[("RAMPART_ROTATE_CRASH_AFTER", "add")]);
    let mut all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert!(all.contains("6 node(s)"), "{all}");
    // A node that is not the seed, and a master.
    let replica = (1..6)
        .find(|&i| cluster.nodes[i].info("replication").contains("role:slave"))
        .unwrap();
    cluster.nodes[replica].stop();
    let resume = [
        &seed,
        "--account",
        REPL_USER,
        "--resume",
        "--new-password-file",
        nf,
    ];
    let o = rampart_rotate(&state, &resume, &[]);
    all += &text(&o);
    assert!(!o.status.success(), "resumed with a node down");
    cluster.nodes[replica].restart().unwrap();
    let o = rampart_rotate(
        &state,
        &resume,
        &[("RAMPART_ROTATE_CRASH_AFTER", "persist")],
    );
    all += &text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    let master = (1..6)
        .find(|&i| cluster.nodes[i].info("replication").contains("role:master"))
        .unwrap();
    cluster.nodes[master].stop();
    cluster.nodes[master].restart().unwrap();
    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--finish",
            "--new-password-file",
            nf,
        ],
        &[],
    ));
    for n in &cluster.nodes {
        assert_eq!(
            hashes(n, REPL_USER),
            vec![hash_password(new.as_bytes())],
            "{}",
            n.addr()
        );
        let conf = std::fs::read_to_string(&n.config_path).unwrap();
        assert!(conf.contains(&hash_password(new.as_bytes())));
        assert_eq!(n.config_get("masterauth").as_deref(), Some(new));
    }
    let mut ok_all = false;
    for _ in 0..100 {
        ok_all = cluster.nodes.iter().all(|n| {
            redis_fixture::Cluster::cluster_info(n).is_ok_and(|i| i.contains("cluster_state:ok"))
        });
        if ok_all {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ok_all, "cluster not ok after the rotation");
    assert_secret_free(&all, &state, &[REPL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// The forced reconnect catches what AUTH alone does not: the primary
/// refuses the replica (here its user lost +psync) → the run stops before
/// anything is removed, with the old password still working; once fixed,
/// `--resume` finishes.
#[test]
fn replica_that_cannot_relink_stops_the_rotation() {
    let set = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .replicas(1)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.primary.addr();
    let new = "repl-relink-new-73d1";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let args = [
        &seed,
        "--account",
        REPL_USER,
        "--new-password-file",
        nf,
        "--grace",
        "0",
    ];
    let o = rampart_rotate(&state, &args, &[("RAMPART_ROTATE_CRASH_AFTER", "persist")]);
    let mut all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert!(!set
        .primary
        .cmd(&["ACL", "SETUSER", REPL_USER, "-psync"])
        .is_error());
    let resume = [
        &seed,
        "--account",
        REPL_USER,
        "--resume",
        "--new-password-file",
        nf,
    ];
    let o = rampart_rotate(&state, &resume, &[]);
    let t = text(&o);
    all += &t;
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("did not link to its primary again"), "{t}");
    assert_eq!(journal_phase(&state), "persisted");
    for n in set.nodes() {
        assert!(auth_ok(n.client_port(), REPL_USER, REPL_PASSWORD));
    }
    assert!(!set
        .primary
        .cmd(&["ACL", "SETUSER", REPL_USER, "+psync"])
        .is_error());
    all += &ok(rampart_rotate(&state, &resume, &[]));
    assert_only(&set, REPL_USER, new);
    set.wait_linked(Duration::from_secs(10)).unwrap();
    assert_secret_free(&all, &state, &[REPL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// Sentinels protected by `requirepass` alone (they log in to each other
/// with it): rotating `default` with --sentinels sets sentinel-pass, so the
/// links between Sentinels follow the new password.
#[test]
fn sentinels_requirepass_default_user() {
    let old = "sentinel-requirepass-old-8e21";
    let set = SentinelSetBuilder::new()
        .sentinel_requirepass(old)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let ports: Vec<u16> = set.sentinels.iter().map(|s| s.client_port()).collect();
    let new = "sentinel-requirepass-new-4c07";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let loops = Loops::start(&ports, "default", &[old, new]);
    let all = ok(rotate_as(
        None,
        old,
        &state,
        &[
            &seed,
            "--sentinels",
            "--account",
            "default",
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
        &[],
    ));
    let (_, refused) = loops.stop();
    assert_eq!(refused, 0);
    assert_eq!(all.matches("sentinel-pass updated").count(), 3, "{all}");
    // The requirepass line a Sentinel cannot change is pointed at.
    assert_eq!(
        all.matches("`requirepass` still holds the OLD password")
            .count(),
        3,
        "{all}"
    );
    for s in &set.sentinels {
        assert!(!auth_ok(s.client_port(), "default", old));
        assert!(auth_ok(s.client_port(), "default", new));
    }
    // After a restart from its file, the `user default` line wins.
    let mut set = set;
    set.sentinels[1].restart().unwrap();
    assert!(!auth_ok(set.sentinels[1].client_port(), "default", old));
    assert!(auth_ok(set.sentinels[1].client_port(), "default", new));
    assert_secret_free(&all, &state, &[old, new]);
}

/// Data nodes with requirepass (no ACL users) behind Sentinels: rotating
/// `default` from a Sentinel seed updates replicas' masterauth, each
/// Sentinel's auth-pass and requirepass itself; Sentinels still see the
/// master and log in to it with the new password.
#[test]
fn sentinel_group_with_requirepass() {
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().auth(ReplAuth::Password))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let data: Vec<u16> = set.data.nodes().map(|n| n.client_port()).collect();
    let new = "group-requirepass-new-2b9e";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let loops = Loops::start(&data, "default", &[REQUIREPASS, new]);
    let all = ok(rotate_as(
        None,
        REQUIREPASS,
        &state,
        &[
            &seed,
            "--account",
            "default",
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
        &[],
    ));
    let (_, refused) = loops.stop();
    assert_eq!(refused, 0);
    assert_eq!(all.matches("auth-pass updated").count(), 3, "{all}");
    assert_eq!(all.matches("re-linked to its primary").count(), 2, "{all}");
    assert_eq!(
        all.matches("requirepass set to the new password").count(),
        3,
        "{all}"
    );
    for n in set.data.nodes() {
        assert!(!auth_ok(n.client_port(), "default", REQUIREPASS));
        assert!(auth_ok(n.client_port(), "default", new));
    }
    // Every connection to the master is closed: the Sentinels come back.
    let mut k = Conn::connect(set.data.primary.client_port()).unwrap();
    k.cmd(&["AUTH", new]).unwrap();
    let killed = k
        .cmd(&["CLIENT", "KILL", "USER", "default", "SKIPME", "yes"])
        .unwrap();
    assert!(!killed.is_error(), "{killed:?}");
    std::thread::sleep(Duration::from_millis(200));
    for s in &set.sentinels {
        let mut fresh = false;
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(100));
            let mut c = Conn::connect(set.data.primary.client_port()).unwrap();
            c.cmd(&["AUTH", new]).unwrap();
            let id = s.cmd(&["SENTINEL", "MYID"]).text();
            let want = format!("name=sentinel-{}-cmd", &id[..8]);
            let list = c.cmd(&["CLIENT", "LIST"]).unwrap().text();
            let fresh_link = |l: &str| {
                l.split(' ').any(|f| f == want)
                    && l.split(' ').any(|f| {
                        f.strip_prefix("age=")
                            .is_some_and(|a| a.parse::<u64>().unwrap() <= 5)
                    })
            };
            if list.lines().any(fresh_link) {
                fresh = true;
                break;
            }
        }
        assert!(fresh, "a Sentinel did not log in to the master again");
    }
    assert_secret_free(&all, &state, &[REQUIREPASS, new]);
}

/// A failover between two runs of a rotation of the Sentinels' user on
/// the data nodes: the Sentinels promote a replica after the new password
/// was persisted; `--resume` finishes on the new roles (the Sentinels are
/// checked on the node that was the master when the rotation began, now a
/// replica they still log in to), every Sentinel logs in to the new master
/// with the new auth-pass, and clients are never refused.
#[test]
fn failover_in_the_middle_of_a_rotation() {
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().auth(ReplAuth::AclUser))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let data: Vec<u16> = set.data.nodes().map(|n| n.client_port()).collect();
    let new = "sentinel-failover-new-5e3b";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let loops = Loops::start(&data, SENTINEL_USER, &[SENTINEL_PASSWORD, new]);
    let args = [
        &seed,
        "--account",
        SENTINEL_USER,
        "--new-password-file",
        nf,
        "--grace",
        "0",
    ];
    let o = rampart_rotate(&state, &args, &[("RAMPART_ROTATE_CRASH_AFTER", "persist")]);
    let mut all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");

    let old_primary = set.data.primary.client_port().to_string();
    let r = set.sentinels[0].cmd(&["SENTINEL", "FAILOVER", MASTER_NAME]);
    assert!(!r.is_error(), "{r:?}");
    let mut moved = false;
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(100));
        let a = set.sentinels[0].cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME]);
        if a.array()[1].text() != old_primary {
            // The old primary follows the new one.
            if set
                .data
                .primary
                .info("replication")
                .contains("master_link_status:up")
            {
                moved = true;
                break;
            }
        }
    }
    assert!(moved, "no failover:\n{}", set.sentinels[0].log());

    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            SENTINEL_USER,
            "--resume",
            "--new-password-file",
            nf,
        ],
        &[],
    ));
    let (tries, refused) = loops.stop();
    assert!(tries > 50);
    assert_eq!(refused, 0, "{refused} refusals in {tries} AUTHs");
    assert_eq!(all.matches("auth-pass updated").count(), 3, "{all}");
    for n in set.data.nodes() {
        assert_eq!(
            hashes(n, SENTINEL_USER),
            vec![hash_password(new.as_bytes())],
            "{}",
            n.addr()
        );
    }
    // Every Sentinel still sees a master, and logs in to it with the new
    // password when forced to reconnect.
    let master_port: u16 = set.sentinels[0]
        .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME])
        .array()[1]
        .text()
        .parse()
        .unwrap();
    let master = set
        .data
        .nodes()
        .find(|n| n.client_port() == master_port)
        .unwrap();
    master.cmd(&["CLIENT", "KILL", "USER", SENTINEL_USER]);
    for s in &set.sentinels {
        assert!(
            logs_in_again(s, master, SENTINEL_USER),
            "a Sentinel did not log in to the new master again"
        );
    }
    assert_secret_free(&all, &state, &[SENTINEL_PASSWORD, new, ADMIN_PASSWORD]);
}

/// The grace period counts from when both passwords first worked, across
/// runs: a rotation interrupted during its wait does not start over.
#[test]
fn grace_period_survives_an_interruption() {
    let node = ServerBuilder::new()
        .config(&standalone_config())
        .auth(Credentials::user(ADMIN_USER, ADMIN_PASSWORD))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = node.addr();
    let nf = write(tmp.path(), "new", "app-grace-new-0c4d");
    let o = rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            "app",
            "--new-password-file",
            nf.to_str().unwrap(),
            "--grace",
            "2s",
        ],
        &[("RAMPART_ROTATE_CRASH_AFTER", "dependents")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    std::thread::sleep(Duration::from_millis(2200));
    let t = std::time::Instant::now();
    let out = ok(rampart_rotate(
        &state,
        &[&seed, "--account", "app", "--resume"],
        &[],
    ));
    assert!(!out.contains("Grace period: waiting"), "{out}");
    assert!(t.elapsed() < Duration::from_secs(2), "waited again: {out}");
    assert_eq!(
        hashes(&node, "app"),
        vec![hash_password(b"app-grace-new-0c4d")]
    );
}

/// A replica that joins between the two runs holds only the old password:
/// `--finish` takes it in (adds the new password, sets its masterauth,
/// re-links it) before removing the old one anywhere.
#[test]
fn a_replica_that_joins_mid_rotation_is_taken_in() {
    let set = ReplicaSetBuilder::new()
        .auth(ReplAuth::AclUser)
        .replicas(1)
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.primary.addr();
    let new = "repl-joined-new-93a1";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let mut all = ok(rampart_rotate(
        &state,
        &[&seed, "--account", REPL_USER, "--new-password-file", nf],
        &[],
    ));
    assert!(all.contains("2 node(s)"), "{all}");
    let late = ServerBuilder::new()
        .config(&ReplAuth::AclUser.server_config())
        .config("repl-diskless-sync-delay 0\nrepl-ping-replica-period 1")
        .config(&format!(
            "replicaof 127.0.0.1 {}",
            set.primary.client_port()
        ))
        .auth(Credentials::user(ADMIN_USER, ADMIN_PASSWORD))
        .start()
        .unwrap();
    let mut linked = false;
    for _ in 0..100 {
        if late.info("replication").contains("master_link_status:up") {
            linked = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(linked, "the late replica did not sync");
    all += &ok(rampart_rotate(
        &state,
        &[
            &seed,
            "--account",
            REPL_USER,
            "--finish",
            "--new-password-file",
            nf,
        ],
        &[],
    ));
    assert!(all.contains("joined since the rotation began"), "{all}");
    for n in set.nodes().chain(std::iter::once(&late)) {
        assert_eq!(
            hashes(n, REPL_USER),
            vec![hash_password(new.as_bytes())],
            "{}",
            n.addr()
        );
        assert_eq!(n.config_get("masterauth").as_deref(), Some(new));
    }
    assert!(late.info("replication").contains("master_link_status:up"));
    assert_secret_free(&all, &state, &[REPL_PASSWORD, new, ADMIN_PASSWORD]);
}
