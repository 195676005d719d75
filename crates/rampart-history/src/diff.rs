//! What changed between two runs: findings new, fixed and changed, targets
//! that appeared, went or could no longer be audited, and server settings
//! that changed. Pure and linear (hash maps by fingerprint and target);
//! the result says whether things got worse, so renderers decide nothing.

use crate::model::{FindingRecord, RunRecord, TargetRecord};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One side of a diff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunRef {
    pub run_id: String,
    pub started_at: i64,
    pub targets: usize,
}

/// A finding on one side or both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FindingChange {
    pub target: String,
    pub check_id: String,
    pub fingerprint: String,
    /// Status and severity in the earlier run (`None`: not there).
    pub before: Option<State>,
    /// In the later run (`None`: not there).
    pub after: Option<State>,
    /// The later run's message (else the earlier one's).
    pub message: String,
    /// This change makes things worse (see [`RunDiff::worse`]).
    pub worse: bool,
}

/// A finding's status and severity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct State {
    pub status: String,
    pub severity: String,
    pub suppressed: bool,
}

impl State {
    fn of(f: &FindingRecord) -> State {
        State {
            status: f.status.clone(),
            severity: f.severity.clone(),
            suppressed: f.suppressed,
        }
    }

    /// Counts against the target: failing, warning or an error, and not
    /// accepted by a suppression.
    pub fn is_bad(&self) -> bool {
        !self.suppressed && is_bad_status(&self.status)
    }

    /// 0 pass/manual/skip (or suppressed), 1 warn, 2 fail or error.
    fn rank(&self) -> u8 {
        if self.suppressed {
            return 0;
        }
        match self.status.as_str() {
            "warn" => 1,
            "fail" | "error" => 2,
            _ => 0,
        }
    }
}

fn is_bad_status(s: &str) -> bool {
    matches!(s, "fail" | "warn" | "error")
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// A setting of one target that changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SettingChange {
    pub target: String,
    pub name: String,
    /// `None`: not read in the earlier run.
    pub before: Option<String>,
    /// `None`: not read in the later run.
    pub after: Option<String>,
}

/// Who a target is, changed (a restart: `server_run_id`; an upgrade:
/// `version`; a failover: `role`; a move: `address`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IdentityChange {
    pub target: String,
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Two runs compared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunDiff {
    pub a: RunRef,
    pub b: RunRef,
    /// Failing (fail, warn, error) in B, not in A.
    pub new: Vec<FindingChange>,
    /// Failing in A, passing or gone in B (targets that went left out).
    pub fixed: Vec<FindingChange>,
    /// In both, with another status or severity (not counted in `new` or
    /// `fixed`: pass → fail is here, marked worse).
    pub changed: Vec<FindingChange>,
    pub targets_appeared: Vec<String>,
    pub targets_gone: Vec<String>,
    /// Audited in A, not in B (no connection, discovery kept the login).
    pub became_unaudited: Vec<String>,
    /// Not audited in A, audited in B.
    pub became_audited: Vec<String>,
    pub identity: Vec<IdentityChange>,
    pub settings: Vec<SettingChange>,
    /// Something got worse: a new failing finding, a finding that went
    /// from passing to failing (or to a higher severity), a target that
    /// could no longer be audited.
    pub worse: bool,
}

impl RunDiff {
    /// Nothing at all changed.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.fixed.is_empty()
            && self.changed.is_empty()
            && self.targets_appeared.is_empty()
            && self.targets_gone.is_empty()
            && self.became_unaudited.is_empty()
            && self.became_audited.is_empty()
            && self.identity.is_empty()
            && self.settings.is_empty()
    }
}

fn run_ref(r: &RunRecord) -> RunRef {
    RunRef {
        run_id: r.run_id.clone(),
        started_at: r.started_at,
        targets: r.targets.len(),
    }
}

