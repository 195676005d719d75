//! Markdown for a ticket or a pull-request comment. Text from servers and
//! files is escaped so it cannot break the table, start markup or carry
//! HTML.
//!
//! One target: a summary row, a table of what needs attention (fail,
//! warn, error, manual), then each of those findings with its evidence,
//! fix and framework references.
//!
//! More than one: the fleet roll-up as the text report has it
//! ([`crate::fleet::rollup`]): the fleet summary, the target × area matrix
//! of worst statuses (identical rows grouped above
//! [`crate::text_fleet::ROW_LIMIT`] targets), the targets that could not be
//! audited with why, the findings grouped by check ("fails on 7 of 21: a,
//! b, ..."), then each check's detail: its targets by message, the
//! evidence once for targets whose evidence is the same, the fix and the
//! references once. `per_target` adds each target's counts and findings.
//! Every per-target part looks its target up in one index
//! ([`crate::fleet::ByTarget`]): a fleet of thousands stays linear.

use crate::fleet::{rollup, ByTarget, Rollup, AREAS};
use crate::text_fleet::{names_with, verb, word, NAMES_SHOWN, ROW_LIMIT};
use crate::{Report, VERSION};
use rampart_checks::{Evidence, Finding, Status, Summary};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Rendering options.
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkdownOptions {
    /// With more than one target, add each target's counts and findings
    /// after the roll-up (`--per-target`, `--verbose`).
    pub per_target: bool,
}

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
    render_with(r, &MarkdownOptions::default())
}

/// [`render`] with options.
pub fn render_with(r: &Report, opts: &MarkdownOptions) -> String {
    let by = ByTarget::new(r);
    if r.targets.len() > 1 {
        return fleet(r, &by, opts);
    }
    let mut out = format!("# rampart {VERSION} audit\n\n");
    counts_table(&mut out, r, &by);
    let attention: Vec<&Finding> = r
        .findings
        .iter()
        .enumerate()
        .filter(|(i, f)| needs_attention(f) && r.suppression(*i).is_none())
        .map(|(_, f)| f)
        .collect();
    if attention.is_empty() {
        out.push_str("\nNothing needs attention.\n");
        return out;
    }
    out.push_str("\n## Needs attention\n\n| status | check | severity | target | finding |\n|---|---|---|---|---|\n");
    for f in &attention {
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
    for f in &attention {
        let _ = writeln!(
            out,
            "\n### {} {}: {} ({})\n\n{}\n",
            f.status.as_str().to_uppercase(),
            f.id,
            esc(f.title),
            esc(&f.target),
            esc(&f.message)
        );
        evidence(&mut out, &f.evidence, "", None);
        let _ = writeln!(out, "\n**Fix.** {}", esc(f.remediation));
        references(&mut out, f.id);
    }
    out
}

/// One row per target: its counted findings per status, and how many
/// were suppressed.
fn counts_table(out: &mut String, r: &Report, by: &ByTarget<'_>) {
    out.push_str("| target | kind | pass | fail | warn | manual | skip | error | suppressed |\n|---|---|---|---|---|---|---|---|---|\n");
    for t in &r.targets {
        let mine = by.findings(&t.name);
        let s = Summary::of(
            mine.iter()
                .filter(|&&i| r.suppression(i).is_none())
                .map(|&i| &r.findings[i]),
        );
        let suppressed = mine.iter().filter(|&&i| r.suppression(i).is_some()).count();
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
}

/// A finding's evidence as list items (at most
/// [`crate::text::EVIDENCE_SHOWN`]: a ticket holds tens of lines, not one
/// per ACL user), each line after `indent`; with `target`, locations in
/// the target's own file are relative to it (`line 8`).
fn evidence(out: &mut String, ev: &[Evidence], indent: &str, target: Option<&str>) {
    let shown = ev.len().min(crate::text::EVIDENCE_SHOWN);
    for e in &ev[..shown] {
        let at = match target {
            Some(t) => crate::html::relative(t, &e.location),
            None => e.location.clone(),
        };
        let _ = writeln!(
            out,
            "{indent}- at {}: {} (expected: {})",
            esc(&at),
            esc(&e.observed),
            esc(&e.expected)
        );
    }
    if shown < ev.len() {
        let _ = writeln!(
            out,
            "{indent}- ... and {} more (`-f json` lists every one)",
            ev.len() - shown
        );
    }
}

/// `**References.** NIST SP 800-53 AC-3, AC-6; DISA STIG RD6X-00-008600`
/// (nothing for a check without any).
fn references(out: &mut String, id: &str) {
    let refs = rampart_checks::framework_refs(id);
    if refs.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n**References.** {}",
        rampart_checks::refs_compact(refs).replace(": ", " ")
    );
}

// ---------------------------------------------------------------------------
// More than one target

/// `a, b, c and 4 more` (names escaped).
fn names<'a>(list: impl ExactSizeIterator<Item = &'a str>) -> String {
    names_with(list, esc)
}

