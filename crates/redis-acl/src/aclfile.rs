//! The external ACL file (`aclfile`), read as `ACLLoadFromFile` (7.0) reads it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::grammar::{has_spaces, merge_selector_args_cow, parse_rule_impl, RuleErrorKind};
use crate::table::CommandTable;
use crate::{AclFile, AclProblem, Rule, RuleError, Span, User, UserDef};

pub(crate) const MSG_START: &str = "should start with user keyword followed by the username";
pub(crate) const MSG_UNMATCHED: &str = "Unmatched parenthesis in selector definition";
/// Not a Redis message: Redis 7.0 dereferences NULL on such a line.
pub(crate) const MSG_CRASH: &str = "redis-server 7.0 crashes (SIGSEGV) loading this line: \
     an unmatched parenthesis after other rules makes ACLLoadFromFile dereference NULL";

/// `fgets` into a 1024-byte buffer + `sdscat` (stops at NUL): a NUL byte
/// drops the rest of its line chunk.
fn redis_read(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let end = (i + 1023).min(b.len());
        let chunk_end = match b[i..end].iter().position(|&c| c == b'\n') {
            Some(p) => i + p + 1,
            None => end,
        };
        let chunk = &b[i..chunk_end];
        let n = chunk.iter().position(|&c| c == 0).unwrap_or(chunk.len());
        out.extend_from_slice(&chunk[..n]);
        i = chunk_end;
    }
    out
}

/// `keep_rules`: every [`UserDef::rules`] is filled; else only a
/// `default` line's (a caller that uses [`AclFile::built`] needs no other,
/// and 100k users' rules were a copy of every pattern and password).
pub(crate) fn parse(path: &Path, text: &str, table: &CommandTable, keep_rules: bool) -> AclFile {
    let file: Arc<Path> = Arc::from(path);
    let span = |line: usize| Span {
        file: file.clone(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
    };
    // Without a NUL byte, what Redis reads is the text itself: no copy.
    // Lines split on '\n' (ASCII), so the text made valid once is each
    // line made valid (`from_utf8_lossy` per line gave the same).
    let content: Cow<'_, str> = if text.as_bytes().contains(&0) {
        Cow::Owned(String::from_utf8_lossy(&redis_read(text.as_bytes())).into_owned())
    } else {
        Cow::Borrowed(text)
    };
    let content: &str = &content;
    let mut out = AclFile::default();
    let mut seen: HashSet<&str> = HashSet::new();
    if content.is_empty() {
        return out;
    }
    // Sized once, not grown by doubling to 100k users.
    let lines = content.bytes().filter(|&c| c == b'\n').count() + 1;
    out.users.reserve(lines);
    out.built.reserve(lines);
    seen.reserve(lines);
    // Tokens borrow the text (one buffer for every line, no String a token).
    let mut argv: Vec<&str> = Vec::new();
    for (i, raw) in content.split('\n').enumerate() {
        let linenum = i + 1;
        let line = raw.trim_matches([' ', '\t', '\r', '\n']);
        if line.is_empty() {
            continue;
        }
        argv.clear();
        argv.extend(line.split(' '));
        let problem = |message: String| AclProblem {
            span: span(linenum),
            message,
        };
        if argv.first() != Some(&"user") || argv.len() < 2 {
            out.problems.push(problem(MSG_START.into()));
            continue;
        }
        let name = argv[1];
        if has_spaces(name) {
            out.problems.push(problem(format!(
                "username '{}' contains invalid characters",
                name
            )));
            continue;
        }
        if !seen.insert(name) {
            out.problems
                .push(problem(format!("Duplicate user '{name}' found")));
            continue;
        }
        // Selectors spread over tokens are merged only by lines that have
        // selectors (6.2 reads `(~a` as one, bad, op).
        let (merged, unmatched) = if table.grammar().selectors {
            merge_selector_args_cow(&argv[2..])
        } else {
            (argv[2..].iter().map(|&t| Cow::Borrowed(t)).collect(), None)
        };
        if unmatched.is_some() {
            out.problems.push(problem(MSG_UNMATCHED.into()));
            if !merged.is_empty() {
                out.problems.push(problem(MSG_CRASH.into()));
            }
        }
        let mut user = User::new_in(table, name);
        let keep = keep_rules || name == "default";
        let mut rules: Vec<Rule> = Vec::with_capacity(if keep { merged.len() } else { 0 });
        let mut reported_other = false;
        for op in &merged {
            let op = op.trim_matches(['\t', '\r', '\n']);
            match user.apply_op_rule(table, op) {
                Ok(Some(r)) => {
                    if keep {
                        rules.push(r);
                    }
                }
                // A selector (or an empty op): its rule is parsed here only.
                Ok(None) => {
                    if !keep {
                        continue;
                    }
                    if let Ok(r) = parse_rule_impl(op) {
                        rules.push(r);
                    }
                }
                Err(e) => match e.kind() {
                    Some(RuleErrorKind::UnknownCommandOrCategory) => {
                        out.problems.push(problem(format!(
                            "Error in applying operation '{}': {}",
                            e.op().unwrap_or(""),
                            RuleErrorKind::UnknownCommandOrCategory.redis_reason()
                        )));
                    }
                    k => {
                        if !reported_other {
                            reported_other = true;
                            let reason = k.map(|k| k.redis_reason()).unwrap_or("Syntax error");
                            out.problems.push(problem(reason.to_string()));
                        }
                    }
                },
            }
        }
        out.users.push(UserDef {
            name: name.to_string(),
            rules,
            span: span(linenum),
        });
        out.built.push(user);
    }
    out
}

