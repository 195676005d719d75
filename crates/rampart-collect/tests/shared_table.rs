//! Servers of one build share one COMMAND (rampart_collect's shared_table),
//! and each target still gets exactly its own table: one audit, in one
//! process, of servers with and without `rename-command`, and of one whose
//! user may not run COMMAND LIST.
#![allow(clippy::unwrap_used)]

use rampart_collect::live::collect_live;
use rampart_live::{ConnectOptions, Credentials, Endpoint};
use redis_fixture::Server;
use std::collections::BTreeMap;

fn ep(s: &Server) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port: s.port,
        tls: false,
    }
}

fn commandstats(s: &Server) -> BTreeMap<String, String> {
    s.conn()
        .cmd(&["INFO", "commandstats"])
        .unwrap()
        .text()
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn calls(stats: &BTreeMap<String, String>, cmd: &str) -> u64 {
    stats
        .get(cmd)
        .and_then(|v| v.strip_prefix("calls="))
        .and_then(|v| v.split(',').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// The table must be the shipped 7.0 one without `gone`, field by field.
fn assert_table(t: &redis_acl::CommandTable, gone: &[&str], what: &str) {
    let shipped = redis_acl::CommandTable::redis_7_0();
    let want: Vec<_> = shipped
        .commands()
        .iter()
        .filter(|c| !gone.contains(&c.name.as_str()))
        .collect();
    let mut got: Vec<_> = t.commands().iter().collect();
    got.sort_by(|a, b| a.name.cmp(&b.name));
    let mut want = want;
    want.sort_by(|a, b| a.name.cmp(&b.name));
    let got_names: Vec<&str> = got.iter().map(|c| c.name.as_str()).collect();
    let want_names: Vec<&str> = want.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(got_names, want_names, "{what}: the commands");
    for (a, b) in got.iter().zip(&want) {
        assert_eq!(a.categories, b.categories, "{what}: {}", a.name);
        assert_eq!(a.flags, b.flags, "{what}: {}", a.name);
        assert_eq!(a.arity, b.arity, "{what}: {}", a.name);
        assert_eq!(a.key_specs, b.key_specs, "{what}: {}", a.name);
    }
    assert_eq!(t.categories(), shipped.categories(), "{what}");
}

#[test]
fn each_server_gets_its_own_table_when_one_command_is_shared() {
    let first = Server::start("").unwrap();
    let plain: Vec<Server> = (0..3).map(|_| Server::start("").unwrap()).collect();
    let renamed = Server::start("rename-command CONFIG XCONFIG\n").unwrap();
    let away: Vec<Server> = (0..2)
        .map(|_| Server::start("rename-command FLUSHALL \"\"\n").unwrap())
        .collect();
    let no_list = Server::start("user default on nopass ~* &* +@all -command|list\n").unwrap();
    let opts = ConnectOptions::default().with_deadline(std::time::Duration::from_secs(20));
    let creds = Credentials::default();
    // The first of the build alone, then the others at once.
    let c = collect_live(&ep(&first), &creds, &opts);
    let first_table = c.live.get().unwrap().command_table.clone().unwrap();
    let others: Vec<&Server> = plain
        .iter()
        .chain([&renamed])
        .chain(&away)
        .chain([&no_list])
        .collect();
    let tables: Vec<_> = std::thread::scope(|sc| {
        let hs: Vec<_> = others
            .iter()
            .map(|s| sc.spawn(|| collect_live(&ep(s), &creds, &opts)))
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap().live.get().unwrap().command_table.clone())
            .collect()
    });
    assert_table(&first_table, &[], "the first server");
    let first_stats = commandstats(&first);
    assert_eq!(calls(&first_stats, "command"), 1, "{first_stats:?}");
    assert_eq!(calls(&first_stats, "command|list"), 0, "{first_stats:?}");
    // Same commands (a renamed command keeps its name in COMMAND): the
    // first one's table, and no COMMAND sent.
    for (s, t) in plain.iter().chain([&renamed]).zip(&tables) {
        let t = t.as_ref().unwrap();
        assert_table(t, &[], "a server like the first");
        assert!(std::sync::Arc::ptr_eq(t, &first_table));
        let stats = commandstats(s);
        assert_eq!(calls(&stats, "command"), 0, "{stats:?}");
        assert_eq!(calls(&stats, "command|list"), 1, "{stats:?}");
    }
    // FLUSHALL renamed away: its COMMAND LIST differs, so its own COMMAND.
    let mut read_own = 0;
    for (s, t) in away.iter().zip(&tables[4..6]) {
        assert_table(t.as_ref().unwrap(), &["flushall"], "FLUSHALL renamed away");
        let stats = commandstats(s);
        assert_eq!(calls(&stats, "command|list"), 1, "{stats:?}");
        read_own += calls(&stats, "command");
    }
    assert!((1..=2).contains(&read_own), "{read_own}");
    // Its user may not run COMMAND LIST: never sent; COMMAND as before.
    assert_table(tables[6].as_ref().unwrap(), &[], "no COMMAND LIST right");
    let stats = commandstats(&no_list);
    assert_eq!(calls(&stats, "command|list"), 0, "{stats:?}");
    assert_eq!(calls(&stats, "command"), 1, "{stats:?}");
    // Nothing was refused anywhere.
    for s in [&first].into_iter().chain(others) {
        let log = s.conn().cmd(&["ACL", "LOG"]).unwrap();
        assert!(log.array().is_empty(), "{log:?}");
    }
}
