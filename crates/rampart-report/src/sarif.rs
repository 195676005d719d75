//! SARIF 2.1.0 output, so code-scanning UIs show findings on the config
//! line that causes them.

use crate::{Report, VERSION};
use rampart_checks::{all_checks, EditKind, Finding, Fix, Severity, Status};
use serde_json::{json, Value};

/// The rule ID of input problems (config/ACL lines Redis would reject).
pub const PROBLEM_RULE: &str = "RAMPART-INPUT";

fn level(f: &Finding) -> &'static str {
    match f.status {
        Status::Fail | Status::Error => match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        },
        Status::Warn => "warning",
        Status::Manual => "note",
        Status::Pass | Status::Skip => "none",
    }
}

fn kind(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail | Status::Warn => "fail",
        Status::Manual => "review",
        Status::Skip => "notApplicable",
        Status::Error => "open",
    }
}

/// GitHub's `security-severity` scale (0.0–10.0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A file path as a SARIF URI reference: relative paths stay relative
/// (to the directory rampart ran in), absolute ones become `file://` URIs.
fn uri(p: &std::path::Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if p.is_absolute() {
        format!("file://{out}")
    } else {
        out
    }
}

fn first_paragraph(doc: &str) -> String {
    doc.trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A SARIF `fix`: one artifact change per file, one replacement per
/// edited line (a whole line; an append is an insertion after the last).
fn sarif_fix(fix: &Fix) -> Value {
    let mut files: Vec<(&std::path::Path, Vec<Value>)> = Vec::new();
    for e in &fix.edits {
        let replacement = match e.kind {
            EditKind::Append => json!({
                "deletedRegion": { "startLine": e.line.max(1), "startColumn": 1, "endLine": e.line.max(1), "endColumn": 1 },
                "insertedContent": { "text": format!("{}\n", e.after) },
            }),
            EditKind::Replace | EditKind::Comment => json!({
                "deletedRegion": { "startLine": e.line.max(1) },
                "insertedContent": { "text": e.after },
            }),
        };
        match files.iter_mut().find(|(f, _)| *f == e.file.as_path()) {
            Some((_, r)) => r.push(replacement),
            None => files.push((e.file.as_path(), vec![replacement])),
        }
    }
    json!({
        "description": { "text": format!("({}) {}: {}", fix.safety, fix.summary, fix.reason) },
        "artifactChanges": files.into_iter().map(|(f, r)| json!({
            "artifactLocation": { "uri": uri(f) },
            "replacements": r,
        })).collect::<Vec<_>>(),
        "properties": { "safety": fix.safety.as_str() },
    })
}

/// How a SARIF log is labelled for code scanning.
#[derive(Clone, Debug, Default)]
pub struct SarifOptions {
    /// `runs[0].automationDetails.id`'s category (GitHub keeps one set of
    /// alerts per category: one per audited environment, say). Default
    /// `rampart`.
    pub category: Option<String>,
}

/// The base URI id under which live targets are named (`redis://host:port`
/// is not a file in the repository: it is its own artifact).
pub const TARGET_BASE: &str = "REDISTARGET";

/// Where rampart's documentation is published: `RAMPART_DOCS_URL` at build
/// time, else the package's `repository` URL (its `blob/main/`). SARIF
/// wants absolute URIs here, and no URL is made up: a build without one
/// leaves `helpUri` and `informationUri` out (each rule still carries its
/// whole documentation in `help`).
fn docs_base() -> Option<String> {
    let base = option_env!("RAMPART_DOCS_URL")
        .map(str::to_string)
        .or_else(|| {
            let repo = env!("CARGO_PKG_REPOSITORY");
            (repo.starts_with("https://") && !repo.contains(".invalid"))
                .then(|| format!("{}/blob/main/", repo.trim_end_matches('/')))
        })?;
    let base = base.trim();
    (!base.is_empty()).then(|| format!("{}/", base.trim_end_matches('/')))
}

/// The documentation of a check: its section in the repository's catalogue.
fn help_uri(id: &str) -> Option<String> {
    docs_base().map(|b| format!("{b}docs/CHECKS.md#{}", id.to_ascii_lowercase()))
}

use rampart_policy::{fingerprint, fingerprint_of};

/// The location of a finding that has no file line: the target's config
/// file (whole file) for a file audit, the server itself for a live one.
fn target_location(r: &Report, f: &Finding) -> Value {
    let target = r.targets.iter().find(|t| t.name == f.target);
    let is_files = target.is_some_and(|t| t.kind == "files");
    let phys = if is_files {
        json!({ "artifactLocation": { "uri": uri(std::path::Path::new(&f.target)) },
                "region": { "startLine": 1 } })
    } else {
        json!({ "artifactLocation": { "uri": uri(std::path::Path::new(&f.target)), "uriBaseId": TARGET_BASE } })
    };
    json!({
        "physicalLocation": phys,
        "logicalLocations": [{
            "name": f.id,
            "fullyQualifiedName": format!("{}/{}", f.target, f.id),
            "kind": "object",
        }],
    })
}

/// The file that holds a suppression.
fn suppression_uri(h: &rampart_policy::How) -> String {
    match h {
        rampart_policy::How::Inline { file, .. }
        | rampart_policy::How::Settings { file, .. }
        | rampart_policy::How::Baseline { file } => uri(file),
    }
}

/// Render the report as a SARIF 2.1.0 log.
pub fn render(r: &Report) -> String {
    render_with(r, &SarifOptions::default())
}

/// Render the report as a SARIF 2.1.0 log that GitHub code scanning
/// accepts: every result located, fingerprinted and its rule documented.
pub fn render_with(r: &Report, opts: &SarifOptions) -> String {
    let checks = all_checks();
    let rules: Vec<Value> = checks
        .iter()
        .map(|c| {
            // Framework references: as tags code-scanning UIs filter on
            // (`external/nist-800-53/AC-3`, CodeQL's `external/cwe/...`
            // style) and as a structured property.
            let mut tags = vec!["security".to_string(), "redis".to_string()];
            tags.extend(
                c.refs
                    .iter()
                    .map(|x| format!("external/{}/{}", x.framework.key(), x.id)),
            );
            let references: Vec<Value> = c
                .refs
                .iter()
                .map(|x| json!({ "framework": x.framework.key(), "id": x.id }))
                .collect();
            let mut rule = json!({
                "id": c.id,
                "name": c.title,
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": first_paragraph(c.doc) },
                "help": { "text": format!("{}\n\nFix: {}", c.doc.trim(), c.remediation), "markdown": format!("{}\n\n**Fix.** {}", c.doc.trim(), c.remediation) },
                "defaultConfiguration": { "level": match c.severity { Severity::Critical | Severity::High => "error", Severity::Medium => "warning", _ => "note" } },
                "properties": {
                    "tags": tags,
                    "security-severity": security_severity(c.severity),
                    "severity": c.severity.as_str(),
                    "references": references,
                }
            });
            if let Some(u) = help_uri(c.id) {
                rule["helpUri"] = Value::String(u);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rule_index = checks.iter().position(|c| c.id == f.id).unwrap_or(0);
            let mut locations: Vec<Value> = f
                .evidence
                .iter()
                .filter_map(|e| {
                    let file = e.file.as_ref()?;
                    let mut phys = json!({ "artifactLocation": { "uri": uri(file) } });
                    if let Some(line) = e.line.filter(|l| *l > 0) {
                        phys["region"] = json!({ "startLine": line });
                    }
                    Some(json!({ "physicalLocation": phys, "message": { "text": e.observed } }))
                })
                .collect();
            locations.truncate(10);
            let mut text = format!("{}: {}", f.title, f.message);
            for e in &f.evidence {
                text.push_str(&format!("\n- {}: {} (expected: {})", e.location, e.observed, e.expected));
            }
            let mut res = json!({
                "ruleId": f.id,
                "ruleIndex": rule_index,
                "kind": kind(f.status),
                "level": level(f),
                "message": { "text": text },
                "properties": { "status": f.status.as_str(), "target": f.target, "severity": f.severity.as_str() },
            });
            if locations.is_empty() {
                locations.push(target_location(r, f));
            }
            res["locations"] = Value::Array(locations);
            res["partialFingerprints"] = json!({
                "rampartFinding/v1": fingerprint(f),
            });
            if let Some(sup) = r.suppression(i) {
                res["suppressions"] = json!([{
                    "kind": sup.how.sarif_kind(),
                    "status": "accepted",
                    "justification": sup.reason,
                    "location": { "physicalLocation": { "artifactLocation": { "uri": suppression_uri(&sup.how) } } },
                }]);
            }
            if let Some(fix) = &f.fix {
                res["properties"]["fix"] = json!({
                    "safety": fix.safety.as_str(),
                    "reason": fix.reason,
                    "summary": fix.summary,
                    "runtime": fix.runtime,
                });
                if !fix.edits.is_empty() {
                    res["fixes"] = json!([sarif_fix(fix)]);
                }
            }
            res
        })
        .collect();
    // Input problems: a rule of their own, after the checks.
    let mut rules = rules;
    let mut results = results;
    if !r.problems.is_empty() {
        rules.push(json!({
            "id": PROBLEM_RULE,
            "name": "Input line Redis would reject",
            "shortDescription": { "text": "A config or ACL file line that Redis would reject" },
            "fullDescription": { "text": "A line of a config, ACL or Sentinel file that Redis would reject (fatal: it would refuse to start), or a rampart suppression comment or settings entry that cannot stand (unknown check, no reason, expired, unused)." },
            "help": { "text": "Correct the line: the message says what Redis (or rampart) expects there.", "markdown": "Correct the line: the message says what Redis (or rampart) expects there." },
            "defaultConfiguration": { "level": "error" },
            "properties": { "tags": ["security", "redis", "config"], "security-severity": "7.0" }
        }));
        let index = rules.len() - 1;
        for (target, p) in &r.problems {
            results.push(json!({
                "ruleId": PROBLEM_RULE,
                "ruleIndex": index,
                "kind": "fail",
                "level": if p.fatal { "error" } else { "warning" },
                "message": { "text": p.message },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri(&p.file) },
                    "region": { "startLine": p.line.max(1) }
                }}],
                "properties": { "target": target, "fatal": p.fatal },
                "partialFingerprints": {
                    "rampartFinding/v1": fingerprint_of(&[PROBLEM_RULE, target, &p.message]),
                },
            }));
        }
    }
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rampart",
                "version": VERSION,
                "semanticVersion": VERSION,
                "rules": rules,
            }},
            "automationDetails": { "id": format!("{}/", opts.category.as_deref().unwrap_or("rampart").trim_end_matches('/')) },
            "originalUriBaseIds": { TARGET_BASE: { "uri": "redis:///", "description": { "text": "live servers, named host:port" } } },
            "results": results,
            "properties": { "targets": r.targets.iter().map(|t| json!({"name": t.name, "kind": t.kind})).collect::<Vec<_>>() },
        }],
    });
    if let Some(b) = docs_base() {
        doc["runs"][0]["tool"]["driver"]["informationUri"] = Value::String(format!("{b}README.md"));
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
