//! The terminal report: grouped by area, each finding with its evidence
//! and its fix, then a summary line. Colour is ANSI; the binary strips it
//! when NO_COLOR is set or the output is not a terminal.

use crate::sanitize::for_terminal as clean;
use crate::{Report, VERSION};
use anstyle::{AnsiColor, Style};
use rampart_checks::{EditKind, Finding, Fix, Safety, Status, Summary};
use std::fmt::Write;

/// Text rendering options.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Emit ANSI colour codes.
    pub color: bool,
    /// Show evidence for passing checks too.
    pub verbose: bool,
    /// List the findings suppressions accepted (else only their count).
    pub show_suppressed: bool,
    /// With more than one target, print each target's detail after the
    /// fleet roll-up (`--per-target`; `verbose` implies it).
    pub per_target: bool,
}

/// The areas, in report order (the same list the fleet matrix uses).
const GROUPS: &[(&str, &str)] = crate::fleet::AREAS;

pub(crate) fn style(s: Status) -> Style {
    match s {
        Status::Pass => AnsiColor::Green.on_default(),
        Status::Fail => AnsiColor::Red.on_default().bold(),
        Status::Warn => AnsiColor::Yellow.on_default().bold(),
        Status::Manual => AnsiColor::Cyan.on_default(),
        Status::Skip => Style::new().dimmed(),
        Status::Error => AnsiColor::Magenta.on_default().bold(),
    }
}

pub(crate) struct Painter {
    pub(crate) color: bool,
}

impl Painter {
    pub(crate) fn paint(&self, st: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", st.render(), st.render_reset())
        } else {
            text.to_string()
        }
    }
}

/// Evidence lines shown under a finding without `--verbose`.
pub const EVIDENCE_SHOWN: usize = 20;

/// Indentation of the lines under a finding's header.
const INDENT: &str = "         ";

fn id_prefix(id: &str) -> &str {
    id.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// Render the report for a terminal. One target: its detail. More than
/// one: the fleet roll-up (matrix, findings by check, one summary), each
/// target's detail only with `per_target` or `verbose`.
pub fn render(r: &Report, opts: TextOptions) -> String {
    if r.targets.len() > 1 {
        return crate::text_fleet::render(r, opts);
    }
    let mut out = String::new();
    let by = crate::fleet::ByTarget::new(r);
    for t in &r.targets {
        render_target(&mut out, r, &by, t, opts);
    }
    out
}

/// One target's detail: header, input problems, findings by area,
/// suppressed findings, its summary line. `by` indexes the report by
/// target (built once for every target, so a fleet is linear).
pub(crate) fn render_target(
    out: &mut String,
    r: &Report,
    by: &crate::fleet::ByTarget<'_>,
    t: &crate::Target,
    opts: TextOptions,
) {
    let p = Painter { color: opts.color };
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    {
        let mine = by.findings(&t.name);
        let findings: Vec<&Finding> = mine
            .iter()
            .filter(|&&i| r.suppression(i).is_none())
            .map(|&i| &r.findings[i])
            .collect();
        let accepted: Vec<(&Finding, &crate::Suppression)> = mine
            .iter()
            .filter_map(|&i| Some((&r.findings[i], r.suppression(i)?)))
            .collect();
        let _ = writeln!(
            out,
            "{} {} — audit of {} ({})",
            p.paint(bold, "rampart"),
            VERSION,
            clean(&t.name),
            clean(&t.kind)
        );
        if let Some(v) = &t.version {
            let _ = writeln!(
                out,
                "{}",
                p.paint(
                    dim,
                    &format!(
                        "read as {} (data from {})",
                        clean(&v.title),
                        clean(&v.data_from)
                    )
                )
            );
            if let Some(n) = &v.note {
                let _ = writeln!(out, "{}", p.paint(dim, &format!("note: {}", clean(n))));
            }
        }
        let problems: Vec<_> = by
            .problems(&t.name)
            .iter()
            .map(|&i| &r.problems[i])
            .collect();
        if !problems.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                p.paint(bold, "Input problems (the rest is still audited)")
            );
            for (_, pr) in problems {
                let (st, word) = if pr.fatal {
                    (Status::Fail, "ERROR ")
                } else {
                    (Status::Warn, "WARN  ")
                };
                let _ = writeln!(
                    out,
                    "  {} {}: {}",
                    p.paint(style(st), word),
                    clean(&pr.location),
                    clean(&pr.message)
                );
            }
        }
        for (prefix, title) in GROUPS {
            let group: Vec<&&Finding> = findings
                .iter()
                .filter(|f| id_prefix(f.id) == *prefix)
                .collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{}", p.paint(bold, title));
            for f in group {
                render_finding(out, &p, f, opts, dim);
            }
        }
        if opts.show_suppressed && !accepted.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                p.paint(bold, "Suppressed (accepted, not counted)")
            );
            for (f, sup) in &accepted {
                let _ = writeln!(
                    out,
                    "  {:<6} {:<7} {:<8} {}",
                    f.status.as_str().to_uppercase(),
                    f.id,
                    f.severity.as_str(),
                    f.title
                );
                let _ = writeln!(
                    out,
                    "{INDENT}{} {}: {}",
                    p.paint(dim, "accepted at"),
                    clean(&sup.how.location()),
                    clean(&sup.reason)
                );
            }
        }
        let s = Summary::of(findings.iter().copied());
        let mut line = summary_line(&p, &s);
        if !accepted.is_empty() {
            line.push_str(&format!(", {} suppressed", accepted.len()));
            if !opts.show_suppressed {
                line.push_str(" (--show-suppressed lists them)");
            }
        }
        let _ = writeln!(out, "\n{line}");
    }
}

