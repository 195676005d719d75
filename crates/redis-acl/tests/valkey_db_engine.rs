//! The engine's database decisions (Valkey 9.1's `db=`, `alldbs`,
//! `resetdbs`) against a real valkey-server: random users (database rules
//! in the root and in selectors, mixed with command, key and channel
//! rules) × command lines (the database commands with good and bad
//! database arguments, keyed, keyless and all-database commands, and
//! random commands of the table) × the connection's current database.
//!
//! `ACL DRYRUN` decides in the database of the connection that sends it
//! (established by experiment), so every case is our `dryrun()` text
//! against DRYRUN's, sent from a connection in that database. A share of
//! the cases is also run as the user (a connection that SELECTs the
//! database as `default`, then AUTHs as the user): NOPERM or not must
//! match our verdict.
//!
//! CI runs 6000 cases; more with `RAMPART_VALKEY_DB_CASES=100000`, a
//! failing run prints its seed (`RAMPART_VALKEY_DB_SEED`).
#![allow(clippy::unwrap_used)]

mod common;

use common::Rng;
use redis_acl::{CommandTable, Denial, Engine, User};
use redis_fixture::{Conn, Reply, ServerBuilder};

/// Database ids as rules name them (16 and 20 are past `databases 16`).
const RULE_DBS: [&str; 8] = ["0", "1", "2", "3", "5", "15", "16", "20"];
/// Database arguments: valid, out of range, not integers as `string2ll` sees them.
const DB_ARGS: [&str; 14] = [
    "0", "1", "2", "3", "5", "15", "1", "2", "16", "-1", "01", "+1", "x", "99",
];
const KEYS: [&str; 5] = ["a", "ab", "k:1", "x", "b"];
const KEY_PATS: [&str; 5] = ["*", "a*", "k:*", "x", "b"];

struct Gen<'a> {
    r: Rng,
    table: &'a CommandTable,
}

