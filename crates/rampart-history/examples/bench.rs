//! Figures for bench/history-1000.sh: record a synthetic 1,000-target run
//! (~50 findings and ~150 settings per target) in SQLite, read two back,
//! and diff them. Prints the times and their ratio to the targets (1 s to
//! record, 200 ms to diff). `cargo run --release -p rampart-history
//! --example bench [TARGETS] [FINDINGS]`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use rampart_history::{FindingRecord, History, RunRecord, Store, TargetRecord};
use std::time::Instant;

const STATUSES: [&str; 5] = ["pass", "pass", "fail", "warn", "pass"];

fn run(id: &str, targets: usize, findings: usize, drift: usize) -> RunRecord {
    let mut r = RunRecord {
        run_id: id.into(),
        started_at: 1_796_000_000,
        finished_at: 1_796_000_060,
        rampart_version: "0.2.0".into(),
        advisory_data: "2026-12-01".into(),
        host: "bench".into(),
        ..RunRecord::default()
    };
    for t in 0..targets {
        let name = format!("10.{}.{}.{}:6379", t / 65536, t / 256 % 256, t % 256);
        r.targets.push(TargetRecord {
            name: name.clone(),
            kind: "server".into(),
            address: Some(name.clone()),
            server_run_id: Some(format!("{t:040x}")),
            version: Some("redis 7.2.6".into()),
            role: Some(if t % 3 == 0 { "master" } else { "replica" }.into()),
            audited: true,
            settings: (0..150)
                .map(|k| {
                    let v = if (t + k) % 97 < drift { k + 1 } else { k };
                    (format!("setting-{k:03}"), v.to_string())
                })
                .collect(),
        });
        for f in 0..findings {
            let id = format!("CHK{f:03}");
            // The later run: 2% of the findings changed.
            let shift = if (t * 7 + f) % 50 == 0 { drift } else { 0 };
            let status = STATUSES[(t + f + shift) % STATUSES.len()];
            r.findings.push(FindingRecord {
                target: name.clone(),
                check_id: id.clone(),
                severity: "high".into(),
                status: status.into(),
                message: format!("{id} on {name}: {status}, with a message of usual length"),
                evidence_json: format!(
                    r#"[{{"source":"live","location":"CONFIG GET {id}","observed":"{id} {status}","expected":"something else"}}]"#
                ),
                fingerprint: rampart_policy::fingerprint_of(&[&id, &name, status]),
                suppressed: false,
            });
        }
    }
    r
}

fn main() {
    let mut args = std::env::args().skip(1);
    let targets: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let findings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.sqlite");
    let a = run("20261201T000000.000000Z-aaaa", targets, findings, 0);
    let b = run("20261202T000000.000000Z-bbbb", targets, findings, 1);
    let mut h = History::open(&path).unwrap();
    let t = Instant::now();
    h.record_run(&a).unwrap();
    let record = t.elapsed();
    let t = Instant::now();
    h.record_run(&b).unwrap();
    let record_b = t.elapsed();
    drop(h);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut h = History::open_read(&path).unwrap().unwrap();
    let t = Instant::now();
    // As `rampart diff` loads them (evidence left out).
    let ra = h.run_for_diff("20261201").unwrap().unwrap();
    let rb = h.run_for_diff("20261202").unwrap().unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let d = rampart_history::diff::diff(&ra, &rb);
    let diff = t.elapsed();
    let t = Instant::now();
    let runs = h.runs(&rampart_history::RunFilter::default()).unwrap();
    let list = t.elapsed();
    assert_eq!(runs.len(), 2);
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{targets} targets x {findings} findings ({} findings, {} settings per run), file {:.1} MiB",
        a.findings.len(),
        targets * 150,
        size as f64 / 1_048_576.0
    );
    println!(
        "record one run:          {:8.1} ms  (target 1000 ms: ratio {:.2})",
        ms(record),
        ms(record) / 1000.0
    );
    println!(
        "record the next run:     {:8.1} ms  (with new/fixed since the first: ratio {:.2})",
        ms(record_b),
        ms(record_b) / 1000.0
    );
    println!(
        "diff two runs (in mem):  {:8.1} ms  (target 200 ms: ratio {:.2})",
        ms(diff),
        ms(diff) / 200.0
    );
    println!(
        "load two runs + diff:    {:8.1} ms  (target 200 ms: ratio {:.2})",
        ms(load + diff),
        ms(load + diff) / 200.0
    );
    println!("list runs (new/fixed):   {:8.1} ms", ms(list));
    println!(
        "diff found: {} new, {} fixed, {} changed, {} settings changed",
        d.new.len(),
        d.fixed.len(),
        d.changed.len(),
        d.settings.len()
    );
}