fn render_finding(out: &mut String, p: &Painter, f: &Finding, opts: TextOptions, dim: Style) {
    let badge = format!("{:<6}", f.status.as_str().to_uppercase());
    let _ = writeln!(
        out,
        "  {} {:<7} {:<8} {}",
        p.paint(style(f.status), &badge),
        f.id,
        f.severity.as_str(),
        f.title
    );
    let _ = writeln!(out, "{INDENT}{}", clean(&f.message));
    let show_evidence = opts.verbose
        || matches!(
            f.status,
            Status::Fail | Status::Warn | Status::Manual | Status::Error
        );
    if show_evidence {
        // A person reads twenty lines, not 100,000 (one per ACL user): the
        // rest is counted, and --verbose or a machine format has them all.
        let shown = if opts.verbose {
            f.evidence.len()
        } else {
            f.evidence.len().min(EVIDENCE_SHOWN)
        };
        for e in &f.evidence[..shown] {
            let _ = writeln!(
                out,
                "{INDENT}{} {}: {} {}",
                p.paint(dim, "at"),
                clean(&e.location),
                clean(&e.observed),
                p.paint(dim, &format!("(expected: {})", clean(&e.expected)))
            );
        }
        if shown < f.evidence.len() {
            let _ = writeln!(
                out,
                "{INDENT}{}",
                p.paint(
                    dim,
                    &format!(
                        "... and {} more (--verbose, or -f json, lists every one)",
                        f.evidence.len() - shown
                    )
                )
            );
        }
    }
    if matches!(f.status, Status::Fail | Status::Warn) {
        match &f.fix {
            Some(fix) => render_fix(out, p, fix, dim),
            None => {
                let _ = writeln!(
                    out,
                    "{INDENT}{} {}",
                    p.paint(Style::new().bold(), "fix:"),
                    f.remediation
                );
            }
        }
    }
}

/// `fix (safe): ...`, its edits, the runtime command and why it is that safe.
fn render_fix(out: &mut String, p: &Painter, fix: &Fix, dim: Style) {
    let st = match fix.safety {
        Safety::Safe => AnsiColor::Green.on_default().bold(),
        Safety::Unsafe => AnsiColor::Yellow.on_default().bold(),
        Safety::DisplayOnly => Style::new().bold(),
    };
    let _ = writeln!(
        out,
        "{INDENT}{} {}",
        p.paint(st, &format!("fix ({}):", fix.safety)),
        clean(&fix.summary)
    );
    for e in &fix.edits {
        let at = format!("{}:{}", e.file.display(), e.line);
        let line = match (e.kind, &e.before) {
            (EditKind::Append, _) => format!("append `{}`", e.after),
            (EditKind::Comment, Some(b)) => format!("comment out `{b}`"),
            (_, Some(b)) => format!("`{b}` -> `{}`", e.after),
            (_, None) => format!("`{}`", e.after),
        };
        let _ = writeln!(
            out,
            "{INDENT}  {} {}: {}",
            p.paint(dim, "edit"),
            clean(&at),
            clean(&line)
        );
    }
    for r in &fix.runtime {
        let _ = writeln!(
            out,
            "{INDENT}  {} {}",
            p.paint(dim, "runtime (shown, never run):"),
            clean(r)
        );
    }
    let why = match fix.safety {
        Safety::Safe => "safe because",
        Safety::Unsafe => "unsafe because",
        Safety::DisplayOnly => "not applied by rampart:",
    };
    let _ = writeln!(
        out,
        "{INDENT}  {} {}",
        p.paint(dim, why),
        clean(&fix.reason)
    );
}

/// `Summary: 12 pass, 3 fail, ...`
pub(crate) fn summary_line(p: &Painter, s: &Summary) -> String {
    let parts = [
        (Status::Pass, s.pass),
        (Status::Fail, s.fail),
        (Status::Warn, s.warn),
        (Status::Manual, s.manual),
        (Status::Skip, s.skip),
        (Status::Error, s.error),
    ];
    let body: Vec<String> = parts
        .iter()
        .map(|(st, n)| {
            let t = format!("{n} {}", st.as_str());
            if *n > 0 {
                p.paint(style(*st), &t)
            } else {
                t
            }
        })
        .collect();
    format!("Summary: {}", body.join(", "))
}
