//! The shipped command tables (`data/redis-7.0.json`, `data/valkey-9.1.json`)
//! against the real servers.
//!
//! Regenerate with:
//! `cargo test -p redis-acl --test command_table -- --ignored generate_command_table`
//! `cargo test -p redis-acl --test command_table -- --ignored generate_valkey_table`
//! (the latter needs a valkey-server: `scripts/install-valkey.sh` or `RAMPART_VALKEY_SERVER`).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use redis_acl::{CommandData, CommandTable, CommandTableData};
use redis_fixture::{Conn, Node, Reply, Server, ServerBuilder};
use serde_json::{Map, Value};

fn int(r: &Reply) -> i64 {
    match r {
        Reply::Int(i) => *i,
        other => panic!("not an int: {other:?}"),
    }
}

fn strings(r: &Reply) -> Vec<String> {
    r.array().iter().map(|x| x.text()).collect()
}

fn scalar(r: &Reply) -> Value {
    match r {
        Reply::Int(i) => Value::from(*i),
        Reply::Array(Some(_)) => Value::Array(r.array().iter().map(scalar).collect()),
        Reply::Array(None) | Reply::Bulk(None) => Value::Null,
        other => Value::from(other.text()),
    }
}

/// A RESP2 flat `[k, v, k, v…]` array as a JSON object; `flags` stays a list.
fn pairs(r: &Reply) -> Value {
    let mut m = Map::new();
    for kv in r.array().chunks(2) {
        let k = kv[0].text();
        let v = &kv[1];
        let val = match (k.as_str(), v) {
            ("flags", _) => scalar(v),
            (_, Reply::Array(Some(_))) => pairs(v),
            _ => scalar(v),
        };
        m.insert(k, val);
    }
    Value::Object(m)
}

fn command(r: &Reply) -> CommandData {
    let a = r.array();
    let mut subcommands: Vec<CommandData> = a[9].array().iter().map(command).collect();
    subcommands.sort_by(|x, y| x.name.cmp(&y.name));
    CommandData {
        name: a[0].text().to_ascii_lowercase(),
        arity: int(&a[1]),
        flags: strings(&a[2]),
        categories: strings(&a[6])
            .into_iter()
            .map(|c| c.trim_start_matches('@').to_string())
            .collect(),
        first_key: int(&a[3]),
        last_key: int(&a[4]),
        step: int(&a[5]),
        key_specs: a[8].array().iter().map(pairs).collect(),
        subcommands,
    }
}

fn server_table(c: &mut Conn) -> CommandTableData {
    let info = c.cmd(&["INFO", "server"]).unwrap().text();
    // Valkey reports `redis_version:7.2.4` for compatibility; its own
    // version is `valkey_version`.
    let field = |f: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(f))
            .map(|v| v.trim().to_string())
    };
    let version = field("valkey_version:")
        .or_else(|| field("redis_version:"))
        .unwrap();
    let server = if info.contains("valkey_version:") {
        "valkey"
    } else {
        "redis"
    };
    let categories = strings(&c.cmd(&["ACL", "CAT"]).unwrap());
    let mut commands: Vec<CommandData> = c
        .cmd(&["COMMAND"])
        .unwrap()
        .array()
        .iter()
        .map(command)
        .collect();
    commands.sort_by(|x, y| x.name.cmp(&y.name));
    CommandTableData {
        server: server.into(),
        version,
        categories,
        commands,
    }
}

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/redis-7.0.json");
const VALKEY_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/valkey-9.1.json");

