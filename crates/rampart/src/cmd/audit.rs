use crate::cli::{AuditArgs, FailOn, Format};
use anyhow::{bail, Context, Result};
use rampart_checks::{run_all, Avail, Finding, Severity, Snapshot, Status};
use rampart_collect::history::{self, collect_history, HistoryQuery};
use rampart_collect::live::collect_live;
use rampart_collect::{collect_files, FilesTarget};
use rampart_live::{ConnectOptions, Credentials, Endpoint};
use rampart_report::{text::TextOptions, Report, Target};
use redis_conf::Secret;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Where distributions and the upstream Makefile put the server config.
const WELL_KNOWN: &[&str] = &[
    "/etc/redis/redis.conf",
    "/etc/redis.conf",
    "/etc/valkey/valkey.conf",
    "/etc/valkey.conf",
    "/usr/local/etc/redis.conf",
    "/usr/local/etc/redis/redis.conf",
    "/usr/local/etc/valkey/valkey.conf",
];

/// Run from the repository with no Redis on the host: audit the example.
const EXAMPLE: &str = "examples/insecure/redis.conf";

fn discover() -> Result<(PathBuf, Option<String>)> {
    if let Some(p) = WELL_KNOWN.iter().map(Path::new).find(|p| p.is_file()) {
        return Ok((p.to_path_buf(), None));
    }
    if Path::new(EXAMPLE).is_file() {
        return Ok((
            PathBuf::from(EXAMPLE),
            Some(format!(
                "rampart: no Redis or Valkey config found on this host (looked in {}); auditing the example deployment {EXAMPLE} instead",
                WELL_KNOWN.join(", ")
            )),
        ));
    }
    bail!(
        "no Redis or Valkey config found on this host (looked in {}); name one with `rampart audit --config FILE`",
        WELL_KNOWN.join(", ")
    )
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// True when a failure (or an error: never silently a pass) reaches the threshold.
fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    let Some(min) = threshold(fail_on) else {
        return false;
    };
    findings
        .iter()
        .any(|f| matches!(f.status, Status::Fail | Status::Error) && f.severity >= min)
}

/// The live targets named on the command line, with their credentials.
/// A fleet inventory (`--targets-file fleet.toml`): targets with their own
/// credentials, by reference to an environment variable or a file, never
/// the password itself.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Inventory {
    #[serde(default)]
    defaults: InventoryCreds,
    #[serde(default)]
    target: Vec<InventoryTarget>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct InventoryCreds {
    user: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryTarget {
    url: String,
    #[serde(flatten)]
    creds: InventoryCreds,
}

impl InventoryCreds {
    fn password(&self, what: &str) -> Result<Option<Secret>> {
        if let Some(var) = &self.password_env {
            let v = std::env::var_os(var)
                .with_context(|| format!("{what}: the environment variable {var} is not set"))?;
            return Ok(Some(super::remember(Secret::new(v.into_encoded_bytes()))));
        }
        if let Some(f) = &self.password_file {
            let text = redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
                .map_err(|e| anyhow::anyhow!("{what}: {}", e.named("the password file")))?;
            return Ok(Some(super::remember(Secret::new(
                text.lines().next().unwrap_or("").as_bytes().to_vec(),
            ))));
        }
        Ok(None)
    }
}

/// Targets with their own credentials from a TOML inventory.
fn inventory_targets(
    f: &std::path::Path,
    args: &AuditArgs,
) -> Result<Vec<(Endpoint, Credentials)>> {
    let text = redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
        .map_err(|e| e.named("the inventory"))?;
    let inv: Inventory =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", f.display(), e.message()))?;
    let mut out = Vec::new();
    for (i, t) in inv.target.iter().enumerate() {
        let what = format!(
            "{} target #{} ({})",
            f.display(),
            i + 1,
            rampart_live::target::redact(&t.url)
        );
        let parsed = rampart_live::target::parse(&t.url, 6379).with_context(|| what.clone())?;
        if parsed.password_in_uri {
            anstream::eprintln!("rampart: warning: {what}: a password in the inventory's url; use password_env or password_file");
        }
        let password = match parsed.credentials.password.clone() {
            Some(p) => Some(super::remember(p)),
            None => match t.creds.password(&what)? {
                Some(p) => Some(p),
                None => inv.defaults.password(&what)?,
            },
        };
        let user = parsed
            .credentials
            .user
            .clone()
            .or_else(|| t.creds.user.clone())
            .or_else(|| inv.defaults.user.clone())
            .or_else(|| args.conn.user.clone());
        let mut ep = parsed.endpoint;
        ep.tls |= args.conn.tls;
        out.push((ep, Credentials { user, password }));
    }
    Ok(out)
}

fn live_targets(args: &AuditArgs) -> Result<Vec<(Endpoint, Credentials)>> {
    let mut out = Vec::new();
    let mut asked: Option<Option<Secret>> = None;
    let mut specs: Vec<String> = args.targets.clone();
    if let Some(f) = args
        .targets_file
        .as_ref()
        .filter(|f| f.extension().is_some_and(|e| e == "toml"))
    {
        out.extend(inventory_targets(f, args)?);
    } else if let Some(f) = &args.targets_file {
        let text = redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
            .map_err(|e| e.named("the targets file"))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Fail early with the line: a typo must not silently drop a server.
            rampart_live::target::parse(line, 6379)
                .with_context(|| format!("{}:{}", f.display(), i + 1))?;
            specs.push(line.to_string());
        }
    }
    if args.conn.host.is_some() || args.conn.port.is_some() {
        let host = args.conn.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        specs.push(format!("{host}:{}", args.conn.port.unwrap_or(6379)));
    }
    for spec in specs {
        let t = rampart_live::target::parse(&spec, 6379)?;
        let uri_pw = t.credentials.password.clone();
        let pw = match uri_pw {
            Some(p) => super::login_password(&args.conn, Some(p))?,
            None => match &asked {
                Some(p) => p.clone(),
                None => {
                    let p = super::login_password(&args.conn, None)?;
                    asked = Some(p.clone());
                    p
                }
            },
        };
        let creds = Credentials {
            user: t
                .credentials
                .user
                .clone()
                .or_else(|| args.conn.user.clone()),
            password: pw,
        };
        let mut ep = t.endpoint;
        ep.tls |= args.conn.tls;
        out.push((ep, creds));
    }
    Ok(out)
}

