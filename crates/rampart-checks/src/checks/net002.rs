use super::{acl, settings, tri};
use crate::fix::{Fix, Safety};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Protected mode is on unless AUTH or ACLs are enabled.
    ///
    /// **What.** `protected-mode` (default `yes`). With it off, a server
    /// whose default user needs no password accepts commands from any
    /// address it listens on. Off is acceptable only when clients must
    /// authenticate (the default user is off or has a password).
    ///
    /// **Why.** Since Redis 7.0 protected mode refuses non-loopback
    /// clients (`-DENIED`) whenever the default user is `nopass`: it is the
    /// last guard of an unauthenticated server that was bound too widely.
    ///
    /// **References.** redis.conf "protected-mode"; Redis security docs.
    id: "NET002",
    title: "Protected mode on unless authentication is required",
    severity: High,
    sources: [Conf, Live],
    remediation: "Set `protected-mode yes`, or require authentication (turn the default user off with ACL users, or give it a password) before turning protected mode off.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let pm = st.value("protected-mode");
    let mut ev = st.evidence(
        "protected-mode",
        format!("protected-mode {pm}"),
        "protected-mode yes",
    );
    if pm.eq_ignore_ascii_case("yes") {
        return Outcome::pass("protected mode is on", ev);
    }
    let a = tri!(acl(s));
    ev.push(super::acl003::default_user_evidence(s, a));
    match a.default_user() {
        Some(d) if d.user.enabled && d.user.nopass => Outcome::fail(
            "protected mode is off and the default user needs no password: any client that can reach the port can run commands",
            ev,
        ),
        _ => Outcome::pass(
            "protected mode is off, but clients must authenticate (the default user is off or has a password)",
            ev,
        ),
    }
}

fn fix(s: &Snapshot) -> Fix {
    Fix::builder(
        Safety::Unsafe,
        "protected-mode yes",
        "while the default user needs no password, clients from other hosts are refused (-DENIED)",
    )
    .set(s.conf.get(), "protected-mode", &["yes"])
    .build(CHECK.remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Pass);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("protected-mode no\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("protected-mode no\nrequirepass 9f2c1e7a4b8d3f60a1e5\n")
            ),
            Status::Pass
        );
    }
}
