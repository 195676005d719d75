//! The permission engine against a real redis-server: random users (random
//! rule sequences over the whole grammar) × random command lines, our
//! verdict and reason text vs `ACL DRYRUN`; SORT's BY/GET (which DRYRUN
//! does not see) vs running the command as that user; each user's state vs
//! `ACL GETUSER`.
//!
//! CI runs a few thousand cases. The full run (100,000 cases):
//! `RAMPART_ENGINE_CASES=100000 cargo test --release -p redis-acl --test engine_differential -- --nocapture`
//! A failing run prints its seed; replay it with `RAMPART_ENGINE_SEED=<seed>`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{compare, getuser, Rng};
use redis_acl::{CommandTable, Denial, Engine, User};
use redis_fixture::{Conn, Reply, Server};

const KEYS: [&str; 12] = [
    "a", "ab", "b1", "k:1", "k:22", "*", "", "x", "a*", "[a]", "\\", "STORE",
];
const KEY_PATS: [&str; 14] = [
    "*", "a*", "b?", "[ab]*", "k:*", "a", "x", "\\*", "[^a]*", "*1", "k:[0-9]", "[a", "?", "*a*",
];
const CHANS: [&str; 6] = ["ch", "ch1", "news.*", "*", "ch*", "n"];
const CHAN_PATS: [&str; 6] = ["ch*", "ch", "news.*", "n?", "*x", "ch1"];
const WORDS: [&str; 30] = [
    "STORE",
    "STOREDIST",
    "KEYS",
    "STREAMS",
    "BY",
    "GET",
    "LIMIT",
    "GROUP",
    "COUNT",
    "BLOCK",
    "NOACK",
    "SET",
    "INCRBY",
    "OVERFLOW",
    "COPY",
    "REPLACE",
    "AUTH",
    "AUTH2",
    "get",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "1abc",
    " 1",
    "x*",
    "#",
    "WITHSCORES",
    "ALPHA",
];
/// Commands with movable keys, getkeys procedures, channels, first args.
const INTERESTING: [&str; 32] = [
    "sort",
    "sort_ro",
    "eval",
    "evalsha_ro",
    "fcall",
    "migrate",
    "set",
    "bitfield",
    "georadius",
    "georadiusbymember",
    "xread",
    "xreadgroup",
    "zunionstore",
    "zdiff",
    "sintercard",
    "lmpop",
    "blmpop",
    "zmpop",
    "publish",
    "spublish",
    "subscribe",
    "ssubscribe",
    "psubscribe",
    "mget",
    "mset",
    "del",
    "exists",
    "select",
    "config|get",
    "object|freq",
    "lpush",
    "get",
];
const FIRST_ARGS: [&str; 5] = ["0", "1", "object", "x", "GET"];

struct Gen<'a> {
    r: Rng,
    table: &'a CommandTable,
}

