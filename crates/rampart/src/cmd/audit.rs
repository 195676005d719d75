use crate::cli::{AuditArgs, Format};
use anyhow::{bail, Result};
use rampart_checks::Snapshot;
use rampart_collect::audit::HostFacts;
use rampart_collect::history::{self, HistoryQuery};
use rampart_collect::live_audit::{audit_live_targets, LiveAuditOptions};
use rampart_collect::topology::WalkOptions;
use rampart_collect::FilesTarget;
use rampart_live::{ConnectOptions, Credentials};
use rampart_policy::Policy;
use rampart_report::{text::TextOptions, Outcome, Report};
use std::process::ExitCode;
use std::time::Duration;

mod targets;

use super::threshold;

/// Where and how the audit reads rampart's history.
fn history_query(args: &AuditArgs) -> HistoryQuery {
    HistoryQuery::new(
        history::resolve_path(args.history.file.as_deref()),
        history::now(),
        args.history.rotation_days,
        args.history.review_days,
    )
}

fn render_and_exit(
    snapshots: Vec<(Snapshot, &str)>,
    args: &AuditArgs,
    policy: &Policy,
) -> Result<ExitCode> {
    render_and_exit_with(snapshots, args, policy, None)
}

pub(crate) use rampart_collect::audit::Assembled;

/// Run every check on every snapshot and apply the policy
/// (`rampart_collect::audit::assemble`); writes the baseline when asked.
pub(crate) fn assemble(
    snapshots: Vec<(Snapshot, &str)>,
    args: &AuditArgs,
    policy: &Policy,
) -> Result<Assembled> {
    let currency = crate::cmd::advisories::for_audit();
    let a = rampart_collect::audit::assemble(snapshots, policy, &currency, history::now());
    super::policy::write_baseline(&args.policy, &a.report)?;
    Ok(a)
}

/// Render, then `trailer` after a text report on standard output (else on
/// standard error, so JSON and SARIF stay valid).
fn render_and_exit_with(
    snapshots: Vec<(Snapshot, &str)>,
    args: &AuditArgs,
    policy: &Policy,
    trailer: Option<&str>,
) -> Result<ExitCode> {
    let assembled = assemble(snapshots, args, policy)?;
    let Assembled {
        report, unaudited, ..
    } = &assembled;
    let report: &Report = report;
    let out = args.output.output.as_deref();
    let text = match args.output.format {
        Format::Text => rampart_report::text::render(
            report,
            TextOptions {
                color: super::want_color(out),
                verbose: args.output.verbose,
                per_target: args.output.per_target,
                show_suppressed: args.policy.show_suppressed,
            },
        ),
        // Written as it is serialized (below): 44 MB for 1,000 servers.
        Format::Json => String::new(),
        Format::Csv => rampart_report::csv::render(report),
        Format::Markdown => rampart_report::markdown::render_with(
            report,
            &rampart_report::markdown::MarkdownOptions {
                per_target: args.output.per_target || args.output.verbose,
            },
        ),
        Format::Html => rampart_report::html::render(
            report,
            &rampart_report::html::HtmlOptions {
                trends: super::history::trends(&args.history, report),
                generated_at: Some(history::now()),
            },
        ),
        Format::Sarif => rampart_report::sarif::render_with(
            report,
            &rampart_report::sarif::SarifOptions {
                category: args.policy.sarif_category.clone(),
            },
        ),
    };
    match trailer {
        _ if args.output.format == Format::Json => {
            super::emit_stream(|w| rampart_report::json::write(report, w), out)?;
            if let Some(t) = trailer {
                anstream::eprint!("{t}");
            }
        }
        Some(t) if args.output.format == Format::Text && out.is_none() => {
            super::emit(&format!("{text}\n{t}"), out)?;
        }
        Some(t) => {
            super::emit(&text, out)?;
            anstream::eprint!("{t}");
        }
        None => super::emit(&text, out)?,
    }
    // Every audit is kept (after its report, so a failure to record it
    // never hides the report).
    let not_recorded = super::history::record_audit(
        &args.history,
        &assembled,
        started(),
        args.shard.map(|s| s.to_string()),
    );
    if let Some(line) = &not_recorded {
        anstream::eprintln!("{}", clean(line));
    }
    let code = exit_code(report, unaudited, args);
    // The process ends here: freeing 100k users' snapshots and findings one
    // by one cost more than rendering them; the OS takes the memory back.
    std::mem::forget(text);
    std::mem::forget(assembled);
    Ok(match not_recorded {
        Some(_) if code == ExitCode::SUCCESS => ExitCode::from(super::history::COULD_NOT_RECORD),
        _ => code,
    })
}

/// When this audit started (set by [`run`]).
fn started() -> std::time::SystemTime {
    *STARTED.get_or_init(std::time::SystemTime::now)
}

static STARTED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

/// 1 failures, 3 a target not audited, else 0.
fn exit_code(report: &Report, unaudited: &[String], args: &AuditArgs) -> ExitCode {
    match report.outcome(unaudited, threshold(args.output.fail_on)) {
        Outcome::Fails => ExitCode::from(1),
        Outcome::Unaudited => ExitCode::from(3),
        Outcome::Clean => ExitCode::SUCCESS,
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
            policy: super::peer_policy(&args.allow_peer, args.allow_any_peer)?,
            max_nodes: rampart_collect::topology::MAX_NODES,
        },
        history: history_query(args),
        file_version: file_version(args).ok().flatten(),
    })
}

