//! redis-cli habits and one meaning per flag (issue 12): `acl can` refuses
//! its own options after the command instead of swallowing them; `-n DB`
//! names the database; `rotate --account` names the rotated user.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn options_after_the_command_are_refused_with_a_hint() {
    let d = tempfile::tempdir().unwrap();
    let acl = d.path().join("users.acl");
    std::fs::write(&acl, "user app on >p1234567890abcdefgh ~* +get\n").unwrap();
    let acl = acl.to_str().unwrap();
    let o = rampart(&[
        "acl",
        "can",
        "--aclfile",
        acl,
        "app",
        "GET",
        "k",
        "-f",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("put rampart's options before USER"),
        "{}",
        stderr(&o)
    );
    // Before USER it is an option; after `--` a literal argument.
    let o = rampart(&[
        "acl",
        "can",
        "--aclfile",
        acl,
        "-f",
        "json",
        "app",
        "GET",
        "k",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(json(&o)["allowed"].as_bool().unwrap());
    let o = rampart(&["acl", "can", "--aclfile", acl, "--", "app", "GET", "-f"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // -n as in redis-cli.
    let o = rampart(&["acl", "can", "--aclfile", acl, "-n", "3", "app", "GET", "k"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn rotate_names_the_account_with_account() {
    let help = stdout(&rampart(&["rotate", "--help"]));
    assert!(help.contains("--account <NAME>"), "{help}");
    assert!(!help.contains("--user <NAME>"), "--user is hidden: {help}");
    let o = rampart(&["rotate", "127.0.0.1:1", "--dry-run", "--generate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--account"), "{}", stderr(&o));
}

#[test]
fn redis_cli_spellings_are_accepted() {
    // --cacertdir as redis-cli spells it (rampart's own: --cacert-dir).
    let d = tempfile::tempdir().unwrap();
    let o = rampart(&[
        "audit",
        "127.0.0.1:1",
        "--cacertdir",
        d.path().to_str().unwrap(),
        "--timeout",
        "1",
        "--no-discover",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // rotate shows no audit-only option, and its --timeout says seconds.
    let help = stdout(&rampart(&["rotate", "--help"]));
    assert!(!help.contains("--concurrency"), "{help}");
    assert!(help.contains("--timeout <SECONDS>"), "{help}");
}
