//! Offline tests of the rotation state machine on an in-memory deployment
//! (`fake`): every fault point of every phase, then `--resume` or
//! `--rollback` (also after every node restarted from what it persisted),
//! and the end state checked on every node: exactly the expected password
//! hashes, masterauth, Sentinel auth-pass and links, and the journal phase.
//! Plus the refusals: Sentinels logged in as the user that are not in the
//! plan, and known nodes that do not answer (`--skip-node`).
#![allow(clippy::unwrap_used)]

mod fake;

use fake::{Cluster, FakeConnector, Shared, ADMIN, ADMIN_PW};
use rampart_live::{Credentials, Endpoint};
use rampart_rotate::{Error, Mode, Options, Phase, Progress, Refusal, RunEnd};
use redis_acl::hash_password;
use redis_conf::Secret;
use std::path::Path;
use std::sync::Mutex;

const OLD: &str = "old-password-7c1f";
const NEW: &str = "new-password-9a2e";

#[derive(Default)]
struct Lines(Mutex<Vec<String>>);

impl Progress for Lines {
    fn line(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_string());
    }
    fn warn(&self, message: &str) {
        self.0.lock().unwrap().push(format!("warning: {message}"));
    }
}

impl Lines {
    fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

fn ep(port: u16) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port,
        tls: false,
    }
}

fn secret(s: &str) -> Secret {
    Secret::new(s.as_bytes().to_vec())
}

fn options(dir: &Path, user: &str, seed: u16, mode: Mode) -> Options {
    Options {
        seed: ep(seed),
        login: Credentials {
            user: Some(ADMIN.into()),
            password: Some(secret(ADMIN_PW)),
        },
        user: user.into(),
        mode,
        journal: dir.join("journal.json"),
        new_password: Some(secret(NEW)),
        generate: false,
        password_out: None,
        old_password: None,
        grace: Some(std::time::Duration::ZERO),
        dry_run: false,
        no_relink: false,
        sentinels: false,
        extra_sentinels: Vec::new(),
        skip_nodes: Vec::new(),
        peers: Default::default(),
        history: Some(dir.join("history.sqlite")),
        fault: None,
    }
}

fn run(cluster: &Shared, opts: &Options) -> (rampart_rotate::Result<()>, String) {
    let lines = Lines::default();
    let mut end = RunEnd::empty();
    let r = rampart_rotate::run(opts, &FakeConnector(cluster.clone()), &lines, &mut end);
    (r, lines.text())
}

/// An error with its causes, as the binary prints it.
fn full(e: &dyn std::error::Error) -> String {
    rampart_fs::with_causes(e)
}

fn crash_at(point: &'static str) -> Option<Box<dyn rampart_rotate::FaultPoint>> {
    Some(Box::new(move |p: &str| {
        if p == point {
            return Err(rampart_rotate::Error::Fault(format!(
                "injected crash at {p}"
            )));
        }
        Ok(())
    }))
}

fn phase(dir: &Path) -> Phase {
    rampart_rotate::load_journal(&dir.join("journal.json"))
        .unwrap()
        .unwrap()
        .phase
}

/// Every data node accepts exactly `pw` for `user` (one hash), replicas
/// replicate with it when `masteruser`, and every Sentinel logging in as
/// `user` has it as auth-pass and is linked.
#[track_caller]
fn assert_only(c: &Shared, user: &str, pw: &str, masteruser: bool) {
    let c = c.lock().unwrap();
    let h = hash_password(pw.as_bytes());
    for n in &c.nodes {
        if let Some(s) = &n.sentinel {
            if s.auth_user == user {
                assert_eq!(s.auth_pass, pw, "Sentinel {} auth-pass", n.port);
                assert!(s.linked, "Sentinel {} not linked", n.port);
            }
            continue;
        }
        assert_eq!(n.hashes(user), vec![h.clone()], "node {} hashes", n.port);
        if n.replica_of.is_some() {
            if masteruser {
                assert_eq!(n.conf("masterauth"), pw, "node {} masterauth", n.port);
            }
            assert!(n.linked, "replica {} not linked", n.port);
        }
    }
}

