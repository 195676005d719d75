//! One topology discovery for every workflow: from seeds, follow what each
//! reached server says about the others and return every node KNOWN, with
//! its role, who said so, and whether it was reached.
//!
//! What is followed:
//! - INFO replication: a master's `slaveN:ip=..,port=..` lines, a replica's
//!   `master_host`/`master_port`;
//! - CLUSTER NODES (cluster mode on), with one rule for odd nodes:
//!   * `handshake` nodes are **not followed**: their id is a temporary one
//!     and their address only what a `CLUSTER MEET` named; no member vouches
//!     for them yet (they may never join), so neither the seed's credentials
//!     nor a "refuse, a node is unreachable" belongs to them;
//!   * `noaddr` nodes are **not followed**: there is no address to contact;
//!   * `fail`/`fail?` nodes **are followed**: they are members (they hold or
//!     replicate slots); usually unreachable, they are listed as such, so an
//!     audit reports them as not audited and a rotation refuses.
//!
//!   The nodes not followed are kept in [`Topology::skipped`] with why.
//!   A node that has not learnt its own IP yet writes `:port`: the host of
//!   the node that listed it is used.
//! - a Sentinel: SENTINEL MASTERS, and for each master SENTINEL REPLICAS and
//!   SENTINEL SENTINELS.
//!
//! Credentials go only where the [`PeerPolicy`] allows (issue 11 item 9: a
//! replica chooses the address it announces with `replica-announce-ip`,
//! so following every advertised address would hand the seed's password to
//! whoever a compromised node names). By default a peer is contacted only
//! on the seed's own host (the same IP address, or the same host name as
//! the seed was given by); the operator widens it with `--allow-peer
//! HOST|CIDR` or `--allow-any-peer`. A peer not allowed is a
//! [`Reach::NotContacted`] node, with the reason and the flag to pass.
//!
//! Two ways in:
//! - [`walk`] with a visitor: the audit visits a whole wave at once (its
//!   full collection, in parallel) and hands back what each node said;
//! - [`discover`]: connect to each node in turn and read only what
//!   discovery needs (rotation: `discover(seed, creds, opts, &policy)`, then
//!   refuse when [`Topology::unreached`] is not empty).

use rampart_live::reply::{ClusterNodes, Info, SentinelEntry};
use rampart_live::{ConnectOptions, Connection, Credentials, Endpoint, Value};
use std::collections::HashSet;
use std::net::{IpAddr, ToSocketAddrs};

/// Most servers one discovery follows (seeds included).
pub const MAX_NODES: usize = 1000;

/// A node's role, as it said itself (reached) or as a peer said (not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    Replica,
    Sentinel,
    Unknown,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Replica => "replica",
            Role::Sentinel => "sentinel",
            Role::Unknown => "unknown",
        }
    }
    /// From a reached node's INFO.
    pub fn of_info(info: &Info) -> Role {
        Role::of(info.get("redis_mode"), info.role())
    }
    /// From INFO's `redis_mode` and `role`.
    pub fn of(redis_mode: Option<&str>, role: Option<&str>) -> Role {
        if redis_mode == Some("sentinel") {
            return Role::Sentinel;
        }
        match role {
            Some("master") => Role::Master,
            Some("slave") => Role::Replica,
            _ => Role::Unknown,
        }
    }
}

/// Which reply named a peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Given by the operator.
    Seed,
    /// INFO replication `slaveN:` of its master.
    InfoReplica,
    /// INFO replication `master_host` of a replica.
    InfoMaster,
    ClusterNodes,
    SentinelMasters,
    SentinelReplicas,
    SentinelSentinels,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Seed => "given as a target",
            Via::InfoReplica => "INFO replication (slaveN)",
            Via::InfoMaster => "INFO replication (master_host)",
            Via::ClusterNodes => "CLUSTER NODES",
            Via::SentinelMasters => "SENTINEL MASTERS",
            Via::SentinelReplicas => "SENTINEL REPLICAS",
            Via::SentinelSentinels => "SENTINEL SENTINELS",
        }
    }
}

/// One "X says Y exists".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Learnt {
    /// The node that said so (`host:port`); empty for a seed.
    pub from: String,
    pub via: Via,
}

/// A server named by another one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub endpoint: Endpoint,
    /// What the naming reply says it is.
    pub role: Role,
    pub via: Via,
}

/// A node a reply named but discovery does not follow, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// `host:port` as written, or the cluster node id.
    pub name: String,
    pub from: String,
    pub via: Via,
    pub why: String,
}

