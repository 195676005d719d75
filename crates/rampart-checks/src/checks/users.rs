//! Shared helpers for the account checks.

use crate::model::{Evidence, Source};
use crate::snapshot::{AclFacts, AclOrigin, Snapshot, UserEntry};
use redis_acl::{Selector, User};

/// `on, 2 passwords, ~* &* +@all` — never a password.
pub(crate) fn describe(u: &User) -> String {
    let state = if u.enabled { "on" } else { "off" };
    let pw = if u.nopass {
        "nopass".to_string()
    } else {
        match u.passwords.len() {
            0 => "no password".to_string(),
            1 => "1 password".to_string(),
            n => format!("{n} passwords"),
        }
    };
    let mut s = format!("{state}, {pw}, {}", describe_selector(&u.root));
    if !u.selectors.is_empty() {
        s.push_str(&format!(", {} selector(s)", u.selectors.len()));
    }
    s
}

pub(crate) fn describe_selector(sel: &Selector) -> String {
    let mut parts = Vec::new();
    if sel.all_keys {
        parts.push("~*".to_string());
    } else if sel.keys.is_empty() {
        parts.push("no keys".to_string());
    } else {
        for k in sel.keys.iter().take(4) {
            let flag = match (k.read, k.write) {
                (true, true) => "",
                (true, false) => "%R",
                (false, true) => "%W",
                (false, false) => "%",
            };
            parts.push(format!("{flag}~{}", k.pattern));
        }
        if sel.keys.len() > 4 {
            parts.push(format!("(+{} more)", sel.keys.len() - 4));
        }
    }
    if sel.all_channels {
        parts.push("&*".to_string());
    }
    let mut cmds = vec![if sel.all_commands_base {
        "+@all"
    } else {
        "-@all"
    }
    .to_string()];
    cmds.extend(sel.command_rules.iter().take(6).cloned());
    if sel.command_rules.len() > 6 {
        cmds.push(format!("(+{} more)", sel.command_rules.len() - 6));
    }
    parts.push(cmds.join(" "));
    parts.join(" ")
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
