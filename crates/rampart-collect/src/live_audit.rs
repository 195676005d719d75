//! The live audit's collection: from seeds, walk the topology
//! ([`crate::topology`]), and for every reached node assemble its snapshot
//! (the live collector, the server's own files when it runs on this host,
//! the TLS scan of its TLS port, the history), all held to one deadline
//! per target. Then the cross-node facts (ACL010's master-auth comparison,
//! ACL011's Sentinel logins, one report of a cluster's topology checks).
//! No verdicts here: the checks judge the snapshots.
//!
//! The binary maps its arguments to [`LiveAuditOptions`], calls
//! [`audit_live_targets`] with a [`Progress`] sink, and renders.

use crate::history::{collect_history, HistoryQuery};
use crate::live::collect_live;
use crate::topology::{self, KnownNode, Reach, Topology, WalkOptions};
use crate::{collect_files, FilesTarget};
use rampart_checks::{Avail, MasterAuthOutcome, MasterAuthProbe, Snapshot};
use rampart_live::{ConnectOptions, Credentials, Endpoint};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a live audit does, from the command line's options.
#[derive(Clone, Debug)]
pub struct LiveAuditOptions {
    /// How to connect (TLS settings, limits); the deadline is set per target.
    pub connect: ConnectOptions,
    /// `--timeout`: one deadline per target for all of its audit (its
    /// connections, commands and TLS scan).
    pub deadline: Duration,
    /// At most this many targets audited at once.
    pub concurrency: usize,
    /// `--sample-values N` (0: off).
    pub sample_values: usize,
    /// `--config`: the config file of the live target(s).
    pub config: Option<PathBuf>,
    pub aclfile: Option<PathBuf>,
    pub sentinel_config: Option<PathBuf>,
    /// `--no-local-files`: do not read a local server's own config file.
    pub no_local_files: bool,
    /// Scan the TLS port (`--no-tls-scan` turns it off).
    pub tls_scan: bool,
    /// The TLS scan's trust anchors and SNI.
    pub cacert: Option<PathBuf>,
    pub sni: Option<String>,
    /// Whether and where to follow peers (`--no-discover`, `--allow-peer`).
    pub walk: WalkOptions,
    pub history: HistoryQuery,
    /// `--server-version`, for the files when the server does not say.
    pub file_version: Option<redis_conf::Version>,
}

/// Where the audit says how far it is (a progress bar, or nothing).
pub trait Progress: Sync {
    /// A wave of `total` targets starts.
    fn wave(&self, _total: usize) {}
    /// One target of the wave is done.
    fn done(&self, _target: &str) {}
    /// The wave is over.
    fn wave_done(&self) {}
}

/// A progress sink that says nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// One audited (or known but not audited) target.
pub struct AuditedTarget {
    pub snapshot: Snapshot,
    /// `server`, `sentinel`, or `not-contacted` (a known node the peer
    /// policy kept the credentials from: not audited).
    pub kind: &'static str,
}

/// What a live audit collected.
pub struct LiveAudit {
    /// Every known node, in the order discovery learnt them.
    pub targets: Vec<AuditedTarget>,
    pub topology: Topology,
}