impl AclFile {
    /// [`AclFile::parse`] against a given command table.
    pub fn parse_with(path: &Path, text: &str, table: &CommandTable) -> AclFile {
        parse(path, text, table, true)
    }

    /// [`AclFile::parse_with`] for a caller that takes the users from
    /// [`AclFile::built`]: [`UserDef::rules`] is filled only for a
    /// `default` line (whose rules a caller may apply to the built-in
    /// default user) and is empty for every other user. Names, spans,
    /// problems and built users are those of [`AclFile::parse_with`].
    pub fn parse_built_with(path: &Path, text: &str, table: &CommandTable) -> AclFile {
        parse(path, text, table, false)
    }

    /// What redis-server 7.0 logs after `Aborting Redis startup because of
    /// ACL errors: ` (and `ACL LOAD` replies), with `acl_filename` as
    /// configured; `None` when the file loads.
    pub fn redis_error_string(&self, acl_filename: &str) -> Option<String> {
        if self.problems.is_empty() {
            return None;
        }
        let mut s = String::new();
        for p in &self.problems {
            let (f, l, m) = (acl_filename, p.span.line, p.message.as_str());
            if m == MSG_CRASH {
                continue;
            } else if m == MSG_START {
                s.push_str(&format!("{f}:{l} {m}. "));
            } else if m.starts_with("username '") {
                s.push_str(&format!("'{f}:{l}: {m}. "));
            } else if m.starts_with("Duplicate user '") {
                s.push_str(&format!("WARNING: {m} on line {l}. "));
            } else if m == MSG_UNMATCHED {
                s.push_str(&format!("{f}:{l}: {m}."));
            } else {
                s.push_str(&format!("{f}:{l}: {m}. "));
            }
        }
        s.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Some(s)
    }

    /// Whether redis-server 7.0 would crash loading this file.
    pub fn crashes_redis_7_0(&self) -> bool {
        self.problems.iter().any(|p| p.message == MSG_CRASH)
    }

