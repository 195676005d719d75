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
    /// For a target that was not audited: why, in one line (the message
    /// its errors share most, else its first skip's). Raw server or file
    /// text: renderers sanitise it.
    pub reason: Option<String>,
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
    /// Every (check, status) pair that occurs on the audited targets,
    /// worst status first, then highest severity, then catalogue order.
    /// A target that was not audited is left out of the groups (its errors
    /// share one cause, [`TargetRow::reason`], and would repeat it once per
    /// check); it stays in the matrix and the totals, and N (the `of` of
    /// "n of N") counts every target. Renderers usually show the fail,
    /// error, warn and manual groups.
    pub groups: Vec<CheckGroup>,
    pub totals: Totals,
}

impl Rollup {
    /// The targets that were not audited, in report order.
    pub fn unaudited(&self) -> impl Iterator<Item = &TargetRow> {
        self.rows.iter().filter(|r| !r.audited)
    }

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

/// Finding and input-problem indexes per target name, in report order,
/// built in one pass: every per-target loop (the roll-up, `--per-target`
/// text and Markdown) looks its target up instead of rescanning the whole
/// report, so a fleet of thousands stays linear.
#[derive(Debug, Default)]
pub(crate) struct ByTarget<'r> {
    findings: std::collections::HashMap<&'r str, Vec<usize>>,
    problems: std::collections::HashMap<&'r str, Vec<usize>>,
}

