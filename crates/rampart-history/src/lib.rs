//! rampart's record. Every audit run (targets with their identity, every
//! finding with its status, evidence and fingerprint, the server settings
//! read), every rotation and every ACL review, in one schema that two
//! backends share: SQLite, the embedded default (one file, 0600), and
//! PostgreSQL for a team (`--history postgres://...`), where several
//! rampart runs on several machines write their shares of a fleet and
//! every read command reads the union.
//!
//! Nothing secret is stored: no password, no hash, no value of a secret
//! setting (the same list `redis-conf` keeps), only names, statuses and
//! evidence that the report itself shows.
// Libraries never print: they return values; only the binary writes.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod build;
pub mod diff;
pub mod model;
mod pg_tls;
pub mod postgres;
pub mod render;
pub mod schema;
pub mod sqlite;
pub mod store;
pub mod trends;

pub use model::{new_run_id, FindingRecord, RunFilter, RunRecord, RunSummary, TargetRecord};
pub use postgres::PgStore;
pub use sqlite::{default_path, now, resolve_path, History};
pub use store::{open, open_read, resolve, resolve_for_diff, HistoryError, HistorySpec, Store};