/// The fault points of a rotation of the replication user on a primary and
/// two replicas (masterauth on both), in the order they are reached, with
/// the phase the journal records at each.
const REPL_POINTS: &[(&str, Phase)] = &[
    ("add:1", Phase::Planned),
    ("add:2", Phase::Planned),
    ("add:3", Phase::Planned),
    ("add", Phase::Added),
    ("verify", Phase::Verified),
    ("persist", Phase::Persisted),
    ("masterauth:2", Phase::Persisted),
    ("masterauth:3", Phase::Persisted),
    ("dependents", Phase::Ready),
    ("remove:1", Phase::Ready),
    ("remove:2", Phase::Ready),
    ("remove:3", Phase::Ready),
    ("remove", Phase::Done),
];

/// A primary, one replica, two Sentinels logging in as the user; TARGET a
/// Sentinel (so auth-pass follows).
const SENTINEL_POINTS: &[(&str, Phase)] = &[
    ("add:1", Phase::Planned),
    ("add:2", Phase::Planned),
    ("add", Phase::Added),
    ("verify", Phase::Verified),
    ("persist", Phase::Persisted),
    ("dependents", Phase::Ready),
    ("remove:1", Phase::Ready),
    ("remove:2", Phase::Ready),
    ("remove", Phase::Done),
];

#[derive(Clone, Copy, Debug)]
enum After {
    Resume,
    RestartAllThenResume,
    Rollback,
    RestartAllThenRollback,
}

const AFTER: [After; 4] = [
    After::Resume,
    After::RestartAllThenResume,
    After::Rollback,
    After::RestartAllThenRollback,
];

/// One cell of the matrix: crash at `point`, then `after`; the end state.
fn cell(
    make: &dyn Fn() -> Shared,
    user: &str,
    seed: u16,
    masteruser: bool,
    point: &'static str,
    want: Phase,
    after: After,
) {
    cell_with(make, user, seed, false, point, want, after, &|c, pw| {
        assert_only(c, user, pw, masteruser)
    })
}

#[allow(clippy::too_many_arguments)]
fn cell_with(
    make: &dyn Fn() -> Shared,
    user: &str,
    seed: u16,
    sentinels: bool,
    point: &'static str,
    want: Phase,
    after: After,
    check: &dyn Fn(&Shared, &str),
) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let c = make();
    let mut o = options(dir, user, seed, Mode::Start);
    o.sentinels = sentinels;
    o.fault = crash_at(point);
    let (r, out) = run(&c, &o);
    let e = r.expect_err(&format!("{point}: no crash\n{out}"));
    assert!(full(&e).contains("injected crash"), "{point}: {}", full(&e));
    assert_eq!(phase(dir), want, "{point}: journal phase after the crash");
    if matches!(
        after,
        After::RestartAllThenResume | After::RestartAllThenRollback
    ) {
        c.lock().unwrap().restart_all();
    }
    let rolling = matches!(after, After::Rollback | After::RestartAllThenRollback);
    let mut o = options(
        dir,
        user,
        seed,
        if rolling {
            Mode::Rollback
        } else {
            Mode::Resume
        },
    );
    o.old_password = Some(secret(OLD));
    o.grace = None;
    o.sentinels = sentinels;
    let (r, out) = run(&c, &o);
    if want == Phase::Done {
        // Finished before the crash: nothing to do either way.
        r.unwrap_or_else(|e| panic!("{point} {after:?}: {}\n{out}", full(&e)));
        assert!(out.contains("already Done"), "{point}: {out}");
        check(&c, NEW);
        return;
    }
    r.unwrap_or_else(|e| panic!("{point} {after:?}: {}\n{out}", full(&e)));
    let (pw, end) = if rolling {
        (OLD, Phase::RolledBack)
    } else {
        (NEW, Phase::Done)
    };
    assert_eq!(phase(dir), end, "{point} {after:?}\n{out}");
    check(&c, pw);
    // What each node persisted is the same state.
    c.lock().unwrap().restart_all();
    check(&c, pw);
}

