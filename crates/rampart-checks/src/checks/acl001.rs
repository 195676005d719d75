use super::sentinel_conf::{combine, live_is_sentinel, node_label, sentinel_conf};
use super::users::{describe, user_evidence};
use super::{acl, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Authentication is required: AUTH or ACLs are enabled.
    ///
    /// **What.** The users Redis holds at startup, built from the ACL file,
    /// redis.conf `user` lines, or the built-in default user with
    /// `requirepass`. The check fails when the `default` user is on and
    /// `nopass` (every new connection is logged in as it), and when any
    /// other enabled user is `nopass` (anyone who knows the name gets in
    /// with any password). Note the trap: an ACL file without a
    /// `user default` line makes Redis create `default` as
    /// `on nopass ~* &* +@all`, and `requirepass` is ignored with `aclfile`.
    /// With a sentinel.conf the Sentinel's own users are judged too (its
    /// `user` lines, or the default user with its `requirepass`): a
    /// Sentinel takes commands from whoever reaches its port. A live
    /// Sentinel's ACL LIST, when read, stands for them.
    ///
    /// **Why.** Without authentication every client that reaches the port
    /// owns the data and, through CONFIG and MODULE, often the host.
    ///
    /// **References.** Redis ACL docs; redis.conf "requirepass"; seed
    /// checklist "Ensure AUTH or ACLs are enabled".
    id: "ACL001",
    title: "Authentication is required",
    severity: Critical,
    sources: [Conf, Aclfile, Live],
    refs: [Nist80053("IA-2"), Nist80053("AC-3")],
    remediation: "Define ACL users in an ACL file, with `user default off` (or `user default on #<sha256> ...` if legacy clients need it); never leave an enabled user `nopass`.",
    fix: crate::fix::FixRule::DisplayOnly("needs a password or ACL users, secrets rampart does not write into a config (`rampart harden` generates them)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    combine(node_run(s), &node_label(s), sentinel_part(s))
}

/// The Sentinel's users from its sentinel.conf (unless a live Sentinel's
/// ACL LIST already decided).
fn sentinel_part(s: &Snapshot) -> Option<(String, Outcome)> {
    if live_is_sentinel(s) && matches!(s.acl_live, crate::Avail::Present(_)) {
        return None;
    }
    Some(match sentinel_conf(s)? {
        Ok(sc) => match sc.users(super::command_table(s)) {
            Ok(a) => {
                let o = judge(&a, |u, observed, expected| {
                    sc.user_evidence(u, observed, expected)
                });
                (sc.label(), o)
            }
            Err(o) => (sc.label(), o),
        },
        Err(o) => ("Sentinel".into(), o),
    })
}

/// The data node (or the live server) alone.
fn node_run(s: &Snapshot) -> Outcome {
    let a = tri!(acl(s));
    judge(a, |u, observed, expected| {
        user_evidence(s, a, u, observed, expected)
    })
}

fn judge(
    a: &crate::AclFacts,
    evidence: impl Fn(&crate::UserEntry, String, &str) -> crate::Evidence,
) -> Outcome {
    let open: Vec<_> = a
        .users
        .iter()
        .filter(|u| u.user.enabled && u.user.nopass)
        .collect();
    if open.is_empty() {
        let ev = a
            .users
            .iter()
            .map(|u| {
                evidence(
                    u,
                    format!("user {}: {}", u.user.name, describe(&u.user)),
                    "off, or a password required",
                )
            })
            .collect();
        return Outcome::pass("every enabled user needs a password", ev);
    }
    let ev = open
        .iter()
        .map(|u| {
            evidence(
                u,
                format!("user {}: {}", u.user.name, describe(&u.user)),
                "off, or a password required",
            )
        })
        .collect();
    let names: Vec<_> = open.iter().map(|u| u.user.name.as_str()).collect();
    let msg = if names.contains(&"default") {
        if a.default_implicit && matches!(a.origin, crate::AclOrigin::AclFile(_)) {
            "the ACL file has no `user default` line, so Redis creates `default` as on nopass ~* &* +@all: every client is logged in with full access".to_string()
        } else {
            format!(
                "no authentication: the default user is on and nopass (nopass users: {})",
                names.join(", ")
            )
        }
    } else {
        format!("enabled users without a password: {}", names.join(", "))
    };
    Outcome::fail(msg, ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, message_of, snapshot_with, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Fail);
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("requirepass x9f2c1e7a4b8d3f60a1e5\n")
            ),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("user default off\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser app on nopass ~* +get\n")
            ),
            Status::Fail
        );
        // aclfile without a default line: wide open, and requirepass is ignored.
        let s = snapshot_with(
            "aclfile users.acl\nrequirepass abcdefabcdef1234\n",
            Some("user app on >x9f2c1e7a4b8d3f60a ~* +get\n"),
        );
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        assert!(message_of(&CHECK, &s).contains("no `user default` line"));
        let s = snapshot_with(
            "aclfile users.acl\n",
            Some("user default off\nuser app on >x9f2c1e7a4b8d3f60a ~* +get\n"),
        );
        assert_eq!(status_of(&CHECK, &s), Status::Pass);
    }
}