impl Gen<'_> {
    fn command_name(&mut self) -> String {
        let cmds = self.table.commands();
        let c = &cmds[self.r.below(cmds.len())];
        if c.parent.is_none() && c.subcommands.is_empty() && self.r.chance(15) {
            return format!("{}|{}", c.name, self.r.pick(&FIRST_ARGS));
        }
        c.name.clone()
    }

    fn selector_op(&mut self) -> String {
        match self.r.below(20) {
            0 => self
                .r
                .pick(&["allkeys", "resetkeys", "allchannels", "resetchannels"])
                .to_string(),
            1 => self
                .r
                .pick(&["allcommands", "nocommands", "+@all", "-@all"])
                .to_string(),
            2 | 3 => format!("~{}", self.r.pick(&KEY_PATS)),
            4 | 5 => {
                let f = self.r.pick(&["R", "W", "RW"]);
                format!("%{f}~{}", self.r.pick(&KEY_PATS))
            }
            6 | 7 => format!("&{}", self.r.pick(&CHAN_PATS)),
            8..=11 => {
                let cats = self.table.categories();
                format!("{}@{}", self.r.pick(&["+", "-"]), self.r.pick(cats))
            }
            12..=14 => format!("+{}", self.command_name()),
            15 => format!("+{}", self.r.pick(&INTERESTING)),
            16 => self
                .r
                .pick(&["~*", "&*", "+@all", "+@read", "+@write"])
                .to_string(),
            _ => {
                let n = self.command_name();
                if n.contains('|') && self.table.lookup(&n).is_none() {
                    format!("+{n}")
                } else {
                    format!("-{n}")
                }
            }
        }
    }

    fn user_tokens(&mut self) -> Vec<String> {
        let n = 1 + self.r.below(9);
        let mut out = Vec::new();
        // Most users start broad, so the key and channel checks get reached.
        if self.r.chance(40) {
            out.push(
                self.r
                    .pick(&["+@all", "allcommands", "+@read", "+@write"])
                    .to_string(),
            );
        }
        for _ in 0..n {
            match self.r.below(14) {
                0 => out.push(
                    self.r
                        .pick(&["reset", "clearselectors", "on", "off"])
                        .to_string(),
                ),
                1 | 2 => {
                    let k = 1 + self.r.below(4);
                    let ops: Vec<String> = (0..k).map(|_| self.selector_op()).collect();
                    out.push(format!("({})", ops.join(" ")));
                }
                _ => out.push(self.selector_op()),
            }
        }
        // Loggable, for the real-connection checks; no effect on permissions.
        out.push("on".into());
        out.push(">pw".into());
        out
    }

    fn arg(&mut self) -> String {
        match self.r.below(10) {
            0..=4 => self.r.pick(&KEYS).to_string(),
            5 | 6 => self.r.pick(&CHANS).to_string(),
            _ => self.r.pick(&WORDS).to_string(),
        }
    }

    /// A command line with an argument count the command accepts.
    fn argv(&mut self) -> Vec<String> {
        let cmds = self.table.commands();
        let c = if self.r.chance(35) {
            let n = self.r.pick(&INTERESTING);
            self.table.lookup(n).unwrap()
        } else {
            &cmds[self.r.below(cmds.len())]
        };
        if !c.subcommands.is_empty() {
            return self.argv();
        }
        let mut argv: Vec<String> = c.name.split('|').map(String::from).collect();
        if self.r.chance(50) {
            argv[0] = argv[0].to_ascii_uppercase();
        }
        let min = c.arity.unsigned_abs() as usize;
        let n = if c.arity > 0 {
            min
        } else {
            min + self.r.below(6)
        };
        while argv.len() < n {
            let a = self.arg();
            argv.push(a);
        }
        if self.r.chance(1) && argv.len() > c.name.split('|').count() {
            argv.pop(); // wrong arity
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
fn engine_against_acl_dryrun() {
    if !redis_fixture::available() {
        eprintln!("redis-server not available; skipping");
        return;
    }
    let table = CommandTable::redis_7_0();
    let engine = Engine::new(table);
    let seed: u64 = std::env::var("RAMPART_ENGINE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let cases: usize = std::env::var("RAMPART_ENGINE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000);
    eprintln!(
        "engine_against_acl_dryrun: seed {seed} (RAMPART_ENGINE_SEED), {cases} cases (RAMPART_ENGINE_CASES)"
    );
    let srv = Server::start("").unwrap();
    let port = srv.port;
    let mut c = srv.conn();
    let mut g = Gen {
        r: Rng(seed),
        table,
    };
    let users_per_round = 40;
    let cases_per_round = 400;
    let mut failures: Vec<String> = Vec::new();
    let mut done = 0;
    let (mut allowed, mut denied, mut sort_runs, mut rejected_users) = (0, [0; 4], 0, 0);
    let mut round = 0;
    while done < cases && failures.len() < 20 {
        round += 1;
        // A fresh set of users.
        let mut users = Vec::new();
        for i in 0..users_per_round {
            let name = format!("u{round}_{i}");
            let toks = g.user_tokens();
            let mut args: Vec<String> = vec!["ACL".into(), "SETUSER".into(), name.clone()];
            args.extend(toks.iter().cloned());
            let r = c.cmd(&args).unwrap();
            let mut ours = User::new(&name);
            let res = ours.apply_tokens_with(table, &toks);
            match (&r, res) {
                (Reply::Status(_), Ok(())) => {
                    let srv = getuser(&mut c, &name).unwrap();
                    if let Err(e) = compare(table, &ours, &srv) {
                        failures.push(format!("user {name} {toks:?}: GETUSER: {e}"));
                    }
                    users.push((engine.compile(&ours), toks));
                }
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
        let mut as_user: Vec<Option<Conn>> = (0..users.len()).map(|_| None).collect();
        for _ in 0..cases_per_round {
            if done >= cases {
                break;
            }
            done += 1;
            let ui = g.r.below(users.len());
            let (u, toks) = &users[ui];
            let argv = g.argv();
            let mut args: Vec<String> = vec!["ACL".into(), "DRYRUN".into(), u.user.name.clone()];
            args.extend(argv.iter().cloned());
            let server = reply_text(&c.cmd(&args).unwrap());
            let (ours, decision) = match engine.can(u, &argv) {
                Ok(d) => (d.dryrun_7_0(), Some(d)),
                Err(e) => (format!("ERR:ERR {e}"), None),
            };
            if server != ours {
                failures.push(format!(
                    "case {done}: user {toks:?} argv {argv:?}: DRYRUN {server:?}, ours {ours:?}"
                ));
                continue;
            }
            let Some(d) = decision else { continue };
            match &d.denial {
                None => allowed += 1,
                Some(Denial::Command { .. }) => denied[0] += 1,
                Some(Denial::Key { .. }) => denied[1] += 1,
                Some(Denial::Channel { .. }) => denied[2] += 1,
                Some(Denial::SortNeedsAllKeys { .. }) => denied[3] += 1,
                Some(Denial::Db { .. }) => panic!("a database denial with Redis's table"),
            }
            // SORT's own BY/GET check: run it as the user.
            let is_sort = matches!(d.command.as_str(), "sort" | "sort_ro");
            if is_sort && server == "OK" {
                sort_runs += 1;
                let conn = as_user[ui].get_or_insert_with(|| {
                    let mut k = Conn::connect(port).unwrap();
                    let r = k.cmd(&["AUTH", u.user.name.as_str(), "pw"]).unwrap();
                    assert_eq!(r, Reply::Status("OK".into()));
                    k
                });
                let r = reply_text(&conn.cmd(&argv).unwrap());
                let real_denied = r.contains("denied due to insufficient ACL permissions");
                if real_denied == d.allowed {
                    failures.push(format!(
                        "case {done}: user {toks:?} argv {argv:?}: running it gave {r:?}, ours {}",
                        d.reason()
                    ));
                }
            }
        }
        // Drop this round's users.
        let mut del: Vec<String> = vec!["ACL".into(), "DELUSER".into()];
        del.extend(users.iter().map(|(u, _)| u.user.name.clone()));
        c.cmd(&del).unwrap();
    }
    eprintln!(
        "engine_against_acl_dryrun: seed {seed}: {done} cases ({allowed} allowed; denied on command {}, key {}, channel {}, SORT BY/GET {}; {sort_runs} SORT runs), {rejected_users} users rejected by both, {} disagreements",
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
