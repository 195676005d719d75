//! Prometheus metrics of `rampart watch`, in the text exposition format
//! 0.0.4 (`# HELP`, `# TYPE`, one sample a line). Pure: the state of the
//! last finished round in, text out.
//!
//! Labels follow redis_exporter's conventions: the server is `addr` (as
//! rampart names the target: `host:port`, a socket path or a config file;
//! never with a password), a check is `check` (its ID) with its `area`
//! (the ID's family: `NET`, `ACL`, ...), `severity` and `status` are the
//! report's words. One series per check and target carries its status as a
//! label with the value 1 (`rampart_check_status{...,status="fail"} 1`),
//! so an alert is a plain selector and the status change shows as a new
//! series. Suppressed findings (rampart.toml, inline comments, baseline)
//! are left out of `rampart_check_status` and `rampart_findings`, as they
//! do not count in a report's exit status; `rampart_findings_suppressed`
//! counts them per target.
//!
//! Every label value that came from a server or a file is scrubbed of
//! every secret rampart holds, made printable (the terminal sanitiser:
//! control characters become visible escapes), cut to 256 characters and
//! escaped as the format asks (backslash, double quote, newline).

use crate::{scrub, Report};
use rampart_checks::{Severity, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The last finished round.
#[derive(Clone, Debug, Default)]
pub struct LastRound {
    pub report: Report,
    /// Targets that could not be audited.
    pub unaudited: Vec<String>,
    /// When it finished, unix seconds.
    pub finished_at: f64,
    pub duration_seconds: f64,
}

/// What `rampart watch` knows between rounds.
#[derive(Clone, Debug, Default)]
pub struct MetricsState {
    /// rampart's version.
    pub version: String,
    pub interval_seconds: f64,
    /// Rounds started.
    pub runs_total: u64,
    /// Rounds that could not run at all (rampart failed: an unreadable
    /// config file, a policy error); the last good round stays shown.
    pub run_failures_total: u64,
    /// Rounds that took longer than the interval (the next one started
    /// late, at once).
    pub run_overruns_total: u64,
    /// Rounds whose record could not be written to the history.
    pub history_record_failures_total: u64,
    /// The latest round failed (its failure counted above).
    pub last_run_failed: bool,
    /// Age of the advisory data in use (its review date), seconds.
    pub advisory_data_age_seconds: Option<f64>,
    pub last: Option<LastRound>,
}

/// The most characters of a label value kept.
const LABEL_MAX: usize = 256;

/// A label value from a server or a file, safe for the format and secret-free.
pub fn label_value(s: &str) -> String {
    let clean = crate::sanitize::for_terminal(&scrub::scrub(s));
    let cut: String = clean.chars().take(LABEL_MAX).collect();
    // Cut after the scrubber: a secret is masked whole, never halved.
    escape(&cut)
}

/// The format's escaping of a label value: `\`, `"` and newline.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// `name{k="v",...} value`; the values already escaped.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{v}\"");
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", number(value));
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// The check's family: `NET002` → `NET`.
fn area(id: &str) -> &str {
    id.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// The whole exposition.
pub fn render(state: &MetricsState) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "rampart_build_info",
        "gauge",
        "rampart's version (always 1).",
    );
    sample(
        &mut out,
        "rampart_build_info",
        &[("version", &label_value(&state.version))],
        1.0,
    );
    let counters: [(&str, &str, u64); 4] = [
        (
            "rampart_runs_total",
            "Audit rounds started.",
            state.runs_total,
        ),
        (
            "rampart_run_failures_total",
            "Audit rounds that could not run at all (the last good round stays shown).",
            state.run_failures_total,
        ),
        (
            "rampart_run_overruns_total",
            "Audit rounds that took longer than the interval (the next one started at once).",
            state.run_overruns_total,
        ),
        (
            "rampart_history_record_failures_total",
            "Audit rounds whose record could not be written to the history.",
            state.history_record_failures_total,
        ),
    ];
    for (name, help, v) in counters {
        family(&mut out, name, "counter", help);
        sample(&mut out, name, &[], v as f64);
    }
    family(
        &mut out,
        "rampart_last_run_error",
        "gauge",
        "1 when the latest audit round could not run, else 0.",
    );
    sample(
        &mut out,
        "rampart_last_run_error",
        &[],
        f64::from(u8::from(state.last_run_failed)),
    );
    family(
        &mut out,
        "rampart_interval_seconds",
        "gauge",
        "The time from one round's start to the next's.",
    );
    sample(
        &mut out,
        "rampart_interval_seconds",
        &[],
        state.interval_seconds,
    );
    if let Some(age) = state.advisory_data_age_seconds {
        family(
            &mut out,
            "rampart_advisory_data_age_seconds",
            "gauge",
            "Age of the advisory data in use (since its review date).",
        );
        sample(&mut out, "rampart_advisory_data_age_seconds", &[], age);
    }
    let Some(last) = &state.last else {
        return out;
    };
    render_round(&mut out, last);
    out
}