fn write_table(c: &mut Conn, path: &str) {
    let t = server_table(c);
    let mut text = serde_json::to_string_pretty(&t).unwrap();
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

#[test]
#[ignore = "writes data/redis-7.0.json from the running redis-server"]
fn generate_command_table() {
    let s = Server::start("").unwrap();
    write_table(&mut s.conn(), PATH);
}

/// A running valkey-server, or `None` (with the reason printed) when no
/// binary is installed.
fn valkey() -> Option<Node> {
    if redis_fixture::valkey_server_bin().is_none() {
        eprintln!(
            "SKIP: no valkey-server (set RAMPART_VALKEY_SERVER or run scripts/install-valkey.sh)"
        );
        return None;
    }
    Some(ServerBuilder::new().valkey().start().unwrap())
}

#[test]
#[ignore = "writes data/valkey-9.1.json from the running valkey-server"]
fn generate_valkey_table() {
    let v = valkey().expect("a valkey-server binary");
    write_table(&mut v.conn(), VALKEY_PATH);
}

/// The committed table equals what the server reports, and the table
/// built from it agrees with `ACL CAT <cat>` and `COMMAND COUNT`.
fn check_against_server(c: &mut Conn, path: &str, table: &CommandTable) {
    let live = server_table(c);
    let committed: CommandTableData =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(committed.server, live.server);
    assert_eq!(
        committed.version, live.version,
        "table generated from another server version"
    );
    assert_eq!(committed.categories, live.categories);
    assert_eq!(committed.commands.len(), live.commands.len());
    for (a, b) in committed.commands.iter().zip(&live.commands) {
        assert_eq!(a, b, "command {} differs from the server", a.name);
    }

    // ACL CAT <cat> (which walks orig_commands) agrees with COMMAND's categories.
    assert_eq!(table.server(), live.server);
    assert_eq!(table.version(), live.version);
    for cat in table.categories() {
        let server: BTreeSet<String> = strings(&c.cmd(&["ACL", "CAT", cat]).unwrap())
            .into_iter()
            .collect();
        let ours: BTreeSet<String> = table
            .category_members(cat)
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(server, ours, "members of @{cat}");
    }
    // COMMAND COUNT counts top-level commands.
    let count = int(&c.cmd(&["COMMAND", "COUNT"]).unwrap());
    assert_eq!(
        count as usize,
        table
            .commands()
            .iter()
            .filter(|c| c.parent.is_none())
            .count()
    );
}

#[test]
fn committed_table_matches_server() {
    let s = Server::start("").unwrap();
    check_against_server(&mut s.conn(), PATH, CommandTable::redis_7_0());
}

#[test]
fn committed_valkey_table_matches_server() {
    let Some(v) = valkey() else { return };
    check_against_server(&mut v.conn(), VALKEY_PATH, CommandTable::valkey_9_1());
}

#[test]
fn builtin_registry() {
    assert_eq!(
        CommandTable::builtin_names(),
        vec!["redis-7.0", "valkey-9.1"]
    );
    let exact = CommandTable::builtin("valkey", "9.1.2");
    assert_eq!(exact.table.line_name(), "valkey-9.1");
    assert!(exact.note.is_none());
    let newer = CommandTable::builtin("valkey", "9.2.0");
    assert_eq!(newer.table.line_name(), "valkey-9.1");
    assert!(newer.note.unwrap().contains("nearest older"));
    let older = CommandTable::builtin("valkey", "8.0.1");
    assert_eq!(older.table.line_name(), "redis-7.0");
    assert!(older.note.is_some());
    let redis = CommandTable::builtin("redis", "7.0.15");
    assert_eq!(redis.table.line_name(), "redis-7.0");
    assert!(redis.note.is_none());
    assert!(CommandTable::builtin("redis", "7.2.4").note.is_some());
    assert!(CommandTable::builtin("keydb", "6.3").note.is_some());
    assert_eq!(
        CommandTable::by_name("VALKEY-9.1").unwrap().server(),
        "valkey"
    );
    assert!(CommandTable::by_name("redis-7.2").is_none());
    assert!(CommandTable::valkey_9_1().has_db_rules());
    assert!(!CommandTable::redis_7_0().has_db_rules());
    assert!(CommandTable::valkey_9_1()
        .lookup("commandlog|get")
        .is_some());
    assert!(CommandTable::redis_7_0().lookup("commandlog").is_none());
}