pub fn run(args: &AuditArgs) -> Result<ExitCode> {
    started();
    file_table(args)?;
    // Settings and baseline problems stop the run before anything is audited.
    let policy = super::policy::load(&args.policy)?;
    if args.fixes.fix || args.fixes.diff || args.fixes.unsafe_fixes {
        return run_fix(args, &policy);
    }
    let plan = plan(args)?;
    let snaps = collect_snapshots(&plan, args)?;
    render_and_exit(snaps, args, &policy)
}

/// What an audit reads, resolved once: the live targets with their
/// credentials (a password is asked for once) and the files targets.
/// `watch` collects it again each round.
pub(crate) struct Plan {
    live: Vec<(rampart_live::Endpoint, Credentials)>,
    files: Vec<targets::FilesArg>,
    /// `--shard K/N` left this run none of the targets: audit nothing
    /// (never this host's config in their place); the run is recorded empty.
    empty_shard: bool,
}

/// The targets of `args` (TARGETs, --targets-file, -h/-p, --config; else
/// the servers running on this host; else this host's config file).
pub(crate) fn plan(args: &AuditArgs) -> Result<Plan> {
    // A --server-version rampart does not know stops here, not each round.
    file_table(args)?;
    let mut live = targets::live_targets(args)?;
    // --config and the TARGETs that are paths (a missing one stops here).
    let mut files = targets::file_targets(args)?;
    if let Some(shard) = args.shard {
        (live, files) = targets::shard(shard, live, files)?;
        if live.is_empty() && files.is_empty() {
            anstream::eprintln!(
                "rampart: shard {shard} holds none of the targets: nothing to audit"
            );
            return Ok(Plan {
                live,
                files,
                empty_shard: true,
            });
        }
    }
    // RAMPART_NO_LOCAL_DISCOVERY=1 skips the process scan (the files fallback).
    let scan =
        std::env::var_os("RAMPART_NO_LOCAL_DISCOVERY").is_none_or(|v| v.is_empty() || v == "0");
    if live.is_empty() && files.is_empty() && scan {
        let probe_opts = ConnectOptions::default();
        let scan = rampart_collect::live_audit::local_endpoints(&probe_opts);
        for n in &scan.not_reached {
            anstream::eprintln!(
                "rampart: note: a server on this host is not audited: {}",
                clean(n)
            );
        }
        let found = scan.endpoints;
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
    if live.is_empty() && files.is_empty() {
        let (config, note) = rampart_collect::inputs::host_config()?;
        if let Some(n) = note {
            anstream::eprintln!("{n}");
        }
        files.push(targets::FilesArg {
            config,
            aclfile: args.aclfile.clone(),
            sentinel_config: args.sentinel_config.clone(),
        });
    }
    Ok(Plan {
        live,
        files,
        empty_shard: false,
    })
}

/// Collect the snapshots of a plan: the live audit (with discovery), then
/// the files targets.
pub(crate) fn collect_snapshots(
    plan: &Plan,
    args: &AuditArgs,
) -> Result<Vec<(Snapshot, &'static str)>> {
    let mut snaps: Vec<(Snapshot, &'static str)> = Vec::new();
    if plan.empty_shard {
        return Ok(snaps);
    }
    if !plan.live.is_empty() {
        // A live audit reads --config beside the server it names; other
        // paths are audited as files targets of their own.
        let opts = live_options(args, super::connect_options(&args.conn))?;
        let audit = audit_live_targets(&plan.live, &opts, &Bar(std::sync::Mutex::new(None)));
        snaps.extend(audit.targets.into_iter().map(|t| (t.snapshot, t.kind)));
        for f in plan
            .files
            .iter()
            .filter(|f| Some(&f.config) != args.config.as_ref())
        {
            snaps.push((files_snapshot(args, f)?, "files"));
        }
        return Ok(snaps);
    }
    for f in &plan.files {
        snaps.push((files_snapshot(args, f)?, "files"));
    }
    Ok(snaps)
}

/// One files target: its config, ACL file and sentinel.conf read for the
/// version asked, the host facts left out when the files are not this
/// host's (--no-host-checks, or a git checkout outside /etc).
fn files_snapshot(args: &AuditArgs, f: &targets::FilesArg) -> Result<Snapshot> {
    let target = FilesTarget {
        config: f.config.clone(),
        aclfile: f.aclfile.clone(),
        sentinel_config: f.sentinel_config.clone(),
        host_root: None,
        scan_processes: !args.no_proc && !args.no_host_checks,
        table: file_table(args)?,
        version: file_version(args)?,
    };
    let host = if args.no_host_checks {
        HostFacts::LeaveOut("--no-host-checks: the files are not this host's live files")
    } else {
        HostFacts::UnlessCheckout
    };
    Ok(rampart_collect::audit::files_snapshot(
        &target,
        &history_query(args),
        host,
    )?)
}

/// `audit --config FILE --fix | --diff [--unsafe-fixes]`: files only.
fn run_fix(args: &AuditArgs, policy: &Policy) -> Result<ExitCode> {
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
    let collect =
        || rampart_collect::audit::files_snapshot(&target, &history_query(args), HostFacts::Judge);
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
    render_and_exit_with(vec![(after, "files")], args, policy, Some(&trailer))
}

fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}