/// Every Sentinel holds exactly `pw` for its own `user`, logs in to its
/// peers with it, and every such link is up.
#[track_caller]
fn assert_sentinels_only(c: &Shared, user: &str, pw: &str) {
    let c = c.lock().unwrap();
    let h = hash_password(pw.as_bytes());
    for n in c.nodes.iter().filter(|n| n.sentinel.is_some()) {
        let s = n.sentinel.as_ref().unwrap();
        assert_eq!(
            n.hashes(user),
            vec![h.clone()],
            "Sentinel {} hashes",
            n.port
        );
        assert_eq!(s.sentinel_pass, pw, "Sentinel {} sentinel-pass", n.port);
        assert!(
            s.peers.iter().all(|p| p.1),
            "Sentinel {} has a peer link refused",
            n.port
        );
    }
}

/// `--sentinels`: three Sentinels, their own user, sentinel-pass.
const SENTINELS_OWN_POINTS: &[(&str, Phase)] = &[
    ("add:1", Phase::Planned),
    ("add:2", Phase::Planned),
    ("add:3", Phase::Planned),
    ("add", Phase::Added),
    ("verify", Phase::Verified),
    ("persist", Phase::Persisted),
    ("sentinel-pass:1", Phase::Persisted),
    ("sentinel-pass:2", Phase::Persisted),
    ("sentinel-pass:3", Phase::Persisted),
    ("dependents", Phase::Ready),
    ("remove:1", Phase::Ready),
    ("remove:2", Phase::Ready),
    ("remove:3", Phase::Ready),
    ("remove", Phase::Done),
];

#[test]
fn sentinels_own_user_every_fault_point_then_resume_or_rollback() {
    let make = || Cluster::sentinels_own("sentuser", OLD, 3);
    for &(point, want) in SENTINELS_OWN_POINTS {
        for after in AFTER {
            cell_with(
                &make,
                "sentuser",
                27000,
                true,
                point,
                want,
                after,
                &|c, pw| assert_sentinels_only(c, "sentuser", pw),
            );
        }
    }
}

fn repl_set() -> Shared {
    Cluster::new("repl", OLD, 2, true, 0, false)
}

fn sentinel_set() -> Shared {
    Cluster::new("app", OLD, 1, false, 2, true)
}

#[test]
fn replication_user_every_fault_point_then_resume_or_rollback() {
    for &(point, want) in REPL_POINTS {
        for after in AFTER {
            cell(&repl_set, "repl", 7000, true, point, want, after);
        }
    }
}

#[test]
fn sentinel_auth_pass_every_fault_point_then_resume_or_rollback() {
    for &(point, want) in SENTINEL_POINTS {
        for after in AFTER {
            cell(&sentinel_set, "app", 27000, false, point, want, after);
        }
    }
}

#[test]
fn every_fault_point_is_reached_in_order() {
    fn own() -> Shared {
        Cluster::sentinels_own("sentuser", OLD, 3)
    }
    for (make, user, seed, points, sentinels) in [
        (repl_set as fn() -> Shared, "repl", 7000, REPL_POINTS, false),
        (sentinel_set, "app", 27000, SENTINEL_POINTS, false),
        (own, "sentuser", 27000, SENTINELS_OWN_POINTS, true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let mut o = options(tmp.path(), user, seed, Mode::Start);
        o.sentinels = sentinels;
        o.fault = Some(Box::new(move |p: &str| {
            s2.lock().unwrap().push(p.to_string());
            Ok(())
        }));
        let c = make();
        let (r, out) = run(&c, &o);
        r.unwrap_or_else(|e| panic!("{}\n{out}", full(&e)));
        let want: Vec<&str> = points.iter().map(|p| p.0).collect();
        assert_eq!(*seen.lock().unwrap(), want);
        assert!(out.ends_with("Done: every node accepts the new password only."));
    }
}

#[test]
fn a_node_restarted_before_persist_is_redone_on_resume() {
    for point in ["add:2", "add", "verify"] {
        let tmp = tempfile::tempdir().unwrap();
        let c = repl_set();
        let mut o = options(tmp.path(), "repl", 7000, Mode::Start);
        o.fault = crash_at(point);
        assert!(run(&c, &o).0.is_err());
        c.lock().unwrap().restart(1);
        let mut o = options(tmp.path(), "repl", 7000, Mode::Resume);
        o.grace = None;
        let (r, out) = run(&c, &o);
        r.unwrap_or_else(|e| panic!("{}\n{out}", full(&e)));
        assert_only(&c, "repl", NEW, true);
    }
}

#[test]
fn data_target_refuses_sentinels_it_cannot_name() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sentinel_set();
    let o = options(tmp.path(), "app", 7000, Mode::Start);
    let (r, out) = run(&c, &o);
    let e = r.unwrap_err();
    let msg = full(&e);
    assert!(
        matches!(e, Error::Refused(Refusal::UnknownSentinels(_))),
        "{msg}"
    );
    assert!(msg.contains("2 Sentinel(s)"), "{msg}");
    assert!(msg.contains("runid abc00000"), "{msg}");
    assert!(msg.contains("--sentinel"), "{msg}");
    assert!(!out.contains("Done"), "{out}");
    // Nothing changed, no journal.
    assert_only(&c, "app", OLD, false);
    assert!(!tmp.path().join("journal.json").exists());
}

