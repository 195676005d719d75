use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{Snapshot, LIVE_ABSENT};

check! {
    /// An odd number of at least 3 master nodes (Sentinel: at least 3 sentinels, odd).
    ///
    /// **What.** From CLUSTER NODES (or the Sentinel's known sentinels): the
    /// number of masters serving slots is odd and at least 3.
    ///
    /// **Why.** Failover needs a majority of masters (or sentinels) to
    /// agree; with 2, or an even split, one failure or partition stops it.
    ///
    /// **References.** Redis Cluster specification "Failure detection";
    /// checklist "Ensure that an odd number of at least 3 nodes are deployed".
    id: "CLU001",
    title: "Odd number of at least 3 masters",
    severity: High,
    sources: [Live],
    remediation: "Run at least 3 masters (or sentinels), an odd number, on separate hosts.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    if let Some(c) = s.conf.get() {
        if !c.is_yes("cluster-enabled") && matches!(s.sentinel, crate::Avail::Absent(_)) {
            return Outcome::skip("not a cluster node and no Sentinel config (cluster-enabled no)");
        }
    }
    Outcome::skip(format!(
        "{LIVE_ABSENT} (the node count comes from CLUSTER NODES)"
    ))
}