/// Whether a known node was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    Reached,
    /// Contacted, but it could not be reached or logged in to.
    Unreachable(String),
    /// Not contacted: the peer policy keeps the seed's credentials from it.
    NotContacted {
        reason: String,
        flag: String,
    },
}

/// A node discovery knows of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownNode {
    pub endpoint: Endpoint,
    pub role: Role,
    /// Every report of the node, first one first.
    pub learnt: Vec<Learnt>,
    pub reach: Reach,
    /// The index of the seed whose walk found it (its credentials).
    pub seed: usize,
}

impl KnownNode {
    pub fn reached(&self) -> bool {
        self.reach == Reach::Reached
    }
    /// "CLUSTER NODES of 127.0.0.1:7000, INFO replication (slaveN) of ...".
    pub fn learnt_text(&self) -> String {
        self.learnt
            .iter()
            .map(|l| {
                if l.from.is_empty() {
                    l.via.as_str().to_string()
                } else {
                    format!("{} of {}", l.via.as_str(), l.from)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Everything discovery knows, nodes in the order they were learnt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    pub nodes: Vec<KnownNode>,
    pub skipped: Vec<Skipped>,
    /// Nodes not followed because [`MAX_NODES`] was reached.
    pub truncated: usize,
}

impl Topology {
    /// Known nodes that were not reached (unreachable or not contacted): a
    /// rotation refuses while this is not empty.
    pub fn unreached(&self) -> Vec<&KnownNode> {
        self.nodes.iter().filter(|n| !n.reached()).collect()
    }
}

// ------------------------------------------------------------- policy

/// One `--allow-peer` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowPeer {
    /// A host name or an IP address, as the peer is named.
    Host(String),
    /// `addr/prefix`.
    Net(IpAddr, u8),
}

impl AllowPeer {
    /// `HOST`, `IP` or `IP/PREFIX`.
    pub fn parse(s: &str) -> Result<AllowPeer, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty --allow-peer".into());
        }
        if let Some((a, p)) = s.split_once('/') {
            let ip: IpAddr = a
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| format!("--allow-peer {s}: {a} is not an IP address"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = p
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("--allow-peer {s}: the prefix must be 0 to {max}"))?;
            return Ok(AllowPeer::Net(ip, prefix));
        }
        Ok(AllowPeer::Host(
            s.trim_start_matches('[').trim_end_matches(']').to_string(),
        ))
    }

    fn allows(&self, host: &str, ips: &[IpAddr]) -> bool {
        match self {
            AllowPeer::Host(h) => {
                h.eq_ignore_ascii_case(host) || h.parse::<IpAddr>().is_ok_and(|a| ips.contains(&a))
            }
            AllowPeer::Net(net, prefix) => ips.iter().any(|ip| in_net(*ip, *net, *prefix)),
        }
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn resolve(host: &str) -> Vec<IpAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![ip];
    }
    (host, 0u16)
        .to_socket_addrs()
        .map(|a| a.map(|s| s.ip()).collect())
        .unwrap_or_default()
}

/// Where discovery may send a seed's credentials.
#[derive(Clone, Debug, Default)]
pub struct PeerPolicy {
    /// `--allow-peer`: more hosts and networks.
    pub allow: Vec<AllowPeer>,
    /// `--allow-any-peer`: every advertised peer (the old behaviour).
    pub any: bool,
}

impl PeerPolicy {
    /// `Ok` when `peer` may get the credentials of `seed`; else why not,
    /// with the flag that would allow it.
    pub fn check(&self, seed: &Endpoint, peer: &Endpoint) -> Result<(), (String, String)> {
        if self.any {
            return Ok(());
        }
        let peer_ips = resolve(&peer.host);
        if peer.host.eq_ignore_ascii_case(&seed.host) {
            return Ok(());
        }
        // A Unix-socket seed is this host: its loopback peers are too.
        if seed.is_unix() && !peer_ips.is_empty() && peer_ips.iter().all(|ip| ip.is_loopback()) {
            return Ok(());
        }
        let seed_ips = resolve(&seed.host);
        if !peer_ips.is_empty() && peer_ips.iter().all(|ip| seed_ips.contains(ip)) {
            return Ok(());
        }
        if self.allow.iter().any(|a| a.allows(&peer.host, &peer_ips)) {
            return Ok(());
        }
        Err((
            format!(
                "{} is not on the seed's host ({}): the seed's credentials are sent only to peers on its host or allowed with --allow-peer",
                peer.host, seed.host
            ),
            format!("--allow-peer {}", peer.host),
        ))
    }
}

/// A name for de-duplicating endpoints (`localhost:7000` and
/// `127.0.0.1:7000` are one server).
pub fn endpoint_key(ep: &Endpoint) -> String {
    (ep.host.as_str(), ep.port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .map(|a| a.to_string())
        .unwrap_or_else(|| ep.to_string())
}

// -------------------------------------------------------------- peers

/// What a Sentinel said about its masters.
#[derive(Clone, Debug, Default)]
pub struct SentinelView {
    pub masters: Vec<SentinelEntry>,
    pub replicas: Vec<SentinelEntry>,
    pub sentinels: Vec<SentinelEntry>,
}

/// What one reached node said: the replies discovery reads.
#[derive(Clone, Debug, Default)]
pub struct NodeView {
    pub info: Info,
    /// CLUSTER NODES, when cluster mode is on and it could be read.
    pub cluster: Option<ClusterNodes>,
    pub sentinel: SentinelView,
}

fn host_of(h: &str, from: &Endpoint) -> String {
    if h.is_empty() {
        from.host.clone()
    } else {
        h.to_string()
    }
}

/// The servers `view` names, from the node at `from` (TLS as `from`),
/// and the ones not followed (see the module doc for the rule).
pub fn peers(from: &Endpoint, view: &NodeView) -> (Vec<Peer>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let name = from.to_string();
    let mut push = |host: String, port: u16, role: Role, via: Via| {
        out.push(Peer {
            endpoint: Endpoint {
                host,
                port,
                tls: from.tls,
            },
            role,
            via,
        });
    };
    if let Some(c) = &view.cluster {
        for n in &c.nodes {
            let why = if n.handshake() {
                Some("a handshake node (not yet a member of the cluster)")
            } else if n.noaddr() || n.port == 0 {
                Some("no address (noaddr)")
            } else {
                None
            };
            if let Some(why) = why {
                skipped.push(Skipped {
                    name: n.id.clone(),
                    from: name.clone(),
                    via: Via::ClusterNodes,
                    why: why.into(),
                });
                continue;
            }
            let role = if n.is_master() {
                Role::Master
            } else if n.has_flag("slave") {
                Role::Replica
            } else {
                Role::Unknown
            };
            push(host_of(&n.host, from), n.port, role, Via::ClusterNodes);
        }
    }
    for r in view.info.replicas() {
        push(r.ip, r.port, Role::Replica, Via::InfoReplica);
    }
    if let Some((h, p)) = view.info.master() {
        push(h, p, Role::Master, Via::InfoMaster);
    }
    for (list, role, via) in [
        (&view.sentinel.masters, Role::Master, Via::SentinelMasters),
        (
            &view.sentinel.replicas,
            Role::Replica,
            Via::SentinelReplicas,
        ),
        (
            &view.sentinel.sentinels,
            Role::Sentinel,
            Via::SentinelSentinels,
        ),
    ] {
        for e in list {
            if let Some((h, p)) = e.addr() {
                push(h, p, role, via);
            }
        }
    }
    (out, skipped)
}

// --------------------------------------------------------------- walk

/// What visiting a node gave: its view, or why it could not be reached.
pub type Visit = Result<(Role, Vec<Peer>, Vec<Skipped>), String>;

/// How far to walk.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Follow peers at all (`--no-discover` turns it off).
    pub follow: bool,
    pub policy: PeerPolicy,
    pub max_nodes: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            follow: true,
            policy: PeerPolicy::default(),
            max_nodes: MAX_NODES,
        }
    }
}