/// Scan the server's TLS port (the one connected to, or CONFIG GET tls-port).
fn tls_scan(
    ep: &Endpoint,
    live: &Avail<rampart_checks::LiveFacts>,
    args: &AuditArgs,
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
    if args.no_tls_scan {
        return Avail::absent("the TLS scan was turned off (--no-tls-scan)");
    }
    let endpoint = Endpoint {
        port,
        tls: true,
        ..ep.clone()
    }
    .to_string();
    let target = match tls_probe::Target::resolve(&endpoint, args.conn.sni.as_deref()) {
        Ok(t) => t,
        Err(e) => return Avail::Failed(format!("TLS scan of {endpoint}: {e}")),
    };
    let opts = tls_probe::ScanOptions {
        cacert: args.conn.cacert.clone(),
        timeout: Duration::from_secs_f64(args.conn.timeout.clamp(0.1, 600.0)),
        ..tls_probe::ScanOptions::default()
    };
    let scan = tls_probe::scan(&target, &opts);
    if !scan.any_supported() {
        return Avail::Failed(format!("TLS scan of {endpoint}: no TLS version answered"));
    }
    Avail::Present(rampart_checks::TlsFacts { endpoint, scan })
}

/// Audit one live server (and its config file, when one is known).
fn audit_live(
    ep: &Endpoint,
    creds: &Credentials,
    args: &AuditArgs,
    opts: &ConnectOptions,
) -> Snapshot {
    // One deadline for the target: its connections and every command of
    // its audit (a slow or silent server costs --timeout, not a multiple).
    let deadline = Duration::from_secs_f64(args.conn.timeout.clamp(0.1, 600.0));
    let target_opts = opts.with_deadline(deadline);
    let mut coll = collect_live(ep, creds, &target_opts);
    if args.sample_values > 0 {
        if let rampart_checks::Avail::Present(l) = &mut coll.live {
            l.value_sample = Some(rampart_collect::sample::sample_values(
                ep,
                creds,
                opts,
                args.sample_values,
            ));
        }
    }
    let local = ep.host == "localhost"
        || ep
            .host
            .parse::<std::net::IpAddr>()
            .map(|i| i.is_loopback())
            .unwrap_or(false);
    // The server's own config file, when it runs on this host and names one.
    let config = args.config.clone().or_else(|| {
        coll.config_file
            .as_ref()
            .filter(|_| local && !args.no_local_files)
            .map(PathBuf::from)
            .filter(|p| p.is_file())
    });
    let sentinel_mode = coll.live.get().and_then(|l| l.info("redis_mode")) == Some("sentinel");
    let mut snap = match &config {
        // A Sentinel's config is a sentinel.conf: read as such (ACL011,
        // CLU001, its file modes), not as a data node's redis.conf.
        Some(p) if sentinel_mode => {
            let mut s = Snapshot::empty(ep.to_string());
            let (sentinel, fs) = rampart_collect::collect_sentinel_config(p);
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
                .and_then(|l| rampart_collect::version::from_info(&l.info));
            let version = live_version.or_else(|| file_version(args).ok().flatten());
            let table = version
                .as_ref()
                .map(|v| redis_acl::CommandTable::of_dialect(v.dialect));
            collect_files(&FilesTarget {
                config: p.clone(),
                aclfile: args.aclfile.clone(),
                sentinel_config: args.sentinel_config.clone(),
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
    snap.tls = match target_opts.deadline {
        Some(d) if std::time::Instant::now() >= d => Avail::Failed(format!(
            "{ep}: the TLS scan was not run: the deadline for this target ({:.1} s, --timeout) passed",
            deadline.as_secs_f64()
        )),
        _ => tls_scan(ep, &coll.live, args),
    };
    // The server's own version, from INFO.
    if let Some(v) = coll
        .live
        .get()
        .and_then(|l| rampart_collect::version::from_info(&l.info))
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
    let resolved = endpoint_key(ep);
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
    snap.history = collect_history(&history_query(args), &names);
    snap
}

/// Where and how the audit reads rampart's history.
fn history_query(args: &AuditArgs) -> HistoryQuery {
    HistoryQuery {
        path: history::resolve_path(args.history.file.as_deref()),
        now: history::now(),
        rotation_days: args.history.rotation_days,
        review_days: args.history.review_days,
    }
}

/// The names a files-only target is recorded under: its config path as
/// given, and canonical (what `rampart acl review --record` writes).
pub(crate) fn config_history_names(config: &Path) -> Vec<String> {
    let mut names = vec![config.display().to_string()];
    if let Ok(c) = std::fs::canonicalize(config) {
        let c = c.display().to_string();
        if !names.contains(&c) {
            names.insert(0, c);
        }
    }
    names
}

fn render_and_exit(snapshots: Vec<(Snapshot, &str)>, args: &AuditArgs) -> Result<ExitCode> {
    render_and_exit_with(snapshots, args, None)
}

/// Render, then `trailer` after a text report on standard output (else on
/// standard error, so JSON and SARIF stay valid).
fn render_and_exit_with(
    snapshots: Vec<(Snapshot, &str)>,
    args: &AuditArgs,
    trailer: Option<&str>,
) -> Result<ExitCode> {
    let policy = super::policy::load(&args.policy)?;
    let comments =
        super::policy::inline_comments(&snapshots.iter().map(|(s, _)| s).collect::<Vec<_>>());
    let mut report = Report::default();
    let currency = crate::cmd::advisories::for_audit();
    for (mut snapshot, kind) in snapshots {
        snapshot.now = Some(history::now());
        snapshot.currency = Some(currency.clone());
        report.findings.extend(run_all(&snapshot));
        report.problems.extend(
            snapshot
                .input_problems()
                .into_iter()
                .map(|p| (snapshot.target.clone(), p)),
        );
        report.targets.push(Target {
            name: snapshot.target.clone(),
            kind: kind.into(),
            version: snapshot
                .version
                .as_ref()
                .map(rampart_report::TargetVersion::of),
        });
    }
    super::policy::apply(&policy, &args.policy, &mut report, &comments)?;
    let out = args.output.output.as_deref();
    let text = match args.output.format {
        Format::Text => rampart_report::text::render(
            &report,
            TextOptions {
                color: super::want_color(out),
                verbose: args.output.verbose,
                show_suppressed: args.policy.show_suppressed,
            },
        ),
        Format::Json => rampart_report::json::render(&report),
        Format::Sarif => rampart_report::sarif::render_with(
            &report,
            &rampart_report::sarif::SarifOptions {
                category: args.policy.sarif_category.clone(),
            },
        ),
    };
    match trailer {
        Some(t) if args.output.format == Format::Text && out.is_none() => {
            super::emit(&format!("{text}\n{t}"), out)?;
        }
        Some(t) => {
            super::emit(&text, out)?;
            anstream::eprint!("{t}");
        }
        None => super::emit(&text, out)?,
    }
    // A line Redis would refuse to start with counts as a high failure.
    let fatal_input = report.problems.iter().any(|(_, p)| p.fatal)
        && threshold(args.output.fail_on).is_some_and(|min| Severity::High >= min);
    // Suppressed findings are reported, never counted.
    if fatal_input || fails(&report.counting(), args.output.fail_on) {
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// `--table NAME`: one of the shipped command tables.
/// `--server-version`, resolved.
fn file_version(args: &AuditArgs) -> Result<Option<redis_conf::Version>> {
    match &args.server_version {
        None => Ok(None),
        Some(name) => rampart_collect::version::named(name)
            .map(Some)
            .map_err(|e| anyhow::anyhow!(e)),
    }
}

/// The command table of `--server-version`, when given.
fn file_table(args: &AuditArgs) -> Result<Option<&'static redis_acl::CommandTable>> {
    Ok(file_version(args)?.map(|v| redis_acl::CommandTable::of_dialect(v.dialect)))
}

/// Most servers one audit follows from its seeds.
const MAX_SERVERS: usize = 1000;

/// A name for de-duplicating endpoints (`localhost:7000` and
/// `127.0.0.1:7000` are the same server).
fn endpoint_key(ep: &Endpoint) -> String {
    use std::net::ToSocketAddrs;
    (ep.host.as_str(), ep.port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .map(|a| a.to_string())
        .unwrap_or_else(|| ep.to_string())
}

/// A progress bar on standard error when it is a terminal and there is
/// more than one server (hidden otherwise).
fn progress(total: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if total < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} servers audited")
    {
        pb.set_style(style);
    }
    pb
}

/// Audit a batch of servers, at most `--concurrency` at once, reported in
/// order. A pool of workers takes the next server as soon as one is done,
/// so a silent server holds one worker for its deadline, not a whole batch.
fn audit_batch(
    batch: &[(Endpoint, Credentials)],
    args: &AuditArgs,
    opts: &ConnectOptions,
) -> Vec<Snapshot> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let pb = progress(batch.len());
    let workers = args.conn.concurrency.clamp(1, 256).min(batch.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Snapshot>>> = Mutex::new(batch.iter().map(|_| None).collect());
    std::thread::scope(|sc| {
        for _ in 0..workers {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((ep, creds)) = batch.get(i) else {
                    break;
                };
                let s = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    audit_live(ep, creds, args, opts)
                }))
                .unwrap_or_else(|_| {
                    let mut s = Snapshot::empty(ep.to_string());
                    s.live = Avail::Failed("internal error while auditing this server".into());
                    s
                });
                pb.inc(1);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(s);
                }
            });
        }
    });
    pb.finish_and_clear();
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    batch
        .iter()
        .zip(results)
        .map(|((ep, _), s)| {
            s.unwrap_or_else(|| {
                let mut s = Snapshot::empty(ep.to_string());
                s.live = Avail::Failed("internal error while auditing this server".into());
                s
            })
        })
        .collect()
}

