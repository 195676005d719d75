//! Shared helpers for the account checks.

use crate::model::{Evidence, Source};
use crate::snapshot::{AclFacts, AclOrigin, Snapshot, UserEntry};
use redis_acl::engine::CompiledSelector;
use redis_acl::{Command, CommandTable, Engine, Selector, User};
use std::collections::HashMap;
use std::sync::Arc;

/// `on, 2 passwords, ~* &* +@all` — never a password.
pub(crate) fn describe(u: &User) -> String {
    let mut s = String::new();
    describe_into(&mut s, u);
    s
}

/// [`describe`] appended to `s` (written in place: one string a user
/// and check, not one a part, with 100k users).
pub(crate) fn describe_into(s: &mut String, u: &User) {
    use std::fmt::Write as _;
    s.push_str(if u.enabled { "on, " } else { "off, " });
    if u.nopass {
        s.push_str("nopass");
    } else {
        match u.passwords.len() {
            0 => s.push_str("no password"),
            1 => s.push_str("1 password"),
            n => {
                let _ = write!(s, "{n} passwords");
            }
        }
    }
    s.push_str(", ");
    describe_selector_into(s, &u.root);
    if !u.selectors.is_empty() {
        let _ = write!(s, ", {} selector(s)", u.selectors.len());
    }
}

/// `~app:* &* -@all +@read`: a selector's keys (the first four), `&*`
/// when it holds every channel, and its commands (the first six rules).
fn describe_selector_into(s: &mut String, sel: &Selector) {
    use std::fmt::Write as _;
    if sel.all_keys {
        s.push_str("~*");
    } else if sel.keys.is_empty() {
        s.push_str("no keys");
    } else {
        for (i, k) in sel.keys.iter().take(4).enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(match (k.read, k.write) {
                (true, true) => "",
                (true, false) => "%R",
                (false, true) => "%W",
                (false, false) => "%",
            });
            s.push('~');
            s.push_str(&k.pattern);
        }
        if sel.keys.len() > 4 {
            let _ = write!(s, " (+{} more)", sel.keys.len() - 4);
        }
    }
    if sel.all_channels {
        s.push_str(" &*");
    }
    s.push_str(if sel.all_commands_base {
        " +@all"
    } else {
        " -@all"
    });
    for r in sel.command_rules.iter().take(6) {
        s.push(' ');
        s.push_str(r);
    }
    if sel.command_rules.len() > 6 {
        let _ = write!(s, " (+{} more)", sel.command_rules.len() - 6);
    }
}

/// Where a user is defined, for evidence.
pub(crate) fn user_evidence(
    s: &Snapshot,
    a: &AclFacts,
    u: &UserEntry,
    observed: String,
    expected: &str,
) -> Evidence {
    if let Some(span) = &u.span {
        return Evidence::at(u.source, span, observed, expected);
    }
    let location = match &a.origin {
        AclOrigin::Live(endpoint) => {
            return Evidence::new(
                Source::Live,
                format!("ACL LIST on {endpoint} (user {})", u.user.name),
                observed,
                expected,
            )
        }
        AclOrigin::AclFile(p) => format!(
            "{} (no `user {}` line: Redis creates it as on nopass ~* &* +@all)",
            p.display(),
            u.user.name
        ),
        _ => format!(
            "{} (no `user {}` line and no requirepass: Redis's built-in default user)",
            s.conf
                .get()
                .map(|c| c.path.display().to_string())
                .unwrap_or_else(|| s.target.clone()),
            u.user.name
        ),
    };
    Evidence::new(Source::Conf, location, observed, expected)
}

/// The permission engine for the users of this snapshot: the command
/// table they are judged with ([`super::command_table`]: the live server's,
/// else the files' as `rename-command` leaves it) and the server's
/// `databases`.
pub(crate) fn engine(s: &Snapshot) -> Engine<'_> {
    let databases = super::settings(s)
        .ok()
        .map(|st| st.number("databases"))
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(redis_acl::dbs::DEFAULT_DATABASES);
    Engine::new(super::command_table(s)).with_databases(databases)
}

/// The name a client calls a command by, with Redis's own name when
/// `rename-command` changed it: `cfg|set (config|set)`.
pub(crate) fn called(table: &CommandTable, cmd: &Command) -> String {
    match table.dispatch_name(cmd) {
        Some(n) if n != cmd.name => format!("{n} ({})", cmd.name),
        Some(n) => n,
        None => cmd.name.clone(),
    }
}

