//! Redis ACL rules.
//!
//! * [`parse_rule`] / [`parse_rules`]: one token of the Redis 7 ACL grammar
//!   (`on`, `>pw`, `%R~k*`, `+@read`, `(…)` selectors, …) → [`Rule`].
//! * [`AclFile::parse`]: the external ACL file (`aclfile`), with Redis's own
//!   split-on-space tokenizer and its errors, reported per line while the
//!   other users are still read. [`UserDef::from_config_args`]: a redis.conf
//!   `user` directive.
//! * [`User`]: the state Redis builds by applying rules left to right
//!   (`ACLSetUser`), rendered as `ACL LIST` would show it.
//! * [`CommandTable`]: the command table and ACL grammar of every Redis
//!   and Valkey line of `redis-dialects` (Redis 6.2 to 8.2, Valkey 7.2 to
//!   9.1; each generated from that server: `commands.json`, `acl.json`).
//!   [`CommandTable::builtin`] picks one by product and version
//!   (`redis_dialects::choose`, with a note when the line is not exact),
//!   [`CommandTable::by_name`] by dialect name. [`AclGrammar`] is what that
//!   line's `ACL SETUSER` takes: no selectors, `%R~`/`%W~` or
//!   `clearselectors` before 7.0 (syntax errors there, and here with that
//!   table); Valkey 9.1's database rules (`alldbs`, `resetdbs`,
//!   `db=N[,M]`, [`Selector::dbs`]), which the [`Engine`] enforces like
//!   Valkey 9.1 ([`dbs`]: a query is decided in a database, 0 unless given:
//!   [`Engine::can_in`]). [`CommandBits`]: the per-selector command bitmap
//!   `ACLSetSelector` maintains. Use [`User::new_in`] for a user as that
//!   line creates it (6.2: every channel). [`CommandTable::with_renames`]
//!   applies a config's `rename-command` lines to a table.
//! * [`Engine`]: effective permissions. `can(user, argv)` decides a command
//!   line the way `ACL DRYRUN` does (selectors, key specs, channels, first
//!   args), with the rule that granted or the key/channel that failed;
//!   [`review::review_user`] summarises a user for least-privilege review.
//!
//! Knows nothing about security checks. Passwords are [`Secret`]s.
//!
//! # Fidelity
//! `tests/dialect_dryrun.rs` compares the engine on each line's shipped
//! table with that line's server (`ACL DRYRUN`, or on 6.2 the NOPERM of
//! commands queued in `MULTI`), `tests/dialect_grammar.rs` the grammar with
//! what each server answered when its data was generated. The older oracle
//! of the finer tests below is Debian's redis-server 7.0.15 (which carries the
//! CVE-2024-31227 / CVE-2024-51741 fixes: `%~pat` and `%` are syntax
//! errors). Differential tests compare accept/reject, error wording,
//! flags, password hashes, keys, channels, selectors and the command bitmap
//! (via `ACL GETUSER` and `ACL DRYRUN`). Known, deliberate differences:
//! * Rule order is kept the 7.2 way ([`Selector::command_rules`]); 7.0's
//!   `ACL LIST` prints a recomputed approximation with the same bitmap.
//! * A `+@all … -x … +x` user keeps the `ALLCOMMANDS` flag here (7.2 replay
//!   semantics); 7.0 clears it. Only module commands could tell.
//! * `acl-pubsub-default` is taken as the line's default (`resetchannels`
//!   from 7.0, `allchannels` in 6.2: [`AclGrammar::new_user_all_channels`]),
//!   not as a config may set it.
//! * Valkey 9.1 does not print `sanitize-payload`; an explicit
//!   `sanitize-payload` rule still shows here.
//! * Error messages echo `>pw`/`<pw`/`#…`/`!…` ops as `>***` (Redis echoes them).
//! * Tokens are `&str`: `\xHH` escapes inside selectors that are not UTF-8
//!   are replaced (Redis keeps the bytes).
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub use redis_conf::{Secret, Span};

