//! Topology discovery for rotation: the one discovery the audit uses too
//! (`rampart_collect::topology`: the same peers from INFO replication and
//! CLUSTER NODES, the same rule for handshake/noaddr/fail cluster nodes,
//! the same peer policy for where the login is sent), driven over
//! rotation's [`crate::Node`] so the offline tests can answer it. A node
//! that does not answer, or that the peer policy keeps the credentials
//! from, is listed, not fatal, so the plan can name every one (and honour
//! `--skip-node`).

use crate::error::{Error, Result};
use crate::Ctx;
use rampart_collect::topology::{self, Reach, Role, WalkOptions};
use rampart_live::Endpoint;
use std::collections::HashMap;

/// What discovery found: the nodes that answered, with their role (INFO's
/// `role`: `master` or `slave`), and the ones that did not (with why).
#[derive(Default)]
pub(crate) struct Discovered {
    pub nodes: Vec<(Endpoint, String)>,
    pub down: Vec<(Endpoint, String)>,
}

/// Every node reachable from the seed: replicas, masters, cluster nodes.
pub(crate) fn discover(ctx: &Ctx, seed: &Endpoint) -> Result<Discovered> {
    let opts = WalkOptions {
        follow: true,
        policy: ctx.peers.clone(),
        max_nodes: topology::MAX_NODES,
    };
    let mut roles: HashMap<String, String> = HashMap::new();
    let mut sentinel: Option<Endpoint> = None;
    let topo = topology::walk(std::slice::from_ref(seed), &opts, |wave| {
        wave.iter()
            .map(|(ep, _)| {
                let mut c = ctx.conn(ep).map_err(|e| format!("{e:#}"))?;
                let view =
                    topology::read_view_with(|args| c.cmd(args).map_err(|e| format!("{e:#}")))?;
                if Role::of_info(&view.info) == Role::Sentinel {
                    sentinel.get_or_insert_with(|| ep.clone());
                }
                roles.insert(
                    topology::endpoint_key(ep),
                    view.info.role().unwrap_or("?").to_string(),
                );
                let (peers, skipped) = topology::peers(ep, &view);
                Ok((Role::of_info(&view.info), peers, skipped))
            })
            .collect()
    });
    if let Some(ep) = sentinel {
        return Err(Error::Request(format!(
            "{ep} is a Sentinel: only TARGET may be a Sentinel"
        )));
    }
    let mut out = Discovered::default();
    for n in &topo.nodes {
        match &n.reach {
            Reach::Reached => {
                let role = roles
                    .get(&topology::endpoint_key(&n.endpoint))
                    .cloned()
                    .unwrap_or_else(|| "?".into());
                out.nodes.push((n.endpoint.clone(), role));
            }
            Reach::Unreachable(e) => out.down.push((n.endpoint.clone(), e.clone())),
            Reach::NotContacted { reason, flag } => out.down.push((
                n.endpoint.clone(),
                format!("not contacted: {reason} (pass {flag} to send the login there)"),
            )),
        }
    }
    out.nodes.sort_by(|a, b| {
        (a.1 != "master", &a.0.host, a.0.port).cmp(&(b.1 != "master", &b.0.host, b.0.port))
    });
    Ok(out)
}
