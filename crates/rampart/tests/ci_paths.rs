//! CI use (issue 12): config files and directories as positional
//! arguments, several per run, each its own target; host checks left out
//! for a checkout (by flag, or seen from the git checkout the files are in).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

fn finding(r: &serde_json::Value, target: &str, id: &str) -> serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id && f["target"].as_str().unwrap().ends_with(target))
        .unwrap_or_else(|| panic!("{id} on {target} missing"))
        .clone()
}

#[test]
fn paths_are_config_targets_and_missing_ones_are_errors() {
    let d = tempfile::tempdir().unwrap();
    let prod = d.path().join("prod");
    let stage = d.path().join("stage");
    std::fs::create_dir_all(&prod).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(
        prod.join("redis.conf"),
        "bind 127.0.0.1\naclfile users.acl\n",
    )
    .unwrap();
    std::fs::write(prod.join("users.acl"), "user default off\n").unwrap();
    std::fs::write(
        stage.join("redis.conf"),
        "bind 0.0.0.0\nprotected-mode no\n",
    )
    .unwrap();
    let o = rampart_in(
        d.path(),
        &[
            "audit",
            "prod",
            "stage/redis.conf",
            "--format",
            "json",
            "--no-proc",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    let targets: Vec<&str> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert!(r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["kind"] == "files"));
    assert_eq!(finding(&r, "prod/redis.conf", "ACL003")["status"], "pass");
    assert_eq!(finding(&r, "stage/redis.conf", "NET001")["status"], "fail");
    // A path that is not there is an error about the path, not a host.
    let o = rampart_in(d.path(), &["audit", "repo/prod/redis.conf"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("repo/prod/redis.conf: not a config file or directory"),
        "{e}"
    );
    assert!(!e.contains("cannot connect"), "{e}");
    let o = rampart_in(d.path(), &["audit", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no redis.conf or valkey.conf"));
}

#[test]
fn host_checks_leave_a_checkout_alone() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("redis.conf"), "bind 127.0.0.1\n").unwrap();
    // Not a checkout: the modes are judged.
    let r = json(&rampart_in(
        d.path(),
        &["audit", "redis.conf", "-f", "json", "--no-proc"],
    ));
    assert_ne!(status(&r, "OS003"), "skip");
    // --no-host-checks: skipped, with the reason.
    let r = json(&rampart_in(
        d.path(),
        &["audit", "redis.conf", "-f", "json", "--no-host-checks"],
    ));
    let f = finding(&r, "redis.conf", "OS003");
    assert_eq!(f["status"], "skip");
    assert!(f["message"].as_str().unwrap().contains("--no-host-checks"));
    // Inside a git checkout: skipped, and the report says why.
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let r = json(&rampart_in(
        d.path(),
        &["audit", "redis.conf", "-f", "json"],
    ));
    for id in ["OS001", "OS002", "OS003", "OS004"] {
        let f = finding(&r, "redis.conf", id);
        assert_eq!(f["status"], "skip", "{id}");
        assert!(
            f["message"].as_str().unwrap().contains("git checkout"),
            "{f}"
        );
    }
}
