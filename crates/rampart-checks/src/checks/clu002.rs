use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{Snapshot, LIVE_ABSENT};

check! {
    /// Losing any one host keeps quorum.
    ///
    /// **What.** From the live topology: no master shares a host with its
    /// own replicas, and the masters are spread so that a host (or a
    /// planned maintenance group) going down leaves a majority. The report
    /// says how many nodes can fail.
    ///
    /// **Why.** Rebooting a host that carries a master and its replica, or
    /// a majority of masters, loses slots or quorum at once.
    ///
    /// **References.** Checklist "Ensure any reboot schedules do not reboot
    /// enough nodes at the same time to lose quorum".
    id: "CLU002",
    title: "One host failure keeps quorum",
    severity: Medium,
    sources: [Live],
    remediation: "Place each master's replicas on other hosts (and racks/zones) than the master, and reboot at most one host of a shard at a time.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    if let Some(c) = s.conf.get() {
        if !c.is_yes("cluster-enabled") && matches!(s.sentinel, crate::Avail::Absent(_)) {
            return Outcome::skip("not a cluster node and no Sentinel config (cluster-enabled no)");
        }
    }
    Outcome::skip(format!(
        "{LIVE_ABSENT} (placement comes from CLUSTER NODES)"
    ))
}