fn fleet(r: &Report, by: &ByTarget<'_>, opts: &MarkdownOptions) -> String {
    let roll = rollup(r);
    let mut out = format!(
        "# rampart {VERSION} audit of {} targets\n\n",
        r.targets.len()
    );
    summary(&mut out, r, &roll);
    matrix(&mut out, &roll);
    unaudited(&mut out, &roll);
    by_check(&mut out, r, &roll);
    if opts.per_target {
        per_target(&mut out, r, by);
    }
    out
}

/// `**Fleet:** 21 targets; worst status per target: ...` and the findings.
fn summary(out: &mut String, r: &Report, roll: &Rollup) {
    let t = &roll.totals;
    let w = &t.targets_by_worst;
    let _ = write!(out, "**Fleet:** {} targets", t.targets);
    if t.audited < t.targets {
        let _ = write!(out, ", {} not audited", t.targets - t.audited);
    }
    let worst: Vec<String> = [
        (Status::Fail, w.fail),
        (Status::Error, w.error),
        (Status::Warn, w.warn),
        (Status::Manual, w.manual),
        (Status::Pass, w.pass),
        (Status::Skip, w.skip),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(st, n)| format!("{n} {}", st.as_str()))
    .collect();
    if !worst.is_empty() {
        let _ = write!(out, "; worst status per target: {}", worst.join(", "));
    }
    let s = &t.findings;
    let _ = write!(
        out,
        ".\n\n**Findings:** {} pass, {} fail, {} warn, {} manual, {} skip, {} error",
        s.pass, s.fail, s.warn, s.manual, s.skip, s.error
    );
    if t.suppressed > 0 {
        let _ = write!(out, ", {} suppressed", t.suppressed);
    }
    out.push_str(".\n");
    if !r.problems.is_empty() {
        let on = roll.rows.iter().filter(|x| x.problems > 0).count();
        let fatal = r.problems.iter().filter(|(_, x)| x.fatal).count();
        let _ = writeln!(
            out,
            "\n**Input problems:** {} line(s) on {on} target(s), {fatal} Redis would refuse to start with.",
            r.problems.len()
        );
    }
}

fn matrix(out: &mut String, roll: &Rollup) {
    out.push_str("\n## Fleet roll-up\n\n| target |");
    for (a, _) in AREAS {
        let _ = write!(out, " {a} |");
    }
    out.push_str("\n|---|");
    out.push_str(&":-:|".repeat(AREAS.len()));
    out.push('\n');
    let cells = |out: &mut String, pattern: &[Option<Status>]| {
        for c in pattern {
            let _ = write!(out, " {} |", word(*c));
        }
        out.push('\n');
    };
    if roll.rows.len() > ROW_LIMIT {
        for g in roll.row_groups() {
            let label = match g.rows.len() {
                1 => esc(&roll.rows[g.rows[0]].name),
                n => format!(
                    "{n} targets: {}",
                    names(g.rows.iter().map(|&i| roll.rows[i].name.as_str()))
                ),
            };
            let _ = write!(
                out,
                "| {label}{} |",
                if g.audited { "" } else { " (not audited)" }
            );
            cells(out, &g.pattern);
        }
    } else {
        for row in &roll.rows {
            let _ = write!(
                out,
                "| {}{} |",
                esc(&row.name),
                if row.audited { "" } else { " (not audited)" }
            );
            cells(out, &row.pattern());
        }
    }
    out.push_str("\nA cell is the worst status of the area: fail, error, warn, manual, pass, skip (- none counted).\n");
}