#[test]
fn data_target_with_one_sentinel_named_updates_every_sentinel() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sentinel_set();
    let mut o = options(tmp.path(), "app", 7000, Mode::Start);
    o.extra_sentinels = vec![ep(27001)];
    let (r, out) = run(&c, &o);
    r.unwrap_or_else(|e| panic!("{}\n{out}", full(&e)));
    assert!(out.contains("on 2 node(s)"), "{out}");
    assert_eq!(out.matches("auth-pass updated").count(), 2, "{out}");
    assert_only(&c, "app", NEW, false);
}

#[test]
fn a_sentinel_left_behind_stops_the_removal() {
    // A journal whose plan missed a Sentinel (written by an older rampart):
    // the old password is not removed while it is logged in with it.
    let tmp = tempfile::tempdir().unwrap();
    let c = sentinel_set();
    let mut o = options(tmp.path(), "app", 7000, Mode::Start);
    o.extra_sentinels = vec![ep(27000)];
    o.grace = None;
    run(&c, &o).0.unwrap();
    let path = tmp.path().join("journal.json");
    let mut j = rampart_rotate::load_journal(&path).unwrap().unwrap();
    j.sentinels.retain(|s| s.port != 27001);
    std::fs::write(&path, serde_json::to_string(&j).unwrap()).unwrap();
    // That Sentinel still has the old auth-pass.
    c.lock().unwrap().nodes[3]
        .sentinel
        .as_mut()
        .unwrap()
        .auth_pass = OLD.into();
    let (r, out) = run(&c, &options(tmp.path(), "app", 7000, Mode::Finish));
    let msg = full(&r.unwrap_err());
    assert!(msg.contains("auth-pass was not updated"), "{msg}\n{out}");
    assert!(!out.contains("Done"), "{out}");
    assert!(c.lock().unwrap().nodes[0]
        .hashes("app")
        .contains(&hash_password(OLD.as_bytes())));
}

#[test]
fn a_down_replica_refuses_the_plan_unless_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Cluster::new("repl", OLD, 2, true, 1, false);
    c.lock().unwrap().nodes[2].up = false;
    let o = options(tmp.path(), "repl", 27000, Mode::Start);
    let (r, _) = run(&c, &o);
    let e = r.unwrap_err();
    let msg = full(&e);
    assert!(
        matches!(e, Error::Refused(Refusal::Unreachable(_))),
        "{msg}"
    );
    assert!(msg.contains("127.0.0.1:7002"), "{msg}");
    assert!(msg.contains("s_down,slave,disconnected"), "{msg}");
    assert!(msg.contains("--skip-node"), "{msg}");
    assert_eq!(c.lock().unwrap().nodes[0].hashes("repl").len(), 1);

    let mut o = options(tmp.path(), "repl", 27000, Mode::Start);
    o.skip_nodes = vec![("127.0.0.1".into(), 7002)];
    let (r, out) = run(&c, &o);
    r.unwrap_or_else(|e| panic!("{}\n{out}", full(&e)));
    assert!(out.contains("on 2 node(s)"), "{out}");
    assert!(out.contains("127.0.0.1:7002: SKIPPED"), "{out}");
    assert!(out.contains("WRONGPASS"), "{out}");
    assert!(
        out.contains("Done: every node accepts the new password only, except the skipped node(s) 127.0.0.1:7002"),
        "{out}"
    );
    let c = c.lock().unwrap();
    assert_eq!(
        c.nodes[2].hashes("repl"),
        vec![hash_password(OLD.as_bytes())]
    );
    assert_eq!(
        c.nodes[1].hashes("repl"),
        vec![hash_password(NEW.as_bytes())]
    );
}