/// Audit the seeds and every allowed node they lead to.
pub fn audit_live_targets(
    seeds: &[(Endpoint, Credentials)],
    opts: &LiveAuditOptions,
    progress: &dyn Progress,
) -> LiveAudit {
    let seed_eps: Vec<Endpoint> = seeds.iter().map(|(e, _)| e.clone()).collect();
    let mut snaps: HashMap<String, Snapshot> = HashMap::new();
    let topo = topology::walk(&seed_eps, &opts.walk, |wave| {
        let batch: Vec<(Endpoint, Credentials)> = wave
            .iter()
            .map(|(ep, seed)| (ep.clone(), seeds[*seed].1.clone()))
            .collect();
        let done = audit_batch(&batch, opts, progress);
        let mut visits = Vec::new();
        for ((ep, _), (snap, peers, skipped)) in wave.iter().zip(done) {
            let visit = match snap.live.get() {
                Some(l) => Ok((
                    topology::Role::of(l.info("redis_mode"), l.info("role")),
                    peers,
                    skipped,
                )),
                None => Err(match &snap.live {
                    Avail::Failed(e) | Avail::Absent(e) => e.clone(),
                    Avail::Present(_) => String::new(),
                }),
            };
            snaps.insert(topology::endpoint_key(ep), snap);
            visits.push(visit);
        }
        visits
    });
    let mut targets = Vec::new();
    for n in &topo.nodes {
        let key = topology::endpoint_key(&n.endpoint);
        match snaps.remove(&key) {
            Some(s) => {
                let sentinel = s.live.get().and_then(|l| l.info("redis_mode")) == Some("sentinel");
                targets.push(AuditedTarget {
                    snapshot: s,
                    kind: if sentinel { "sentinel" } else { "server" },
                });
            }
            None => targets.push(AuditedTarget {
                snapshot: not_contacted(n),
                kind: "not-contacted",
            }),
        }
    }
    let mut list: Vec<Snapshot> = Vec::new();
    let mut kinds = Vec::new();
    for t in targets {
        kinds.push(t.kind);
        list.push(t.snapshot);
    }
    mark_topology_once(&mut list);
    master_auth_probes(&mut list);
    sentinel_logins(&mut list);
    LiveAudit {
        targets: list
            .into_iter()
            .zip(kinds)
            .map(|(snapshot, kind)| AuditedTarget { snapshot, kind })
            .collect(),
        topology: topo,
    }
}

/// A known node that was not contacted: no source of it was read, and
/// every live check says so (never a silent pass).
fn not_contacted(n: &KnownNode) -> Snapshot {
    let mut s = Snapshot::empty(n.endpoint.to_string());
    let why = match &n.reach {
        Reach::NotContacted { reason, flag } => format!(
            "{}: known from {} but not contacted (not audited): {reason}; to audit it with the seed's credentials, pass {flag}",
            n.endpoint,
            n.learnt_text()
        ),
        Reach::Unreachable(e) => e.clone(),
        Reach::Reached => format!("{}: not audited", n.endpoint),
    };
    s.live = Avail::Failed(why.clone());
    s.acl_live = Avail::Failed(format!("no users: {why}"));
    s
}

/// Audit a batch of servers, at most `concurrency` at once, reported in
/// order. A pool of workers takes the next server as soon as one is done,
/// so a silent server holds one worker for its deadline, not a whole batch.
fn audit_batch(
    batch: &[(Endpoint, Credentials)],
    opts: &LiveAuditOptions,
    progress: &dyn Progress,
) -> Vec<(Snapshot, Vec<topology::Peer>, Vec<topology::Skipped>)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    type One = (Snapshot, Vec<topology::Peer>, Vec<topology::Skipped>);
    progress.wave(batch.len());
    let workers = opts
        .concurrency
        .clamp(1, MAX_CONCURRENCY)
        .min(batch.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<One>>> = Mutex::new(batch.iter().map(|_| None).collect());
    let internal = |ep: &Endpoint| {
        let mut s = Snapshot::empty(ep.to_string());
        s.live = Avail::Failed("internal error while auditing this server".into());
        (s, Vec::new(), Vec::new())
    };
    std::thread::scope(|sc| {
        for _ in 0..workers {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((ep, creds)) = batch.get(i) else {
                    break;
                };
                let s = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    audit_one(ep, creds, opts)
                }))
                .unwrap_or_else(|_| internal(ep));
                progress.done(&ep.to_string());
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(s);
                }
            });
        }
    });
    progress.wave_done();
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    batch
        .iter()
        .zip(results)
        .map(|((ep, _), s)| s.unwrap_or_else(|| internal(ep)))
        .collect()
}

