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

/// Parse CLUSTER NODES output; malformed lines are skipped.
pub(crate) fn parse_nodes(text: &str) -> Vec<Node> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            let addr = f[1].split(['@', ',']).next().unwrap_or("").to_string();
            let host = match addr.rsplit_once(':') {
                Some((h, _)) => h.trim_start_matches('[').trim_end_matches(']').to_string(),
                None => addr.clone(),
            };
            let flags: Vec<&str> = f[2].split(',').collect();
            Some(Node {
                id: f[0].to_string(),
                host,
                addr,
                master: flags.contains(&"master"),
                failed: flags
                    .iter()
                    .any(|x| *x == "fail" || *x == "noaddr" || *x == "handshake"),
                master_id: (f[3] != "-").then(|| f[3].to_string()),
                has_slots: f.len() > 8,
            })
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
