//! Text and JSON for `rampart history`, `history show` and `rampart diff`.
//! Renderers decide nothing: the diff already says what is worse. Every
//! string was scrubbed when recorded; it is made safe for a terminal here.

use crate::diff::{FindingChange, RunDiff, State};
use crate::model::{utc_display, RunRecord, RunSummary};
use serde::Serialize;
use std::fmt::Write;

fn term(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

/// The first part of a run id (its time to the second and 4 hex digits of
/// its random part): enough to name it in most records.
pub fn short_id(id: &str) -> String {
    match id.split_once('-') {
        Some((time, rand)) => {
            let time = time.split('.').next().unwrap_or(time);
            format!("{time}-{}", rand.get(..4).unwrap_or(rand))
        }
        None => id.to_string(),
    }
}

fn delta(n: Option<usize>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// `rampart history` as text: one line per run, newest first.
pub fn runs_text(runs: &[RunSummary], place: &str) -> String {
    let mut out = String::new();
    if runs.is_empty() {
        let _ = writeln!(out, "No audit recorded in {} yet.", term(place));
        return out;
    }
    let _ = writeln!(
        out,
        "{:<19}  {:<22}  {:<12} {:>7} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5}",
        "TIME (UTC)", "RUN", "HOST", "TARGETS", "PASS", "FAIL", "WARN", "ERROR", "NEW", "FIXED"
    );
    for r in runs {
        let mut host = term(&r.host);
        if let Some(s) = &r.shard {
            host = format!("{host} [{}]", term(s));
        }
        let targets = if r.unaudited > 0 {
            format!("{}({}!)", r.targets, r.unaudited)
        } else {
            r.targets.to_string()
        };
        let _ = writeln!(
            out,
            "{:<19}  {:<22}  {:<12} {:>7} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5}",
            utc_display(r.started_at),
            short_id(&r.run_id),
            host,
            targets,
            r.pass,
            r.fail,
            r.warn,
            r.error,
            delta(r.new),
            delta(r.fixed)
        );
    }
    if runs.iter().any(|r| r.unaudited > 0) {
        let _ = writeln!(out, "(N!): N targets could not be audited.");
    }
    let _ = writeln!(
        out,
        "NEW and FIXED: failing findings since the previous run of the same targets (-: none)."
    );
    out
}

#[derive(Serialize)]
struct JsonRuns<'a> {
    schema: u32,
    runs: &'a [RunSummary],
}

/// `rampart history -f json`.
pub fn runs_json(runs: &[RunSummary]) -> String {
    serde_json::to_string_pretty(&JsonRuns { schema: 1, runs }).unwrap_or_default() + "\n"
}

/// `rampart history show RUN` as text.
pub fn run_text(run: &RunRecord, verbose: bool) -> String {
    let mut out = String::new();
    let s = run.summary();
    let _ = writeln!(out, "Run {}", term(&run.run_id));
    let _ = writeln!(
        out,
        "  started {} UTC, {}s, on {}{}",
        utc_display(run.started_at),
        run.finished_at.saturating_sub(run.started_at).max(0),
        term(&run.host),
        run.shard
            .as_ref()
            .map(|s| format!(" (shard {})", term(s)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  rampart {}, advisory data reviewed {}",
        term(&run.rampart_version),
        term(&run.advisory_data)
    );
    let _ = writeln!(
        out,
        "  {} pass, {} fail, {} warn, {} error",
        s.pass, s.fail, s.warn, s.error
    );
    let _ = writeln!(out, "\nTargets:");
    for t in &run.targets {
        let mut who: Vec<String> = Vec::new();
        for v in [&t.version, &t.role, &t.address].into_iter().flatten() {
            who.push(term(v));
        }
        if let Some(id) = &t.server_run_id {
            who.push(format!("run_id {}", term(id.get(..12).unwrap_or(id))));
        }
        if !t.audited {
            who.push("NOT AUDITED".into());
        }
        let _ = writeln!(
            out,
            "  {} ({}){}{}",
            term(&t.name),
            term(&t.kind),
            if who.is_empty() { "" } else { ": " },
            who.join(", ")
        );
    }
    let multi = run.targets.len() > 1;
    let _ = writeln!(out, "\nFindings:");
    let mut shown = 0;
    for f in &run.findings {
        if !verbose && (f.status == "pass" || f.status == "skip") {
            continue;
        }
        shown += 1;
        let status = if f.suppressed {
            format!("{} (suppressed)", f.status.to_uppercase())
        } else {
            f.status.to_uppercase()
        };
        let target = if multi {
            format!(" [{}]", term(&f.target))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<6} {:<8} {:<8}{} {}",
            status,
            f.check_id,
            f.severity,
            target,
            term(&f.message)
        );
        if let Ok(serde_json::Value::Array(ev)) = serde_json::from_str(&f.evidence_json) {
            for e in ev.iter().filter(|_| f.status != "pass" || verbose) {
                let get = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("");
                if get("observed").is_empty() && get("location").is_empty() {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "           {}: {}{}",
                    term(get("location")),
                    term(get("observed")),
                    if get("expected").is_empty() {
                        String::new()
                    } else {
                        format!(" (expected: {})", term(get("expected")))
                    }
                );
            }
        }
    }
    if shown == 0 {
        let _ = writeln!(out, "  (none failing; -v shows the passes)");
    } else if !verbose {
        let _ = writeln!(
            out,
            "\n({} passing findings not shown: -v shows them)",
            s.pass
        );
    }
    out
}

#[derive(Serialize)]
struct JsonRun<'a> {
    schema: u32,
    run: JsonRunBody<'a>,
}

#[derive(Serialize)]
struct JsonRunBody<'a> {
    #[serde(flatten)]
    run: &'a RunRecord,
    summary: RunSummary,
}

