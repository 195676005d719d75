//! The server's command table (names, subcommands, ACL categories, flags,
//! key specs), as data generated from a real server.
//!
//! `data/redis-7.0.json` is generated from redis-server 7.0.15 by the
//! ignored test `generate_command_table` in `tests/command_table.rs` and
//! checked against the running server by the test `committed_table_matches_server`;
//! `data/valkey-9.1.json` likewise from valkey-server 9.1.2
//! (`generate_valkey_table`, `committed_valkey_table_matches_server`).
//! [`CommandTable::builtin`] picks a shipped table by product and version.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The JSON form of a command table (`data/redis-7.0.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandTableData {
    /// `redis` or `valkey`.
    pub server: String,
    /// The server version the table was generated from.
    pub version: String,
    /// ACL categories in `ACL CAT` order.
    pub categories: Vec<String>,
    /// Top-level commands, sorted by name.
    pub commands: Vec<CommandData>,
}

/// One command (or subcommand) as `COMMAND INFO` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandData {
    /// Lower-case full name (`get`, `config|get`).
    pub name: String,
    pub arity: i64,
    /// Command flags (`readonly`, `admin`, `no_auth`, …).
    pub flags: Vec<String>,
    /// ACL categories without the `@`.
    pub categories: Vec<String>,
    pub first_key: i64,
    pub last_key: i64,
    pub step: i64,
    /// Key specs (7.0+), as JSON objects (`flags`, `begin_search`, `find_keys`).
    #[serde(default)]
    pub key_specs: Vec<serde_json::Value>,
    /// Subcommands, sorted by name (empty unless a container).
    #[serde(default)]
    pub subcommands: Vec<CommandData>,
}

/// Index of a command in a [`CommandTable`] (its bit in a [`crate::CommandBits`]).
pub type CommandId = usize;

/// One command of a [`CommandTable`].
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub id: CommandId,
    /// Lower-case full name (`get`, `config|get`).
    pub name: String,
    pub parent: Option<CommandId>,
    pub subcommands: Vec<CommandId>,
    pub arity: i64,
    pub flags: Vec<String>,
    pub categories: Vec<String>,
    pub key_specs: Vec<serde_json::Value>,
}

impl Command {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }
    pub fn in_category(&self, cat: &str) -> bool {
        self.categories.iter().any(|c| c.eq_ignore_ascii_case(cat))
    }
    /// `CMD_NO_AUTH` commands (AUTH, HELLO, QUIT, RESET) bypass the ACL command check.
    pub fn is_no_auth(&self) -> bool {
        self.has_flag("no_auth")
    }
}

/// A server's command table with Redis's lookup rules.
#[derive(Clone, Debug)]
pub struct CommandTable {
    server: String,
    version: String,
    categories: Vec<String>,
    commands: Vec<Command>,
    by_name: HashMap<String, CommandId>,
    /// The names clients call top-level commands by, when `rename-command`
    /// changed them ([`CommandTable::with_renames`]); `None`: the names of
    /// the table. ACL rules keep resolving the original names (`by_name`).
    dispatch: Option<HashMap<String, CommandId>>,
}

/// What [`CommandTable::builtin`] picked, and why when it is not the exact line.
#[derive(Clone, Debug)]
pub struct BuiltinChoice {
    pub table: &'static CommandTable,
    /// Set when the table is not of the requested product and line.
    pub note: Option<String>,
}

type TableFn = fn() -> &'static CommandTable;

const BUILTIN: [(&str, TableFn); 2] = [
    ("redis-7.0", CommandTable::redis_7_0),
    ("valkey-9.1", CommandTable::valkey_9_1),
];

/// `major.minor` of `7.0.15`, `9.1`, `v8`.
fn version_key(v: &str) -> Option<(u64, u64)> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let mut it = v.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = match it.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

/// A shipped JSON table. The shipped files are checked by tests; an empty
/// table is the only fallback that cannot panic.
fn shipped(server: &str, json: &str) -> CommandTable {
    CommandTable::from_json(json).unwrap_or_else(|_| {
        CommandTable::from_data(CommandTableData {
            server: server.into(),
            version: "unknown".into(),
            categories: Vec::new(),
            commands: Vec::new(),
        })
    })
}

