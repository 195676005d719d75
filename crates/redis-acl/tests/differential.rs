//! Differential tests: our ACL file parser and `User::apply` against a real
//! redis-server 7.0 (`aclfile`, `ACL GETUSER`, `ACL DRYRUN`, `ACL SETUSER`).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{compare, dryrun_sweep, getuser, server_usernames, Rng};
use redis_acl::{hash_password, parse_rules, AclFile, CommandTable, User};
use redis_fixture::{try_config, Reply, Server};

fn h(pw: &str) -> String {
    hash_password(pw.as_bytes())
}

fn corpus() -> Vec<(&'static str, String)> {
    let good_hash = h("hashed");
    vec![
        ("empty", String::new()),
        ("blank lines", "\n\n   \n\t\n".into()),
        ("simple", "user alice on >pw ~cache:* +get +set\n".into()),
        (
            "default redefined",
            "user default on nopass ~* &* +@all -@dangerous\nuser app on >s3cret ~app:* &app:* +@read +@write -@admin\n".into(),
        ),
        (
            "key permissions",
            format!("user bob on #{good_hash} %R~r:* %W~w:* %RW~rw:* %wr~x &chan:* +@read -@dangerous\n"),
        ),
        (
            "first args",
            "user sel on nopass -@all +select|0 +select|1 +debug|object +get|foo\n".into(),
        ),
        (
            "subcommands",
            "user c on >x ~* +@all -config +config|get -client|kill -@dangerous +acl|whoami\n".into(),
        ),
        (
            "selectors",
            "user s on >p ~a +get (~b +set) (%R~c +@read -@dangerous) (&ch +publish) ()\n".into(),
        ),
        (
            "case insensitive",
            "user Up ON NoPass AllKeys ALLCHANNELS +@ALL -@DANGEROUS +CONFIG|GET -Client|Kill\n".into(),
        ),
        (
            "reset midway",
            "user r on >a ~x &y +get (~z +set) reset on ~y +@read skip-sanitize-payload\n".into(),
        ),
        (
            "passwords",
            "user p on nopass >a >a >b <a resetpass >c #0000000000000000000000000000000000000000000000000000000000000000 sanitize-payload\nuser q on >x nopass\n".into(),
        ),
        (
            "pattern merge",
            "user t on ~x %R~x %W~y %w~y %R~z ~* resetkeys %RW~* ~k\n".into(),
        ),
        (
            "whitespace",
            "  user crlf on  >pw\t ~a  +get\r\n\tuser tab on\t\r\n".into(),
        ),
        (
            "category order",
            "user o1 on -@all +@read -@string +get\nuser o2 on +@all -@write +set -@all +ping\nuser o3 on allcommands -@dangerous +info nocommands +@slow\nuser o4 on +@all -@slow\n".into(),
        ),
        ("bad hash", "user a on #abc\n".into()),
        (
            "uppercase hash",
            format!("user a on #{}\n", good_hash.to_uppercase()),
        ),
        ("percent without flag", "user a on %~x\n".into()),
        ("percent bad flag", "user a on %RX~x\nuser b on %RR~x\n".into()),
        (
            "unknown command and category",
            "user a on +nosuch -@nosuch ~x\nuser b on +get\n".into(),
        ),
        ("pattern after allkeys", "user a on allkeys ~a\n".into()),
        ("channel after allchannels", "user a on &* &a\n".into()),
        ("duplicate user", "user a on\nuser b on\nuser a off\n".into()),
        (
            "not starting with user",
            "# a comment\nuser a on\nUSER b on\nuser\n".into(),
        ),
        ("unmatched parenthesis alone", "user u (~a +get\n".into()),
        ("unmatched parenthesis after rules (crash)", "user u on (~a +get\n".into()),
        ("remove missing password", "user a on >x <y\n".into()),
        ("first arg of subcommand", "user a on +config|get|x\n".into()),
        ("empty first arg", "user a on +get|\n".into()),
        ("username with tab", "user a\tb on\n".into()),
        (
            "several errors on one line",
            "user m on +foo ~* ~a <x +bar -@baz\n".into(),
        ),
        ("name only", "user x\n".into()),
        (
            "selector quoting",
            "user q on (~a \"x) (\"~b\" '+get')\n".into(),
        ),
        ("selector with user op", "user q on (~a on)\n".into()),
        ("selector state error", "user q on (~* ~a)\n".into()),
        ("selector unknown command", "user q on (+nosuch)\n".into()),
        ("nested selector restart", "user q on (~a (~b +get)\n".into()),
        ("junk op", "user a on foo\n".into()),
        ("selector subcommand containers", "user a on (+@slow -config|get) -@slow +client|id\n".into()),
    ]
}

