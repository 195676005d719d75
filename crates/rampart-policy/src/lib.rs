//! Which findings a team has accepted, and why.
//!
//! Four sources, applied after the checks ran (a suppression never changes
//! a verdict; it changes whether the verdict counts):
//! - inline comments in redis.conf, users.acl and sentinel.conf, on the
//!   line directly above the directive or user line: `# rampart:
//!   ignore[ACL004,ACL008] reason text` ([`inline`]);
//! - `[[ignore]]` entries of a project file `rampart.toml` (id, target glob,
//!   reason, expiry), plus `select`/`ignore` lists and per-ID severity
//!   overrides ([`settings`]);
//! - `--select`/`--ignore` on the command line (which checks are reported);
//! - a baseline of fingerprints: only findings new since it count
//!   ([`baseline`]).
//!
//! A suppression needs a reason; one that matched nothing, names an unknown
//! check, lacks a reason or has expired is reported as a note (an input
//! problem of the target), like ruff's unused `noqa`.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod inline;
pub mod settings;

use rampart_checks::{Finding, InputProblem, Source, Status};
use std::path::PathBuf;

pub use baseline::Baseline;
pub use settings::{Settings, SettingsError};

/// How a finding was accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// A `# rampart: ignore[...]` comment above the line.
    Inline { file: PathBuf, line: u32 },
    /// An `[[ignore]]` entry of rampart.toml.
    Settings { file: PathBuf, line: u32 },
    /// In the baseline file: not new.
    Baseline { file: PathBuf },
}

impl How {
    /// SARIF's suppression kind: in the source, or kept elsewhere.
    pub fn sarif_kind(&self) -> &'static str {
        match self {
            How::Inline { .. } => "inSource",
            How::Settings { .. } | How::Baseline { .. } => "external",
        }
    }
    /// Where the suppression is written, for people.
    pub fn location(&self) -> String {
        match self {
            How::Inline { file, line } | How::Settings { file, line } => {
                format!("{}:{line}", file.display())
            }
            How::Baseline { file } => format!("baseline {}", file.display()),
        }
    }
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub how: How,
    pub reason: String,
}

/// Everything that decides what counts, for one run.
#[derive(Debug, Default)]
pub struct Policy {
    pub settings: Option<Settings>,
    /// `--select`: only these check IDs are reported (empty: all).
    pub select: Vec<String>,
    /// `--ignore`: these check IDs are not reported.
    pub ignore: Vec<String>,
    pub baseline: Option<Baseline>,
    /// Today, `YYYY-MM-DD` (UTC), for expiry.
    pub today: String,
}

/// What applying a policy decided.
#[derive(Debug, Default)]
pub struct Applied {
    /// Per finding (same order as the findings after selection): how it
    /// was accepted, or `None` when it counts.
    pub suppressions: Vec<Option<Suppression>>,
    /// Notes about the suppressions themselves, per target.
    pub problems: Vec<(String, InputProblem)>,
    /// Checks left out by select/ignore (IDs).
    pub deselected: Vec<String>,
}

/// The fingerprint of a finding: stable across runs, line moves and
/// reordering (the check, the target and what was observed, never a line
/// number). SARIF's `partialFingerprints` and baselines both use it.
pub fn fingerprint(f: &Finding) -> String {
    let observed = f
        .evidence
        .first()
        .map(|e| e.observed.as_str())
        .unwrap_or("");
    fingerprint_of(&[f.id, &f.target, observed])
}

