//! `audit`'s policy options → a rampart_policy::Policy, applied to a report.

use crate::cli_policy::PolicyArgs;
use anyhow::{anyhow, bail, Result};
use rampart_policy::{Baseline, Policy, Settings};
use rampart_report::Report;

/// Read the settings and the baseline named by the options. Any problem
/// with them stops the run (exit 2) before anything is audited.
pub fn load(args: &PolicyArgs) -> Result<Policy> {
    for id in args.select.iter().chain(&args.ignore) {
        if rampart_checks::find_check(id.trim()).is_none() {
            bail!("{id:?} is no check ID (see `rampart checks`)");
        }
    }
    let settings = if args.no_settings {
        None
    } else {
        let path = match &args.settings {
            Some(p) => Some(p.clone()),
            None => std::env::current_dir()
                .ok()
                .and_then(|d| rampart_policy::settings::find(&d)),
        };
        match path {
            Some(p) => Some(Settings::load(&p).map_err(|e| anyhow!("{e}"))?),
            None => None,
        }
    };
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(p).map_err(|e| anyhow!(e))?),
        None => None,
    };
    Ok(Policy {
        settings,
        select: args
            .select
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .collect(),
        ignore: args
            .ignore
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .collect(),
        baseline,
        today: rampart_policy::today_utc(),
    })
}

/// `--write-baseline FILE`: the report's findings as the baseline.
pub fn write_baseline(args: &PolicyArgs, report: &Report) -> Result<()> {
    if let Some(path) = &args.write_baseline {
        let text = rampart_policy::baseline::render(&report.findings, rampart_report::VERSION);
        rampart_fs::write_file(
            path,
            text.as_bytes(),
            rampart_fs::Mode::Exact(0o644),
            rampart_fs::Owner::Process,
        )?;
        anstream::eprintln!("rampart: wrote the baseline to {}", path.display());
    }
    Ok(())
}
