//! Figures for bench/history-1000.sh: record a synthetic 1,000-target run
//! (~50 findings and ~150 settings per target) in SQLite, read two back,
//! and diff them. Prints the times and their ratio to the targets (1 s to
//! record, 200 ms to diff). `cargo run --release -p rampart-history
//! --example bench [TARGETS] [FINDINGS] [KEEP-FILE]`; reads are repeated
//! `$BENCH_REPEAT` times (default 5), the median shown.
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

/// The floor: the same rows of both runs read with a plain `SELECT *`
/// through rusqlite, every column touched, nothing kept.
fn plain_select(path: &std::path::Path, ids: [&str; 2]) -> usize {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut bytes = 0;
    for id in ids {
        for table in ["runs", "targets", "target_settings", "findings"] {
            let mut st = c
                .prepare(&format!("SELECT * FROM {table} WHERE run_id = $1"))
                .unwrap();
            let n = st.column_count();
            let mut rows = st.query([id]).unwrap();
            while let Some(r) = rows.next().unwrap() {
                for i in 0..n {
                    bytes += match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Text(t) => t.len(),
                        _ => 8,
                    };
                }
            }
        }
    }
    bytes
}

/// What `rampart diff` (no run named) does once the file is open: the
/// last run, the previous run of the same targets, both loaded without
/// evidence, compared, rendered as text.
fn rampart_diff(spec: &rampart_history::HistorySpec) -> (rampart_history::diff::RunDiff, usize) {
    let mut s = rampart_history::open_read(spec).unwrap();
    let b = rampart_history::resolve_for_diff(s.as_mut(), "last").unwrap();
    let prev = s.previous(&b.run_id, &b.targets_key()).unwrap().unwrap();
    let a = rampart_history::resolve_for_diff(s.as_mut(), &prev).unwrap();
    let d = rampart_history::diff::diff(&a, &b);
    let text = rampart_history::render::diff_text(&d);
    (d, text.len())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let targets: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let findings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    // Optional: keep the file there (to time `rampart diff --history FILE`).
    let keep = args.next().map(std::path::PathBuf::from);
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let tmp = tempfile::tempdir().unwrap();
    let path = keep.unwrap_or_else(|| tmp.path().join("history.sqlite"));
    let _ = std::fs::remove_file(&path);
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
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let spec = rampart_history::HistorySpec::Sqlite(path.clone());
    let (mut load, mut mem, mut whole, mut floor) = (vec![], vec![], vec![], vec![]);
    let mut found = None;
    for _ in 0..repeat {
        let mut h = History::open_read(&path).unwrap().unwrap();
        let t = Instant::now();
        // As `rampart diff` loads them (evidence left out).
        let ra = h.run_for_diff("20261201").unwrap().unwrap();
        let rb = h.run_for_diff("20261202").unwrap().unwrap();
        load.push(ms(t.elapsed()));
        let t = Instant::now();
        let d = rampart_history::diff::diff(&ra, &rb);
        mem.push(ms(t.elapsed()));
        drop((ra, rb, h));
        let t = Instant::now();
        let (d2, _) = rampart_diff(&spec);
        whole.push(ms(t.elapsed()));
        assert_eq!(d, d2);
        let t = Instant::now();
        std::hint::black_box(plain_select(&path, [&a.run_id, &b.run_id]));
        floor.push(ms(t.elapsed()));
        found = Some(d);
    }
    let d = found.unwrap();
    let (load, mem, whole, floor) = (median(load), median(mem), median(whole), median(floor));
    let mut h = History::open_read(&path).unwrap().unwrap();
    let t = Instant::now();
    let runs = h.runs(&rampart_history::RunFilter::default()).unwrap();
    let list = t.elapsed();
    assert_eq!(runs.len(), 2);
    println!(
        "{targets} targets x {findings} findings ({} findings, {} settings per run), file {:.1} MiB; reads: median of {repeat}",
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
        "load two runs:           {load:8.1} ms  ({:.2}x a plain SELECT * of their rows)",
        load / floor
    );
    println!(
        "diff two runs (in mem):  {mem:8.1} ms  (target 200 ms: ratio {:.2})",
        mem / 200.0
    );
    println!(
        "load two runs + diff:    {:8.1} ms  (target 200 ms: ratio {:.2})",
        load + mem,
        (load + mem) / 200.0
    );
    println!(
        "as `rampart diff` does:  {whole:8.1} ms  (open, last, previous, load, diff, text; target 200 ms: ratio {:.2})",
        whole / 200.0
    );
    println!("baseline SELECT * rows:  {floor:8.1} ms  (both runs, every column, rusqlite)");
    println!("list runs (new/fixed):   {:8.1} ms", ms(list));
    println!(
        "diff found: {} new, {} fixed, {} changed, {} settings changed",
        d.new.len(),
        d.fixed.len(),
        d.changed.len(),
        d.settings.len()
    );
}