fn render_round(out: &mut String, last: &LastRound) {
    family(
        out,
        "rampart_last_run_timestamp_seconds",
        "gauge",
        "When the last finished audit round ended (unix time).",
    );
    sample(
        out,
        "rampart_last_run_timestamp_seconds",
        &[],
        last.finished_at,
    );
    family(
        out,
        "rampart_last_run_duration_seconds",
        "gauge",
        "How long the last finished audit round took.",
    );
    sample(
        out,
        "rampart_last_run_duration_seconds",
        &[],
        last.duration_seconds,
    );

    let report = &last.report;
    let unaudited: BTreeSet<String> = last.unaudited.iter().map(|t| label_value(t)).collect();
    // Per target in report order, deduplicated (a target named twice is
    // one series).
    let mut targets: Vec<(String, String)> = Vec::new();
    for t in &report.targets {
        let addr = label_value(&t.name);
        if !targets.iter().any(|(a, _)| *a == addr) {
            targets.push((addr, label_value(&t.kind)));
        }
    }
    family(
        out,
        "rampart_target_up",
        "gauge",
        "1 when the target was audited in the last round, 0 when it could not be (no connection, refused login, discovery kept the login from it).",
    );
    for (addr, kind) in &targets {
        let up = f64::from(u8::from(!unaudited.contains(addr)));
        sample(
            out,
            "rampart_target_up",
            &[("addr", addr), ("kind", kind)],
            up,
        );
    }
    family(
        out,
        "rampart_targets_unaudited",
        "gauge",
        "Targets that could not be audited in the last round.",
    );
    sample(
        out,
        "rampart_targets_unaudited",
        &[],
        unaudited.len() as f64,
    );

    // Counting findings only; a (target, check) seen twice keeps its first.
    let mut statuses: Vec<(String, &str, Severity, Status)> = Vec::new();
    let mut seen: BTreeSet<(String, &str)> = BTreeSet::new();
    let mut counts: BTreeMap<(String, Severity, Status), u64> = BTreeMap::new();
    let mut suppressed: BTreeMap<String, u64> = BTreeMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        let addr = label_value(&f.target);
        if report.suppression(i).is_some() {
            *suppressed.entry(addr).or_default() += 1;
            continue;
        }
        *counts
            .entry((addr.clone(), f.severity, f.status))
            .or_default() += 1;
        if seen.insert((addr.clone(), f.id)) {
            statuses.push((addr, f.id, f.severity, f.status));
        }
    }
    family(
        out,
        "rampart_check_status",
        "gauge",
        "1 for each check on each target, its status in the label status (pass, fail, warn, manual, skip, error); suppressed findings are left out.",
    );
    for (addr, id, sev, st) in &statuses {
        sample(
            out,
            "rampart_check_status",
            &[
                ("addr", addr),
                ("check", id),
                ("area", area(id)),
                ("severity", sev.as_str()),
                ("status", st.as_str()),
            ],
            1.0,
        );
    }
    family(
        out,
        "rampart_findings",
        "gauge",
        "Findings of the last round per target, severity and status (suppressed ones left out).",
    );
    for (addr, _) in &targets {
        for sev in Severity::ALL {
            for st in Status::ALL {
                let n = counts.get(&(addr.clone(), sev, st)).copied().unwrap_or(0);
                sample(
                    out,
                    "rampart_findings",
                    &[
                        ("addr", addr),
                        ("severity", sev.as_str()),
                        ("status", st.as_str()),
                    ],
                    n as f64,
                );
            }
        }
    }
    family(
        out,
        "rampart_findings_suppressed",
        "gauge",
        "Findings of the last round accepted by a suppression (reported, not counted), per target.",
    );
    for (addr, _) in &targets {
        let n = suppressed.get(addr).copied().unwrap_or(0);
        sample(
            out,
            "rampart_findings_suppressed",
            &[("addr", addr)],
            n as f64,
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Target;
    use rampart_checks::Finding;

    fn finding(target: &str, id: &'static str, sev: Severity, st: Status) -> Finding {
        Finding {
            id,
            title: "t",
            severity: sev,
            status: st,
            target: target.into(),
            message: "m".into(),
            evidence: vec![],
            remediation: "r",
            fix: None,
        }
    }

    fn state(targets: &[&str], findings: Vec<Finding>) -> MetricsState {
        MetricsState {
            version: "0.1.0".into(),
            interval_seconds: 300.0,
            runs_total: 2,
            advisory_data_age_seconds: Some(86400.0),
            last: Some(LastRound {
                report: Report {
                    targets: targets
                        .iter()
                        .map(|t| Target {
                            name: t.to_string(),
                            kind: "server".into(),
                            version: None,
                        })
                        .collect(),
                    findings,
                    ..Report::default()
                },
                unaudited: vec![],
                finished_at: 1_764_650_000.5,
                duration_seconds: 1.25,
            }),
            ..MetricsState::default()
        }
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape("a\nb"), "a\\nb");
        // A newline from a server is made visible first, then escaped: it
        // can never end the line.
        assert_eq!(label_value("h\nx"), "h\\\\nx");
        assert_eq!(label_value("x\u{1b}[2J"), "x\\\\x1b[2J");
        assert_eq!(label_value(&"é".repeat(300)).chars().count(), 256);
    }

    #[test]
    fn hostile_target_names_stay_on_their_line() {
        let evil = "10.0.0.1:6379\"} 1\nrampart_fake{x=\"\\";
        let s = state(
            &[evil],
            vec![finding(evil, "NET002", Severity::Critical, Status::Fail)],
        );
        let text = render(&s);
        for line in text.lines() {
            assert!(
                line.starts_with("# ") || line.starts_with("rampart_"),
                "{line}"
            );
            assert!(!line.starts_with("rampart_fake"), "{text}");
        }
        assert!(text.contains(
            r#"rampart_check_status{addr="10.0.0.1:6379\"} 1\\nrampart_fake{x=\"\\",check="NET002",area="NET",severity="critical",status="fail"} 1"#
        ), "{text}");
    }

    #[test]
    fn no_secret_in_any_label() {
        let pw = "Metrics-Secret-8c1f0e";
        scrub::register(pw.as_bytes());
        let name = format!("redis://admin:{pw}@h:1");
        let s = state(
            &[&name],
            vec![finding(&name, "ACL001", Severity::High, Status::Pass)],
        );
        let text = render(&s);
        assert!(!text.contains(pw), "{text}");
        assert!(text.contains("redis://admin:***@h:1"), "{text}");
    }

    #[test]
    fn counts_findings_leaves_out_suppressed_and_reports_unaudited() {
        let mut s = state(
            &["a:1", "b:2", "a:1"],
            vec![
                finding("a:1", "NET002", Severity::Critical, Status::Fail),
                finding("a:1", "NET004", Severity::Critical, Status::Fail),
                finding("a:1", "ACL001", Severity::High, Status::Pass),
                finding("b:2", "ACL001", Severity::High, Status::Error),
            ],
        );
        let last = s.last.as_mut().unwrap();
        last.unaudited = vec!["b:2".into()];
        last.report.suppressions = vec![
            None,
            Some(crate::Suppression {
                how: crate::How::Baseline { file: "b".into() },
                reason: "accepted".into(),
            }),
            None,
            None,
        ];
        let text = render(&s);
        let has = |l: &str| text.lines().any(|x| x == l);
        assert!(
            has(r#"rampart_findings{addr="a:1",severity="critical",status="fail"} 1"#),
            "{text}"
        );
        assert!(has(
            r#"rampart_findings{addr="b:2",severity="high",status="error"} 1"#
        ));
        assert!(has(r#"rampart_findings_suppressed{addr="a:1"} 1"#));
        assert!(!text.contains("NET004"), "{text}");
        assert!(has(r#"rampart_target_up{addr="a:1",kind="server"} 1"#));
        assert!(has(r#"rampart_target_up{addr="b:2",kind="server"} 0"#));
        assert!(has("rampart_targets_unaudited 1"));
        assert!(has("rampart_last_run_duration_seconds 1.25"));
        assert!(has("rampart_advisory_data_age_seconds 86400"));
        // a:1 named twice: one series each.
        assert_eq!(text.matches("rampart_target_up{addr=\"a:1\"").count(), 1);
    }

    #[test]
    fn before_the_first_round_only_the_process_series() {
        let text = render(&MetricsState {
            version: "0.1.0".into(),
            ..MetricsState::default()
        });
        assert!(text.contains("rampart_runs_total 0\n"), "{text}");
        assert!(!text.contains("rampart_check_status"), "{text}");
    }
}
