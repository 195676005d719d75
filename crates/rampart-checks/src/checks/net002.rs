use super::sentinel_conf::{combine, live_is_sentinel, node_label, sentinel_conf};
use super::{acl, settings, tri};
use crate::fix::{Fix, Safety};
use crate::model::{Outcome, Status};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Protected mode is on unless AUTH or ACLs are enabled.
    ///
    /// **What.** `protected-mode` (default `yes`). With it off, a server
    /// whose default user needs no password accepts commands from any
    /// address it listens on. Off is acceptable only when clients must
    /// authenticate (the default user is off or has a password). With a
    /// sentinel.conf the Sentinel is judged too, in the Sentinel dialect:
    /// a Sentinel's protected mode is off unless its file says
    /// `protected-mode yes`, and its users are its own (`user` lines or
    /// `requirepass` in sentinel.conf, or a live Sentinel's ACL LIST); the
    /// worse verdict decides.
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
    refs: [Nist80053("SC-7"), Nist80053("IA-2")],
    remediation: "Set `protected-mode yes`, or require authentication (turn the default user off with ACL users, or give it a password) before turning protected mode off.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    combine(node_run(s), &node_label(s), sentinel_part(s))
}

/// The Sentinel's protected mode and default user.
fn sentinel_part(s: &Snapshot) -> Option<(String, Outcome)> {
    let sc = match sentinel_conf(s)? {
        Ok(sc) => sc,
        Err(o) => return Some(("Sentinel".into(), o)),
    };
    let pm = sc.value("protected-mode");
    let mut ev = vec![sc.evidence(
        "protected-mode",
        format!("protected-mode {pm}"),
        "protected-mode yes",
    )];
    let outcome = if pm.eq_ignore_ascii_case("yes") {
        Outcome::pass("protected mode is on", ev)
    } else {
        // A live Sentinel's own users when they were read, else its file's.
        let open = match (&s.acl_live, live_is_sentinel(s)) {
            (crate::Avail::Present(a), true) => {
                ev.push(super::acl003::default_user_evidence(s, a));
                Ok(a.default_user()
                    .is_some_and(|d| d.user.enabled && d.user.nopass))
            }
            _ => sc
                .users(super::command_table(s))
                .map(|a| match a.default_user() {
                    Some(d) => {
                        ev.push(sc.user_evidence(
                            d,
                            format!("user default: {}", super::users::describe(&d.user)),
                            "user default off, or a password",
                        ));
                        d.user.enabled && d.user.nopass
                    }
                    None => false,
                }),
        };
        match open {
            Err(o) => o,
            Ok(true) => Outcome::fail(
                "protected mode is off (a Sentinel's default) and the default user needs no password: any client that can reach the Sentinel's port can run commands (SENTINEL SET, SENTINEL FAILOVER, SENTINEL CONFIG SET ...)",
                ev,
            ),
            Ok(false) => Outcome::pass(
                "protected mode is off, but clients must authenticate (the default user is off or has a password)",
                ev,
            ),
        }
    };
    Some((sc.label(), outcome))
}

/// The data node (or the live server) alone.
fn node_run(s: &Snapshot) -> Outcome {
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
    if !matches!(node_run(s).status, Status::Fail | Status::Warn) {
        // Only the Sentinel fails: its file is the Sentinel's to rewrite.
        if let Some(Ok(sc)) = sentinel_conf(s) {
            return Fix::display_only(
                format!(
                    "in {}: protected-mode yes, or require authentication (`user default off` with ACL users, or requirepass)",
                    sc.cf.path.display()
                ),
                "rampart does not edit sentinel.conf, which the Sentinel rewrites itself: change it with the Sentinel stopped, then start it (Sentinels on other hosts then need a password: sentinel sentinel-user / sentinel-pass)",
            );
        }
    }
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
