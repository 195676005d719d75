//! The HTML report's trend chart: failing findings per area over the last
//! runs of the same targets.

use crate::{RunFilter, Store};
use rampart_report::fleet::area_of;
use rampart_report::html::TrendPoint;
use rampart_report::Report;
use std::collections::BTreeMap;

/// Runs a trend chart shows: this audit and up to that many before it.
pub const TREND_RUNS: usize = 12;

/// Failing findings per area over the last runs of `report`'s targets in
/// `store`, oldest first, then this audit (not recorded yet) at `now`.
/// Empty when there is no history, it cannot be read, or it holds no
/// earlier run: the chart is optional, and a record that cannot be used is
/// said when recording.
pub fn trends(store: Option<&mut dyn Store>, report: &Report, now: i64) -> Vec<TrendPoint> {
    let key = crate::model::targets_key(report.targets.iter().map(|t| t.name.as_str()));
    let mut points = Vec::new();
    if let Some(store) = store {
        let filter = RunFilter {
            limit: Some(TREND_RUNS * 4),
            ..RunFilter::default()
        };
        let same: Vec<_> = store
            .runs(&filter)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.targets_key == key)
            .take(TREND_RUNS - 1)
            .collect();
        for r in same.iter().rev() {
            let Ok(Some(run)) = store.run_for_diff(&r.run_id) else {
                continue;
            };
            let mut fails: BTreeMap<String, usize> = BTreeMap::new();
            for f in run
                .findings
                .iter()
                .filter(|f| f.status == "fail" && !f.suppressed)
            {
                *fails.entry(area_of(&f.check_id).to_string()).or_default() += 1;
            }
            points.push(TrendPoint {
                run_id: run.run_id.clone(),
                at: run.started_at,
                fails_by_area: fails,
            });
        }
    }
    if points.is_empty() {
        // One point is no trend.
        return points;
    }
    let mut fails: BTreeMap<String, usize> = BTreeMap::new();
    for f in report
        .counting()
        .into_iter()
        .filter(|f| f.status == rampart_checks::Status::Fail)
    {
        *fails.entry(area_of(f.id).to_string()).or_default() += 1;
    }
    points.push(TrendPoint {
        run_id: "this audit".into(),
        at: now,
        fails_by_area: fails,
    });
    points
}
