//! Planning a rotation of the data nodes' user: every node from every
//! source, each node's state, the Sentinels that log in as the user. A
//! node that does not answer, or a Sentinel logged in as the user that
//! rampart cannot identify, refuses the plan ([`Refusal`]).

use crate::discover::discover;
use crate::error::{Error, Result};
use crate::node::{clients, config_get, user_hashes};
use crate::sentinel::{sentinel_seed, sentinel_user_on, MasterView};
use crate::{Ctx, Journal, NodeState, Refusal, SentinelState};
use rampart_live::Endpoint;
use std::time::Duration;

/// A data node's state before the rotation touches it.
pub(crate) fn node_state(
    ctx: &Ctx,
    ep: &Endpoint,
    role: String,
    new_hash: &str,
) -> Result<NodeState> {
    let mut c = ctx.conn(ep)?;
    let hashes = user_hashes(&mut *c, &ctx.user)?;
    let aclfile = config_get(&mut *c, "aclfile")?;
    let masteruser = config_get(&mut *c, "masteruser")?;
    let masterauth_set = !config_get(&mut *c, "masterauth")?.is_empty();
    let requirepass = ctx.user == "default"
        && aclfile.is_empty()
        && !config_get(&mut *c, "requirepass")?.is_empty();
    let mu = if masteruser.is_empty() {
        "default"
    } else {
        masteruser.as_str()
    };
    Ok(NodeState {
        host: ep.host.clone(),
        port: ep.port,
        tls: ep.tls,
        role,
        old_hashes: hashes.into_iter().filter(|h| h != new_hash).collect(),
        persist: if aclfile.is_empty() {
            "config-rewrite"
        } else {
            "acl-save"
        }
        .into(),
        masterauth: masterauth_set && mu == ctx.user,
        requirepass,
        ..NodeState::default()
    })
}

fn same(a: &Endpoint, b: &Endpoint) -> bool {
    a.host == b.host && a.port == b.port
}

/// Every node reachable from `seeds`, and every node known otherwise
/// (`known`: from a Sentinel's lists, with where it was seen) that does not
/// answer. Found nodes keep discovery's order.
pub(crate) struct Topology {
    pub found: Vec<(Endpoint, String)>,
    /// Node, why it is known, the error.
    pub down: Vec<(Endpoint, String, String)>,
}

pub(crate) fn topology(
    ctx: &Ctx,
    seeds: Vec<Endpoint>,
    known: &[(Endpoint, String)],
    mut t: Topology,
) -> Result<Topology> {
    let add = |t: &mut Topology, ep: Endpoint, why: &str| -> Result<()> {
        if t.found.iter().any(|(e, _)| same(e, &ep)) || t.down.iter().any(|(e, _, _)| same(e, &ep))
        {
            return Ok(());
        }
        let d = discover(ctx, &ep)?;
        for n in d.nodes {
            if !t.found.iter().any(|(e, _)| same(e, &n.0)) {
                t.found.push(n);
            }
        }
        for (e, err) in d.down {
            if !t.down.iter().any(|(x, _, _)| same(x, &e)) {
                t.down.push((e, why.to_string(), err));
            }
        }
        Ok(())
    };
    for s in seeds {
        add(&mut t, s, "found from TARGET")?;
    }
    for (ep, why) in known {
        add(&mut t, ep.clone(), why)?;
    }
    // A node found later answered after all (listed twice): not down.
    let found = t.found.clone();
    t.down
        .retain(|(e, _, _)| !found.iter().any(|(f, _)| same(f, e)));
    Ok(t)
}

/// Refuse while a known node does not answer, unless `--skip-node` names
/// it; returns the skipped ones (`host:port`).
pub(crate) fn refuse_down(ctx: &Ctx, down: &[(Endpoint, String, String)]) -> Result<Vec<String>> {
    let (skipped, missing): (Vec<_>, Vec<_>) = down.iter().partition(|(e, _, _)| ctx.skipped(e));
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|(e, why, err)| format!("{e} ({why}: {err})"))
            .collect();
        return Err(Refusal::Unreachable(format!(
            "rotate refuses to start: {} known node(s) do not answer: {}. A node left out keeps only the old password and fails to relink with WRONGPASS when it is back: start it and run again, or, to rotate without it, name it with --skip-node HOST:PORT",
            missing.len(),
            list.join("; ")
        ))
        .into());
    }
    Ok(skipped.iter().map(|(e, _, _)| e.to_string()).collect())
}

