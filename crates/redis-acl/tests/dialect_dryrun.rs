//! Each line's shipped table and grammar (`redis-dialects`), offline,
//! against that line's real server: random users (`ACL SETUSER` with
//! random rules over the grammar the line has: categories, subcommands,
//! first args, key patterns, `%R~`/`%W~` and selectors from 7.0, database
//! rules on Valkey 9.1) × random command lines from the line's table.
//! The engine is built on the shipped table (`CommandTable::by_name`), never
//! on the server's own `COMMAND`.
//!
//! * Lines with `ACL DRYRUN` (7.0+): our DRYRUN text (the line's wording)
//!   against DRYRUN's, and the user's state against `ACL GETUSER`.
//! * Redis 6.2 (no DRYRUN): the command is sent as the user inside
//!   `MULTI` (the ACL check runs when a command is queued, so nothing
//!   executes; `DISCARD` ends it): `QUEUED` or the NOPERM kind (command,
//!   key, channel) against our verdict; the user against 6.2's own
//!   `ACL GETUSER` shape.
//!
//! Both sides must also agree on which users `ACL SETUSER` accepts, with
//! the same error text.
//!
//! CI runs 10,000 cases a DRYRUN line and 4000 on 6.2 (each line well under
//! 20 s). By hand: `RAMPART_DRYRUN_CASES=100000 cargo test --release -p
//! redis-acl --test dialect_dryrun -- --nocapture`. Lines CI does not
//! install can be added with `RAMPART_DRYRUN_SERVERS=redis-7.2=/path/to/redis-server,…`.
//! A failing run prints its seed: `RAMPART_DRYRUN_SEED=<seed>`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{compare, getuser, Rng};
use redis_acl::{CommandTable, Decision, Denial, Engine, User};
use redis_fixture::{Conn, Reply, ServerBuilder};

