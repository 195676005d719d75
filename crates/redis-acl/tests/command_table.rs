//! The shipped command tables (each dialect's `commands.json` in
//! `redis-dialects`) against the installed server of that line, and the
//! choice of a table by product and version.
//!
//! Regenerate a dialect's data with
//! `cargo run -p dialect-gen -- commands --server PATH --out crates/redis-dialects/data/<name>`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use redis_acl::{CommandData, CommandTable, CommandTableData};
use redis_fixture::{Conn, Reply, ServerBuilder};
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

/// One COMMAND entry (7 fields up to 6.2, 10 from 7.0).
fn command(r: &Reply) -> CommandData {
    let a = r.array();
    let mut subcommands: Vec<CommandData> = a
        .get(9)
        .map(|s| s.array().iter().map(command).collect())
        .unwrap_or_default();
    subcommands.sort_by_key(|x| x.name.to_ascii_lowercase());
    CommandData {
        name: a[0].text(),
        arity: int(&a[1]),
        flags: strings(&a[2]),
        categories: strings(&a[6])
            .into_iter()
            .map(|c| c.trim_start_matches('@').to_string())
            .collect(),
        first_key: int(&a[3]),
        last_key: int(&a[4]),
        step: int(&a[5]),
        key_specs: a
            .get(8)
            .map(|k| k.array().iter().map(pairs).collect())
            .unwrap_or_default(),
        subcommands,
    }
}

fn server_table(c: &mut Conn) -> CommandTableData {
    let info = c.cmd(&["INFO", "server"]).unwrap().text();
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
    commands.sort_by_key(|x| x.name.to_ascii_lowercase());
    CommandTableData {
        server: server.into(),
        version,
        categories,
        commands,
    }
}

/// Each committed `commands.json` equals what the installed server of its
/// line reports (the patch release may differ: CI's Redis 6.2 is 6.2.14,
/// the data is from 6.2.16), and the table agrees with `ACL CAT <cat>`
/// and `COMMAND COUNT`.
#[test]
fn committed_tables_match_installed_servers() {
    for v in redis_fixture::versions_or_skip("committed_tables_match_installed_servers") {
        let node = ServerBuilder::new().binary(&v.path).start().unwrap();
        let mut c = node.conn();
        let live = server_table(&mut c);
        let d = redis_dialects::by_name(v.dialect).unwrap();
        let committed: CommandTableData = serde_json::from_str(d.commands_data())
            .unwrap_or_else(|e| panic!("{}: commands.json: {e}", v.dialect));
        eprintln!(
            "{}: data from {} {}, installed {}",
            v.dialect, committed.server, committed.version, live.version
        );
        assert_eq!(committed.server, live.server, "{}", v.dialect);
        assert_eq!(committed.categories, live.categories, "{}", v.dialect);
        let names = |t: &CommandTableData| -> Vec<String> {
            t.commands.iter().map(|c| c.name.clone()).collect()
        };
        assert_eq!(names(&committed), names(&live), "{}", v.dialect);
        for (a, b) in committed.commands.iter().zip(&live.commands) {
            assert_eq!(
                a, b,
                "{}: command {} differs from the server",
                v.dialect, a.name
            );
        }

        let table = CommandTable::by_name(v.dialect).unwrap();
        assert_eq!(table.line_name(), v.dialect);
        for cat in table.categories() {
            let server: BTreeSet<String> = strings(&c.cmd(&["ACL", "CAT", cat]).unwrap())
                .into_iter()
                .collect();
            let ours: BTreeSet<String> = table
                .category_members(cat)
                .iter()
                .map(|c| c.fullname.clone())
                .collect();
            assert_eq!(server, ours, "{}: members of @{cat}", v.dialect);
        }
        let count = int(&c.cmd(&["COMMAND", "COUNT"]).unwrap());
        assert_eq!(
            count as usize,
            table
                .commands()
                .iter()
                .filter(|c| c.parent.is_none())
                .count(),
            "{}",
            v.dialect
        );
    }
}

#[test]
fn every_dialect_has_a_table_and_a_grammar() {
    let names = CommandTable::builtin_names();
    assert_eq!(names, redis_dialects::names());
    for n in names {
        let t = CommandTable::by_name(n).unwrap();
        assert!(t.len() > 200, "{n}: {} commands", t.len());
        assert_eq!(t.line_name(), n);
        let d = redis_dialects::by_name(n).unwrap();
        assert!(
            redis_acl::AclGrammar::from_json(d.acl_data()).is_ok(),
            "{n}: acl.json"
        );
    }
}

