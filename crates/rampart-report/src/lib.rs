//! Renderers. They turn findings into text, JSON or SARIF and decide
//! nothing. Everything that came from a server or a file is sanitised for
//! the terminal in the text renderer; JSON and SARIF escape by construction.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod acl;
pub mod csv;
pub mod fleet;
pub mod html;
pub mod json;
pub mod markdown;
pub mod metrics;
pub mod sanitize;
pub mod sarif;
pub mod scrub;
pub mod terminal;
pub mod text;
mod text_fleet;

use rampart_checks::{Finding, InputProblem, Severity, Status};
pub use rampart_policy::{How, Suppression};

/// What was audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    /// `files`, `server`, ...
    pub kind: String,
    /// The version its files and defaults were read for.
    pub version: Option<TargetVersion>,
}

/// Which dialect a target was read with, and what to say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetVersion {
    /// `redis-7.2`.
    pub dialect: String,
    /// `Redis 7.2`.
    pub title: String,
    /// What its data came from (`redis-server 7.2.6 (tag 7.2.6)`).
    pub data_from: String,
    /// Whether it is the server's own line.
    pub exact: bool,
    pub note: Option<String>,
}

impl TargetVersion {
    pub fn of(v: &redis_conf::Version) -> TargetVersion {
        TargetVersion {
            dialect: v.dialect.name(),
            title: v.dialect.title(),
            data_from: v.dialect.generated_from(),
            exact: v.exact,
            note: v.note.clone(),
        }
    }
}

/// A finished audit, ready to render.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub targets: Vec<Target>,
    pub findings: Vec<Finding>,
    /// Input lines Redis would reject, per target name.
    pub problems: Vec<(String, InputProblem)>,
    /// Per finding (same index), how it was accepted (rampart-policy);
    /// empty when no policy was applied.
    pub suppressions: Vec<Option<Suppression>>,
}

impl Report {
    /// How finding `i` was accepted, if it was.
    pub fn suppression(&self, i: usize) -> Option<&Suppression> {
        self.suppressions.get(i).and_then(Option::as_ref)
    }
    /// The findings that count (not accepted by a suppression).
    pub fn counting(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .enumerate()
            .filter(|(i, _)| self.suppression(*i).is_none())
            .map(|(_, f)| f)
            .collect()
    }
    /// How many findings were accepted.
    pub fn suppressed_count(&self) -> usize {
        self.suppressions.iter().flatten().count()
    }
    /// What the audit comes to for CI at threshold `min` (`None`: never
    /// fail): a line Redis would refuse to start with counts as a high
    /// failure; an error is never silently a pass; suppressed findings are
    /// reported, never counted; a target that could not be audited
    /// (`unaudited`) is [`Outcome::Unaudited`] unless something audited fails.
    pub fn outcome(&self, unaudited: &[String], min: Option<Severity>) -> Outcome {
        let Some(min) = min else {
            return Outcome::Clean;
        };
        let fatal_input = self.problems.iter().any(|(_, p)| p.fatal) && Severity::High >= min;
        let unaudited_set: std::collections::HashSet<&str> =
            unaudited.iter().map(String::as_str).collect();
        let fails = self.counting().into_iter().any(|f| {
            !unaudited_set.contains(f.target.as_str())
                && matches!(f.status, Status::Fail | Status::Error)
                && f.severity >= min
        });
        if fatal_input || fails {
            Outcome::Fails
        } else if !unaudited.is_empty() {
            Outcome::Unaudited
        } else {
            Outcome::Clean
        }
    }
}

/// What an audit comes to for CI (the exit status 0, 1 or 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    /// A finding at or above the threshold failed (or errored).
    Fails,
    /// Nothing failed, but a target could not be audited.
    Unaudited,
}

/// rampart's version, as printed in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
