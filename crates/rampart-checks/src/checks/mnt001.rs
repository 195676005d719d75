use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// ACL users were reviewed within the review period.
    ///
    /// **What.** The date of the last recorded ACL review (`rampart acl
    /// review` records one) is within the review period (default 90 days).
    ///
    /// **Why.** Accounts and permissions outlive the people and services
    /// they were made for; regular review is what compliance frameworks ask.
    ///
    /// **References.** Seed "Account Management".
    id: "MNT001",
    title: "ACL users reviewed recently",
    severity: Medium,
    sources: [Live, History],
    remediation: "Review the users (`rampart acl review`), remove the ones no longer needed, and record the review.",
    run: run,
}

fn run(_s: &Snapshot) -> Outcome {
    Outcome::skip("needs the review history (no review record exists yet)")
}
