//! `rampart advisories update|show`: refresh the advisory and client data
//! without a release of rampart, and say which data is in use. The feed
//! format, its validation and the merge live in `redis_advisories::feed`;
//! this module fetches (HTTP with timeouts and a byte cap, or a directory),
//! stores the bundle in the state directory through `rampart_fs`
//! (atomically), and picks the data the audit judges with.

use anyhow::{bail, Context, Result};
use redis_advisories::feed::{self, Bundle, Limits};
use redis_advisories::Currency;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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

fn state_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from) {
        if d.is_absolute() {
            return Ok(d.join("rampart"));
        }
    }
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(h) if h.is_absolute() => Ok(h.join(".local/state/rampart")),
        _ => bail!("no state directory: set XDG_STATE_HOME or HOME"),
    }
}

/// Where the stored bundle lives.
pub(crate) fn stored_path() -> Result<PathBuf> {
    Ok(state_dir()?.join("advisories.json"))
}

/// Read at most `cap` bytes of `r`; more is an error, never kept.
fn read_capped(mut r: impl Read, cap: usize, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.by_ref()
        .take(cap as u64 + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {what}"))?;
    if buf.len() > cap {
        bail!("{what} is larger than the {cap} bytes allowed: refused");
    }
    Ok(buf)
}

struct Source {
    base: String,
    http: Option<ureq::Agent>,
}

impl Source {
    fn new(from: &str, timeout: f64) -> Source {
        let http = (from.starts_with("http://") || from.starts_with("https://")).then(|| {
            let t = Duration::from_secs_f64(timeout.clamp(0.5, 600.0));
            ureq::AgentBuilder::new()
                .timeout_connect(t)
                .timeout_read(t)
                .timeout(t * 4)
                .redirects(3)
                .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")))
                .build()
        });
        Source {
            base: from.trim_end_matches('/').to_string(),
            http,
        }
    }

    fn get(&self, rel: &str, cap: usize) -> Result<Vec<u8>> {
        let what = format!("{}/{rel}", self.base);
        match &self.http {
            Some(agent) => {
                let resp = agent.get(&what).call().map_err(|e| match e {
                    ureq::Error::Status(code, _) => anyhow::anyhow!("{what}: HTTP {code}"),
                    other => anyhow::anyhow!("{what}: {other}"),
                })?;
                if let Some(n) = resp
                    .header("content-length")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    if n > cap {
                        bail!("{what} is {n} bytes, more than the {cap} allowed: refused");
                    }
                }
                read_capped(resp.into_reader(), cap, &what)
            }
            None => {
                let p = PathBuf::from(&self.base).join(rel);
                let f = std::fs::File::open(&p)
                    .with_context(|| format!("cannot open {}", p.display()))?;
                if f.metadata().is_ok_and(|m| !m.is_file()) {
                    bail!("{} is not a regular file", p.display());
                }
                read_capped(f, cap, &p.display().to_string())
            }
        }
    }
}

fn today() -> String {
    let now = rampart_collect::history::now();
    let days = now.div_euclid(86_400);
    // civil_from_days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn update(from: &str, timeout: f64) -> Result<ExitCode> {
    let limits = Limits::default();
    let src = Source::new(from, timeout);
    let refused = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!("advisories update refused: {e}\nnothing was written; the data in use is unchanged (see `rampart advisories show`)")
    };
    let body = src
        .get("rampart-feed.json", limits.feed_bytes)
        .map_err(|e| refused(&format!("{e:#}")))?;
    let index = feed::read_feed(&body, &limits).map_err(|e| refused(&e))?;
    let mut osv = Vec::new();
    for rel in &index.osv {
        let b = src
            .get(rel, limits.osv_bytes)
            .map_err(|e| refused(&format!("{e:#}")))?;
        osv.push(feed::parse_capped(rel, &b, limits.osv_bytes, &limits).map_err(|e| refused(&e))?);
    }
    let bundle = Bundle {
        feed: index.value,
        osv,
    };
    let merged = feed::merge(
        redis_advisories::embedded(),
        redis_advisories::embedded_clients(),
        &bundle,
    )
    .map_err(|e| refused(&e))?;
    let dir = state_dir()?;
    rampart_fs::create_private_dir(&dir)?;
    let path = dir.join("advisories.json");
    let doc = redis_advisories::stored_bundle(&today(), from, &bundle);
    let text = serde_json::to_vec_pretty(&doc).context("cannot serialise the feed")?;
    // What is stored must load back exactly as the audit will load it.
    let used = redis_advisories::load_stored(&text, &path.display().to_string())
        .map_err(|e| refused(&e))?
        .is_some();
    rampart_fs::write_file(
        &path,
        &text,
        rampart_fs::Mode::Exact(0o600),
        rampart_fs::Owner::Process,
    )?;
    let mut out = format!(
        "stored {} (advisory data reviewed {}, {} OSV record(s)); {}\n",
        path.display(),
        merged.data.reviewed,
        bundle.osv.len(),
        if used {
            "the audit now uses it"
        } else {
            "it is not newer than the embedded data, which stays in use"
        }
    );
    if merged.changes.is_empty() {
        out.push_str("no change from the embedded data besides the review date\n");
    }
    for c in &merged.changes {
        out.push_str(&format!("  {c}\n"));
    }
    super::emit(&out, None)?;
    Ok(ExitCode::SUCCESS)
}

/// The data in use and, when a stored bundle is not used, why.
pub(crate) fn active() -> (Currency, Option<String>) {
    let path = match stored_path() {
        Ok(p) => p,
        Err(e) => return (Currency::embedded(), Some(format!("{e:#}"))),
    };
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(_) => return (Currency::embedded(), None),
    };
    let shown = path.display().to_string();
    let bytes = match read_capped(f, redis_advisories::STORED_BYTES, &shown) {
        Ok(b) => b,
        Err(e) => {
            return (
                Currency::embedded(),
                Some(format!("stored data at {shown} refused: {e:#}")),
            )
        }
    };
    match redis_advisories::load_stored(&bytes, &shown) {
        Ok(Some(c)) => (c, None),
        Ok(None) => (
            Currency::embedded(),
            Some(format!(
                "stored data at {shown} is not newer than the embedded data"
            )),
        ),
        Err(e) => (
            Currency::embedded(),
            Some(format!("stored data at {shown} refused: {e}")),
        ),
    }
}

/// For the audit: the data to judge with, a note on standard error when a
/// stored bundle was refused.
pub(crate) fn for_audit() -> Arc<Currency> {
    let (c, why) = active();
    if let Some(w) = why.filter(|w| w.contains("refused")) {
        anstream::eprintln!("rampart: {w}; using the embedded advisory data");
    }
    Arc::new(c)
}

fn show() -> Result<ExitCode> {
    let (c, why) = active();
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