const KEYS: [&str; 12] = [
    "a", "ab", "b1", "k:1", "k:22", "*", "", "x", "a*", "[a]", "\\", "STORE",
];
const KEY_PATS: [&str; 14] = [
    "*", "a*", "b?", "[ab]*", "k:*", "a", "x", "\\*", "[^a]*", "*1", "k:[0-9]", "[a", "?", "*a*",
];
const CHANS: [&str; 6] = ["ch", "ch1", "news.*", "*", "ch*", "n"];
const CHAN_PATS: [&str; 6] = ["ch*", "ch", "news.*", "n?", "*x", "ch1"];
const WORDS: [&str; 32] = [
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
    "usage",
    "FIELDS",
    "LCS",
];
/// Commands with movable keys, getkeys procedures, channels, first args,
/// and those whose rules changed between lines (those missing from a
/// line's table are skipped).
const INTERESTING: [&str; 44] = [
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
    "zrank",
    "zrevrank",
    "wait",
    "waitaof",
    "hexpire",
    "hgetex",
    "client|no-touch",
    "memory",
    "memory|usage",
    "stralgo",
    "lcs",
    "commandlog|get",
];
const FIRST_ARGS: [&str; 6] = ["0", "1", "object", "x", "GET", "usage"];
const RULE_DBS: [&str; 6] = ["0", "1", "2", "3", "15", "16"];

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

    fn interesting(&mut self) -> Option<String> {
        let n = self.r.pick(&INTERESTING);
        self.table.lookup(n).map(|c| c.name.clone())
    }

    fn key_pattern(&mut self) -> String {
        let g = self.table.grammar();
        if g.key_permissions && self.r.chance(50) {
            let f = self.r.pick(&["R", "W", "RW"]);
            return format!("%{f}~{}", self.r.pick(&KEY_PATS));
        }
        format!("~{}", self.r.pick(&KEY_PATS))
    }

    fn selector_op(&mut self) -> String {
        let g = self.table.grammar().clone();
        match self.r.below(21) {
            0 => self
                .r
                .pick(&["allkeys", "resetkeys", "allchannels", "resetchannels"])
                .to_string(),
            1 => self
                .r
                .pick(&["allcommands", "nocommands", "+@all", "-@all"])
                .to_string(),
            2..=5 => self.key_pattern(),
            6 | 7 => format!("&{}", self.r.pick(&CHAN_PATS)),
            8..=11 => {
                let cats = self.table.categories();
                format!("{}@{}", self.r.pick(&["+", "-"]), self.r.pick(cats))
            }
            12..=14 => format!("+{}", self.command_name()),
            15 => match self.interesting() {
                Some(n) => format!("{}{n}", self.r.pick(&["+", "+", "-"])),
                None => "+get".into(),
            },
            16 => self
                .r
                .pick(&["~*", "&*", "+@all", "+@read", "+@write", "+@blocking"])
                .to_string(),
            17 if g.db_rules => match self.r.below(4) {
                0 => "alldbs".into(),
                1 => "resetdbs".into(),
                _ => {
                    let k = 1 + self.r.below(2);
                    let ids: Vec<&str> = (0..k).map(|_| self.r.pick(&RULE_DBS)).collect();
                    format!("db={}", ids.join(","))
                }
            },
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
        let g = self.table.grammar().clone();
        let n = 1 + self.r.below(9);
        let mut out = Vec::new();
        // 6.2's new users hold every channel: most start from none, so
        // that channel patterns are accepted.
        if g.new_user_all_channels && self.r.chance(70) {
            out.push("resetchannels".to_string());
        }
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
                0 => {
                    let mut words = vec!["reset", "on", "off"];
                    if g.selectors || self.r.chance(10) {
                        words.push("clearselectors");
                    }
                    out.push(self.r.pick(&words).to_string());
                }
                1 | 2 if g.selectors || self.r.chance(5) => {
                    let k = 1 + self.r.below(4);
                    let ops: Vec<String> = (0..k).map(|_| self.selector_op()).collect();
                    out.push(format!("({})", ops.join(" ")));
                }
                3 if !g.key_permissions && self.r.chance(10) => {
                    // A rule this line does not have: both must refuse it.
                    out.push(format!("%R~{}", self.r.pick(&KEY_PATS)));
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

    /// A command line with an argument count the command accepts (one in
    /// a hundred is short by one). `skip`: names never sent.
    fn argv(&mut self, skip: &[&str]) -> Vec<String> {
        loop {
            let cmds = self.table.commands();
            let c = match self.r.chance(35).then(|| self.interesting()).flatten() {
                Some(n) => self.table.lookup(&n).unwrap(),
                None => &cmds[self.r.below(cmds.len())],
            };
            if !c.subcommands.is_empty() {
                continue;
            }
            let mut argv: Vec<String> = c.name.split('|').map(String::from).collect();
            if skip.contains(&argv[0].as_str()) {
                continue;
            }
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
            return argv;
        }
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

/// One line to test: its dialect and the server binary.
struct Line {
    dialect: String,
    path: PathBuf,
}

fn lines() -> Vec<Line> {
    let mut v: Vec<Line> = redis_fixture::versions_or_skip("dialect_dryrun")
        .into_iter()
        .map(|s| Line {
            dialect: s.dialect.to_string(),
            path: s.path,
        })
        .collect();
    if let Ok(extra) = std::env::var("RAMPART_DRYRUN_SERVERS") {
        for item in extra.split(',').filter(|s| !s.trim().is_empty()) {
            let Some((d, p)) = item.split_once('=') else {
                panic!("RAMPART_DRYRUN_SERVERS: {item:?} is not name=path");
            };
            v.retain(|l| l.dialect != d.trim());
            v.push(Line {
                dialect: d.trim().to_string(),
                path: PathBuf::from(p.trim()),
            });
        }
    }
    v
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// Counts of one line's run.
#[derive(Default)]
struct Tally {
    cases: usize,
    allowed: usize,
    denied: [usize; 4],
    errors: usize,
    users: usize,
    rejected_users: usize,
}

#[test]
fn dialect_tables_against_the_servers() {
    let seed = env_num("RAMPART_DRYRUN_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let mut all_failures = Vec::new();
    for line in lines() {
        // RAMPART_DRYRUN_TABLE forces another line's table (to see what
        // judging a server with the wrong line's data gets wrong).
        let name = std::env::var("RAMPART_DRYRUN_TABLE").unwrap_or_else(|_| line.dialect.clone());
        let Some(table) = CommandTable::by_name(&name) else {
            panic!("no shipped table for {name}");
        };
        let own_dryrun = CommandTable::by_name(&line.dialect).is_some_and(|t| t.grammar().dryrun);
        if table.grammar().dryrun != own_dryrun {
            eprintln!(
                "SKIP {}: the {name} table is for the other kind of check",
                line.dialect
            );
            continue;
        }
        let dryrun = table.grammar().dryrun;
        let cases = env_num("RAMPART_DRYRUN_CASES")
            .map(|n| n as usize)
            .unwrap_or(if dryrun { 10_000 } else { 4000 });
        let started = std::time::Instant::now();
        let (t, failures) = run_line(&line, table, seed, cases);
        eprintln!(
            "dialect_dryrun {}: seed {seed}: {} cases ({} allowed; denied on command {}, key {}, channel {}, database {}; {} errors on both sides), {} users ({} rejected by both), {} disagreements, {:.1} s, by {}",
            line.dialect,
            t.cases,
            t.allowed,
            t.denied[0],
            t.denied[1],
            t.denied[2],
            t.denied[3],
            t.errors,
            t.users,
            t.rejected_users,
            failures.len(),
            started.elapsed().as_secs_f64(),
            if dryrun { "ACL DRYRUN" } else { "running the command as the user in MULTI" },
        );
        all_failures.extend(
            failures
                .into_iter()
                .map(|f| format!("{}: {f}", line.dialect)),
        );
    }
    assert!(
        all_failures.is_empty(),
        "seed {seed} (RAMPART_DRYRUN_SEED): {} disagreement(s):\n{}",
        all_failures.len(),
        all_failures.join("\n")
    );
}

/// A user against Redis 6.2's `ACL GETUSER` (flags with `allkeys` and
/// `allchannels`, keys and channels as lists, no selectors). The
/// `allcommands` flag is left out: `+@all -x +x` clears it in the server,
/// not here (see the crate's fidelity notes); the bitmap is compared.
fn compare_62(table: &CommandTable, ours: &User, r: &Reply) -> Result<(), String> {
    let m: Vec<(String, Reply)> = r
        .array()
        .chunks(2)
        .map(|kv| (kv[0].text(), kv[1].clone()))
        .collect();
    let get = |k: &str| {
        m.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .ok_or(format!("GETUSER has no {k}"))
    };
    let list = |v: &Reply| -> Vec<String> { v.array().iter().map(|x| x.text()).collect() };
    let srv_flags: Vec<String> = list(&get("flags")?)
        .into_iter()
        .filter(|f| f != "allcommands")
        .collect();
    let mut flags = vec![if ours.enabled { "on" } else { "off" }.to_string()];
    if ours.root.all_keys {
        flags.push("allkeys".into());
    }
    if ours.root.all_channels {
        flags.push("allchannels".into());
    }
    flags.extend(ours.flags().into_iter().skip(1).map(String::from));
    if flags != srv_flags {
        return Err(format!("flags: ours {flags:?} server {srv_flags:?}"));
    }
    let pw: Vec<String> = ours.passwords.iter().map(|p| p.hash.clone()).collect();
    if pw != list(&get("passwords")?) {
        return Err(format!(
            "passwords: ours {pw:?} server {:?}",
            get("passwords")?
        ));
    }
    let keys: Vec<String> = if ours.root.all_keys {
        vec!["*".into()]
    } else {
        ours.root.keys.iter().map(|k| k.pattern.clone()).collect()
    };
    if keys != list(&get("keys")?) {
        return Err(format!(
            "keys: ours {keys:?} server {:?}",
            list(&get("keys")?)
        ));
    }
    let chans: Vec<String> = if ours.root.all_channels {
        vec!["*".into()]
    } else {
        ours.root.channels.clone()
    };
    if chans != list(&get("channels")?) {
        return Err(format!(
            "channels: ours {chans:?} server {:?}",
            list(&get("channels")?)
        ));
    }
    let srv_cmds = get("commands")?.text();
    let mut b = common::bits_of(table, &srv_cmds);
    let a = ours.root.command_bits(table);
    b.all_commands_flag = a.all_commands_flag;
    if a != b {
        return Err(format!(
            "commands: ours {:?} server {srv_cmds:?}",
            ours.root.commands_string()
        ));
    }
    Ok(())
}

/// What running the command as the user inside MULTI said (Redis 6.2).
fn classify_queued(r: &Reply) -> &'static str {
    match r {
        Reply::Status(s) if s == "QUEUED" => "allowed",
        Reply::Error(e) if e.starts_with("NOPERM") && e.contains("to run the") => "command",
        Reply::Error(e) if e.starts_with("NOPERM") && e.contains("keys") => "key",
        Reply::Error(e) if e.starts_with("NOPERM") && e.contains("channels") => "channel",
        Reply::Error(e) if e.contains("wrong number of arguments") => "arity",
        Reply::Error(e) if e.contains("unknown command") => "unknown",
        // Run at once (MULTI, WATCH) and failed after the ACL check.
        Reply::Error(_) => "allowed",
        _ => "other",
    }
}

fn classify_ours(d: &Result<Decision, redis_acl::QueryError>) -> &'static str {
    match d {
        Ok(d) => match &d.denial {
            // SORT's BY/GET check runs in the command (and not in 6.2).
            None | Some(Denial::SortNeedsAllKeys { .. }) => "allowed",
            Some(Denial::Command { .. }) => "command",
            Some(Denial::Key { .. }) => "key",
            Some(Denial::Channel { .. }) => "channel",
            Some(Denial::Db { .. }) => "database",
        },
        Err(redis_acl::QueryError::WrongArity(_)) => "arity",
        Err(_) => "unknown",
    }
}

fn run_line(line: &Line, table: &CommandTable, seed: u64, cases: usize) -> (Tally, Vec<String>) {
    let engine = Engine::new(table);
    let dryrun = table.grammar().dryrun;
    let node = ServerBuilder::new().binary(&line.path).start().unwrap();
    let port = node.port.unwrap();
    let mut c = node.conn();
    let mut g = Gen {
        // Each line its own stream (FNV-1a of the name).
        r: Rng(seed
            ^ line.dialect.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            })),
        table,
    };
    // Commands that end or reset the MULTI connection of the 6.2 check.
    let skip: &[&str] = if dryrun {
        &[]
    } else {
        &["exec", "discard", "quit", "reset"]
    };
    let mut t = Tally::default();
    let mut failures: Vec<String> = Vec::new();
    let users_per_round = 40;
    let cases_per_round = 400;
    let mut round = 0;
    while t.cases < cases && failures.len() < 20 {
        round += 1;
        let mut users = Vec::new();
        for i in 0..users_per_round {
            let name = format!("u{round}_{i}");
            let mut toks = g.user_tokens();
            if !dryrun {
                // The 6.2 check queues commands in MULTI.
                toks.push("+multi".into());
                toks.push("+discard".into());
            }
            let mut args: Vec<String> = vec!["ACL".into(), "SETUSER".into(), name.clone()];
            args.extend(toks.iter().cloned());
            let r = c.cmd(&args).unwrap();
            let mut ours = User::new_in(table, &name);
            let res = ours.apply_tokens_with(table, &toks);
            t.users += 1;
            match (&r, res) {
                (Reply::Status(_), Ok(())) => {
                    let cmp = if dryrun {
                        compare(table, &ours, &getuser(&mut c, &name).unwrap())
                    } else {
                        compare_62(table, &ours, &c.cmd(&["ACL", "GETUSER", &name]).unwrap())
                    };
                    if let Err(e) = cmp {
                        failures.push(format!("user {name} {toks:?}: GETUSER: {e}"));
                    }
                    users.push((engine.compile(&ours), toks));
                }
                (Reply::Error(se), Err(oe)) => {
                    t.rejected_users += 1;
                    if se.strip_prefix("ERR ") != Some(oe.message.as_str()) {
                        failures.push(format!(
                            "user {name} {toks:?}: server says {se:?}, ours {:?}",
                            oe.message
                        ));
                    }
                }
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
            if t.cases >= cases {
                break;
            }
            t.cases += 1;
            let ui = g.r.below(users.len());
            let (u, toks) = &users[ui];
            let argv = g.argv(skip);
            let ours = engine.can(u, &argv);
            let kind = classify_ours(&ours);
            match kind {
                "allowed" => t.allowed += 1,
                "command" => t.denied[0] += 1,
                "key" => t.denied[1] += 1,
                "channel" => t.denied[2] += 1,
                "database" => t.denied[3] += 1,
                _ => t.errors += 1,
            }
            if dryrun {
                let mut args: Vec<String> =
                    vec!["ACL".into(), "DRYRUN".into(), u.user.name.clone()];
                args.extend(argv.iter().cloned());
                let server = reply_text(&c.cmd(&args).unwrap());
                let ours = match &ours {
                    Ok(d) => d.dryrun_for(table),
                    Err(e) => format!("ERR:ERR {e}"),
                };
                if server != ours {
                    failures.push(format!(
                        "case {}: user {toks:?} argv {argv:?}: DRYRUN {server:?}, ours {ours:?}",
                        t.cases
                    ));
                }
            } else {
                let conn = as_user[ui].get_or_insert_with(|| {
                    let mut k = Conn::connect(port).unwrap();
                    let r = k.cmd(&["AUTH", u.user.name.as_str(), "pw"]).unwrap();
                    assert_eq!(r, Reply::Status("OK".into()), "AUTH as {}", u.user.name);
                    let r = k.cmd(&["MULTI"]).unwrap();
                    assert_eq!(r, Reply::Status("OK".into()), "MULTI as {}", u.user.name);
                    k
                });
                let r = conn.cmd(&argv).unwrap();
                let server = classify_queued(&r);
                if server != kind {
                    failures.push(format!(
                        "case {}: user {toks:?} argv {argv:?}: the server said {r:?}, ours {kind} ({})",
                        t.cases,
                        match &ours {
                            Ok(d) => d.reason(),
                            Err(e) => e.to_string(),
                        }
                    ));
                }
            }
        }
        for k in as_user.iter_mut().flatten() {
            let r = k.cmd(&["DISCARD"]).unwrap();
            assert_eq!(r, Reply::Status("OK".into()), "DISCARD");
        }
        let mut del: Vec<String> = vec!["ACL".into(), "DELUSER".into()];
        del.extend(users.iter().map(|(u, _)| u.user.name.clone()));
        c.cmd(&del).unwrap();
    }
    (t, failures)
}

/// ACL files per line: random users written to the server's `aclfile`
/// and loaded with `ACL LOAD`, against our [`redis_acl::AclFile`] read with
/// the line's table: the server loads the file exactly when we find no
/// problem, and each user is what the server holds (`ACL GETUSER`).
#[test]
fn aclfiles_per_line() {
    let seed = env_num("RAMPART_DRYRUN_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let files = env_num("RAMPART_DRYRUN_FILES").unwrap_or(300) as usize;
    let mut failures = Vec::new();
    for line in lines() {
        let table = CommandTable::by_name(&line.dialect).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.acl");
        let admin = "user rampart-admin on >rampart ~* &* +@all\n";
        std::fs::write(&path, admin).unwrap();
        let node = ServerBuilder::new()
            .binary(&line.path)
            .config(&format!("aclfile {}", path.display()))
            .auth(redis_fixture::Credentials::user("rampart-admin", "rampart"))
            .start()
            .unwrap();
        let mut g = Gen {
            r: Rng(seed ^ 0x5eed),
            table,
        };
        let (mut loaded, mut refused) = (0, 0);
        for i in 0..files {
            let mut text = String::new();
            let mut names = Vec::new();
            for j in 0..1 + g.r.below(3) {
                let name = format!("f{j}");
                let toks = g.user_tokens();
                text.push_str(&format!("user {name} {}\n", toks.join(" ")));
                names.push(name);
            }
            text.push_str(admin);
            std::fs::write(&path, &text).unwrap();
            let ours = redis_acl::AclFile::parse_with(&path, &text, table);
            let mut c = node.conn();
            let r = c.cmd(&["ACL", "LOAD"]).unwrap();
            match (&r, ours.problems.is_empty()) {
                (Reply::Status(_), true) => {
                    loaded += 1;
                    // ACL LOAD (7.0+) disconnects the clients of the
                    // users it replaced: ask on a new connection.
                    let mut c = node.conn();
                    for d in &ours.users {
                        let u = d.to_user_with(table).unwrap();
                        let cmp = if table.grammar().dryrun {
                            match getuser(&mut c, &d.name) {
                                Some(srv) => compare(table, &u, &srv),
                                None => Err("no such user".into()),
                            }
                        } else {
                            let r = c.cmd(&["ACL", "GETUSER", &d.name]).unwrap();
                            compare_62(table, &u, &r)
                        };
                        if let Err(e) = cmp {
                            failures.push(format!(
                                "{}: file {i} {text:?}: {}: {e}",
                                line.dialect, d.name
                            ));
                        }
                    }
                }
                (Reply::Error(_), false) => refused += 1,
                (r, _) => failures.push(format!(
                    "{}: file {i} {text:?}: ACL LOAD {r:?}, our problems {:?}",
                    line.dialect, ours.problems
                )),
            }
            if failures.len() > 20 {
                break;
            }
        }
        eprintln!(
            "aclfiles_per_line {}: seed {seed}: {files} files ({loaded} loaded, {refused} refused by both)",
            line.dialect
        );
    }
    assert!(
        failures.is_empty(),
        "seed {seed} (RAMPART_DRYRUN_SEED): {} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
