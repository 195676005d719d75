use super::{acl, need, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{utc_datetime, Snapshot};

check! {
    /// Passwords were rotated within the rotation period.
    ///
    /// **What.** Every user of the target (the running server's `ACL LIST`,
    /// else the users built from the files) that has a password, with the
    /// date of its last rotation from rampart's history (`rampart rotate`
    /// records one row per node and user when a rotation finishes, after
    /// the old password is removed). The check fails for a user never
    /// rotated by rampart, or last rotated more than `--rotation-days`
    /// (default 90) days ago. Users without a password (`nopass`, or off
    /// with none) are listed but have nothing to rotate: ACL001 judges
    /// `nopass`. The history holds dates only, never a password or hash.
    ///
    /// **Why.** Regular rotation limits how long a leaked password works.
    ///
    /// **References.** Seed "Password Management".
    id: "MNT002",
    title: "Passwords rotated recently",
    severity: Medium,
    sources: [History],
    refs: [Nist80053("IA-5")],
    remediation: "Rotate overdue passwords with `rampart rotate`, which keeps old and new passwords valid during the switch and records the rotation.",
    fix: crate::fix::FixRule::DisplayOnly("rotating a password needs a new secret (`rampart rotate`)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let h = tri!(need(&s.history));
    let a = tri!(acl(s));
    let expected = format!("rotated within {} days", h.rotation_days);
    let mut ev = Vec::new();
    let mut overdue = Vec::new();
    let mut judged = 0;
    for u in &a.users {
        let name = &u.user.name;
        let location = format!("{} user {name}", h.location());
        let has_password = !u.user.nopass && !u.user.passwords.is_empty();
        if !has_password {
            let why = if u.user.nopass {
                "nopass: no password to rotate (see ACL001)"
            } else {
                "no password: nothing to rotate"
            };
            ev.push(Evidence::new(
                Source::History,
                location,
                format!("user {name}: {why}"),
                expected.as_str(),
            ));
            continue;
        }
        judged += 1;
        let observed = match h.rotations.get(name) {
            None => {
                overdue.push(name.as_str());
                format!("user {name}: never rotated by rampart")
            }
            Some(r) => {
                let late = h.older_than(r.last, h.rotation_days);
                if late {
                    overdue.push(name.as_str());
                }
                format!(
                    "user {name}: last rotated {} ({} days ago{}; {} rotation(s) recorded)",
                    utc_datetime(r.last),
                    h.age_days(r.last),
                    if late { ", overdue" } else { "" },
                    r.count
                )
            }
        };
        ev.push(Evidence::new(
            Source::History,
            location,
            observed,
            expected.as_str(),
        ));
    }
    if judged == 0 {
        return Outcome::skip(format!(
            "no user of {} has a password to rotate (nopass users: see ACL001)",
            h.server
        ));
    }
    if overdue.is_empty() {
        Outcome::pass(
            format!(
                "every password ({judged}) was rotated within {} days",
                h.rotation_days
            ),
            ev,
        )
    } else {
        Outcome::fail(
            format!(
                "{} of {judged} password(s) not rotated within {} days: {}",
                overdue.len(),
                h.rotation_days,
                overdue.join(", ")
            ),
            ev,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::CHECK;
    use crate::checks::test_support::{message_of, snapshot_with, status_of};
    use crate::snapshot::{Avail, HistoryFacts, RotationRecord, Snapshot};
    use crate::Status;

    const NOW: i64 = 1_795_000_000;
    const DAY: i64 = 86_400;

    fn with_history(rotations: &[(&str, i64)]) -> Snapshot {
        let mut s = snapshot_with(
            "user default off\nuser app on >app-password-long-enough-1 ~app:* +@read\nuser ops on >ops-password-long-enough-2 ~* +@all\nuser guest on nopass ~* +@read\n",
            None,
        );
        s.history = Avail::Present(HistoryFacts {
            path: "/state/history.sqlite".into(),
            server: "redis.conf".into(),
            now: NOW,
            rotation_days: 90,
            review_days: 90,
            rotations: rotations
                .iter()
                .map(|(u, at)| {
                    (
                        u.to_string(),
                        RotationRecord {
                            count: 2,
                            last: *at,
                        },
                    )
                })
                .collect(),
            last_review: None,
        });
        s
    }

    #[test]
    fn pass_when_every_password_is_recent() {
        let s = with_history(&[("app", NOW - 10 * DAY), ("ops", NOW - 89 * DAY)]);
        assert_eq!(status_of(&CHECK, &s), Status::Pass);
        let f = crate::registry::run_one(&CHECK, &s);
        let ev: Vec<&str> = f.evidence.iter().map(|e| e.observed.as_str()).collect();
        assert!(ev.iter().any(|e| e.starts_with("user app: last rotated ")
            && e.contains("(10 days ago; 2 rotation(s) recorded)")));
        assert!(ev.iter().any(|e| e.contains("user guest: nopass")));
    }

    #[test]
    fn fail_when_never_rotated_or_overdue() {
        let s = with_history(&[("app", NOW - 91 * DAY)]);
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        let m = message_of(&CHECK, &s);
        assert!(m.contains("2 of 2 password(s)"), "{m}");
        assert!(m.contains("app, ops"), "{m}");
        let f = crate::registry::run_one(&CHECK, &s);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.observed == "user ops: never rotated by rampart"));
        assert!(f.evidence.iter().any(|e| e.observed.contains("overdue")));

        let s = with_history(&[("app", NOW - DAY)]);
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        assert!(message_of(&CHECK, &s).ends_with(": ops"));
    }

    #[test]
    fn skip_without_history_and_error_when_unreadable() {
        let s = snapshot_with("user app on >app-password-long-enough-1 +@all\n", None);
        assert_eq!(status_of(&CHECK, &s), Status::Skip);
        assert!(message_of(&CHECK, &s).contains("no history yet"));
        let mut s = s;
        s.history = Avail::Failed("history.sqlite: not a rampart history file".into());
        assert_eq!(status_of(&CHECK, &s), Status::Error);
    }

    #[test]
    fn skip_when_no_user_has_a_password() {
        let mut s = with_history(&[]);
        let only_nopass = snapshot_with("user default on nopass ~* +@all\n", None);
        s.acl = only_nopass.acl;
        assert_eq!(status_of(&CHECK, &s), Status::Skip);
    }
}
