//! `rampart rotate` against the two holes of issue 11, on real servers:
//! a data node as TARGET for the user the Sentinels log in as (item 3: the
//! Sentinels must be in the plan, or rotate refuses), and a replica that is
//! down although a Sentinel lists it (item 4: rotate refuses naming it,
//! unless `--skip-node` names it, and then says what that costs).
#![allow(clippy::unwrap_used)]

use redis_acl::hash_password;
use redis_fixture::{
    Node, ReplAuth, ReplicaSetBuilder, SentinelSetBuilder, ADMIN_PASSWORD, ADMIN_USER, MASTER_NAME,
    REPL_PASSWORD, REPL_USER, SENTINEL_PASSWORD, SENTINEL_USER,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

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

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{content}\n")).unwrap();
    p
}

fn hashes(n: &Node, user: &str) -> Vec<String> {
    let r = n.cmd(&["ACL", "GETUSER", user]);
    let pair = r.array().chunks(2).find(|p| p[0].text() == "passwords");
    pair.unwrap()[1].array().iter().map(|h| h.text()).collect()
}

fn field(reply: &redis_fixture::Reply, k: &str) -> String {
    reply
        .array()
        .chunks(2)
        .find(|p| p[0].text() == k)
        .map(|p| p[1].text())
        .unwrap_or_default()
}

/// Within `secs`, `sentinel` has a link to `master` logged in as `user`,
/// made after it (re)started, and calls the master `master`.
fn sentinel_follows(sentinel: &Node, master: &Node, user: &str, secs: u64) -> bool {
    let id = sentinel.cmd(&["SENTINEL", "MYID"]).text();
    let want = format!("name=sentinel-{}-cmd", &id[..8]);
    (0..secs * 10).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        let list = master.cmd(&["CLIENT", "LIST"]).text();
        let linked = list
            .lines()
            .any(|l| l.split(' ').any(|f| f == want) && l.contains(&format!(" user={user} ")));
        let m = sentinel.cmd(&["SENTINEL", "MASTER", MASTER_NAME]);
        linked && field(&m, "flags") == "master"
    })
}

#[test]
fn data_target_for_the_sentinel_user_includes_or_refuses_the_sentinels() {
    let mut set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(1).auth(ReplAuth::AclUser))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let primary = set.data.primary.addr();
    let new = "sentinel-user-rotated-2f7a";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let old_hash = hash_password(SENTINEL_PASSWORD.as_bytes());

    // Without a Sentinel to ask: refused, naming the links, nothing changed.
    let o = rotate(
        &state,
        &[
            &primary,
            "--account",
            SENTINEL_USER,
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("3 Sentinel(s) log in to the data nodes"), "{t}");
    assert!(t.contains("runid "), "{t}");
    assert!(t.contains("--sentinel HOST:PORT"), "{t}");
    assert!(!t.contains("Done"), "{t}");
    for n in set.data.nodes() {
        assert_eq!(hashes(n, SENTINEL_USER), vec![old_hash.clone()]);
    }

    // One Sentinel named: all three are found from it and follow.
    let s1 = set.sentinels[1].addr();
    let o = rotate(
        &state,
        &[
            &primary,
            "--account",
            SENTINEL_USER,
            "--sentinel",
            &s1,
            "--new-password-file",
            nf,
            "--grace",
            "0",
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("on 2 node(s)"), "{t}");
    assert_eq!(
        t.matches("auth-user is this user: SENTINEL SET auth-pass")
            .count(),
        3,
        "{t}"
    );
    assert_eq!(t.matches("auth-pass updated").count(), 3, "{t}");
    assert!(
        t.contains("Done: every node accepts the new password only."),
        "{t}"
    );
    assert!(!t.contains(new) && !t.contains(SENTINEL_PASSWORD), "{t}");
    for n in set.data.nodes() {
        assert_eq!(
            hashes(n, SENTINEL_USER),
            vec![hash_password(new.as_bytes())]
        );
    }
    // A restarted Sentinel logs in with what it persisted: the new password.
    set.sentinels[2].restart().unwrap();
    assert!(
        sentinel_follows(&set.sentinels[2], &set.data.primary, SENTINEL_USER, 15),
        "the restarted Sentinel does not log in to the master again"
    );
    for s in &set.sentinels[..2] {
        let m = s.cmd(&["SENTINEL", "MASTER", MASTER_NAME]);
        assert_eq!(field(&m, "flags"), "master");
    }
}

#[test]
fn a_down_replica_refuses_the_rotation_unless_skipped() {
    let mut set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(2).auth(ReplAuth::AclUser))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let seed = set.sentinels[0].addr();
    let new = "repl-rotated-while-one-is-down-81c0";
    let nf = write(tmp.path(), "new", new);
    let nf = nf.to_str().unwrap();
    let down = set.data.replicas[1].addr();
    set.data.replicas[1].stop();
    // The Sentinel still lists it.
    std::thread::sleep(Duration::from_millis(500));
    let args = [
        seed.as_str(),
        "--account",
        REPL_USER,
        "--new-password-file",
        nf,
        "--grace",
        "0",
    ];
    let o = rotate(&state, &args);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("known node(s) do not answer"), "{t}");
    assert!(t.contains(&down), "{t}");
    assert!(t.contains("--skip-node"), "{t}");
    assert!(!t.contains("Done"), "{t}");
    let old_hash = hash_password(REPL_PASSWORD.as_bytes());
    assert_eq!(hashes(&set.data.primary, REPL_USER), vec![old_hash.clone()]);

    // Named with --skip-node: it goes on, and says what that costs.
    let mut skip = args.to_vec();
    skip.extend(["--skip-node", down.as_str()]);
    let o = rotate(&state, &skip);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("on 2 node(s)"), "{t}");
    assert!(t.contains(&format!("{down}: SKIPPED")), "{t}");
    assert!(t.contains("WRONGPASS"), "{t}");
    assert!(
        t.contains(&format!(
            "Done: every node accepts the new password only, except the skipped node(s) {down}"
        )),
        "{t}"
    );
    assert!(!t.contains(new) && !t.contains(REPL_PASSWORD), "{t}");
    let new_hash = hash_password(new.as_bytes());
    assert_eq!(hashes(&set.data.primary, REPL_USER), vec![new_hash.clone()]);
    assert_eq!(hashes(&set.data.replicas[0], REPL_USER), vec![new_hash]);
    // The skipped replica comes back with the old password only.
    set.data.replicas[1].restart().unwrap();
    assert_eq!(hashes(&set.data.replicas[1], REPL_USER), vec![old_hash]);
}
