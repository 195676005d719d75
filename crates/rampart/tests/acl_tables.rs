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
    // db=3 only: a connection starts in database 0.
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("denied in database 0: "),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("db=3"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("note: allowed in database 3 (--db 3)"),
        "{}",
        stdout(&o)
    );
    for db in ["3", "any"] {
        let o = rampart(&[
            "acl",
            "--table",
            "valkey-9.1",
            "can",
            "--config",
            conf,
            "--db",
            db,
            "app",
            "GET",
            "app:1",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).starts_with("allowed in database 3: "),
            "{}",
            stdout(&o)
        );
        assert!(stdout(&o).contains("by db=3"), "{}", stdout(&o));
    }
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
    let o = rampart(&["acl", "--table", "keydb-6.3", "review", "--aclfile", &acl]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("unknown server version 'keydb-6.3'"), "{e}");
    assert!(e.contains("redis-6.2, redis-7.0, redis-7.2"), "{e}");
    assert!(e.contains("valkey-9.0, valkey-9.1"), "{e}");
    // Every dialect is a table; a version of no line of its own gets the
    // nearest one, with a note.
    for t in ["redis-6.2", "redis-7.2", "redis-8.2", "valkey-8.0"] {
        let o = rampart(&["acl", "--server-version", t, "review", "--aclfile", &acl]);
        assert_ne!(o.status.code(), Some(2), "{t}: {}", stderr(&o));
    }
    let o = rampart(&[
        "acl",
        "--server-version",
        "redis-7.3.0",
        "review",
        "--aclfile",
        &acl,
    ]);
    assert!(
        stderr(&o).contains("nearest older line, Redis 7.2"),
        "{}",
        stderr(&o)
    );
}

const DBS: &str = "user default on nopass ~* &* +@all\n\
user app on nopass ~* &* +@all db=5\n\
user two on nopass ~* &* +@all db=0,1\n\
user none on nopass ~* +@all resetdbs\n";

fn dbs_setup() -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("users.acl");
    std::fs::write(&p, DBS).unwrap();
    let s = p.to_str().unwrap().to_string();
    (d, s)
}

