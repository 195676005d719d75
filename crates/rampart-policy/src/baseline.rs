//! Baselines: the findings of a run written down, so later runs count only
//! what is new (keyed by [`crate::fingerprint`], which survives line moves).

use crate::{How, Suppression};
use rampart_checks::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The baseline format this rampart writes and reads.
pub const FORMAT: u32 = 1;

/// Largest baseline read.
const LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct File {
    rampart_baseline: u32,
    rampart_version: String,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    id: String,
    target: String,
    status: String,
}

/// A loaded baseline.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub path: PathBuf,
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Read a baseline; one from a newer rampart is refused.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = redis_conf::fileio::read(path, LIMIT)
            .map_err(|e| format!("baseline {}: {e}", path.display()))?;
        let v: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|e| format!("baseline {}: not JSON: {e}", path.display()))?;
        let format = v.get("rampart_baseline").and_then(|f| f.as_u64());
        match format {
            Some(n) if n > u64::from(FORMAT) => {
                return Err(format!(
                    "baseline {} was written by a newer rampart ({}, format {n}); this one reads format {FORMAT}: upgrade rampart or write the baseline again",
                    path.display(),
                    v.get("rampart_version").and_then(|x| x.as_str()).unwrap_or("?")
                ))
            }
            Some(_) => {}
            None => {
                return Err(format!(
                    "baseline {}: not a rampart baseline (no rampart_baseline field)",
                    path.display()
                ))
            }
        }
        let f: File =
            serde_json::from_value(v).map_err(|e| format!("baseline {}: {e}", path.display()))?;
        Ok(Baseline {
            path: path.to_path_buf(),
            fingerprints: f.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// The baseline's suppression of `f`, when `f` is in it.
    pub(crate) fn matching(&self, f: &Finding) -> Option<Suppression> {
        self.fingerprints
            .contains(&crate::fingerprint(f))
            .then(|| Suppression {
                how: How::Baseline {
                    file: self.path.clone(),
                },
                reason: "in the baseline: present before".into(),
            })
    }
}

/// The baseline of a run's findings (every finding that would count), as
/// JSON text to write.
pub fn render(findings: &[Finding], version: &str) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| crate::suppressible(f.status))
        .map(|f| Entry {
            fingerprint: crate::fingerprint(f),
            id: f.id.to_string(),
            target: f.target.clone(),
            status: f.status.as_str().to_string(),
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.target, &a.id, &a.fingerprint).cmp(&(&b.target, &b.id, &b.fingerprint))
    });
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let f = File {
        rampart_baseline: FORMAT,
        rampart_version: version.to_string(),
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&f).unwrap_or_default();
    s.push('\n');
    s
}