/// Why a command table could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid command table: {0}")]
pub struct TableError(String);

impl CommandTable {
    /// The table of redis-server 7.0.15 (generated, shipped with the crate).
    pub fn redis_7_0() -> &'static CommandTable {
        static T: OnceLock<CommandTable> = OnceLock::new();
        T.get_or_init(|| shipped("redis", include_str!("../data/redis-7.0.json")))
    }

    /// The table of valkey-server 9.1.2 (generated, shipped with the crate).
    pub fn valkey_9_1() -> &'static CommandTable {
        static T: OnceLock<CommandTable> = OnceLock::new();
        T.get_or_init(|| shipped("valkey", include_str!("../data/valkey-9.1.json")))
    }

    /// The names of the shipped tables (`redis-7.0`, `valkey-9.1`), as
    /// [`CommandTable::by_name`] takes them.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// A shipped table by its name (`redis-7.0`, `valkey-9.1`; case-insensitive).
    pub fn by_name(name: &str) -> Option<&'static CommandTable> {
        BUILTIN
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(_, f)| f())
    }

    /// The shipped table for `server` (`redis`/`valkey`) at `version`
    /// (`7.0.15`, `9.1`, …): the same `major.minor` line, else the nearest
    /// older line of the same product, else Redis 7.0. `note` says when
    /// the table is not of the exact line.
    pub fn builtin(server: &str, version: &str) -> BuiltinChoice {
        let server = server.trim().to_ascii_lowercase();
        let want = version_key(version);
        let mut best: Option<(&'static CommandTable, (u64, u64))> = None;
        for (_, f) in BUILTIN {
            let t = f();
            if t.server != server {
                continue;
            }
            let have = version_key(&t.version);
            let (Some(w), Some(h)) = (want, have) else {
                continue;
            };
            if h <= w && best.is_none_or(|(_, b)| h > b) {
                best = Some((t, h));
            }
        }
        match best {
            Some((t, h)) if Some(h) == want => BuiltinChoice {
                table: t,
                note: None,
            },
            Some((t, _)) => BuiltinChoice {
                table: t,
                note: Some(format!(
                    "no command table for {server} {version}; using the nearest older one, {} {}",
                    t.server, t.version
                )),
            },
            None => {
                let t = CommandTable::redis_7_0();
                BuiltinChoice {
                    table: t,
                    note: Some(format!(
                        "no command table for {server} {version}; using {} {}",
                        t.server, t.version
                    )),
                }
            }
        }
    }

    /// `redis-7.0`, `valkey-9.1`: the product and the `major.minor` line.
    pub fn line_name(&self) -> String {
        match version_key(&self.version) {
            Some((a, b)) => format!("{}-{a}.{b}", self.server),
            None => format!("{}-{}", self.server, self.version),
        }
    }

    /// Whether `ACL SETUSER` takes the database selector rules `alldbs`,
    /// `resetdbs` and `db=N[,M…]` (Valkey 9.1 and later).
    pub fn has_db_rules(&self) -> bool {
        self.server == "valkey" && version_key(&self.version).is_some_and(|v| v >= (9, 1))
    }

    pub fn from_json(text: &str) -> Result<CommandTable, TableError> {
        let data: CommandTableData =
            serde_json::from_str(text).map_err(|e| TableError(e.to_string()))?;
        Ok(CommandTable::from_data(data))
    }

    pub fn from_data(data: CommandTableData) -> CommandTable {
        let mut t = CommandTable {
            server: data.server,
            version: data.version,
            categories: data.categories,
            commands: Vec::new(),
            by_name: HashMap::new(),
            dispatch: None,
        };
        for c in data.commands {
            t.add(c, None);
        }
        t
    }

    fn add(&mut self, c: CommandData, parent: Option<CommandId>) -> CommandId {
        let id = self.commands.len();
        let name = c.name.to_ascii_lowercase();
        self.by_name.insert(name.clone(), id);
        self.commands.push(Command {
            id,
            name,
            parent,
            subcommands: Vec::new(),
            arity: c.arity,
            flags: c.flags,
            categories: c.categories,
            key_specs: c.key_specs,
        });
        for s in c.subcommands {
            let sid = self.add(s, Some(id));
            if let Some(cmd) = self.commands.get_mut(id) {
                cmd.subcommands.push(sid);
            }
        }
        id
    }

    pub fn server(&self) -> &str {
        &self.server
    }
    pub fn version(&self) -> &str {
        &self.version
    }
    /// ACL categories in `ACL CAT` order.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }
    /// Whether `name` is a category (case-insensitive, without `@`).
    pub fn is_category(&self, name: &str) -> bool {
        self.categories.iter().any(|c| c.eq_ignore_ascii_case(name))
    }
    /// Every command and subcommand; a command's id is its index.
    pub fn commands(&self) -> &[Command] {
        &self.commands
    }
    pub fn len(&self) -> usize {
        self.commands.len()
    }
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }
    pub fn get(&self, id: CommandId) -> Option<&Command> {
        self.commands.get(id)
    }
    /// Members of a category, commands and subcommands (like `ACL CAT cat`).
    pub fn category_members(&self, cat: &str) -> Vec<&Command> {
        self.commands
            .iter()
            .filter(|c| c.in_category(cat))
            .collect()
    }

    /// Redis's `ACLLookupCommand` (`lookupCommandBySdsLogic`, strict):
    /// `name` or `container|sub`, case-insensitive; at most one `|`;
    /// `cmd|x` only when `cmd` is a container.
    pub fn lookup(&self, name: &str) -> Option<&Command> {
        if name.is_empty() {
            return None;
        }
        let parts: Vec<&str> = name.split('|').collect();
        match parts.as_slice() {
            [base] => self.top(base),
            [base, sub] => {
                let b = self.top(base)?;
                if b.subcommands.is_empty() {
                    return None;
                }
                let full = format!("{}|{}", b.name, sub.to_ascii_lowercase());
                self.by_name
                    .get(&full)
                    .and_then(|&id| self.commands.get(id))
            }
            _ => None,
        }
    }

    /// This table as `rename-command FROM TO` lines (in order) leave it,
    /// the way Redis applies them while loading its config: a command
    /// renamed to `""` is gone for clients, one renamed to `NAME` is
    /// called only as `NAME` (and `NAME|sub`). ACL rules still name the
    /// original commands (`+flushall`, `+config|get` stay valid, `+cfg`
    /// is unknown: Redis resolves them against its original table), so
    /// ids, categories and [`CommandTable::lookup`] do not change; only
    /// [`CommandTable::lookup_dispatch`] and what is
    /// [`reachable`](CommandTable::is_reachable) do. Names are
    /// case-insensitive. A line Redis would refuse (no such command, the
    /// target already exists) is skipped here: the config loader reports it.
    pub fn with_renames<S: AsRef<str>>(&self, renames: &[(S, S)]) -> CommandTable {
        let mut dispatch: HashMap<String, CommandId> = match &self.dispatch {
            Some(d) => d.clone(),
            None => self
                .commands
                .iter()
                .filter(|c| c.parent.is_none())
                .map(|c| (c.name.clone(), c.id))
                .collect(),
        };
        for (from, to) in renames {
            let from = from.as_ref().to_ascii_lowercase();
            let to = to.as_ref().to_ascii_lowercase();
            let Some(id) = dispatch.get(&from).copied() else {
                continue;
            };
            if !to.is_empty() && to != from && dispatch.contains_key(&to) {
                continue;
            }
            dispatch.remove(&from);
            if !to.is_empty() {
                dispatch.insert(to, id);
            }
        }
        let mut t = self.clone();
        t.dispatch = Some(dispatch);
        t
    }

    /// Whether `rename-command` changed this table ([`CommandTable::with_renames`]).
    pub fn has_renames(&self) -> bool {
        self.dispatch.as_ref().is_some_and(|d| {
            d.len() != self.commands.iter().filter(|c| c.parent.is_none()).count()
                || d.iter()
                    .any(|(n, &id)| self.commands.get(id).is_none_or(|c| c.name != *n))
        })
    }

    /// A top-level command by the name a client sends (`lookupCommand`'s
    /// first step): after `rename-command config cfg`, `cfg` finds CONFIG
    /// and `config` nothing. Case-insensitive; no `|`.
    pub fn lookup_dispatch(&self, name: &str) -> Option<&Command> {
        if name.contains('|') {
            return None;
        }
        match &self.dispatch {
            None => self.top(name),
            Some(d) => d
                .get(&name.to_ascii_lowercase())
                .and_then(|&id| self.commands.get(id)),
        }
    }

    /// The name a client calls a command (or subcommand) by: `cfg|get`
    /// for CONFIG GET after `rename-command config cfg`; `None` when
    /// `rename-command X ""` removed it (or its container).
    pub fn dispatch_name(&self, cmd: &Command) -> Option<String> {
        let Some(d) = &self.dispatch else {
            return Some(cmd.name.clone());
        };
        let top = match cmd.parent {
            Some(p) => p,
            None => cmd.id,
        };
        let called = d.iter().find(|(_, &id)| id == top).map(|(n, _)| n)?;
        match cmd.parent {
            None => Some(called.clone()),
            Some(_) => {
                let sub = cmd.name.rsplit('|').next().unwrap_or(&cmd.name);
                Some(format!("{called}|{sub}"))
            }
        }
    }

    /// Whether clients can call the command at all (it, or its container,
    /// was not renamed to `""`).
    pub fn is_reachable(&self, id: CommandId) -> bool {
        let Some(d) = &self.dispatch else {
            return id < self.commands.len();
        };
        let top = match self.commands.get(id) {
            Some(c) => c.parent.unwrap_or(id),
            None => return false,
        };
        d.values().any(|&v| v == top)
    }

    fn top(&self, name: &str) -> Option<&Command> {
        let c = self
            .by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|&id| self.commands.get(id))?;
        // A top-level name never contains '|', so this only guards odd input.
        if c.parent.is_some() {
            None
        } else {
            Some(c)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod rename_tests {
    use super::CommandTable;
    use crate::{Engine, QueryError, User};

    #[test]
    fn renames_change_what_clients_call_not_acl_rules() {
        let base = CommandTable::redis_7_0();
        let t = base.with_renames(&[("CONFIG", "cfg"), ("flushall", ""), ("nosuch", "x")]);
        assert!(t.has_renames() && !base.has_renames());
        assert!(t.lookup_dispatch("config").is_none());
        assert!(t.lookup_dispatch("flushall").is_none());
        let cfg = t.lookup_dispatch("CFG").unwrap();
        assert_eq!(cfg.name, "config");
        let get = t.lookup("config|get").unwrap();
        assert_eq!(t.dispatch_name(get).as_deref(), Some("cfg|get"));
        let flushall = t.lookup("flushall").unwrap();
        assert!(!t.is_reachable(flushall.id) && t.dispatch_name(flushall).is_none());
        assert!(t.is_reachable(get.id));
        // ACL rules name the original commands, as Redis resolves them.
        let mut u = User::new("a");
        u.apply_tokens_with(&t, &["on", "nopass", "+config|get", "+flushall"])
            .unwrap();
        assert!(u.clone().apply_tokens_with(&t, &["+cfg"]).is_err());
        let e = Engine::new(&t);
        let cu = e.compile(&u);
        assert!(e.can(&cu, &["cfg", "get", "x"]).unwrap().allowed);
        assert!(!e.can(&cu, &["cfg", "set", "x", "y"]).unwrap().allowed);
        assert_eq!(
            e.can(&cu, &["config", "get", "x"]).unwrap_err(),
            QueryError::UnknownCommand("config".into())
        );
        assert!(e.can(&cu, &["flushall"]).is_err());
        // A target that exists already is refused (the config loader says so).
        let t2 = base.with_renames(&[("get", "set")]);
        assert!(t2.lookup_dispatch("get").is_some());
    }
}