#[test]
fn a_skipped_node_that_answers_again_is_taken_in_on_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Cluster::new("repl", OLD, 2, true, 1, false);
    c.lock().unwrap().nodes[2].up = false;
    let mut o = options(tmp.path(), "repl", 27000, Mode::Start);
    o.skip_nodes = vec![("127.0.0.1".into(), 7002)];
    o.grace = None;
    run(&c, &o).0.unwrap();
    c.lock().unwrap().restart(2);
    let (r, out) = run(&c, &options(tmp.path(), "repl", 27000, Mode::Finish));
    r.unwrap_or_else(|e| panic!("{}\n{out}", full(&e)));
    assert!(
        out.contains("skipped at the start, it answers now"),
        "{out}"
    );
    assert_only(&c, "repl", NEW, true);
}

#[test]
fn the_old_password_is_registered_with_the_scrubber() {
    let tmp = tempfile::tempdir().unwrap();
    let c = repl_set();
    let old = "old-secret-only-given-for-rollback-41d";
    let mut o = options(tmp.path(), "repl", 7000, Mode::Rollback);
    o.old_password = Some(secret(old));
    // No journal: the run fails, but the secret is registered first.
    assert!(run(&c, &o).0.is_err());
    assert_eq!(
        rampart_report::scrub::scrub(&format!("echo {old}")),
        "echo ***"
    );
}

#[test]
fn a_down_replica_a_named_sentinel_lists_refuses_a_data_target() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Cluster::new("repl", OLD, 2, true, 1, false);
    c.lock().unwrap().nodes[1].up = false;
    let mut o = options(tmp.path(), "repl", 7000, Mode::Start);
    o.extra_sentinels = vec![ep(27000)];
    let msg = full(&run(&c, &o).0.unwrap_err());
    assert!(msg.contains("127.0.0.1:7001"), "{msg}");
    assert!(
        msg.contains("listed by the Sentinel 127.0.0.1:27000"),
        "{msg}"
    );
    assert_eq!(c.lock().unwrap().nodes[0].hashes("repl").len(), 1);
}

#[test]
fn dry_run_refuses_too_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sentinel_set();
    let mut o = options(tmp.path(), "app", 7000, Mode::Start);
    o.dry_run = true;
    assert!(run(&c, &o).0.is_err());
    o.extra_sentinels = vec![ep(27000)];
    let (r, out) = run(&c, &o);
    r.unwrap();
    assert!(out.contains("Dry run: nothing changed."), "{out}");
    assert!(!c.lock().unwrap().log.iter().any(|l| l.contains("SETUSER")));
    assert_only(&c, "app", OLD, false);
}

/// `default` with `requirepass` on a primary and two replicas
/// (masterauth): the removal is `CONFIG SET requirepass <new>`; a rollback
/// sets it back.
#[test]
fn requirepass_default_user_every_fault_point_then_resume_or_rollback() {
    let make = || Cluster::requirepass(OLD, 2);
    for &(point, want) in REPL_POINTS {
        for after in AFTER {
            cell_with(
                &make,
                "default",
                7000,
                false,
                point,
                want,
                after,
                &|c, pw| {
                    assert_only(c, "default", pw, true);
                    let c = c.lock().unwrap();
                    for n in &c.nodes {
                        assert_eq!(n.conf("requirepass"), pw, "node {} requirepass", n.port);
                    }
                },
            );
        }
    }
}

