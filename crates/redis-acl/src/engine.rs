//! The permission engine: may user U run `COMMAND ARGS...`, and why.
//!
//! Mirrors `ACLCheckAllUserCommandPerm()` (what `ACL DRYRUN` and command
//! dispatch run) of Redis 7: a command passes when SOME selector (root
//! first) passes all of
//! 1. the command check: `ALLCOMMANDS` flag, or the command is `NO_AUTH`
//!    (AUTH, HELLO, QUIT, RESET), or its bit is set, or (`argc ≥ 2`) its
//!    first argument is in the selector's first-arg list;
//! 2. the key check (unless `allkeys`, and only for commands with keys):
//!    every key the command's key specs (or getkeys procedure) find matches
//!    a pattern of THIS selector granting the access the key spec needs
//!    (ACCESS → R; INSERT/DELETE/UPDATE → W; none of these → R or W);
//! 3. the channel check (unless `allchannels`; PUBLISH, SUBSCRIBE,
//!    SSUBSCRIBE, SPUBLISH, PSUBSCRIBE only): every channel matches a
//!    channel pattern (glob), PSUBSCRIBE patterns match only literally.
//!
//! When all selectors fail, the reported reason is Redis's: the "highest"
//! failure (command < key < channel), at the largest argument index.
//!
//! With a command table that has Valkey 9.1's database rules, each selector
//! first checks the databases the command touches (see [`crate::dbs`]):
//! the named ones (SELECT, SWAPDB, MOVE, COPY … DB), the connection's
//! current database (keyed, read, write and @keyspace commands), or every
//! database (FLUSHALL). A database denial ranks below the others
//! (database < command < key < channel). [`Engine::can`] decides in
//! database 0, where every connection starts and what `ACL DRYRUN` on a
//! fresh connection answers; [`Engine::can_in`] takes the database,
//! [`Engine::can_in_any_db`] asks whether some database allows it. With a
//! table without database rules (Redis) the database changes nothing.
//! Beyond DRYRUN, SORT/SORT_RO with `BY <pattern with *>` or `GET` need a
//! selector that passes and has unrestricted read access (`allkeys` or a
//! `*` pattern with R), checked by the command itself at run time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::bits::{resolve_command_rule, CommandBits, Resolved};
use crate::dbs::{self, DbUse, DEFAULT_DATABASES};
use crate::glob::stringmatch;
use crate::keys::{Access, KeyFlags, KeyModel, KeyRef};
use crate::table::{Command, CommandId, CommandTable};
use crate::{KeyPattern, Selector, User};

/// Why a query could not be decided (the errors `ACL DRYRUN` gives).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("User '{0}' not found")]
    UnknownUser(String),
    #[error("Command '{0}' not found")]
    UnknownCommand(String),
    #[error("wrong number of arguments for '{0}' command")]
    WrongArity(String),
    #[error("empty command")]
    Empty,
}

/// Which selector: `0` is the root (the user's own rules), `n` is the n-th `(…)`.
pub type SelectorIndex = usize;

/// How a command was granted in a selector.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// By name (`+config|get`, `+get`, or `+config` for its subcommands).
    Explicit,
    /// By a category (`+@admin`).
    Category,
    /// By `+@all` / `allcommands`.
    All,
    /// By a first-argument rule (`+select|0`).
    FirstArg,
    /// AUTH, HELLO, QUIT, RESET cannot be denied.
    NoAuth,
}

/// The rule that decided a command's bit in a selector.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CommandRule {
    /// The rule as Redis 7.2 retains it (`+@read`, `-config`, `+@all`).
    pub rule: String,
    pub kind: GrantKind,
}

/// A key argument that failed, or the pattern that let it through.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyCheck {
    /// Argument index (0 = command name).
    pub pos: usize,
    pub key: String,
    /// What the key spec needs: `read`, `write`, `read+write`, `read or write`.
    pub needs: &'static str,
    /// The pattern that matched (`%R~app:*`, `allkeys`), when it passed.
    pub pattern: Option<String>,
}

/// A database a command touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "db", rename_all = "snake_case")]
pub enum DbTarget {
    /// The connection's current database.
    Current(u32),
    /// A database named by an argument (`SELECT 3`, `MOVE k 3`).
    Named(u32),
    /// Every database `0..databases` (FLUSHALL).
    All,
}

impl std::fmt::Display for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbTarget::Current(n) => write!(f, "database {n} (the current one)"),
            DbTarget::Named(n) => write!(f, "database {n}"),
            DbTarget::All => write!(f, "every database"),
        }
    }
}

/// A database the command touches and the selector's rule that grants it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DbCheck {
    /// Argument index of a named database (0: the current one, or all).
    pub pos: usize,
    pub target: DbTarget,
    /// The selector's database rule (`db=0,3`, `alldbs`).
    pub rule: String,
}

/// Why a query was denied.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Denial {
    /// Every selector failed on a database (Valkey 9.1+): the one at the
    /// largest argument index, and each selector's database rule.
    Db {
        pos: usize,
        /// The argument Valkey names (`3`, or the command name as typed for
        /// the current database and for every database).
        object: String,
        target: DbTarget,
        rules: Vec<(SelectorIndex, String)>,
    },
    /// No selector allows the command; `rules` holds, per selector, the rule
    /// that left its bit clear.
    Command { rules: Vec<(SelectorIndex, String)> },
    /// A key no selector (that allowed the command) can reach.
    Key { pos: usize, key: String },
    /// A channel no selector (that allowed the command) can reach.
    Channel { pos: usize, channel: String },
    /// SORT BY/GET without unrestricted read access (checked by SORT itself).
    SortNeedsAllKeys { option: String },
}