impl<'r> ByTarget<'r> {
    pub(crate) fn new(r: &'r Report) -> ByTarget<'r> {
        let mut by = ByTarget::default();
        for (i, f) in r.findings.iter().enumerate() {
            by.findings.entry(f.target.as_str()).or_default().push(i);
        }
        for (i, (name, _)) in r.problems.iter().enumerate() {
            by.problems.entry(name.as_str()).or_default().push(i);
        }
        by
    }

    /// Indexes into `Report::findings` of the target's findings.
    pub(crate) fn findings(&self, name: &str) -> &[usize] {
        self.findings.get(name).map_or(&[], Vec::as_slice)
    }

    /// Indexes into `Report::problems` of the target's input problems.
    pub(crate) fn problems(&self, name: &str) -> &[usize] {
        self.problems.get(name).map_or(&[], Vec::as_slice)
    }
}

/// Why a target was not audited: its most frequent error message (ties:
/// the first), else its first skip message.
fn unaudited_reason(r: &Report, mine: &[usize]) -> Option<String> {
    let counted = || {
        mine.iter()
            .filter(|i| r.suppression(**i).is_none())
            .map(|i| &r.findings[*i])
    };
    let mut best: Option<(&str, usize)> = None;
    for f in counted().filter(|f| f.status == Status::Error) {
        let n = counted()
            .filter(|g| g.status == Status::Error && g.message == f.message)
            .count();
        if !matches!(best, Some((_, m)) if m >= n) {
            best = Some((&f.message, n));
        }
    }
    best.map(|(m, _)| m.to_string()).or_else(|| {
        counted()
            .find(|f| f.status == Status::Skip)
            .map(|f| f.message.clone())
    })
}

fn row(r: &Report, t: &Target, mine: &[usize], problems: usize) -> TargetRow {
    let mut cells = vec![Cell::default(); AREAS.len()];
    let mut counts = Summary::default();
    let mut worst = None;
    let mut suppressed = 0;
    let mut verdict = false;
    for &i in mine {
        let f = &r.findings[i];
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
    let audited = verdict && t.kind != "not-contacted";
    let reason = (!audited).then(|| unaudited_reason(r, mine)).flatten();
    TargetRow {
        name: t.name.clone(),
        kind: t.kind.clone(),
        cells,
        worst,
        counts,
        audited,
        reason,
        suppressed,
        problems,
    }
}

/// The roll-up of a report (any number of targets; renderers show it for
/// more than one).
pub fn rollup(report: &Report) -> Rollup {
    let index = ByTarget::new(report);
    let mine = |t: &Target| index.findings(&t.name);
    let rows: Vec<TargetRow> = report
        .targets
        .iter()
        .map(|t| row(report, t, mine(t), index.problems(&t.name).len()))
        .collect();
    let n = report.targets.len();
    // (check, status) -> targets, in catalogue order then first appearance.
    let order = |id: &str| {
        rampart_checks::all_checks()
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut groups: Vec<(usize, CheckGroup)> = Vec::new();
    let mut at: std::collections::HashMap<(&str, Status), usize> = std::collections::HashMap::new();
    let audited: std::collections::HashSet<&str> = rows
        .iter()
        .filter(|r| r.audited)
        .map(|r| r.name.as_str())
        .collect();
    for t in report
        .targets
        .iter()
        .filter(|t| audited.contains(t.name.as_str()))
    {
        for &i in mine(t) {
            let f = &report.findings[i];
            if report.suppression(i).is_some() {
                continue;
            }
            match at.get(&(f.id, f.status)).copied() {
                Some(k) => {
                    let g = &mut groups[k].1;
                    if g.targets.last() != Some(&t.name) {
                        g.targets.push(t.name.clone());
                    }
                }
                None => {
                    at.insert((f.id, f.status), groups.len());
                    groups.push((
                        order(f.id),
                        CheckGroup {
                            id: f.id,
                            title: f.title,
                            severity: f.severity,
                            status: f.status,
                            targets: vec![t.name.clone()],
                            of: n,
                        },
                    ));
                }
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
        findings: Summary::of(report.counting()),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use crate::{How, Suppression, Target};
    use rampart_checks::{find_check, Finding};

    pub(crate) fn finding(id: &str, status: Status, target: &str) -> Finding {
        let c = find_check(id).unwrap();
        Finding {
            id: c.id,
            title: c.title,
            severity: c.severity,
            status,
            target: target.into(),
            message: format!("{id} {status}"),
            evidence: Vec::new(),
            remediation: c.remediation,
            fix: None,
        }
    }

    pub(crate) fn target(name: &str, kind: &str) -> Target {
        Target {
            name: name.into(),
            kind: kind.into(),
            version: None,
        }
    }

    /// A target's name, kind and (check, status) findings.
    pub(crate) type Row<'a> = (&'a str, &'a str, &'a [(&'a str, Status)]);

    /// A report of these targets and findings.
    pub(crate) fn report(rows: &[Row<'_>]) -> Report {
        let mut r = Report::default();
        for (name, kind, fs) in rows {
            r.targets.push(target(name, kind));
            for (id, st) in fs.iter() {
                r.findings.push(finding(id, *st, name));
            }
        }
        r
    }

    #[test]
    fn worse_orders_fail_error_warn_manual_pass_skip() {
        let order = [
            Status::Skip,
            Status::Pass,
            Status::Manual,
            Status::Warn,
            Status::Error,
            Status::Fail,
        ];
        for w in order.windows(2) {
            assert!(rank(w[0]) < rank(w[1]), "{} should be below {}", w[0], w[1]);
        }
        assert_eq!(worse(None, Status::Skip), Some(Status::Skip));
        assert_eq!(worse(Some(Status::Fail), Status::Error), Some(Status::Fail));
        assert_eq!(
            worse(Some(Status::Pass), Status::Error),
            Some(Status::Error)
        );
    }

    #[test]
    fn cells_hold_the_worst_status_of_their_area() {
        let r = report(&[
            (
                "a",
                "files",
                &[
                    ("NET001", Status::Pass),
                    ("NET003", Status::Warn),
                    ("ACL001", Status::Fail),
                    ("ACL003", Status::Error),
                    ("TLS001", Status::Skip),
                ],
            ),
            (
                "b",
                "files",
                &[("NET001", Status::Pass), ("ACL001", Status::Pass)],
            ),
        ]);
        let roll = rollup(&r);
        let a = &roll.rows[0];
        let col = |p: &str| AREAS.iter().position(|(x, _)| *x == p).unwrap();
        assert_eq!(a.cells[col("NET")].worst, Some(Status::Warn));
        assert_eq!(a.cells[col("ACL")].worst, Some(Status::Fail));
        assert_eq!(a.cells[col("ACL")].counts.error, 1);
        assert_eq!(a.cells[col("TLS")].worst, Some(Status::Skip));
        assert_eq!(a.cells[col("LOG")].worst, None);
        assert_eq!(a.worst, Some(Status::Fail));
        assert!(a.audited);
        assert_eq!(roll.rows[1].worst, Some(Status::Pass));
        assert_eq!(roll.totals.targets, 2);
        assert_eq!(roll.totals.targets_by_worst.fail, 1);
        assert_eq!(roll.totals.targets_by_worst.pass, 1);
        assert_eq!(roll.totals.findings.pass, 3);
    }

    #[test]
    fn groups_say_n_of_n_worst_first() {
        let r = report(&[
            (
                "a",
                "files",
                &[("ACL003", Status::Fail), ("NET003", Status::Warn)],
            ),
            (
                "b",
                "files",
                &[("ACL003", Status::Pass), ("NET003", Status::Warn)],
            ),
            (
                "c",
                "files",
                &[("ACL003", Status::Fail), ("NET003", Status::Error)],
            ),
        ]);
        let roll = rollup(&r);
        let att: Vec<_> = roll.attention().collect();
        assert_eq!(att.len(), 3);
        assert_eq!((att[0].id, att[0].status), ("ACL003", Status::Fail));
        assert_eq!(att[0].targets, vec!["a", "c"]);
        assert_eq!((att[0].count(), att[0].of), (2, 3));
        assert_eq!((att[1].id, att[1].status), ("NET003", Status::Error));
        assert_eq!((att[2].id, att[2].status), ("NET003", Status::Warn));
        assert_eq!(att[2].targets, vec!["a", "b"]);
        // Passes are grouped too (for renderers that show them).
        assert!(roll
            .groups
            .iter()
            .any(|g| g.id == "ACL003" && g.status == Status::Pass && g.targets == vec!["b"]));
    }

    #[test]
    fn suppressed_findings_do_not_count() {
        let mut r = report(&[
            (
                "a",
                "files",
                &[("ACL003", Status::Fail), ("NET001", Status::Pass)],
            ),
            ("b", "files", &[("ACL003", Status::Fail)]),
        ]);
        r.suppressions = vec![
            Some(Suppression {
                how: How::Baseline {
                    file: "b.json".into(),
                },
                reason: "accepted".into(),
            }),
            None,
            None,
        ];
        let roll = rollup(&r);
        assert_eq!(roll.rows[0].worst, Some(Status::Pass));
        assert_eq!(roll.rows[0].suppressed, 1);
        let g: Vec<_> = roll.attention().collect();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].targets, vec!["b"]);
        assert_eq!(roll.totals.suppressed, 1);
        assert_eq!(roll.totals.findings.fail, 1);
    }

    #[test]
    fn a_target_that_was_not_audited_never_looks_like_a_pass() {
        let r = report(&[
            (
                "down",
                "server",
                &[("NET001", Status::Error), ("ACL001", Status::Skip)],
            ),
            ("skipped", "not-contacted", &[("NET001", Status::Skip)]),
            ("empty", "server", &[]),
            ("up", "server", &[("NET001", Status::Pass)]),
        ]);
        let roll = rollup(&r);
        assert!(!roll.rows[0].audited);
        assert_eq!(roll.rows[0].worst, Some(Status::Error));
        assert!(!roll.rows[1].audited);
        assert!(!roll.rows[2].audited);
        assert_eq!(roll.rows[2].worst, None);
        assert!(roll.rows[3].audited);
        assert_eq!(roll.totals.audited, 1);
        for r in &roll.rows[..3] {
            assert_ne!(r.worst, Some(Status::Pass), "{}", r.name);
        }
        assert_eq!(roll.rows[0].reason.as_deref(), Some("NET001 error"));
        assert_eq!(roll.rows[1].reason.as_deref(), Some("NET001 skip"));
        assert_eq!(roll.rows[2].reason, None);
        assert_eq!(roll.rows[3].reason, None);
        assert_eq!(roll.unaudited().count(), 3);
        // Their errors are not grouped per check; N still counts them.
        assert!(roll.groups.iter().all(|g| g.targets == vec!["up"]));
        assert!(roll.groups.iter().all(|g| g.of == 4));
    }

    #[test]
    fn identical_rows_group_worst_first_and_unaudited_apart() {
        let pass: &[(&str, Status)] = &[("NET001", Status::Pass)];
        let fail: &[(&str, Status)] = &[("NET001", Status::Fail)];
        let r = report(&[
            ("p1", "files", pass),
            ("f1", "files", fail),
            ("p2", "files", pass),
            ("f2", "files", fail),
            ("p3", "files", pass),
            ("n1", "not-contacted", &[("NET001", Status::Skip)]),
        ]);
        let roll = rollup(&r);
        let g = roll.row_groups();
        assert_eq!(g.len(), 3);
        assert!(!g[0].audited);
        assert_eq!(g[1].worst(), Some(Status::Fail));
        assert_eq!(g[1].rows, vec![1, 3]);
        assert_eq!(g[2].rows, vec![0, 2, 4]);
    }
}
