//! The shipped command table (`data/redis-7.0.json`) against the real server.
//!
//! Regenerate with:
//! `cargo test -p redis-acl --test command_table -- --ignored generate_command_table`
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use redis_acl::{CommandData, CommandTable, CommandTableData};
use redis_fixture::{Conn, Reply, Server};
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
    let version = info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap()
        .trim()
        .to_string();
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

#[test]
#[ignore = "writes data/redis-7.0.json from the running redis-server"]
fn generate_command_table() {
    let s = Server::start("").unwrap();
    let t = server_table(&mut s.conn());
    let mut text = serde_json::to_string_pretty(&t).unwrap();
    text.push('\n');
    std::fs::write(PATH, text).unwrap();
}

#[test]
fn committed_table_matches_server() {
    let s = Server::start("").unwrap();
    let mut c = s.conn();
    let live = server_table(&mut c);
    let committed: CommandTableData =
        serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
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
    let table = CommandTable::redis_7_0();
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