/// The answer to `can(user, argv)`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub user: String,
    /// The command's full name (`get`, `config|get`).
    pub command: String,
    /// The name as the server spells it in `ACL DRYRUN` (module commands
    /// keep their case: `VADD`).
    #[serde(skip)]
    pub fullname: String,
    pub allowed: bool,
    /// The selector that allowed it.
    pub selector: Option<SelectorIndex>,
    /// The command rule that allowed it in that selector.
    pub grant: Option<CommandRule>,
    /// The keys and the patterns that let them through.
    pub keys: Vec<KeyCheck>,
    pub channels: Vec<(String, String)>,
    /// The database the command was decided in (`None`: the table has no
    /// database rules, so the database does not matter).
    pub db: Option<u32>,
    /// The databases the command touches and the rules that granted them
    /// (only when some selector of the user restricts databases).
    pub dbs: Vec<DbCheck>,
    pub denial: Option<Denial>,
}

impl Decision {
    /// One line for people: which rule granted, or what failed.
    pub fn reason(&self) -> String {
        let sel = |i: SelectorIndex| {
            if i == 0 {
                "root selector".to_string()
            } else {
                format!("selector #{i}")
            }
        };
        if self.allowed {
            let mut s = format!(
                "allowed by the {}: '{}' by {}",
                sel(self.selector.unwrap_or(0)),
                self.command,
                self.grant.as_ref().map(|g| g.rule.as_str()).unwrap_or("?")
            );
            for k in &self.keys {
                s.push_str(&format!(
                    "; key '{}' ({}) by {}",
                    k.key,
                    k.needs,
                    k.pattern.as_deref().unwrap_or("?")
                ));
            }
            for (c, p) in &self.channels {
                s.push_str(&format!("; channel '{c}' by {p}"));
            }
            for d in &self.dbs {
                s.push_str(&format!("; {} by {}", d.target, d.rule));
            }
            return s;
        }
        match &self.denial {
            Some(Denial::Db { target, rules, .. }) => {
                let why: Vec<String> = rules
                    .iter()
                    .map(|(i, r)| format!("{}: {r}", sel(*i)))
                    .collect();
                format!(
                    "the '{}' command needs {target}, which no selector grants ({})",
                    self.command,
                    why.join("; ")
                )
            }
            Some(Denial::Command { rules }) => {
                let why: Vec<String> = rules
                    .iter()
                    .map(|(i, r)| format!("{}: {r}", sel(*i)))
                    .collect();
                format!(
                    "no selector allows the '{}' command ({})",
                    self.command,
                    why.join("; ")
                )
            }
            Some(Denial::Key { key, .. }) => {
                let need = self
                    .keys
                    .iter()
                    .find(|k| &k.key == key && k.pattern.is_none())
                    .map(|k| k.needs)
                    .unwrap_or("access");
                format!(
                    "the '{}' command is allowed, but no selector that allows it grants {need} access to the key '{key}'",
                    self.command
                )
            }
            Some(Denial::Channel { channel, .. }) => format!(
                "the '{}' command is allowed, but no selector that allows it grants the channel '{channel}'",
                self.command
            ),
            Some(Denial::SortNeedsAllKeys { option }) => format!(
                "{option} option of SORT needs unrestricted read access (allkeys, ~* or %R~*) in a selector that allows the command"
            ),
            None => "denied".into(),
        }
    }

    /// The reply of Redis 7.0's `ACL DRYRUN` (`OK` or its denial text).
    /// SORT's BY/GET check is not part of DRYRUN: such queries give `OK`.
    pub fn dryrun_7_0(&self) -> String {
        match &self.denial {
            None | Some(Denial::SortNeedsAllKeys { .. }) => "OK".into(),
            Some(Denial::Db { object, .. }) => {
                format!("This user has no permissions to access database {object}")
            }
            Some(Denial::Command { .. }) => format!(
                "This user has no permissions to run the '{}' command",
                self.fullname
            ),
            Some(Denial::Key { key, .. }) => {
                format!("This user has no permissions to access the '{key}' key")
            }
            Some(Denial::Channel { channel, .. }) => {
                format!("This user has no permissions to access the '{channel}' channel")
            }
        }
    }

    /// The reply of `ACL DRYRUN` on the line of `table` (its `acl.json`
    /// says whether denials name the user).
    pub fn dryrun_for(&self, table: &CommandTable) -> String {
        if table.grammar().dryrun_names_user {
            self.dryrun()
        } else {
            self.dryrun_7_0()
        }
    }

    /// The reply of `ACL DRYRUN` in Redis 7.2+ and Valkey (`User <name> has
    /// no permissions to …`; Valkey 9.1: `… to access database <object>`).
    pub fn dryrun(&self) -> String {
        let u = &self.user;
        match &self.denial {
            None | Some(Denial::SortNeedsAllKeys { .. }) => "OK".into(),
            Some(Denial::Db { object, .. }) => {
                format!("User {u} has no permissions to access database {object}")
            }
            Some(Denial::Command { .. }) => format!(
                "User {u} has no permissions to run the '{}' command",
                self.fullname
            ),
            Some(Denial::Key { key, .. }) => {
                format!("User {u} has no permissions to access the '{key}' key")
            }
            Some(Denial::Channel { channel, .. }) => {
                format!("User {u} has no permissions to access the '{channel}' channel")
            }
        }
    }
}

/// One selector, compiled against a table. The selector is borrowed from
/// the user compiled ([`Engine::compile_all`]): 100k users are not copied.
#[derive(Clone, Debug)]
pub struct CompiledSelector<'u> {
    pub selector: Cow<'u, Selector>,
    pub bits: Arc<CommandBits>,
}

