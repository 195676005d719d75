//! What is too much in a user's permissions: the least-privilege
//! observations of `rampart acl review`, decided here from the facts of a
//! [`UserReview`] (redis-acl's review says what a user can do, never
//! whether that is too much). ACL008 reports the [`EXCESS`] ones; `acl
//! review` prints them all.

use redis_acl::review::{PasswordKind, UserReview};
use serde::Serialize;

/// One least-privilege observation, with the rule change that would drop
/// the excess.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// Stable code: `all-commands`, `dangerous-wholesale`, `all-keys`,
    /// `all-channels`, `keys-unused`, `channels-unused`, `nopass`,
    /// `plaintext-password`, `disabled`, `db-restricted` (Valkey 9.1+:
    /// some selector reaches only some databases).
    pub code: &'static str,
    pub message: String,
    /// The rule change that would drop the excess (`-@dangerous`, `resetchannels`).
    pub drop: Option<&'static str>,
}

/// Codes that mean "more than the role needs" (ACL008; the others belong
/// to ACL001, ACL004 and ACL006).
pub const EXCESS: &[&str] = &[
    "all-commands",
    "all-keys",
    "all-channels",
    "keys-unused",
    "channels-unused",
];

/// How many of a list are shown before "… (N more)".
const SHOWN: usize = 12;

/// Every observation on one reviewed user, in a stable order.
pub fn observe(r: &UserReview) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut f = |code, message: String, drop: Option<&'static str>| {
        out.push(Observation {
            code,
            message,
            drop,
        });
    };
    if !r.enabled {
        f(
            "disabled",
            "user is off: it cannot log in, but connections already authenticated keep these permissions".into(),
            None,
        );
    }
    if r.password == PasswordKind::Nopass && r.enabled {
        f(
            "nopass",
            "any password logs in (nopass)".into(),
            Some("resetpass, then >password or #sha256"),
        );
    }
    if matches!(r.password, PasswordKind::Plaintext | PasswordKind::Mixed) {
        f(
            "plaintext-password",
            format!(
                "{} password(s) stored in clear text (>password)",
                r.plaintext_count
            ),
            Some("rampart acl migrate-hashes FILE"),
        );
    }
    if let Some(dbs) = &r.databases {
        let shown: Vec<String> = dbs
            .iter()
            .map(|(i, rule)| {
                if *i == 0 {
                    format!("root selector: {rule}")
                } else {
                    format!("selector #{i}: {rule}")
                }
            })
            .collect();
        f(
            "db-restricted",
            format!(
                "databases restricted ({}); commands that need every database (FLUSHALL) only where a selector has them all",
                shown.join("; ")
            ),
            None,
        );
    }
    if r.all_commands {
        f(
            "all-commands",
            format!(
                "holds every command ({}), including future module commands (+@all)",
                r.commands_allowed
            ),
            Some("-@all, then the categories and commands the role needs"),
        );
    }
    let wholesale: Vec<&str> = r
        .dangerous_wholesale()
        .map(|d| d.command.as_str())
        .collect();
    if !wholesale.is_empty() {
        let more = if wholesale.len() > SHOWN {
            format!(", … ({} more)", wholesale.len() - SHOWN)
        } else {
            String::new()
        };
        let shown = &wholesale[..wholesale.len().min(SHOWN)];
        f(
            "dangerous-wholesale",
            format!(
                "{} @dangerous command(s) come from a category or +@all: {}{more}",
                wholesale.len(),
                shown.join(", ")
            ),
            Some("-@dangerous (append to each selector), then +cmd for the few it needs"),
        );
    }
    // Keys, then channels: everything reached, or patterns nothing uses.
    let reaches = [
        (
            &r.key_reach,
            ("all-keys", "reaches every key (~* / allkeys)"),
            "resetkeys, then the application's prefixes (~app:*, %R~ for readers)",
            ("keys-unused", "key patterns that no allowed command uses"),
            "resetkeys",
        ),
        (
            &r.channel_reach,
            ("all-channels", "reaches every Pub/Sub channel (&*)"),
            "resetchannels, then &the-channels-it-uses",
            (
                "channels-unused",
                "channel patterns but no PUBLISH/SUBSCRIBE command allowed",
            ),
            "resetchannels",
        ),
    ];
    for (reach, (all, all_msg), all_drop, (unused, unused_msg), unused_drop) in reaches {
        if reach.all && reach.used {
            f(all, all_msg.into(), Some(all_drop));
        }
        if !reach.patterns.is_empty() && !reach.used {
            f(unused, unused_msg.into(), Some(unused_drop));
        }
    }
    out
}

/// A user's review and what is decided of it: what `acl review` renders.
#[derive(Clone, Debug)]
pub struct Reviewed {
    pub review: UserReview,
    pub observations: Vec<Observation>,
    /// `file:line` of the user's definition (none for the built-in default).
    pub location: Option<String>,
}

impl Reviewed {
    pub fn new(review: UserReview, location: Option<String>) -> Reviewed {
        let observations = observe(&review);
        Reviewed {
            review,
            observations,
            location,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use redis_acl::review::review_user;
    use redis_acl::{CommandTable, User};

    fn codes(table: &CommandTable, rules: &[&str]) -> Vec<&'static str> {
        let mut u = User::new("u");
        u.apply_tokens_with(table, rules)
            .unwrap_or_else(|e| panic!("{e}"));
        observe(&review_user(&u, table))
            .iter()
            .map(|o| o.code)
            .collect()
    }

    #[test]
    fn observations() {
        let t = CommandTable::redis_7_0();
        let c = codes(t, &["on", ">pw", "~*", "&*", "+@all"]);
        for code in [
            "all-commands",
            "dangerous-wholesale",
            "all-keys",
            "all-channels",
            "plaintext-password",
        ] {
            assert!(c.contains(&code), "{code} in {c:?}");
        }
        let c = codes(
            t,
            &[
                "on",
                "~app:*",
                "+@read",
                "+@write",
                "-@dangerous",
                "+client|kill",
            ],
        );
        assert!(!c.contains(&"dangerous-wholesale"), "{c:?}");
        let c = codes(t, &["on", "&*", "~x", "+ping"]);
        assert!(
            c.contains(&"channels-unused") && c.contains(&"keys-unused"),
            "{c:?}"
        );
        let c = codes(t, &["off", "nopass"]);
        assert!(c.contains(&"disabled") && !c.contains(&"nopass"), "{c:?}");
        assert!(codes(t, &["on", "nopass"]).contains(&"nopass"));
    }

    #[test]
    fn database_rules() {
        let t = CommandTable::valkey_9_1();
        // +@all ~* in one database: not "every command".
        let c = codes(t, &["on", "nopass", "~*", "&*", "+@all", "db=5"]);
        assert!(
            !c.contains(&"all-commands") && c.contains(&"db-restricted"),
            "{c:?}"
        );
        // resetdbs: no keyed command at all, so its key patterns are unused.
        let c = codes(t, &["on", "nopass", "~*", "+@all", "resetdbs"]);
        assert!(c.contains(&"keys-unused"), "{c:?}");
    }
}
