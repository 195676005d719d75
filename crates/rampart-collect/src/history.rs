//! rampart's local history: when each password was rotated (`rampart
//! rotate`) and when the ACL users were reviewed (`rampart acl review
//! --record`), for MNT001 and MNT002. SQLite, one file, mode 0600 in a
//! 0700 directory. Names and dates only: never a password or a hash.

use rampart_checks::{Avail, HistoryFacts, ReviewRecord, RotationRecord, HISTORY_ABSENT};
use rusqlite::{params, Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema this rampart writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE rotations(
    server TEXT NOT NULL,      -- host:port or cluster id
    user TEXT NOT NULL,
    rotated_at INTEGER NOT NULL, -- unix seconds
    tool_version TEXT NOT NULL
);
CREATE INDEX rotations_server_user ON rotations(server, user);
CREATE TABLE reviews(
    server TEXT NOT NULL,
    reviewed_at INTEGER NOT NULL, -- unix seconds
    users INTEGER NOT NULL
);
CREATE INDEX reviews_server ON reviews(server);
PRAGMA user_version = 1;
";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the history {path} was written by a newer rampart (schema version {found}; this rampart knows {known}): upgrade rampart, or give another file with --history")]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the history {path} is not a rampart history file, or is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot use the history {path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

/// Where the history lives: `$RAMPART_HISTORY`, else
/// `$XDG_STATE_HOME/rampart/history.sqlite`, else
/// `~/.local/state/rampart/history.sqlite`; `None` when none is set.
pub fn default_path() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = var("RAMPART_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let state = var("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("rampart").join("history.sqlite"))
}

/// `--history FILE`, else [`default_path`].
pub fn resolve_path(given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(default_path)
}

/// The current time in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// An open history.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