/// A user with its command bitmaps computed (root first), borrowing the
/// user when compiled from one ([`Engine::compile`], [`Engine::compile_all`]).
#[derive(Clone, Debug)]
pub struct CompiledUser<'u> {
    pub user: Cow<'u, User>,
    pub selectors: Vec<CompiledSelector<'u>>,
}

/// The engine for one command table.
#[derive(Clone, Debug)]
pub struct Engine<'t> {
    table: &'t CommandTable,
    /// Built once per table ([`CommandTable::key_model`]): every check
    /// and command makes its own engine.
    model: std::sync::Arc<KeyModel>,
    /// The server's `databases` (Valkey 9.1 rules: FLUSHALL needs them all).
    databases: u32,
    /// Per command id: how it uses databases.
    db_uses: Vec<DbUse>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fail {
    Db = 0,
    Cmd = 1,
    Key = 2,
    Channel = 4,
}

/// Bitmaps by (base, retained rules): `[-@all base, +@all base]`.
type BitsCache = [HashMap<Vec<String>, Arc<CommandBits>>; 2];

/// What a passing selector used: the command rule, keys, channels, databases.
type SelectorPass = (
    CommandRule,
    Vec<KeyCheck>,
    Vec<(String, String)>,
    Vec<DbCheck>,
);

