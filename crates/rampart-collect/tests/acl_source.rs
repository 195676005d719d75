//! `rampart_collect::acl_source`: the users `rampart acl` reads, from
//! files and from a real server's ACL LIST, and migrate-hashes' checked
//! rewrite (bytes kept, mode kept, nothing written on a dry run).
#![allow(clippy::unwrap_used)]

use rampart_collect::acl_source::{self, FileSource, MigrateOptions};
use rampart_live::{ConnectOptions, Credentials, Endpoint};
use redis_acl::CommandTable;
use redis_fixture::Server;
use std::os::unix::fs::PermissionsExt;

const ACL: &str = "user default on nopass ~* &* +@all\nuser app on >s3cret ~app:* +@read\n";

#[test]
fn config_names_a_relative_aclfile() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("users.acl"), ACL).unwrap();
    let conf = d.path().join("redis.conf");
    std::fs::write(&conf, "databases 4\naclfile users.acl\n").unwrap();
    let t = CommandTable::redis_7_0();
    let set = FileSource {
        config: Some(&conf),
        aclfile: None,
    }
    .load(t)
    .unwrap();
    assert_eq!(set.databases, Some(4));
    let names: Vec<&str> = set.users.iter().map(|u| u.user.name.as_str()).collect();
    assert_eq!(names, ["default", "app"]);
    assert!(set.problems.is_empty());
    // Config user lines: a repeated name is Redis's duplicate error.
    std::fs::write(&conf, "user a on nopass +get\nuser a on nopass +set\n").unwrap();
    let set = acl_source::load_path(&conf, t).unwrap();
    assert_eq!(set.problems.len(), 1, "{}", set.problems_line());
    assert!(set.problems_line().contains("Duplicate user 'a'"));
    // No file at all: a clear error, not a panic.
    let e = acl_source::load_path(&d.path().join("missing"), t)
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("cannot read"), "{e}");
}

#[test]
fn migrate_keeps_other_bytes_and_mode() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("users.acl");
    let mut body = b"user app on >pw ~k\xff:* +get\n".to_vec();
    body.extend_from_slice(b"user default off\n");
    std::fs::write(&p, &body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let t = CommandTable::redis_7_0();
    let dry = MigrateOptions {
        file: &p,
        output: None,
        dry_run: true,
    };
    let o = acl_source::migrate_hashes(&dry, t).unwrap();
    assert_eq!((o.changed, o.written), (1, false));
    assert_eq!(std::fs::read(&p).unwrap(), body);
    let o = acl_source::migrate_hashes(
        &MigrateOptions {
            dry_run: false,
            ..dry
        },
        t,
    )
    .unwrap();
    assert_eq!((o.changed, o.remaining, o.written), (1, 0, true));
    let mut want = format!("user app on #{} ~k", redis_acl::hash_password(b"pw")).into_bytes();
    want.extend_from_slice(b"\xff:* +get\nuser default off\n");
    assert_eq!(std::fs::read(&p).unwrap(), want);
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
}

#[test]
fn live_acl_list_with_the_servers_table() {
    let s = Server::start_files("aclfile users.acl\n", &[("users.acl", ACL)], &[]).unwrap();
    let ep = Endpoint {
        host: "127.0.0.1".into(),
        port: s.port,
        tls: false,
    };
    let live =
        acl_source::load_live(&ep, &Credentials::default(), &ConnectOptions::default()).unwrap();
    assert!(live.table.is_some(), "COMMAND was readable");
    assert_eq!(live.set.origin, format!("ACL LIST on {ep}"));
    let app = live
        .set
        .users
        .iter()
        .find(|u| u.user.name == "app")
        .unwrap();
    assert_eq!(
        app.location.as_deref(),
        Some(format!("ACL LIST on {ep} (user app)").as_str())
    );
    // The password came back as its hash only.
    assert!(app.user.passwords.iter().all(|p| p.plaintext.is_none()));
}
