//! rampart's local history: when each password was rotated (`rampart
//! rotate`) and when the ACL users were reviewed (`rampart acl review
//! --record`), for MNT001 and MNT002. SQLite, one file, mode 0600 in a
//! 0700 directory. Names and dates only: never a password or a hash.

use rampart_checks::{Avail, HistoryFacts, HISTORY_ABSENT};
use rampart_history::store::redact_url;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

// The store itself lives in `rampart-history`; these names stay here for
// the callers that had them.
pub use rampart_history::schema::SCHEMA_VERSION;
pub use rampart_history::{default_path, now, resolve_path, History, HistoryError};
// A file or a postgres:// URL, for the writers (rotate, acl review --record).
pub use rampart_history::{open as open_store, HistorySpec, Store};

/// What the audit asks of the history.
#[derive(Clone, Debug)]
pub struct HistoryQuery {
    /// The file or `postgres://` URL (`None`: no location known).
    pub path: Option<PathBuf>,
    pub now: i64,
    pub rotation_days: u32,
    pub review_days: u32,
    /// The record, opened at the first target and shared by the run's
    /// others (clones share it): a fleet audit opens the file or connects
    /// once, not once per target. A new query opens it anew, so `watch`
    /// sees a record that appeared or came back since its last run.
    pub opened: OpenedRecord,
}

impl HistoryQuery {
    pub fn new(path: Option<PathBuf>, now: i64, rotation_days: u32, review_days: u32) -> Self {
        HistoryQuery {
            path,
            now,
            rotation_days,
            review_days,
            opened: OpenedRecord::default(),
        }
    }
}

/// See [`HistoryQuery::opened`].
#[derive(Clone, Default)]
pub struct OpenedRecord(Arc<Mutex<Option<Opened>>>);

impl std::fmt::Debug for OpenedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenedRecord")
    }
}

/// What opening the record found.
enum Opened {
    /// No record, or one with audit runs only: the reason to give.
    Absent,
    Failed(String),
    /// A record with rotations or reviews, and the place shown in evidence
    /// (a URL without its password).
    Store(Box<dyn Store + Send>, PathBuf),
}

/// Open the record at `path` and see whether it holds maintenance.
fn open_record(path: &Path) -> Opened {
    let (mut store, place): (Box<dyn Store + Send>, PathBuf) =
        match HistorySpec::parse(&path.to_string_lossy()) {
            // A URL: the team's record in PostgreSQL.
            HistorySpec::Postgres(url) => match rampart_history::PgStore::open(&url) {
                Ok(s) => (Box::new(s), PathBuf::from(redact_url(&url))),
                Err(e) => return Opened::Failed(e.to_string()),
            },
            HistorySpec::Sqlite(_) => match History::open_read(path) {
                Ok(Some(h)) => (Box::new(h), path.to_path_buf()),
                Ok(None) => return Opened::Absent,
                Err(e) => return Opened::Failed(e.to_string()),
            },
        };
    match store.has_maintenance() {
        // Audit runs only: nothing rotated or reviewed with rampart yet.
        Ok(false) => Opened::Absent,
        Ok(true) => Opened::Store(store, place),
        Err(e) => Opened::Failed(e.to_string()),
    }
}

/// The name `acl review --record` keeps a review under, as the audit
/// looks it up (MNT002): `--server` when given, a live target as
/// host:port, else the config file's first history name; `None` when
/// there is nothing to name it by.
pub fn review_name(
    server: Option<&str>,
    live_target: Option<&str>,
    config: Option<&Path>,
) -> Option<String> {
    if let Some(s) = server {
        return Some(s.to_string());
    }
    if let Some(t) = live_target.and_then(|t| rampart_live::target::parse(t, 6379).ok()) {
        return Some(t.endpoint.to_string());
    }
    crate::live_audit::config_history_names(config?)
        .into_iter()
        .next()
}

/// Record a review of `users` ACL users of `server`, now, in the history
/// at `location` (a file or a `postgres://` URL; `None`: `$RAMPART_HISTORY`
/// or the default file). Returns how the history is named (no password).
pub fn record_review(
    location: Option<&Path>,
    server: &str,
    users: usize,
) -> Result<String, HistoryError> {
    let path = resolve_path(location).ok_or_else(|| {
        HistoryError::Unsupported(
            "no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history FILE"
                .into(),
        )
    })?;
    // A file, or the team's record at a postgres:// URL.
    let spec = HistorySpec::parse(&path.to_string_lossy());
    let mut h = open_store(&spec)?;
    h.record_review(server, now(), u32::try_from(users).unwrap_or(u32::MAX))?;
    Ok(spec.display())
}