/// Compare run `a` (earlier) with run `b` (later).
pub fn diff(a: &RunRecord, b: &RunRecord) -> RunDiff {
    let mut d = RunDiff {
        a: run_ref(a),
        b: run_ref(b),
        ..RunDiff::default()
    };
    targets(a, b, &mut d);
    let gone_names = d.targets_gone.clone();
    let gone: HashSet<&str> = gone_names.iter().map(String::as_str).collect();
    findings(a, b, &gone, &mut d);
    d.worse = !d.became_unaudited.is_empty()
        || d.new.iter().any(|c| c.worse)
        || d.changed.iter().any(|c| c.worse);
    d
}

fn targets(a: &RunRecord, b: &RunRecord, d: &mut RunDiff) {
    let in_a: HashMap<&str, &TargetRecord> =
        a.targets.iter().map(|t| (t.name.as_str(), t)).collect();
    let in_b: HashMap<&str, &TargetRecord> =
        b.targets.iter().map(|t| (t.name.as_str(), t)).collect();
    for t in &a.targets {
        if !in_b.contains_key(t.name.as_str()) {
            d.targets_gone.push(t.name.clone());
        }
    }
    for tb in &b.targets {
        let Some(ta) = in_a.get(tb.name.as_str()) else {
            d.targets_appeared.push(tb.name.clone());
            continue;
        };
        match (ta.audited, tb.audited) {
            (true, false) => d.became_unaudited.push(tb.name.clone()),
            (false, true) => d.became_audited.push(tb.name.clone()),
            _ => {}
        }
        let fields = [
            ("address", &ta.address, &tb.address),
            ("server_run_id", &ta.server_run_id, &tb.server_run_id),
            ("version", &ta.version, &tb.version),
            ("role", &ta.role, &tb.role),
        ];
        for (field, before, after) in fields {
            // A side that was not read (an unaudited target) says nothing.
            if before != after && before.is_some() && after.is_some() {
                d.identity.push(IdentityChange {
                    target: tb.name.clone(),
                    field: field.into(),
                    before: before.clone(),
                    after: after.clone(),
                });
            }
        }
        // Settings: only when both runs read some (an unreachable server
        // has none, and that is not every setting gone).
        if ta.settings.is_empty() || tb.settings.is_empty() {
            continue;
        }
        if is_sorted(&ta.settings) && is_sorted(&tb.settings) {
            // As recorded (sorted, one value a name): one walk of both.
            settings_merged(&tb.name, &ta.settings, &tb.settings, d);
            continue;
        }
        let sa: HashMap<&str, &str> = ta
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sb: HashMap<&str, &str> = tb
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut changes: Vec<SettingChange> = Vec::new();
        for (k, v) in &tb.settings {
            match sa.get(k.as_str()) {
                Some(old) if *old == v.as_str() => {}
                old => changes.push(SettingChange {
                    target: tb.name.clone(),
                    name: k.clone(),
                    before: old.map(|s| s.to_string()),
                    after: Some(v.clone()),
                }),
            }
        }
        for (k, v) in &ta.settings {
            if !sb.contains_key(k.as_str()) {
                changes.push(SettingChange {
                    target: tb.name.clone(),
                    name: k.clone(),
                    before: Some(v.clone()),
                    after: None,
                });
            }
        }
        changes.sort_by(|x, y| x.name.cmp(&y.name));
        d.settings.extend(changes);
    }
}

/// Strictly sorted by name (so no name twice).
fn is_sorted(s: &[(String, String)]) -> bool {
    s.windows(2).all(|w| w[0].0 < w[1].0)
}