impl Gen<'_> {
    fn dbs_op(&mut self) -> String {
        match self.r.below(6) {
            0 => "alldbs".into(),
            1 => "resetdbs".into(),
            _ => {
                let n = 1 + self.r.below(3);
                let ids: Vec<&str> = (0..n).map(|_| self.r.pick(&RULE_DBS)).collect();
                format!("db={}", ids.join(","))
            }
        }
    }

    fn selector_op(&mut self) -> String {
        match self.r.below(16) {
            0..=3 => self.dbs_op(),
            4 => self.r.pick(&["allkeys", "~*", "resetkeys"]).to_string(),
            5 | 6 => format!(
                "{}~{}",
                self.r.pick(&["", "%R", "%W"]),
                self.r.pick(&KEY_PATS)
            ),
            7 => self.r.pick(&["&*", "&ch*", "resetchannels"]).to_string(),
            8 | 9 => self
                .r
                .pick(&["+@all", "+@read", "+@write", "+@keyspace", "-@dangerous"])
                .to_string(),
            10 => format!(
                "+{}",
                self.r.pick(&[
                    "select", "swapdb", "move", "copy", "flushall", "flushdb", "get", "set",
                    "dbsize", "scan", "ping",
                ])
            ),
            11 => format!("+select|{}", self.r.pick(&["0", "1", "2"])),
            12 => format!(
                "-{}",
                self.r.pick(&["select", "get", "move", "flushall", "copy"])
            ),
            _ => {
                let cats = self.table.categories();
                format!("{}@{}", self.r.pick(&["+", "-"]), self.r.pick(cats))
            }
        }
    }

    fn user_tokens(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if self.r.chance(60) {
            out.push(self.r.pick(&["+@all", "allcommands", "+@read"]).to_string());
            out.push(self.r.pick(&["~*", "allkeys", "~a*"]).to_string());
        }
        let n = 1 + self.r.below(6);
        for _ in 0..n {
            match self.r.below(8) {
                0 | 1 => {
                    let k = 1 + self.r.below(4);
                    let ops: Vec<String> = (0..k).map(|_| self.selector_op()).collect();
                    out.push(format!("({})", ops.join(" ")));
                }
                _ => out.push(self.selector_op()),
            }
        }
        out.push("on".into());
        out.push(">pw".into());
        out
    }

    fn db_arg(&mut self) -> String {
        self.r.pick(&DB_ARGS).to_string()
    }

    fn key(&mut self) -> String {
        self.r.pick(&KEYS).to_string()
    }

    /// A command line; `true` when it is safe to run on the scratch server.
    fn argv(&mut self) -> (Vec<String>, bool) {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let v = match self.r.below(26) {
            0 | 1 => vec!["SELECT".into(), self.db_arg()],
            2 => vec!["SWAPDB".into(), self.db_arg(), self.db_arg()],
            3 | 4 => vec!["MOVE".into(), self.key(), self.db_arg()],
            5 | 6 => {
                let mut v = vec!["COPY".into(), self.key(), self.key()];
                for _ in 0..self.r.below(4) {
                    match self.r.below(6) {
                        0 => v.push("REPLACE".into()),
                        1 => v.push("bogus".into()),
                        2 => v.push("db".into()),
                        _ => {
                            v.push("DB".into());
                            v.push(self.db_arg());
                        }
                    }
                }
                v
            }
            7 => vec!["GET".into(), self.key()],
            8 => vec!["SET".into(), self.key(), "v".into()],
            9 => vec![
                "MSET".into(),
                self.key(),
                "1".into(),
                self.key(),
                "2".into(),
            ],
            10 => s(&[self.r.pick(&["FLUSHDB", "FLUSHALL", "DBSIZE", "RANDOMKEY"])]),
            11 => s(&["SCAN", "0"]),
            12 => s(&["KEYS", "*"]),
            13 => s(&[self.r.pick(&["PING", "LOLWUT", "MULTI", "INFO"])]),
            14 => s(&["PUBLISH", "ch1", "m"]),
            15 => s(&["SPUBLISH", "ch1", "m"]),
            16 => s(&["EVAL", "return 1", "0"]),
            17 => s(&["OBJECT", "HELP"]),
            18 => s(&["CLUSTER", "FLUSHSLOT", "1"]),
            19 => s(&["CONFIG", "GET", "maxmemory"]),
            20 => {
                let k = self.key();
                vec!["DEL".into(), k]
            }
            21 => {
                let mut v = s(&["GEORADIUS", "k:1", "0", "0", "1", "m"]);
                if self.r.chance(50) {
                    v.push(self.r.pick(&["STORE", "STOREDIST"]).into());
                    v.push(self.key());
                }
                v
            }
            _ => return (self.random_argv(), false),
        };
        (v, true)
    }

    /// Any command of the table with an argument count it accepts.
    fn random_argv(&mut self) -> Vec<String> {
        let cmds = self.table.commands();
        let c = &cmds[self.r.below(cmds.len())];
        if !c.subcommands.is_empty() {
            return self.random_argv();
        }
        let mut argv: Vec<String> = c.name.split('|').map(String::from).collect();
        let min = c.arity.unsigned_abs() as usize;
        let n = if c.arity > 0 {
            min
        } else {
            min + self.r.below(3)
        };
        while argv.len() < n {
            let a = if self.r.chance(50) {
                self.key()
            } else {
                self.db_arg()
            };
            argv.push(a);
        }
        argv
    }
}

fn reply_text(r: &Reply) -> String {
    match r {
        Reply::Status(s) => s.clone(),
        Reply::Error(e) => format!("ERR:{e}"),
        Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
        other => format!("{other:?}"),
    }
}

