//! The record's schema, as an ordered list of migrations both backends
//! apply: step `i` takes a record from version `i` to version `i + 1`.
//! Portable SQL only (TEXT, BIGINT, no AUTOINCREMENT: run ids are made by
//! rampart, see [`crate::model::new_run_id`]), one statement per string, so
//! PostgreSQL runs the same steps as SQLite. SQLite keeps the version in
//! `PRAGMA user_version`; PostgreSQL in a table of its own.
//!
//! Never edit a released step: add one. (`"user"` is quoted: a reserved
//! word in PostgreSQL; SQLite names the column `user` all the same.)

/// Version 1 (rampart 0.1): rotations and ACL reviews, for MNT001/MNT002.
const V1: &[&str] = &[
    "CREATE TABLE rotations(
        server TEXT NOT NULL,
        \"user\" TEXT NOT NULL,
        rotated_at INTEGER NOT NULL,
        tool_version TEXT NOT NULL
    )",
    "CREATE INDEX rotations_server_user ON rotations(server, \"user\")",
    "CREATE TABLE reviews(
        server TEXT NOT NULL,
        reviewed_at INTEGER NOT NULL,
        users INTEGER NOT NULL
    )",
    "CREATE INDEX reviews_server ON reviews(server)",
];

/// Version 2: every audit run, its targets, findings and settings.
const V2: &[&str] = &[
    // One row per run; the counts are those of the findings that count
    // (suppressed ones left out), kept so a listing reads one table.
    // `targets_key` names the set of targets (fingerprint of the sorted
    // names): "the previous run of the same targets" is one lookup; that
    // run and the failing findings new and fixed since it are worked out
    // when the run is recorded ([`crate::model::new_and_fixed`]), so a
    // listing reads no finding.
    "CREATE TABLE runs(
        run_id TEXT PRIMARY KEY,
        started_at BIGINT NOT NULL,
        finished_at BIGINT NOT NULL,
        rampart_version TEXT NOT NULL,
        advisory_data TEXT NOT NULL,
        shard TEXT,
        host TEXT NOT NULL,
        targets_key TEXT NOT NULL,
        target_count BIGINT NOT NULL,
        unaudited BIGINT NOT NULL,
        pass BIGINT NOT NULL,
        fail BIGINT NOT NULL,
        warn BIGINT NOT NULL,
        error BIGINT NOT NULL,
        previous_run TEXT,
        new_count BIGINT,
        fixed_count BIGINT
    )",
    "CREATE INDEX runs_started ON runs(started_at)",
    "CREATE INDEX runs_targets_key ON runs(targets_key, started_at)",
    "CREATE TABLE targets(
        run_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        address TEXT,
        server_run_id TEXT,
        version TEXT,
        role TEXT,
        audited BIGINT NOT NULL,
        PRIMARY KEY(run_id, seq)
    )",
    "CREATE INDEX targets_name ON targets(name, run_id)",
    "CREATE TABLE findings(
        run_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        target TEXT NOT NULL,
        check_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        evidence TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        suppressed BIGINT NOT NULL,
        PRIMARY KEY(run_id, seq)
    )",
    "CREATE INDEX findings_fingerprint ON findings(fingerprint, run_id)",
    // A target's settings as one JSON object (name → value, sorted,
    // secret settings never written): read and compared whole.
    "CREATE TABLE target_settings(
        run_id TEXT NOT NULL,
        target TEXT NOT NULL,
        settings TEXT NOT NULL,
        PRIMARY KEY(run_id, target)
    )",
];

/// Every step, in order: `MIGRATIONS[i]` takes version `i` to `i + 1`.
pub const MIGRATIONS: &[&[&str]] = &[V1, V2];

/// The schema this rampart writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Every table rampart creates (a store holding others is not rampart's).
pub const TABLES: &[&str] = &[
    "rotations",
    "reviews",
    "runs",
    "targets",
    "findings",
    "target_settings",
];

/// Queries both backends run as written: `$1`, `$2` placeholders (SQLite
/// binds them by position too).
pub mod query {
    /// The run before `$2` of the same targets (`$1`: targets_key).
    pub const PREVIOUS: &str = "SELECT run_id FROM runs WHERE targets_key = $1 AND run_id < $2 ORDER BY run_id DESC LIMIT 1";

    /// The fingerprints of the findings of run `$1` that count and are
    /// not passing (fail, warn, error).
    pub const BAD_FINGERPRINTS: &str = "SELECT fingerprint FROM findings WHERE run_id = $1 AND suppressed = 0 AND status IN ('fail', 'warn', 'error')";
}