/// A rollback interrupted at each of its own fault points, then run again
/// (also after every node restarted): the old password only, everywhere.
#[test]
fn an_interrupted_rollback_runs_again() {
    let points = [
        "rollback:restore",
        "rollback:dependents",
        "rollback:remove:1",
        "rollback:remove:2",
        "rollback:remove:3",
    ];
    for (make, user, seed, masteruser) in [
        (repl_set as fn() -> Shared, "repl", 7000, true),
        (sentinel_set, "app", 27000, false),
    ] {
        for point in points {
            if user == "app" && point == "rollback:remove:3" {
                continue; // two data nodes
            }
            for restart in [false, true] {
                let tmp = tempfile::tempdir().unwrap();
                let c = make();
                let mut o = options(tmp.path(), user, seed, Mode::Start);
                o.fault = crash_at("dependents");
                assert!(run(&c, &o).0.is_err());
                let mut o = options(tmp.path(), user, seed, Mode::Rollback);
                o.old_password = Some(secret(OLD));
                o.fault = crash_at(point);
                let (r, out) = run(&c, &o);
                assert!(r.is_err(), "{point}: no crash\n{out}");
                if restart {
                    c.lock().unwrap().restart_all();
                }
                let mut o = options(tmp.path(), user, seed, Mode::Rollback);
                o.old_password = Some(secret(OLD));
                let (r, out) = run(&c, &o);
                r.unwrap_or_else(|e| panic!("{point} restart={restart}: {}\n{out}", full(&e)));
                assert_eq!(phase(tmp.path()), Phase::RolledBack);
                assert_only(&c, user, OLD, masteruser);
                c.lock().unwrap().restart_all();
                assert_only(&c, user, OLD, masteruser);
            }
        }
    }
}

/// A reply of the wrong shape stops the rotation before it changes
/// anything: it is never read as empty (an unset masterauth would leave a
/// replica's link on the old password; no masters, no Sentinels to update).
#[test]
fn a_reply_of_the_wrong_shape_stops_the_rotation_before_any_change() {
    use rampart_live::Value;
    for (make, user, seed, port, words, odd, masteruser) in [
        (
            repl_set as fn() -> Shared,
            "repl",
            7000,
            7001,
            "CONFIG GET MASTERAUTH",
            Value::Int(1),
            true,
        ),
        (
            sentinel_set,
            "app",
            27000,
            27000,
            "SENTINEL MASTERS",
            Value::Simple("OK".into()),
            false,
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let c = make();
        c.lock()
            .unwrap()
            .odd_replies
            .push((port, words.to_string(), odd));
        let o = options(tmp.path(), user, seed, Mode::Start);
        let (r, out) = run(&c, &o);
        let e = r.expect_err(words);
        let msg = full(&e);
        assert!(
            matches!(e, Error::UnexpectedReply { .. }),
            "{words}: {msg}\n{out}"
        );
        assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
        assert!(!out.contains("Done"), "{out}");
        assert_only(&c, user, OLD, masteruser);
    }
}

/// A reply of the wrong shape after the change (a replica's INFO while its
/// link is checked) stops the rotation with its journal; once the peer
/// answers as a server does, --resume finishes it.
#[test]
fn a_reply_of_the_wrong_shape_mid_rotation_stops_it_and_resume_finishes() {
    use rampart_live::Value;
    let tmp = tempfile::tempdir().unwrap();
    let c = repl_set();
    c.lock()
        .unwrap()
        .odd_replies
        .push((7002, "INFO REPLICATION".into(), Value::Array(Vec::new())));
    let o = options(tmp.path(), "repl", 7000, Mode::Start);
    let (r, out) = run(&c, &o);
    let e = r.expect_err("the odd INFO reply");
    let msg = full(&e);
    assert!(
        msg.contains("127.0.0.1:7002: unexpected INFO reply") && msg.contains("--resume"),
        "{msg}"
    );
    assert!(!out.contains("Done"), "{out}");
    assert!(tmp.path().join("journal.json").exists());
    c.lock().unwrap().odd_replies.clear();
    let mut o = options(tmp.path(), "repl", 7000, Mode::Resume);
    o.grace = None;
    let (r, out) = run(&c, &o);
    r.unwrap_or_else(|e| panic!("{}\n{out}", full(&e)));
    assert_only(&c, "repl", NEW, true);
}
