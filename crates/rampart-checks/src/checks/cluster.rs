//! CLUSTER NODES, parsed for CLU001 and CLU002.

/// One line of CLUSTER NODES.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub id: String,
    pub host: String,
    pub addr: String,
    pub master: bool,
    pub failed: bool,
    /// The master's id, for a replica.
    pub master_id: Option<String>,
    pub has_slots: bool,
}

/// The opening both topology checks share: `Err(outcome)` when the check
/// is decided before looking at nodes (reported on another target of the
/// same cluster, or CLUSTER NODES failed); `Ok(Some((endpoint, nodes)))`
/// for a live cluster node; `Ok(None)` when there is no CLUSTER NODES to
/// read (a Sentinel, files, not a cluster).
pub(crate) fn live_cluster(
    s: &crate::snapshot::Snapshot,
) -> Result<Option<(&str, Vec<Node>)>, crate::model::Outcome> {
    if let Some(first) = &s.topology_reported_on {
        return Err(crate::model::Outcome::skip(format!(
            "topology-wide: reported once for the cluster, on {first}"
        )));
    }
    let Some(l) = s.live.get() else {
        return Ok(None);
    };
    match &l.cluster_nodes {
        None => Ok(None),
        Some(Err(e)) => Err(crate::model::Outcome::error(format!(
            "CLUSTER NODES failed: {e}"
        ))),
        Some(Ok(text)) => Ok(Some((l.endpoint.as_str(), parse_nodes(text)))),
    }
}

/// CLUSTER NODES as CLU001/CLU002 read it, through the one CLUSTER NODES
/// parser (`rampart_live::reply::ClusterNodes`); a line without its eight
/// fixed fields is skipped.
pub(crate) fn parse_nodes(text: &str) -> Vec<Node> {
    rampart_live::reply::ClusterNodes::parse(text)
        .nodes
        .into_iter()
        .filter(|n| !n.link_state.is_empty())
        .map(|n| Node {
            addr: format!("{}:{}", n.host, n.port),
            master: n.is_master(),
            failed: n.has_flag("fail") || n.noaddr() || n.handshake(),
            has_slots: !n.slots.is_empty(),
            id: n.id,
            host: n.host,
            master_id: n.master,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cluster_nodes() {
        let text = "07c3 127.0.0.1:30004@31004 slave e7d1 0 1426238317239 4 connected\n\
                    e7d1 127.0.0.1:30001@31001,host myself,master - 0 0 1 connected 0-5460\n\
                    bad line\n";
        let n = parse_nodes(text);
        assert_eq!(n.len(), 2);
        assert!(!n[0].master && n[0].master_id.as_deref() == Some("e7d1"));
        assert!(n[1].master && n[1].has_slots && n[1].host == "127.0.0.1");
    }
}