#[test]
fn valkey_db_rules_engine_against_server() {
    if redis_fixture::valkey_server_bin().is_none() {
        eprintln!(
            "SKIP: no valkey-server (set RAMPART_VALKEY_SERVER or run scripts/install-valkey.sh)"
        );
        return;
    }
    let table = CommandTable::valkey_9_1();
    let engine = Engine::new(table).with_databases(16);
    let seed: u64 = std::env::var("RAMPART_VALKEY_DB_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let cases: usize = std::env::var("RAMPART_VALKEY_DB_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6000);
    eprintln!("valkey_db_engine: seed {seed} (RAMPART_VALKEY_DB_SEED), {cases} cases (RAMPART_VALKEY_DB_CASES)");
    let v = ServerBuilder::new()
        .valkey()
        .config("databases 16\n")
        .start()
        .unwrap();
    let port = v.port.unwrap();
    let mut c = v.conn();
    let mut g = Gen {
        r: Rng(seed),
        table,
    };
    let mut failures: Vec<String> = Vec::new();
    let (mut done, mut allowed, mut runs, mut rejected_users) = (0, 0, 0, 0);
    let mut denied = [0usize; 4]; // database, command, key, channel
    let mut cur_db: Option<u32> = None;
    let mut round = 0;
    while done < cases && failures.len() < 20 {
        round += 1;
        let mut users = Vec::new();
        for i in 0..30 {
            let name = format!("d{round}_{i}");
            let toks = g.user_tokens();
            let mut args: Vec<String> = vec!["ACL".into(), "SETUSER".into(), name.clone()];
            args.extend(toks.iter().cloned());
            let r = c.cmd(&args).unwrap();
            let mut ours = User::new(&name);
            match (&r, ours.apply_tokens_with(table, &toks)) {
                (Reply::Status(_), Ok(())) => users.push((engine.compile(&ours), toks)),
                (Reply::Error(_), Err(_)) => rejected_users += 1,
                (r, res) => failures.push(format!(
                    "user {name} {toks:?}: server {r:?}, ours {:?}",
                    res.err().map(|e| e.to_string())
                )),
            }
        }
        if users.is_empty() {
            continue;
        }
        for _ in 0..300 {
            if done >= cases {
                break;
            }
            done += 1;
            let (u, toks) = &users[g.r.below(users.len())];
            let (argv, safe) = g.argv();
            let db = if g.r.chance(70) {
                g.r.below(4) as u32
            } else {
                g.r.below(16) as u32
            };
            if cur_db != Some(db) {
                c.cmd(&["SELECT", &db.to_string()]).unwrap();
                cur_db = Some(db);
            }
            let mut args: Vec<String> = vec!["ACL".into(), "DRYRUN".into(), u.user.name.clone()];
            args.extend(argv.iter().cloned());
            let server = reply_text(&c.cmd(&args).unwrap());
            let (ours, decision) = match engine.can_in(u, &argv, db) {
                Ok(d) => (d.dryrun(), Some(d)),
                Err(e) => (format!("ERR:ERR {e}"), None),
            };
            if server != ours {
                failures.push(format!(
                    "case {done}: user {toks:?} db {db} argv {argv:?}: DRYRUN {server:?}, ours {ours:?}"
                ));
                continue;
            }
            let Some(d) = decision else { continue };
            match &d.denial {
                None => allowed += 1,
                Some(Denial::Db { .. }) => denied[0] += 1,
                Some(Denial::Command { .. }) => denied[1] += 1,
                Some(Denial::Key { .. }) => denied[2] += 1,
                Some(Denial::Channel { .. }) | Some(Denial::SortNeedsAllKeys { .. }) => {
                    denied[3] += 1
                }
            }
            // Run one case in eight as the user, in that database.
            if safe && g.r.chance(12) {
                runs += 1;
                let mut k = Conn::connect(port).unwrap();
                k.cmd(&["SELECT", &db.to_string()]).unwrap();
                let r = k.cmd(&["AUTH", u.user.name.as_str(), "pw"]).unwrap();
                assert_eq!(r, Reply::Status("OK".into()));
                let r = reply_text(&k.cmd(&argv).unwrap());
                let noperm = r.starts_with("ERR:NOPERM");
                if noperm == d.allowed {
                    failures.push(format!(
                        "case {done}: user {toks:?} db {db} argv {argv:?}: running it gave {r:?}, ours {}",
                        d.reason()
                    ));
                }
            }
        }
        let mut del: Vec<String> = vec!["ACL".into(), "DELUSER".into()];
        del.extend(users.iter().map(|(u, _)| u.user.name.clone()));
        c.cmd(&del).unwrap();
    }
    eprintln!(
        "valkey_db_engine: seed {seed}: {done} cases ({allowed} allowed; denied on database {}, command {}, key {}, channel {}; {runs} run as the user), {rejected_users} users rejected by both, {} disagreements",
        denied[0],
        denied[1],
        denied[2],
        denied[3],
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "seed {seed}: {} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