fn unaudited(out: &mut String, roll: &Rollup) {
    let list: Vec<_> = roll.unaudited().collect();
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Not audited ({} of {})\n",
        list.len(),
        roll.rows.len()
    );
    for row in list.iter().take(NAMES_SHOWN) {
        let why = row.reason.as_deref().unwrap_or("no finding counted");
        let _ = writeln!(out, "- {}: {}", esc(&row.name), esc(why));
    }
    if list.len() > NAMES_SHOWN {
        let _ = writeln!(out, "- and {} more", list.len() - NAMES_SHOWN);
    }
}

/// The findings that need attention grouped by check (the roll-up's
/// groups), then each check's detail.
fn by_check(out: &mut String, r: &Report, roll: &Rollup) {
    let attention: Vec<_> = roll.attention().collect();
    if attention.is_empty() {
        out.push_str("\n## Findings by check\n\nNothing needs attention: no check fails, warns, errs or needs a person's review on any target.\n");
        return;
    }
    out.push_str("\n## Findings by check\n\n| status | check | severity | title | targets |\n|---|---|---|---|---|\n");
    for g in &attention {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} {} of {}: {} |",
            g.status.as_str().to_uppercase(),
            g.id,
            g.severity.as_str(),
            esc(g.title),
            verb(g.status),
            g.count(),
            g.of,
            names(g.targets.iter().map(String::as_str))
        );
    }
    // The counted findings of each (check, status) group on the targets
    // it names (audited ones: an unaudited target's errors share the one
    // cause listed above), in one pass.
    let audited: std::collections::HashSet<&str> = roll
        .rows
        .iter()
        .filter(|x| x.audited)
        .map(|x| x.name.as_str())
        .collect();
    let mut items: HashMap<(&str, Status), Vec<usize>> = HashMap::new();
    for (i, f) in r.findings.iter().enumerate() {
        if r.suppression(i).is_none() && needs_attention(f) && audited.contains(f.target.as_str()) {
            items.entry((f.id, f.status)).or_default().push(i);
        }
    }
    out.push_str("\n## Details\n");
    for g in &attention {
        let Some(mine) = items.get(&(g.id, g.status)) else {
            continue;
        };
        let _ = writeln!(
            out,
            "\n### {} {}: {}\n\n{} {} of {}: {}\n",
            g.status.as_str().to_uppercase(),
            g.id,
            esc(g.title),
            verb(g.status),
            g.count(),
            g.of,
            names(g.targets.iter().map(String::as_str))
        );
        // Targets with the same message and the same evidence (relative to
        // their own file) share one item: the fleet's common mistakes once.
        let mut buckets: Vec<(String, &Finding, Vec<&str>)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for &i in mine {
            let f = &r.findings[i];
            let mut ev = String::new();
            evidence(&mut ev, &f.evidence, "  ", Some(&f.target));
            let key = format!("{}\n{ev}", f.message);
            match seen.get(&key) {
                Some(&k) => buckets[k].2.push(&f.target),
                None => {
                    seen.insert(key, buckets.len());
                    buckets.push((ev, f, vec![f.target.as_str()]));
                }
            }
        }
        for (ev, f, targets) in buckets.iter().take(NAMES_SHOWN) {
            let _ = writeln!(
                out,
                "- {} (on {})",
                esc(&f.message),
                names(targets.iter().copied())
            );
            out.push_str(ev);
        }
        if buckets.len() > NAMES_SHOWN {
            let rest = &buckets[NAMES_SHOWN..];
            let on: usize = rest.iter().map(|b| b.2.len()).sum();
            let _ = writeln!(
                out,
                "- ... and {} other message(s) on {on} target(s) (`-f json` lists every one)",
                rest.len()
            );
        }
        // The same on every finding of one check.
        let remediation = mine.first().map_or("", |&i| r.findings[i].remediation);
        let _ = writeln!(out, "\n**Fix.** {}", esc(remediation));
        references(out, g.id);
    }
}