#[test]
fn aclfile_corpus_against_redis() {
    if !redis_fixture::available() {
        eprintln!("redis-server not available; skipping");
        return;
    }
    let table = CommandTable::redis_7_0();
    let cases = corpus();
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    let mut rejected = 0;
    for (name, text) in &cases {
        // An admin user to inspect the others with (appended: line numbers stay).
        let text = &format!("{text}\nuser rampart-admin on >rampart ~* &* +@all\n");
        let ours = AclFile::parse(Path::new("users.acl"), text);
        let res = try_config("aclfile users.acl\n", &[("users.acl", text)]);
        match (res, ours.problems.is_empty()) {
            (Ok(server), true) => {
                let mut c = server.conn();
                assert_eq!(
                    c.cmd(&["AUTH", "rampart-admin", "rampart"]).unwrap(),
                    Reply::Status("OK".into())
                );
                let users = ours.effective_users();
                let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
                if names != server_usernames(&mut c) {
                    failures.push(format!(
                        "{name}: users {names:?} vs {:?}",
                        server_usernames(&mut c)
                    ));
                    continue;
                }
                for u in &users {
                    let su = getuser(&mut c, &u.name).unwrap();
                    if let Err(e) = compare(table, u, &su) {
                        failures.push(format!("{name}: user {}: {e}", u.name));
                    }
                    let bad = dryrun_sweep(&mut c, table, u);
                    if !bad.is_empty() {
                        failures.push(format!("{name}: user {} DRYRUN: {bad:?}", u.name));
                    }
                }
            }
            (Ok(_), false) => failures.push(format!(
                "{name}: redis accepted, we report {:?}",
                ours.problems
            )),
            (Err(e), true) => failures.push(format!(
                "{name}: redis refused, we accept: {}",
                e.output.lines().last().unwrap_or("")
            )),
            (Err(e), false) => {
                rejected += 1;
                if ours.crashes_redis_7_0() {
                    if !e.output.contains("crashed by signal") {
                        failures.push(format!("{name}: expected a crash: {}", e.output));
                    }
                    continue;
                }
                let expected = ours.redis_error_string("users.acl").unwrap();
                let marker = "Aborting Redis startup because of ACL errors: ";
                let got = e
                    .output
                    .lines()
                    .find_map(|l| l.split_once(marker).map(|(_, r)| r.to_string()))
                    .unwrap_or_default();
                if got != expected {
                    failures.push(format!("{name}:\n  redis: {got}\n  ours:  {expected}"));
                }
            }
        }
    }
    eprintln!(
        "aclfile corpus: {} files, {rejected} rejected by redis, {} disagreements",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Categories and containers: `-@all +@cat` and `+@all -@cat` for every
/// category, compared with DRYRUN over the whole table.
#[test]
fn every_category_against_dryrun() {
    if !redis_fixture::available() {
        return;
    }
    let table = CommandTable::redis_7_0();
    let s = Server::start("").unwrap();
    let mut c = s.conn();
    let mut failures = Vec::new();
    for cat in table.categories() {
        for (i, toks) in [
            vec!["reset".to_string(), "-@all".into(), format!("+@{cat}")],
            vec!["reset".to_string(), "+@all".into(), format!("-@{cat}")],
        ]
        .iter()
        .enumerate()
        {
            let name = format!("u{i}");
            let mut args = vec!["ACL".to_string(), "SETUSER".into(), name.clone()];
            args.extend(toks.iter().cloned());
            assert_eq!(c.cmd(&args).unwrap(), Reply::Status("OK".into()));
            let mut u = User::new(&name);
            u.apply_tokens(toks).unwrap();
            let bad = dryrun_sweep(&mut c, table, &u);
            if !bad.is_empty() {
                failures.push(format!("{toks:?}: {bad:?}"));
            }
            let su = getuser(&mut c, &name).unwrap();
            if let Err(e) = compare(table, &u, &su) {
                failures.push(format!("{toks:?}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------- random

struct Gen<'a> {
    r: Rng,
    table: &'a CommandTable,
}

const PW: [&str; 5] = ["a", "b", "secret", "", "p w"];
const PATS: [&str; 6] = ["*", "a*", "key:?", "x", "", "[ab]*"];

impl Gen<'_> {
    fn case(&mut self, s: &str) -> String {
        match self.r.below(3) {
            0 => s.to_string(),
            1 => s.to_ascii_uppercase(),
            _ => s
                .chars()
                .map(|c| {
                    if self.r.chance(50) {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect(),
        }
    }

    fn command_name(&mut self) -> String {
        let cmds = self.table.commands();
        let c = &cmds[self.r.below(cmds.len())];
        match self.r.below(10) {
            0 => "nosuch".into(),
            1 => format!("{}|", c.name),
            2 if c.parent.is_none() && c.subcommands.is_empty() => {
                format!("{}|{}", c.name, self.r.pick(&["0", "x", "Object"]))
            }
            3 if !c.subcommands.is_empty() => format!("{}|nosuch", c.name),
            4 if c.parent.is_some() => format!("{}|x", c.name),
            5 => format!("{}|a|b", c.name),
            _ => c.name.clone(),
        }
    }

    fn selector_op(&mut self) -> String {
        let pat = self.r.pick(&PATS);
        match self.r.below(15) {
            0 => {
                let k = self.r.pick(&[
                    "allkeys",
                    "resetkeys",
                    "allchannels",
                    "resetchannels",
                    "allcommands",
                    "nocommands",
                ]);
                self.case(k)
            }
            1 => "~*".into(),
            2 => format!("~{pat}"),
            3 => {
                let flags = self
                    .r
                    .pick(&["R", "W", "RW", "WR", "r", "w", "", "RR", "X", "Rw"]);
                if self.r.chance(90) {
                    format!("%{flags}~{pat}")
                } else {
                    format!("%{flags}")
                }
            }
            4 => "&*".into(),
            5 => format!("&{pat}"),
            6 | 7 => {
                let n = self.command_name();
                format!("+{}", self.case(&n))
            }
            8 => {
                let n = self.command_name();
                format!("-{}", self.case(&n))
            }
            9 | 10 => {
                let cats = self.table.categories();
                let cat = if self.r.chance(10) {
                    "nosuch".to_string()
                } else {
                    self.r.pick(cats)
                };
                let sign = self.r.pick(&["+", "-"]);
                format!("{sign}@{}", self.case(&cat))
            }
            11 => {
                let k = self.r.pick(&["+@all", "-@all"]);
                self.case(k)
            }
            12 => self
                .r
                .pick(&["~a b", "&x y", "@x", "foo", "+", "-", "+@", ")", "%"])
                .to_string(),
            _ => format!("+{}", self.command_name()),
        }
    }

    fn user_op(&mut self) -> String {
        match self.r.below(12) {
            0 => {
                let k = self.r.pick(&[
                    "on",
                    "off",
                    "nopass",
                    "resetpass",
                    "reset",
                    "clearselectors",
                    "sanitize-payload",
                    "skip-sanitize-payload",
                ]);
                self.case(k)
            }
            1 => format!(">{}", self.r.pick(&PW)),
            2 => format!("<{}", self.r.pick(&PW)),
            3 => match self.r.below(4) {
                0 => format!("#{}", h(self.r.pick(&PW))),
                1 => format!("#{}", h(self.r.pick(&PW)).to_uppercase()),
                2 => "#abc".into(),
                _ => format!("!{}", h(self.r.pick(&PW))),
            },
            4 | 5 => {
                let n = self.r.below(4);
                let ops: Vec<String> = (0..n)
                    .map(|_| {
                        if self.r.chance(5) {
                            "on".to_string()
                        } else {
                            self.selector_op()
                        }
                    })
                    .collect();
                format!("({})", ops.join(" "))
            }
            6 => "".into(),
            _ => self.selector_op(),
        }
    }

    /// A token list; selectors are sometimes split over tokens or left open.
    fn tokens(&mut self) -> Vec<String> {
        let n = 1 + self.r.below(8);
        let mut out = Vec::new();
        for _ in 0..n {
            let op = self.user_op();
            if op.starts_with('(') && op.contains(' ') && self.r.chance(30) {
                out.extend(op.split(' ').map(String::from));
            } else if op.starts_with('(') && self.r.chance(3) {
                out.push(op.trim_end_matches(')').to_string());
            } else if self.r.chance(2) {
                // Redis compares most ops as C strings: a NUL ends them.
                out.push(format!("{op}\0x"));
            } else {
                out.push(op);
            }
        }
        out
    }
}

fn server_error_reason(e: &str) -> String {
    let e = e.strip_prefix("ERR ").unwrap_or(e);
    match e.rfind("': ") {
        Some(i) if e.starts_with("Error in ACL SETUSER modifier") => e[i + 3..].to_string(),
        _ => e.to_string(),
    }
}

#[test]
fn random_setuser_against_redis() {
    if !redis_fixture::available() {
        return;
    }
    let cases: usize = std::env::var("RAMPART_ACL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let seed: u64 = std::env::var("RAMPART_ACL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("random_setuser_against_redis: seed {seed} (RAMPART_ACL_SEED), {cases} cases (RAMPART_ACL_CASES)");
    let table = CommandTable::redis_7_0();
    let s = Server::start("").unwrap();
    let mut c = s.conn();
    let mut g = Gen {
        r: Rng(seed),
        table,
    };
    let mut ours = User::new("u");
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..cases {
        if g.r.chance(30) {
            c.cmd(&["ACL", "DELUSER", "u"]).unwrap();
            ours = User::new("u");
        }
        let toks = g.tokens();
        let mut args = vec!["ACL".to_string(), "SETUSER".into(), "u".into()];
        args.extend(toks.iter().cloned());
        let r = c.cmd(&args).unwrap();
        let before = ours.clone();
        let mine = ours.apply_tokens(&toks);
        // The typed path (parse_rules + apply) accepts the same and builds the same user.
        let mut typed = before.clone();
        let typed_res = parse_rules(&toks).and_then(|rules| typed.apply(&rules));
        match (&r, &mine) {
            (Reply::Status(_), Ok(())) => {
                accepted += 1;
                if typed_res.is_err() || typed != ours {
                    failures.push(format!(
                        "case {i} {toks:?}: typed path differs: {typed_res:?}"
                    ));
                }
                let su = getuser(&mut c, "u").unwrap();
                if let Err(e) = compare(table, &ours, &su) {
                    failures.push(format!("case {i} {toks:?}: {e}"));
                } else if i % 40 == 0 {
                    let bad = dryrun_sweep(&mut c, table, &ours);
                    if !bad.is_empty() {
                        failures.push(format!("case {i} {toks:?}: DRYRUN {bad:?}"));
                    }
                }
            }
            (Reply::Error(e), Err(m)) => {
                rejected += 1;
                if typed_res.is_ok() {
                    failures.push(format!("case {i} {toks:?}: typed path accepts"));
                }
                if ours != before {
                    failures.push(format!("case {i} {toks:?}: not atomic"));
                }
                let theirs = server_error_reason(e);
                let mine_reason = match m.kind() {
                    Some(redis_acl::RuleErrorKind::UnmatchedParenthesis) => m.message.clone(),
                    Some(k) => k.redis_reason().to_string(),
                    None => m.message.clone(),
                };
                let unmatched_ok = theirs.starts_with("Unmatched parenthesis")
                    && mine_reason.starts_with("Unmatched parenthesis");
                if theirs != mine_reason && !unmatched_ok {
                    failures.push(format!(
                        "case {i} {toks:?}: redis {e:?} ours {:?}",
                        m.message
                    ));
                }
            }
            _ => failures.push(format!("case {i} {toks:?}: redis {r:?} ours {mine:?}")),
        }
        if failures.len() > 20 {
            break;
        }
    }
    eprintln!(
        "random: {accepted} accepted, {rejected} rejected, {} disagreements",
        failures.len()
    );
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}

/// Random ACL *files* (lines built from the same token generator, joined by
/// spaces, tabs and CRs, duplicate names, stray lines) loaded by a real
/// server at startup: same accept/reject, same error string, same users.
#[test]
fn random_aclfiles_against_redis() {
    if !redis_fixture::available() {
        return;
    }
    let cases: usize = std::env::var("RAMPART_ACL_FILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("RAMPART_ACL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("random_aclfiles_against_redis: seed {seed} (RAMPART_ACL_SEED), {cases} files (RAMPART_ACL_FILE_CASES)");
    let table = CommandTable::redis_7_0();
    let mut g = Gen {
        r: Rng(seed),
        table,
    };
    let mut failures = Vec::new();
    let mut rejected = 0;
    for i in 0..cases {
        let mut text = String::new();
        for _ in 0..1 + g.r.below(4) {
            match g.r.below(12) {
                0 => text.push_str(g.r.pick(&["# comment", "USER x on", "user", "", "  \t"])),
                _ => {
                    let name =
                        g.r.pick(&["alice", "bob", "default", "c", "d", "e", "f", "g"]);
                    // Mostly valid lines, so that users get compared too.
                    let toks: Vec<String> = if g.r.chance(75) {
                        let mut t = vec!["on".to_string(), ">pw".into()];
                        for _ in 0..g.r.below(4) {
                            let op = g.selector_op();
                            if !op.contains(' ') {
                                t.push(op);
                            }
                        }
                        t
                    } else {
                        g.tokens()
                    };
                    let sep = g.r.pick(&[" ", " ", " ", "  ", "\t ", " \t"]);
                    text.push_str(&format!("user {name}{sep}{}", toks.join(sep)));
                }
            }
            text.push_str(g.r.pick(&["\n", "\n", "\r\n", "\n\n"]));
        }
        let text = format!("{text}\nuser rampart-admin on >rampart ~* &* +@all\n");
        let ours = AclFile::parse(Path::new("users.acl"), &text);
        let res = try_config("aclfile users.acl\n", &[("users.acl", &text)]);
        match (res, ours.problems.is_empty()) {
            (Ok(server), true) => {
                let mut c = server.conn();
                c.cmd(&["AUTH", "rampart-admin", "rampart"]).unwrap();
                let users = ours.effective_users();
                let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
                if names != server_usernames(&mut c) {
                    failures.push(format!("file {i} {text:?}: users {names:?}"));
                    continue;
                }
                for u in &users {
                    let su = getuser(&mut c, &u.name).unwrap();
                    if let Err(e) = compare(table, u, &su) {
                        failures.push(format!("file {i} {text:?}: user {}: {e}", u.name));
                    }
                }
            }
            (Err(e), false) => {
                rejected += 1;
                if ours.crashes_redis_7_0() {
                    if !e.output.contains("crashed by signal") {
                        failures.push(format!("file {i} {text:?}: expected a crash"));
                    }
                    continue;
                }
                let expected = ours.redis_error_string("users.acl").unwrap();
                let marker = "Aborting Redis startup because of ACL errors: ";
                let got = e
                    .output
                    .lines()
                    .find_map(|l| l.split_once(marker).map(|(_, r)| r.to_string()))
                    .unwrap_or_default();
                if got != expected {
                    failures.push(format!(
                        "file {i} {text:?}:\n  redis: {got}\n  ours:  {expected}"
                    ));
                }
            }
            (Ok(_), false) => failures.push(format!(
                "file {i} {text:?}: redis accepted, we report {:?}",
                ours.problems
            )),
            (Err(e), true) => failures.push(format!(
                "file {i} {text:?}: redis refused: {}",
                e.output.lines().last().unwrap_or("")
            )),
        }
    }
    eprintln!(
        "random aclfiles: {cases} files, {rejected} rejected, {} disagreements",
        failures.len()
    );
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}
