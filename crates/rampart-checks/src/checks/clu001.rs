use super::cluster::parse_nodes;
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

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
    fix: crate::fix::FixRule::DisplayOnly("adding or removing masters is a topology change"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    if let Some(first) = &s.topology_reported_on {
        return Outcome::skip(format!(
            "topology-wide: reported once for the cluster, on {first}"
        ));
    }
    if let Some(l) = s.live.get() {
        if let Some(nodes) = &l.cluster_nodes {
            let text = match nodes {
                Ok(t) => t,
                Err(e) => return Outcome::error(format!("CLUSTER NODES failed: {e}")),
            };
            let masters: Vec<_> = parse_nodes(text)
                .into_iter()
                .filter(|n| n.master && n.has_slots)
                .collect();
            let healthy = masters.iter().filter(|n| !n.failed).count();
            let ev = vec![Evidence::new(
                Source::Live,
                format!("CLUSTER NODES on {}", l.endpoint),
                format!(
                    "{} master(s) with slots ({healthy} healthy): {}",
                    masters.len(),
                    masters
                        .iter()
                        .map(|m| m.addr.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                "an odd number of at least 3 masters",
            )];
            let n = masters.len();
            return if n >= 3 && n % 2 == 1 {
                Outcome::pass(
                    format!(
                        "{n} masters: a majority survives the loss of {}",
                        (n - 1) / 2
                    ),
                    ev,
                )
            } else {
                Outcome::fail(
                    format!("{n} master(s): failover needs an odd number of at least 3"),
                    ev,
                )
            };
        }
    }
    if let crate::Avail::Present(sf) = &s.sentinel {
        let known = sf
            .config
            .all("sentinel")
            .filter(|d| {
                d.args
                    .first()
                    .is_some_and(|a| a.eq_ignore_ascii_case("known-sentinel"))
            })
            .count();
        let n = known + 1;
        let ev = vec![Evidence::file(
            Source::Conf,
            &sf.path,
            format!("this sentinel and {known} known-sentinel line(s)"),
            "an odd number of at least 3 sentinels",
        )];
        return if n >= 3 && n % 2 == 1 {
            Outcome::pass(format!("{n} sentinels"), ev)
        } else {
            Outcome::fail(
                format!("{n} sentinel(s) known: a quorum needs an odd number of at least 3"),
                ev,
            )
        };
    }
    if let Ok(st) = super::settings(s) {
        if !st.is_yes("cluster-enabled") {
            return Outcome::skip("not a cluster node and no Sentinel config (cluster-enabled no)");
        }
    }
    super::live_outcome(s, "the node count comes from CLUSTER NODES")
}
