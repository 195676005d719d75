use super::{acl, conf, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{AclOrigin, Snapshot};

check! {
    /// `requirepass` is set only where backward compatibility needs it.
    ///
    /// **What.** `requirepass` is the pre-ACL way to set the default user's
    /// password. With an `aclfile` it is ignored (the ACL file's `default`
    /// line, or its absence, decides), so setting it there fails: it looks
    /// like protection and is none. Without an ACL file, whether legacy
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
    remediation: "Remove `requirepass` and define users in the ACL file; if legacy clients send `AUTH <password>`, give the default user that password (hashed) in the ACL file instead.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(conf(s));
    let a = tri!(acl(s));
    let Some(d) = c.config.last("requirepass") else {
        return Outcome::pass(
            "requirepass is not set",
            vec![Evidence::new(
                Source::Conf,
                c.location("requirepass"),
                "requirepass not set",
                "not set unless legacy clients need it",
            )],
        );
    };
    if d.args.first().map(|v| v.is_empty()).unwrap_or(true) {
        return Outcome::pass(
            "requirepass is empty (not set)",
            vec![Evidence::at(
                Source::Conf,
                &d.span,
                "requirepass \"\"",
                "not set unless legacy clients need it",
            )],
        );
    }
    let ev = Evidence::at(
        Source::Conf,
        &d.span,
        "requirepass is set (value not shown)",
        "not set unless legacy clients need it",
    );
    if matches!(a.origin, AclOrigin::AclFile(_)) {
        return Outcome::fail(
            "requirepass is set but ignored because an aclfile is used: the ACL file alone decides the default user's password",
            vec![ev],
        );
    }
    Outcome::manual(
        "requirepass is set: verify that legacy clients using `AUTH <password>` still need it; otherwise replace it with ACL users",
        vec![ev],
    )
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
