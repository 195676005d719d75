use super::{need, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{utc_datetime, Snapshot};

check! {
    /// ACL users were reviewed within the review period.
    ///
    /// **What.** The date of the last ACL review recorded for the target in
    /// rampart's history (`rampart acl review --record` records one) is
    /// within `--review-days` (default 90) days. The check skips, saying
    /// so, when no review was ever recorded for the target: rampart cannot
    /// know about reviews done elsewhere.
    ///
    /// **Why.** Accounts and permissions outlive the people and services
    /// they were made for; regular review is what compliance frameworks ask.
    ///
    /// **References.** Seed "Account Management".
    id: "MNT001",
    title: "ACL users reviewed recently",
    severity: Medium,
    sources: [Live, History],
    refs: [Nist80053("AC-2"), Nist80053("AC-6(7)")],
    remediation: "Review the users (`rampart acl review --config FILE` or `--aclfile FILE`), remove or narrow the ones no longer needed, and record the review: `--record --server HOST:PORT` (the name the audit uses; default: the config file's path).",
    fix: crate::fix::FixRule::DisplayOnly("a review is done by a person (`rampart acl review --record`)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let h = tri!(need(&s.history));
    let Some(r) = h.last_review else {
        return Outcome::skip(format!(
            "no ACL review recorded for {} in {} (record one with rampart acl review --record)",
            h.server,
            h.path.display()
        ));
    };
    let late = h.older_than(r.at, h.review_days);
    let ev = vec![Evidence::new(
        Source::History,
        h.location(),
        format!(
            "last review {} ({} days ago, {} user(s))",
            utc_datetime(r.at),
            h.age_days(r.at),
            r.users
        ),
        format!("reviewed within {} days", h.review_days),
    )];
    if late {
        Outcome::fail(
            format!(
                "the last ACL review was {} days ago (more than {})",
                h.age_days(r.at),
                h.review_days
            ),
            ev,
        )
    } else {
        Outcome::pass(
            format!(
                "the ACL users were reviewed {} days ago (within {})",
                h.age_days(r.at),
                h.review_days
            ),
            ev,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::test_support::{message_of, status_of};
    use crate::snapshot::{utc_datetime, Avail, HistoryFacts, ReviewRecord, Snapshot};
    use crate::Status;

    const NOW: i64 = 1_795_000_000;
    const DAY: i64 = 86_400;

    fn with_review(review: Option<i64>) -> Snapshot {
        let mut s = Snapshot::empty("10.0.0.5:6379");
        s.history = Avail::Present(HistoryFacts {
            path: "/state/history.sqlite".into(),
            server: "10.0.0.5:6379".into(),
            now: NOW,
            rotation_days: 90,
            review_days: 30,
            rotations: Default::default(),
            last_review: review.map(|at| ReviewRecord { at, users: 4 }),
        });
        s
    }

    #[test]
    fn pass_within_the_period() {
        let s = with_review(Some(NOW - 30 * DAY));
        assert_eq!(status_of(&CHECK, &s), Status::Pass);
        let f = crate::registry::run_one(&CHECK, &s);
        assert_eq!(
            f.evidence[0].observed,
            format!(
                "last review {} (30 days ago, 4 user(s))",
                utc_datetime(NOW - 30 * DAY)
            )
        );
        assert!(f.evidence[0].location.contains("[10.0.0.5:6379]"));
    }

    #[test]
    fn fail_when_older() {
        let s = with_review(Some(NOW - 31 * DAY));
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        assert!(message_of(&CHECK, &s).contains("31 days ago (more than 30)"));
    }

    #[test]
    fn skip_without_a_record_or_a_history() {
        let s = with_review(None);
        assert_eq!(status_of(&CHECK, &s), Status::Skip);
        assert!(message_of(&CHECK, &s).contains("no ACL review recorded for 10.0.0.5:6379"));
        let s = Snapshot::empty("x");
        assert_eq!(status_of(&CHECK, &s), Status::Skip);
        assert!(message_of(&CHECK, &s).contains("rampart acl review --record"));
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc_datetime(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_datetime(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_datetime(1_795_000_000), "2026-11-18 11:06 UTC");
    }
}