/// What one selector can run, by its effective permissions (the command
/// bitmap the engine computes, not the text of its rules, which Redis 7.0
/// rewrites in `ACL LIST`): only commands clients can call (not removed by
/// `rename-command X ""`), and, with Valkey's database rules, in some
/// database.
pub(crate) struct SelectorReach<'e> {
    engine: &'e Engine<'e>,
    sel: &'e CompiledSelector<'e>,
    data: Arc<ReachData>,
    /// The selector can run every command clients can call.
    pub all_commands: bool,
}

/// The part of a [`SelectorReach`] computed from the command table: the
/// same for every selector with the same bitmap and database rule.
struct ReachData {
    /// Per command id: runnable (not a container, reachable) and allowed whole.
    whole: Vec<bool>,
    all_commands: bool,
    /// The categories it holds ([`SelectorReach::holds_category`]), lower-case.
    held: Vec<String>,
}

/// A selector's identity for what it can run: its command bitmap (which
/// [`Engine::compile_all`] shares between selectors with the same command
/// rules, the rules [`SelectorReach::wholesale`] reads) and its database
/// rule. Valid while the compiled users it came from are alive.
pub(crate) type SelectorKey = (*const redis_acl::CommandBits, Option<Vec<u32>>);

pub(crate) fn selector_key(sel: &CompiledSelector) -> SelectorKey {
    (Arc::as_ptr(&sel.bits), sel.selector.dbs.clone())
}

/// [`SelectorReach`]es of many selectors (users compiled together with
/// [`Engine::compile_all`]): the command table is walked once per distinct
/// bitmap and database rule, not once per user (100k generated users share
/// a handful).
pub(crate) struct ReachCache<'e> {
    engine: &'e Engine<'e>,
    dangerous: Vec<bool>,
    map: HashMap<SelectorKey, Arc<ReachData>>,
}

impl<'e> ReachCache<'e> {
    pub(crate) fn new(engine: &'e Engine<'e>) -> ReachCache<'e> {
        ReachCache {
            engine,
            dangerous: dangerous_ids(engine.table()),
            map: HashMap::new(),
        }
    }

    /// The reach of `sel`, which need not live as long as the cache (its
    /// users may be compiled one at a time: [`Engine::compile_each`]).
    pub(crate) fn reach<'s>(&mut self, sel: &'s CompiledSelector<'s>) -> SelectorReach<'s>
    where
        'e: 's,
    {
        let key = selector_key(sel);
        let data = match self.map.get(&key) {
            Some(d) => d.clone(),
            None => {
                let d = Arc::new(ReachData::new(self.engine, sel, &self.dangerous));
                self.map.insert(key, d.clone());
                d
            }
        };
        SelectorReach {
            engine: self.engine,
            sel,
            all_commands: data.all_commands,
            data,
        }
    }
}

/// Which commands are `@dangerous`, by id (from the table's member map).
fn dangerous_ids(table: &CommandTable) -> Vec<bool> {
    let mut v = vec![false; table.len()];
    for &id in table.category_member_ids("dangerous") {
        if let Some(d) = v.get_mut(id) {
            *d = true;
        }
    }
    v
}

impl ReachData {
    fn new(engine: &Engine<'_>, sel: &CompiledSelector, dangerous: &[bool]) -> ReachData {
        let table = engine.table();
        let mut whole = vec![false; table.len()];
        let mut all_commands = true;
        for cmd in table.commands() {
            if !cmd.subcommands.is_empty() || !table.is_reachable(cmd.id) {
                continue;
            }
            let ok = sel.bits.allows(cmd) && engine.selector_may_reach_db(&sel.selector, cmd);
            if let Some(w) = whole.get_mut(cmd.id) {
                *w = ok;
            }
            all_commands &= ok;
        }
        let held = table
            .categories()
            .iter()
            .filter(|c| category_held(table, &whole, c, dangerous))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        ReachData {
            whole,
            all_commands,
            held,
        }
    }
}

fn runnable(table: &CommandTable, cmd: &Command) -> bool {
    cmd.subcommands.is_empty() && table.is_reachable(cmd.id)
}