/// The Sentinel links (`sentinel-<runid>-cmd` / `-pubsub`) logged in to
/// the data nodes as the user whose Sentinel is not in the plan: refused,
/// since their auth-pass would keep the old password.
fn refuse_unknown_sentinels(
    ctx: &Ctx,
    found: &[(Endpoint, String)],
    sentinels: &[SentinelState],
) -> Result<()> {
    let mut unknown: Vec<(String, String, String)> = Vec::new();
    for (ep, _) in found {
        let mut c = ctx.conn(ep)?;
        for k in clients(&mut *c)? {
            let Some(prefix) = crate::node::sentinel_link_prefix(&k.name) else {
                continue;
            };
            if k.user != ctx.user {
                continue;
            }
            let planned = sentinels
                .iter()
                .any(|s| s.dependent && s.runid.get(..prefix.len()) == Some(prefix));
            let ip = k.addr.rsplit_once(':').map_or(k.addr.as_str(), |(h, _)| h);
            if !planned && !unknown.iter().any(|(_, p, _)| p == prefix) {
                unknown.push((ip.to_string(), prefix.to_string(), ep.to_string()));
            }
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = unknown
        .iter()
        .map(|(ip, p, on)| format!("from {ip} (runid {p}…) on {on}"))
        .collect();
    Err(Refusal::UnknownSentinels(format!(
        "rotate refuses to start: {} Sentinel(s) log in to the data nodes as {:?} and are not in the plan: {}. Their auth-pass would keep the old password, and they would lose the master once it is removed. Name one Sentinel of the group with --sentinel HOST:PORT (its peers are found from it), or give a Sentinel as TARGET",
        unknown.len(),
        ctx.user,
        list.join("; ")
    ))
    .into())
}

/// Plan a new rotation: read every node's state.
pub(crate) fn plan(
    ctx: &Ctx,
    seed: Endpoint,
    new_hash: &str,
    grace: Option<Duration>,
) -> Result<Journal> {
    let (seeds, mut views) = match sentinel_seed(ctx, &seed)? {
        Some(v) => (v.iter().map(|m| m.endpoint.clone()).collect(), v),
        None => (vec![seed], Vec::new()),
    };
    let known: Vec<(Endpoint, String)> = views.iter().flat_map(MasterView::known).collect();
    let empty = Topology {
        found: Vec::new(),
        down: Vec::new(),
    };
    let mut topo = topology(ctx, seeds, &known, empty)?;
    // `--sentinel ADDR`: the groups of the masters among the data nodes.
    for extra in &ctx.extra_sentinels {
        let Some(v) = sentinel_seed(ctx, extra)? else {
            return Err(Error::Request(format!(
                "--sentinel {extra}: not a Sentinel"
            )));
        };
        let (mine, _): (Vec<MasterView>, Vec<_>) = v
            .into_iter()
            .partition(|m| topo.found.iter().any(|(e, _)| same(e, &m.endpoint)));
        if mine.is_empty() {
            return Err(Error::Request(format!(
                "--sentinel {extra}: it monitors none of the nodes found from TARGET"
            )));
        }
        let more: Vec<(Endpoint, String)> = mine.iter().flat_map(MasterView::known).collect();
        topo = topology(ctx, Vec::new(), &more, topo)?;
        views.extend(mine);
    }
    let skipped = refuse_down(ctx, &topo.down)?;
    let mut sentinels: Vec<SentinelState> = Vec::new();
    for v in views {
        for s in v.sentinels {
            if !sentinels
                .iter()
                .any(|x| x.host == s.host && x.port == s.port && x.master == s.master)
            {
                sentinels.push(s);
            }
        }
    }
    for s in sentinels.iter_mut() {
        let m = s.master_endpoint();
        if ctx.skipped(&m) {
            return Err(Error::Request(format!("the master {m} of {} is skipped (--skip-node), but its Sentinels need it: rampart cannot tell which of them log in as {:?}", s.master, ctx.user)));
        }
        let mut mc = ctx.conn(&m)?;
        match sentinel_user_on(ctx, s, &mut *mc)? {
            Some((u, _)) => s.dependent = u == ctx.user,
            None => {
                return Err(Error::Unsafe(format!(
                    "{}:{}: no connection of this Sentinel on the master {}; is it monitoring it?",
                    s.host, s.port, m
                )))
            }
        }
    }
    refuse_unknown_sentinels(ctx, &topo.found, &sentinels)?;
    let mut nodes = Vec::new();
    for (ep, role) in topo.found {
        nodes.push(node_state(ctx, &ep, role, new_hash)?);
    }
    let mut j = Journal::new(ctx, new_hash, grace, nodes, sentinels);
    j.skipped = skipped;
    Ok(j)
}