/// Audit the seeds, then every server they know (cluster nodes, replicas,
/// masters, a Sentinel's masters, replicas and peers), wave by wave, with
/// the seed's credentials and TLS settings.
fn audit_topology(
    seeds: Vec<(Endpoint, Credentials)>,
    args: &AuditArgs,
    opts: &ConnectOptions,
) -> Vec<Snapshot> {
    let mut seen: std::collections::HashSet<String> =
        seeds.iter().map(|(ep, _)| endpoint_key(ep)).collect();
    let mut queue = seeds;
    let mut snaps = Vec::new();
    while !queue.is_empty() {
        let done = audit_batch(&queue, args, opts);
        let mut next = Vec::new();
        if !args.no_discover {
            for (s, (ep, creds)) in done.iter().zip(&queue) {
                let Some(l) = s.live.get() else { continue };
                for peer in &l.peers {
                    let Ok(t) = rampart_live::target::parse(peer, 6379) else {
                        continue;
                    };
                    let pep = Endpoint {
                        tls: ep.tls,
                        ..t.endpoint
                    };
                    if seen.len() < MAX_SERVERS && seen.insert(endpoint_key(&pep)) {
                        next.push((pep, creds.clone()));
                    }
                }
            }
        }
        snaps.extend(done);
        queue = next;
    }
    mark_topology_once(&mut snaps);
    check_master_auth(&mut snaps);
    sentinel_logins(&mut snaps);
    snaps
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
        let want = super::sentinel_link_name(&ls.myid);
        for (k, m) in ls.masters.iter().enumerate() {
            let Ok(t) = rampart_live::target::parse(&m.addr, 6379) else {
                continue;
            };
            let Some(&mi) = keyed.get(&endpoint_key(&t.endpoint)) else {
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
        if let rampart_checks::Avail::Present(l) = &mut snaps[i].live {
            if let Some(m) = l.sentinel.as_mut().and_then(|s| s.masters.get_mut(k)) {
                m.login_user = Some(user);
            }
        }
    }
}

/// The snapshots of live servers by endpoint.
fn live_index(snaps: &[Snapshot]) -> std::collections::HashMap<String, usize> {
    snaps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let l = s.live.get()?;
            let t = rampart_live::target::parse(&l.endpoint, 6379).ok()?;
            Some((endpoint_key(&t.endpoint), i))
        })
        .collect()
}