/// Selectors that outlive their user (copies).
fn owned_selectors(v: Vec<CompiledSelector<'_>>) -> Vec<CompiledSelector<'static>> {
    v.into_iter()
        .map(|s| CompiledSelector {
            selector: Cow::Owned(s.selector.into_owned()),
            bits: s.bits,
        })
        .collect()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn key_op(p: &KeyPattern) -> String {
    match (p.read, p.write) {
        (true, true) => format!("~{}", p.pattern),
        (true, false) => format!("%R~{}", p.pattern),
        (false, true) => format!("%W~{}", p.pattern),
        (false, false) => format!("%~{}", p.pattern),
    }
}

impl<'t> Engine<'t> {
    pub fn new(table: &'t CommandTable) -> Engine<'t> {
        let model = table.key_model();
        let db_uses = table
            .commands()
            .iter()
            .map(|c| {
                let keys = model.cmds.get(c.id).is_some_and(|k| k.has_keys());
                dbs::db_use(c, keys)
            })
            .collect();
        Engine {
            table,
            model,
            databases: DEFAULT_DATABASES,
            db_uses,
        }
    }

    /// The server's `databases` setting (default 16): the range a database
    /// argument must be in to be checked, and what "every database" is.
    pub fn with_databases(mut self, databases: u32) -> Engine<'t> {
        self.databases = databases;
        self
    }

    /// The `databases` this engine decides with.
    pub fn databases(&self) -> u32 {
        self.databases
    }

    /// How the command uses databases (always [`DbUse::None`] with a table
    /// without database rules).
    pub fn db_use(&self, id: CommandId) -> DbUse {
        if !self.table.has_db_rules() {
            return DbUse::None;
        }
        self.db_uses.get(id).copied().unwrap_or(DbUse::None)
    }

    /// Whether selector `s` passes the database check of `cmd` with `db`
    /// as the current database (`None`: in some database). Commands that
    /// name their databases (SELECT, SWAPDB) count as passing when the
    /// selector grants some database.
    pub fn selector_may_run_in(&self, s: &Selector, cmd: &Command, db: Option<u32>) -> bool {
        let Some(db) = db else {
            return self.selector_may_reach_db(s, cmd);
        };
        match self.db_use(cmd.id) {
            DbUse::None => true,
            DbUse::All => dbs::grants_all(&s.dbs, self.databases),
            DbUse::Current | DbUse::NamedAndCurrent => dbs::grants(&s.dbs, db),
            DbUse::Named => dbs::grants_any(&s.dbs, self.databases),
        }
    }

    /// Whether some database could let selector `s` pass the database
    /// check of `cmd` (a `resetdbs` selector runs no keyed command; a
    /// `db=0` one no FLUSHALL).
    pub fn selector_may_reach_db(&self, s: &Selector, cmd: &Command) -> bool {
        match self.db_use(cmd.id) {
            DbUse::None => true,
            DbUse::All => dbs::grants_all(&s.dbs, self.databases),
            DbUse::Current | DbUse::Named | DbUse::NamedAndCurrent => {
                dbs::grants_any(&s.dbs, self.databases)
            }
        }
    }

    pub fn table(&self) -> &'t CommandTable {
        self.table
    }

    /// Compute the command bitmaps of every selector of `user` (a copy of
    /// it: [`Engine::compile_all`] borrows instead).
    pub fn compile(&self, user: &User) -> CompiledUser<'static> {
        let mut cache = BitsCache::default();
        CompiledUser {
            selectors: owned_selectors(self.compile_selectors(user, &mut cache)),
            user: Cow::Owned(user.clone()),
        }
    }

    /// Compile many users, sharing bitmaps between selectors with the same
    /// command rules (typical of generated ACLs). The compiled users borrow
    /// the users (nothing of them is copied).
    pub fn compile_all<'u, I: IntoIterator<Item = &'u User>>(
        &self,
        users: I,
    ) -> Vec<CompiledUser<'u>> {
        let mut cache = BitsCache::default();
        users
            .into_iter()
            .map(|u| self.compile_cached(u, &mut cache))
            .collect()
    }

    /// [`Engine::compile_all`] one user at a time: each compiled user is
    /// made when the iterator reaches it (bitmaps shared as there), so a
    /// caller that looks at each once holds one, not a vector of 100k.
    pub fn compile_each<'s, 'u: 's, I>(
        &'s self,
        users: I,
    ) -> impl Iterator<Item = CompiledUser<'u>> + 's
    where
        I: IntoIterator<Item = &'u User>,
        I::IntoIter: 's,
    {
        let mut cache = BitsCache::default();
        users
            .into_iter()
            .map(move |u| self.compile_cached(u, &mut cache))
    }

    /// [`Engine::compile_all`] for users the caller no longer has: they move
    /// into the compiled users (their selectors are copied; keeping the
    /// users and borrowing them with [`Engine::compile_all`] copies nothing).
    pub fn compile_all_owned<I: IntoIterator<Item = User>>(
        &self,
        users: I,
    ) -> Vec<CompiledUser<'static>> {
        let mut cache = BitsCache::default();
        users
            .into_iter()
            .map(|u| CompiledUser {
                selectors: owned_selectors(self.compile_selectors(&u, &mut cache)),
                user: Cow::Owned(u),
            })
            .collect()
    }

    fn compile_cached<'u>(&self, user: &'u User, cache: &mut BitsCache) -> CompiledUser<'u> {
        CompiledUser {
            selectors: self.compile_selectors(user, cache),
            user: Cow::Borrowed(user),
        }
    }

    fn compile_selectors<'u>(
        &self,
        user: &'u User,
        cache: &mut BitsCache,
    ) -> Vec<CompiledSelector<'u>> {
        std::iter::once(&user.root)
            .chain(user.selectors.iter())
            .map(|s| {
                let map = &mut cache[usize::from(s.all_commands_base)];
                let bits = match map.get(s.command_rules.as_slice()) {
                    Some(b) => b.clone(),
                    None => {
                        let b = Arc::new(s.command_bits(self.table));
                        map.insert(s.command_rules.clone(), b.clone());
                        b
                    }
                };
                CompiledSelector {
                    selector: Cow::Borrowed(s),
                    bits,
                }
            })
            .collect()
    }

    /// `lookupCommand(argv)` plus the arity check, as `ACL DRYRUN` does them.
    pub fn resolve<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<&'t Command, QueryError> {
        let Some(first) = argv.first() else {
            return Err(QueryError::Empty);
        };
        let name = lossy(first.as_ref());
        // The name as clients call it (after rename-command); the
        // subcommand is then found under the command's own name.
        let base = self
            .table
            .lookup_dispatch(&name)
            .filter(|c| c.parent.is_none())
            .ok_or_else(|| QueryError::UnknownCommand(name.clone()))?;
        let cmd = if argv.len() >= 2 && !base.subcommands.is_empty() {
            let sub = lossy(argv[1].as_ref());
            if sub.contains('|') {
                return Err(QueryError::UnknownCommand(name));
            }
            self.table
                .lookup(&format!("{}|{}", base.name, sub))
                .ok_or(QueryError::UnknownCommand(name))?
        } else {
            base
        };
        let argc = argv.len() as i64;
        if (cmd.arity > 0 && cmd.arity != argc) || argc < -cmd.arity {
            return Err(QueryError::WrongArity(cmd.name.clone()));
        }
        Ok(cmd)
    }

    /// May `user` run `argv` (`["SET", "k", "v"]`) in database 0? With the
    /// reason. Database 0 is where every connection starts and what
    /// `ACL DRYRUN` on a fresh connection answers; see [`Engine::can_in`].
    pub fn can<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        argv: &[A],
    ) -> Result<Decision, QueryError> {
        self.can_in(user, argv, 0)
    }

    /// May `user` run `argv` with `db` as the connection's current database?
    pub fn can_in<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        argv: &[A],
        db: u32,
    ) -> Result<Decision, QueryError> {
        let cmd = self.resolve(argv)?;
        Ok(self.decide_in(user, cmd, argv, db))
    }

    /// May `user` run `argv` in some database? The decision in the first
    /// database that allows it (lowest id), else the one in database 0.
    pub fn can_in_any_db<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        argv: &[A],
    ) -> Result<Decision, QueryError> {
        let cmd = self.resolve(argv)?;
        Ok(self.decide_in_any_db(user, cmd, argv))
    }

    /// [`Engine::can_in_any_db`] for a resolved command.
    pub fn decide_in_any_db<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        cmd: &Command,
        argv: &[A],
    ) -> Decision {
        let first = self.decide_in(user, cmd, argv, 0);
        if first.allowed || self.db_use(cmd.id) == DbUse::None {
            return first;
        }
        for db in self.candidate_dbs(user) {
            let d = self.decide_in(user, cmd, argv, db);
            if d.allowed {
                return d;
            }
        }
        first
    }

    /// One database per class the user's rules tell apart: every id a
    /// selector names and the lowest id none names (all `< databases`).
    fn candidate_dbs(&self, user: &CompiledUser) -> Vec<u32> {
        let mut named: Vec<u32> = user
            .selectors
            .iter()
            .filter_map(|s| s.selector.dbs.as_ref())
            .flatten()
            .copied()
            .filter(|d| *d < self.databases)
            .collect();
        named.sort_unstable();
        named.dedup();
        let unnamed = (0..self.databases).find(|d| named.binary_search(d).is_err());
        named.extend(unnamed);
        named.sort_unstable();
        named
    }

    /// The decision for an already resolved command, in database 0.
    pub fn decide<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        cmd: &Command,
        argv: &[A],
    ) -> Decision {
        self.decide_in(user, cmd, argv, 0)
    }

    /// The decision for an already resolved command in database `db`.
    pub fn decide_in<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        cmd: &Command,
        argv: &[A],
        db: u32,
    ) -> Decision {
        let mut keys: Option<Vec<KeyRef>> = None;
        let mut relevant: Option<Fail> = None;
        let mut last_idx = 0usize;
        let mut local_idx = 0usize;
        let mut cmd_rules = Vec::new();
        let mut db_fail: Option<DbTarget> = None;
        let mut allowed_by: Option<(SelectorIndex, SelectorPass)> = None;
        for (si, s) in user.selectors.iter().enumerate() {
            let r = self.check_selector(s, cmd, argv, db, &mut keys, &mut local_idx);
            match r {
                Ok(pass) => {
                    allowed_by = Some((si, pass));
                    break;
                }
                Err((f, target)) => {
                    if f == Fail::Cmd {
                        cmd_rules.push((si, self.command_rule(&s.selector, &s.bits, cmd).rule));
                    }
                    let newer = match relevant {
                        None => true,
                        Some(r) => f > r || (f == r && local_idx > last_idx),
                    };
                    if newer {
                        relevant = Some(f);
                        last_idx = local_idx;
                        if target.is_some() {
                            db_fail = target;
                        }
                    }
                }
            }
        }
        let db_rules = self.table.has_db_rules();
        let restricted = db_rules && user.selectors.iter().any(|s| s.selector.dbs.is_some());
        let mut d = Decision {
            user: user.user.name.clone(),
            command: cmd.name.clone(),
            fullname: cmd.fullname.clone(),
            allowed: false,
            selector: None,
            grant: None,
            keys: Vec::new(),
            channels: Vec::new(),
            db: db_rules.then_some(db),
            dbs: Vec::new(),
            denial: None,
        };
        match allowed_by {
            Some((si, (rule, kc, ch, dc))) => {
                d.selector = Some(si);
                d.grant = Some(rule);
                d.keys = kc;
                d.channels = ch;
                if restricted {
                    d.dbs = dc;
                }
                d.allowed = true;
                if let Some(option) = self.sort_restriction(user, cmd, argv, db, &mut keys) {
                    d.allowed = false;
                    d.denial = Some(Denial::SortNeedsAllKeys { option });
                }
            }
            None => {
                let arg = |i: usize| argv.get(i).map(|a| lossy(a.as_ref())).unwrap_or_default();
                d.denial = Some(match relevant.unwrap_or(Fail::Cmd) {
                    Fail::Db => Denial::Db {
                        pos: last_idx,
                        object: arg(last_idx),
                        target: db_fail.unwrap_or(DbTarget::Current(db)),
                        rules: user
                            .selectors
                            .iter()
                            .enumerate()
                            .map(|(i, s)| (i, dbs::db_rule(&s.selector.dbs)))
                            .collect(),
                    },
                    Fail::Cmd => Denial::Command { rules: cmd_rules },
                    Fail::Key => {
                        let needs = keys
                            .as_ref()
                            .and_then(|ks| ks.iter().find(|k| k.pos == last_idx))
                            .map(|k| k.flags.needs().label())
                            .unwrap_or("access");
                        d.keys.push(KeyCheck {
                            pos: last_idx,
                            key: arg(last_idx),
                            needs,
                            pattern: None,
                        });
                        Denial::Key {
                            pos: last_idx,
                            key: arg(last_idx),
                        }
                    }
                    Fail::Channel => Denial::Channel {
                        pos: last_idx,
                        channel: arg(last_idx),
                    },
                });
            }
        }
        d
    }

    /// Valkey 9.1's database check of one selector, before its command
    /// check: the named databases in order, then the current one or all.
    fn check_dbs<A: AsRef<[u8]>>(
        &self,
        sel: &Selector,
        cmd: &Command,
        argv: &[A],
        db: u32,
    ) -> Result<Vec<DbCheck>, (usize, DbTarget)> {
        let use_ = self.db_use(cmd.id);
        if use_ == DbUse::None {
            return Ok(Vec::new());
        }
        let rule = dbs::db_rule(&sel.dbs);
        let mut out = Vec::new();
        if matches!(use_, DbUse::Named | DbUse::NamedAndCurrent) {
            for (pos, id) in dbs::named_dbs(cmd, argv, self.databases) {
                if !dbs::grants(&sel.dbs, id) {
                    return Err((pos, DbTarget::Named(id)));
                }
                out.push(DbCheck {
                    pos,
                    target: DbTarget::Named(id),
                    rule: rule.clone(),
                });
            }
        }
        match use_ {
            DbUse::Current | DbUse::NamedAndCurrent => {
                if !dbs::grants(&sel.dbs, db) {
                    return Err((0, DbTarget::Current(db)));
                }
                out.push(DbCheck {
                    pos: 0,
                    target: DbTarget::Current(db),
                    rule,
                });
            }
            DbUse::All => {
                if !dbs::grants_all(&sel.dbs, self.databases) {
                    return Err((0, DbTarget::All));
                }
                out.push(DbCheck {
                    pos: 0,
                    target: DbTarget::All,
                    rule,
                });
            }
            DbUse::None | DbUse::Named => {}
        }
        Ok(out)
    }

    /// `ACLSelectorCheckCmd` (with Valkey 9.1's database check first).
    fn check_selector<A: AsRef<[u8]>>(
        &self,
        s: &CompiledSelector,
        cmd: &Command,
        argv: &[A],
        db: u32,
        keys: &mut Option<Vec<KeyRef>>,
        idx: &mut usize,
    ) -> Result<SelectorPass, (Fail, Option<DbTarget>)> {
        let sel = &s.selector;
        let bits = &s.bits;
        let dc = match self.check_dbs(sel, cmd, argv, db) {
            Ok(dc) => dc,
            Err((pos, target)) => {
                *idx = pos;
                return Err((Fail::Db, Some(target)));
            }
        };
        let rule = if bits.all_commands_flag || cmd.is_no_auth() || bits.bit(cmd.id) {
            None
        } else {
            let fa = bits.first_args(cmd.id);
            if argv.len() < 2 || fa.is_empty() {
                return Err((Fail::Cmd, None));
            }
            let i = if cmd.parent.is_some() { 2 } else { 1 };
            let a = argv.get(i).map(|a| a.as_ref()).unwrap_or(b"");
            match fa.iter().find(|x| x.as_bytes().eq_ignore_ascii_case(a)) {
                Some(x) => Some(CommandRule {
                    rule: format!("+{}|{}", cmd.name, x),
                    kind: GrantKind::FirstArg,
                }),
                None => return Err((Fail::Cmd, None)),
            }
        };
        let ck = &self.model.cmds[cmd.id];
        let mut kc = Vec::new();
        if !sel.all_keys && ck.has_keys() {
            let ks = keys.get_or_insert_with(|| ck.keys(argv));
            for k in ks.iter() {
                let key = argv[k.pos].as_ref();
                match key_match(sel, key, k.flags) {
                    Some(p) => kc.push(KeyCheck {
                        pos: k.pos,
                        key: lossy(key),
                        needs: k.flags.needs().label(),
                        pattern: Some(key_op(p)),
                    }),
                    None => {
                        *idx = k.pos;
                        return Err((Fail::Key, None));
                    }
                }
            }
        }
        let mut ch = Vec::new();
        if let Some(spec) = &ck.channels {
            if !sel.all_channels && (spec.publish || spec.subscribe) {
                for pos in ck.channel_positions(argv.len()) {
                    let c = argv[pos].as_ref();
                    let found = sel.channels.iter().find(|p| {
                        if spec.pattern {
                            p.as_bytes() == c
                        } else {
                            stringmatch(p.as_bytes(), c, false)
                        }
                    });
                    match found {
                        Some(p) => ch.push((lossy(c), format!("&{p}"))),
                        None => {
                            *idx = pos;
                            return Err((Fail::Channel, None));
                        }
                    }
                }
            }
        }
        let rule = rule.unwrap_or_else(|| {
            if cmd.is_no_auth() && !bits.all_commands_flag && !bits.bit(cmd.id) {
                CommandRule {
                    rule: "no-auth command (cannot be denied)".into(),
                    kind: GrantKind::NoAuth,
                }
            } else {
                self.command_rule(sel, bits, cmd)
            }
        });
        if sel.all_keys && ck.has_keys() {
            for k in keys.get_or_insert_with(|| ck.keys(argv)).iter() {
                kc.push(KeyCheck {
                    pos: k.pos,
                    key: lossy(argv[k.pos].as_ref()),
                    needs: k.flags.needs().label(),
                    pattern: Some("allkeys".into()),
                });
            }
        }
        Ok((rule, kc, ch, dc))
    }

    /// The rule that decided the bit of `cmd` in a selector: the last
    /// retained rule touching it, else the `+@all`/`-@all` base.
    pub fn command_rule(&self, sel: &Selector, bits: &CommandBits, cmd: &Command) -> CommandRule {
        for r in sel.command_rules.iter().rev() {
            let (allow, body) = match r.as_bytes().first() {
                Some(b'+') => (true, &r[1..]),
                Some(b'-') => (false, &r[1..]),
                _ => continue,
            };
            if let Some(cat) = body.strip_prefix('@') {
                let parent_in = cmd
                    .parent
                    .and_then(|p| self.table.get(p))
                    .is_some_and(|p| p.in_category(cat));
                if cmd.in_category(cat) || parent_in {
                    return CommandRule {
                        rule: r.clone(),
                        kind: GrantKind::Category,
                    };
                }
                continue;
            }
            match resolve_command_rule(self.table, allow, body) {
                Ok(Resolved::Command(id)) if id == cmd.id || Some(id) == cmd.parent => {
                    return CommandRule {
                        rule: r.clone(),
                        kind: GrantKind::Explicit,
                    };
                }
                _ => {}
            }
        }
        let _ = bits;
        CommandRule {
            rule: if sel.all_commands_base {
                "+@all".into()
            } else {
                "-@all".into()
            },
            kind: GrantKind::All,
        }
    }

    /// SORT / SORT_RO: BY with a `*` pattern, or GET, need a selector that
    /// passes and has unrestricted read access (`sortCommandGeneric`).
    fn sort_restriction<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        cmd: &Command,
        argv: &[A],
        db: u32,
        keys: &mut Option<Vec<KeyRef>>,
    ) -> Option<String> {
        // The check came with read/write key permissions (Redis 7.0).
        if !self.table.grammar().key_permissions {
            return None;
        }
        let readonly = match cmd.name.as_str() {
            "sort" => false,
            "sort_ro" => true,
            _ => return None,
        };
        let option = sort_option_needing_all_keys(argv, readonly)?;
        let unrestricted = user.selectors.iter().any(|s| {
            let mut idx = 0;
            self.check_selector(s, cmd, argv, db, keys, &mut idx)
                .is_ok()
                && (s.selector.all_keys
                    || s.selector.keys.iter().any(|k| k.read && k.pattern == "*"))
        });
        (!unrestricted).then_some(option)
    }

    /// Whether the command has key arguments (`doesCommandHaveKeys`).
    pub fn command_has_keys(&self, id: CommandId) -> bool {
        self.model.cmds.get(id).is_some_and(|c| c.has_keys())
    }

    /// Whether the command's channel arguments are checked (PUBLISH,
    /// SPUBLISH, SUBSCRIBE, SSUBSCRIBE, PSUBSCRIBE).
    pub fn command_uses_channels(&self, id: CommandId) -> bool {
        self.model
            .cmds
            .get(id)
            .and_then(|c| c.channels.as_ref())
            .is_some_and(|c| c.publish || c.subscribe)
    }

    /// Whether any selector of `user` allows the command by the command
    /// check alone (bits, NO_AUTH, ALLCOMMANDS; not first args, keys or channels).
    pub fn allows_command(&self, user: &CompiledUser, id: CommandId) -> bool {
        match self.table.get(id) {
            Some(cmd) => user.selectors.iter().any(|s| s.bits.allows(cmd)),
            None => false,
        }
    }
}

