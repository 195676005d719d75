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

/// Render the report as a SARIF 2.1.0 log.
pub fn render(r: &Report) -> String {
    let checks = all_checks();
    let rules: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.title,
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": first_paragraph(c.doc) },
                "help": { "text": format!("{}\n\nFix: {}", c.doc.trim(), c.remediation), "markdown": format!("{}\n\n**Fix.** {}", c.doc.trim(), c.remediation) },
                "defaultConfiguration": { "level": match c.severity { Severity::Critical | Severity::High => "error", Severity::Medium => "warning", _ => "note" } },
                "properties": {
                    "tags": ["security", "redis"],
                    "security-severity": security_severity(c.severity),
                    "severity": c.severity.as_str(),
                }
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
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
            if !locations.is_empty() {
                res["locations"] = Value::Array(locations);
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
            }));
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rampart",
                "version": VERSION,
                "semanticVersion": VERSION,
                "rules": rules,
            }},
            "results": results,
            "properties": { "targets": r.targets.iter().map(|t| json!({"name": t.name, "kind": t.kind})).collect::<Vec<_>>() },
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
