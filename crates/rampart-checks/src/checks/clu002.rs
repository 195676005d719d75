use super::cluster::{live_cluster, Node};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

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
    refs: [Nist80053("CP-10"), Nist80053("SC-36")],
    remediation: "Place each master's replicas on other hosts (and racks/zones) than the master, and reboot at most one host of a shard at a time.",
    fix: crate::fix::FixRule::DisplayOnly("moving nodes between hosts is a topology change"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let cluster = match live_cluster(s) {
        Ok(c) => c,
        Err(decided) => return decided,
    };
    if let Some((endpoint, nodes)) = cluster {
        let masters: Vec<&Node> = nodes.iter().filter(|n| n.master && n.has_slots).collect();
        let mut problems = Vec::new();
        // A shard whose master and replicas share one host dies with it.
        for m in &masters {
            let replicas: Vec<&Node> = nodes
                .iter()
                .filter(|n| n.master_id.as_deref() == Some(m.id.as_str()))
                .collect();
            let off_host = replicas.iter().filter(|r| r.host != m.host).count();
            if off_host == 0 {
                problems.push(format!(
                    "master {} has {} replica(s), none on another host",
                    m.addr,
                    replicas.len()
                ));
            }
        }
        // Failover needs a majority of masters: no host may hold half or more.
        let mut per_host: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for m in &masters {
            *per_host.entry(m.host.as_str()).or_default() += 1;
        }
        let majority = masters.len() / 2 + 1;
        for (h, n) in &per_host {
            if masters.len() > 1 && *n > masters.len() - majority {
                problems.push(format!(
                    "host {h} holds {n} of {} masters: losing it loses the majority",
                    masters.len()
                ));
            }
        }
        let ev = vec![Evidence::new(
            Source::Live,
            format!("CLUSTER NODES on {endpoint}"),
            if problems.is_empty() {
                format!(
                    "{} masters on {} host(s), every master has a replica on another host",
                    masters.len(),
                    per_host.len()
                )
            } else {
                problems.join("; ")
            },
            "masters and their replicas on different hosts; no host with a majority of masters",
        )];
        return if problems.is_empty() {
            Outcome::pass("losing any one host keeps every shard and the majority", ev)
        } else {
            Outcome::fail(
                "losing one host would lose a shard or the majority of masters",
                ev,
            )
        };
    }
    if let Ok(st) = super::settings(s) {
        if !st.is_yes("cluster-enabled") {
            return Outcome::skip("not a cluster node (cluster-enabled no)");
        }
    }
    super::live_outcome(s, "placement comes from CLUSTER NODES")
}