/// The most targets audited at once (threads).
pub const MAX_CONCURRENCY: usize = 1024;

/// Scan the server's TLS port (the one connected to, or CONFIG GET
/// tls-port), within what is left of the target's deadline.
fn tls_scan(
    ep: &Endpoint,
    live: &Avail<rampart_checks::LiveFacts>,
    opts: &LiveAuditOptions,
    deadline: Option<Instant>,
) -> Avail<rampart_checks::TlsFacts> {
    let port = if ep.tls {
        Some(ep.port)
    } else {
        live.get()
            .and_then(|l| l.config("tls-port"))
            .and_then(|p| p.parse::<u16>().ok())
            .filter(|p| *p != 0)
    };
    let Some(port) = port else {
        return Avail::absent("the server has no TLS port (tls-port 0)");
    };
    if !opts.tls_scan {
        return Avail::absent("the TLS scan was turned off (--no-tls-scan)");
    }
    let endpoint = Endpoint {
        port,
        tls: true,
        ..ep.clone()
    }
    .to_string();
    let passed = || {
        Avail::Failed(format!(
            "{ep}: the TLS scan did not finish: the deadline for this target ({:.1} s, --timeout) passed; the target is not fully audited",
            opts.deadline.as_secs_f64()
        ))
    };
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    if left.is_some_and(|l| l.is_zero()) {
        return passed();
    }
    let target = match tls_probe::Target::resolve(&endpoint, opts.sni.as_deref()) {
        Ok(t) => t,
        Err(e) => return Avail::Failed(format!("TLS scan of {endpoint}: {e}")),
    };
    let mut timeout = opts.deadline;
    if let Some(l) = left {
        timeout = timeout.min(l);
    }
    let scan_opts = tls_probe::ScanOptions {
        cacert: opts.cacert.clone(),
        timeout: timeout.max(Duration::from_millis(50)),
        ..tls_probe::ScanOptions::default()
    };
    // The scan runs many handshakes, each bounded by `timeout`; the target's
    // one deadline bounds them together: past it the scan is abandoned (its
    // probes end on their own timeouts) and the target is reported as not
    // fully audited.
    let scan = match left {
        None => tls_probe::scan(&target, &scan_opts),
        Some(l) => {
            let (tx, rx) = std::sync::mpsc::channel();
            let spawned = std::thread::Builder::new()
                .name("tls-scan".into())
                .spawn(move || {
                    let _ = tx.send(tls_probe::scan(&target, &scan_opts));
                });
            if spawned.is_err() {
                return Avail::Failed(format!("TLS scan of {endpoint}: cannot start a thread"));
            }
            match rx.recv_timeout(l) {
                Ok(s) => s,
                Err(_) => return passed(),
            }
        }
    };
    if !scan.any_supported() {
        return Avail::Failed(format!("TLS scan of {endpoint}: no TLS version answered"));
    }
    Avail::Present(rampart_checks::TlsFacts { endpoint, scan })
}

fn is_local(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|i| i.is_loopback())
            .unwrap_or(false)
}

