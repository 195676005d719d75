//! The fleet roll-up: what an owner of many servers reads first.
//!
//! [`rollup`] turns a [`Report`] into a renderer-neutral [`Rollup`]: a
//! target × area matrix of worst statuses, the findings grouped by check
//! ("ACL003 fails on 7 of 21: a, b, ..."), and fleet totals. It decides
//! nothing new: every status comes from a finding made by a check, and
//! suppressed findings do not count (as everywhere else). The text and HTML
//! renderers both draw this same value.
//!
//! # Which status is worse
//!
//! A cell of the matrix (one target, one area) shows the worst status of
//! the findings of that area on that target, in this order, worst first
//! ([`rank`]):
//!
//! 1. `fail`: a proven defect, the first thing to fix.
//! 2. `error`: rampart could not decide (collection failed, or a pass
//!    rested on input it could not read). It may hide a failure, so it
//!    ranks above every verdict that is not a proven defect, and a target
//!    that could not be audited never looks like a pass.
//! 3. `warn`: a "consider" item not met.
//! 4. `manual`: a person must verify it.
//! 5. `pass`.
//! 6. `skip`: not applicable (or its source was absent, reason given): it
//!    says nothing about the target, so any real verdict outranks it.
//!
//! A cell with no counted finding (every finding of the area suppressed,
//! or the selection left none) is `None`, never a pass. A target is
//! [`TargetRow::audited`] only if it was contacted and at least one of its
//! counted findings is a real verdict (pass, fail, warn or manual): a
//! target whose every finding is `skip` or `error` was not audited, and
//! renderers must say so rather than show its (empty) passes.

use crate::{Report, Target};
use rampart_checks::{Severity, Status, Summary};

/// The areas of the matrix, in report order: the check ID prefix and the
/// heading the text report uses for it.
pub const AREAS: &[(&str, &str)] = &[
    ("NET", "Network exposure"),
    ("ACL", "Accounts and authentication"),
    ("TLS", "Transport security"),
    ("OS", "Host and files"),
    ("LOG", "Logs"),
    ("DATA", "Data"),
    ("CLU", "Cluster and high availability"),
    ("VER", "Versions"),
    ("MNT", "Maintenance"),
];

/// How bad a status is in the roll-up: higher is worse (see the module
/// documentation for the order and why).
pub fn rank(s: Status) -> u8 {
    match s {
        Status::Skip => 0,
        Status::Pass => 1,
        Status::Manual => 2,
        Status::Warn => 3,
        Status::Error => 4,
        Status::Fail => 5,
    }
}

/// The worse of two optional statuses (`None` is "no finding").
pub fn worse(a: Option<Status>, b: Status) -> Option<Status> {
    match a {
        Some(x) if rank(x) >= rank(b) => Some(x),
        _ => Some(b),
    }
}

/// The area (matrix column) of a check ID: its letter prefix.
pub fn area_of(check_id: &str) -> &str {
    check_id.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// One cell: a target's findings in one area.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// The worst counted status, `None` when no finding counts.
    pub worst: Option<Status>,
    /// Counted findings per status.
    pub counts: Summary,
}

/// One target's row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRow {
    /// The target's name as the report holds it (not sanitised: renderers
    /// sanitise).
    pub name: String,
    /// `files`, `server`, `not-contacted`, ...
    pub kind: String,
    /// One cell per entry of [`AREAS`], same order.
    pub cells: Vec<Cell>,
    /// The worst status over the whole row.
    pub worst: Option<Status>,
    /// Counted findings per status, over the row.
    pub counts: Summary,
    /// Whether the target was audited at all (see the module doc).
    pub audited: bool,
    /// How many findings suppressions accepted on this target.
    pub suppressed: usize,
    /// How many input problems (lines Redis would reject) it has.
    pub problems: usize,
}

impl TargetRow {
    /// The row's worst statuses, one per area: what identical-row grouping
    /// compares.
    pub fn pattern(&self) -> Vec<Option<Status>> {
        self.cells.iter().map(|c| c.worst).collect()
    }
}

/// One check with one status across the fleet: "ACL003 fails on 7 of 21".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckGroup {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub status: Status,
    /// The targets with this status on this check, in report order.
    pub targets: Vec<String>,
    /// How many targets the report holds (the N of "n of N").
    pub of: usize,
}

impl CheckGroup {
    /// n, of "n of N".
    pub fn count(&self) -> usize {
        self.targets.len()
    }
}

/// Rows of the matrix that are identical, for wide fleets: one line for
/// "412 targets: all pass" instead of 412.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowGroup {
    /// The worst status per area, as in [`TargetRow::pattern`].
    pub pattern: Vec<Option<Status>>,
    /// Whether these rows were audited (rows that were not are never
    /// grouped with rows that were).
    pub audited: bool,
    /// Indexes into [`Rollup::rows`], in report order.
    pub rows: Vec<usize>,
}

impl RowGroup {
    /// The worst status of the group's pattern.
    pub fn worst(&self) -> Option<Status> {
        self.pattern
            .iter()
            .flatten()
            .fold(None, |w, s| worse(w, *s))
    }
}

