//! The text report of more than one target: the fleet roll-up
//! ([`crate::fleet::rollup`]) as a target × area matrix, the findings that
//! need attention grouped by check, then one fleet summary. Each target's
//! detail follows only with `--per-target` or `--verbose`.
//!
//! A target that could not be audited is marked in the matrix and listed
//! once with why; its errors are not repeated per check.
//!
//! Wide fleets: up to [`ROW_LIMIT`] targets the matrix has a row per
//! target; above it, targets whose rows are identical share one row
//! ("412 targets" and the first names), worst rows first, so a fleet of a
//! thousand mostly-alike servers fits on a screen and the odd ones stand
//! out.

use crate::fleet::{rollup, Rollup, AREAS};
use crate::sanitize::for_terminal as clean;
use crate::text::{render_target, style, summary_line, Painter, TextOptions};
use crate::{Report, VERSION};
use anstyle::Style;
use rampart_checks::Status;
use std::fmt::Write;

/// Above this many targets, identical matrix rows are grouped.
pub const ROW_LIMIT: usize = 30;
/// How many target names a grouped line lists before "and N more".
pub const NAMES_SHOWN: usize = 10;
/// The widest target name column; longer names are cut with `…`.
const NAME_WIDTH: usize = 40;
/// Width of a matrix cell (`ERROR` is the widest word, `DATA` the widest
/// heading).
const CELL: usize = 6;

/// The matrix word of a cell: attention words in capitals, so the matrix
/// reads without colour (the Markdown matrix uses the same words).
pub(crate) fn word(s: Option<Status>) -> &'static str {
    match s {
        None => "-",
        Some(Status::Pass) => "pass",
        Some(Status::Skip) => "skip",
        Some(Status::Fail) => "FAIL",
        Some(Status::Warn) => "WARN",
        Some(Status::Error) => "ERROR",
        Some(Status::Manual) => "MANUAL",
    }
}

/// `fails on`, `warns on`, ...: the verb of a grouped finding (text and Markdown).
pub(crate) fn verb(s: Status) -> &'static str {
    match s {
        Status::Fail => "fails on",
        Status::Warn => "warns on",
        Status::Error => "could not be decided on",
        Status::Manual => "needs a person's review on",
        Status::Pass => "passes on",
        Status::Skip => "is skipped on",
    }
}

fn cut(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_string();
    }
    let mut s: String = name.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// `a, b, c and 4 more` (names sanitised).
fn names(list: &[&str]) -> String {
    names_with(list.iter().copied(), clean)
}

/// `a, b, c and 4 more`, each name shown through `show` (the terminal's
/// sanitiser, Markdown's escape).
pub(crate) fn names_with<'a>(
    list: impl ExactSizeIterator<Item = &'a str>,
    show: impl Fn(&str) -> String,
) -> String {
    let n = list.len();
    let shown: Vec<String> = list.take(NAMES_SHOWN).map(show).collect();
    let mut s = shown.join(", ");
    if n > NAMES_SHOWN {
        let _ = write!(s, " and {} more", n - NAMES_SHOWN);
    }
    s
}

/// A matrix row: each word painted, padded outside the colour codes so
/// columns align with colour on, no trailing blanks.
fn cells(p: &Painter, row: &[Option<Status>]) -> String {
    let mut s = String::new();
    for (i, w) in row.iter().enumerate() {
        let text = word(*w);
        match w {
            Some(st) => s.push_str(&p.paint(style(*st), text)),
            None => s.push_str(text),
        }
        if i + 1 < row.len() {
            s.push_str(&" ".repeat(CELL + 1 - text.len()));
        }
    }
    s
}