#[test]
fn builtin_registry() {
    let exact = CommandTable::builtin("valkey", "9.1.2");
    assert_eq!(exact.table.line_name(), "valkey-9.1");
    assert!(exact.note.is_none());
    let newer = CommandTable::builtin("valkey", "9.2.0");
    assert_eq!(newer.table.line_name(), "valkey-9.1");
    assert!(newer.note.unwrap().contains("newer"));
    let older = CommandTable::builtin("valkey", "8.1.1");
    assert_eq!(older.table.line_name(), "valkey-8.0");
    assert!(older.note.unwrap().contains("nearest older"));
    for (v, line) in [
        ("6.2.14", "redis-6.2"),
        ("7.0.15", "redis-7.0"),
        ("7.2.4", "redis-7.2"),
        ("7.4.1", "redis-7.4"),
        ("7.9.224", "redis-8.0"),
        ("8.0.2", "redis-8.0"),
        ("8.2.3", "redis-8.2"),
    ] {
        let c = CommandTable::builtin("redis", v);
        assert_eq!(c.table.line_name(), line, "{v}");
        assert!(c.note.is_none(), "{v}: {:?}", c.note);
    }
    assert!(CommandTable::builtin("redis", "garbage").note.is_some());
    let keydb = CommandTable::builtin("keydb", "6.3");
    assert!(keydb.note.unwrap().contains("keydb"));
    assert_eq!(
        CommandTable::by_name("VALKEY-9.1").unwrap().server(),
        "valkey"
    );
    assert_eq!(
        CommandTable::by_name("redis-7.2.6").unwrap().line_name(),
        "redis-7.2"
    );
    assert!(CommandTable::by_name("redis-5.0").is_none());
    assert!(CommandTable::valkey_9_1().has_db_rules());
    assert!(!CommandTable::redis_7_0().has_db_rules());
    assert!(!CommandTable::by_name("valkey-9.0").unwrap().has_db_rules());
    assert!(CommandTable::valkey_9_1()
        .lookup("commandlog|get")
        .is_some());
    assert!(CommandTable::redis_7_0().lookup("commandlog").is_none());
    // Newer tables have newer commands.
    let r74 = CommandTable::by_name("redis-7.4").unwrap();
    assert!(r74.lookup("hexpire").is_some());
    assert!(CommandTable::by_name("redis-7.2")
        .unwrap()
        .lookup("hexpire")
        .is_none());
    assert!(CommandTable::by_name("redis-7.2")
        .unwrap()
        .lookup("client|no-touch")
        .is_some());
    assert!(CommandTable::redis_7_0()
        .lookup("client|no-touch")
        .is_none());
}

/// The grammar follows each line's `ACL SETUSER`: no selectors, `%R~` or
/// `clearselectors` in 6.2 (syntax errors there), and a new 6.2 user holds
/// every channel.
#[test]
fn grammar_per_line() {
    use redis_acl::User;
    let r62 = CommandTable::by_name("redis-6.2").unwrap();
    let r70 = CommandTable::redis_7_0();
    assert!(!r62.grammar().selectors);
    assert!(!r62.grammar().key_permissions);
    assert!(r62.grammar().new_user_all_channels);
    assert!(!r62.grammar().dryrun);
    for rule in ["(~a +get)", "%R~a", "%W~a", "clearselectors", "db=0"] {
        let mut u = User::new_in(r62, "u");
        let e = u.apply_tokens_with(r62, &[rule]).unwrap_err();
        assert_eq!(
            e.message,
            format!("Error in ACL SETUSER modifier '{rule}': Syntax error")
        );
    }
    // 6.2 does not merge a selector spread over tokens.
    let mut u = User::new_in(r62, "u");
    let e = u.apply_tokens_with(r62, &["(~a", "+get)"]).unwrap_err();
    assert_eq!(
        e.message,
        "Error in ACL SETUSER modifier '(~a': Syntax error"
    );
    let mut u = User::new_in(r70, "u");
    u.apply_tokens_with(r70, &["(~a", "+get)", "%R~b"]).unwrap();
    assert_eq!(u.selectors.len(), 1);
    assert!(User::new_in(r62, "u").root.all_channels);
    assert!(!User::new_in(r70, "u").root.all_channels);
    let mut u = User::new_in(r62, "u");
    u.apply_tokens_with(r62, &["resetchannels", "reset"])
        .unwrap();
    assert!(u.root.all_channels);
    assert!(!r70.grammar().dryrun_names_user);
    assert!(
        CommandTable::by_name("redis-7.2")
            .unwrap()
            .grammar()
            .dryrun_names_user
    );
}
