//! Least-privilege review of one user: state, password kind, the
//! dangerous commands it can run (and which rule grants each), its key and
//! channel reach. Facts only: what is too much is decided in rampart-checks
//! (`rampart_checks::least_privilege`, which ACL008 and `rampart acl
//! review` both use).

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::{CompiledUser, Engine, GrantKind, SelectorIndex};
use crate::table::CommandTable;
use crate::User;

/// How the user's passwords are stored in its definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordKind {
    /// `nopass`: any password (or none) logs in.
    Nopass,
    /// No password and not `nopass`: nobody can log in as this user.
    None,
    /// Every password given as `>plain` (readable in the file).
    Plaintext,
    /// Every password given as `#sha256`.
    Hashed,
    /// Some of each.
    Mixed,
}

/// A dangerous command the user can run, and how it got it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DangerousGrant {
    /// Full name (`flushall`, `config|set`).
    pub command: String,
    /// explicit, category, all, first_arg.
    pub grant: GrantKind,
    /// The rule (`+@admin`, `+@all`, `+config|set`).
    pub rule: String,
    pub selector: SelectorIndex,
}

/// Key or channel reach: everything, or patterns per selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// Some selector holds `allkeys` / `allchannels`.
    pub all: bool,
    /// `(selector, "%R~app:*")` / `(selector, "&news.*")`.
    pub patterns: Vec<(SelectorIndex, String)>,
    /// Whether a selector that has this reach also allows a command that
    /// uses it (keys: a command with key arguments; channels: PUBLISH or a
    /// SUBSCRIBE). Reach no command uses could be dropped.
    pub used: bool,
}

/// The review of one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserReview {
    pub user: String,
    pub enabled: bool,
    pub password: PasswordKind,
    pub password_count: usize,
    /// How many of them are given as `>plain`. Not in `acl review`'s JSON,
    /// whose `password` kind already says it; the observation counts them.
    #[serde(skip)]
    pub plaintext_count: usize,
    /// Holds every command (root `+@all` with no `-` rule after it) and,
    /// with Valkey's database rules, every database (else FLUSHALL is out
    /// of reach).
    pub all_commands: bool,
    /// How many commands and subcommands some selector allows (in some
    /// database: a `resetdbs` selector runs no keyed command, a `db=0`
    /// one no FLUSHALL).
    pub commands_allowed: usize,
    /// Valkey 9.1+: each selector's database rule (`db=0,3`, `alldbs`,
    /// `resetdbs`), when some selector is restricted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub databases: Option<Vec<(SelectorIndex, String)>>,
    pub dangerous: Vec<DangerousGrant>,
    pub key_reach: Reach,
    pub channel_reach: Reach,
}

impl UserReview {
    /// Dangerous commands that came from a category or `+@all`.
    pub fn dangerous_wholesale(&self) -> impl Iterator<Item = &DangerousGrant> {
        self.dangerous
            .iter()
            .filter(|d| matches!(d.grant, GrantKind::Category | GrantKind::All))
    }
}

/// Review `user` against `table` (for many users, use [`review_compiled`]
/// with one [`Engine`]).
pub fn review_user(user: &User, table: &CommandTable) -> UserReview {
    let e = Engine::new(table);
    review_compiled(&e, &e.compile(user))
}

fn key_op(read: bool, write: bool, p: &str) -> String {
    match (read, write) {
        (true, false) => format!("%R~{p}"),
        (false, true) => format!("%W~{p}"),
        _ => format!("~{p}"),
    }
}

/// [`review_user`] for a compiled user (for many users, one [`Reviewer`]).
pub fn review_compiled(engine: &Engine<'_>, cu: &CompiledUser) -> UserReview {
    Reviewer::new(engine).review(cu)
}

/// What a user's selectors allow from the command table: the part of a
/// review that depends only on their command bitmaps and database rules,
/// shared by every user with the same ones.
#[derive(Debug)]
struct CommandScan {
    commands_allowed: usize,
    dangerous: Vec<DangerousGrant>,
    /// Per selector: it allows a command with key arguments / channels.
    keys_used: Vec<bool>,
    channels_used: Vec<bool>,
}

/// One selector's identity for the scan: its bitmap (shared by
/// [`Engine::compile_all`] between selectors with the same command rules,
/// which also decide `command_rule`) and its database rule.
type SelectorKey = (*const crate::bits::CommandBits, Option<Vec<u32>>);