    /// The users Redis holds after loading this file (when it has no
    /// problems): every defined user, plus the built-in `default`
    /// (`on nopass ~* &* +@all`) when the file does not define it.
    pub fn effective_users(&self) -> Vec<User> {
        let mut users: Vec<User> = self
            .users
            .iter()
            .map(|d| d.to_user().unwrap_or_else(|_| User::new(&d.name)))
            .collect();
        if !users.iter().any(|u| u.name == "default") {
            users.push(User::default_user());
        }
        users.sort_by(|a, b| a.name.cmp(&b.name));
        users
    }
}

impl UserDef {
    /// A redis.conf `user` directive's arguments (`name rule…`, already
    /// tokenized by the config parser). Errors as `ACLAppendUserForLoading`
    /// / `ACLLoadConfiguredUsers` find them: syntax errors first, unknown
    /// commands after.
    pub fn from_config_args<S: AsRef<str>>(args: &[S], span: Span) -> Result<UserDef, RuleError> {
        UserDef::from_config_args_with(args, span, CommandTable::redis_7_0())
    }

    /// [`UserDef::from_config_args`] against a given command table.
    pub fn from_config_args_with<S: AsRef<str>>(
        args: &[S],
        span: Span,
        table: &CommandTable,
    ) -> Result<UserDef, RuleError> {
        let Some(name) = args.first().map(|s| s.as_ref()) else {
            return Err(RuleError {
                message: "wrong number of arguments for 'user'".into(),
            });
        };
        if has_spaces(name) {
            return Err(RuleError {
                message: "Spaces not allowed in ACL usernames".into(),
            });
        }
        let rest = &args[1..];
        let merged = if table.grammar().selectors {
            crate::grammar::merge_selector_args(rest).map_err(|i| {
                let t = rest.get(i).map(|t| t.as_ref()).unwrap_or("");
                RuleError::new(t, RuleErrorKind::UnmatchedParenthesis)
            })?
        } else {
            rest.iter().map(|t| t.as_ref().to_string()).collect()
        };
        // ACLAppendUserForLoading validates on a fresh (unlinked) user.
        let mut user = User::new_in(table, name);
        let mut rules = Vec::new();
        let mut unknown: Option<RuleError> = None;
        for op in &merged {
            match user.apply_op_rule(table, op) {
                Ok(Some(r)) => rules.push(r),
                // A selector (or an empty op): its rule is parsed here only.
                Ok(None) => {
                    if let Ok(r) = parse_rule_impl(op) {
                        rules.push(r);
                    }
                }
                Err(e) if e.kind() == Some(RuleErrorKind::UnknownCommandOrCategory) => {
                    unknown.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(e) = unknown {
            return Err(e);
        }
        Ok(UserDef {
            name: name.to_string(),
            rules,
            span,
        })
    }

    /// The user an ACL file line creates: a new user (`off`, `-@all`, no
    /// keys or channels) with the rules applied.
    pub fn to_user(&self) -> Result<User, RuleError> {
        self.to_user_with(CommandTable::redis_7_0())
    }

    /// [`UserDef::to_user`] against a given command table.
    pub fn to_user_with(&self, table: &CommandTable) -> Result<User, RuleError> {
        let mut u = User::new_in(table, &self.name);
        u.apply_with(table, &self.rules)?;
        Ok(u)
    }

    /// The user a redis.conf `user` line creates: like [`UserDef::to_user`],
    /// except that `default` starts as the built-in default user and is
    /// `reset` first.
    pub fn to_user_from_config(&self) -> Result<User, RuleError> {
        self.to_user_from_config_with(CommandTable::redis_7_0())
    }

    /// [`UserDef::to_user_from_config`] against a given command table.
    pub fn to_user_from_config_with(&self, table: &CommandTable) -> Result<User, RuleError> {
        let mut u = if self.name == "default" {
            let mut d = User::default_user();
            d.apply_with(table, &[Rule::Reset])?;
            d
        } else {
            User::new_in(table, &self.name)
        };
        u.apply_with(table, &self.rules)?;
        Ok(u)
    }
}
