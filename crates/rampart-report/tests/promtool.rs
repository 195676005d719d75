//! The metrics exposition, hostile label values and all, as Prometheus's
//! own linter reads it (`promtool check metrics`, Debian's `prometheus`
//! package). Missing promtool: the test fails with CI set, else skips.
#![allow(clippy::unwrap_used)]

use rampart_checks::{Finding, Severity, Status};
use rampart_report::metrics::{render, LastRound, MetricsState};
use rampart_report::{Report, Target};
use std::io::Write;
use std::process::{Command, Stdio};

const PROMTOOL: &str = "/usr/bin/promtool";

#[test]
fn promtool_accepts_hostile_label_values() {
    if !std::path::Path::new(PROMTOOL).is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install prometheus (promtool)"
        );
        eprintln!("SKIP: {PROMTOOL} is not installed (apt-get install prometheus)");
        return;
    }
    let names = [
        "10.0.0.1:6379",
        "evil\"} 1\nrampart_fake 1\n#",
        "back\\slash\\",
        "ctl\u{1b}[2J\r\u{202e}",
        "",
    ];
    let findings = names
        .iter()
        .flat_map(|n| {
            [
                (Status::Fail, Severity::Critical, "NET002"),
                (Status::Pass, Severity::High, "ACL001"),
            ]
            .map(|(st, sev, id)| Finding {
                id,
                title: "t",
                severity: sev,
                status: st,
                target: n.to_string(),
                message: String::new(),
                evidence: vec![],
                remediation: "",
                fix: None,
            })
        })
        .collect();
    let state = MetricsState {
        version: "0.1.0\"x".into(),
        interval_seconds: 300.0,
        runs_total: 3,
        advisory_data_age_seconds: Some(10.0),
        last: Some(LastRound {
            report: Report {
                targets: names
                    .iter()
                    .map(|n| Target {
                        name: n.to_string(),
                        kind: "server".into(),
                        version: None,
                    })
                    .collect(),
                findings,
                ..Report::default()
            },
            unaudited: vec![names[1].to_string()],
            finished_at: 1.8e9,
            duration_seconds: 0.5,
        }),
        ..MetricsState::default()
    };
    let text = render(&state);
    let mut p = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    p.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let o = p.wait_with_output().unwrap();
    assert!(
        o.status.success() && o.stdout.is_empty() && o.stderr.is_empty(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !text.lines().any(|l| l.starts_with("rampart_fake")),
        "{text}"
    );
}