/// Reviews many users with one engine, scanning the command table once per
/// distinct set of selectors (generated ACLs of 100k users repeat a few
/// rule sets), so a review costs the user's own patterns, not the table.
pub struct Reviewer<'e> {
    engine: &'e Engine<'e>,
    scans: HashMap<Vec<SelectorKey>, Arc<CommandScan>>,
}

impl<'e> Reviewer<'e> {
    pub fn new(engine: &'e Engine<'e>) -> Reviewer<'e> {
        Reviewer {
            engine,
            scans: HashMap::new(),
        }
    }

    /// The review of one compiled user (compile users with the same
    /// engine, with [`Engine::compile_all`] for the sharing to work).
    pub fn review(&mut self, cu: &CompiledUser) -> UserReview {
        let key: Vec<SelectorKey> = cu
            .selectors
            .iter()
            .map(|s| (Arc::as_ptr(&s.bits), s.selector.dbs.clone()))
            .collect();
        let scan = match self.scans.get(&key) {
            Some(s) => s.clone(),
            None => {
                let s = Arc::new(scan_commands(self.engine, cu));
                self.scans.insert(key, s.clone());
                s
            }
        };
        finish_review(self.engine, cu, &scan)
    }
}

fn scan_commands(engine: &Engine<'_>, cu: &CompiledUser) -> CommandScan {
    let table = engine.table();
    let mut dangerous = Vec::new();
    let mut commands_allowed = 0;
    let mut keys_used = vec![false; cu.selectors.len()];
    let mut channels_used = vec![false; cu.selectors.len()];
    for cmd in table.commands() {
        if !cmd.subcommands.is_empty() || !table.is_reachable(cmd.id) {
            continue; // containers never run themselves; `rename-command X ""` removed it
        }
        let mut first: Option<SelectorIndex> = None;
        for (si, s) in cu.selectors.iter().enumerate() {
            let by_first_arg = !s.bits.allows(cmd) && !s.bits.first_args(cmd.id).is_empty();
            if (s.bits.allows(cmd) || by_first_arg)
                && engine.selector_may_reach_db(&s.selector, cmd)
            {
                first.get_or_insert(si);
                if engine_has_keys(engine, cmd.id) {
                    keys_used[si] = true;
                }
                if engine_uses_channels(engine, cmd.id) {
                    channels_used[si] = true;
                }
            }
        }
        let Some(si) = first else { continue };
        commands_allowed += 1;
        if cmd.in_category("dangerous") {
            let s = &cu.selectors[si];
            let (rule, grant) = if !s.bits.allows(cmd) {
                let fa = s.bits.first_args(cmd.id).join(",");
                (format!("+{}|{fa}", cmd.name), GrantKind::FirstArg)
            } else {
                let r = engine.command_rule(&s.selector, &s.bits, cmd);
                (r.rule, r.kind)
            };
            dangerous.push(DangerousGrant {
                command: cmd.name.clone(),
                grant,
                rule,
                selector: si,
            });
        }
    }
    CommandScan {
        commands_allowed,
        dangerous,
        keys_used,
        channels_used,
    }
}

fn finish_review(engine: &Engine<'_>, cu: &CompiledUser, scan: &CommandScan) -> UserReview {
    let table = engine.table();
    let user = &cu.user;
    let plain = user
        .passwords
        .iter()
        .filter(|p| p.plaintext.is_some())
        .count();
    let password = if user.nopass {
        PasswordKind::Nopass
    } else if user.passwords.is_empty() {
        PasswordKind::None
    } else if plain == user.passwords.len() {
        PasswordKind::Plaintext
    } else if plain == 0 {
        PasswordKind::Hashed
    } else {
        PasswordKind::Mixed
    };
    let commands_allowed = scan.commands_allowed;
    let dangerous = scan.dangerous.clone();
    let (keys_used, channels_used) = (&scan.keys_used, &scan.channels_used);

    let mut key_reach = Reach::default();
    let mut channel_reach = Reach::default();
    for (si, s) in cu.selectors.iter().enumerate() {
        let sel = &s.selector;
        if sel.all_keys {
            key_reach.all = true;
            key_reach.patterns.push((si, "~*".into()));
        }
        for k in &sel.keys {
            key_reach
                .patterns
                .push((si, key_op(k.read, k.write, &k.pattern)));
        }
        if (sel.all_keys || !sel.keys.is_empty()) && keys_used[si] {
            key_reach.used = true;
        }
        if sel.all_channels {
            channel_reach.all = true;
            channel_reach.patterns.push((si, "&*".into()));
        }
        for c in &sel.channels {
            channel_reach.patterns.push((si, format!("&{c}")));
        }
        if (sel.all_channels || !sel.channels.is_empty()) && channels_used[si] {
            channel_reach.used = true;
        }
    }

    let restricted = table.has_db_rules() && cu.selectors.iter().any(|s| s.selector.dbs.is_some());
    let databases = restricted.then(|| {
        cu.selectors
            .iter()
            .enumerate()
            .map(|(i, s)| (i, crate::dbs::db_rule(&s.selector.dbs)))
            .collect::<Vec<_>>()
    });
    let root_all_dbs =
        !table.has_db_rules() || crate::dbs::grants_all(&user.root.dbs, engine.databases());
    let all_commands = user.has_all_commands() && root_all_dbs;
    UserReview {
        user: user.name.clone(),
        enabled: user.enabled,
        password,
        password_count: user.passwords.len(),
        plaintext_count: plain,
        all_commands,
        commands_allowed,
        databases,
        dangerous,
        key_reach,
        channel_reach,
    }
}