mod aclfile;
mod bits;
pub mod dbs;
pub mod diff;
pub mod engine;
pub mod glob;
mod grammar;
pub mod keys;
pub mod migrate;
pub mod query;
pub mod review;
mod table;
mod user;

pub use bits::CommandBits;
pub use engine::{
    CompiledUser, DbCheck, DbTarget, Decision, Denial, Engine, GrantKind, QueryError,
};
pub use grammar::{merge_selector_args, redact_op, sdssplitargs, RuleErrorKind};
pub use table::{
    AclGrammar, BuiltinChoice, Command, CommandData, CommandId, CommandTable, CommandTableData,
    TableError,
};
pub use user::hash_password;

/// One ACL rule token, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    On,
    Off,
    NoPass,
    ResetPass,
    /// `>password`
    AddPassword(Secret),
    /// `#<64 lowercase hex>`
    AddHash(String),
    /// `<password`
    RemovePassword(Secret),
    /// `!<64 lowercase hex>`
    RemoveHash(String),
    /// `~pat` (read+write), `%R~pat`, `%W~pat`, `%RW~pat`
    KeyPattern {
        pattern: String,
        read: bool,
        write: bool,
    },
    /// `allkeys` or `~*`
    AllKeys,
    ResetKeys,
    /// `&pat`
    Channel(String),
    /// `allchannels` or `&*`
    AllChannels,
    ResetChannels,
    /// `+@all` / `allcommands`
    AllCommands,
    /// `-@all` / `nocommands`
    NoCommands,
    /// `+cmd`, `+cmd|sub`, `+cmd|firstarg` (lower-cased)
    AllowCommand(String),
    /// `-cmd`, `-cmd|sub`
    DenyCommand(String),
    /// `+@category`
    AllowCategory(String),
    /// `-@category`
    DenyCategory(String),
    /// `(rules...)`
    Selector(Vec<Rule>),
    ClearSelectors,
    /// `alldbs` (Valkey 9.1+): every database.
    AllDbs,
    /// `resetdbs` (Valkey 9.1+): no database.
    ResetDbs,
    /// `db=N[,M…]` (Valkey 9.1+): exactly these databases (sorted, no duplicates).
    Dbs(Vec<u32>),
    Reset,
    SanitizePayload,
    SkipSanitizePayload,
}

/// Why a rule (or a user line) was rejected, with Redis's own wording where
/// it has one (`Error in ACL SETUSER modifier '...': Syntax error`).
/// Never contains a password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    pub message: String,
}

/// Parse one rule token.
///
/// Syntax only: command and category names are checked by [`User::apply`]
/// against the command table, as are the errors that depend on the user's
/// state (pattern after `allkeys`, removing a missing password). An empty
/// token is an error here; [`parse_rules`] skips empty tokens as Redis does.
pub fn parse_rule(token: &str) -> Result<Rule, RuleError> {
    grammar::parse_rule_impl(token)
}

/// Parse a sequence of rule tokens (selectors may span several tokens,
/// as `ACLMergeSelectorArguments` allows).
pub fn parse_rules<S: AsRef<str>>(tokens: &[S]) -> Result<Vec<Rule>, RuleError> {
    let merged = merge_selector_args(tokens).map_err(|i| {
        let t = tokens.get(i).map(|t| t.as_ref()).unwrap_or("");
        RuleError::new(t, RuleErrorKind::UnmatchedParenthesis)
    })?;
    merged
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| parse_rule(t))
        .collect()
}

/// One `user` definition from an ACL file or a redis.conf `user` line.
#[derive(Clone, Debug)]
pub struct UserDef {
    pub name: String,
    pub rules: Vec<Rule>,
    pub span: Span,
}

/// A problem on one line of an ACL file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclProblem {
    pub span: Span,
    pub message: String,
}

/// An external ACL file, parsed.
#[derive(Clone, Debug, Default)]
pub struct AclFile {
    pub users: Vec<UserDef>,
    pub problems: Vec<AclProblem>,
    /// Per entry of `users` (same index), the user its line makes, as
    /// `ACLLoadFromFile` builds it (a new user of the table's line, then
    /// the ops that apply): built while parsing, so a caller need not
    /// apply the rules again ([`UserDef::to_user_with`] gives the same).
    pub built: Vec<User>,
}

