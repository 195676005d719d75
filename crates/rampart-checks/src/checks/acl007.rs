use super::users::{describe, user_evidence};
use super::{acl, settings, tri};
use crate::model::{Evidence, Outcome};
use crate::registry::check;
use crate::snapshot::{AclFacts, AclOrigin, Snapshot};

check! {
    /// `requirepass` is set only where backward compatibility needs it.
    ///
    /// **What.** `requirepass` is the pre-ACL way to set the default user's
    /// password. With an `aclfile` it is ignored at startup (the ACL file's
    /// `default` line, or its absence, decides), so setting it there fails:
    /// it looks like protection and is none. (A `CONFIG SET requirepass` at
    /// runtime does give the running default user a password, until the
    /// next restart or `ACL LOAD`: a live audit that sees the running
    /// default user with a password the ACL file does not give it says so.)
    /// Without an ACL file, whether legacy
    /// clients need it is a decision rampart cannot see: the check is
    /// `manual` and says what to verify. Unset passes.
    ///
    /// **Why.** `CONFIG SET requirepass` resets every other password of the
    /// default user, `CONFIG GET requirepass` returns it in clear to anyone
    /// with `config|get`, and it may be stale after ACL changes.
    ///
    /// **References.** redis.conf "requirepass" (not compatible with
    /// aclfile); seed checklist "Ensure that the requirepass is only set if
    /// backwards compatibility is required".
    id: "ACL007",
    title: "requirepass only where compatibility needs it",
    severity: Medium,
    sources: [Conf, Live],
    refs: [Nist80053("IA-2"), Nist80053("AC-2")],
    remediation: "Remove `requirepass` and define users in the ACL file; if legacy clients send `AUTH <password>`, give the default user that password (hashed) in the ACL file instead.",
    fix: crate::fix::FixRule::DisplayOnly("the requirepass line holds a password, and removing it refuses the clients that log in with it"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let a = tri!(acl(s));
    let expected = "not set unless legacy clients need it";
    // CONFIG GET shows a set secret as `***` (rampart never keeps its value).
    let set = match st.conf().and_then(|c| c.config.last("requirepass")) {
        _ if st.is_live("requirepass") => !st.value("requirepass").is_empty(),
        Some(d) => d.args.first().is_some_and(|v| !v.is_empty()),
        None => false,
    };
    if !set {
        return Outcome::pass(
            "requirepass is not set",
            st.evidence("requirepass", "requirepass not set", expected),
        );
    }
    let ev = st.evidence(
        "requirepass",
        "requirepass is set (value not shown)",
        expected,
    );
    let aclfile = matches!(a.origin, AclOrigin::AclFile(_)) || !st.value("aclfile").is_empty();
    if aclfile {
        if let Some(runtime) = runtime_password(s, expected) {
            let mut ev = ev;
            ev.extend(runtime);
            return Outcome::fail(
                "requirepass is set with an aclfile, and the running default user has a password the ACL file does not give it (set at runtime, by CONFIG SET requirepass or ACL SETUSER): a restart or ACL LOAD drops it, and the ACL file alone decides",
                ev,
            );
        }
        return Outcome::fail(
            "requirepass is set but ignored because an aclfile is used: the ACL file alone decides the default user's password",
            ev,
        );
    }
    Outcome::manual(
        "requirepass is set: verify that legacy clients using `AUTH <password>` still need it; otherwise replace it with ACL users",
        ev,
    )
}

/// Evidence that the running default user has a password its ACL file
/// does not give it; `None` otherwise (or without both sources).
fn runtime_password(s: &Snapshot, expected: &str) -> Option<Vec<Evidence>> {
    let (live, files) = (s.acl_live.get()?, s.acl.get()?);
    if !matches!(files.origin, AclOrigin::AclFile(_)) {
        return None;
    }
    let has_password = |a: &AclFacts| {
        a.default_user()
            .is_some_and(|d| d.user.enabled && !d.user.nopass && !d.user.passwords.is_empty())
    };
    if !has_password(live) || has_password(files) {
        return None;
    }
    let ev = |a: &AclFacts| {
        a.default_user().map(|d| {
            user_evidence(
                s,
                a,
                d,
                format!("user default: {}", describe(&d.user)),
                expected,
            )
        })
    };
    Some([ev(live), ev(files)].into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, snapshot_with, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Pass);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("requirepass abc\n")),
            Status::Manual
        );
        assert_eq!(
            status_of(
                &CHECK,
                &snapshot_with(
                    "aclfile users.acl\nrequirepass abc\n",
                    Some("user default off\n")
                )
            ),
            Status::Fail
        );
    }
}