fn engine_has_keys(e: &Engine<'_>, id: usize) -> bool {
    e.command_has_keys(id)
}

fn engine_uses_channels(e: &Engine<'_>, id: usize) -> bool {
    e.command_uses_channels(id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn review(rules: &[&str]) -> UserReview {
        let mut u = User::new("u");
        u.apply_tokens(rules).unwrap_or_else(|e| panic!("{e}"));
        review_user(&u, CommandTable::redis_7_0())
    }

    #[test]
    fn wholesale_vs_explicit() {
        let r = review(&["on", ">pw", "~*", "&*", "+@all"]);
        assert!(r.all_commands);
        assert_eq!(r.password, PasswordKind::Plaintext);
        assert!(r
            .dangerous
            .iter()
            .any(|d| d.command == "flushall" && d.grant == GrantKind::All));
        assert!(r.dangerous_wholesale().next().is_some());
        assert!(r.key_reach.all && r.key_reach.used);
        assert!(r.channel_reach.all && r.channel_reach.used);
        assert_eq!((r.password_count, r.plaintext_count), (1, 1));
        let r = review(&[
            "on",
            "~app:*",
            "+@read",
            "+@write",
            "-@dangerous",
            "+client|kill",
        ]);
        assert_eq!(r.dangerous.len(), 1);
        assert_eq!(r.dangerous[0].grant, GrantKind::Explicit);
        assert_eq!(r.dangerous[0].rule, "+client|kill");
        assert!(r.dangerous_wholesale().next().is_none());
        let r = review(&["on", "~*", "-@all", "+@admin"]);
        assert!(r.dangerous.iter().all(|d| d.rule == "+@admin"));
        let r = review(&["on", "&*", "~x", "+ping"]);
        assert!(!r.channel_reach.patterns.is_empty() && !r.channel_reach.used);
        assert!(!r.key_reach.patterns.is_empty() && !r.key_reach.used);
    }

    fn review_valkey(rules: &[&str]) -> UserReview {
        let t = CommandTable::valkey_9_1();
        let mut u = User::new("u");
        u.apply_tokens_with(t, rules)
            .unwrap_or_else(|e| panic!("{e}"));
        review_user(&u, t)
    }

    #[test]
    fn database_restrictions() {
        // +@all ~* in one database: not "every command", no FLUSHALL.
        let r = review_valkey(&["on", "nopass", "~*", "&*", "+@all", "db=5"]);
        assert!(!r.all_commands);
        assert!(!r.dangerous.iter().any(|d| d.command == "flushall"));
        assert!(r.dangerous.iter().any(|d| d.command == "flushdb"));
        assert_eq!(r.databases, Some(vec![(0, "db=5".to_string())]));
        // resetdbs: no keyed command at all, so its key patterns are unused.
        let r = review_valkey(&["on", "nopass", "~*", "+@all", "resetdbs"]);
        assert!(!r.dangerous.iter().any(|d| d.command == "flushdb"));
        assert!(r.dangerous.iter().any(|d| d.command == "config|set"));
        assert!(!r.key_reach.used, "{:?}", r.key_reach);
        // Without db rules, as before.
        let r = review_valkey(&["on", "nopass", "~*", "&*", "+@all"]);
        assert!(r.all_commands);
        assert!(r.databases.is_none());
        assert!(r.dangerous.iter().any(|d| d.command == "flushall"));
    }
}
