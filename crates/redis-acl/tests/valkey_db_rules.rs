//! Valkey 9.1's database selector rules (`alldbs`, `resetdbs`, `db=N[,M]`)
//! against the real valkey-server: accept/reject, Valkey's error wording,
//! and the `ACL LIST` line. Redis 7.0 (and the Redis table) reject them.
#![allow(clippy::unwrap_used)]

use redis_acl::{CommandTable, User};
use redis_fixture::{Conn, Reply, Server, ServerBuilder};

const CASES: &[&str] = &[
    "on alldbs",
    "on resetdbs",
    "on db=0",
    "on db=0,1",
    "on db=1,0",
    "on db=0,0",
    "on db=00003,2",
    "on db=0 db=3",
    "on db=1 resetdbs",
    "on resetdbs db=1",
    "on alldbs db=2",
    "on db=2 alldbs",
    "on ALLDBS",
    "on DB=2",
    "on Db=4 ResetDBs",
    "on db=+1",
    "on db=-0",
    "on db=1,+2",
    "on db=2147483647",
    "on db=2147483648",
    "on db=-1",
    "on db=3,-1",
    "on db=-1,a",
    "on db=a,-1",
    "on db=99999999999999999999",
    "on db=a",
    "on db=",
    "on db=,1",
    "on db=1,",
    "on db=0,,1",
    "on db=1x",
    "on db=0x1",
    "on db=1e1",
    "on dbs=1",
    "on db",
    "on alldb",
    "on ~* &* +@all db=3",
    "on ~k* resetchannels &c db=7,5 +get -@admin",
    "on (db=1 +get ~x)",
    "on (resetdbs)",
    "on (alldbs +get)",
    "on db=1 (db=2,3 ~y +set) (resetdbs +ping)",
    "on (db=-1 +get)",
    "on (db=z)",
];

fn split(case: &str) -> Vec<String> {
    case.split(' ').map(str::to_string).collect()
}

fn setuser(c: &mut Conn, tokens: &[String]) -> Result<(), String> {
    c.cmd(&["ACL", "DELUSER", "u"]).unwrap();
    let mut argv = vec!["ACL".to_string(), "SETUSER".into(), "u".into()];
    argv.extend(tokens.iter().cloned());
    match c.cmd(&argv).unwrap() {
        Reply::Error(e) => Err(e.trim_start_matches("ERR ").to_string()),
        _ => Ok(()),
    }
}

fn list_line(c: &mut Conn) -> String {
    c.cmd(&["ACL", "LIST"])
        .unwrap()
        .array()
        .iter()
        .map(|r| r.text())
        .find(|l| l.starts_with("user u "))
        .unwrap()
}

#[test]
fn db_rules_match_valkey() {
    if redis_fixture::valkey_server_bin().is_none() {
        eprintln!(
            "SKIP: no valkey-server (set RAMPART_VALKEY_SERVER or run scripts/install-valkey.sh)"
        );
        return;
    }
    let v = ServerBuilder::new().valkey().start().unwrap();
    let mut c = v.conn();
    let table = CommandTable::valkey_9_1();
    assert!(table.has_db_rules());
    for case in CASES {
        let tokens = split(case);
        let server = setuser(&mut c, &tokens);
        let mut ours = User::new("u");
        let mine = ours
            .apply_tokens_with(table, &tokens)
            .map_err(|e| e.message);
        assert_eq!(mine, server, "ACL SETUSER u {case}");
        if server.is_ok() {
            assert_eq!(
                ours.acl_list_line(),
                list_line(&mut c),
                "ACL LIST after {case}"
            );
        }
    }
}

#[test]
fn db_rules_are_syntax_errors_for_redis_7_0() {
    let s = Server::start("").unwrap();
    let mut c = s.conn();
    let table = CommandTable::redis_7_0();
    for case in CASES.iter().filter(|c| c.contains("db")) {
        let tokens = split(case);
        let server = setuser(&mut c, &tokens);
        let mut ours = User::new("u");
        let mine = ours
            .apply_tokens_with(table, &tokens)
            .map_err(|e| e.message);
        assert_eq!(mine, server, "ACL SETUSER u {case} (redis 7.0)");
        assert!(server.is_err(), "{case}");
    }
}