/// `--per-target`: each target's counts, then its findings that need
/// attention (their evidence is in the check's detail above).
fn per_target(out: &mut String, r: &Report, by: &ByTarget<'_>) {
    out.push_str("\n## Per target\n\n");
    counts_table(out, r, by);
    for t in &r.targets {
        let attention: Vec<&Finding> = by
            .findings(&t.name)
            .iter()
            .filter(|&&i| r.suppression(i).is_none())
            .map(|&i| &r.findings[i])
            .filter(|f| needs_attention(f))
            .collect();
        let _ = writeln!(out, "\n### {} ({})\n", esc(&t.name), esc(&t.kind));
        if attention.is_empty() {
            out.push_str("Nothing needs attention.\n");
            continue;
        }
        out.push_str("| status | check | severity | finding |\n|---|---|---|---|\n");
        for f in attention {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                f.status.as_str().to_uppercase(),
                f.id,
                f.severity.as_str(),
                esc(&f.message)
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::fleet::tests::{report, Row};

    #[test]
    fn server_text_cannot_break_the_table() {
        assert_eq!(esc("a|b"), "a\\|b");
        assert_eq!(esc("<script>"), "&lt;script&gt;");
        // A newline is shown, escaped, never a line break of the table.
        assert!(!esc("x\ny").contains('\n'));
        assert_eq!(esc("[link](http://x)"), "\\[link\\](http://x)");
    }

    #[test]
    fn one_target_has_its_references() {
        let r = report(&[("a", "files", &[("ACL001", Status::Fail)])]);
        let m = render(&r);
        assert!(m.contains("### FAIL ACL001"), "{m}");
        assert!(m.contains("**References.** NIST SP 800-53 "), "{m}");
        assert!(!m.contains("Fleet roll-up"), "{m}");
    }

    #[test]
    fn a_fleet_has_the_rollup_and_the_findings_by_check() {
        let r = report(&[
            (
                "a",
                "files",
                &[("NET001", Status::Fail), ("ACL003", Status::Pass)],
            ),
            (
                "b",
                "files",
                &[("NET001", Status::Fail), ("ACL003", Status::Manual)],
            ),
            ("c|d", "files", &[("NET001", Status::Pass)]),
        ]);
        let m = render(&r);
        assert!(m.contains("audit of 3 targets"), "{m}");
        assert!(
            m.contains("| target | NET | ACL | TLS | OS | LOG | DATA | CLU | VER | MNT |"),
            "{m}"
        );
        assert!(m.contains("| a | FAIL | pass | - |"), "{m}");
        assert!(m.contains("| c\\|d | pass | - |"), "{m}");
        assert!(m.contains("| FAIL | NET001 | high |"), "{m}");
        assert!(m.contains("fails on 2 of 3: a, b |"), "{m}");
        assert!(m.contains("needs a person's review on 1 of 3: b"), "{m}");
        // One item for the two targets with the same message and evidence,
        // and the fix and references once per check.
        assert!(m.contains("- NET001 fail (on a, b)"), "{m}");
        assert_eq!(m.matches("**Fix.** ").count(), 2, "{m}");
        assert!(m.contains("**References.** NIST SP 800-53 "), "{m}");
        assert!(!m.contains("## Per target"), "{m}");
        let per = render_with(&r, &MarkdownOptions { per_target: true });
        assert!(per.contains("## Per target"), "{per}");
        assert!(per.contains("| a | files | 1 | 1 |"), "{per}");
        assert!(per.contains("### b (files)"), "{per}");
    }

    #[test]
    fn a_wide_fleet_groups_identical_rows() {
        let names: Vec<String> = (0..1000).map(|i| format!("redis-{i:04}")).collect();
        let pass: &[(&str, Status)] = &[("NET001", Status::Pass), ("ACL003", Status::Pass)];
        let fail: &[(&str, Status)] = &[("NET001", Status::Pass), ("ACL003", Status::Fail)];
        let rows: Vec<Row<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), "server", if i % 100 == 7 { fail } else { pass }))
            .collect();
        let m = render(&report(&rows));
        assert!(m.contains("| 10 targets: redis-0007, redis-0107"), "{m}");
        assert!(m.contains("| 990 targets: "), "{m}");
        assert!(m.contains("fails on 10 of 1000"), "{m}");
        assert!(m.lines().count() < 40, "{} lines:\n{m}", m.lines().count());
    }
}