/// ACL010 across nodes: a replica's masterauth must be a password of its
/// masteruser on the master (compared as SHA-256, as Redis stores it).
fn check_master_auth(snaps: &mut [Snapshot]) {
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
        let Some(&m) = keyed.get(&endpoint_key(&Endpoint {
            host: h.to_string(),
            port: p,
            tls: false,
        })) else {
            continue;
        };
        let Some(master_users) = snaps[m].acl_live.get() else {
            continue;
        };
        let user = l
            .config("masteruser")
            .filter(|u| !u.is_empty())
            .unwrap_or("default");
        let what = format!(
            "masterauth against the passwords of user {user} on the master {}",
            snaps[m].target
        );
        let ok = match (&l.masterauth_sha256, master_users.user(user)) {
            (Some(hash), Some(u)) => {
                u.user.enabled
                    && (u.user.nopass || u.user.passwords.iter().any(|pw| &pw.hash == hash))
            }
            (None, Some(u)) => u.user.enabled && u.user.nopass,
            (_, None) => false,
        };
        results.push((i, (ok, what)));
    }
    for (i, r) in results {
        snaps[i].master_auth_check = Some(r);
    }
}

/// Topology-wide checks once per cluster: the nodes of one cluster (the
/// same set of node ids in CLUSTER NODES) point at the first one audited.
fn mark_topology_once(snaps: &mut [Snapshot]) {
    let mut first: std::collections::HashMap<Vec<String>, String> =
        std::collections::HashMap::new();
    for s in snaps.iter_mut() {
        let Some(Ok(nodes)) = s.live.get().and_then(|l| l.cluster_nodes.as_ref()) else {
            continue;
        };
        let mut ids: Vec<String> = nodes
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect();
        ids.sort();
        match first.get(&ids) {
            Some(name) => s.topology_reported_on = Some(name.clone()),
            None => {
                first.insert(ids, s.target.clone());
            }
        }
    }
}

