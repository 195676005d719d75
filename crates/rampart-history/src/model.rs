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
