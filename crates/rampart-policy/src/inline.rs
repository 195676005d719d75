//! Inline suppressions: a comment line directly above the directive it
//! accepts, in redis.conf or sentinel.conf (Redis has no trailing comments,
//! so the line above is the only place):
//!
//! ```text
//! # rampart: ignore[NET003] the port is fixed by the platform; OPS-1234
//! port 6379
//! ```
//!
//! Several IDs are comma-separated; several such comments may be stacked
//! above one line. The ACL file cannot carry them: Redis refuses to load an
//! ACL file with a comment line (checked on 7.0.15, 8.2.3 and Valkey
//! 9.1.2: "should start with user keyword"), and `ACL SAVE` would drop it
//! anyway; accept ACL findings in `rampart.toml`.
//!
//! A finding is suppressed inline only when every file line of its
//! evidence carries a suppression of its ID, so accepting one user's line
//! never hides another's.

use crate::{How, Suppression};
use rampart_checks::Finding;
use std::path::{Path, PathBuf};

/// One `# rampart: ignore[...]` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub file: PathBuf,
    /// The comment's own line (1-based).
    pub line: u32,
    /// The line it applies to: the next line that is not such a comment.
    pub applies_to: u32,
    /// Known check IDs, upper case.
    pub ids: Vec<String>,
    /// Names between the brackets that are no check.
    pub unknown: Vec<String>,
    /// The justification; empty means none was given (then it suppresses
    /// nothing and is reported).
    pub reason: String,
}

/// Parse one line: `Some((ids, reason))` for a rampart suppression.
fn parse(line: &str) -> Option<(Vec<String>, String)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("rampart:")?.trim_start();
    let rest = rest.strip_prefix("ignore[")?;
    let (ids, reason) = rest.split_once(']')?;
    let ids = ids
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    let reason = reason
        .trim()
        .trim_start_matches([':', '-', '—'])
        .trim()
        .to_string();
    Some((ids, reason))
}

/// The suppression comments of one file's text.
pub fn scan(file: &Path, text: &[u8]) -> Vec<Comment> {
    let lines: Vec<String> = text
        .split(|b| *b == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let mut out = Vec::new();
    let mut pending: Vec<Comment> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match parse(l) {
            Some((ids, reason)) => {
                let (known, unknown) = ids.into_iter().partition(|id: &String| crate::is_known(id));
                pending.push(Comment {
                    file: file.to_path_buf(),
                    line: n,
                    applies_to: 0,
                    ids: known,
                    unknown,
                    reason,
                });
            }
            None => {
                for mut c in pending.drain(..) {
                    c.applies_to = n;
                    out.push(c);
                }
            }
        }
    }
    out.extend(pending);
    out
}

/// Read and scan the files of a config (bounded, regular files only). A
/// file that cannot be read has no suppressions: its own problem is the
/// config loader's to report.
pub fn scan_files<'a>(files: impl IntoIterator<Item = &'a Path>) -> Vec<Comment> {
    let mut out = Vec::new();
    for f in files {
        if let Ok(text) = redis_conf::fileio::read(f, redis_conf::fileio::DEFAULT_LIMIT) {
            out.extend(scan(f, &text));
        }
    }
    out
}

/// The inline suppression that covers `f`, marking the comments used.
pub(crate) fn covering(f: &Finding, all: &[Comment], used: &mut [bool]) -> Option<Suppression> {
    let lines: Vec<(&Path, u32)> = f
        .evidence
        .iter()
        .filter_map(|e| Some((e.file.as_deref()?, e.line?)))
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut hits = Vec::new();
    for (file, line) in &lines {
        let hit = all.iter().position(|c| {
            c.applies_to == *line
                && c.file.as_path() == *file
                && !c.reason.is_empty()
                && c.ids.iter().any(|id| id == f.id)
        })?;
        hits.push(hit);
    }
    for &h in &hits {
        used[h] = true;
    }
    let c = &all[hits[0]];
    Some(Suppression {
        how: How::Inline {
            file: c.file.clone(),
            line: c.line,
        },
        reason: c.reason.clone(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_reasons() {
        let t = b"# rampart: ignore[net003, ACL009] fixed by the platform\n\
                  # rampart: ignore[TLS001]\n\
                  port 6379\n\
                  #rampart: ignore[NOPE1] -- x\n\
                  bind 0.0.0.0\n\
                  # rampart ignore[NET001] not ours\n";
        let c = scan(Path::new("r.conf"), t);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].ids, vec!["NET003", "ACL009"]);
        assert_eq!(c[0].reason, "fixed by the platform");
        assert_eq!(c[0].applies_to, 3);
        assert_eq!(c[1].reason, "");
        assert_eq!(c[1].applies_to, 3);
        assert_eq!(c[2].unknown, vec!["NOPE1"]);
        assert_eq!(c[2].reason, "x");
        assert_eq!(c[2].applies_to, 5);
    }
}
