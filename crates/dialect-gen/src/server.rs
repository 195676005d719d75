//! `server.json`: who the binary is, from its own INFO.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::probe::{self, Binary, Outcome};
use crate::Args;

/// The server's identity, as INFO reports it.
#[derive(Clone, Debug)]
pub struct Identity {
    pub bin: Binary,
    /// `redis` or `valkey`.
    pub product: String,
    /// `redis_version`, or Valkey's `valkey_version`.
    pub version: String,
    /// `major.minor` of the line.
    pub line: String,
    pub build_id: String,
    pub git_sha1: String,
    pub tls: bool,
    pub tag: Option<String>,
    pub source: String,
    pub prerelease: Option<String>,
}

impl Identity {
    pub fn dialect_name(&self) -> String {
        format!("{}-{}", self.product, self.line)
    }
    /// `redis-server 7.2.6` (with the tag when it differs).
    pub fn describe(&self) -> String {
        let name = format!("{}-server {}", self.product, self.version);
        match &self.tag {
            Some(t) if t != &self.version => format!("{name} (tag {t})"),
            _ => name,
        }
    }
}

pub fn identify(a: &Args) -> Result<Identity> {
    let bin = Binary {
        path: a.server.clone(),
    };
    let mut s = match probe::start(&bin, &[], false)? {
        Outcome::Started(s) => s,
        Outcome::Refused { output, .. } => bail!("the server did not start:\n{output}"),
    };
    let info = s.cmd(&["INFO", "server"])?.text();
    let field = |f: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(f))
            .map(|v| v.trim().to_string())
    };
    let (product, version) = match field("valkey_version:") {
        Some(v) => ("valkey".to_string(), v),
        None => (
            "redis".to_string(),
            field("redis_version:").context("INFO has no redis_version")?,
        ),
    };
    let tls = s.cmd(&["CONFIG", "GET", "tls-port"])?.array().len() == 2;
    let line = match (&a.line, &a.tag) {
        (Some(l), _) => l.clone(),
        (None, Some(t)) => major_minor(t).context("the tag does not start with major.minor")?,
        (None, None) => major_minor(&version).context("the version does not read")?,
    };
    let prerelease = a.tag.as_deref().and_then(|t| {
        let lower = t.to_ascii_lowercase();
        if lower.contains("-m") {
            Some(format!(
                "{t} is a milestone: the newest tag of the {line} line that could be had when this data was made"
            ))
        } else if lower.contains("-rc") {
            Some(format!(
                "{t} is a release candidate: the newest tag of the {line} line that could be had when this data was made"
            ))
        } else {
            None
        }
    });
    Ok(Identity {
        bin,
        product,
        version,
        line,
        build_id: field("redis_build_id:").unwrap_or_default(),
        git_sha1: field("redis_git_sha1:").unwrap_or_default(),
        tls,
        tag: a.tag.clone(),
        source: a.source.clone(),
        prerelease,
    })
}

fn major_minor(v: &str) -> Option<String> {
    let (a, b, _) = redis_dialects::parse_version(v)?;
    Some(format!("{a}.{b}"))
}

pub fn write(id: &Identity, out: &Path) -> Result<()> {
    let v = json!({
        "product": id.product,
        "line": id.line,
        "version": id.version,
        "tag": id.tag,
        "source": id.source,
        "build_id": id.build_id,
        "git_sha1": id.git_sha1,
        "tls": id.tls,
        "prerelease": id.prerelease,
        "generated_by": format!("dialect-gen {}", env!("CARGO_PKG_VERSION")),
    });
    let mut text = serde_json::to_string_pretty(&v)?;
    text.push('\n');
    crate::write_file(&out.join("server.json"), &text)
}
