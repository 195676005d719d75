//! `ACLSetUser` / `ACLSetSelector` semantics on [`User`] and [`Selector`].

use sha2::{Digest, Sha256};

use crate::bits::{resolve_command_rule, CommandBits, ResolveError, Resolved};
use crate::grammar::{
    cstr, has_spaces, is_db_op, is_valid_hash, merge_selector_args, parse_rule_impl,
    parse_selector_op, sdssplitargs, RuleErrorKind,
};
use crate::table::CommandTable;
use crate::{KeyPattern, Password, Rule, RuleError, Secret, Selector, User};

/// SHA-256 hex of a password, as Redis stores it (`ACLHashPassword`).
pub fn hash_password(pw: &[u8]) -> String {
    // Lower-case hex written into one buffer (`hex::encode` went through
    // a char iterator: a twentieth of loading 100k `>pw` users).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(pw);
    let mut s = String::with_capacity(digest.len() * 2);
    for b in digest {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

/// From this many key (or channel) patterns on one selector, a pattern
/// is found through [`PatternIndex`] instead of a scan (40k patterns on
/// one user stay linear).
const INDEX_FROM: usize = 16;

impl Selector {
    /// A selector as `ACLCreateSelector` makes it: no keys, no channels
    /// (`acl-pubsub-default resetchannels`, the 7.0+ default), `-@all`.
    pub fn empty() -> Selector {
        Selector::default()
    }

    /// The command bitmap of this selector against `table`, replaying the
    /// base (`+@all`/`-@all`) and the retained rules as `ACLSetSelector` does.
    pub fn command_bits(&self, table: &CommandTable) -> CommandBits {
        let mut bits = if self.all_commands_base {
            CommandBits::all(table)
        } else {
            CommandBits::none(table)
        };
        for r in &self.command_rules {
            bits.apply_rule(table, r);
        }
        bits.normalize();
        bits
    }

    /// Whether this selector lets `name` (`get`, `config|get`, `CONFIG|GET`)
    /// run as far as the command check goes (no keys, channels or first
    /// args): the ALLCOMMANDS flag, the NO_AUTH flag, or the command's bit.
    /// Unknown commands are not allowed.
    pub fn allows_command(&self, table: &CommandTable, name: &str) -> bool {
        match table.lookup(name) {
            Some(cmd) => self.command_bits(table).allows(cmd),
            None => false,
        }
    }

    /// Apply one selector-level rule (keys, channels, commands). User-level
    /// rules (`on`, passwords, `reset`, selectors, …) are a syntax error here,
    /// as inside `(…)`.
    pub fn apply_rule(&mut self, table: &CommandTable, rule: &Rule) -> Result<(), RuleError> {
        let e = |op: &str, k| Err(RuleError::new(op, k));
        match rule {
            Rule::AllKeys => {
                self.all_keys = true;
                self.keys.clear();
            }
            Rule::ResetKeys => {
                self.all_keys = false;
                self.keys.clear();
            }
            Rule::KeyPattern {
                pattern,
                read,
                write,
            } => {
                // The op is spelt out only for an error (not once a pattern).
                let op = || key_op(pattern, *read, *write);
                if !(table.grammar().key_permissions || (*read && *write)) {
                    return e(&op(), RuleErrorKind::Syntax);
                }
                if self.all_keys {
                    return e(&op(), RuleErrorKind::KeyPatternAfterAllKeys);
                }
                if !(*read || *write) || has_spaces(pattern) {
                    return e(&op(), RuleErrorKind::Syntax);
                }
                match self
                    .key_position(pattern)
                    .and_then(|i| self.keys.get_mut(i))
                {
                    Some(k) => {
                        k.read |= *read;
                        k.write |= *write;
                    }
                    None => {
                        if self.index.keys.len() == self.keys.len() && self.keys.len() >= INDEX_FROM
                        {
                            self.index.keys.insert(pattern.clone(), self.keys.len());
                        }
                        self.keys.push(KeyPattern {
                            pattern: pattern.clone(),
                            read: *read,
                            write: *write,
                        })
                    }
                }
            }
            Rule::AllChannels => {
                self.all_channels = true;
                self.channels.clear();
            }
            Rule::ResetChannels => {
                self.all_channels = false;
                self.channels.clear();
            }
            Rule::Channel(p) => {
                let op = || format!("&{p}");
                if self.all_channels {
                    return e(&op(), RuleErrorKind::ChannelPatternAfterAllChannels);
                }
                if has_spaces(p) {
                    return e(&op(), RuleErrorKind::Syntax);
                }
                if !self.has_channel(p) {
                    if self.index.channels.len() == self.channels.len()
                        && self.channels.len() >= INDEX_FROM
                    {
                        self.index.channels.insert(p.clone());
                    }
                    self.channels.push(p.clone());
                }
            }
            Rule::AllDbs | Rule::ResetDbs | Rule::Dbs(_) if !table.has_db_rules() => {
                return e(&rule_op_name(rule), RuleErrorKind::Syntax)
            }
            Rule::AllDbs => self.dbs = None,
            Rule::ResetDbs => self.dbs = Some(Vec::new()),
            Rule::Dbs(ids) => {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                self.dbs = Some(ids);
            }
            Rule::AllCommands => {
                self.all_commands_base = true;
                self.command_rules.clear();
            }
            Rule::NoCommands => {
                self.all_commands_base = false;
                self.command_rules.clear();
            }
            Rule::AllowCategory(c) | Rule::DenyCategory(c) => {
                let allow = matches!(rule, Rule::AllowCategory(_));
                let c = cstr(c);
                if c.eq_ignore_ascii_case("all") {
                    return self.apply_rule(
                        table,
                        if allow {
                            &Rule::AllCommands
                        } else {
                            &Rule::NoCommands
                        },
                    );
                }
                let sign = if allow { '+' } else { '-' };
                if !table.is_category(c) {
                    return e(
                        &format!("{sign}@{c}"),
                        RuleErrorKind::UnknownCommandOrCategory,
                    );
                }
                self.update_command_rules("@", c, allow);
            }
            Rule::AllowCommand(c) | Rule::DenyCommand(c) => {
                let allow = matches!(rule, Rule::AllowCommand(_));
                let sign = if allow { '+' } else { '-' };
                let op = || format!("{sign}{c}");
                match resolve_command_rule(table, allow, c) {
                    Ok(Resolved::Command(id)) => {
                        let name = table.get(id).map(|c| c.name.as_str()).unwrap_or_default();
                        self.update_command_rules("", name, allow);
                    }
                    Ok(Resolved::FirstArg(..)) => {
                        self.update_command_rules("", cstr(c), allow);
                    }
                    Err(ResolveError::Unknown) => {
                        return e(&op(), RuleErrorKind::UnknownCommandOrCategory)
                    }
                    Err(ResolveError::Syntax) => return e(&op(), RuleErrorKind::Syntax),
                    Err(ResolveError::FirstArgOfSub) => {
                        return e(&op(), RuleErrorKind::FirstArgOfSubcommand)
                    }
                }
            }
            other => return e(&rule_op_name(other), RuleErrorKind::Syntax),
        }
        Ok(())
    }

    /// Where `pattern` is in `keys` (the index, rebuilt when out of step).
    fn key_position(&mut self, pattern: &str) -> Option<usize> {
        // A few patterns (the usual user) are scanned: two hash tables per
        // selector were most of the memory of 100k small users.
        if self.keys.len() < INDEX_FROM {
            self.index.keys.clear();
            return self.keys.iter().position(|k| k.pattern == pattern);
        }
        if self.index.keys.len() != self.keys.len() {
            self.index.keys = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.pattern.clone(), i))
                .collect();
        }
        self.index
            .keys
            .get(pattern)
            .copied()
            .filter(|&i| self.keys.get(i).is_some_and(|k| k.pattern == pattern))
    }

    fn has_channel(&mut self, p: &str) -> bool {
        if self.channels.len() < INDEX_FROM {
            self.index.channels.clear();
            return self.channels.iter().any(|c| c == p);
        }
        if self.index.channels.len() != self.channels.len() {
            self.index.channels = self.channels.iter().cloned().collect();
        }
        self.index.channels.contains(p)
    }

    /// Redis 7.2's `ACLUpdateCommandRules`: drop earlier rules for exactly
    /// this command/category (and `cmd|…` rules when `rule` is `cmd`), then
    /// append. The rule is `prefix` (`@` for a category, else empty) and
    /// `name`, lower-cased, written once into the string kept.
    fn update_command_rules(&mut self, prefix: &str, name: &str, allow: bool) {
        let mut kept = String::with_capacity(1 + prefix.len() + name.len());
        kept.push(if allow { '+' } else { '-' });
        kept.push_str(prefix);
        kept.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        let rule = kept.get(1..).unwrap_or("");
        self.command_rules.retain(|r| {
            let existing = r.get(1..).unwrap_or("");
            !(existing == rule
                || (existing.len() > rule.len()
                    && existing.starts_with(rule)
                    && existing.as_bytes().get(rule.len()) == Some(&b'|')))
        });
        self.command_rules.push(kept);
    }

    /// Keys as `ACL GETUSER` shows them: `~*`, or `~a %R~b`, or empty.
    pub fn keys_string(&self) -> String {
        if self.all_keys {
            return "~*".into();
        }
        self.keys
            .iter()
            .map(|k| key_op(&k.pattern, k.read, k.write))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Channels as `ACL GETUSER` shows them: `&*`, or `&a &b`, or empty.
    pub fn channels_string(&self) -> String {
        if self.all_channels {
            return "&*".into();
        }
        self.channels
            .iter()
            .map(|c| format!("&{c}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Commands as Redis 7.2 shows them: `+@all`/`-@all` then the retained rules.
    pub fn commands_string(&self) -> String {
        let mut s = String::from(if self.all_commands_base {
            "+@all"
        } else {
            "-@all"
        });
        for r in &self.command_rules {
            s.push(' ');
            s.push_str(r);
        }
        s
    }

    /// Databases as Valkey 9.1 `ACL GETUSER` shows them: `db=0,3`,
    /// `resetdbs`, or empty for every database.
    pub fn dbs_string(&self) -> String {
        match &self.dbs {
            None => String::new(),
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

    /// `ACLDescribeSelector`: keys, channels (`resetchannels` unless `&*`),
    /// databases (Valkey 9.1+, only when restricted), commands.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let keys = self.keys_string();
        if !keys.is_empty() {
            parts.push(keys);
        }
        if self.all_channels {
            parts.push("&*".into());
        } else {
            parts.push("resetchannels".into());
            let ch = self.channels_string();
            if !ch.is_empty() {
                parts.push(ch);
            }
        }
        let dbs = self.dbs_string();
        if !dbs.is_empty() {
            parts.push(dbs);
        }
        parts.push(self.commands_string());
        parts.join(" ")
    }
}

fn key_op(pattern: &str, read: bool, write: bool) -> String {
    match (read, write) {
        (true, true) => format!("~{pattern}"),
        (true, false) => format!("%R~{pattern}"),
        (false, true) => format!("%W~{pattern}"),
        (false, false) => format!("%~{pattern}"),
    }
}

/// A printable form of a rule for error messages (never a password).
fn rule_op_name(r: &Rule) -> String {
    match r {
        Rule::On => "on".into(),
        Rule::Off => "off".into(),
        Rule::NoPass => "nopass".into(),
        Rule::ResetPass => "resetpass".into(),
        Rule::AddPassword(_) => ">***".into(),
        Rule::RemovePassword(_) => "<***".into(),
        Rule::AddHash(_) => "#***".into(),
        Rule::RemoveHash(_) => "!***".into(),
        Rule::Selector(_) => "(…)".into(),
        Rule::ClearSelectors => "clearselectors".into(),
        Rule::Reset => "reset".into(),
        Rule::SanitizePayload => "sanitize-payload".into(),
        Rule::SkipSanitizePayload => "skip-sanitize-payload".into(),
        Rule::AllDbs => "alldbs".into(),
        Rule::ResetDbs => "resetdbs".into(),
        Rule::Dbs(ids) => format!(
            "db={}",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => format!("{other:?}"),
    }
}

impl User {
    /// A user as `ACL SETUSER name` makes it on the line of `table`: on
    /// Redis 6.2 (`acl-pubsub-default allchannels`) it holds every channel;
    /// from 7.2 to 8.2 (Valkey 7.2 to 9.0) it has `sanitize-payload`.
    pub fn new_in(table: &CommandTable, name: &str) -> User {
        let mut u = User::new_impl(name);
        u.root.all_channels = table.grammar().new_user_all_channels;
        if table.grammar().new_user_sanitize_payload {
            u.sanitize_payload = Some(true);
        }
        u
    }

    pub(crate) fn new_impl(name: &str) -> User {
        User {
            name: name.to_string(),
            enabled: false,
            nopass: false,
            passwords: Vec::new(),
            sanitize_payload: None,
            root: Selector::empty(),
            selectors: Vec::new(),
        }
    }

    pub(crate) fn default_impl() -> User {
        let mut u = User::new_impl("default");
        u.enabled = true;
        u.nopass = true;
        u.root.all_keys = true;
        u.root.all_channels = true;
        u.root.all_commands_base = true;
        u
    }

    /// [`User::apply`] against a given command table.
    pub fn apply_with(&mut self, table: &CommandTable, rules: &[Rule]) -> Result<(), RuleError> {
        let mut tmp = self.clone();
        for r in rules {
            tmp.apply_one(table, r)?;
        }
        *self = tmp;
        Ok(())
    }

    fn apply_one(&mut self, table: &CommandTable, rule: &Rule) -> Result<(), RuleError> {
        match rule {
            Rule::On => self.enabled = true,
            Rule::Off => self.enabled = false,
            Rule::SkipSanitizePayload => self.sanitize_payload = Some(false),
            Rule::SanitizePayload => self.sanitize_payload = Some(true),
            Rule::NoPass => {
                self.nopass = true;
                self.passwords.clear();
            }
            Rule::ResetPass => {
                self.nopass = false;
                self.passwords.clear();
            }
            Rule::AddPassword(pw) => {
                let hash = hash_password(pw.expose());
                self.add_hash(hash, Some(pw.clone()));
            }
            Rule::AddHash(h) => {
                if !is_valid_hash(h) {
                    return Err(RuleError::new("#***", RuleErrorKind::BadHash));
                }
                self.add_hash(h.clone(), None);
            }
            Rule::RemovePassword(pw) => {
                let hash = hash_password(pw.expose());
                self.remove_hash(&hash, "<***")?;
            }
            Rule::RemoveHash(h) => {
                if !is_valid_hash(h) {
                    return Err(RuleError::new("!***", RuleErrorKind::BadHash));
                }
                self.remove_hash(h, "!***")?;
            }
            Rule::Selector(_) | Rule::ClearSelectors if !table.grammar().selectors => {
                return Err(RuleError::new(&rule_op_name(rule), RuleErrorKind::Syntax))
            }
            Rule::Selector(rules) => {
                let mut s = Selector::empty();
                for r in rules {
                    s.apply_rule(table, r)?;
                }
                self.selectors.push(s);
            }
            Rule::ClearSelectors => self.selectors.clear(),
            Rule::Reset => {
                self.nopass = false;
                self.passwords.clear();
                self.root.all_keys = false;
                self.root.keys.clear();
                self.root.all_channels = table.grammar().new_user_all_channels;
                self.root.channels.clear();
                self.enabled = false;
                self.sanitize_payload = table.grammar().reset_sanitize_payload.then_some(true);
                self.selectors.clear();
                self.root.all_commands_base = false;
                self.root.command_rules.clear();
                self.root.dbs = None;
            }
            other => self.root.apply_rule(table, other)?,
        }
        Ok(())
    }

    fn add_hash(&mut self, hash: String, plaintext: Option<Secret>) {
        match self.passwords.iter_mut().find(|p| p.hash == hash) {
            Some(p) => {
                if p.plaintext.is_none() {
                    p.plaintext = plaintext;
                }
            }
            None => self.passwords.push(Password { hash, plaintext }),
        }
        self.nopass = false;
    }

    fn remove_hash(&mut self, hash: &str, op: &str) -> Result<(), RuleError> {
        match self.passwords.iter().position(|p| p.hash == hash) {
            Some(i) => {
                self.passwords.remove(i);
                Ok(())
            }
            None => Err(RuleError::new(op, RuleErrorKind::NoSuchPassword)),
        }
    }

    /// Apply rule *tokens* exactly as `ACL SETUSER user tok…` does:
    /// selectors spread over tokens are merged, empty tokens are no-ops,
    /// each op is checked in Redis's order (so `%X~a` after `allkeys` is the
    /// allkeys error, not a syntax error), atomic.
    pub fn apply_tokens<S: AsRef<str>>(&mut self, tokens: &[S]) -> Result<(), RuleError> {
        self.apply_tokens_with(CommandTable::redis_7_0(), tokens)
    }

    /// [`User::apply_tokens`] against a given command table.
    pub fn apply_tokens_with<S: AsRef<str>>(
        &mut self,
        table: &CommandTable,
        tokens: &[S],
    ) -> Result<(), RuleError> {
        // Selectors spread over tokens are merged only by servers that
        // have selectors (6.2 takes `(~a` as one, bad, op).
        let merged = if table.grammar().selectors {
            merge_selector_args(tokens).map_err(|i| {
                let t = tokens.get(i).map(|t| t.as_ref()).unwrap_or("");
                RuleError::new(t, RuleErrorKind::UnmatchedParenthesis)
            })?
        } else {
            tokens.iter().map(|t| t.as_ref().to_string()).collect()
        };
        let mut tmp = self.clone();
        for op in &merged {
            tmp.apply_op(table, op)?;
        }
        *self = tmp;
        Ok(())
    }

    /// One op of `ACLSetUser` (not atomic across ops; this op alone is).
    pub(crate) fn apply_op(&mut self, table: &CommandTable, op: &str) -> Result<(), RuleError> {
        self.apply_op_rule(table, op).map(|_| ())
    }

    /// [`User::apply_op`], returning the rule it parsed and applied (`None`
    /// for an empty op or a selector), so a caller that keeps the rules
    /// does not parse the op a second time.
    pub(crate) fn apply_op_rule(
        &mut self,
        table: &CommandTable,
        op: &str,
    ) -> Result<Option<Rule>, RuleError> {
        if op.is_empty() {
            return Ok(None);
        }
        if not_in_grammar(table, op, true) {
            return Err(RuleError::new(op, RuleErrorKind::Syntax));
        }
        let b = op.as_bytes();
        if b[0] == b'(' && op.ends_with(')') {
            // Selector: ops applied in order, so the first failing op decides the error.
            let mut s = Selector::empty();
            for t in sdssplitargs(&op[1..op.len() - 1]).unwrap_or_default() {
                if let Err(e) = s.apply_op(table, &t) {
                    return Err(RuleError::new(
                        op,
                        e.kind().unwrap_or(RuleErrorKind::Syntax),
                    ));
                }
            }
            self.selectors.push(s);
            return Ok(None);
        }
        match parse_rule_impl(op) {
            // Every rule checks before it changes anything (atomic without
            // a copy of the user: a copy per op made N ops cost N²).
            Ok(r) => self
                .apply_one(table, &r)
                .map(|()| Some(r))
                .map_err(|e| rename_op(e, op)),
            Err(e) => Err(self.root.precedence(op).unwrap_or(e)),
        }
    }

    /// The flags `ACL GETUSER` lists, in Redis's order.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize_payload {
            Some(false) => f.push("skip-sanitize-payload"),
            Some(true) => f.push("sanitize-payload"),
            None => {}
        }
        f
    }

    /// The user as Redis 7.2+ `ACL LIST` shows it (retained rule order):
    /// `user <name> <flags> <#hashes> <keys> <channels> <commands> [(<selector>)…]`.
    /// Redis ≤ 7.0 prints a recomputed command part instead; compare those
    /// through [`Selector::command_bits`].
    pub fn acl_list_line(&self) -> String {
        let mut s = format!("user {}", self.name);
        for f in self.flags() {
            s.push(' ');
            s.push_str(f);
        }
        for p in &self.passwords {
            s.push_str(" #");
            s.push_str(&p.hash);
        }
        s.push(' ');
        s.push_str(&self.root.describe());
        for sel in &self.selectors {
            s.push_str(" (");
            s.push_str(&sel.describe());
            s.push(')');
        }
        s
    }

    /// Whether any selector (root first) allows the command `name` by the
    /// command check alone (see [`Selector::allows_command`]).
    pub fn allows_command(&self, table: &CommandTable, name: &str) -> bool {
        std::iter::once(&self.root)
            .chain(self.selectors.iter())
            .any(|s| s.allows_command(table, name))
    }
}

impl Selector {
    /// One selector-level op token with Redis's precedence of checks.
    pub(crate) fn apply_op(&mut self, table: &CommandTable, op: &str) -> Result<(), RuleError> {
        if not_in_grammar(table, op, false) {
            return Err(RuleError::new(op, RuleErrorKind::Syntax));
        }
        match parse_selector_op(op) {
            Ok(r) => self.apply_rule(table, &r).map_err(|e| rename_op(e, op)),
            Err(e) => Err(self.precedence(op).unwrap_or(e)),
        }
    }

    /// `ACLSetSelector` checks ALLKEYS/ALLCHANNELS before it parses a
    /// pattern, so a malformed pattern after `allkeys` is that error.
    fn precedence(&self, op: &str) -> Option<RuleError> {
        match op.as_bytes().first() {
            Some(b'~' | b'%') if self.all_keys => {
                Some(RuleError::new(op, RuleErrorKind::KeyPatternAfterAllKeys))
            }
            Some(b'&') if self.all_channels => Some(RuleError::new(
                op,
                RuleErrorKind::ChannelPatternAfterAllChannels,
            )),
            _ => None,
        }
    }
}

/// Whether `op` is a rule this table's line does not have (its `acl.json`
/// says `ACL SETUSER` refuses it as a syntax error): database rules before
/// Valkey 9.1; `%R~`/`%W~`, selectors and `clearselectors` before Redis
/// 7.0; `&`, `allchannels` and `resetchannels` before 6.2. `user`: a
/// user-level op (selectors are only there).
fn not_in_grammar(table: &CommandTable, op: &str, user: bool) -> bool {
    let g = table.grammar();
    let kw = |w: &str| cstr(op).eq_ignore_ascii_case(w);
    if is_db_op(op) && !g.db_rules {
        return true;
    }
    let first = op.as_bytes().first().copied();
    if !g.key_permissions && first == Some(b'%') {
        return true;
    }
    if !g.channels && (first == Some(b'&') || kw("allchannels") || kw("resetchannels")) {
        return true;
    }
    user && !g.selectors && (first == Some(b'(') || kw("clearselectors"))
}

/// Re-word an error with the op as the user typed it.
fn rename_op(e: RuleError, op: &str) -> RuleError {
    match e.kind() {
        Some(k) => RuleError::new(op, k),
        None => e,
    }
}