/// Audit one live server (and its config file, when one is known).
fn audit_one(
    ep: &Endpoint,
    creds: &Credentials,
    opts: &LiveAuditOptions,
) -> (Snapshot, Vec<topology::Peer>, Vec<topology::Skipped>) {
    // One deadline for the target: its connections and every command of
    // its audit (a slow or silent server costs --timeout, not a multiple).
    let target_opts = opts.connect.with_deadline(opts.deadline);
    let mut coll = collect_live(ep, creds, &target_opts);
    if opts.sample_values > 0 {
        if let Avail::Present(l) = &mut coll.live {
            l.value_sample = Some(crate::sample::sample_values(
                ep,
                creds,
                &opts.connect,
                opts.sample_values,
            ));
        }
    }
    let local = is_local(&ep.host);
    // The server's own config file, when it runs on this host and names one.
    let config = opts.config.clone().or_else(|| {
        coll.config_file
            .as_ref()
            .filter(|_| local && !opts.no_local_files)
            .map(PathBuf::from)
            .filter(|p| p.is_file())
    });
    let sentinel_mode = coll.live.get().and_then(|l| l.info("redis_mode")) == Some("sentinel");
    let mut snap = match &config {
        // A Sentinel's config is a sentinel.conf: read as such (ACL011,
        // CLU001, its file modes), not as a data node's redis.conf.
        Some(p) if sentinel_mode => {
            let mut s = Snapshot::empty(ep.to_string());
            let (sentinel, fs) = crate::collect_sentinel_config(p);
            s.sentinel = sentinel;
            s.fs = fs;
            let why = "a Sentinel: data-node settings do not apply (its sentinel.conf is read for ACL011 and CLU001)";
            s.conf = Avail::Absent(why.into());
            s.acl = Avail::Absent(why.into());
            s
        }
        Some(p) => {
            // The server's own version decides how its files are read.
            let live_version = coll
                .live
                .get()
                .and_then(|l| crate::version::from_info(&l.info));
            let version = live_version.or_else(|| opts.file_version.clone());
            let table = version
                .as_ref()
                .map(|v| redis_acl::CommandTable::of_dialect(v.dialect));
            collect_files(&FilesTarget {
                config: p.clone(),
                aclfile: opts.aclfile.clone(),
                sentinel_config: opts.sentinel_config.clone(),
                host_root: None,
                scan_processes: false,
                table,
                version,
            })
        }
        None => {
            let mut s = Snapshot::empty(ep.to_string());
            let why = if local {
                "the server names no config file it can be read from (INFO config_file), and --config was not given"
            } else {
                "the server is not on this host and --config was not given"
            };
            s.conf = Avail::Absent(why.into());
            s.acl = Avail::Absent(why.into());
            s.fs = Avail::Absent(format!("file checks need the server's files: {why}"));
            s.os = Avail::Absent(format!("host checks need the server's host: {why}"));
            s
        }
    };
    snap.target = match &config {
        Some(p) => format!("{ep} ({})", p.display()),
        None => ep.to_string(),
    };
    snap.tls = tls_scan(ep, &coll.live, opts, target_opts.deadline);
    // The server's own version, from INFO.
    if let Some(v) = coll
        .live
        .get()
        .and_then(|l| crate::version::from_info(&l.info))
    {
        snap.version = Some(v);
    }
    // rustls could not connect where rampart's prober could: say why, once
    // for every check that needed the connection (the TLS checks use the scan).
    if let (true, Avail::Failed(e), Avail::Present(t)) = (ep.tls, &coll.live, &snap.tls) {
        if let Some(why) = tls_probe::scan::rustls_gap(&t.scan) {
            let prefix = format!("{ep}: ");
            let failed = e.strip_prefix(&prefix).unwrap_or(e);
            let failed = failed.strip_prefix("TLS: ").unwrap_or(failed);
            let e = format!(
                "{ep}: rampart cannot connect: {why} ({failed}); the TLS checks use rampart's own prober instead"
            );
            coll.acl = Avail::Failed(format!("no users: {e}"));
            coll.live = Avail::Failed(e);
        }
    }
    snap.live = coll.live;
    snap.acl_live = coll.acl;
    if !matches!(coll.proc, Avail::Absent(_)) || matches!(snap.proc, Avail::Absent(_)) {
        snap.proc = coll.proc;
    }
    // Recorded under host:port as given (and as resolved: rotate records
    // the addresses nodes report).
    let mut names = vec![ep.to_string()];
    let resolved = topology::endpoint_key(ep);
    if !names.contains(&resolved) {
        names.push(resolved);
    }
    // On this host, a review recorded under the server's config file
    // counts too (not for remote servers: one --config may stand for many).
    for n in config
        .iter()
        .filter(|_| local)
        .flat_map(|c| config_history_names(c))
    {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    snap.history = collect_history(&opts.history, &names);
    (snap, coll.peers, coll.skipped)
}

/// The names a files-only target is recorded under: its config path as
/// given, and canonical (what `rampart acl review --record` writes).
pub fn config_history_names(config: &Path) -> Vec<String> {
    let mut names = vec![config.display().to_string()];
    if let Ok(c) = std::fs::canonicalize(config) {
        let c = c.display().to_string();
        if !names.contains(&c) {
            names.insert(0, c);
        }
    }
    names
}

pub use rampart_live::reply::sentinel_link_name;

/// The snapshots of live servers by endpoint.
fn live_index(snaps: &[Snapshot]) -> HashMap<String, usize> {
    snaps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let l = s.live.get()?;
            let t = rampart_live::target::parse(&l.endpoint, 6379).ok()?;
            Some((topology::endpoint_key(&t.endpoint), i))
        })
        .collect()
}