/// Walk wave by wave: `visit` gets every node of a wave (with the index of
/// its seed) and returns what each said, in order. Seeds are always
/// visited; a peer only when the policy allows it for its seed.
pub fn walk(
    seeds: &[Endpoint],
    opts: &WalkOptions,
    mut visit: impl FnMut(&[(Endpoint, usize)]) -> Vec<Visit>,
) -> Topology {
    let mut topo = Topology::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    let mut wave: Vec<(Endpoint, usize)> = Vec::new();
    for (i, s) in seeds.iter().enumerate() {
        let key = endpoint_key(s);
        if seen.insert(key.clone()) {
            index.insert(key, topo.nodes.len());
            topo.nodes.push(KnownNode {
                endpoint: s.clone(),
                role: Role::Unknown,
                learnt: vec![Learnt {
                    from: String::new(),
                    via: Via::Seed,
                }],
                reach: Reach::Reached,
                seed: i,
            });
            wave.push((s.clone(), i));
        }
    }
    while !wave.is_empty() {
        let results = visit(&wave);
        let mut next = Vec::new();
        for (k, (ep, seed)) in wave.iter().enumerate() {
            let Some(&ni) = index.get(&endpoint_key(ep)) else {
                continue;
            };
            let (role, peers, skipped) = match results.get(k) {
                Some(Ok(v)) => v.clone(),
                Some(Err(e)) => {
                    topo.nodes[ni].reach = Reach::Unreachable(e.clone());
                    continue;
                }
                None => {
                    topo.nodes[ni].reach = Reach::Unreachable("not visited".into());
                    continue;
                }
            };
            topo.nodes[ni].reach = Reach::Reached;
            if role != Role::Unknown {
                topo.nodes[ni].role = role;
            }
            if !opts.follow {
                continue;
            }
            topo.skipped.extend(skipped);
            for p in peers {
                let key = endpoint_key(&p.endpoint);
                let learnt = Learnt {
                    from: ep.to_string(),
                    via: p.via,
                };
                if let Some(&j) = index.get(&key) {
                    let n = &mut topo.nodes[j];
                    if !n.learnt.contains(&learnt) {
                        n.learnt.push(learnt);
                    }
                    if n.role == Role::Unknown {
                        n.role = p.role;
                    }
                    continue;
                }
                if !seen.insert(key.clone()) {
                    continue;
                }
                if topo.nodes.len() >= opts.max_nodes {
                    topo.truncated += 1;
                    continue;
                }
                let seed_ep = &seeds[*seed];
                let reach = match opts.policy.check(seed_ep, &p.endpoint) {
                    Ok(()) => {
                        next.push((p.endpoint.clone(), *seed));
                        Reach::Reached
                    }
                    Err((reason, flag)) => Reach::NotContacted { reason, flag },
                };
                index.insert(key, topo.nodes.len());
                topo.nodes.push(KnownNode {
                    endpoint: p.endpoint,
                    role: p.role,
                    learnt: vec![learnt],
                    reach,
                    seed: *seed,
                });
            }
        }
        wave = next;
    }
    topo
}