impl History {
    fn corrupt(&self, e: impl std::fmt::Display) -> HistoryError {
        HistoryError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    /// Open for writing: create the file (0600, its directory 0700) and
    /// the schema when missing.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| HistoryError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(io)?;
            }
        }
        // Never through a link (O_NOFOLLOW) and never a FIFO or device
        // (O_NONBLOCK, then a regular file only); the mode is set on the
        // open file, not through the path.
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    HistoryError::Io {
                        path: path.to_path_buf(),
                        reason: "it is a symbolic link: rampart does not write through links (name the file itself)".into(),
                    }
                } else {
                    io(e)
                }
            })?;
        if !f.metadata().map_err(io)?.is_file() {
            return Err(HistoryError::Io {
                path: path.to_path_buf(),
                reason: "not a regular file".into(),
            });
        }
        // It holds no secret, but who rotated what and when is nobody else's business.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
        drop(f);
        let h = History::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        if h.version()? == 0 {
            if h.has_tables()? {
                return Err(h.corrupt("it holds tables rampart did not create"));
            }
            h.conn
                .execute_batch(&format!("BEGIN; {SCHEMA} COMMIT;"))
                .map_err(|e| h.corrupt(e))?;
        }
        Ok(h)
    }

    /// Open the file with `flags` and a busy timeout.
    fn connect(path: &Path, flags: OpenFlags) -> Result<History, HistoryError> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| HistoryError::Io {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let h = History {
            conn,
            path: path.to_path_buf(),
        };
        h.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| h.corrupt(e))?;
        Ok(h)
    }

    /// Open for reading only; `Ok(None)` when the file does not exist.
    pub fn open_read(path: &Path) -> Result<Option<History>, HistoryError> {
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(HistoryError::Io {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
            Ok(m) if !m.is_file() => {
                return Err(HistoryError::Io {
                    path: path.to_path_buf(),
                    reason: "not a regular file".into(),
                })
            }
            Ok(_) => {}
        }
        let h = History::connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        if h.version()? == 0 && h.has_tables()? {
            return Err(h.corrupt("it holds tables rampart did not create"));
        }
        Ok(Some(h))
    }

    /// The schema version, refusing a newer one.
    fn version(&self) -> Result<i64, HistoryError> {
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.corrupt(e))?;
        if v > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path: self.path.clone(),
                found: v,
                known: SCHEMA_VERSION,
            });
        }
        if v < 0 {
            return Err(self.corrupt(format!("schema version {v}")));
        }
        Ok(v)
    }

    fn has_tables(&self) -> Result<bool, HistoryError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.corrupt(e))?;
        Ok(n > 0)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A rotation of `user` on `server` finished at `at`.
    pub fn record_rotation(
        &self,
        server: &str,
        user: &str,
        at: i64,
        tool_version: &str,
    ) -> Result<(), HistoryError> {
        self.conn
            .execute(
                "INSERT INTO rotations(server, user, rotated_at, tool_version) VALUES (?1, ?2, ?3, ?4)",
                params![server, user, at, tool_version],
            )
            .map(|_| ())
            .map_err(|e| self.corrupt(e))
    }

    /// A review of `users` ACL users of `server` at `at`.
    pub fn record_review(&self, server: &str, at: i64, users: u32) -> Result<(), HistoryError> {
        self.conn
            .execute(
                "INSERT INTO reviews(server, reviewed_at, users) VALUES (?1, ?2, ?3)",
                params![server, at, users],
            )
            .map(|_| ())
            .map_err(|e| self.corrupt(e))
    }

    /// Rotations per user and the last review, under any of `servers`
    /// (the names one target may be recorded under).
    #[allow(clippy::type_complexity)]
    pub fn lookup(
        &self,
        servers: &[String],
    ) -> Result<(BTreeMap<String, RotationRecord>, Option<ReviewRecord>), HistoryError> {
        let mut rotations: BTreeMap<String, RotationRecord> = BTreeMap::new();
        let mut review: Option<ReviewRecord> = None;
        if self.version()? == 0 {
            // An empty file: nothing recorded yet.
            return Ok((rotations, review));
        }
        let mut rot = self
            .conn
            .prepare(
                "SELECT user, count(*), max(rotated_at) FROM rotations WHERE server = ?1 GROUP BY user",
            )
            .map_err(|e| self.corrupt(e))?;
        let mut rev = self
            .conn
            .prepare(
                "SELECT reviewed_at, users FROM reviews WHERE server = ?1 ORDER BY reviewed_at DESC LIMIT 1",
            )
            .map_err(|e| self.corrupt(e))?;
        for server in servers {
            let rows = rot
                .query_map([server], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .map_err(|e| self.corrupt(e))?;
            for row in rows {
                let (user, count, last) = row.map_err(|e| self.corrupt(e))?;
                let e = rotations.entry(user).or_insert(RotationRecord {
                    count: 0,
                    last: i64::MIN,
                });
                e.count = e
                    .count
                    .saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
                e.last = e.last.max(last);
            }
            let mut rows = rev
                .query_map([server], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .map_err(|e| self.corrupt(e))?;
            if let Some(row) = rows.next() {
                let (at, users) = row.map_err(|e| self.corrupt(e))?;
                if review.is_none_or(|r| at > r.at) {
                    review = Some(ReviewRecord {
                        at,
                        users: u32::try_from(users).unwrap_or(0),
                    });
                }
            }
        }
        Ok((rotations, review))
    }
}

/// What the audit asks of the history.
#[derive(Clone, Debug)]
pub struct HistoryQuery {
    /// The file (`None`: no location known).
    pub path: Option<PathBuf>,
    pub now: i64,
    pub rotation_days: u32,
    pub review_days: u32,
}

/// The history facts of one target, recorded under any of `servers`
/// (the first is the name shown). The file is only read: an absent file
/// is `Absent`, an unreadable or corrupt one `Failed`.
pub fn collect_history(q: &HistoryQuery, servers: &[String]) -> Avail<HistoryFacts> {
    let Some(path) = &q.path else {
        return Avail::absent(format!(
            "{HISTORY_ABSENT} (no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history)"
        ));
    };
    let h = match History::open_read(path) {
        Ok(Some(h)) => h,
        Ok(None) => return Avail::absent(HISTORY_ABSENT),
        Err(e) => return Avail::Failed(e.to_string()),
    };
    match h.lookup(servers) {
        Ok((rotations, last_review)) => Avail::Present(HistoryFacts {
            path: path.clone(),
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
    use std::os::unix::fs::PermissionsExt;

    fn query(path: &Path) -> HistoryQuery {
        HistoryQuery {
            path: Some(path.to_path_buf()),
            now: 2_000_000,
            rotation_days: 90,
            review_days: 90,
        }
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
        assert!(
            e.contains("not a rampart history file, or is corrupt"),
            "{e}"
        );
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

    #[test]
    fn stores_no_secret_columns() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("h.sqlite");
        let h = History::open(&path).unwrap();
        let cols: Vec<String> = h
            .conn
            .prepare("SELECT name FROM pragma_table_info('rotations') UNION ALL SELECT name FROM pragma_table_info('reviews')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            cols,
            [
                "server",
                "user",
                "rotated_at",
                "tool_version",
                "server",
                "reviewed_at",
                "users"
            ]
        );
    }
}