fn matrix(out: &mut String, p: &Painter, roll: &Rollup) {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let grouped = roll.rows.len() > ROW_LIMIT;
    let row_groups = if grouped {
        roll.row_groups()
    } else {
        Vec::new()
    };
    let labels: Vec<String> = if grouped {
        row_groups
            .iter()
            .map(|g| match g.rows.len() {
                1 => cut(&clean(&roll.rows[g.rows[0]].name), NAME_WIDTH),
                n => format!("{n} targets"),
            })
            .collect()
    } else {
        roll.rows
            .iter()
            .map(|r| cut(&clean(&r.name), NAME_WIDTH))
            .collect()
    };
    let width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max("target".len());
    let mut head = format!("  {:<width$}  ", "target");
    let heads: Vec<String> = AREAS.iter().map(|(a, _)| format!("{a:<CELL$}")).collect();
    head.push_str(&heads.join(" "));
    let _ = writeln!(out, "\n{}", p.paint(bold, head.trim_end()));
    let pad = |l: &str| {
        let n = l.chars().count();
        format!("{l}{}", " ".repeat(width.saturating_sub(n)))
    };
    if grouped {
        for (g, label) in row_groups.iter().zip(&labels) {
            let mut line = format!("  {}  {}", pad(label), cells(p, &g.pattern));
            if !g.audited {
                line.push_str(&p.paint(style(Status::Error), "  not audited"));
            }
            let _ = writeln!(out, "{line}");
            if g.rows.len() > 1 {
                let list: Vec<&str> = g.rows.iter().map(|i| roll.rows[*i].name.as_str()).collect();
                let _ = writeln!(
                    out,
                    "  {}  {}",
                    " ".repeat(width),
                    p.paint(dim, &names(&list))
                );
            }
        }
    } else {
        for (r, label) in roll.rows.iter().zip(&labels) {
            let mut line = format!("  {}  {}", pad(label), cells(p, &r.pattern()));
            if !r.audited {
                line.push_str(&p.paint(
                    style(Status::Error),
                    &format!("  not audited ({})", clean(&r.kind)),
                ));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(
        out,
        "{}",
        p.paint(
            dim,
            "  a cell is the worst status of the area: fail, error, warn, manual, pass, skip (- none counted)"
        )
    );
}

/// The targets that were not audited, each with why (up to
/// [`NAMES_SHOWN`], then how many more).
fn unaudited(out: &mut String, p: &Painter, roll: &Rollup) {
    let list: Vec<_> = roll.unaudited().collect();
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        p.paint(
            Style::new().bold(),
            &format!("Not audited ({} of {})", list.len(), roll.rows.len())
        )
    );
    for r in list.iter().take(NAMES_SHOWN) {
        let why = r.reason.as_deref().unwrap_or("no finding counted");
        let _ = writeln!(
            out,
            "  {} {}: {}",
            p.paint(style(Status::Error), "ERROR "),
            clean(&r.name),
            clean(why)
        );
    }
    if list.len() > NAMES_SHOWN {
        let _ = writeln!(out, "  and {} more", list.len() - NAMES_SHOWN);
    }
}

fn groups(out: &mut String, p: &Painter, roll: &Rollup) {
    let bold = Style::new().bold();
    let attention: Vec<_> = roll.attention().collect();
    if attention.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.paint(
                bold,
                "Findings by check: none fail, warn, error or need review"
            )
        );
        return;
    }
    let _ = writeln!(out, "\n{}", p.paint(bold, "Findings by check"));
    for g in attention {
        let badge = format!("{:<6}", g.status.as_str().to_uppercase());
        let _ = writeln!(
            out,
            "  {} {:<7} {:<8} {}",
            p.paint(style(g.status), &badge),
            g.id,
            g.severity.as_str(),
            g.title
        );
        let list: Vec<&str> = g.targets.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "         {} {} of {}: {}",
            verb(g.status),
            g.count(),
            g.of,
            names(&list)
        );
    }
}

/// `Fleet summary: ...` and the findings line.
fn summary(out: &mut String, p: &Painter, roll: &Rollup, r: &Report, opts: TextOptions) {
    let t = &roll.totals;
    let w = &t.targets_by_worst;
    let mut by_worst = Vec::new();
    for (st, n) in [
        (Status::Fail, w.fail),
        (Status::Error, w.error),
        (Status::Warn, w.warn),
        (Status::Manual, w.manual),
        (Status::Pass, w.pass),
        (Status::Skip, w.skip),
    ] {
        if n > 0 {
            by_worst.push(p.paint(style(st), &format!("{n} {}", st.as_str())));
        }
    }
    let mut line = format!("Fleet summary: {} targets", t.targets);
    let not_audited = t.targets - t.audited;
    if not_audited > 0 {
        line.push_str(&format!(
            ", {}",
            p.paint(style(Status::Error), &format!("{not_audited} not audited"))
        ));
    }
    if !by_worst.is_empty() {
        line.push_str(&format!(
            "; worst status per target: {}",
            by_worst.join(", ")
        ));
    }
    let _ = writeln!(out, "\n{line}");
    let mut findings = summary_line(p, &t.findings).replacen("Summary:", "Findings:", 1);
    if t.suppressed > 0 {
        findings.push_str(&format!(", {} suppressed", t.suppressed));
        if !opts.show_suppressed {
            findings.push_str(" (--show-suppressed with --per-target lists them)");
        }
    }
    let _ = writeln!(out, "{findings}");
    let problems = r.problems.len();
    if problems > 0 {
        let on = roll.rows.iter().filter(|x| x.problems > 0).count();
        let fatal = r.problems.iter().filter(|(_, x)| x.fatal).count();
        let _ = writeln!(
            out,
            "Input problems: {problems} line(s) on {on} target(s), {fatal} Redis would refuse to start with"
        );
    }
    if !(opts.per_target || opts.verbose) {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                Style::new().dimmed(),
                "each target's detail (evidence and fixes): --per-target"
            )
        );
    }
}