/// Whether a selector allowing `whole` holds category `cat` as `+@cat`
/// gives it (see [`SelectorReach::holds_category`]).
fn category_held(table: &CommandTable, whole: &[bool], cat: &str, is_dangerous: &[bool]) -> bool {
    let (mut dangerous, mut allowed) = (0usize, 0usize);
    for c in table.category_members(cat) {
        if !runnable(table, c) {
            continue;
        }
        let whole = whole.get(c.id).copied().unwrap_or(false);
        if is_dangerous.get(c.id).copied().unwrap_or(false) {
            dangerous += 1;
            allowed += usize::from(whole);
        } else if !whole {
            return false;
        }
    }
    dangerous > 0 && allowed * 2 > dangerous
}

impl<'e> SelectorReach<'e> {
    fn runnable(&self, cmd: &Command) -> bool {
        cmd.subcommands.is_empty() && self.engine.table().is_reachable(cmd.id)
    }

    /// Whether the selector can run `cmd` (whole, or for some first
    /// arguments: `+select|0`).
    pub(crate) fn can_run(&self, cmd: &Command) -> bool {
        if !self.runnable(cmd) {
            return false;
        }
        self.data.whole.get(cmd.id).copied().unwrap_or(false)
            || (!self.sel.bits.first_args(cmd.id).is_empty()
                && self.engine.selector_may_reach_db(&self.sel.selector, cmd))
    }

    /// Whether the selector's rules name `cmd` with a `+` rule: itself
    /// (`+client|kill`) or its container (`+client`). First-argument
    /// grants (`+select|0`) name it too.
    fn named(&self, cmd: &Command) -> bool {
        let table = self.engine.table();
        let parent = cmd
            .parent
            .and_then(|p| table.get(p))
            .map(|p| p.name.as_str());
        !self.sel.bits.first_args(cmd.id).is_empty()
            || self.sel.selector.command_rules.iter().any(|r| {
                r.strip_prefix('+').is_some_and(|n| {
                    n.eq_ignore_ascii_case(&cmd.name)
                        || parent.is_some_and(|p| n.eq_ignore_ascii_case(p))
                })
            })
    }

    /// Whether the selector holds category `cat` as `+@cat` gives it: every
    /// command of it that is not `@dangerous` (that clients can call), and
    /// more than half of its `@dangerous` ones. (Redis 7.0 rewrites
    /// `+@connection -@dangerous +client|list` as `+@connection
    /// -client|kill …`: one of six is not the category's grant.)
    pub(crate) fn holds_category(&self, cat: &str) -> bool {
        self.data.held.iter().any(|c| c.eq_ignore_ascii_case(cat))
    }

    /// How the selector holds `cmd` when it can run it: `None` when granted
    /// one by one, else what brought it: `["@all"]` when the selector holds
    /// every command, else the categories containing it that the selector
    /// holds ([`SelectorReach::holds_category`]) — unless its rules name
    /// the command (or its container) with a `+` rule.
    pub(crate) fn wholesale(&self, cmd: &Command) -> Option<Vec<String>> {
        if !self.data.whole.get(cmd.id).copied().unwrap_or(false) || !self.runnable(cmd) {
            return None;
        }
        if self.all_commands {
            return Some(vec!["@all".into()]);
        }
        if self.named(cmd) {
            return None;
        }
        let held: Vec<String> = cmd
            .categories
            .iter()
            .filter(|c| self.holds_category(c))
            .map(|c| format!("@{}", c.to_ascii_lowercase()))
            .collect();
        (!held.is_empty()).then_some(held)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::describe;
    use redis_acl::User;

    fn user(rules: &[&str]) -> User {
        let mut u = User::new("u");
        u.apply_tokens(rules).unwrap();
        u
    }

    #[test]
    fn describe_says_state_passwords_keys_channels_and_commands() {
        assert_eq!(describe(&User::default_user()), "on, nopass, ~* &* +@all");
        assert_eq!(describe(&User::new("u")), "off, no password, no keys -@all");
        assert_eq!(
            describe(&user(&["on", ">a", "~a:*", "&c", "+@read", "-@dangerous"])),
            "on, 1 password, ~a:* -@all +@read -@dangerous"
        );
        assert_eq!(
            describe(&user(&[
                ">a", ">b", "~a", "%R~b", "%W~c", "~d", "~e", "&*", "+get", "+set", "+del",
                "+ping", "+echo", "+incr", "+decr", "(~x +get)", "(~y +set)"
            ])),
            "off, 2 passwords, ~a %R~b %W~c ~d (+1 more) &* -@all +get +set +del +ping +echo +incr (+1 more), 2 selector(s)"
        );
    }
}
