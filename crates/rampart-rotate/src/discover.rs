//! Topology discovery for rotation: every node reachable from a seed.
//! Kept as rotation had it (one function, so a shared discovery can
//! replace it); a node that does not answer is listed, not fatal, so the
//! plan can name every one of them (and honour `--skip-node`).

use crate::node::{expect_ok, field, info_map};
use crate::Ctx;
use anyhow::{bail, Result};
use rampart_live::Endpoint;
use std::collections::BTreeSet;

/// What discovery found: the nodes that answered, with their role, and the
/// ones that did not (with the error), skipped ones included.
#[derive(Default)]
pub(crate) struct Discovered {
    pub nodes: Vec<(Endpoint, String)>,
    pub down: Vec<(Endpoint, String)>,
}

/// Every node reachable from the seed: replicas, masters, cluster nodes.
pub(crate) fn discover(ctx: &Ctx, seed: Endpoint) -> Result<Discovered> {
    let mut seen = BTreeSet::new();
    let mut queue = vec![seed.clone()];
    let mut out = Vec::new();
    let mut down = Vec::new();
    while let Some(ep) = queue.pop() {
        if !seen.insert((ep.host.clone(), ep.port)) {
            continue;
        }
        let mut c = match ctx.conn(&ep) {
            Ok(c) => c,
            Err(e) => {
                down.push((ep, format!("{e:#}")));
                continue;
            }
        };
        let server = info_map(&mut *c, "server")?;
        if field(&server, "redis_mode") == Some("sentinel") {
            bail!("{ep} is a Sentinel: only TARGET may be a Sentinel");
        }
        let repl = info_map(&mut *c, "replication")?;
        let role = field(&repl, "role").unwrap_or("?").to_string();
        let mut next = Vec::new();
        for (k, v) in &repl {
            if k.starts_with("slave") && k[5..].chars().all(|c| c.is_ascii_digit()) {
                let mut ip = None;
                let mut port = None;
                for kv in v.split(',') {
                    match kv.split_once('=') {
                        Some(("ip", x)) => ip = Some(x.to_string()),
                        Some(("port", x)) => port = x.parse().ok(),
                        _ => {}
                    }
                }
                if let (Some(h), Some(p)) = (ip, port) {
                    next.push((h, p));
                }
            }
        }
        if let (Some(h), Some(p)) = (field(&repl, "master_host"), field(&repl, "master_port")) {
            if let Ok(p) = p.parse() {
                next.push((h.to_string(), p));
            }
        }
        let cluster = info_map(&mut *c, "cluster")?;
        if field(&cluster, "cluster_enabled") == Some("1") {
            let v = expect_ok(
                c.cmd(&["CLUSTER", "NODES"])?,
                "CLUSTER NODES",
                &ep.to_string(),
            )?;
            for line in v.as_text().unwrap_or_default().lines() {
                let parts: Vec<&str> = line.split(' ').collect();
                if parts.len() < 3 || parts[2].contains("noaddr") || parts[2].contains("handshake")
                {
                    continue;
                }
                let addr = parts[1].split(['@', ',']).next().unwrap_or("");
                if let Some((h, p)) = addr.rsplit_once(':') {
                    if let Ok(p) = p.parse() {
                        let h = if h.is_empty() { ep.host.as_str() } else { h };
                        next.push((h.to_string(), p));
                    }
                }
            }
        }
        for (h, p) in next {
            queue.push(Endpoint {
                host: h,
                port: p,
                tls: seed.tls,
            });
        }
        out.push((ep, role));
    }
    out.sort_by(|a, b| {
        (a.1 != "master", &a.0.host, a.0.port).cmp(&(b.1 != "master", &b.0.host, b.0.port))
    });
    Ok(Discovered { nodes: out, down })
}
