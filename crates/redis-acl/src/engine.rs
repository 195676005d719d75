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
//! Beyond DRYRUN, SORT/SORT_RO with `BY <pattern with *>` or `GET` need a
//! selector that passes and has unrestricted read access (`allkeys` or a
//! `*` pattern with R), checked by the command itself at run time.

use std::collections::HashMap;
use std::sync::Arc;

use crate::bits::{resolve_command_rule, CommandBits, Resolved};
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

/// Why a query was denied.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Denial {
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
    pub allowed: bool,
    /// The selector that allowed it.
    pub selector: Option<SelectorIndex>,
    /// The command rule that allowed it in that selector.
    pub grant: Option<CommandRule>,
    /// The keys and the patterns that let them through.
    pub keys: Vec<KeyCheck>,
    pub channels: Vec<(String, String)>,
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
            return s;
        }
        match &self.denial {
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
            Some(Denial::Command { .. }) => format!(
                "This user has no permissions to run the '{}' command",
                self.command
            ),
            Some(Denial::Key { key, .. }) => {
                format!("This user has no permissions to access the '{key}' key")
            }
            Some(Denial::Channel { channel, .. }) => {
                format!("This user has no permissions to access the '{channel}' channel")
            }
        }
    }
}

/// One selector, compiled against a table.
#[derive(Clone, Debug)]
pub struct CompiledSelector {
    pub selector: Selector,
    pub bits: Arc<CommandBits>,
}

/// A user with its command bitmaps computed (root first).
#[derive(Clone, Debug)]
pub struct CompiledUser {
    pub user: User,
    pub selectors: Vec<CompiledSelector>,
}

/// The engine for one command table.
#[derive(Clone, Debug)]
pub struct Engine<'t> {
    table: &'t CommandTable,
    model: KeyModel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fail {
    Cmd = 1,
    Key = 2,
    Channel = 4,
}

/// Bitmaps by (base, retained rules): `[-@all base, +@all base]`.
type BitsCache = [HashMap<Vec<String>, Arc<CommandBits>>; 2];

/// What a passing selector used: the command rule, keys, channels.
type SelectorPass = (CommandRule, Vec<KeyCheck>, Vec<(String, String)>);

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
        Engine {
            table,
            model: KeyModel::new(table),
        }
    }

    pub fn table(&self) -> &'t CommandTable {
        self.table
    }

    /// Compute the command bitmaps of every selector of `user`.
    pub fn compile(&self, user: &User) -> CompiledUser {
        let mut cache = BitsCache::default();
        self.compile_cached(user, &mut cache)
    }

    /// Compile many users, sharing bitmaps between selectors with the same
    /// command rules (typical of generated ACLs).
    pub fn compile_all<'u, I: IntoIterator<Item = &'u User>>(&self, users: I) -> Vec<CompiledUser> {
        let mut cache = BitsCache::default();
        users
            .into_iter()
            .map(|u| self.compile_cached(u, &mut cache))
            .collect()
    }

    fn compile_cached(&self, user: &User, cache: &mut BitsCache) -> CompiledUser {
        let selectors = std::iter::once(&user.root)
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
                    selector: s.clone(),
                    bits,
                }
            })
            .collect();
        CompiledUser {
            user: user.clone(),
            selectors,
        }
    }

    /// `lookupCommand(argv)` plus the arity check, as `ACL DRYRUN` does them.
    pub fn resolve<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<&'t Command, QueryError> {
        let Some(first) = argv.first() else {
            return Err(QueryError::Empty);
        };
        let name = lossy(first.as_ref());
        let base = self
            .table
            .lookup(&name)
            .filter(|c| c.parent.is_none() && !name.contains('|'))
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

    /// May `user` run `argv` (`["SET", "k", "v"]`)? With the reason.
    pub fn can<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        argv: &[A],
    ) -> Result<Decision, QueryError> {
        let cmd = self.resolve(argv)?;
        Ok(self.decide(user, cmd, argv))
    }

    /// The decision for an already resolved command.
    pub fn decide<A: AsRef<[u8]>>(
        &self,
        user: &CompiledUser,
        cmd: &Command,
        argv: &[A],
    ) -> Decision {
        let mut keys: Option<Vec<KeyRef>> = None;
        let mut relevant = Fail::Cmd;
        let mut last_idx = 0usize;
        let mut local_idx = 0usize;
        let mut cmd_rules = Vec::new();
        let mut allowed_by: Option<(SelectorIndex, SelectorPass)> = None;
        for (si, s) in user.selectors.iter().enumerate() {
            let r = self.check_selector(s, cmd, argv, &mut keys, &mut local_idx);
            match r {
                Ok(pass) => {
                    allowed_by = Some((si, pass));
                    break;
                }
                Err(f) => {
                    if f == Fail::Cmd {
                        cmd_rules.push((si, self.command_rule(&s.selector, &s.bits, cmd).rule));
                    }
                    if f > relevant || (f == relevant && local_idx > last_idx) {
                        relevant = f;
                        last_idx = local_idx;
                    }
                }
            }
        }
        let mut d = Decision {
            user: user.user.name.clone(),
            command: cmd.name.clone(),
            allowed: false,
            selector: None,
            grant: None,
            keys: Vec::new(),
            channels: Vec::new(),
            denial: None,
        };
        match allowed_by {
            Some((si, (rule, kc, ch))) => {
                d.selector = Some(si);
                d.grant = Some(rule);
                d.keys = kc;
                d.channels = ch;
                d.allowed = true;
                if let Some(option) = self.sort_restriction(user, cmd, argv, &mut keys) {
                    d.allowed = false;
                    d.denial = Some(Denial::SortNeedsAllKeys { option });
                }
            }
            None => {
                let arg = |i: usize| argv.get(i).map(|a| lossy(a.as_ref())).unwrap_or_default();
                d.denial = Some(match relevant {
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

    /// `ACLSelectorCheckCmd`.
    fn check_selector<A: AsRef<[u8]>>(
        &self,
        s: &CompiledSelector,
        cmd: &Command,
        argv: &[A],
        keys: &mut Option<Vec<KeyRef>>,
        idx: &mut usize,
    ) -> Result<SelectorPass, Fail> {
        let sel = &s.selector;
        let bits = &s.bits;
        let rule = if bits.all_commands_flag || cmd.is_no_auth() || bits.bit(cmd.id) {
            None
        } else {
            let fa = bits.first_args(cmd.id);
            if argv.len() < 2 || fa.is_empty() {
                return Err(Fail::Cmd);
            }
            let i = if cmd.parent.is_some() { 2 } else { 1 };
            let a = argv.get(i).map(|a| a.as_ref()).unwrap_or(b"");
            match fa.iter().find(|x| x.as_bytes().eq_ignore_ascii_case(a)) {
                Some(x) => Some(CommandRule {
                    rule: format!("+{}|{}", cmd.name, x),
                    kind: GrantKind::FirstArg,
                }),
                None => return Err(Fail::Cmd),
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
                        return Err(Fail::Key);
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
                            return Err(Fail::Channel);
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
        Ok((rule, kc, ch))
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
        keys: &mut Option<Vec<KeyRef>>,
    ) -> Option<String> {
        let readonly = match cmd.name.as_str() {
            "sort" => false,
            "sort_ro" => true,
            _ => return None,
        };
        let option = sort_option_needing_all_keys(argv, readonly)?;
        let unrestricted = user.selectors.iter().any(|s| {
            let mut idx = 0;
            self.check_selector(s, cmd, argv, keys, &mut idx).is_ok()
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
