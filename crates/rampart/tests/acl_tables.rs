//! `rampart acl --table NAME`: the command table offline analysis uses.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

const ACL: &str = "user default off\n\
user ops on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~* resetchannels -@all +commandlog +ping db=0,2\n";

fn setup() -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("users.acl");
    std::fs::write(&p, ACL).unwrap();
    let s = p.to_str().unwrap().to_string();
    (d, s)
}

#[test]
fn valkey_command_needs_the_valkey_table() {
    let (_d, acl) = setup();
    // Redis 7.0 (the default) has no COMMANDLOG and no db= rule.
    let o = rampart(&[
        "acl",
        "can",
        "--aclfile",
        &acl,
        "ops",
        "COMMANDLOG",
        "GET",
        "10",
        "slow",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("'COMMANDLOG' not found"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("+commandlog"), "{}", stderr(&o));
    let o = rampart(&[
        "acl",
        "--table",
        "redis-7.0",
        "can",
        "--aclfile",
        &acl,
        "ops",
        "COMMANDLOG",
        "GET",
        "10",
        "slow",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));

    // Valkey 9.1: allowed, by +commandlog; the flag works before or after the subcommand.
    for args in [
        vec!["acl", "--table", "valkey-9.1", "can", "--aclfile", &acl],
        vec!["acl", "can", "--table", "valkey-9.1", "--aclfile", &acl],
    ] {
        let mut args = args;
        args.extend(["ops", "COMMANDLOG", "GET", "10", "slow"]);
        let o = rampart(&args);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).starts_with("allowed: "), "{}", stdout(&o));
        assert!(stdout(&o).contains("+commandlog"), "{}", stdout(&o));
        assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    }
    let o = rampart(&[
        "acl",
        "--table",
        "valkey-9.1",
        "can",
        "--aclfile",
        &acl,
        "ops",
        "GET",
        "k",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));

    let o = rampart(&["acl", "--table", "valkey-9.1", "review", "--aclfile", &acl]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("commandlog|get"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("problem:"), "{}", stdout(&o));
}

#[test]
fn db_rules_in_config_user_lines() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("redis.conf");
    std::fs::write(
        &p,
        "port 6390\nuser app on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~app:* resetdbs db=3 +get\n",
    )
    .unwrap();
    let conf = p.to_str().unwrap();
    let o = rampart(&[
        "acl",
        "--table",
        "valkey-9.1",
        "can",
        "--config",
        conf,
        "app",
        "GET",
        "app:1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = rampart(&["acl", "can", "--config", conf, "app", "GET", "app:1"]);
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        format!("{}{}", stdout(&o), stderr(&o)).contains("'resetdbs': Syntax error"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn unknown_table_lists_the_known_ones() {
    let (_d, acl) = setup();
    let o = rampart(&["acl", "--table", "redis-7.2", "review", "--aclfile", &acl]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("unknown command table 'redis-7.2'"), "{e}");
    assert!(e.contains("redis-7.0, valkey-9.1"), "{e}");
}
