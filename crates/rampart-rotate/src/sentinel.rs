//! Sentinels: what a Sentinel knows of its masters (replicas, peers, down
//! ones included), which user its links log in as, and the plan for the
//! Sentinels' own ACL user (`--sentinels`).

use crate::error::{Error, Result};
use crate::node::{
    client_names, expect_list, expect_text, field, info_map, pairs_text, sentinel_config_get,
    sentinel_link_name, user_hashes, Node,
};
use crate::{Ctx, Journal, NodeState, SentinelState};
use rampart_live::Endpoint;
use std::time::Duration;

/// One master as a Sentinel sees it.
pub(crate) struct MasterView {
    pub name: String,
    pub endpoint: Endpoint,
    /// From `SENTINEL REPLICAS`, down ones too: the endpoint and its flags.
    pub replicas: Vec<(Endpoint, String)>,
    /// The Sentinel asked, then its peers (`SENTINEL SENTINELS`).
    pub sentinels: Vec<SentinelState>,
    /// Who listed it.
    pub by: String,
    pub flags: String,
}

impl MasterView {
    /// The data nodes this Sentinel knows, with why (for a refusal).
    pub fn known(&self) -> Vec<(Endpoint, String)> {
        let mut v = vec![(
            self.endpoint.clone(),
            format!(
                "master {} of the Sentinel {}, flags {}",
                self.name, self.by, self.flags
            ),
        )];
        v.extend(self.replicas.iter().map(|(e, f)| {
            (
                e.clone(),
                format!(
                    "replica of {} listed by the Sentinel {} as {f}",
                    self.name, self.by
                ),
            )
        }));
        v
    }
}

/// When the seed is a Sentinel: its masters (the data seeds), their
/// replicas, and every Sentinel of each master.
pub(crate) fn sentinel_seed(ctx: &Ctx, seed: &Endpoint) -> Result<Option<Vec<MasterView>>> {
    let mut c = ctx.sentinel_conn(seed)?;
    let server = info_map(&mut *c, "server")?;
    if field(&server, "redis_mode") != Some("sentinel") {
        return Ok(None);
    }
    let name = seed.to_string();
    let masters = expect_list(c.cmd(&["SENTINEL", "MASTERS"])?, "SENTINEL MASTERS", &name)?;
    let mut out = Vec::new();
    for m in &masters {
        let m = pairs_text(m, "SENTINEL MASTERS", &name)?;
        let (Some(mname), Some(ip), Some(port)) =
            (field(&m, "name"), field(&m, "ip"), field(&m, "port"))
        else {
            continue;
        };
        let mport: u16 = port.parse().map_err(|source| Error::Number {
            what: "SENTINEL MASTERS port",
            source,
        })?;
        let state = |host: &str, port: u16| SentinelState {
            host: host.to_string(),
            port,
            tls: seed.tls,
            master: mname.to_string(),
            master_host: ip.to_string(),
            master_port: mport,
            dependent: false,
            updated: false,
            runid: String::new(),
        };
        let mut view = MasterView {
            name: mname.to_string(),
            endpoint: Endpoint {
                host: ip.to_string(),
                port: mport,
                tls: seed.tls,
            },
            replicas: Vec::new(),
            sentinels: vec![state(&seed.host, seed.port)],
            by: name.clone(),
            flags: field(&m, "flags").unwrap_or("?").to_string(),
        };
        let others = expect_list(
            c.cmd(&["SENTINEL", "SENTINELS", mname])?,
            "SENTINEL SENTINELS",
            &name,
        )?;
        for o in &others {
            let o = pairs_text(o, "SENTINEL SENTINELS", &name)?;
            if let (Some(sip), Some(Ok(port))) =
                (field(&o, "ip"), field(&o, "port").map(|p| p.parse()))
            {
                view.sentinels.push(state(sip, port));
            }
        }
        let replicas = expect_list(
            c.cmd(&["SENTINEL", "REPLICAS", mname])?,
            "SENTINEL REPLICAS",
            &name,
        )?;
        for r in &replicas {
            let r = pairs_text(r, "SENTINEL REPLICAS", &name)?;
            if let (Some(rip), Some(Ok(port))) =
                (field(&r, "ip"), field(&r, "port").map(|p| p.parse()))
            {
                let ep = Endpoint {
                    host: rip.to_string(),
                    port,
                    tls: seed.tls,
                };
                view.replicas
                    .push((ep, field(&r, "flags").unwrap_or("?").to_string()));
            }
        }
        out.push(view);
    }
    if out.is_empty() {
        return Err(Error::Request(format!(
            "the Sentinel {name} monitors no master"
        )));
    }
    Ok(Some(out))
}

