//! The options that decide which findings count: suppressions, selection,
//! baselines (rampart-policy does the work).

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "What counts")]
pub struct PolicyArgs {
    /// Project settings (suppressions with reasons, select/ignore, severity
    /// overrides); default: rampart.toml in the current directory or its
    /// nearest parent.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,

    /// Do not read rampart.toml.
    #[arg(long, conflicts_with = "settings")]
    pub no_settings: bool,

    /// Report only these checks (comma-separated IDs).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not report these checks (comma-separated IDs).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// List the suppressed findings in the text report (JSON and SARIF always
    /// carry them, marked).
    #[arg(long)]
    pub show_suppressed: bool,

    /// Count only findings that are not in this baseline (written by
    /// --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write this run's findings as a baseline to FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// SARIF automationDetails category (one per environment audited, so
    /// GitHub keeps their alerts apart).
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
}