/// The zero-argument default: the Redis, Valkey and Sentinel processes
/// running on this host, each at the first of its listening ports that
/// speaks RESP (the cluster bus does not), as endpoints to audit.
fn local_endpoints(opts: &ConnectOptions) -> Vec<Endpoint> {
    let Ok(servers) = rampart_collect::local_servers() else {
        return Vec::new();
    };
    let quick = ConnectOptions {
        connect_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_millis(800),
        ..opts.clone()
    };
    let mut out = Vec::new();
    for srv in servers {
        let candidates: Vec<Endpoint> = srv
            .listening
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
        if let Some(ep) = chosen {
            if !out.contains(&ep) {
                out.push(ep);
            }
        }
    }
    out
}

pub fn run(args: AuditArgs) -> Result<ExitCode> {
    file_table(&args)?;
    // Settings and baseline problems stop the run before anything is audited.
    super::policy::load(&args.policy)?;
    if args.fixes.fix || args.fixes.diff || args.fixes.unsafe_fixes {
        return run_fix(&args);
    }
    let mut live = live_targets(&args)?;
    // RAMPART_NO_LOCAL_DISCOVERY=1 skips the process scan (the files fallback).
    let scan =
        std::env::var_os("RAMPART_NO_LOCAL_DISCOVERY").is_none_or(|v| v.is_empty() || v == "0");
    if live.is_empty() && args.config.is_none() && scan {
        let probe_opts = ConnectOptions::default();
        let found = local_endpoints(&probe_opts);
        if !found.is_empty() {
            let names: Vec<String> = found.iter().map(|e| e.to_string()).collect();
            anstream::eprintln!(
                "rampart: auditing the servers running on this host: {}",
                names.join(", ")
            );
            let pw = super::login_password(&args.conn, None)?;
            let creds = Credentials {
                user: args.conn.user.clone(),
                password: pw,
            };
            live = found
                .into_iter()
                .map(|mut ep| {
                    ep.tls |= args.conn.tls;
                    (ep, creds.clone())
                })
                .collect();
        }
    }
    if !live.is_empty() {
        let opts = super::connect_options(&args.conn);
        let snaps = audit_topology(live, &args, &opts);
        let kinds: Vec<(Snapshot, &str)> = snaps
            .into_iter()
            .map(|s| {
                let sentinel = s.live.get().and_then(|l| l.info("redis_mode")) == Some("sentinel");
                (s, if sentinel { "sentinel" } else { "server" })
            })
            .collect();
        return render_and_exit(kinds, &args);
    }

    let (config, note) = match &args.config {
        Some(c) => (c.clone(), None),
        None => discover()?,
    };
    if let Some(n) = note {
        anstream::eprintln!("{n}");
    }
    let target = FilesTarget {
        config: config.clone(),
        aclfile: args.aclfile.clone(),
        sentinel_config: args.sentinel_config.clone(),
        host_root: None,
        scan_processes: !args.no_proc,
        table: file_table(&args)?,
        version: file_version(&args)?,
    };
    let mut snapshot = collect_files(&target);
    snapshot.history = collect_history(&history_query(&args), &config_history_names(&config));
    if let rampart_checks::Avail::Failed(e) = &snapshot.conf {
        // Nothing can be audited without the config: that is rampart failing.
        bail!("cannot audit {}: {e}", config.display());
    }
    render_and_exit(vec![(snapshot, "files")], &args)
}

