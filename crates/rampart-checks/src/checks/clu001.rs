use super::cluster::live_cluster;
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// An odd number of at least 3 master nodes (Sentinel: at least 3 sentinels, odd).
    ///
    /// **What.** From CLUSTER NODES: the number of masters serving slots
    /// is odd and at least 3. For a Sentinel audited live: for every
    /// master it monitors, itself and the Sentinels SENTINEL SENTINELS
    /// lists are an odd number of at least 3. A sentinel.conf alone cannot
    /// tell: Sentinel discovers its peers at run time and writes the
    /// `known-sentinel` lines itself (a freshly installed file has none,
    /// and a rewritten one shows what that Sentinel knew when it last
    /// wrote it), so a files-only audit says `manual` and names the live
    /// audit that decides.
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
    refs: [Nist80053("CP-10"), Nist80053("SC-36")],
    remediation: "Run at least 3 masters (or sentinels), an odd number, on separate hosts.",
    fix: crate::fix::FixRule::DisplayOnly("adding or removing masters is a topology change"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let cluster = match live_cluster(s) {
        Ok(c) => c,
        Err(decided) => return decided,
    };
    if let Some((endpoint, nodes)) = cluster {
        let masters: Vec<_> = nodes
            .into_iter()
            .filter(|n| n.master && n.has_slots)
            .collect();
        let healthy = masters.iter().filter(|n| !n.failed).count();
        let ev = vec![Evidence::new(
            Source::Live,
            format!("CLUSTER NODES on {endpoint}"),
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
    if let Some((l, ls)) = s.live.get().and_then(|l| Some((l, l.sentinel.as_ref()?))) {
        return live_sentinel(&l.endpoint, ls);
    }
    if let crate::Avail::Present(sf) = &s.sentinel {
        let known: Vec<_> = sf
            .config
            .all("sentinel")
            .filter(|d| {
                d.args
                    .first()
                    .is_some_and(|a| a.eq_ignore_ascii_case("known-sentinel"))
            })
            .collect();
        let observed = match known.len() {
            0 => "no known-sentinel line (Sentinel writes them itself once it has found its peers)"
                .to_string(),
            n => format!("{n} known-sentinel line(s), as this Sentinel last rewrote the file"),
        };
        let mut ev = vec![Evidence::file(
            Source::Conf,
            &sf.path,
            observed,
            "an odd number of at least 3 sentinels, counted by a running Sentinel",
        )];
        ev.extend(known.iter().map(|d| {
            Evidence::at(
                Source::Conf,
                &d.span,
                format!("sentinel {}", d.args.join(" ")),
                "an odd number of at least 3 sentinels",
            )
        }));
        return Outcome::manual(
            "a sentinel.conf cannot show how many Sentinels watch the master: Sentinel discovers its peers and writes the known-sentinel lines itself; audit a running Sentinel (rampart audit HOST:26379) to count them",
            ev,
        );
    }
    if let Ok(st) = super::settings(s) {
        if !st.is_yes("cluster-enabled") {
            return Outcome::skip("not a cluster node and no Sentinel config (cluster-enabled no)");
        }
    }
    super::live_outcome(s, "the node count comes from CLUSTER NODES")
}

/// A live Sentinel: itself and the peers SENTINEL SENTINELS lists, per master.
fn live_sentinel(endpoint: &str, ls: &crate::LiveSentinel) -> Outcome {
    let masters = match &ls.masters {
        Ok(m) => m,
        Err(e) => return Outcome::error(format!("SENTINEL MASTERS failed on {endpoint}: {e}")),
    };
    if masters.is_empty() {
        return Outcome::skip(format!(
            "the Sentinel at {endpoint} monitors no master (SENTINEL MASTERS is empty)"
        ));
    }
    let mut ev = Vec::new();
    let mut bad = Vec::new();
    for m in masters {
        let at = format!("SENTINEL SENTINELS {} on {endpoint}", m.name);
        let peers = match &m.sentinels {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                return Outcome::error(format!(
                    "SENTINEL SENTINELS {} failed on {endpoint}: {e}",
                    m.name
                ))
            }
            None => {
                return Outcome::error(format!(
                    "SENTINEL SENTINELS {} was not read on {endpoint}",
                    m.name
                ))
            }
        };
        let n = peers.len() + 1;
        let quorum = m
            .quorum
            .map(|q| format!(", quorum {q}"))
            .unwrap_or_default();
        let others = if peers.is_empty() {
            String::new()
        } else {
            format!(": {}", peers.join(" "))
        };
        ev.push(Evidence::new(
            Source::Live,
            at,
            format!(
                "master {} ({}): {n} Sentinel(s), this one and {} other(s){others}{quorum}",
                m.name,
                m.addr,
                peers.len()
            ),
            "an odd number of at least 3 sentinels",
        ));
        if n < 3 || n % 2 == 0 {
            bad.push(format!("{} has {n}", m.name));
        }
    }
    if bad.is_empty() {
        Outcome::pass(
            "every monitored master is watched by an odd number of at least 3 Sentinels",
            ev,
        )
    } else {
        Outcome::fail(
            format!(
                "Sentinels per master: {}; a failover vote needs an odd number of at least 3",
                bad.join(", ")
            ),
            ev,
        )
    }
}
