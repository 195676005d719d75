//! The questions `rampart acl can` and `who-can` ask of a set of compiled
//! users: may USER run ARGV (in a database, or in some database), and who
//! can run a command, reach a key or channel, or hold a category — with
//! the rule that grants it.

use std::collections::BTreeSet;

use crate::engine::{CompiledUser, Decision, Engine};
use crate::{Command, CommandTable};

/// The connection's current database, or any database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbChoice {
    Id(u32),
    Any,
}

/// May `user` (by name) run `argv` in `db`? An unknown user or command is
/// the error, as `ACL DRYRUN` words it.
pub fn ask<A: AsRef<[u8]>>(
    engine: &Engine<'_>,
    users: &[CompiledUser],
    user: &str,
    argv: &[A],
    db: DbChoice,
) -> Result<Decision, String> {
    let u = users
        .iter()
        .find(|u| u.user.name == user)
        .ok_or_else(|| format!("User '{user}' not found"))?;
    match db {
        DbChoice::Id(n) => engine.can_in(u, argv, n),
        DbChoice::Any => engine.can_in_any_db(u, argv),
    }
    .map_err(|e| e.to_string())
}

/// For a denial in one database: the lowest database that would allow it.
pub fn allowed_elsewhere<A: AsRef<[u8]>>(
    engine: &Engine<'_>,
    users: &[CompiledUser],
    user: &str,
    argv: &[A],
) -> Option<u32> {
    ask(engine, users, user, argv, DbChoice::Any)
        .ok()
        .filter(|d| d.allowed)
        .and_then(|d| d.db)
}

/// One line of `can --batch`: `USER COMMAND ARGS...`, quoted as in
/// redis.conf. The user and the answer; `Err` when the line is not one.
#[allow(clippy::type_complexity)]
pub fn ask_line(
    engine: &Engine<'_>,
    users: &[CompiledUser],
    line: &str,
    db: DbChoice,
) -> Result<(String, Result<Decision, String>), &'static str> {
    match crate::sdssplitargs(line) {
        Some(words) if words.len() >= 2 => {
            let d = ask(engine, users, &words[0], &words[1..], db);
            Ok((words[0].clone(), d))
        }
        Some(_) => Err("expected USER COMMAND [ARGS...]"),
        None => Err("unbalanced quotes"),
    }
}

/// A shipped command table by dialect name (`redis-7.0`) or
/// `product-version` (`redis-7.2.6`: the nearest line, with a note);
/// `None` for a name that is neither.
pub fn table_by_name(name: &str) -> Option<(&'static CommandTable, Option<String>)> {
    if let Some(t) = CommandTable::by_name(name) {
        return Some((t, None));
    }
    // The dialects of redis-dialects, as redis-acl ships them.
    let (product, version) = name.trim().split_once('-')?;
    let product = product.to_ascii_lowercase();
    if !matches!(product.as_str(), "redis" | "valkey")
        || !version.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let choice = CommandTable::builtin(&product, version);
    Some((choice.table, choice.note.clone()))
}