/// `audit --config FILE --fix | --diff [--unsafe-fixes]`: files only.
fn run_fix(args: &AuditArgs) -> Result<ExitCode> {
    if !args.fixes.fix && !args.fixes.diff {
        bail!("--unsafe-fixes goes with --fix or --diff");
    }
    let live = !args.targets.is_empty()
        || args.targets_file.is_some()
        || args.conn.host.is_some()
        || args.conn.port.is_some();
    if live {
        bail!(
            "--fix and --diff edit config files only: a live audit stays read-only (its report shows each fix's runtime command, CONFIG SET ..., for you to run); give the server's config with --config FILE and no TARGET"
        );
    }
    let Some(config) = args.config.clone() else {
        bail!("--fix and --diff need --config FILE: rampart edits only a config file you name");
    };
    let target = FilesTarget {
        config: config.clone(),
        aclfile: args.aclfile.clone(),
        sentinel_config: args.sentinel_config.clone(),
        host_root: None,
        scan_processes: !args.no_proc,
        table: file_table(args)?,
        version: file_version(args)?,
    };
    let collect = || -> Result<Snapshot> {
        let mut snapshot = collect_files(&target);
        snapshot.history = collect_history(&history_query(args), &config_history_names(&config));
        if let Avail::Failed(e) = &snapshot.conf {
            bail!("cannot audit {}: {e}", config.display());
        }
        Ok(snapshot)
    };
    let before = collect()?;
    let plan = super::fix::plan(&before, args.fixes.unsafe_fixes)?;
    if args.fixes.diff {
        super::emit(&plan.diff(), None)?;
        anstream::eprint!("{}", plan.summary(false));
        return Ok(if plan.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let written = plan.write()?;
    let after = collect()?;
    let mut trailer = plan.summary(true);
    for (file, backup) in &written {
        trailer.push_str(&format!(
            "Wrote {} (backup of the original: {}).\n",
            clean(&file.display().to_string()),
            clean(&backup.display().to_string())
        ));
    }
    render_and_exit_with(vec![(after, "files")], args, Some(&trailer))
}

fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}