#[test]
fn can_decides_in_a_database() {
    let (_d, acl) = dbs_setup();
    let can = |extra: &[&str]| {
        let mut args = vec!["acl", "--table", "valkey-9.1", "can", "--aclfile", &acl];
        args.extend(extra);
        rampart(&args)
    };
    // A user restricted to db 0,1 cannot write a key in db 3.
    let o = can(&["--db", "3", "two", "SET", "k", "v"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("database 3"), "{}", stdout(&o));
    assert!(stdout(&o).contains("db=0,1"), "{}", stdout(&o));
    let o = can(&["--db", "1", "two", "SET", "k", "v"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Named databases: SELECT, MOVE, SWAPDB.
    assert_eq!(can(&["two", "SELECT", "1"]).status.code(), Some(0));
    assert_eq!(can(&["two", "SELECT", "3"]).status.code(), Some(1));
    assert_eq!(can(&["two", "MOVE", "k", "2"]).status.code(), Some(1));
    assert_eq!(can(&["two", "SWAPDB", "0", "1"]).status.code(), Some(0));
    // FLUSHALL needs every database; --databases 2 makes db=0,1 all of them.
    assert_eq!(
        can(&["--db", "any", "two", "FLUSHALL"]).status.code(),
        Some(1)
    );
    let o = can(&["--databases", "2", "two", "FLUSHALL"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // JSON says the database; a bad --db is a usage error.
    let o = can(&["-f", "json", "--db", "5", "app", "GET", "k"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(v["db"], 5);
    assert_eq!(v["dbs"][0]["rule"], "db=5");
    assert_eq!(
        can(&["--db", "x", "app", "GET", "k"]).status.code(),
        Some(2)
    );
    // Redis's table ignores the database.
    let o = rampart(&[
        "acl",
        "can",
        "--aclfile",
        &acl,
        "--db",
        "7",
        "default",
        "SET",
        "k",
        "v",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("allowed: "), "{}", stdout(&o));
}

#[test]
fn who_can_and_review_see_databases() {
    let (_d, acl) = dbs_setup();
    let who = |extra: &[&str]| {
        let mut args = vec![
            "acl",
            "--table",
            "valkey-9.1",
            "who-can",
            "--aclfile",
            &acl,
            "-f",
            "json",
        ];
        args.extend(extra);
        let o = rampart(&args);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let mut names: Vec<String> = v["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["user"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(who(&["FLUSHDB"]), ["app", "default", "two"]);
    assert_eq!(who(&["--db", "5", "FLUSHDB"]), ["app", "default"]);
    assert_eq!(who(&["--db", "0", "FLUSHDB"]), ["default", "two"]);
    assert_eq!(who(&["FLUSHALL"]), ["default"]);
    assert_eq!(
        who(&["--key", "k", "--write", "--db", "1"]),
        ["default", "two"]
    );
    assert_eq!(who(&["--key", "k", "--write"]), ["app", "default", "two"]);
    assert_eq!(who(&["--category", "@string", "--db", "9"]), ["default"]);
    // SWAPDB is not checked against the current database.
    assert_eq!(
        who(&["--category", "@keyspace", "--db", "9"]),
        ["app", "default", "two"]
    );

    let o = rampart(&["acl", "--table", "valkey-9.1", "review", "--aclfile", &acl]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let app = out
        .split("user app ")
        .nth(1)
        .unwrap()
        .split("user two")
        .next()
        .unwrap();
    assert!(app.contains("databases: db=5"), "{app}");
    assert!(app.contains("db-restricted"), "{app}");
    assert!(!app.contains("all-commands"), "{app}");
    assert!(!app.contains("flushall"), "{app}");
    let o = rampart(&[
        "acl",
        "--table",
        "valkey-9.1",
        "review",
        "--aclfile",
        &acl,
        "-f",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let users = v["users"].as_array().unwrap();
    let by = |n: &str| users.iter().find(|u| u["user"] == n).unwrap();
    assert_eq!(by("default")["all_commands"], true);
    assert!(by("default").get("databases").is_none());
    assert_eq!(by("app")["all_commands"], false);
    assert_eq!(by("app")["databases"][0][1], "db=5");
}

#[test]
fn diff_shows_database_changes() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.acl");
    let b = d.path().join("b.acl");
    std::fs::write(&a, "user app on nopass ~* +@all\n").unwrap();
    std::fs::write(&b, "user app on nopass ~* +@all db=5\n").unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let o = rampart(&["acl", "--table", "valkey-9.1", "diff", a, b]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("~ user app"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("+ databases (1): db=5"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("- databases (1): alldbs"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn live_valkey_databases_and_dryrun_agree() {
    use redis_fixture::{Reply, ServerBuilder};
    if redis_fixture::valkey_server_bin().is_none() {
        eprintln!("SKIP: no valkey-server (scripts/install-valkey.sh installs one)");
        return;
    }
    // 4 databases: db=0,1,2,3 is all of them, so that user may FLUSHALL.
    let v = ServerBuilder::new()
        .valkey()
        .config("databases 4\n")
        .start()
        .unwrap();
    for rules in [
        &["all4", "on", "nopass", "~*", "+@all", "db=0,1,2,3"][..],
        &["two", "on", "nopass", "~*", "+@all", "db=0,1"][..],
    ] {
        let mut args = vec!["ACL", "SETUSER"];
        args.extend(rules);
        assert!(!v.cmd(&args).is_error());
    }
    let t = format!("redis://127.0.0.1:{}", v.client_port());
    let mut c = v.conn();
    for (db, user, argv) in [
        (0, "all4", &["FLUSHALL"][..]),
        (0, "two", &["FLUSHALL"][..]),
        (3, "two", &["GET", "k"][..]),
        (1, "two", &["GET", "k"][..]),
        (1, "two", &["MOVE", "k", "3"][..]),
    ] {
        let dbs = db.to_string();
        let mut args = vec![
            "acl", "can", "--target", &t, "-f", "json", "--db", &dbs, user,
        ];
        args.extend(argv);
        let o = rampart(&args);
        let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        c.cmd(&["SELECT", &dbs]).unwrap();
        let mut dry = vec!["ACL", "DRYRUN", user];
        dry.extend(argv);
        let server = c.cmd(&dry).unwrap();
        assert_eq!(
            r["allowed"] == true,
            server == Reply::Status("OK".into()),
            "db {db} {user} {argv:?}: ours {r}, DRYRUN {server:?}"
        );
        assert_eq!(r["db"], db, "{r}");
    }
}