/// The fingerprint of a list of parts (see [`fingerprint`]).
pub fn fingerprint_of(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

/// Statuses a suppression can accept (a pass or skip needs none).
fn suppressible(s: Status) -> bool {
    matches!(
        s,
        Status::Fail | Status::Warn | Status::Error | Status::Manual
    )
}

fn is_known(id: &str) -> bool {
    rampart_checks::find_check(id).is_some()
}

fn note(target: &str, file: PathBuf, line: u32, message: String) -> (String, InputProblem) {
    (
        target.to_string(),
        InputProblem {
            source: Source::Conf,
            location: format!("{}:{line}", file.display()),
            file,
            line,
            message,
            fatal: false,
        },
    )
}

impl Policy {
    fn selected(&self, id: &str) -> bool {
        let eq = |x: &String| x.eq_ignore_ascii_case(id);
        let (sel, ign) = match &self.settings {
            Some(s) => (
                self.select.iter().chain(s.select.iter()).any(eq)
                    || (self.select.is_empty() && s.select.is_empty()),
                self.ignore.iter().chain(s.ignore.iter()).any(eq),
            ),
            None => (
                self.select.is_empty() || self.select.iter().any(eq),
                self.ignore.iter().any(eq),
            ),
        };
        sel && !ign
    }

    /// Apply the policy: drop findings of checks not selected, override
    /// severities, and decide for each remaining finding whether it is
    /// accepted. `inline` holds the suppression comments of the files read
    /// (see [`inline::scan`]).
    pub fn apply(&self, findings: &mut Vec<Finding>, inline: &[inline::Comment]) -> Applied {
        let mut out = Applied::default();
        let mut deselected = std::collections::BTreeSet::new();
        findings.retain(|f| {
            let keep = self.selected(f.id);
            if !keep {
                deselected.insert(f.id.to_string());
            }
            keep
        });
        out.deselected = deselected.into_iter().collect();
        if let Some(s) = &self.settings {
            for f in findings.iter_mut() {
                if let Some(sev) = s.severity_of(f.id) {
                    f.severity = sev;
                }
            }
        }
        let mut inline_used = vec![false; inline.len()];
        let mut entry_used = vec![false; self.settings.as_ref().map_or(0, |s| s.entries.len())];
        for f in findings.iter() {
            let mut got: Option<Suppression> = None;
            if suppressible(f.status) {
                got = inline::covering(f, inline, &mut inline_used);
                if got.is_none() {
                    if let Some(s) = &self.settings {
                        got = s.matching(f, &self.today, &mut entry_used);
                    }
                }
                if got.is_none() {
                    if let Some(b) = &self.baseline {
                        got = b.matching(f);
                    }
                }
            }
            out.suppressions.push(got);
        }
        // Notes: comments that cannot stand, and ones that matched nothing.
        let first_target = findings
            .first()
            .map(|f| f.target.clone())
            .unwrap_or_default();
        for (c, used) in inline.iter().zip(&inline_used) {
            let target = findings
                .iter()
                .find(|f| {
                    f.evidence
                        .iter()
                        .any(|e| e.file.as_deref() == Some(c.file.as_path()))
                })
                .map(|f| f.target.clone())
                .unwrap_or_else(|| first_target.clone());
            for bad in &c.unknown {
                out.problems.push(note(
                    &target,
                    c.file.clone(),
                    c.line,
                    format!("rampart suppression names {bad:?}, which is no check (see `rampart checks`)"),
                ));
            }
            if c.reason.is_empty() {
                out.problems.push(note(
                    &target,
                    c.file.clone(),
                    c.line,
                    "rampart suppression without a reason: write why after the brackets; it suppresses nothing until then".into(),
                ));
            } else if !used && !c.ids.is_empty() {
                out.problems.push(note(
                    &target,
                    c.file.clone(),
                    c.line,
                    format!(
                        "unused rampart suppression: no {} finding on the line below",
                        c.ids.join("/")
                    ),
                ));
            }
        }
        if let Some(s) = &self.settings {
            for (e, used) in s.entries.iter().zip(&entry_used) {
                if let Some(why) = s.entry_note(e, *used, &self.today) {
                    out.problems
                        .push(note(&first_target, s.path.clone(), e.line, why));
                }
            }
        }
        out
    }
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date(secs / 86_400)
}

/// Days since 1970-01-01 to a civil date (through the one calendar
/// conversion, [`rampart_checks::utc_parts`]).
pub fn civil_date(days: u64) -> String {
    let secs = i64::try_from(days.saturating_mul(86_400)).unwrap_or(i64::MAX);
    let (y, m, d, ..) = rampart_checks::utc_parts(secs);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_789), "2026-12-02");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