/// The first pattern of `sel` granting `flags`' access to `key`.
fn key_match<'s>(sel: &'s Selector, key: &[u8], flags: KeyFlags) -> Option<&'s KeyPattern> {
    let need: Access = flags.needs();
    sel.keys.iter().find(|p| {
        (!need.read || p.read)
            && (!need.write || p.write)
            && stringmatch(p.pattern.as_bytes(), key, false)
    })
}

/// Which option of a SORT command line is checked against unrestricted key
/// access before any syntax error stops the parse: `BY` (with `*`) or `GET`.
fn sort_option_needing_all_keys<A: AsRef<[u8]>>(argv: &[A], readonly: bool) -> Option<String> {
    let arg = |i: usize| argv.get(i).map(|a| a.as_ref()).unwrap_or(b"");
    let is = |i: usize, w: &str| arg(i).eq_ignore_ascii_case(w.as_bytes());
    let argc = argv.len();
    let mut j = 2;
    while j < argc {
        let left = argc - j - 1;
        if is(j, "asc") || is(j, "desc") || is(j, "alpha") {
        } else if is(j, "limit") && left >= 2 {
            let ok = |i: usize| crate::keys::string2ll(arg(i)).is_some();
            if !ok(j + 1) || !ok(j + 2) {
                return None;
            }
            j += 2;
        } else if !readonly && is(j, "store") && left >= 1 {
            j += 1;
        } else if is(j, "by") && left >= 1 {
            if arg(j + 1).contains(&b'*') {
                return Some("BY".into());
            }
            j += 1;
        } else if is(j, "get") && left >= 1 {
            return Some("GET".into());
        } else {
            return None;
        }
        j += 1;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn user(rules: &[&str]) -> User {
        let mut u = User::new("u");
        u.apply_tokens(rules).unwrap_or_else(|e| panic!("{e}"));
        u
    }

    fn can(rules: &[&str], argv: &[&str]) -> Decision {
        let e = Engine::new(CommandTable::redis_7_0());
        let u = e.compile(&user(rules));
        e.can(&u, argv).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn commands_keys_channels() {
        let d = can(&["%R~a*", "+get", "+set"], &["GET", "a1"]);
        assert!(d.allowed, "{}", d.reason());
        assert_eq!(d.grant.as_ref().map(|g| g.rule.as_str()), Some("+get"));
        assert_eq!(d.keys[0].pattern.as_deref(), Some("%R~a*"));
        let d = can(&["%R~a*", "+get", "+set"], &["SET", "a1", "v"]);
        assert!(!d.allowed);
        assert_eq!(
            d.dryrun_7_0(),
            "This user has no permissions to access the 'a1' key"
        );
        let d = can(&["~*", "+@read", "-@dangerous"], &["KEYS", "*"]);
        assert!(!d.allowed);
        assert!(d.reason().contains("-@dangerous"), "{}", d.reason());
        let d = can(&["-@all"], &["AUTH", "x"]);
        assert!(d.allowed);
        let d = can(&["&ch*", "+psubscribe"], &["PSUBSCRIBE", "ch1*"]);
        assert!(!d.allowed, "patterns compare literally");
        let d = can(&["&ch*", "+psubscribe"], &["PSUBSCRIBE", "ch*"]);
        assert!(d.allowed);
        let d = can(&["~x", "+select|0"], &["SELECT", "0"]);
        assert!(d.allowed);
        assert_eq!(d.grant.map(|g| g.kind), Some(GrantKind::FirstArg));
        // Every key must match the same selector.
        let d = can(&["~a", "+mget", "(~b +mget)"], &["MGET", "a", "b"]);
        assert!(!d.allowed);
        let d = can(&["~a", "+mget", "(~b +mget)"], &["MGET", "b"]);
        assert_eq!(d.selector, Some(1));
    }

    #[test]
    fn sort_by_needs_unrestricted_read() {
        assert!(!can(&["%W~*", "%R~a", "+sort"], &["SORT", "a", "BY", "x*"]).allowed);
        assert!(can(&["%W~*", "%R~a", "+sort"], &["SORT", "a", "BY", "x"]).allowed);
        assert!(can(&["%R~*", "+sort"], &["SORT", "a", "GET", "#"]).allowed);
        assert!(
            can(
                &["~a", "(allkeys +sort)", "+sort"],
                &["SORT", "a", "GET", "#"]
            )
            .allowed
        );
    }

    fn vcan(rules: &[&str], db: u32, argv: &[&str]) -> Decision {
        let t = CommandTable::valkey_9_1();
        let e = Engine::new(t);
        let mut u = User::new("u");
        u.apply_tokens_with(t, rules)
            .unwrap_or_else(|e| panic!("{e}"));
        e.can_in(&e.compile(&u), argv, db)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn valkey_database_rules() {
        let all = ["on", "+@all", "~*", "&*"];
        let with = |extra: &[&'static str]| -> Vec<&'static str> {
            all.iter().chain(extra.iter()).copied().collect()
        };
        // The current database: keyed, read/write and @keyspace commands.
        let d = vcan(&with(&["db=0"]), 3, &["SET", "k", "v"]);
        assert!(!d.allowed);
        assert_eq!(
            d.dryrun(),
            "User u has no permissions to access database SET"
        );
        assert!(d.reason().contains("db=0"), "{}", d.reason());
        let d = vcan(&with(&["db=0,3"]), 3, &["SET", "k", "v"]);
        assert!(d.allowed);
        assert!(d.reason().contains("by db=0,3"), "{}", d.reason());
        assert!(vcan(&with(&["db=0"]), 3, &["PING"]).allowed);
        assert!(vcan(&with(&["resetdbs"]), 0, &["PUBLISH", "c", "m"]).allowed);
        assert!(!vcan(&with(&["db=0"]), 3, &["DBSIZE"]).allowed);
        assert!(!vcan(&with(&["db=0"]), 3, &["OBJECT", "HELP"]).allowed);
        // Named databases first, then the current one.
        let d = vcan(&with(&["db=1"]), 0, &["MOVE", "k", "2"]);
        assert_eq!(d.dryrun(), "User u has no permissions to access database 2");
        let d = vcan(&with(&["db=1"]), 0, &["MOVE", "k", "1"]);
        assert_eq!(
            d.dryrun(),
            "User u has no permissions to access database MOVE"
        );
        assert!(vcan(&with(&["db=1"]), 0, &["SELECT", "1"]).allowed);
        assert!(!vcan(&with(&["db=1"]), 1, &["SELECT", "2"]).allowed);
        // Not integers as Valkey reads them, or out of range: not checked.
        for a in ["02", "+2", "x", "16", "-1"] {
            assert!(vcan(&with(&["db=1"]), 1, &["SELECT", a]).allowed, "{a}");
        }
        assert!(vcan(&with(&["db=1"]), 1, &["SWAPDB", "2", "x"]).allowed);
        assert!(!vcan(&with(&["db=1,2"]), 1, &["SWAPDB", "2", "3"]).allowed);
        assert!(
            !vcan(
                &with(&["db=1"]),
                1,
                &["COPY", "a", "b", "DB", "1", "DB", "2"]
            )
            .allowed
        );
        assert!(vcan(&with(&["db=1"]), 1, &["COPY", "a", "b", "DB", "2", "bogus"]).allowed);
        // FLUSHALL needs every database.
        assert!(!vcan(&with(&["db=0,1"]), 0, &["FLUSHALL"]).allowed);
        let every: String = format!(
            "db={}",
            (0..16).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
        );
        let t = CommandTable::valkey_9_1();
        let e = Engine::new(t);
        let mut u = User::new("u");
        u.apply_tokens_with(t, &["on", "+@all", every.as_str()])
            .unwrap_or_else(|e| panic!("{e}"));
        let cu = e.compile(&u);
        assert!(e.can_in(&cu, &["FLUSHALL"], 0).unwrap().allowed);
        let e17 = Engine::new(t).with_databases(17);
        assert!(!e17.can_in(&cu, &["FLUSHALL"], 0).unwrap().allowed);
        // A database denial ranks below the others.
        let d = vcan(&with(&["db=1", "(+get ~x)"]), 0, &["GET", "y"]);
        assert_eq!(
            d.dryrun(),
            "User u has no permissions to access the 'y' key"
        );
        let d = vcan(&["on", "-@all", "(+@all ~* db=1)"], 0, &["GET", "k"]);
        assert_eq!(
            d.dryrun(),
            "User u has no permissions to run the 'get' command"
        );
        // The database check comes first in a selector.
        let d = vcan(&["on", "+get", "~x", "db=0"], 1, &["SET", "y", "v"]);
        assert_eq!(
            d.dryrun(),
            "User u has no permissions to access database SET"
        );
        // Between database denials, the larger argument index.
        let d = vcan(&with(&["db=2", "(+@all ~* db=0)"]), 0, &["MOVE", "y", "2"]);
        assert_eq!(d.dryrun(), "User u has no permissions to access database 2");
        // Some database: the first one that allows it.
        let t = CommandTable::valkey_9_1();
        let e = Engine::new(t);
        let mut u = User::new("u");
        u.apply_tokens_with(t, &with(&["db=5"]))
            .unwrap_or_else(|e| panic!("{e}"));
        let cu = e.compile(&u);
        assert!(!e.can(&cu, &["FLUSHDB"]).unwrap().allowed);
        let d = e.can_in_any_db(&cu, &["FLUSHDB"]).unwrap();
        assert!(d.allowed);
        assert_eq!(d.db, Some(5));
        assert!(!e.can_in_any_db(&cu, &["FLUSHALL"]).unwrap().allowed);
    }

    #[test]
    fn redis_tables_ignore_the_database() {
        let d = can(&["~*", "+@all"], &["FLUSHALL"]);
        assert!(d.allowed);
        assert_eq!(d.db, None);
        let e = Engine::new(CommandTable::redis_7_0());
        let u = e.compile(&User::default_user());
        assert!(e.can_in(&u, &["SET", "k", "v"], 7).unwrap().allowed);
    }

    #[test]
    fn query_errors() {
        let e = Engine::new(CommandTable::redis_7_0());
        let u = e.compile(&User::default_user());
        assert_eq!(
            e.can(&u, &["nosuch"]).unwrap_err().to_string(),
            "Command 'nosuch' not found"
        );
        assert_eq!(
            e.can(&u, &["config", "nosuch"]).unwrap_err().to_string(),
            "Command 'config' not found"
        );
        assert_eq!(
            e.can(&u, &["get"]).unwrap_err().to_string(),
            "wrong number of arguments for 'get' command"
        );
        assert_eq!(
            e.can(&u, &["config"]).unwrap_err().to_string(),
            "wrong number of arguments for 'config' command"
        );
    }
}