// ------------------------------------------------- discovery on its own

/// Read what discovery needs from one node: INFO, CLUSTER NODES (cluster
/// mode), and for a Sentinel SENTINEL MASTERS / REPLICAS / SENTINELS.
pub fn read_view(c: &mut Connection) -> Result<NodeView, String> {
    read_view_with(|args| c.cmd(args).map_err(|e| e.to_string()))
}

/// [`read_view`] over any way of sending a command (rotation's `Node`,
/// which its offline tests answer in memory).
pub fn read_view_with(
    mut send: impl FnMut(&[&str]) -> Result<Value, String>,
) -> Result<NodeView, String> {
    let mut run = |args: &[&str]| -> Result<Value, String> {
        match send(args) {
            Ok(Value::Error(e)) => Err(format!(
                "{}: {}",
                args.join(" "),
                e.chars().take(200).collect::<String>()
            )),
            Ok(v) => Ok(v),
            Err(e) => Err(e),
        }
    };
    // A reply of another shape is said, never read as a node with no role.
    let text = |v: Value, what: &str| {
        v.into_text()
            .ok_or_else(|| format!("{what} gave an unexpected reply (no text)"))
    };
    let info = Info::parse(&text(run(&["INFO", "all"])?, "INFO")?);
    let mut view = NodeView {
        info,
        ..NodeView::default()
    };
    if view.info.get("cluster_enabled") == Some("1") {
        let v = run(&["CLUSTER", "NODES"])?;
        view.cluster = Some(ClusterNodes::parse(&text(v, "CLUSTER NODES")?));
    }
    if view.info.get("redis_mode") == Some("sentinel") {
        let entries = |command, v: Value| {
            rampart_live::reply::sentinel_entries(command, &v).map_err(|e| e.to_string())
        };
        view.sentinel.masters = entries("SENTINEL MASTERS", run(&["SENTINEL", "MASTERS"])?)?;
        let names: Vec<String> = view
            .sentinel
            .masters
            .iter()
            .filter_map(|m| m.name().map(str::to_string))
            .collect();
        for n in names {
            view.sentinel.replicas.extend(entries(
                "SENTINEL REPLICAS",
                run(&["SENTINEL", "REPLICAS", &n])?,
            )?);
            view.sentinel.sentinels.extend(entries(
                "SENTINEL SENTINELS",
                run(&["SENTINEL", "SENTINELS", &n])?,
            )?);
        }
    }
    Ok(view)
}