/// A `who-can` question.
pub enum WhoCan<'a> {
    Command(&'a [String]),
    Key {
        key: &'a str,
        write: bool,
    },
    Channel(&'a str),
    /// Without the `@`, any case.
    Category(&'a str),
}

/// One user that can, and how.
pub struct WhoRow {
    pub user: String,
    pub enabled: bool,
    pub how: String,
}

/// The users that can do `q` (in database `db`, or in some database), and
/// the question as a phrase (`run 'get'`).
pub fn who_can(
    engine: &Engine<'_>,
    users: &[CompiledUser],
    q: &WhoCan<'_>,
    db: Option<u32>,
) -> Result<(String, Vec<WhoRow>), String> {
    let row = |u: &CompiledUser, how: String| WhoRow {
        user: u.user.name.clone(),
        enabled: u.user.enabled,
        how,
    };
    let mut rows = Vec::new();
    let what = match q {
        WhoCan::Command(argv) => {
            let cmd = engine.resolve(argv).map_err(|e| e.to_string())?;
            for u in users {
                let d = match db {
                    Some(n) => engine.decide_in(u, cmd, argv, n),
                    None => engine.decide_in_any_db(u, cmd, argv),
                };
                if d.allowed {
                    rows.push(row(u, d.reason()));
                }
            }
            format!("run '{}'", cmd.name)
        }
        WhoCan::Key { key, write } => {
            for u in users {
                if let Some(how) = key_reach(engine, u, key.as_bytes(), *write, db) {
                    rows.push(row(u, how));
                }
            }
            format!("{} the key '{key}'", if *write { "write" } else { "read" })
        }
        WhoCan::Channel(ch) => {
            for u in users {
                if let Some(how) = channel_reach(engine, u, ch.as_bytes()) {
                    rows.push(row(u, how));
                }
            }
            format!("publish or subscribe to '{ch}'")
        }
        WhoCan::Category(cat) => {
            let cat = cat.trim_start_matches('@').to_ascii_lowercase();
            if !engine.table().is_category(&cat) {
                return Err(format!("Unknown command or category name in ACL: @{cat}"));
            }
            let members: Vec<&Command> = engine
                .table()
                .category_members(&cat)
                .into_iter()
                .filter(|c| c.subcommands.is_empty() && engine.table().is_reachable(c.id))
                .collect();
            for u in users {
                if let Some(how) = category_reach(engine, u, &members, db) {
                    rows.push(row(u, how));
                }
            }
            format!("run @{cat} commands")
        }
    };
    Ok((what, rows))
}

fn category_reach(
    engine: &Engine<'_>,
    u: &CompiledUser,
    members: &[&Command],
    db: Option<u32>,
) -> Option<String> {
    let mut got: Vec<String> = Vec::new();
    let mut kinds = BTreeSet::new();
    for c in members {
        if let Some(s) = u
            .selectors
            .iter()
            .find(|s| s.bits.allows(c) && engine.selector_may_run_in(&s.selector, c, db))
        {
            got.push(c.name.clone());
            kinds.insert(engine.command_rule(&s.selector, &s.bits, c).rule);
        }
    }
    if got.is_empty() {
        return None;
    }
    let shown: Vec<&str> = got.iter().take(8).map(String::as_str).collect();
    Some(format!(
        "{} of {} ({}{}) by {}",
        got.len(),
        members.len(),
        shown.join(", "),
        if got.len() > shown.len() { ", …" } else { "" },
        kinds.into_iter().collect::<Vec<_>>().join(" ")
    ))
}

/// A selector that holds a command with keys (in database `db`, or some
/// database) and a pattern granting the access.
pub fn key_reach(
    engine: &Engine<'_>,
    u: &CompiledUser,
    key: &[u8],
    write: bool,
    db: Option<u32>,
) -> Option<String> {
    let table = engine.table();
    for (si, s) in u.selectors.iter().enumerate() {
        let has_cmd = table.commands().iter().any(|c| {
            c.subcommands.is_empty()
                && engine.command_has_keys(c.id)
                && s.bits.allows(c)
                && engine.selector_may_run_in(&s.selector, c, db)
        });
        if !has_cmd {
            continue;
        }
        let sel = &s.selector;
        let pat = if sel.all_keys {
            Some("allkeys".to_string())
        } else {
            sel.keys
                .iter()
                .find(|p| {
                    (if write { p.write } else { p.read })
                        && crate::glob::stringmatch(p.pattern.as_bytes(), key, false)
                })
                .map(|p| match (p.read, p.write) {
                    (true, true) => format!("~{}", p.pattern),
                    (true, false) => format!("%R~{}", p.pattern),
                    _ => format!("%W~{}", p.pattern),
                })
        };
        if let Some(p) = pat {
            let dbs = if s.selector.dbs.is_some() && table.has_db_rules() {
                format!(" ({})", crate::dbs::db_rule(&s.selector.dbs))
            } else {
                String::new()
            };
            return Some(format!("{} by {p}{dbs}", sel_name(si)));
        }
    }
    None
}

/// A selector with a channel command and a pattern matching `ch`.
pub fn channel_reach(engine: &Engine<'_>, u: &CompiledUser, ch: &[u8]) -> Option<String> {
    let table = engine.table();
    for (si, s) in u.selectors.iter().enumerate() {
        let cmds: Vec<&str> = table
            .commands()
            .iter()
            .filter(|c| engine.command_uses_channels(c.id) && s.bits.allows(c))
            .map(|c| c.name.as_str())
            .collect();
        if cmds.is_empty() {
            continue;
        }
        let sel = &s.selector;
        let pat = if sel.all_channels {
            Some("&*".to_string())
        } else {
            sel.channels
                .iter()
                .find(|p| crate::glob::stringmatch(p.as_bytes(), ch, false))
                .map(|p| format!("&{p}"))
        };
        if let Some(p) = pat {
            return Some(format!("{} by {p} ({})", sel_name(si), cmds.join(", ")));
        }
    }
    None
}

fn sel_name(i: usize) -> String {
    if i == 0 {
        "root selector".into()
    } else {
        format!("selector #{i}")
    }
}
