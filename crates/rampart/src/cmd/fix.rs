//! `rampart audit --config FILE --fix | --diff [--unsafe-fixes]`: the
//! summary of what `--fix` applies, skips and leaves to a person. The
//! workflow (planning the edits on the files as they are, the safety
//! rules, backups, atomic writes) is [`rampart_harden::fix`].

use anyhow::Result;
use rampart_checks::Snapshot;
use rampart_harden::fix::Entry;
use std::path::PathBuf;

fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

/// What `--fix` would do.
pub(crate) struct Plan(rampart_harden::fix::Plan);

/// Plan the fixes of `snapshot`'s failing findings.
pub(crate) fn plan(snapshot: &Snapshot, unsafe_fixes: bool) -> Result<Plan> {
    Ok(Plan(rampart_harden::fix::plan(snapshot, unsafe_fixes)?))
}

impl Plan {
    /// Nothing would change.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The unified diff of every file that changes (secret lines as `***`).
    pub(crate) fn diff(&self) -> String {
        self.0.diff()
    }

    /// Back up and rewrite every changed file. Returns (file, backup).
    pub(crate) fn write(&self) -> Result<Vec<(PathBuf, PathBuf)>> {
        Ok(self.0.write()?)
    }

    /// What was (or would be) applied, skipped and left to a person.
    pub(crate) fn summary(&self, written: bool) -> String {
        let p = &self.0;
        let mut s = String::new();
        let line = |e: &Entry| {
            let mut l = format!(
                "  {:<7} {:<13} {}",
                e.id,
                format!("({})", e.safety),
                clean(&e.summary)
            );
            if !e.note.is_empty() {
                l.push_str(&format!("\n{:<24}{}", "", clean(&e.note)));
            }
            l.push('\n');
            l
        };
        if p.applied.is_empty() {
            s.push_str("No fix to apply.\n");
        } else {
            s.push_str(if written {
                "Fixes applied:\n"
            } else {
                "Fixes --fix would apply:\n"
            });
            p.applied.iter().for_each(|e| s.push_str(&line(e)));
        }
        if !p.skipped.is_empty() {
            s.push_str("Skipped:\n");
            p.skipped.iter().for_each(|e| s.push_str(&line(e)));
        }
        if !p.display.is_empty() {
            s.push_str("Display-only (rampart does not apply these; see each finding):\n");
            p.display.iter().for_each(|e| {
                s.push_str(&format!("  {:<7} {}\n", e.id, clean(&e.note)));
            });
        }
        s
    }
}
