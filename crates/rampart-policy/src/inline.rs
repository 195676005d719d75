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

impl Comment {
    /// The comment on `line` of `file`, its IDs split into known and not;
    /// the line it applies to is set once the next line is seen.
    fn new(file: &Path, line: u32, ids: Vec<String>, reason: String) -> Comment {
        let (known, unknown) = ids.into_iter().partition(|id: &String| crate::is_known(id));
        Comment {
            file: file.to_path_buf(),
            line,
            applies_to: 0,
            ids: known,
            unknown,
            reason,
        }
    }
}

/// Parse one line: `Some((ids, reason))` for a rampart suppression.
fn parse(line: &str) -> Option<(Vec<String>, String)> {
    parse_comment(line.trim_start().strip_prefix('#')?)
}

/// Parse a comment's text (after `#`).
fn parse_comment(text: &str) -> Option<(Vec<String>, String)> {
    let rest = text.trim_start().strip_prefix("rampart:")?.trim_start();
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
            Some((ids, reason)) => pending.push(Comment::new(file, n, ids, reason)),
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

/// The suppression comments of a loaded config, from the comments its
/// loader kept ([`redis_conf::Config::rampart_comments`]): the same lines
/// [`scan`] finds in each of its files' text, without reading them again.
pub fn from_config(cfg: &redis_conf::Config) -> Vec<Comment> {
    let mut by_file: std::collections::BTreeMap<&Path, Vec<(u32, &str)>> = Default::default();
    for (span, text) in &cfg.rampart_comments {
        by_file
            .entry(&*span.file)
            .or_default()
            .push((span.line, text.as_str()));
    }
    let mut out = Vec::new();
    for (file, mut lines) in by_file {
        lines.sort_unstable();
        lines.dedup();
        // The file's last line (a file of N newlines has N + 1 lines).
        let last = cfg
            .files
            .iter()
            .find(|f| f.path == file)
            .map_or(u32::MAX, |f| f.lines.saturating_add(1));
        let mut pending: Vec<Comment> = Vec::new();
        let mut prev = 0u32;
        let flush = |pending: &mut Vec<Comment>, out: &mut Vec<Comment>, at: u32| {
            for mut c in pending.drain(..) {
                c.applies_to = at;
                out.push(c);
            }
        };
        for (n, text) in lines {
            if !pending.is_empty() && n != prev.saturating_add(1) {
                flush(&mut pending, &mut out, prev.saturating_add(1));
            }
            match parse_comment(text) {
                Some((ids, reason)) => pending.push(Comment::new(file, n, ids, reason)),
                None => flush(&mut pending, &mut out, n),
            }
            prev = n;
        }
        // A stack on the file's last line applies to nothing.
        let at = if prev < last { prev + 1 } else { 0 };
        flush(&mut pending, &mut out, at);
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

    /// The comments the loader kept are the comments a read of the text finds.
    #[test]
    fn the_loaders_comments_are_the_files_comments() {
        let texts = [
            "# rampart: ignore[NET003] fixed by the platform\nport 6379\n",
            "# rampart: ignore[NET003] one\n  # rampart: ignore[AUTH001]: two\n\nport 1\n",
            "port 1\n# rampart: ignore[NET003] at the end",
            "port 1\n# rampart: ignore[NET003] before the last newline\n",
            "# rampart: ignore[NET003] a\n# rampart: no brackets\n# rampart: ignore[NOPE1]\nbind x\n",
            "# rampart: ignore[NET003]\n# plain comment\n# rampart: ignore[TLS001] b\n\tport 2\n",
            "",
        ];
        let name = Path::new("/nowhere/redis.conf");
        for t in texts {
            let cfg = redis_conf::Config::parse_str(name, t, &redis_conf::LoadOptions::default());
            assert_eq!(from_config(&cfg), scan(name, t.as_bytes()), "{t:?}");
        }
    }

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