/// The settings that changed between two sorted lists, sorted by name:
/// what the maps of [`targets`] find, without building them.
fn settings_merged(target: &str, a: &[(String, String)], b: &[(String, String)], d: &mut RunDiff) {
    let change = |name: &str, before: Option<&String>, after: Option<&String>| SettingChange {
        target: target.to_string(),
        name: name.to_string(),
        before: before.cloned(),
        after: after.cloned(),
    };
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                std::cmp::Ordering::Less => {
                    d.settings.push(change(ka, Some(va), None));
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    d.settings.push(change(kb, None, Some(vb)));
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    if va != vb {
                        d.settings.push(change(kb, Some(va), Some(vb)));
                    }
                    i += 1;
                    j += 1;
                }
            },
            (Some((ka, va)), None) => {
                d.settings.push(change(ka, Some(va), None));
                i += 1;
            }
            (None, Some((kb, vb))) => {
                d.settings.push(change(kb, None, Some(vb)));
                j += 1;
            }
            (None, None) => break,
        }
    }
}

fn change(fa: Option<&FindingRecord>, fb: Option<&FindingRecord>, worse: bool) -> FindingChange {
    let any = fb.or(fa);
    FindingChange {
        target: any.map(|f| f.target.clone()).unwrap_or_default(),
        check_id: any.map(|f| f.check_id.clone()).unwrap_or_default(),
        fingerprint: any.map(|f| f.fingerprint.clone()).unwrap_or_default(),
        before: fa.map(State::of),
        after: fb.map(State::of),
        message: any.map(|f| f.message.clone()).unwrap_or_default(),
        worse,
    }
}

/// Counts against the target ([`State::is_bad`], read in place).
fn is_bad(f: &FindingRecord) -> bool {
    !f.suppressed && is_bad_status(&f.status)
}

/// A finding in both runs: a change when its status or severity differs.
fn compare(fa: &FindingRecord, fb: &FindingRecord, d: &mut RunDiff) {
    // Most findings did not change: compared in place, nothing copied.
    if fa.status == fb.status && fa.severity == fb.severity && fa.suppressed == fb.suppressed {
        return;
    }
    let (sa, sb) = (State::of(fa), State::of(fb));
    let worse = sb.rank() > sa.rank()
        || (sb.is_bad() && severity_rank(&sb.severity) > severity_rank(&sa.severity));
    d.changed.push(change(Some(fa), Some(fb), worse));
}