/// ACL011 across nodes: the user each audited Sentinel's command link is
/// logged in as on each master it monitors, read from the master's CLIENT
/// LIST (`name=sentinel-<first 8 of its id>-cmd`) when the master was
/// audited in the same run.
fn sentinel_logins(snaps: &mut [Snapshot]) {
    let keyed = live_index(snaps);
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    for (i, s) in snaps.iter().enumerate() {
        let Some(ls) = s.live.get().and_then(|l| l.sentinel.as_ref()) else {
            continue;
        };
        // Without its id or its masters there is no link to look for
        // (ACL011 says which was not readable).
        let (Ok(myid), Ok(masters)) = (&ls.myid, &ls.masters) else {
            continue;
        };
        let want = sentinel_link_name(myid);
        for (k, m) in masters.iter().enumerate() {
            let Ok(t) = rampart_live::target::parse(&m.addr, 6379) else {
                continue;
            };
            let Some(&mi) = keyed.get(&topology::endpoint_key(&t.endpoint)) else {
                continue;
            };
            let Some(Ok(clients)) = snaps[mi].live.get().map(|l| &l.clients) else {
                continue;
            };
            if let Some(u) = clients
                .iter()
                .find(|c| c.get("name") == Some(&want))
                .and_then(|c| c.get("user"))
            {
                found.push((i, k, u.clone()));
            }
        }
    }
    for (i, k, user) in found {
        if let Avail::Present(l) = &mut snaps[i].live {
            if let Some(m) = l
                .sentinel
                .as_mut()
                .and_then(|s| s.masters.as_mut().ok())
                .and_then(|m| m.get_mut(k))
            {
                m.login_user = Some(user);
            }
        }
    }
}

/// ACL010's fact across nodes: for a replica whose master was audited too,
/// its masterauth (as SHA-256, what Redis stores) against what the master's
/// ACL LIST says of its masteruser. ACL010 decides.
fn master_auth_probes(snaps: &mut [Snapshot]) {
    let keyed = live_index(snaps);
    let mut results = Vec::new();
    for (i, s) in snaps.iter().enumerate() {
        let Some(l) = s.live.get() else { continue };
        if l.info("role") != Some("slave") {
            continue;
        }
        let (Some(h), Some(p)) = (
            l.info("master_host"),
            l.info("master_port").and_then(|p| p.parse::<u16>().ok()),
        ) else {
            continue;
        };
        let Some(&m) = keyed.get(&topology::endpoint_key(&Endpoint {
            host: h.to_string(),
            port: p,
            tls: false,
        })) else {
            continue;
        };
        let user = l
            .config("masteruser")
            .filter(|u| !u.is_empty())
            .unwrap_or("default")
            .to_string();
        let master = snaps[m].target.clone();
        let outcome = match snaps[m].acl_live.get() {
            None => continue,
            Some(users) => match users.user(&user) {
                None => MasterAuthOutcome::NoSuchUser,
                Some(u) => MasterAuthOutcome::Compared {
                    enabled: u.user.enabled,
                    nopass: u.user.nopass,
                    masterauth_set: l.masterauth_sha256.is_some(),
                    hash_matches: l
                        .masterauth_sha256
                        .as_ref()
                        .is_some_and(|h| u.user.passwords.iter().any(|pw| &pw.hash == h)),
                },
            },
        };
        results.push((
            i,
            MasterAuthProbe {
                user,
                master,
                outcome,
            },
        ));
    }
    for (i, r) in results {
        snaps[i].master_auth = Some(r);
    }
}

