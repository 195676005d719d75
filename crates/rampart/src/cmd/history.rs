//! `rampart history`, `rampart history show RUN`, `rampart diff`, and the
//! record of every audit (`record_audit`, called once the report is out).

use crate::cli::HistoryArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use rampart_history::{render, HistorySpec, RunFilter, Store};
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit status of an audit that ran but could not be recorded (when
/// nothing else made it 1 or 3).
pub(crate) const COULD_NOT_RECORD: u8 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

/// Where the record is read from.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The history (default: $RAMPART_HISTORY, else
    /// $XDG_STATE_HOME/rampart/history.sqlite, else
    /// ~/.local/state/rampart/history.sqlite).
    #[arg(long = "history", value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryCmdArgs {
    #[command(subcommand)]
    pub cmd: Option<HistorySub>,

    /// At most N runs, newest first.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Only the runs that audited TARGET (its name as the report shows it).
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,

    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub enum HistorySub {
    /// Print one recorded run: when, which targets (and who they were),
    /// every failing finding with its evidence (-v: the passes too).
    Show {
        /// A run id or a unique prefix of one; `last`, `last~1`, ...
        #[arg(value_name = "RUN")]
        run: String,

        /// Show the passing findings too.
        #[arg(short, long)]
        verbose: bool,

        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run (id, unique prefix, `last~1`, ...). Default: the
    /// run before RUN_B of the same targets.
    #[arg(value_name = "RUN_A")]
    pub a: Option<String>,

    /// The later run. Default: the last run.
    #[arg(value_name = "RUN_B")]
    pub b: Option<String>,

    #[command(flatten)]
    pub store: StoreArgs,
}

/// The store named by `--history FILE`, else the default location.
fn spec_of(file: Option<&std::path::Path>) -> Option<HistorySpec> {
    rampart_history::resolve_path(file).map(|p| HistorySpec::parse(&p.to_string_lossy()))
}

fn open_read(store: &StoreArgs) -> Result<Box<dyn Store>> {
    let Some(spec) = spec_of(store.file.as_deref()) else {
        bail!("no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history FILE");
    };
    Ok(rampart_history::open_read(&spec)?)
}

pub(crate) fn history(a: HistoryCmdArgs) -> Result<ExitCode> {
    if let Some(HistorySub::Show {
        run,
        verbose,
        store,
    }) = a.cmd
    {
        let mut s = open_read(&store)?;
        let r = rampart_history::resolve(s.as_mut(), &run)?;
        let text = match store.format {
            ShowFormat::Text => render::run_text(&r, verbose),
            ShowFormat::Json => render::run_json(&r),
        };
        super::emit(&text, None)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut s = open_read(&a.store)?;
    let runs = s.runs(&RunFilter {
        limit: Some(a.limit.max(1)),
        target: a.target.clone(),
        since: None,
    })?;
    let text = match a.store.format {
        ShowFormat::Text => render::runs_text(&runs, &s.place()),
        ShowFormat::Json => render::runs_json(&runs),
    };
    super::emit(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn diff(a: &DiffArgs) -> Result<ExitCode> {
    let mut s = open_read(&a.store)?;
    let b = rampart_history::resolve_for_diff(s.as_mut(), a.b.as_deref().unwrap_or("last"))?;
    let earlier = match &a.a {
        Some(id) => rampart_history::resolve_for_diff(s.as_mut(), id)?,
        None => {
            // The run before B of the same targets.
            let prev = s.previous(&b.run_id, &b.targets_key())?;
            let Some(prev) = prev else {
                bail!(
                    "no earlier run of the same targets as run {} in {}: name two runs (`rampart history` lists them)",
                    render::short_id(&b.run_id),
                    s.place()
                );
            };
            rampart_history::resolve_for_diff(s.as_mut(), &prev)?
        }
    };
    let d = rampart_history::diff::diff(&earlier, &b);
    let text = match a.store.format {
        ShowFormat::Text => render::diff_text(&d),
        ShowFormat::Json => render::diff_json(&d),
    };
    super::emit(&text, None)?;
    Ok(ExitCode::from(u8::from(d.worse)))
}

/// Record a finished audit (after its report is out). `Ok(None)`: recorded
/// or not asked for; `Ok(Some(line))`: it could not be, and `line` says
/// why (for standard error; the exit status becomes
/// [`COULD_NOT_RECORD`] unless the audit already failed).
pub(crate) fn record_audit(
    args: &HistoryArgs,
    a: &super::audit::Assembled,
    started: std::time::SystemTime,
    shard: Option<String>,
) -> Option<String> {
    if args.no_history {
        return None;
    }
    // No location known (no HOME, no XDG_STATE_HOME, no RAMPART_HISTORY, no
    // --history): nowhere to keep it, as for a throwaway container.
    let spec = spec_of(args.file.as_deref())?;
    let done = rampart_history::build::record(
        &spec,
        &a.report,
        &a.snapshots,
        &a.unaudited,
        started,
        shard,
    )
    .with_context(|| format!("could not record this audit in {}", spec.display()));
    match done {
        Ok(()) => None,
        Err(e) => Some(format!("rampart: {e:#}")),
    }
}

/// The HTML report's trends (`rampart_history::trends`) from the history
/// the audit records in; none without one.
pub(crate) fn trends(
    args: &HistoryArgs,
    report: &rampart_report::Report,
) -> Vec<rampart_report::html::TrendPoint> {
    let mut store = spec_of(args.file.as_deref())
        .filter(|_| !args.no_history)
        .and_then(|spec| rampart_history::open_read(&spec).ok());
    let points = rampart_history::trends::trends(
        store.as_deref_mut().map(|s| s as &mut dyn Store),
        report,
        rampart_history::now(),
    );
    points
}
