use super::users::{describe, user_evidence};
use super::{acl, tri};
use crate::model::{Evidence, Outcome};
use crate::registry::check;
use crate::snapshot::{AclFacts, Snapshot};

check! {
    /// The `default` user is off.
    ///
    /// **What.** The `default` user is the one every new connection is
    /// logged in as (when `nopass`), and the one `AUTH <password>` and
    /// `requirepass` refer to. It passes when it is `off`. When it is kept
    /// on for backward compatibility the check warns, and fails if it is
    /// `nopass` or holds every command on every key (`+@all ~*`).
    ///
    /// **Why.** Attackers and scanners try the default user first; a
    /// default user with full rights turns one leaked legacy password into
    /// total control.
    ///
    /// **References.** Redis ACL docs "The default user"; seed checklist
    /// "Ensure the default user is disabled, unless required for backwards
    /// compatibility".
    id: "ACL003",
    title: "The default user is off",
    severity: High,
    sources: [Conf, Aclfile, Live],
    refs: [Nist80053("AC-2"), Nist80053("AC-6"), Nist80053("IA-2")],
    remediation: "Add `user default off` to the ACL file and give every client its own user. If legacy clients need `AUTH <password>`, keep default on with a strong hashed password and only the commands and keys they use.",
    fix: crate::fix::FixRule::DisplayOnly("user lines may hold passwords, and turning the default user off refuses every client that logs in without a user name (`rampart harden`)"),
    run: run,
}

pub(crate) fn default_user_evidence(s: &Snapshot, a: &AclFacts) -> Evidence {
    match a.default_user() {
        Some(u) => user_evidence(
            s,
            a,
            u,
            format!("user default: {}", describe(&u.user)),
            "user default off",
        ),
        None => Evidence::new(
            crate::Source::Conf,
            s.target.clone(),
            "no default user",
            "user default off",
        ),
    }
}

fn run(s: &Snapshot) -> Outcome {
    let a = tri!(acl(s));
    let ev = vec![default_user_evidence(s, a)];
    let Some(d) = a.default_user() else {
        return Outcome::pass("there is no default user", ev);
    };
    let u = &d.user;
    if !u.enabled {
        return Outcome::pass("the default user is off", ev);
    }
    if u.nopass {
        return Outcome::fail(
            "the default user is on and nopass: every connection is logged in as it",
            ev,
        );
    }
    if u.root.all_keys && u.has_all_commands() {
        return Outcome::fail(
            "the default user is on with every command on every key (+@all ~*): one leaked legacy password gives full control",
            ev,
        );
    }
    Outcome::warn(
        "the default user is on (kept for compatibility?): it has a password and restricted rights; turn it off if no legacy client needs it",
        ev,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Fail);
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("requirepass 9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3\n")
            ),
            Status::Fail
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("user default off\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default on >9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3 ~cache:* +get\n")
            ),
            Status::Warn
        );
    }
}
