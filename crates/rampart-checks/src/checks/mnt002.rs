use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Passwords were rotated within the rotation period.
    ///
    /// **What.** The age of every credential (ACL users, default user,
    /// replication and Sentinel users) from rampart's rotation history
    /// (`rampart rotate` records each rotation).
    ///
    /// **Why.** Regular rotation limits how long a leaked password works.
    ///
    /// **References.** Seed "Password Management".
    id: "MNT002",
    title: "Passwords rotated recently",
    severity: Medium,
    sources: [History],
    remediation: "Rotate overdue passwords with `rampart rotate`, which keeps old and new passwords valid during the switch.",
    run: run,
}

fn run(_s: &Snapshot) -> Outcome {
    Outcome::skip("needs the rotation history (no rotation record exists yet)")
}
