//! Which databases a command touches, for Valkey 9.1's database rules
//! (`db=N[,M]`, `alldbs`, `resetdbs`).
//!
//! Valkey 9.1.2 (established by experiment with `ACL DRYRUN` and by
//! running the commands as the user; see `tests/valkey_db_engine.rs`):
//! * a selector without a database restriction (`alldbs`, the default)
//!   passes every database check;
//! * the named databases are checked first, in argument order: `SELECT n`,
//!   `SWAPDB a b`, `MOVE key n`, every `DB n` of `COPY`. A name that is not
//!   a strict integer (`string2ll`: no `+`, no leading zero or space) or is
//!   outside `0..databases` is not checked (the command itself fails).
//!   SWAPDB and COPY parse all their arguments first: one bad db or an
//!   unknown COPY option and none of its databases is checked;
//! * then the connection's current database, for every command that has
//!   key arguments (`doesCommandHaveKeys`), the `write` or `readonly` flag,
//!   or the `@keyspace` category — except SWAPDB (its arguments only) and
//!   the commands that touch every database;
//! * FLUSHALL, CLUSTER FLUSHSLOT, CLUSTER MIGRATESLOTS and CLUSTER
//!   CANCELSLOTMIGRATIONS need every database `0..databases`;
//! * SELECT, PING, PUBLISH, SPUBLISH, CONFIG, INFO, MULTI/EXEC, … are not
//!   checked against the current database.
//!
//! A selector checks its databases before its commands, keys and channels.
//! Across selectors a database denial ranks below every other denial
//! (command < key < channel): it is the reported reason only when every
//! selector failed on a database, and then the one at the largest
//! argument index (0 for the current database or "every database").

use crate::keys::string2ll;
use crate::table::Command;

/// The number of databases a server has when `databases` is not set.
pub const DEFAULT_DATABASES: u32 = 16;

/// How a command uses databases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DbUse {
    /// No database is checked (PING, PUBLISH, CONFIG GET, …).
    None,
    /// The connection's current database (GET, SCAN, FLUSHDB, …).
    Current,
    /// Only the databases named in its arguments (SELECT, SWAPDB).
    Named,
    /// The named databases, then the current one (MOVE, COPY).
    NamedAndCurrent,
    /// Every database (FLUSHALL, CLUSTER FLUSHSLOT, …).
    All,
}

/// Commands that need every database.
const ALL_DBS: &[&str] = &[
    "flushall",
    "cluster|flushslot",
    "cluster|migrateslots",
    "cluster|cancelslotmigrations",
];

/// `cmd`'s database use; `has_keys` is `doesCommandHaveKeys`.
pub(crate) fn db_use(cmd: &Command, has_keys: bool) -> DbUse {
    let name = cmd.name.as_str();
    if ALL_DBS.contains(&name) {
        return DbUse::All;
    }
    match name {
        "select" | "swapdb" => return DbUse::Named,
        "move" | "copy" => return DbUse::NamedAndCurrent,
        _ => {}
    }
    if has_keys || cmd.has_flag("write") || cmd.has_flag("readonly") || cmd.in_category("keyspace")
    {
        DbUse::Current
    } else {
        DbUse::None
    }
}

/// A database id as the command parses it: a strict integer in `0..databases`.
fn db_id(arg: &[u8], databases: u32) -> Option<u32> {
    let v = string2ll(arg)?;
    u32::try_from(v).ok().filter(|v| *v < databases)
}

/// The databases named in `argv`, as `(argument index, id)`, in the order
/// Valkey checks them.
pub(crate) fn named_dbs<A: AsRef<[u8]>>(
    cmd: &Command,
    argv: &[A],
    databases: u32,
) -> Vec<(usize, u32)> {
    let arg = |i: usize| argv.get(i).map(|a| a.as_ref());
    let id = |i: usize| arg(i).and_then(|a| db_id(a, databases));
    match cmd.name.as_str() {
        "select" => id(1).map(|d| vec![(1, d)]).unwrap_or_default(),
        "move" => id(2).map(|d| vec![(2, d)]).unwrap_or_default(),
        "swapdb" => match (id(1), id(2)) {
            (Some(a), Some(b)) => vec![(1, a), (2, b)],
            _ => Vec::new(),
        },
        "copy" => {
            let mut out = Vec::new();
            let mut j = 3;
            while j < argv.len() {
                let a = arg(j).unwrap_or_default();
                if a.eq_ignore_ascii_case(b"replace") {
                } else if a.eq_ignore_ascii_case(b"db") && j + 1 < argv.len() {
                    match id(j + 1) {
                        Some(d) => out.push((j + 1, d)),
                        None => return Vec::new(),
                    }
                    j += 1;
                } else {
                    return Vec::new();
                }
                j += 1;
            }
            out
        }
        _ => Vec::new(),
    }
}

/// A selector's database rule as `ACL LIST` shows it: `alldbs`, `resetdbs`, `db=0,3`.
pub fn db_rule(dbs: &Option<Vec<u32>>) -> String {
    match dbs {
        None => "alldbs".into(),
        Some(ids) if ids.is_empty() => "resetdbs".into(),
        Some(ids) => format!(
            "db={}",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Whether a selector's rule grants database `id`.
pub(crate) fn grants(dbs: &Option<Vec<u32>>, id: u32) -> bool {
    match dbs {
        None => true,
        Some(ids) => ids.contains(&id),
    }
}

/// Whether a selector's rule grants every database `0..databases`.
pub(crate) fn grants_all(dbs: &Option<Vec<u32>>, databases: u32) -> bool {
    match dbs {
        None => true,
        Some(ids) => (0..databases).all(|i| ids.contains(&i)),
    }
}

/// Whether a selector's rule grants some database `< databases`.
pub(crate) fn grants_any(dbs: &Option<Vec<u32>>, databases: u32) -> bool {
    match dbs {
        None => databases > 0,
        Some(ids) => ids.iter().any(|i| *i < databases),
    }
}