/// The user a Sentinel's command connection to `master` is logged in as,
/// from the master's CLIENT LIST (`name=sentinel-<runid[..8]>-cmd`), with
/// its age; the Sentinel's id is kept in `s.runid`.
pub(crate) fn sentinel_user_on(
    ctx: &Ctx,
    s: &mut SentinelState,
    master: &mut dyn Node,
) -> Result<Option<(String, u64)>> {
    if s.runid.is_empty() {
        let mut c = ctx.sentinel_conn(&s.endpoint())?;
        let name = format!("{}:{}", s.host, s.port);
        s.runid = expect_text(c.cmd(&["SENTINEL", "MYID"])?, "SENTINEL MYID", &name)?;
    }
    let want = sentinel_link_name(&s.runid);
    Ok(client_names(master)?
        .into_iter()
        .find(|(n, _, _)| *n == want)
        .map(|(_, user, age)| (user, age)))
}

/// Plan a rotation of the Sentinels' own ACL user: every Sentinel of the
/// seed's masters, what each persists with, and whether its links to the
/// other Sentinels log in as the user.
pub(crate) fn plan_sentinels(
    ctx: &Ctx,
    seed: &Endpoint,
    new_hash: &str,
    grace: Option<Duration>,
) -> Result<Journal> {
    let Some(views) = sentinel_seed(ctx, seed)? else {
        return Err(Error::Request(format!(
            "--sentinels needs a Sentinel as TARGET; {seed} is not one"
        )));
    };
    let mut eps: Vec<Endpoint> = Vec::new();
    for s in views.into_iter().flat_map(|v| v.sentinels) {
        let ep = s.endpoint();
        if !eps.contains(&ep) {
            eps.push(ep);
        }
    }
    let mut nodes = Vec::new();
    for ep in &eps {
        let mut c = ctx.conn(ep).map_err(|source| Error::SentinelLogin {
            endpoint: ep.to_string(),
            source,
        })?;
        let hashes = user_hashes(&mut *c, &ctx.user)?;
        let runid = expect_text(
            c.cmd(&["SENTINEL", "MYID"])?,
            "SENTINEL MYID",
            &ep.to_string(),
        )?;
        let su = sentinel_config_get(&mut *c, "sentinel-user")?;
        // The cleartext sentinel-pass: only whether it is set is kept.
        let sp_set = !sentinel_config_get(&mut *c, "sentinel-pass")?.is_empty();
        // Outgoing Sentinel links: AUTH sentinel-user sentinel-pass when
        // sentinel-pass is set, else AUTH <requirepass> as `default`.
        let dependent = if sp_set {
            (if su.is_empty() { "default" } else { &su }) == ctx.user
        } else {
            ctx.user == "default"
        };
        nodes.push(NodeState {
            host: ep.host.clone(),
            port: ep.port,
            tls: ep.tls,
            role: "sentinel".into(),
            old_hashes: hashes.into_iter().filter(|h| h != new_hash).collect(),
            persist: "sentinel".into(),
            sentinel: true,
            runid,
            sentinel_pass: dependent,
            sentinel_pass_was_empty: !sp_set,
            ..NodeState::default()
        });
    }
    // Which Sentinel has a link to which: seen in the peer's CLIENT LIST
    // (read once per Sentinel).
    for k in 0..nodes.len() {
        let mut c = ctx.conn(&nodes[k].endpoint())?;
        let clients = client_names(&mut *c)?;
        let peer = nodes[k].name();
        for i in (0..nodes.len()).filter(|&i| i != k) {
            let want = sentinel_link_name(&nodes[i].runid);
            if clients.iter().any(|(n, _, _)| *n == want) {
                nodes[i].peers.push(peer.clone());
            }
        }
    }
    Ok(Journal::new(ctx, new_hash, grace, nodes, Vec::new()))
}
