use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// How much a failed check matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    /// A severity by its name (`high`, `Low`, ...), as [`Severity::as_str`]
    /// writes it.
    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict of one check on one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// A "Consider ..." item that is not met.
    Warn,
    /// Cannot be decided from what rampart sees: a person must verify.
    Manual,
    /// Not applicable, or the data source was not available (reason given).
    Skip,
    /// Collection failed (the error is given). Never silently a pass.
    Error,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Manual,
        Status::Skip,
        Status::Error,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Manual => "manual",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
    /// Statuses that count against `--fail-on`.
    pub fn is_finding(self) -> bool {
        matches!(self, Status::Fail | Status::Warn | Status::Error)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a fact came from (see CHECKLIST.md "Sources").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Conf,
    Aclfile,
    Live,
    Tls,
    Fs,
    Proc,
    Os,
    History,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Conf => "conf",
            Source::Aclfile => "aclfile",
            Source::Live => "live",
            Source::Tls => "tls",
            Source::Fs => "fs",
            Source::Proc => "proc",
            Source::Os => "os",
            Source::History => "history",
        }
    }
}

/// One observed fact supporting a verdict: where, what was seen, what was
/// expected. `observed` never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub source: Source,
    /// `redis.conf:12`, `/etc/redis/users.acl:3`, `/var/lib/redis (mode)`, ...
    pub location: String,
    pub observed: String,
    pub expected: String,
    /// File and 1-based line, when the evidence points into a file
    /// (SARIF uses it to point code-scanning UIs at the line).
    pub file: Option<PathBuf>,
    pub line: Option<u32>,
}

impl Evidence {
    /// Evidence at a place that is not a file line (a setting's default, a
    /// host fact). `location` must not be empty.
    pub fn new(
        source: Source,
        location: impl Into<String>,
        observed: impl Into<String>,
        expected: impl Into<String>,
    ) -> Evidence {
        Evidence {
            source,
            location: location.into(),
            observed: observed.into(),
            expected: expected.into(),
            file: None,
            line: None,
        }
    }

    /// Evidence at a file line.
    pub fn at(
        source: Source,
        span: &redis_conf::Span,
        observed: impl Into<String>,
        expected: impl Into<String>,
    ) -> Evidence {
        // `span.to_string()` (`path:line`) in one allocation, not grown
        // through the formatter (one per user and check with 100k users).
        let file = span.file.to_string_lossy();
        let mut location = String::with_capacity(file.len() + 11);
        location.push_str(&file);
        location.push(':');
        let _ = std::fmt::Write::write_fmt(&mut location, format_args!("{}", span.line));
        Evidence {
            source,
            location,
            observed: observed.into(),
            expected: expected.into(),
            file: Some(span.file.to_path_buf()),
            line: Some(span.line),
        }
    }

    /// Evidence about a whole file (no line).
    pub fn file(
        source: Source,
        path: &std::path::Path,
        observed: impl Into<String>,
        expected: impl Into<String>,
    ) -> Evidence {
        Evidence {
            source,
            location: path.display().to_string(),
            observed: observed.into(),
            expected: expected.into(),
            file: Some(path.to_path_buf()),
            line: None,
        }
    }
}

/// What a check returns: a status, a one-line message, and evidence.
/// `pass`, `fail` and `warn` outcomes must carry evidence; the registry
/// turns an outcome without it into an `error`.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Vec<Evidence>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
        Outcome {
            status,
            message: message.into(),
            evidence,
        }
    }
    pub fn pass(message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
        Self::new(Status::Pass, message, evidence)
    }
    pub fn fail(message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
        Self::new(Status::Fail, message, evidence)
    }
    pub fn warn(message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
        Self::new(Status::Warn, message, evidence)
    }
    pub fn manual(message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
        Self::new(Status::Manual, message, evidence)
    }
    pub fn skip(reason: impl Into<String>) -> Outcome {
        Self::new(Status::Skip, reason, Vec::new())
    }
    pub fn error(error: impl Into<String>) -> Outcome {
        Self::new(Status::Error, error, Vec::new())
    }
}

/// One check's verdict on one target, ready to render.
#[derive(Clone, Debug)]
pub struct Finding {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub status: Status,
    pub target: String,
    /// Why this status: one line.
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub remediation: &'static str,
    /// For a `fail` or `warn`: the fix and how safe it is.
    pub fix: Option<crate::fix::Fix>,
}

/// Counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub manual: usize,
    pub skip: usize,
    pub error: usize,
}

impl Summary {
    /// Count `findings` (owned or borrowed: no copy is made).
    pub fn of<I>(findings: I) -> Summary
    where
        I: IntoIterator,
        I::Item: std::borrow::Borrow<Finding>,
    {
        let mut s = Summary::default();
        for f in findings {
            match std::borrow::Borrow::<Finding>::borrow(&f).status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Warn => s.warn += 1,
                Status::Manual => s.manual += 1,
                Status::Skip => s.skip += 1,
                Status::Error => s.error += 1,
            }
        }
        s
    }
}
