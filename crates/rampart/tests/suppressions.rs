//! Accepting findings (issue 12): inline comments, rampart.toml,
//! --select/--ignore, baselines. A suppressed finding stays in JSON and
//! SARIF, marked, and out of the exit code; a suppression that cannot stand
//! is itself reported.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::Path;

fn audit_in(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["audit", "-c", "redis.conf", "--no-proc"];
    args.extend_from_slice(extra);
    rampart_in(dir, &args)
}

fn finding<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

fn problems(r: &serde_json::Value) -> Vec<String> {
    r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["location"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect()
}

const CONF: &str = "# rampart: ignore[NET001] the platform fixes the address; OPS-1\nbind 0.0.0.0\nport 6379\nprotected-mode yes\n";

#[test]
fn inline_suppression_is_kept_marked_and_not_counted() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("redis.conf"), CONF).unwrap();
    // Only NET001 selected: suppressed, so nothing counts: exit 0.
    let o = audit_in(d.path(), &["--select", "NET001"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let t = stdout(&o);
    assert!(
        t.contains("1 suppressed (--show-suppressed lists them)"),
        "{t}"
    );
    assert!(!t.contains("NET003"), "not selected: {t}");
    let o = audit_in(d.path(), &["--select", "NET001", "--show-suppressed"]);
    assert!(stdout(&o).contains("accepted at redis.conf:1: the platform fixes the address; OPS-1"));
    let o = audit_in(d.path(), &["--select", "NET001", "-f", "json"]);
    let r = json(&o);
    let f = finding(&r, "NET001");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["suppressed"]["kind"], "inline");
    assert_eq!(f["suppressed"]["location"], "redis.conf:1");
    assert_eq!(r["suppressed"], 1);
    assert_eq!(r["summary"]["fail"], 0);
    let o = audit_in(d.path(), &["--select", "NET001", "-f", "sarif"]);
    let s = json(&o);
    let res = &s["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "NET001");
    assert_eq!(res["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        res["suppressions"][0]["justification"],
        "the platform fixes the address; OPS-1"
    );
    // Without the comment it counts.
    std::fs::write(d.path().join("redis.conf"), "bind 0.0.0.0\nport 6379\n").unwrap();
    let o = audit_in(d.path(), &["--select", "NET001"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn inline_suppression_without_reason_or_with_unknown_id_is_reported() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("redis.conf"),
        "# rampart: ignore[NET003]\nport 6379\n# rampart: ignore[NOPE42] because\nbind 127.0.0.1\n# rampart: ignore[TLS001] not on this line\nprotected-mode yes\n",
    )
    .unwrap();
    let o = audit_in(d.path(), &["-f", "json"]);
    let r = json(&o);
    assert!(finding(&r, "NET003")["suppressed"].is_null());
    let p = problems(&r).join("\n");
    assert!(
        p.contains("redis.conf:1: rampart suppression without a reason"),
        "{p}"
    );
    assert!(
        p.contains("redis.conf:3: rampart suppression names \"NOPE42\""),
        "{p}"
    );
    assert!(
        p.contains("redis.conf:5: unused rampart suppression: no TLS001 finding"),
        "{p}"
    );
}

#[test]
fn settings_file_targets_expiry_and_unused_entries() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("redis.conf"), "bind 127.0.0.1\nport 6379\n").unwrap();
    std::fs::write(
        d.path().join("rampart.toml"),
        "[[ignore]]\nid = \"ACL001\"\ntarget = \"redis.*\"\nreason = \"test box\"\n\n\
         [[ignore]]\nid = \"ACL003\"\nreason = \"old\"\nexpires = 2020-01-01\n\n\
         [[ignore]]\nid = \"VER002\"\ntarget = \"other-*\"\nreason = \"unused\"\n\n\
         [checks]\nignore = [\"NET005\"]\n\n[severity]\nNET003 = \"critical\"\n",
    )
    .unwrap();
    // Found in a parent directory too.
    let sub = d.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("redis.conf"), "bind 127.0.0.1\nport 6379\n").unwrap();
    for dir in [d.path(), sub.as_path()] {
        let r = json(&audit_in(dir, &["-f", "json"]));
        assert_eq!(finding(&r, "ACL001")["suppressed"]["kind"], "settings");
        assert_eq!(finding(&r, "ACL001")["suppressed"]["reason"], "test box");
        assert!(finding(&r, "ACL003")["suppressed"].is_null(), "expired");
        assert_eq!(finding(&r, "NET003")["severity"], "critical");
        assert!(r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "NET005"));
        let p = problems(&r).join("\n");
        assert!(
            p.contains("rampart.toml:6: the suppression of ACL003 expired on 2020-01-01"),
            "{p}"
        );
        assert!(p.contains("rampart.toml:11: unused suppression: no VER002 finding on targets matching \"other-*\""), "{p}");
    }
    // --no-settings: nothing accepted.
    let r = json(&audit_in(d.path(), &["-f", "json", "--no-settings"]));
    assert!(finding(&r, "ACL001")["suppressed"].is_null());
    // --ignore on the command line.
    let r = json(&audit_in(
        d.path(),
        &["-f", "json", "--ignore", "ACL001,acl003"],
    ));
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] != "ACL003"));
}

#[test]
fn a_bad_settings_file_stops_the_run_with_its_position() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("redis.conf"), "port 6379\n").unwrap();
    for (text, want) in [
        ("[[ignore]]\nid = \"NET003\"\n", "rampart.toml:1:1:"),
        (
            "[[ignore]]\nid = \"NET003\"\nreason = \"x\"\ncolour = 2\n",
            "rampart.toml:4:1:",
        ),
        (
            "[[ignore]]\nid = \"NOPE42\"\nreason = \"x\"\n",
            "rampart.toml:2:6:",
        ),
        ("[[ignore]\n", "rampart.toml:1:"),
    ] {
        std::fs::write(d.path().join("rampart.toml"), text).unwrap();
        let o = audit_in(d.path(), &["-f", "json"]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(
            stdout(&o).is_empty(),
            "no report before the settings are valid"
        );
        assert!(stderr(&o).contains(want), "{text}: {}", stderr(&o));
    }
    let o = audit_in(d.path(), &["--select", "NOPE1"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn baselines_count_only_new_findings() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("redis.conf"), "bind 127.0.0.1\nport 6379\n").unwrap();
    let o = audit_in(d.path(), &["--write-baseline", "base.json"]);
    assert_eq!(o.status.code(), Some(1));
    let o = audit_in(d.path(), &["--baseline", "base.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Lines moved, nothing new: still clean.
    std::fs::write(
        d.path().join("redis.conf"),
        "# moved\n\nbind 127.0.0.1\nport 6379\n",
    )
    .unwrap();
    let o = audit_in(d.path(), &["--baseline", "base.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Something new: counts.
    std::fs::write(d.path().join("redis.conf"), "bind 0.0.0.0\nport 6379\n").unwrap();
    let o = audit_in(d.path(), &["--baseline", "base.json", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let r = json(&o);
    assert!(finding(&r, "NET001")["suppressed"].is_null());
    assert_eq!(finding(&r, "NET003")["suppressed"]["kind"], "baseline");
    // A baseline from a newer rampart is refused.
    std::fs::write(
        d.path().join("new.json"),
        "{\"rampart_baseline\": 9, \"rampart_version\": \"9.0.0\", \"findings\": []}",
    )
    .unwrap();
    let o = audit_in(d.path(), &["--baseline", "new.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("written by a newer rampart"),
        "{}",
        stderr(&o)
    );
}
