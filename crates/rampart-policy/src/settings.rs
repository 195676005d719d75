//! `rampart.toml`: the project's settings, found in the current directory
//! or its parents (or given with `--settings FILE`).
//!
//! ```toml
//! [[ignore]]
//! id = "VER001"
//! target = "cache-*.prod:6379"   # glob over target names; optional
//! reason = "Debian backports fixes; tracked in OPS-1234"
//! expires = 2027-03-01            # optional
//!
//! [checks]
//! select = ["NET001", "ACL001"]   # only these are reported (optional)
//! ignore = ["NET005"]             # never reported
//!
//! [severity]
//! ACL008 = "low"
//! ```
//!
//! Unknown keys, unknown check IDs, a missing reason and a bad date are
//! errors with file:line:column, and the run stops before auditing.

use crate::{How, Suppression};
use rampart_checks::{Finding, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for.
pub const FILE_NAME: &str = "rampart.toml";

/// Largest settings file read.
const LIMIT: u64 = 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawEntry>>,
    #[serde(default)]
    checks: RawChecks,
    #[serde(default)]
    severity: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    #[serde(default)]
    select: Vec<toml::Spanned<String>>,
    #[serde(default)]
    ignore: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: toml::Spanned<String>,
    #[serde(default)]
    target: Option<toml::Spanned<String>>,
    reason: toml::Spanned<String>,
    #[serde(default)]
    expires: Option<toml::Spanned<toml::value::Datetime>>,
}

/// One `[[ignore]]` entry.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: String,
    pub target: Option<glob::Pattern>,
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Line of the entry in the file.
    pub line: u32,
}

/// A loaded, validated rampart.toml.
#[derive(Clone, Debug)]
pub struct Settings {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
}

/// A settings file that cannot be used: where and why.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct SettingsError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The rampart.toml of `dir` or its nearest parent that has one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}

impl Settings {
    /// Load and validate a settings file.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let err = |line, column, message: String| SettingsError {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let text =
            redis_conf::fileio::read_string(path, LIMIT).map_err(|e| err(1, 1, e.to_string()))?;
        Settings::parse(path, &text)
    }

    /// Validate settings text (as read from `path`).
    pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            SettingsError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            at(offset, e.message().trim().to_string())
        })?;
        let known = |id: &toml::Spanned<String>| -> Result<String, SettingsError> {
            let up = id.get_ref().trim().to_ascii_uppercase();
            if crate::is_known(&up) {
                Ok(up)
            } else {
                Err(at(
                    id.span().start,
                    format!("{:?} is no check ID (see `rampart checks`)", id.get_ref()),
                ))
            }
        };
        let mut entries = Vec::new();
        for e in &raw.ignore {
            let line = line_col(text, e.span().start).0;
            let r = e.get_ref();
            let id = known(&r.id)?;
            let reason = r.reason.get_ref().trim().to_string();
            if reason.is_empty() {
                return Err(at(
                    r.reason.span().start,
                    "a suppression needs a reason: say why the finding is accepted".into(),
                ));
            }
            let target =
                match &r.target {
                    None => None,
                    Some(t) => Some(glob::Pattern::new(t.get_ref()).map_err(|g| {
                        at(t.span().start, format!("target is not a valid glob: {g}"))
                    })?),
                };
            let expires = match &r.expires {
                None => None,
                Some(d) => {
                    let v = d.get_ref();
                    match (v.date, v.time) {
                        (Some(date), None) => Some(date.to_string()),
                        _ => {
                            return Err(at(
                                d.span().start,
                                "expires is a date (2027-03-01), without a time".into(),
                            ))
                        }
                    }
                }
            };
            entries.push(Entry {
                id,
                target,
                reason,
                expires,
                line: u32::try_from(line).unwrap_or(u32::MAX),
            });
        }
        let select = raw
            .checks
            .select
            .iter()
            .map(known)
            .collect::<Result<_, _>>()?;
        let ignore = raw
            .checks
            .ignore
            .iter()
            .map(known)
            .collect::<Result<_, _>>()?;
        let mut sev = BTreeMap::new();
        for (k, v) in &raw.severity {
            let id = known(k)?;
            let s = Severity::parse(v.get_ref()).ok_or_else(|| {
                at(
                    v.span().start,
                    format!(
                        "{:?} is no severity (info, low, medium, high, critical)",
                        v.get_ref()
                    ),
                )
            })?;
            sev.insert(id, s);
        }
        Ok(Settings {
            path: path.to_path_buf(),
            entries,
            select,
            ignore,
            severity: sev,
        })
    }

    /// A severity override for a check.
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.severity.get(id).copied()
    }

    fn expired(e: &Entry, today: &str) -> bool {
        e.expires.as_deref().is_some_and(|d| d < today)
    }

    /// The entry that accepts `f` (not expired), marking it used.
    pub(crate) fn matching(
        &self,
        f: &Finding,
        today: &str,
        used: &mut [bool],
    ) -> Option<Suppression> {
        let i = self.entries.iter().position(|e| {
            e.id == f.id
                && e.target.as_ref().is_none_or(|g| g.matches(&f.target))
                && !Self::expired(e, today)
        })?;
        used[i] = true;
        let e = &self.entries[i];
        Some(Suppression {
            how: How::Settings {
                file: self.path.clone(),
                line: e.line,
            },
            reason: e.reason.clone(),
        })
    }

    /// What to say about an entry after the run: expired, or matched nothing.
    pub(crate) fn entry_note(&self, e: &Entry, used: bool, today: &str) -> Option<String> {
        let on = e
            .target
            .as_ref()
            .map(|g| format!(" on targets matching {:?}", g.as_str()))
            .unwrap_or_default();
        if Self::expired(e, today) {
            return Some(format!(
                "the suppression of {}{on} expired on {}: its findings count again (reason was: {})",
                e.id,
                e.expires.as_deref().unwrap_or(""),
                e.reason
            ));
        }
        (!used).then(|| format!("unused suppression: no {} finding{on} needed it", e.id))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Settings, SettingsError> {
        Settings::parse(Path::new("rampart.toml"), t)
    }

    #[test]
    fn a_good_file() {
        let s = parse(
            "[[ignore]]\nid = \"ver001\"\ntarget = \"cache-*\"\nreason = \"backports\"\nexpires = 2027-03-01\n\n[checks]\nignore = [\"NET005\"]\n\n[severity]\nACL008 = \"low\"\n",
        )
        .unwrap();
        assert_eq!(s.entries[0].id, "VER001");
        assert_eq!(s.entries[0].expires.as_deref(), Some("2027-03-01"));
        assert_eq!(s.ignore, vec!["NET005"]);
        assert_eq!(s.severity_of("ACL008"), Some(Severity::Low));
    }

    #[test]
    fn errors_say_where() {
        let e = parse("[[ignore]]\nid = \"VER001\"\n").unwrap_err();
        assert!(e.to_string().starts_with("rampart.toml:1:1:"), "{e}");
        assert!(e.message.contains("reason"), "{e}");
        let e = parse("[[ignore]]\nid = \"NOPE42\"\nreason = \"x\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 6), "{e}");
        let e = parse("[[ignore]]\nid = \"NET001\"\nreason = \"x\"\ncolour = 1\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = parse("[[ignore]]\nid = \"NET001\"\nreason = \"  \"\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = parse("[severity]\nNET001 = \"huge\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse("x = [\n").unwrap_err();
        assert!(e.line >= 1, "{e}");
    }
}