/// Fleet totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// How many targets.
    pub targets: usize,
    /// How many were audited (see [`TargetRow::audited`]).
    pub audited: usize,
    /// Counted findings per status, over the fleet.
    pub findings: Summary,
    /// Targets by their worst status (a target counts once, under its
    /// worst); targets with no counted finding are not in it.
    pub targets_by_worst: Summary,
    /// Findings suppressions accepted, over the fleet.
    pub suppressed: usize,
}

/// The fleet roll-up of a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rollup {
    /// One row per target, in report order.
    pub rows: Vec<TargetRow>,
    /// Every (check, status) pair that occurs, worst status first, then
    /// highest severity, then catalogue order. Renderers usually show the
    /// fail, error, warn and manual groups.
    pub groups: Vec<CheckGroup>,
    pub totals: Totals,
}

impl Rollup {
    /// The groups worth an owner's attention: fail, error, warn, manual.
    pub fn attention(&self) -> impl Iterator<Item = &CheckGroup> {
        self.groups.iter().filter(|g| {
            matches!(
                g.status,
                Status::Fail | Status::Error | Status::Warn | Status::Manual
            )
        })
    }

    /// Identical rows grouped, worst group first (then the larger group),
    /// unaudited rows apart from audited ones.
    pub fn row_groups(&self) -> Vec<RowGroup> {
        let mut out: Vec<RowGroup> = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            let pattern = r.pattern();
            match out
                .iter_mut()
                .find(|g| g.audited == r.audited && g.pattern == pattern)
            {
                Some(g) => g.rows.push(i),
                None => out.push(RowGroup {
                    pattern,
                    audited: r.audited,
                    rows: vec![i],
                }),
            }
        }
        // Stable: equal groups keep the order of their first row.
        out.sort_by(|a, b| {
            let key = |g: &RowGroup| {
                (
                    !g.audited,
                    g.worst().map_or(0, rank),
                    g.pattern
                        .iter()
                        .flatten()
                        .filter(|s| rank(**s) >= rank(Status::Warn))
                        .count(),
                    g.rows.len(),
                )
            };
            key(b).cmp(&key(a))
        });
        out
    }
}

fn add(s: &mut Summary, st: Status) {
    match st {
        Status::Pass => s.pass += 1,
        Status::Fail => s.fail += 1,
        Status::Warn => s.warn += 1,
        Status::Manual => s.manual += 1,
        Status::Skip => s.skip += 1,
        Status::Error => s.error += 1,
    }
}

fn row(r: &Report, t: &Target) -> TargetRow {
    let mut cells = vec![Cell::default(); AREAS.len()];
    let mut counts = Summary::default();
    let mut worst = None;
    let mut suppressed = 0;
    let mut verdict = false;
    for (i, f) in r.findings.iter().enumerate() {
        if f.target != t.name {
            continue;
        }
        if r.suppression(i).is_some() {
            suppressed += 1;
            continue;
        }
        add(&mut counts, f.status);
        worst = worse(worst, f.status);
        verdict |= matches!(
            f.status,
            Status::Pass | Status::Fail | Status::Warn | Status::Manual
        );
        if let Some(a) = AREAS.iter().position(|(p, _)| *p == area_of(f.id)) {
            let c = &mut cells[a];
            add(&mut c.counts, f.status);
            c.worst = worse(c.worst, f.status);
        }
    }
    TargetRow {
        name: t.name.clone(),
        kind: t.kind.clone(),
        cells,
        worst,
        counts,
        audited: verdict && t.kind != "not-contacted",
        suppressed,
        problems: r.problems.iter().filter(|(n, _)| *n == t.name).count(),
    }
}

/// The roll-up of a report (any number of targets; renderers show it for
/// more than one).
pub fn rollup(report: &Report) -> Rollup {
    let rows: Vec<TargetRow> = report.targets.iter().map(|t| row(report, t)).collect();
    let n = report.targets.len();
    // (check, status) -> targets, in catalogue order then first appearance.
    let order = |id: &str| {
        rampart_checks::all_checks()
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut groups: Vec<(usize, CheckGroup)> = Vec::new();
    for t in &report.targets {
        for (i, f) in report.findings.iter().enumerate() {
            if f.target != t.name || report.suppression(i).is_some() {
                continue;
            }
            match groups
                .iter_mut()
                .find(|(_, g)| g.id == f.id && g.status == f.status)
            {
                Some((_, g)) => {
                    if g.targets.last() != Some(&t.name) {
                        g.targets.push(t.name.clone());
                    }
                }
                None => groups.push((
                    order(f.id),
                    CheckGroup {
                        id: f.id,
                        title: f.title,
                        severity: f.severity,
                        status: f.status,
                        targets: vec![t.name.clone()],
                        of: n,
                    },
                )),
            }
        }
    }
    groups.sort_by(|(oa, a), (ob, b)| {
        rank(b.status)
            .cmp(&rank(a.status))
            .then(b.severity.cmp(&a.severity))
            .then(oa.cmp(ob))
    });
    let mut totals = Totals {
        targets: n,
        audited: rows.iter().filter(|r| r.audited).count(),
        findings: Summary::of(&report.counting()),
        targets_by_worst: Summary::default(),
        suppressed: report.suppressed_count(),
    };
    for r in &rows {
        if let Some(w) = r.worst {
            add(&mut totals.targets_by_worst, w);
        }
    }
    Rollup {
        rows,
        groups: groups.into_iter().map(|(_, g)| g).collect(),
        totals,
    }
}