impl AclFile {
    /// Parse the text of an ACL file named `path` (used for spans).
    ///
    /// Lines are split on single spaces (no quoting); blank lines are
    /// skipped; every other line must start with `user` (case-sensitive; no
    /// `#` comments in 7.0). Problems carry Redis's wording (without the
    /// `file:line:` prefix, which is the span); a user with bad rules is
    /// still listed, with the rules that were valid. Rules are checked
    /// against the Redis 7.0 command table.
    pub fn parse(path: &std::path::Path, text: &str) -> AclFile {
        aclfile::parse(path, text, CommandTable::redis_7_0(), true)
    }
}

/// Key permission of one pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: String,
    pub read: bool,
    pub write: bool,
}

/// The command/key/channel part of a user (the root selector, or a `(…)` selector).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Selector {
    pub all_keys: bool,
    pub keys: Vec<KeyPattern>,
    pub all_channels: bool,
    pub channels: Vec<String>,
    /// `+@all` was the last reset (the "future commands" bit is set).
    pub all_commands_base: bool,
    /// The retained command rules after the `+@all`/`-@all` base, in order,
    /// as Redis 7.2 keeps them (`+get`, `-@dangerous`, ...).
    pub command_rules: Vec<String>,
    /// Valkey 9.1+ database selector: `None` is every database (`alldbs`,
    /// the default), `Some(ids)` exactly these (`resetdbs` is `Some([])`).
    pub dbs: Option<Vec<u32>>,
    /// Where each key and channel pattern is, so that adding one is not a
    /// scan of the others (40k patterns on one user stay linear).
    pub(crate) index: PatternIndex,
}

/// A cache of [`Selector::keys`] and [`Selector::channels`] by pattern:
/// never part of equality or `Debug`, rebuilt when it is out of step
/// (patterns are unique, so the lengths tell).
#[derive(Clone, Default)]
pub(crate) struct PatternIndex {
    pub(crate) keys: std::collections::HashMap<String, usize>,
    pub(crate) channels: std::collections::HashSet<String>,
}

impl PartialEq for PatternIndex {
    fn eq(&self, _: &PatternIndex) -> bool {
        true
    }
}
impl Eq for PatternIndex {}
impl std::fmt::Debug for PatternIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatternIndex")
    }
}

/// Whether a stored password is known in clear or only by hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Password {
    /// SHA-256 hex of the password, as Redis stores it.
    pub hash: String,
    /// The plaintext, when the rule gave it as `>pw` (for strength checks).
    pub plaintext: Option<Secret>,
}

/// A user as Redis holds it after applying rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub enabled: bool,
    pub nopass: bool,
    pub passwords: Vec<Password>,
    pub sanitize_payload: Option<bool>,
    pub root: Selector,
    pub selectors: Vec<Selector>,
}

impl User {
    /// A user created by `ACL SETUSER name` (off, no passwords, `-@all`,
    /// no keys, channels per `acl-pubsub-default` = resetchannels in 7.0+).
    pub fn new(name: &str) -> User {
        User::new_impl(name)
    }
    /// The built-in default user: `on nopass ~* &* +@all`.
    pub fn default_user() -> User {
        User::default_impl()
    }
    /// Apply rules left to right; atomic like `ACL SETUSER` (on error the user is unchanged).
    ///
    /// Command and category names are checked against the Redis 7.0 table
    /// ([`CommandTable::redis_7_0`]); see [`User::apply_with`] for another.
    pub fn apply(&mut self, rules: &[Rule]) -> Result<(), RuleError> {
        self.apply_with(CommandTable::redis_7_0(), rules)
    }
    /// Holds every command (root selector `+@all` with no later `-` rule).
    pub fn has_all_commands(&self) -> bool {
        self.root.all_commands_base && self.root.command_rules.iter().all(|r| r.starts_with('+'))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
