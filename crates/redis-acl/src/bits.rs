//! The per-selector command bitmap, as `ACLSetSelector` maintains it.

use std::collections::BTreeMap;

use crate::table::{Command, CommandId, CommandTable};

/// The command part of one selector, computed against a command table:
/// one bit per command and subcommand, the reserved "future commands"
/// bit, the `ALLCOMMANDS` flag and the first-arg allowlists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandBits {
    allowed: Vec<bool>,
    /// The reserved last bit: set only by `+@all`/`allcommands`, cleared
    /// only by `-@all`/`nocommands` (module commands loaded later).
    pub future_commands: bool,
    /// `SELECTOR_FLAG_ALLCOMMANDS`: set by `+@all`, cleared by any rule that clears a bit.
    pub all_commands_flag: bool,
    /// First-arg allowlists (`+select|0`), lower-cased, per command id.
    first_args: BTreeMap<CommandId, Vec<String>>,
}

impl CommandBits {
    /// All bits clear (`-@all`).
    pub fn none(table: &CommandTable) -> CommandBits {
        CommandBits {
            allowed: vec![false; table.len()],
            future_commands: false,
            all_commands_flag: false,
            first_args: BTreeMap::new(),
        }
    }

    /// All bits set (`+@all`).
    pub fn all(table: &CommandTable) -> CommandBits {
        CommandBits {
            allowed: vec![true; table.len()],
            future_commands: true,
            all_commands_flag: true,
            first_args: BTreeMap::new(),
        }
    }

    /// The raw bit of a command (no ALLCOMMANDS / NO_AUTH / first-arg logic).
    pub fn bit(&self, id: CommandId) -> bool {
        self.allowed.get(id).copied().unwrap_or(false)
    }

    /// First-args allowed for a command whose bit is clear.
    pub fn first_args(&self, id: CommandId) -> &[String] {
        self.first_args.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Ids of commands with a first-arg allowlist.
    pub fn first_arg_commands(&self) -> impl Iterator<Item = CommandId> + '_ {
        self.first_args.keys().copied()
    }

    /// `ACLSelectorCheckCmd`'s command part, with no arguments: may the
    /// command run at all (ALLCOMMANDS flag, NO_AUTH flag, or its bit)?
    pub fn allows(&self, cmd: &Command) -> bool {
        self.all_commands_flag || self.bit(cmd.id) || cmd.is_no_auth()
    }

    /// Like [`CommandBits::allows`], with the first argument (`argv[1]`, or
    /// `argv[2]` for a subcommand) checked against the first-arg allowlist.
    pub fn allows_with_first_arg(&self, cmd: &Command, first_arg: Option<&str>) -> bool {
        if self.allows(cmd) {
            return true;
        }
        match first_arg {
            Some(a) => self
                .first_args(cmd.id)
                .iter()
                .any(|x| x.eq_ignore_ascii_case(a)),
            None => false,
        }
    }

    /// Sort first-arg lists so that two bitmaps compare as sets, and drop
    /// the lists of commands whose bit is set: they are never consulted, and
    /// the bit can only be cleared by rules that also reset the list.
    pub(crate) fn normalize(&mut self) {
        let allowed = &self.allowed;
        self.first_args
            .retain(|id, _| !allowed.get(*id).copied().unwrap_or(false));
        for v in self.first_args.values_mut() {
            v.sort();
        }
    }

    fn set_bit(&mut self, id: CommandId, value: bool) {
        if let Some(b) = self.allowed.get_mut(id) {
            *b = value;
        }
        if !value {
            self.all_commands_flag = false;
        }
    }

    /// `ACLChangeSelectorPerm`: the command and all its subcommands.
    pub(crate) fn change_perm(&mut self, table: &CommandTable, id: CommandId, allow: bool) {
        self.set_bit(id, allow);
        self.first_args.remove(&id);
        if let Some(cmd) = table.get(id) {
            for &s in &cmd.subcommands {
                self.set_bit(s, allow);
            }
        }
    }

    /// `ACLSetSelectorCommandBitsForCategory`: every command and subcommand
    /// in the category (each as a container: its subcommands too).
    pub(crate) fn change_category(&mut self, table: &CommandTable, cat: &str, allow: bool) {
        for cmd in table.commands() {
            if cmd.in_category(cat) {
                self.change_perm(table, cmd.id, allow);
            }
        }
    }

    pub(crate) fn add_first_arg(&mut self, id: CommandId, arg: &str) {
        let v = self.first_args.entry(id).or_default();
        if !v.iter().any(|x| x.eq_ignore_ascii_case(arg)) {
            v.push(arg.to_ascii_lowercase());
        }
    }

    /// Apply one retained command rule (`+@read`, `-get`, `+config|get`,
    /// `+select|0`, `+@all`, `-@all`); rules the table does not know are ignored.
    pub(crate) fn apply_rule(&mut self, table: &CommandTable, rule: &str) {
        let (allow, body) = match rule.as_bytes().first() {
            Some(b'+') => (true, &rule[1..]),
            Some(b'-') => (false, &rule[1..]),
            _ => return,
        };
        if let Some(cat) = body.strip_prefix('@') {
            if cat.eq_ignore_ascii_case("all") {
                *self = if allow {
                    CommandBits::all(table)
                } else {
                    CommandBits::none(table)
                };
            } else if table.is_category(cat) {
                self.change_category(table, cat, allow);
            }
            return;
        }
        match resolve_command_rule(table, allow, body) {
            Ok(Resolved::Command(id)) => self.change_perm(table, id, allow),
            Ok(Resolved::FirstArg(id, arg)) => self.add_first_arg(id, &arg),
            Err(_) => {}
        }
    }
}

/// What a `+x`/`-x` command rule refers to.
pub(crate) enum Resolved {
    Command(CommandId),
    FirstArg(CommandId, String),
}

/// Why a command rule failed (errno in `ACLSetSelector`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResolveError {
    /// ENOENT
    Unknown,
    /// EINVAL (`+get|`)
    Syntax,
    /// ECHILD (`+config|get|x`)
    FirstArgOfSub,
}

/// `ACLSetSelector`'s `+cmd` / `-cmd` branches, in Redis's order of checks.
pub(crate) fn resolve_command_rule(
    table: &CommandTable,
    allow: bool,
    body: &str,
) -> Result<Resolved, ResolveError> {
    let body = crate::grammar::cstr(body);
    if !allow {
        return table
            .lookup(body)
            .map(|c| Resolved::Command(c.id))
            .ok_or(ResolveError::Unknown);
    }
    match body.rfind('|') {
        None => table
            .lookup(body)
            .map(|c| Resolved::Command(c.id))
            .ok_or(ResolveError::Unknown),
        Some(i) => {
            let base = &body[..i];
            let sub = &body[i + 1..];
            let cmd = table.lookup(base).ok_or(ResolveError::Unknown)?;
            if cmd.parent.is_some() {
                return Err(ResolveError::FirstArgOfSub);
            }
            if sub.is_empty() {
                return Err(ResolveError::Syntax);
            }
            if !cmd.subcommands.is_empty() {
                table
                    .lookup(body)
                    .map(|c| Resolved::Command(c.id))
                    .ok_or(ResolveError::Unknown)
            } else {
                Ok(Resolved::FirstArg(cmd.id, sub.to_string()))
            }
        }
    }
}
