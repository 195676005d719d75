//! CSV: one row per finding per target, for a spreadsheet or a ticket
//! system. Written by the `csv` crate (quoting, embedded newlines); a cell
//! that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR:
//! a server or a file may say anything) is prefixed with `'`.

use crate::Report;

const HEADER: &[&str] = &[
    "target",
    "id",
    "title",
    "severity",
    "status",
    "message",
    "evidence",
    "remediation",
    "suppressed",
    "references",
];

/// A cell safe to open in a spreadsheet.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Render the report as CSV (a header row, then one row per finding).
pub fn render(r: &Report) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    for (i, f) in r.findings.iter().enumerate() {
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|e| format!("{}: {} (expected: {})", e.location, e.observed, e.expected))
            .collect();
        let suppressed = r
            .suppression(i)
            .map(|s| format!("{}: {}", s.how.location(), s.reason))
            .unwrap_or_default();
        let row = [
            f.target.as_str(),
            f.id,
            f.title,
            f.severity.as_str(),
            f.status.as_str(),
            &f.message,
            &evidence.join("\n"),
            f.remediation,
            &suppressed,
            &rampart_checks::refs_line(rampart_checks::framework_refs(f.id)),
        ];
        let _ = w.write_record(row.iter().map(|c| cell(c)));
    }
    // Writing to a Vec cannot fail.
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_not_run() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-@all"), "'-@all");
        assert_eq!(cell("bind 0.0.0.0"), "bind 0.0.0.0");
    }
}
