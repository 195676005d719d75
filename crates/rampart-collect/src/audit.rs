//! An audit's last steps before rendering: the files target's snapshot
//! (with the host facts left out when the files are not this host's), and
//! the report: every check on every snapshot, the policy applied.

use crate::history::{collect_history, HistoryQuery};
use crate::live_audit::config_history_names;
use crate::{checkout_of, collect_files, leave_out_host_facts, FilesTarget};
use rampart_checks::{run_all, Avail, Snapshot};
use rampart_policy::{inline, Policy};
use rampart_report::{Report, Target};
use redis_advisories::Currency;
use std::sync::Arc;

/// A config that cannot be read: nothing of its target can be audited,
/// which is rampart failing, not a finding.
#[derive(Debug, thiserror::Error)]
#[error("cannot audit {config}: {why}")]
pub struct AuditError {
    config: String,
    why: String,
}

/// Whether a files target's host facts (owners, modes, host settings) are judged.
#[derive(Clone, Copy, Debug)]
pub enum HostFacts<'a> {
    /// Judged: the files are this host's live files.
    Judge,
    /// Judged unless the config lies in a git checkout outside the host's files.
    UnlessCheckout,
    /// Left out, with the reason the report gives.
    LeaveOut(&'a str),
}

/// One files target: its config, ACL file and sentinel.conf, and the
/// history of the names it is recorded under.
pub fn files_snapshot(
    target: &FilesTarget,
    history: &HistoryQuery,
    host: HostFacts<'_>,
) -> Result<Snapshot, AuditError> {
    let mut snapshot = collect_files(target);
    snapshot.history = collect_history(history, &config_history_names(&target.config));
    if let Avail::Failed(e) = &snapshot.conf {
        return Err(AuditError {
            config: target.config.display().to_string(),
            why: e.to_string(),
        });
    }
    match host {
        HostFacts::Judge => {}
        HostFacts::LeaveOut(why) => leave_out_host_facts(&mut snapshot, why),
        HostFacts::UnlessCheckout => {
            if let Some(repo) = checkout_of(&target.config) {
                leave_out_host_facts(
                    &mut snapshot,
                    &format!(
                        "the config lies in the git checkout {}, not among this host's live files: their owners, modes and host settings are not judged (audit the host's own copy for those)",
                        repo.display()
                    ),
                );
            }
        }
    }
    Ok(snapshot)
}

/// A finished audit before rendering: the report with the policy applied,
/// the targets that could not be audited, and the snapshots it was made of
/// (their facts: identity, settings) for the record and for `watch`.
pub struct Assembled {
    pub report: Report,
    /// Targets that could not be audited (no connection, or discovery kept
    /// the login from them).
    pub unaudited: Vec<String>,
    pub snapshots: Vec<Snapshot>,
}

/// Run every check on every snapshot (each with its kind of target:
/// "files", "live", "not-contacted", ...) as of `now`, judged with
/// `currency`, and apply the policy with the suppression comments of the
/// config files the snapshots read.
pub fn assemble(
    snapshots: Vec<(Snapshot, &str)>,
    policy: &Policy,
    currency: &Arc<Currency>,
    now: i64,
) -> Assembled {
    let comments = inline_comments(snapshots.iter().map(|(s, _)| s));
    let mut report = Report::default();
    let mut unaudited: Vec<String> = Vec::new();
    let mut kept = Vec::with_capacity(snapshots.len());
    for (mut snapshot, kind) in snapshots {
        if kind == "not-contacted" || matches!(snapshot.live, Avail::Failed(_)) {
            unaudited.push(snapshot.target.clone());
        }
        snapshot.now = Some(now);
        snapshot.currency = Some(currency.clone());
        report.findings.extend(run_all(&snapshot));
        report.problems.extend(
            snapshot
                .input_problems()
                .into_iter()
                .map(|p| (snapshot.target.clone(), p)),
        );
        report.targets.push(Target {
            name: snapshot.target.clone(),
            kind: kind.into(),
            version: snapshot
                .version
                .as_ref()
                .map(rampart_report::TargetVersion::of),
        });
        kept.push(snapshot);
    }
    let applied = policy.apply(&mut report.findings, &comments);
    report.suppressions = applied.suppressions;
    report.problems.extend(applied.problems);
    Assembled {
        report,
        unaudited,
        snapshots: kept,
    }
}

/// The suppression comments in the config files the snapshots read, as
/// their loader kept them (no second read: the comments are those of the
/// bytes judged); a file two snapshots share counts once.
fn inline_comments<'a>(snapshots: impl Iterator<Item = &'a Snapshot>) -> Vec<inline::Comment> {
    let mut out = Vec::new();
    for s in snapshots {
        if let Some(c) = s.conf.get() {
            out.extend(inline::from_config(&c.config));
        }
        if let Some(sf) = s.sentinel.get() {
            out.extend(inline::from_config(&sf.config));
        }
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out.dedup_by(|a, b| a.file == b.file && a.line == b.line);
    out
}
