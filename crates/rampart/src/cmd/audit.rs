use crate::cli::{AuditArgs, FailOn, Format};
use anyhow::{bail, Context, Result};
use rampart_checks::{run_all, Avail, Finding, Severity, Snapshot, Status};
use rampart_collect::history::{self, collect_history, HistoryQuery};
use rampart_collect::live_audit::{audit_live_targets, LiveAuditOptions};
use rampart_collect::topology::{AllowPeer, PeerPolicy, WalkOptions};
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
    rampart_collect::live_audit::config_history_names(config)
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
    let mut report = Report {
        targets: Vec::new(),
        findings: Vec::new(),
        problems: Vec::new(),
    };
    for (snapshot, kind) in snapshots {
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
    let out = args.output.output.as_deref();
    let text = match args.output.format {
        Format::Text => rampart_report::text::render(
            &report,
            TextOptions {
                color: super::want_color(out),
                verbose: args.output.verbose,
            },
        ),
        Format::Json => rampart_report::json::render(&report),
        Format::Sarif => rampart_report::sarif::render(&report),
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
    if fatal_input || fails(&report.findings, args.output.fail_on) {
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

/// The progress bar as the live audit's progress sink.
struct Bar(std::sync::Mutex<Option<indicatif::ProgressBar>>);

impl rampart_collect::live_audit::Progress for Bar {
    fn wave(&self, total: usize) {
        if let Ok(mut b) = self.0.lock() {
            *b = Some(progress(total));
        }
    }
    fn done(&self, _target: &str) {
        if let Ok(b) = self.0.lock() {
            if let Some(b) = b.as_ref() {
                b.inc(1);
            }
        }
    }
    fn wave_done(&self) {
        if let Ok(mut b) = self.0.lock() {
            if let Some(b) = b.take() {
                b.finish_and_clear();
            }
        }
    }
}

/// The live audit's options, from the arguments.
fn live_options(args: &AuditArgs, opts: ConnectOptions) -> Result<LiveAuditOptions> {
    let allow = args
        .allow_peer
        .iter()
        .map(|a| AllowPeer::parse(a).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    Ok(LiveAuditOptions {
        connect: opts,
        deadline: Duration::from_secs_f64(args.conn.timeout.clamp(0.1, 600.0)),
        concurrency: args.conn.concurrency,
        sample_values: args.sample_values,
        config: args.config.clone(),
        aclfile: args.aclfile.clone(),
        sentinel_config: args.sentinel_config.clone(),
        no_local_files: args.no_local_files,
        tls_scan: !args.no_tls_scan,
        cacert: args.conn.cacert.clone(),
        sni: args.conn.sni.clone(),
        walk: WalkOptions {
            follow: !args.no_discover,
            policy: PeerPolicy {
                allow,
                any: args.allow_any_peer,
            },
            max_nodes: rampart_collect::topology::MAX_NODES,
        },
        history: history_query(args),
        file_version: file_version(args).ok().flatten(),
    })
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
        let opts = live_options(&args, super::connect_options(&args.conn))?;
        let audit = audit_live_targets(live, &opts, &Bar(std::sync::Mutex::new(None)));
        let kinds: Vec<(Snapshot, &str)> = audit
            .targets
            .into_iter()
            .map(|t| (t.snapshot, t.kind))
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