/// Discovery on its own: from `seed`, log in to each allowed node in turn
/// with `creds` and read what it knows ([`read_view`]). Rotation's walk:
/// every node comes back, reached or not; refuse on
/// [`Topology::unreached`].
pub fn discover(
    seed: &Endpoint,
    creds: &Credentials,
    opts: &ConnectOptions,
    walk_opts: &WalkOptions,
) -> Topology {
    walk(std::slice::from_ref(seed), walk_opts, |wave| {
        wave.iter()
            .map(|(ep, _)| {
                let mut c = Connection::connect(ep, opts).map_err(|e| e.to_string())?;
                c.hello(creds).map_err(|e| e.to_string())?;
                let view = read_view(&mut c)?;
                let (p, s) = peers(ep, &view);
                Ok((Role::of_info(&view.info), p, s))
            })
            .collect()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ep(h: &str, p: u16) -> Endpoint {
        Endpoint {
            host: h.into(),
            port: p,
            tls: false,
        }
    }

    #[test]
    fn policy_same_host_allow_list_and_any() {
        let seed = ep("127.0.0.1", 7000);
        let p = PeerPolicy::default();
        assert!(p.check(&seed, &ep("127.0.0.1", 7001)).is_ok());
        assert!(p
            .check(&ep("localhost", 7000), &ep("127.0.0.1", 7001))
            .is_ok());
        let (why, flag) = p.check(&seed, &ep("127.0.0.2", 7001)).unwrap_err();
        assert!(why.contains("not on the seed's host"), "{why}");
        assert_eq!(flag, "--allow-peer 127.0.0.2");
        let p = PeerPolicy {
            allow: vec![AllowPeer::parse("127.0.0.0/8").unwrap()],
            any: false,
        };
        assert!(p.check(&seed, &ep("127.0.0.2", 1)).is_ok());
        assert!(p.check(&seed, &ep("10.0.0.1", 1)).is_err());
        let p = PeerPolicy {
            allow: vec![AllowPeer::parse("10.0.0.1").unwrap()],
            any: false,
        };
        assert!(p.check(&seed, &ep("10.0.0.1", 1)).is_ok());
        let any = PeerPolicy {
            allow: vec![],
            any: true,
        };
        assert!(any.check(&seed, &ep("10.9.9.9", 1)).is_ok());
        assert!(AllowPeer::parse("10.0.0.0/33").is_err());
        assert!(AllowPeer::parse("x/8").is_err());
        assert!(AllowPeer::parse("::1/128").is_ok());
        assert!(in_net("::1".parse().unwrap(), "::".parse().unwrap(), 0));
    }

    #[test]
    fn walk_records_who_said_what_and_who_was_reached() {
        let seeds = [ep("127.0.0.1", 1)];
        let topo = walk(&seeds, &WalkOptions::default(), |wave| {
            wave.iter()
                .map(|(e, _)| match e.port {
                    1 => Ok((
                        Role::Master,
                        vec![
                            Peer {
                                endpoint: ep("127.0.0.1", 2),
                                role: Role::Replica,
                                via: Via::InfoReplica,
                            },
                            Peer {
                                endpoint: ep("127.0.0.2", 3),
                                role: Role::Replica,
                                via: Via::InfoReplica,
                            },
                        ],
                        vec![],
                    )),
                    2 => Err("connection refused".into()),
                    _ => panic!("a peer off the seed's host was contacted"),
                })
                .collect()
        });
        assert_eq!(topo.nodes.len(), 3);
        assert!(topo.nodes[0].reached());
        assert_eq!(topo.nodes[0].role, Role::Master);
        assert_eq!(
            topo.nodes[1].reach,
            Reach::Unreachable("connection refused".into())
        );
        assert_eq!(
            topo.nodes[1].learnt_text(),
            "INFO replication (slaveN) of 127.0.0.1:1"
        );
        assert!(matches!(topo.nodes[2].reach, Reach::NotContacted { .. }));
        assert_eq!(topo.unreached().len(), 2);
    }

    #[test]
    fn cluster_rule_skips_handshake_and_noaddr_follows_fail() {
        let view = NodeView {
            cluster: Some(ClusterNodes::parse(
                "a :7000@17000 myself,master - 0 0 1 connected 0-100\n\
                 b :0@0 master,noaddr - 0 0 0 disconnected\n\
                 c 127.0.0.1:7002@17002 slave,fail a 0 0 1 disconnected\n\
                 d 127.0.0.1:7003@17003 handshake - 0 0 0 connected\n",
            )),
            ..NodeView::default()
        };
        let (p, s) = peers(&ep("127.0.0.1", 7000), &view);
        let addrs: Vec<String> = p.iter().map(|p| p.endpoint.to_string()).collect();
        assert_eq!(addrs, ["127.0.0.1:7000", "127.0.0.1:7002"]);
        assert_eq!(s.len(), 2);
    }
}
