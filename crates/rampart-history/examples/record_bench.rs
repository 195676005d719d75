//! The time to record one synthetic run (TARGETS targets × FINDINGS
//! findings each, settings per target) in PostgreSQL and in SQLite, and
//! to read it back. PostgreSQL is a real server started here (the test
//! fixture: initdb in a temp dir, a loopback port, fsync off as in the
//! tests; give `--url postgres://...` to time your own server instead).
//! Prints figures and the ratio; asserts nothing.
//!
//!   cargo run --release -p rampart-history --example record_bench -- [TARGETS] [FINDINGS] [--url URL]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use rampart_history::{open, FindingRecord, HistorySpec, RunFilter, RunRecord, TargetRecord};
use std::time::Instant;

fn synthetic(id: &str, targets: usize, findings: usize) -> RunRecord {
    let mut r = RunRecord {
        run_id: id.into(),
        started_at: 1_796_186_112,
        finished_at: 1_796_186_170,
        rampart_version: "0.1.0".into(),
        advisory_data: "2026-12-01".into(),
        shard: Some("1/1".into()),
        host: "bench".into(),
        ..RunRecord::default()
    };
    for t in 0..targets {
        let name = format!("redis-{t}.prod.example:6379");
        r.targets.push(TargetRecord {
            name: name.clone(),
            kind: "server".into(),
            address: Some(format!(
                "10.{}.{}.{}:6379",
                t / 65536,
                t / 256 % 256,
                t % 256
            )),
            server_run_id: Some(format!("{t:040x}")),
            version: Some("redis 7.2.6".into()),
            role: Some("master".into()),
            audited: true,
            settings: (0..40)
                .map(|i| (format!("setting-{i:02}"), format!("value {i}")))
                .collect(),
        });
        for f in 0..findings {
            r.findings.push(FindingRecord {
                target: name.clone(),
                check_id: format!("CHK{f:03}"),
                severity: "medium".into(),
                status: ["pass", "fail", "warn", "pass", "skip"][f % 5].into(),
                message: format!("check {f} on {name}: a sentence of typical length for a finding"),
                evidence_json: format!(r#"{{"setting":"setting-{f}","value":"{f}"}}"#),
                fingerprint: format!("{t:08x}{f:08x}"),
                suppressed: f % 17 == 0,
            });
        }
    }
    r
}

fn time(spec: &HistorySpec, run: &RunRecord) -> (f64, f64, f64) {
    let t0 = Instant::now();
    let mut store = open(spec).unwrap();
    let opened = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    store.record_run(run).unwrap();
    let recorded = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let back = store.run(&run.run_id).unwrap().unwrap();
    let _ = store.runs(&RunFilter::default()).unwrap();
    let read = t2.elapsed().as_secs_f64();
    assert_eq!(back.findings.len(), run.findings.len());
    (opened, recorded, read)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .iter()
        .position(|a| a == "--url")
        .and_then(|i| args.get(i + 1).cloned());
    let nums: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let targets = nums.first().copied().unwrap_or(1000);
    let findings = nums.get(1).copied().unwrap_or(50);
    let _pg;
    let pg_spec = match url {
        Some(u) => HistorySpec::Postgres(u),
        None => {
            let pg = redis_fixture::Postgres::start().unwrap_or_else(|e| {
                eprintln!("cannot start PostgreSQL: {}", e.output);
                std::process::exit(2)
            });
            let spec = HistorySpec::Postgres(pg.url());
            _pg = pg;
            spec
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_spec = HistorySpec::Sqlite(dir.path().join("history.sqlite"));
    println!(
        "one run: {targets} targets x {findings} findings ({} rows of findings), 40 settings per target",
        targets * findings
    );
    let mut rows = Vec::new();
    for (name, spec) in [("postgresql", &pg_spec), ("sqlite", &sqlite_spec)] {
        // The first run creates the schema; the second is the steady state.
        let _ = time(spec, &synthetic(&format!("{name}-warm"), 10, 5));
        let (o, w, r) = time(spec, &synthetic(&format!("{name}-run"), targets, findings));
        println!(
            "{name:<10}  open {:>7.3} s   record {:>7.3} s   read back {:>7.3} s",
            o, w, r
        );
        rows.push(w);
    }
    println!(
        "record time, PostgreSQL / SQLite: {:.2}",
        rows[0] / rows[1].max(1e-9)
    );
}