/// The history facts of one target, recorded under any of `servers`
/// (the first is the name shown). The record is only read: an absent one
/// is `Absent`, an unreadable or corrupt one `Failed`.
pub fn collect_history(q: &HistoryQuery, servers: &[String]) -> Avail<HistoryFacts> {
    let Some(path) = &q.path else {
        return Avail::absent(format!(
            "{HISTORY_ABSENT} (no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history)"
        ));
    };
    let Ok(mut opened) = q.opened.0.lock() else {
        return Avail::Failed("the history is unusable (a thread panicked)".into());
    };
    let opened = opened.get_or_insert_with(|| open_record(path));
    let (store, place) = match opened {
        Opened::Absent => return Avail::absent(HISTORY_ABSENT),
        Opened::Failed(e) => return Avail::Failed(e.clone()),
        Opened::Store(store, place) => (store, place),
    };
    match store.lookup(servers) {
        Ok((rotations, last_review)) => Avail::Present(HistoryFacts {
            path: place.clone(),
            server: servers.first().cloned().unwrap_or_default(),
            now: q.now,
            rotation_days: q.rotation_days,
            review_days: q.review_days,
            rotations,
            last_review,
        }),
        Err(e) => Avail::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rampart_checks::{ReviewRecord, RotationRecord};
    use rusqlite::Connection;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn query(path: &Path) -> HistoryQuery {
        HistoryQuery::new(Some(path.to_path_buf()), 2_000_000, 90, 90)
    }

    #[test]
    fn records_and_reads_back_with_private_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state/rampart/history.sqlite");
        let h = History::open(&path).unwrap();
        h.record_rotation("127.0.0.1:7000", "app", 1_000, "0.1.0")
            .unwrap();
        h.record_rotation("127.0.0.1:7000", "app", 1_500, "0.1.0")
            .unwrap();
        h.record_rotation("127.0.0.1:7001", "ops", 900, "0.1.0")
            .unwrap();
        h.record_review("127.0.0.1:7000", 1_200, 3).unwrap();
        h.record_review("127.0.0.1:7000", 1_100, 2).unwrap();
        drop(h);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let Avail::Present(f) = collect_history(&query(&path), &["127.0.0.1:7000".into()]) else {
            panic!()
        };
        assert_eq!(f.rotations.len(), 1);
        assert_eq!(
            f.rotations["app"],
            RotationRecord {
                count: 2,
                last: 1_500
            }
        );
        assert_eq!(
            f.last_review,
            Some(ReviewRecord {
                at: 1_200,
                users: 3
            })
        );
        // Aliases of one server are merged.
        let Avail::Present(f) = collect_history(
            &query(&path),
            &["127.0.0.1:7000".into(), "127.0.0.1:7001".into()],
        ) else {
            panic!()
        };
        assert_eq!(f.rotations.len(), 2);
        assert_eq!(f.server, "127.0.0.1:7000");
    }

    #[test]
    fn a_file_of_audit_runs_only_is_no_history_yet() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("h.sqlite");
        let mut h = History::open(&path).unwrap();
        rampart_history::Store::record_run(
            &mut h,
            &rampart_history::RunRecord {
                run_id: "20261202T000000.000000Z-aa".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let a = collect_history(&query(&path), &["x".into()]);
        assert!(
            matches!(&a, Avail::Absent(r) if r == HISTORY_ABSENT),
            "{a:?}"
        );
        h.record_review("elsewhere", 1, 1).unwrap();
        let a = collect_history(&query(&path), &["x".into()]);
        assert!(matches!(&a, Avail::Present(_)), "{a:?}");
    }

    #[test]
    fn absent_file_is_absent_and_not_created() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("none.sqlite");
        let a = collect_history(&query(&path), &["x".into()]);
        assert!(
            matches!(&a, Avail::Absent(r) if r == HISTORY_ABSENT),
            "{a:?}"
        );
        assert!(!path.exists());
        let a = collect_history(
            &HistoryQuery {
                path: None,
                ..query(&path)
            },
            &["x".into()],
        );
        assert!(matches!(a, Avail::Absent(_)));
    }

    #[test]
    fn corrupt_and_foreign_files_are_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let garbage = tmp.path().join("garbage.sqlite");
        std::fs::write(&garbage, vec![0x5a_u8; 8192]).unwrap();
        let Avail::Failed(e) = collect_history(&query(&garbage), &["x".into()]) else {
            panic!()
        };
        assert!(e.contains("not a rampart history, or is corrupt"), "{e}");
        let err = History::open(&garbage).unwrap_err().to_string();
        assert!(err.contains("corrupt"), "{err}");

        // A truncated database: the header survives, the pages do not.
        let good = tmp.path().join("good.sqlite");
        let h = History::open(&good).unwrap();
        for i in 0..200 {
            h.record_rotation(&format!("host{i}:6379"), "app", i, "0.1.0")
                .unwrap();
        }
        drop(h);
        let bytes = std::fs::read(&good).unwrap();
        let cut = tmp.path().join("cut.sqlite");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let a = collect_history(&query(&cut), &["host150:6379".into()]);
        assert!(matches!(a, Avail::Failed(_)), "{a:?}");

        // Someone else's SQLite database.
        let other = tmp.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        let Avail::Failed(e) = collect_history(&query(&other), &["x".into()]) else {
            panic!()
        };
        assert!(e.contains("tables rampart did not create"), "{e}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("h.sqlite");
        drop(History::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 7")
            .unwrap();
        let err = History::open(&path).unwrap_err().to_string();
        assert!(err.contains("newer rampart (schema version 7"), "{err}");
        let Avail::Failed(e) = collect_history(&query(&path), &["x".into()]) else {
            panic!()
        };
        assert!(e.contains("upgrade rampart"), "{e}");
    }
}