/// Topology-wide checks once per cluster: the nodes of one cluster (the
/// same set of node ids in CLUSTER NODES) point at the first one audited.
fn mark_topology_once(snaps: &mut [Snapshot]) {
    let mut first: HashMap<Vec<String>, String> = HashMap::new();
    for s in snaps.iter_mut() {
        let Some(Ok(nodes)) = s.live.get().and_then(|l| l.cluster_nodes.as_ref()) else {
            continue;
        };
        let ids = rampart_live::reply::ClusterNodes::parse(nodes).ids();
        match first.get(&ids) {
            Some(name) => s.topology_reported_on = Some(name.clone()),
            None => {
                first.insert(ids, s.target.clone());
            }
        }
    }
}

/// What the zero-argument default found on this host: the endpoints to
/// audit, and the servers it saw but cannot reach, with why.
#[derive(Debug, Default)]
pub struct LocalScan {
    pub endpoints: Vec<Endpoint>,
    /// `redis-server (pid 812): ...`, or why the process list could not be
    /// read: said, never taken for "no server runs here".
    pub not_reached: Vec<String>,
}

/// The zero-argument default: the Redis, Valkey and Sentinel processes
/// running on this host, each at the first of its listening ports that
/// speaks RESP (the cluster bus does not), as endpoints to audit.
pub fn local_endpoints(opts: &ConnectOptions) -> LocalScan {
    let mut scan = LocalScan::default();
    let servers = match crate::local_servers() {
        Ok(s) => s,
        Err(e) => {
            scan.not_reached
                .push(format!("the process list (/proc) could not be read: {e}"));
            return scan;
        }
    };
    let quick = ConnectOptions {
        connect_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_millis(800),
        ..opts.clone()
    };
    let out = &mut scan.endpoints;
    for srv in servers {
        let Some(listening) = &srv.listening else {
            scan.not_reached.push(format!(
                "{} (pid {}): its sockets cannot be read (another user's process: run as root or as its user, or name it as a target)",
                srv.exe, srv.pid
            ));
            continue;
        };
        let candidates: Vec<Endpoint> = listening
            .iter()
            .map(|(ip, port)| {
                let host = if ip.is_unspecified() {
                    if ip.is_ipv4() {
                        "127.0.0.1".to_string()
                    } else {
                        "::1".to_string()
                    }
                } else {
                    ip.to_string()
                };
                Endpoint {
                    host,
                    port: *port,
                    tls: false,
                }
            })
            .collect();
        let speaks_resp = |ep: &Endpoint| {
            rampart_live::Connection::connect(ep, &quick)
                .and_then(|mut c| c.cmd(&["PING"]))
                .is_ok()
        };
        let chosen = candidates
            .iter()
            .find(|ep| speaks_resp(ep))
            .cloned()
            .or_else(|| {
                // No plaintext answer: a TLS-only server; its lowest port, over TLS.
                candidates.first().map(|ep| Endpoint {
                    tls: true,
                    ..ep.clone()
                })
            });
        match chosen {
            Some(ep) if !out.contains(&ep) => out.push(ep),
            Some(_) => {}
            None => scan.not_reached.push(format!(
                "{} (pid {}): it listens on no TCP port (a Unix socket only? name it as a target)",
                srv.exe, srv.pid
            )),
        }
    }
    scan
}
