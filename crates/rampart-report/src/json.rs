//! The JSON report, schema 1. Later versions extend it, never break it.
//! The shape is a set of DTOs, not a dump of internal types.

use crate::{Report, VERSION};
use rampart_checks::{EditKind, Finding, Fix, Summary};
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: u32,
    rampart_version: &'a str,
    targets: Vec<JsonTarget<'a>>,
    findings: Findings<'a>,
    /// Input lines Redis would reject (extension of schema 1).
    problems: Vec<JsonProblem<'a>>,
    /// Counts of the findings that count (suppressed ones left out).
    summary: Summary,
    /// How many findings suppressions accepted.
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    target: &'a str,
    source: &'a str,
    location: &'a str,
    message: &'a str,
    fatal: bool,
}

#[derive(Serialize)]
struct JsonTarget<'a> {
    name: &'a str,
    kind: &'a str,
    /// The version the target was read for (schema 1 extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<JsonVersion<'a>>,
}

#[derive(Serialize)]
struct JsonVersion<'a> {
    dialect: &'a str,
    data_from: &'a str,
    exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    status: &'a str,
    target: &'a str,
    message: &'a str,
    evidence: Vec<JsonEvidence<'a>>,
    remediation: &'a str,
    /// The framework controls the check maps to (schema 1 extension):
    /// `[{"framework": "nist-800-53", "id": "AC-3"}]`.
    references: Vec<JsonReference>,
    /// Only on `fail` and `warn` findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
    /// Only on findings a suppression accepted (they do not count).
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<JsonSuppressed>,
}

#[derive(Serialize)]
struct JsonReference {
    /// `nist-800-53` or `disa-stig`.
    framework: &'static str,
    id: &'static str,
}

#[derive(Serialize)]
struct JsonSuppressed {
    /// `inline`, `settings` or `baseline`.
    kind: &'static str,
    /// Where the suppression is written.
    location: String,
    reason: String,
}

fn suppressed(s: &crate::Suppression) -> JsonSuppressed {
    JsonSuppressed {
        kind: match s.how {
            crate::How::Inline { .. } => "inline",
            crate::How::Settings { .. } => "settings",
            crate::How::Baseline { .. } => "baseline",
        },
        location: s.how.location(),
        reason: s.reason.clone(),
    }
}

#[derive(Serialize)]
struct JsonFix<'a> {
    /// `safe`, `unsafe` or `display-only`.
    safety: &'a str,
    reason: &'a str,
    summary: &'a str,
    edits: Vec<JsonEdit<'a>>,
    runtime: &'a [String],
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: String,
    line: u32,
    /// `replace`, `comment` or `append`.
    kind: &'a str,
    before: Option<&'a str>,
    after: &'a str,
}

fn fix(f: &Fix) -> JsonFix<'_> {
    JsonFix {
        safety: f.safety.as_str(),
        reason: &f.reason,
        summary: &f.summary,
        edits: f
            .edits
            .iter()
            .map(|e| JsonEdit {
                file: e.file.display().to_string(),
                line: e.line,
                kind: match e.kind {
                    EditKind::Replace => "replace",
                    EditKind::Comment => "comment",
                    EditKind::Append => "append",
                },
                before: e.before.as_deref(),
                after: &e.after,
            })
            .collect(),
        runtime: &f.runtime,
    }
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    source: &'a str,
    location: &'a str,
    observed: &'a str,
    expected: &'a str,
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        id: f.id,
        title: f.title,
        severity: f.severity.as_str(),
        status: f.status.as_str(),
        target: &f.target,
        message: &f.message,
        evidence: f
            .evidence
            .iter()
            .map(|e| JsonEvidence {
                source: e.source.as_str(),
                location: &e.location,
                observed: &e.observed,
                expected: &e.expected,
            })
            .collect(),
        remediation: f.remediation,
        references: rampart_checks::framework_refs(f.id)
            .iter()
            .map(|r| JsonReference {
                framework: r.framework.key(),
                id: r.id,
            })
            .collect(),
        fix: f.fix.as_ref().map(fix),
        suppressed: None,
    }
}

/// The report's findings, serialized one by one as they are written (a
/// fleet's 40,000 findings are never all held as DTOs at once).
struct Findings<'a>(&'a Report);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        s.collect_seq(r.findings.iter().enumerate().map(|(i, f)| {
            let mut j = finding(f);
            j.suppressed = r.suppression(i).map(suppressed);
            j
        }))
    }
}

/// Render the report as pretty JSON (schema 1).
pub fn render(r: &Report) -> String {
    let mut out = Vec::new();
    match write(r, &mut out) {
        // serde_json writes UTF-8.
        Ok(()) => String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        // Serializing these DTOs cannot fail: no maps with non-string keys.
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// [`render`] into `w` as it is serialized, without holding the text (a
/// 1,000-server report is 44 MB): what `audit -f json` writes to its
/// output through the secret scrubber ([`crate::scrub::Scrubbing`]).
pub fn write<W: std::io::Write>(r: &Report, mut w: W) -> std::io::Result<()> {
    let doc = JsonReport {
        schema: 1,
        rampart_version: VERSION,
        targets: r
            .targets
            .iter()
            .map(|t| JsonTarget {
                name: &t.name,
                kind: &t.kind,
                version: t.version.as_ref().map(|v| JsonVersion {
                    dialect: &v.dialect,
                    data_from: &v.data_from,
                    exact: v.exact,
                    note: v.note.as_deref(),
                }),
            })
            .collect(),
        findings: Findings(r),
        problems: r
            .problems
            .iter()
            .map(|(t, p)| JsonProblem {
                target: t,
                source: p.source.as_str(),
                location: &p.location,
                message: &p.message,
                fatal: p.fatal,
            })
            .collect(),
        summary: Summary::of(r.counting()),
        suppressed: r.suppressed_count(),
    };
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")
}
