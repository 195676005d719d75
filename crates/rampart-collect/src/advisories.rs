//! The advisory and client data the checks judge with: the embedded data,
//! or a feed fetched by `rampart advisories update` (HTTP with timeouts and
//! a byte cap, or a directory) and stored in the state directory. The feed
//! format, its validation and the merge live in `redis_advisories::feed`.

use redis_advisories::feed::{self, Bundle, Limits};
use redis_advisories::Currency;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Why an update stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The feed is broken, too large, unreachable or not usable.
    #[error("advisories update refused: {0}\nnothing was written; the data in use is unchanged (see `rampart advisories show`)")]
    Refused(String),
    #[error("no state directory: set XDG_STATE_HOME or HOME")]
    NoStateDir,
    #[error("cannot serialise the feed")]
    Serialise(#[source] serde_json::Error),
    #[error(transparent)]
    Fs(#[from] rampart_fs::Error),
}

/// `$XDG_STATE_HOME/rampart`, else `~/.local/state/rampart`.
fn state_dir() -> Result<PathBuf, UpdateError> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from) {
        if d.is_absolute() {
            return Ok(d.join("rampart"));
        }
    }
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(h) if h.is_absolute() => Ok(h.join(".local/state/rampart")),
        _ => Err(UpdateError::NoStateDir),
    }
}

/// Where the stored bundle lives.
pub fn stored_path() -> Result<PathBuf, UpdateError> {
    Ok(state_dir()?.join("advisories.json"))
}

/// Read at most `cap` bytes of `r`; more is an error, never kept.
fn read_capped(mut r: impl Read, cap: usize, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.by_ref()
        .take(cap as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    if buf.len() > cap {
        return Err(format!(
            "{what} is larger than the {cap} bytes allowed: refused"
        ));
    }
    Ok(buf)
}

/// Where a feed is read from: an http(s) base URL or a directory.
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

    fn get(&self, rel: &str, cap: usize) -> Result<Vec<u8>, String> {
        let what = format!("{}/{rel}", self.base);
        match &self.http {
            Some(agent) => {
                let resp = agent.get(&what).call().map_err(|e| match e {
                    ureq::Error::Status(code, _) => format!("{what}: HTTP {code}"),
                    other => format!("{what}: {other}"),
                })?;
                if let Some(n) = resp
                    .header("content-length")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    if n > cap {
                        return Err(format!(
                            "{what} is {n} bytes, more than the {cap} allowed: refused"
                        ));
                    }
                }
                read_capped(resp.into_reader(), cap, &what)
            }
            // Bounded, regular files only, a FIFO refused without blocking.
            None => redis_conf::fileio::read(&PathBuf::from(&self.base).join(rel), cap as u64)
                .map_err(|e| e.to_string()),
        }
    }
}

/// What an update stored.
pub struct Updated {
    pub path: PathBuf,
    /// The review date of the merged advisory data.
    pub reviewed: String,
    pub osv_records: usize,
    /// Newer than the embedded data, so the audit now uses it.
    pub used: bool,
    /// What the feed changes from the embedded data, one line each.
    pub changes: Vec<String>,
}

/// Fetch the feed at `from` (and the OSV records it lists), validate all
/// of it, and store it atomically; anything wrong stores nothing.
pub fn update(from: &str, timeout: f64) -> Result<Updated, UpdateError> {
    let limits = Limits::default();
    let src = Source::new(from, timeout);
    let refused = |e: &dyn std::fmt::Display| UpdateError::Refused(e.to_string());
    let body = src
        .get("rampart-feed.json", limits.feed_bytes)
        .map_err(|e| refused(&e))?;
    let index = feed::read_feed(&body, &limits).map_err(|e| refused(&e))?;
    let mut osv = Vec::new();
    for rel in &index.osv {
        let b = src.get(rel, limits.osv_bytes).map_err(|e| refused(&e))?;
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
    let doc = redis_advisories::stored_bundle(&rampart_policy::today_utc(), from, &bundle);
    let text = serde_json::to_vec_pretty(&doc).map_err(UpdateError::Serialise)?;
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
    Ok(Updated {
        path,
        reviewed: merged.data.reviewed.clone(),
        osv_records: bundle.osv.len(),
        used,
        changes: merged.changes.iter().map(ToString::to_string).collect(),
    })
}

/// The data in use and, when a stored bundle is not used, why.
pub fn active() -> (Currency, Option<String>) {
    let path = match stored_path() {
        Ok(p) => p,
        Err(e) => return (Currency::embedded(), Some(e.to_string())),
    };
    let shown = path.display().to_string();
    // Bounded, regular files only (a FIFO planted there never blocks).
    let bytes = match redis_conf::fileio::read(&path, redis_advisories::STORED_BYTES as u64) {
        Ok(b) => b,
        // Nothing stored: the embedded data, nothing to say.
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => {
            return (Currency::embedded(), None)
        }
        Err(e) => {
            return (
                Currency::embedded(),
                Some(format!("stored data at {shown} refused: {e}")),
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
