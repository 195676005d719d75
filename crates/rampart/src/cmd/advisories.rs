//! `rampart advisories update|show`: refresh the advisory and client data
//! without a release of rampart, and say which data is in use. Fetching,
//! validating and storing live in `rampart_collect::advisories`.

use anyhow::Result;
use rampart_collect::advisories;
use redis_advisories::Currency;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Subcommand)]
pub enum AdvisoriesCmd {
    /// Fetch a feed (the rampart feed `rampart-feed.json` and the OSV
    /// records it lists), validate all of it, and store it in the state
    /// directory ($XDG_STATE_HOME/rampart, else ~/.local/state/rampart).
    /// A feed that is broken, truncated, too large, too deeply nested or
    /// older than the embedded data is refused and nothing is written: the
    /// data in use stays as it was.
    Update {
        /// The feed: an http(s):// URL or a directory holding rampart-feed.json.
        #[arg(long, value_name = "URL|DIR")]
        from: String,
        /// Seconds for each HTTP request (connect and read).
        #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
        timeout: f64,
    },
    /// Say which advisory and client data the checks use, and its date.
    #[command(alias = "status")]
    Show,
}

pub fn run(c: AdvisoriesCmd) -> Result<ExitCode> {
    match c {
        AdvisoriesCmd::Update { from, timeout } => update(&from, timeout),
        AdvisoriesCmd::Show => show(),
    }
}

fn update(from: &str, timeout: f64) -> Result<ExitCode> {
    let u = advisories::update(from, timeout)?;
    let mut out = format!(
        "stored {} (advisory data reviewed {}, {} OSV record(s)); {}\n",
        u.path.display(),
        u.reviewed,
        u.osv_records,
        if u.used {
            "the audit now uses it"
        } else {
            "it is not newer than the embedded data, which stays in use"
        }
    );
    if u.changes.is_empty() {
        out.push_str("no change from the embedded data besides the review date\n");
    }
    for c in &u.changes {
        out.push_str(&format!("  {c}\n"));
    }
    super::emit(&out, None)?;
    Ok(ExitCode::SUCCESS)
}

/// For the audit: the data to judge with, a note on standard error when a
/// stored bundle was refused.
pub(crate) fn for_audit() -> Arc<Currency> {
    let (c, why) = advisories::active();
    if let Some(w) = why.filter(|w| w.contains("refused")) {
        anstream::eprintln!("rampart: {w}; using the embedded advisory data");
    }
    Arc::new(c)
}

fn show() -> Result<ExitCode> {
    let (c, why) = advisories::active();
    let mut out = format!(
        "advisory data in use: reviewed {} ({})\nclient-library data in use: generated {}\n",
        c.advisories.reviewed, c.origin, c.clients.generated
    );
    let e = redis_advisories::embedded();
    if c.stored {
        out.push_str(&format!("embedded fallback: reviewed {}\n", e.reviewed));
    }
    if let Some(w) = why {
        out.push_str(&format!("note: {w}\n"));
    }
    super::emit(&out, None)?;
    Ok(ExitCode::SUCCESS)
}