fn findings(a: &RunRecord, b: &RunRecord, gone: &HashSet<&str>, d: &mut RunDiff) {
    // 1. The same finding (its fingerprint: check, target, what was seen).
    // One map entry per fingerprint (first and last index), repeats
    // chained through `next` in order: no allocation per finding.
    const END: usize = usize::MAX;
    let mut by_fp: HashMap<&str, (usize, usize)> = HashMap::with_capacity(a.findings.len());
    let mut next = vec![END; a.findings.len()];
    for (i, f) in a.findings.iter().enumerate() {
        match by_fp.get_mut(f.fingerprint.as_str()) {
            Some((_, tail)) => {
                next[*tail] = i;
                *tail = i;
            }
            None => {
                by_fp.insert(f.fingerprint.as_str(), (i, i));
            }
        }
    }
    let mut used_a = vec![false; a.findings.len()];
    let mut rest_b: Vec<usize> = Vec::new();
    for (j, fb) in b.findings.iter().enumerate() {
        let hit = match by_fp.get_mut(fb.fingerprint.as_str()) {
            Some((head, _)) if *head != END => {
                let i = *head;
                *head = next[i];
                Some(i)
            }
            _ => None,
        };
        match hit {
            Some(i) => {
                used_a[i] = true;
                compare(&a.findings[i], fb, d);
            }
            None => rest_b.push(j),
        }
    }
    // 2. The same check on the same target, seen differently (a setting
    // changed, so the observed value and the fingerprint did): paired in
    // order.
    let mut by_check: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, f) in a.findings.iter().enumerate() {
        if !used_a[i] && !rest_b.is_empty() {
            by_check
                .entry((f.target.as_str(), f.check_id.as_str()))
                .or_default()
                .push(i);
        }
    }
    for v in by_check.values_mut() {
        v.reverse();
    }
    for j in rest_b {
        let fb = &b.findings[j];
        let hit = by_check
            .get_mut(&(fb.target.as_str(), fb.check_id.as_str()))
            .and_then(Vec::pop);
        match hit {
            Some(i) => {
                used_a[i] = true;
                compare(&a.findings[i], fb, d);
            }
            // 3. Only in B.
            None => {
                if is_bad(fb) {
                    d.new.push(change(None, Some(fb), true));
                }
            }
        }
    }
    // Only in A: fixed, unless its target went.
    for (i, fa) in a.findings.iter().enumerate() {
        if !used_a[i] && is_bad(fa) && !gone.contains(fa.target.as_str()) {
            d.fixed.push(change(Some(fa), None, false));
        }
    }
    // A failing finding that now passes (or is accepted) is listed once,
    // as fixed.
    let (to_fixed, kept): (Vec<FindingChange>, Vec<FindingChange>) =
        std::mem::take(&mut d.changed).into_iter().partition(|c| {
            c.before.as_ref().is_some_and(State::is_bad)
                && !c.after.as_ref().is_some_and(State::is_bad)
        });
    d.fixed.extend(to_fixed);
    d.changed = kept;
    for v in [&mut d.new, &mut d.fixed, &mut d.changed] {
        v.sort_by(|x, y| (&x.target, &x.check_id).cmp(&(&y.target, &y.check_id)));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn f(target: &str, id: &str, status: &str, observed: &str) -> FindingRecord {
        FindingRecord {
            target: target.into(),
            check_id: id.into(),
            severity: "high".into(),
            status: status.into(),
            message: format!("{id} {status}"),
            evidence_json: "[]".into(),
            fingerprint: rampart_policy::fingerprint_of(&[id, target, observed]),
            suppressed: false,
        }
    }

    fn t(name: &str, settings: &[(&str, &str)]) -> TargetRecord {
        TargetRecord {
            name: name.into(),
            kind: "server".into(),
            audited: true,
            version: Some("redis 7.2.6".into()),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..TargetRecord::default()
        }
    }

    fn run(id: &str, targets: Vec<TargetRecord>, findings: Vec<FindingRecord>) -> RunRecord {
        RunRecord {
            run_id: id.into(),
            targets,
            findings,
            ..RunRecord::default()
        }
    }

    #[test]
    fn the_same_runs_have_no_difference() {
        let a = run(
            "a",
            vec![t("s1", &[("port", "6379")])],
            vec![f("s1", "NET001", "fail", "x")],
        );
        let d = diff(&a, &a);
        assert!(d.is_empty(), "{d:?}");
        assert!(!d.worse);
    }

    #[test]
    fn new_fixed_changed_and_drift() {
        let a = run(
            "a",
            vec![
                t(
                    "s1",
                    &[("protected-mode", "yes"), ("maxmemory", "0"), ("save", "")],
                ),
                t("s2", &[]),
            ],
            vec![
                f("s1", "NET002", "pass", "protected-mode yes"),
                f("s1", "AUTH001", "fail", "no password"),
                f("s1", "LOG001", "warn", "x"),
                f("s1", "TLS001", "pass", "x"),
                f("s2", "NET001", "fail", "x"),
            ],
        );
        let mut b = run(
            "b",
            vec![
                t(
                    "s1",
                    &[
                        ("protected-mode", "no"),
                        ("maxmemory", "0"),
                        ("appendonly", "yes"),
                    ],
                ),
                t("s3", &[]),
            ],
            vec![
                // pass → fail, seen differently: changed, worse.
                f("s1", "NET002", "fail", "protected-mode no"),
                // fixed.
                f("s1", "AUTH001", "pass", "no password"),
                // warn → fail: worse.
                f("s1", "LOG001", "fail", "x"),
                // gone entirely: not in B (TLS001 pass): nothing.
                // new.
                f("s1", "ACL002", "fail", "x"),
                // On a new target.
                f("s3", "NET001", "fail", "x"),
            ],
        );
        b.targets[0].version = Some("redis 7.4.1".into());
        let d = diff(&a, &b);
        assert!(d.worse);
        let ids = |v: &[FindingChange]| v.iter().map(|c| c.check_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.new), ["ACL002", "NET001"]);
        assert_eq!(ids(&d.fixed), ["AUTH001"]);
        assert_eq!(ids(&d.changed), ["LOG001", "NET002"]);
        assert!(d.changed.iter().all(|c| c.worse));
        assert_eq!(d.targets_appeared, ["s3"]);
        assert_eq!(d.targets_gone, ["s2"]);
        let s: Vec<(String, Option<String>, Option<String>)> = d
            .settings
            .iter()
            .map(|c| (c.name.clone(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            s,
            [
                ("appendonly".into(), None, Some("yes".into())),
                (
                    "protected-mode".into(),
                    Some("yes".into()),
                    Some("no".into())
                ),
                ("save".into(), Some(String::new()), None),
            ]
        );
        assert_eq!(d.identity.len(), 1);
        assert_eq!(d.identity[0].field, "version");
    }

    #[test]
    fn only_fixes_are_not_worse_and_suppression_is_not_a_failure() {
        let a = run(
            "a",
            vec![t("s1", &[])],
            vec![
                f("s1", "AUTH001", "fail", "x"),
                f("s1", "NET001", "fail", "y"),
            ],
        );
        let mut b = run(
            "b",
            vec![t("s1", &[])],
            vec![f("s1", "NET001", "fail", "y")],
        );
        b.findings[0].suppressed = true;
        let mut w = f("s1", "LOG001", "warn", "z");
        w.suppressed = true;
        b.findings.push(w);
        let d = diff(&a, &b);
        assert!(!d.worse, "{d:?}");
        // AUTH001 gone, NET001 accepted: both fixed; the suppressed warning is not new.
        assert_eq!(d.fixed.len(), 2);
        assert!(d.new.is_empty());
    }

    #[test]
    fn a_target_no_longer_audited_is_worse() {
        let a = run("a", vec![t("s1", &[("port", "1")])], vec![]);
        let mut b = run("b", vec![t("s1", &[])], vec![]);
        b.targets[0].audited = false;
        b.targets[0].version = None;
        let d = diff(&a, &b);
        assert!(d.worse);
        assert_eq!(d.became_unaudited, ["s1"]);
        // Its settings were not read: not every setting gone.
        assert!(d.settings.is_empty());
        assert!(d.identity.is_empty());
    }

    #[test]
    fn sorted_settings_are_walked_as_the_maps_would_find_them() {
        let a = [("a", "1"), ("b", "2"), ("d", ""), ("e", "5"), ("z", "9")];
        let b = [("b", "2"), ("c", "3"), ("d", "4"), ("e", "5"), ("y", "8")];
        let sorted = diff(
            &run("a", vec![t("s1", &a)], vec![]),
            &run("b", vec![t("s1", &b)], vec![]),
        );
        // The same settings out of order take the maps' way.
        let (mut ra, mut rb) = (a, b);
        ra.reverse();
        rb.swap(0, 4);
        let unsorted = diff(
            &run("a", vec![t("s1", &ra)], vec![]),
            &run("b", vec![t("s1", &rb)], vec![]),
        );
        assert!(is_sorted(&t("s1", &a).settings));
        assert!(!is_sorted(&t("s1", &ra).settings) && !is_sorted(&t("s1", &rb).settings));
        assert_eq!(sorted.settings, unsorted.settings);
        let names: Vec<&str> = sorted.settings.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "c", "d", "y", "z"]);
    }

    #[test]
    fn a_severity_raised_on_a_failure_is_worse() {
        let a = run("a", vec![t("s1", &[])], vec![f("s1", "X001", "fail", "x")]);
        let mut b = a.clone();
        b.findings[0].severity = "critical".into();
        let d = diff(&a, &b);
        assert!(d.worse);
        assert_eq!(d.changed.len(), 1);
    }
}