/// `rampart history show RUN -f json`: the record as stored, with its
/// counts (evidence as the JSON string the report showed).
pub fn run_json(run: &RunRecord) -> String {
    serde_json::to_string_pretty(&JsonRun {
        schema: 1,
        run: JsonRunBody {
            run,
            summary: run.summary(),
        },
    })
    .unwrap_or_default()
        + "\n"
}

fn state(s: &Option<State>) -> String {
    match s {
        None => "absent".into(),
        Some(s) if s.suppressed => format!("{} {} (suppressed)", s.status, s.severity),
        Some(s) => format!("{} {}", s.status, s.severity),
    }
}

fn opt(s: &Option<String>) -> String {
    match s {
        None => "(not set)".into(),
        Some(v) if v.is_empty() => "\"\"".into(),
        Some(v) => term(v),
    }
}

fn change_line(out: &mut String, c: &FindingChange, mark: &str) {
    let _ = writeln!(
        out,
        "  {mark} {:<8} {}: {} → {}  {}",
        c.check_id,
        term(&c.target),
        state(&c.before),
        state(&c.after),
        term(&c.message)
    );
}

/// `rampart diff` as text.
pub fn diff_text(d: &RunDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Diff of run {} ({} UTC, {} targets) → run {} ({} UTC, {} targets)",
        short_id(&d.a.run_id),
        utc_display(d.a.started_at),
        d.a.targets,
        short_id(&d.b.run_id),
        utc_display(d.b.started_at),
        d.b.targets
    );
    if d.is_empty() {
        let _ = writeln!(out, "\nNo change.");
        return out;
    }
    let section = |out: &mut String, title: &str, n: usize| {
        let _ = writeln!(out, "\n{title} ({n}):");
    };
    if !d.new.is_empty() {
        section(&mut out, "New findings", d.new.len());
        for c in &d.new {
            change_line(&mut out, c, "+");
        }
    }
    if !d.fixed.is_empty() {
        section(&mut out, "Fixed", d.fixed.len());
        for c in &d.fixed {
            change_line(&mut out, c, "-");
        }
    }
    if !d.changed.is_empty() {
        section(&mut out, "Changed", d.changed.len());
        for c in &d.changed {
            change_line(&mut out, c, if c.worse { "!" } else { "~" });
        }
    }
    let names = |out: &mut String, title: &str, v: &[String]| {
        if !v.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", v.len());
            for t in v {
                let _ = writeln!(out, "  {}", term(t));
            }
        }
    };
    names(&mut out, "Targets appeared", &d.targets_appeared);
    names(&mut out, "Targets gone", &d.targets_gone);
    names(&mut out, "No longer audited", &d.became_unaudited);
    names(&mut out, "Audited again", &d.became_audited);
    if !d.identity.is_empty() {
        section(&mut out, "Identity changed", d.identity.len());
        for c in &d.identity {
            let _ = writeln!(
                out,
                "  {} {}: {} → {}",
                term(&c.target),
                c.field,
                opt(&c.before),
                opt(&c.after)
            );
        }
    }
    if !d.settings.is_empty() {
        section(&mut out, "Settings changed", d.settings.len());
        let mut last = "";
        for c in &d.settings {
            if c.target != last {
                let _ = writeln!(out, "  {}:", term(&c.target));
                last = &c.target;
            }
            let _ = writeln!(
                out,
                "    {}: {} → {}",
                term(&c.name),
                opt(&c.before),
                opt(&c.after)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if d.worse {
            "Worse: new failing findings, findings that got worse or targets no longer audited (! and + above)."
        } else {
            "Nothing got worse."
        }
    );
    out
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    schema: u32,
    #[serde(flatten)]
    diff: &'a RunDiff,
}

/// `rampart diff -f json`.
pub fn diff_json(d: &RunDiff) -> String {
    serde_json::to_string_pretty(&JsonDiff { schema: 1, diff: d }).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids() {
        assert_eq!(
            short_id("20261202T043512.123456Z-3fa9c1d2e4b5a697"),
            "20261202T043512-3fa9"
        );
        assert_eq!(short_id("x"), "x");
    }
}