/// Render a report of more than one target.
pub(crate) fn render(r: &Report, opts: TextOptions) -> String {
    let p = Painter { color: opts.color };
    let roll = rollup(r);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — audit of {} targets",
        p.paint(Style::new().bold(), "rampart"),
        VERSION,
        r.targets.len()
    );
    matrix(&mut out, &p, &roll);
    unaudited(&mut out, &p, &roll);
    groups(&mut out, &p, &roll);
    if opts.per_target || opts.verbose {
        // One pass over the findings for every target, not one per target.
        let by = crate::fleet::ByTarget::new(r);
        for t in &r.targets {
            out.push('\n');
            render_target(&mut out, r, &by, t, opts);
        }
    }
    summary(&mut out, &p, &roll, r, opts);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::fleet::tests::{report, Row};
    use crate::text;

    fn opts() -> TextOptions {
        TextOptions::default()
    }

    #[test]
    fn one_target_is_the_detail_not_the_rollup() {
        let r = report(&[("a", "files", &[("NET001", Status::Fail)])]);
        let t = text::render(&r, opts());
        assert!(t.contains("audit of a (files)"));
        assert!(!t.contains("Fleet summary"));
    }

    #[test]
    fn several_targets_show_matrix_groups_and_one_summary() {
        let r = report(&[
            (
                "a",
                "files",
                &[("NET001", Status::Fail), ("ACL003", Status::Pass)],
            ),
            (
                "b",
                "files",
                &[("NET001", Status::Pass), ("ACL003", Status::Manual)],
            ),
        ]);
        let t = text::render(&r, opts());
        assert!(t.contains("audit of 2 targets"), "{t}");
        assert!(t.contains("  a       FAIL   pass   -"), "{t}");
        assert!(t.contains("fails on 1 of 2: a"), "{t}");
        assert!(t.contains("needs a person's review on 1 of 2: b"), "{t}");
        assert_eq!(t.matches("Fleet summary").count(), 1);
        assert!(!t.contains("Summary: "), "no per-target summary: {t}");
        assert!(!t.lines().any(|l| l.ends_with(' ')), "trailing blanks: {t}");
        let per = text::render(
            &r,
            TextOptions {
                per_target: true,
                ..opts()
            },
        );
        assert_eq!(per.matches("Summary: ").count(), 2, "{per}");
        assert!(per.contains("audit of a (files)"));
        assert!(per
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("Findings:"));
    }

    #[test]
    fn colour_keeps_the_columns() {
        let r = report(&[
            (
                "a",
                "files",
                &[("NET001", Status::Fail), ("ACL003", Status::Pass)],
            ),
            ("b", "files", &[("NET001", Status::Manual)]),
        ]);
        let plain = text::render(&r, opts());
        let colour = text::render(
            &r,
            TextOptions {
                color: true,
                ..opts()
            },
        );
        assert_ne!(plain, colour);
        let strip = strip_ansi(&colour);
        assert_eq!(strip, plain);
    }

    /// The text without its ANSI SGR sequences.
    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c == '\x1b' {
                for d in it.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn unaudited_targets_are_listed_once_with_why() {
        let mut r = report(&[
            (
                "down",
                "server",
                &[("NET001", Status::Error), ("ACL001", Status::Error)],
            ),
            (
                "up",
                "server",
                &[("NET001", Status::Fail), ("ACL001", Status::Pass)],
            ),
        ]);
        for f in r.findings.iter_mut().filter(|f| f.target == "down") {
            f.message = "cannot connect to down:6379: Connection refused".into();
        }
        let t = text::render(&r, opts());
        assert!(t.contains("not audited (server)"), "{t}");
        assert!(t.contains("Not audited (1 of 2)"), "{t}");
        assert!(
            t.contains("down: cannot connect to down:6379: Connection refused"),
            "{t}"
        );
        assert!(t.contains("fails on 1 of 2: up"), "{t}");
        assert!(
            !t.contains("could not be decided on"),
            "errors of an unaudited target are not grouped: {t}"
        );
        assert!(t.contains("1 not audited"), "{t}");
    }

    #[test]
    fn names_are_sanitised() {
        let r = report(&[
            ("evil\x1b[31m", "server", &[("NET001", Status::Fail)]),
            ("b", "server", &[("NET001", Status::Pass)]),
        ]);
        let t = text::render(&r, opts());
        assert!(!t.contains('\x1b'), "{t:?}");
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
        let t = text::render(&report(&rows), opts());
        assert!(t.contains("  10 targets   pass   FAIL"), "{t}");
        assert!(t.contains("  990 targets  pass   pass"), "{t}");
        assert!(t.contains("redis-0007, redis-0107"), "{t}");
        assert!(t.contains("and 980 more"), "{t}");
        assert!(t.contains("fails on 10 of 1000"), "{t}");
        assert!(t.lines().count() < 40, "{} lines:\n{t}", t.lines().count());
    }
}
