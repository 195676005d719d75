//! Markdown for a ticket or a pull-request comment: a summary per target,
//! then a table of what needs attention (fail, warn, error, manual), then
//! each of those findings with its evidence and fix. Text from servers and
//! files is escaped so it cannot break the table, start markup or carry
//! HTML.

use crate::{Report, VERSION};
use rampart_checks::{Finding, Status, Summary};
use std::fmt::Write as _;

/// Text safe inside a Markdown table cell or paragraph.
fn esc(s: &str) -> String {
    let clean = crate::sanitize::for_terminal(s);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' | '*' | '_' | '[' | ']' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn needs_attention(f: &Finding) -> bool {
    matches!(
        f.status,
        Status::Fail | Status::Warn | Status::Error | Status::Manual
    )
}

/// Render the report as GitHub-flavoured Markdown.
pub fn render(r: &Report) -> String {
    let mut out = format!("# rampart {VERSION} audit\n\n");
    let _ = writeln!(
        out,
        "| target | kind | pass | fail | warn | manual | skip | error | suppressed |\n|---|---|---|---|---|---|---|---|---|"
    );
    for t in &r.targets {
        let counting: Vec<&Finding> = r
            .findings
            .iter()
            .enumerate()
            .filter(|(i, f)| f.target == t.name && r.suppression(*i).is_none())
            .map(|(_, f)| f)
            .collect();
        let suppressed = r
            .findings
            .iter()
            .enumerate()
            .filter(|(i, f)| f.target == t.name && r.suppression(*i).is_some())
            .count();
        let s = Summary::of(counting.iter().copied());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            esc(&t.name),
            esc(&t.kind),
            s.pass,
            s.fail,
            s.warn,
            s.manual,
            s.skip,
            s.error,
            suppressed
        );
    }
    let attention: Vec<(usize, &Finding)> = r
        .findings
        .iter()
        .enumerate()
        .filter(|(i, f)| needs_attention(f) && r.suppression(*i).is_none())
        .collect();
    if attention.is_empty() {
        out.push_str("\nNothing needs attention.\n");
        return out;
    }
    out.push_str("\n## Needs attention\n\n| status | check | severity | target | finding |\n|---|---|---|---|---|\n");
    for (_, f) in &attention {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.status.as_str().to_uppercase(),
            f.id,
            f.severity.as_str(),
            esc(&f.target),
            esc(&f.message)
        );
    }
    out.push_str("\n## Details\n");
    for (_, f) in &attention {
        let _ = writeln!(
            out,
            "\n### {} {}: {} ({})\n\n{}\n",
            f.status.as_str().to_uppercase(),
            f.id,
            esc(f.title),
            esc(&f.target),
            esc(&f.message)
        );
        // A ticket or a PR comment holds tens of lines, not one per ACL user.
        let shown = f.evidence.len().min(crate::text::EVIDENCE_SHOWN);
        for e in &f.evidence[..shown] {
            let _ = writeln!(
                out,
                "- at {}: {} (expected: {})",
                esc(&e.location),
                esc(&e.observed),
                esc(&e.expected)
            );
        }
        if shown < f.evidence.len() {
            let _ = writeln!(
                out,
                "- ... and {} more (`-f json` lists every one)",
                f.evidence.len() - shown
            );
        }
        let _ = writeln!(out, "\n**Fix.** {}", esc(f.remediation));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_cannot_break_the_table() {
        assert_eq!(esc("a|b"), "a\\|b");
        assert_eq!(esc("<script>"), "&lt;script&gt;");
        // A newline is shown, escaped, never a line break of the table.
        assert!(!esc("x\ny").contains('\n'));
        assert_eq!(esc("[link](http://x)"), "\\[link\\](http://x)");
    }
}
