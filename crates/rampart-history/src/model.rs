//! What one audit run leaves in the record. Plain data: the binary builds
//! it from the report it rendered, the backends store and load it, `diff`
//! compares two of them.

use serde::{Deserialize, Serialize};

/// One `rampart audit` (or one round of `rampart watch`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Made by rampart when the run starts: sortable by time, unique across
    /// machines (`20261202T043512Z-3fa9c1d2`).
    pub run_id: String,
    /// Unix seconds.
    pub started_at: i64,
    pub finished_at: i64,
    /// rampart's version.
    pub rampart_version: String,
    /// The advisory data's review date (`2026-12-02`).
    pub advisory_data: String,
    /// `K/N` when the run audited one shard of an inventory.
    pub shard: Option<String>,
    /// The host rampart ran on.
    pub host: String,
    pub targets: Vec<TargetRecord>,
    pub findings: Vec<FindingRecord>,
}

/// One audited target and who it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRecord {
    /// The target's name as the report shows it.
    pub name: String,
    /// `files`, `server`, `sentinel`, ...
    pub kind: String,
    /// `host:port` as connected, for a live target.
    pub address: Option<String>,
    /// INFO `run_id` (changes at each restart).
    pub server_run_id: Option<String>,
    /// `redis 7.2.6`, `valkey 8.0.1`.
    pub version: Option<String>,
    /// `master`, `replica`, `sentinel`, ...
    pub role: Option<String>,
    /// False when the target could not be audited (no connection, or
    /// discovery kept the login from it).
    pub audited: bool,
    /// Server settings as read (CONFIG GET, or the config file's effective
    /// values), secret settings left out: name → value, sorted.
    pub settings: Vec<(String, String)>,
}

/// One finding of one target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    pub target: String,
    pub check_id: String,
    /// `critical` ... `info`.
    pub severity: String,
    /// `pass`, `fail`, `warn`, `manual`, `skip`, `error`.
    pub status: String,
    pub message: String,
    /// The evidence as the JSON report shows it (scrubbed).
    pub evidence_json: String,
    /// `rampart_policy::fingerprint`: the same finding across runs.
    pub fingerprint: String,
    /// Accepted by a suppression (reported, not counted).
    pub suppressed: bool,
}

/// A run in a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run_id: String,
    pub started_at: i64,
    pub finished_at: i64,
    pub shard: Option<String>,
    pub host: String,
    pub targets: usize,
    pub unaudited: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub error: usize,
    /// The key of its set of targets ([`RunRecord::targets_key`]).
    pub targets_key: String,
    /// The previous run of the same targets, when there is one.
    pub previous: Option<String>,
    /// Failing (fail, warn, error) findings not in the previous run.
    pub new: Option<usize>,
    /// Failing findings of the previous run that are no longer failing.
    pub fixed: Option<usize>,
}

/// Which runs a listing shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// At most this many, newest first.
    pub limit: Option<usize>,
    /// Only runs that audited this target.
    pub target: Option<String>,
    /// Only runs started at or after (unix seconds).
    pub since: Option<i64>,
}

impl RunRecord {
    /// The counts of the findings that count (suppressed ones left out).
    pub fn summary(&self) -> RunSummary {
        let mut s = RunSummary {
            run_id: self.run_id.clone(),
            started_at: self.started_at,
            finished_at: self.finished_at,
            shard: self.shard.clone(),
            host: self.host.clone(),
            targets: self.targets.len(),
            unaudited: self.targets.iter().filter(|t| !t.audited).count(),
            targets_key: self.targets_key(),
            ..RunSummary::default()
        };
        for f in self.findings.iter().filter(|f| !f.suppressed) {
            match f.status.as_str() {
                "pass" => s.pass += 1,
                "fail" => s.fail += 1,
                "warn" => s.warn += 1,
                "error" => s.error += 1,
                _ => {}
            }
        }
        s
    }

    /// The set of targets, as one key: runs of the same targets share it.
    pub fn targets_key(&self) -> String {
        targets_key(self.targets.iter().map(|t| t.name.as_str()))
    }
}

/// Failing findings (fail, warn, error; not suppressed) of `run` whose
/// fingerprint is not in `before` (the previous run's failing
/// fingerprints), and those of `before` no longer failing in `run`.
pub fn new_and_fixed(
    before: &std::collections::HashSet<String>,
    run: &RunRecord,
) -> (usize, usize) {
    let bad: std::collections::HashSet<&str> = run
        .findings
        .iter()
        .filter(|f| !f.suppressed && matches!(f.status.as_str(), "fail" | "warn" | "error"))
        .map(|f| f.fingerprint.as_str())
        .collect();
    let new = bad.iter().filter(|f| !before.contains(**f)).count();
    let fixed = before.iter().filter(|f| !bad.contains(f.as_str())).count();
    (new, fixed)
}

/// The key of a set of target names (order and repeats do not matter).
pub fn targets_key<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v.dedup();
    rampart_policy::fingerprint_of(&v)
}

/// A new run id: sortable by time (UTC, to the microsecond) and unique
/// across machines (64 random bits): `20261202T043512.123456Z-3fa9c1d2e4b5a697`.
pub fn new_run_id(now: std::time::SystemTime) -> String {
    let d = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut r = [0u8; 8];
    // Without randomness the time alone still orders runs.
    let _ = getrandom::fill(&mut r);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}.{:06}Z-{hex}",
        utc_compact(d.as_secs() as i64),
        d.subsec_micros()
    )
}

/// `20261202T043512` for unix seconds (UTC).
pub fn utc_compact(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = rampart_checks::utc_parts(secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}")
}

/// `2026-12-02 04:35:12` for unix seconds (UTC).
pub fn utc_display(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = rampart_checks::utc_parts(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_display(0), "1970-01-01 00:00:00");
        assert_eq!(utc_display(1_796_186_112), "2026-12-02 04:35:12");
        assert_eq!(utc_compact(951_782_400), "20000229T000000");
    }

    #[test]
    fn run_ids_sort_by_time_and_differ() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_186_112);
        let a = new_run_id(t);
        let b = new_run_id(t + std::time::Duration::from_micros(1));
        assert!(a.starts_with("20261202T043512.000000Z-"), "{a}");
        assert!(a < b);
        assert_ne!(new_run_id(t), new_run_id(t));
    }
}
