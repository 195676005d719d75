//! The embedded record: one SQLite file, mode 0600 in a 0700 directory,
//! never opened through a link. Old files are migrated in place (the
//! steps of [`crate::schema`]); a file from a newer rampart is refused, a
//! corrupt one is an error.

use crate::model::{FindingRecord, RunFilter, RunRecord, RunSummary, TargetRecord};
use crate::schema::{self, query, SCHEMA_VERSION};
use crate::store::{HistoryError, Store};
use rampart_checks::{ReviewRecord, RotationRecord};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// An open SQLite history.
pub struct History {
    conn: Connection,
    path: PathBuf,
    /// The schema version of the file (0: empty, read-only).
    version: i64,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

impl History {
    fn place(&self) -> String {
        self.path.display().to_string()
    }

    fn corrupt(&self, e: impl std::fmt::Display) -> HistoryError {
        corrupt(&self.path, e)
    }

    /// Open for writing: create the file (0600, its directory 0700) and
    /// the schema when missing, migrate an older one.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| io_error(path, &e);
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
                        place: path.display().to_string(),
                        reason: "it is a symbolic link: rampart does not write through links (name the file itself)".into(),
                    }
                } else {
                    io(e)
                }
            })?;
        if !f.metadata().map_err(io)?.is_file() {
            return Err(not_regular(path));
        }
        // It holds no secret, but who rotated what and when is nobody else's business.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
        drop(f);
        let mut h = History::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        h.migrate()?;
        Ok(h)
    }

    /// Apply the missing steps of the schema, each in one transaction
    /// with its version.
    fn migrate(&mut self) -> Result<(), HistoryError> {
        if self.version == 0 && self.has_tables()? {
            return Err(self.corrupt("it holds tables rampart did not create"));
        }
        let from = usize::try_from(self.version).unwrap_or(0);
        for (i, step) in schema::MIGRATIONS.iter().enumerate().skip(from) {
            let tx = self
                .conn
                .transaction()
                .map_err(|e| corrupt(&self.path, e))?;
            for sql in *step {
                tx.execute_batch(sql).map_err(|e| corrupt(&self.path, e))?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(|e| corrupt(&self.path, e))?;
            tx.commit().map_err(|e| corrupt(&self.path, e))?;
            self.version = to_i64(i + 1);
        }
        Ok(())
    }

    /// Open the file with `flags` and a busy timeout; read its version,
    /// refusing a newer one.
    fn connect(path: &Path, flags: OpenFlags) -> Result<History, HistoryError> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| HistoryError::Io {
                place: path.display().to_string(),
                reason: e.to_string(),
            })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| corrupt(path, e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| corrupt(path, e))?;
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                place: path.display().to_string(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version < 0 {
            return Err(corrupt(path, format!("schema version {version}")));
        }
        if flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
            // A read (a diff loads two whole runs, tens of MB) maps the
            // file rather than copying each page through read(2).
            conn.pragma_update(None, "mmap_size", 1_i64 << 30)
                .map_err(|e| corrupt(path, e))?;
        }
        Ok(History {
            conn,
            path: path.to_path_buf(),
            version,
        })
    }

    /// Open for reading only (an older file is read as it is, not
    /// migrated); `Ok(None)` when the file does not exist.
    pub fn open_read(path: &Path) -> Result<Option<History>, HistoryError> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(path, &e)),
            Ok(m) if m.file_type().is_symlink() => {
                // Reading through a link is harmless, but the writer
                // refuses it: say so now rather than at the next audit.
                match std::fs::metadata(path) {
                    Ok(t) if t.is_file() => {}
                    Ok(_) => return Err(not_regular(path)),
                    Err(e) => return Err(io_error(path, &e)),
                }
            }
            Ok(m) if !m.is_file() => return Err(not_regular(path)),
            Ok(_) => {}
        }
        let h = History::connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        if h.version == 0 && h.has_tables()? {
            return Err(h.corrupt("it holds tables rampart did not create"));
        }
        // A check that the pages hold together, so a truncated file is
        // an error now and not a half listing.
        if h.version > 0 {
            h.conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(|e| h.corrupt(e))?;
        }
        Ok(Some(h))
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

    /// The schema version of the file.
    pub fn schema_version(&self) -> i64 {
        self.version
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
                "INSERT INTO rotations(server, \"user\", rotated_at, tool_version) VALUES ($1, $2, $3, $4)",
                params![server, user, at, tool_version],
            )
            .map(|_| ())
            .map_err(|e| self.corrupt(e))
    }

    /// A review of `users` ACL users of `server` at `at`.
    pub fn record_review(&self, server: &str, at: i64, users: u32) -> Result<(), HistoryError> {
        self.conn
            .execute(
                "INSERT INTO reviews(server, reviewed_at, users) VALUES ($1, $2, $3)",
                params![server, at, users],
            )
            .map(|_| ())
            .map_err(|e| self.corrupt(e))
    }

    /// Whether any rotation or review was ever recorded (the file also
    /// holds audit runs: a file of runs only is "no history yet" for
    /// MNT001/MNT002, as before audits were recorded).
    pub fn has_maintenance(&self) -> Result<bool, HistoryError> {
        if self.version == 0 {
            return Ok(false);
        }
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM rotations) OR EXISTS(SELECT 1 FROM reviews)",
                [],
                |r| r.get::<_, bool>(0),
            )
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
        if self.version == 0 {
            // An empty file: nothing recorded yet.
            return Ok((rotations, review));
        }
        let mut rot = self
            .conn
            .prepare(
                "SELECT \"user\", count(*), max(rotated_at) FROM rotations WHERE server = $1 GROUP BY \"user\"",
            )
            .map_err(|e| self.corrupt(e))?;
        let mut rev = self
            .conn
            .prepare(
                "SELECT reviewed_at, users FROM reviews WHERE server = $1 ORDER BY reviewed_at DESC LIMIT 1",
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

    /// Record one run in one transaction.
    pub fn record(&mut self, run: &RunRecord) -> Result<(), HistoryError> {
        if self.version < 2 {
            return Err(HistoryError::Io {
                place: self.place(),
                reason: "opened read-only".into(),
            });
        }
        let path = self.path.clone();
        let c = |e: rusqlite::Error| corrupt(&path, e);
        let s = run.summary();
        let tx = self.conn.transaction().map_err(c)?;
        // The previous run of the same targets, and what changed since.
        let previous: Option<String> = tx
            .query_row(query::PREVIOUS, params![s.targets_key, run.run_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(c)?;
        let (new, fixed) = match &previous {
            Some(p) => {
                let mut stmt = tx.prepare(query::BAD_FINGERPRINTS).map_err(c)?;
                let before = stmt
                    .query_map([p], |r| r.get::<_, String>(0))
                    .map_err(c)?
                    .collect::<Result<std::collections::HashSet<String>, _>>()
                    .map_err(c)?;
                let (n, f) = crate::model::new_and_fixed(&before, run);
                (Some(to_i64(n)), Some(to_i64(f)))
            }
            None => (None, None),
        };
        tx.execute(
            "INSERT INTO runs(run_id, started_at, finished_at, rampart_version, advisory_data, shard, host, targets_key, target_count, unaudited, pass, fail, warn, error, previous_run, new_count, fixed_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            params![
                run.run_id,
                run.started_at,
                run.finished_at,
                run.rampart_version,
                run.advisory_data,
                run.shard,
                run.host,
                s.targets_key,
                to_i64(s.targets),
                to_i64(s.unaudited),
                to_i64(s.pass),
                to_i64(s.fail),
                to_i64(s.warn),
                to_i64(s.error),
                previous,
                new,
                fixed,
            ],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                HistoryError::Io {
                    place: path.display().to_string(),
                    reason: format!("it already holds a run {}", run.run_id),
                }
            }
            e => c(e),
        })?;
        {
            let mut t = tx
                .prepare("INSERT INTO targets(run_id, seq, name, kind, address, server_run_id, version, role, audited) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .map_err(c)?;
            let mut st = tx
                .prepare(
                    "INSERT INTO target_settings(run_id, target, settings) VALUES ($1, $2, $3)",
                )
                .map_err(c)?;
            for (i, tr) in run.targets.iter().enumerate() {
                t.execute(params![
                    run.run_id,
                    to_i64(i),
                    tr.name,
                    tr.kind,
                    tr.address,
                    tr.server_run_id,
                    tr.version,
                    tr.role,
                    i64::from(tr.audited),
                ])
                .map_err(c)?;
                if !tr.settings.is_empty() {
                    let json = settings_json(&tr.settings);
                    // Two targets of one name (not expected): the first kept.
                    st.execute(params![run.run_id, tr.name, json])
                        .or_else(|e| match e {
                            rusqlite::Error::SqliteFailure(f, _)
                                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                            {
                                Ok(0)
                            }
                            e => Err(e),
                        })
                        .map_err(c)?;
                }
            }
            let mut f = tx
                .prepare("INSERT INTO findings(run_id, seq, target, check_id, severity, status, message, evidence, fingerprint, suppressed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .map_err(c)?;
            for (i, fr) in run.findings.iter().enumerate() {
                f.execute(params![
                    run.run_id,
                    to_i64(i),
                    fr.target,
                    fr.check_id,
                    fr.severity,
                    fr.status,
                    fr.message,
                    fr.evidence_json,
                    fr.fingerprint,
                    i64::from(fr.suppressed),
                ])
                .map_err(c)?;
            }
        }
        tx.commit().map_err(c)
    }

    /// Runs, newest first, with what changed since the previous run of
    /// the same targets.
    pub fn list(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, HistoryError> {
        if self.version < 2 {
            return Ok(Vec::new());
        }
        let c = |e: rusqlite::Error| self.corrupt(e);
        let mut sql = String::from(
            "SELECT run_id, started_at, finished_at, shard, host, target_count, unaudited, pass, fail, warn, error, targets_key, previous_run, new_count, fixed_count FROM runs WHERE started_at >= $1",
        );
        // Placeholders numbered in the order they appear (SQLite numbers
        // `$N` by first appearance).
        if filter.target.is_some() {
            sql.push_str(" AND run_id IN (SELECT run_id FROM targets WHERE name = $2)");
            sql.push_str(" ORDER BY started_at DESC, run_id DESC LIMIT $3");
        } else {
            sql.push_str(" ORDER BY started_at DESC, run_id DESC LIMIT $2");
        }
        let mut stmt = self.conn.prepare(&sql).map_err(c)?;
        let since = filter.since.unwrap_or(i64::MIN);
        let limit = filter.limit.map_or(-1, to_i64);
        let map = |r: &rusqlite::Row<'_>| {
            Ok(RunSummary {
                run_id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                shard: r.get(3)?,
                host: r.get(4)?,
                targets: to_usize(r.get(5)?),
                unaudited: to_usize(r.get(6)?),
                pass: to_usize(r.get(7)?),
                fail: to_usize(r.get(8)?),
                warn: to_usize(r.get(9)?),
                error: to_usize(r.get(10)?),
                targets_key: r.get(11)?,
                previous: r.get(12)?,
                new: r.get::<_, Option<i64>>(13)?.map(to_usize),
                fixed: r.get::<_, Option<i64>>(14)?.map(to_usize),
            })
        };
        let rows: Vec<RunSummary> = match &filter.target {
            Some(t) => stmt.query_map(params![since, t, limit], map),
            None => stmt.query_map(params![since, limit], map),
        }
        .map_err(c)?
        .collect::<Result<_, _>>()
        .map_err(c)?;
        Ok(rows)
    }

    /// The full run ids starting with `prefix` (at most 2: enough to tell
    /// a unique one).
    fn matching(&self, prefix: &str) -> Result<Vec<String>, HistoryError> {
        let c = |e: rusqlite::Error| self.corrupt(e);
        // A prefix of run ids (digits, letters, `T`, `.`, `Z`, `-`): no
        // LIKE wildcard to escape, but compare by range to be sure.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT run_id FROM runs WHERE run_id >= $1 AND run_id < $2 AND substr(run_id, 1, length($1)) = $1 ORDER BY run_id LIMIT 2")
            .map_err(c)?;
        // The ids with that prefix are one range of the primary key: read
        // there, not by a scan of every run.
        let end = format!("{prefix}\u{10FFFF}");
        let ids = stmt
            .query_map([prefix, end.as_str()], |r| r.get::<_, String>(0))
            .map_err(c)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(c)?;
        Ok(ids)
    }

    /// One run, whole, by its id or a unique prefix of it.
    pub fn load(&self, id: &str) -> Result<Option<RunRecord>, HistoryError> {
        self.load_with(id, true)
    }

    /// One run; without its evidence when `evidence` is false (a diff
    /// does not read it: a third less to load).
    fn load_with(&self, id: &str, evidence: bool) -> Result<Option<RunRecord>, HistoryError> {
        if self.version < 2 || id.is_empty() {
            return Ok(None);
        }
        let ids = self.matching(id)?;
        let run_id = match ids.as_slice() {
            [] => return Ok(None),
            [one] => one.clone(),
            _ => {
                return Err(HistoryError::Ambiguous {
                    place: self.place(),
                    run: id.to_string(),
                })
            }
        };
        let c = |e: rusqlite::Error| self.corrupt(e);
        let mut run = self
            .conn
            .prepare_cached(
                "SELECT run_id, started_at, finished_at, rampart_version, advisory_data, shard, host FROM runs WHERE run_id = $1",
            )
            .map_err(c)?
            .query_row(
                [&run_id],
                |r| {
                    Ok(RunRecord {
                        run_id: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        rampart_version: r.get(3)?,
                        advisory_data: r.get(4)?,
                        shard: r.get(5)?,
                        host: r.get(6)?,
                        ..RunRecord::default()
                    })
                },
            )
            .map_err(c)?;
        let mut settings: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT target, settings FROM target_settings WHERE run_id = $1")
                .map_err(c)?;
            let rows = stmt
                .query_map([&run_id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(c)?;
            for row in rows {
                let (target, json) = row.map_err(c)?;
                settings.insert(target, parse_settings(&json).map_err(|e| self.corrupt(e))?);
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, kind, address, server_run_id, version, role, audited FROM targets WHERE run_id = $1 ORDER BY seq")
            .map_err(c)?;
        run.targets = Vec::with_capacity(self.rows_hint("targets", &run_id)?);
        let rows = stmt
            .query_map([&run_id], |r| {
                Ok(TargetRecord {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    address: r.get(2)?,
                    server_run_id: r.get(3)?,
                    version: r.get(4)?,
                    role: r.get(5)?,
                    audited: r.get::<_, i64>(6)? != 0,
                    settings: Vec::new(),
                })
            })
            .map_err(c)?;
        for row in rows {
            run.targets.push(row.map_err(c)?);
        }
        for t in &mut run.targets {
            if let Some(s) = settings.remove(&t.name) {
                t.settings = s;
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(if evidence {
                "SELECT target, check_id, severity, status, message, evidence, fingerprint, suppressed FROM findings WHERE run_id = $1 ORDER BY seq"
            } else {
                "SELECT target, check_id, severity, status, message, '', fingerprint, suppressed FROM findings WHERE run_id = $1 ORDER BY seq"
            })
            .map_err(c)?;
        run.findings = Vec::with_capacity(self.rows_hint("findings", &run_id)?);
        let rows = stmt
            .query_map([&run_id], |r| {
                Ok(FindingRecord {
                    target: r.get(0)?,
                    check_id: r.get(1)?,
                    severity: r.get(2)?,
                    status: r.get(3)?,
                    message: r.get(4)?,
                    evidence_json: r.get(5)?,
                    fingerprint: r.get(6)?,
                    suppressed: r.get::<_, i64>(7)? != 0,
                })
            })
            .map_err(c)?;
        for row in rows {
            run.findings.push(row.map_err(c)?);
        }
        Ok(Some(run))
    }

    /// How many rows `table` (targets or findings) holds for `run_id`, as
    /// its last `seq` says (one look in the primary key, not a count):
    /// the capacity to read them into, at most a million (a corrupt
    /// `seq` asks for no more).
    fn rows_hint(&self, table: &str, run_id: &str) -> Result<usize, HistoryError> {
        let sql = match table {
            "targets" => "SELECT max(seq) FROM targets WHERE run_id = $1",
            _ => "SELECT max(seq) FROM findings WHERE run_id = $1",
        };
        let last: Option<i64> = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut st| st.query_row([run_id], |r| r.get(0)))
            .map_err(|e| self.corrupt(e))?;
        Ok(last.map_or(0, |n| to_usize(n.saturating_add(1)).min(1 << 20)))
    }
}

/// A target's settings as stored: a JSON object of strings, read as
/// name → value sorted by name (the last value of a name repeated).
pub fn parse_settings(json: &str) -> Result<Vec<(String, String)>, String> {
    // Sized at once: each member has four quotes (more when escaped).
    let members = json.bytes().filter(|&b| b == b'"').count() / 4;
    let mut de = serde_json::Deserializer::from_str(json);
    let v = serde::de::DeserializeSeed::deserialize(Members(members), &mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| format!("settings: {e}"))?;
    // As rampart writes them: sorted, each name once, so kept as read
    // (no map built); anything else sorted as a map would.
    if v.windows(2).all(|w| w[0].0 < w[1].0) {
        return Ok(v);
    }
    let map: BTreeMap<String, String> = v.into_iter().collect();
    Ok(map.into_iter().collect())
}

/// A JSON object's members in the order written, read into a vector of
/// this capacity.
struct Members(usize);

impl<'de> serde::de::DeserializeSeed<'de> for Members {
    type Value = Vec<(String, String)>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Members {
    type Value = Vec<(String, String)>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(self.0);
        while let Some(kv) = m.next_entry::<String, String>()? {
            v.push(kv);
        }
        Ok(v)
    }
}

/// A target's settings as stored (see [`parse_settings`]): sorted by
/// name, the last value of a name repeated.
pub fn settings_json(settings: &[(String, String)]) -> String {
    let map: BTreeMap<&str, &str> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // A map of strings always serializes.
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> HistoryError {
    HistoryError::Corrupt {
        place: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> HistoryError {
    HistoryError::Io {
        place: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn not_regular(path: &Path) -> HistoryError {
    HistoryError::Io {
        place: path.display().to_string(),
        reason: "not a regular file".into(),
    }
}

impl Store for History {
    fn has_maintenance(&mut self) -> Result<bool, HistoryError> {
        History::has_maintenance(self)
    }
    fn record_run(&mut self, run: &RunRecord) -> Result<(), HistoryError> {
        self.record(run)
    }
    fn runs(&mut self, filter: &RunFilter) -> Result<Vec<RunSummary>, HistoryError> {
        self.list(filter)
    }
    fn run(&mut self, id: &str) -> Result<Option<RunRecord>, HistoryError> {
        self.load(id)
    }
    fn run_for_diff(&mut self, id: &str) -> Result<Option<RunRecord>, HistoryError> {
        self.load_with(id, false)
    }
    fn record_rotation(
        &mut self,
        server: &str,
        user: &str,
        at: i64,
        tool_version: &str,
    ) -> Result<(), HistoryError> {
        History::record_rotation(self, server, user, at, tool_version)
    }
    fn record_review(&mut self, server: &str, at: i64, users: u32) -> Result<(), HistoryError> {
        History::record_review(self, server, at, users)
    }
    fn lookup(
        &mut self,
        servers: &[String],
    ) -> Result<(BTreeMap<String, RotationRecord>, Option<ReviewRecord>), HistoryError> {
        History::lookup(self, servers)
    }
    fn place(&self) -> String {
        History::place(self)
    }
    fn previous(
        &mut self,
        run_id: &str,
        targets_key: &str,
    ) -> Result<Option<String>, HistoryError> {
        if self.version < 2 {
            return Ok(None);
        }
        self.conn
            .query_row(query::PREVIOUS, params![targets_key, run_id], |r| r.get(0))
            .optional()
            .map_err(|e| self.corrupt(e))
    }
}

/// A file with no record yet, for reading: every listing is empty.
pub(crate) struct Empty(pub PathBuf);

impl Store for Empty {
    fn has_maintenance(&mut self) -> Result<bool, HistoryError> {
        Ok(false)
    }
    fn record_run(&mut self, _: &RunRecord) -> Result<(), HistoryError> {
        Err(HistoryError::Io {
            place: self.place(),
            reason: "opened read-only".into(),
        })
    }
    fn runs(&mut self, _: &RunFilter) -> Result<Vec<RunSummary>, HistoryError> {
        Ok(Vec::new())
    }
    fn run(&mut self, _: &str) -> Result<Option<RunRecord>, HistoryError> {
        Ok(None)
    }
    fn record_rotation(&mut self, _: &str, _: &str, _: i64, _: &str) -> Result<(), HistoryError> {
        self.record_run(&RunRecord::default())
    }
    fn record_review(&mut self, _: &str, _: i64, _: u32) -> Result<(), HistoryError> {
        self.record_run(&RunRecord::default())
    }
    fn lookup(
        &mut self,
        _: &[String],
    ) -> Result<(BTreeMap<String, RotationRecord>, Option<ReviewRecord>), HistoryError> {
        Ok((BTreeMap::new(), None))
    }
    fn place(&self) -> String {
        self.0.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::resolve;

    /// The schema rampart 0.1 wrote, verbatim (its `SCHEMA` constant).
    const V1_OF_RAMPART_0_1: &str = "
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

    pub(crate) fn finding(target: &str, id: &str, status: &str) -> FindingRecord {
        FindingRecord {
            target: target.into(),
            check_id: id.into(),
            severity: "high".into(),
            status: status.into(),
            message: format!("{id} is {status}"),
            evidence_json:
                r#"[{"source":"config","location":"redis.conf:1","observed":"x","expected":"y"}]"#
                    .into(),
            fingerprint: rampart_policy::fingerprint_of(&[id, target]),
            suppressed: false,
        }
    }

    pub(crate) fn run(id: &str, at: i64, findings: Vec<FindingRecord>) -> RunRecord {
        RunRecord {
            run_id: id.into(),
            started_at: at,
            finished_at: at + 1,
            rampart_version: "0.2.0".into(),
            advisory_data: "2026-12-01".into(),
            shard: None,
            host: "ci".into(),
            targets: vec![TargetRecord {
                name: "10.0.0.1:6379".into(),
                kind: "server".into(),
                address: Some("10.0.0.1:6379".into()),
                server_run_id: Some("abc".into()),
                version: Some("redis 7.2.6".into()),
                role: Some("master".into()),
                audited: true,
                settings: vec![
                    ("maxmemory".into(), "0".into()),
                    ("protected-mode".into(), "yes".into()),
                ],
            }],
            findings,
        }
    }

    #[test]
    fn a_run_is_read_back_as_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("h.sqlite");
        let mut h = History::open(&path).unwrap();
        assert_eq!(h.schema_version(), SCHEMA_VERSION);
        let t = "10.0.0.1:6379";
        let a = run(
            "20261201T000000.000000Z-aa",
            100,
            vec![finding(t, "NET001", "pass"), finding(t, "AUTH001", "fail")],
        );
        let mut b = run(
            "20261202T000000.000000Z-bb",
            200,
            vec![
                finding(t, "NET001", "fail"),
                finding(t, "AUTH001", "pass"),
                finding(t, "TLS001", "warn"),
            ],
        );
        b.findings[2].suppressed = true;
        h.record_run(&a).unwrap();
        h.record_run(&b).unwrap();
        // The same run twice is refused, and leaves nothing half-written.
        let err = h.record_run(&a).unwrap_err().to_string();
        assert!(err.contains("already holds a run"), "{err}");
        drop(h);

        let mut r = History::open_read(&path).unwrap().unwrap();
        assert_eq!(r.run("20261201").unwrap().unwrap(), a);
        assert_eq!(r.run("20261202T0").unwrap().unwrap(), b);
        let e = r.run("2026120").unwrap_err().to_string();
        assert!(e.contains("more than one run"), "{e}");
        assert!(r.run("1999").unwrap().is_none());
        assert_eq!(resolve(&mut r, "last").unwrap().run_id, b.run_id);
        assert_eq!(resolve(&mut r, "last~1").unwrap().run_id, a.run_id);
        assert!(matches!(
            resolve(&mut r, "last~2"),
            Err(HistoryError::NoSuchRun { .. })
        ));
        let runs = r.runs(&RunFilter::default()).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].run_id, b.run_id);
        assert_eq!((runs[0].pass, runs[0].fail, runs[0].warn), (1, 1, 0));
        assert_eq!(runs[0].previous.as_deref(), Some(a.run_id.as_str()));
        // NET001 newly failing, AUTH001 fixed; the suppressed warning is not new.
        assert_eq!((runs[0].new, runs[0].fixed), (Some(1), Some(1)));
        assert_eq!((runs[1].new, runs[1].fixed), (None, None));
        let one = r
            .runs(&RunFilter {
                limit: Some(1),
                ..RunFilter::default()
            })
            .unwrap();
        assert_eq!(one.len(), 1);
        let none = r
            .runs(&RunFilter {
                target: Some("elsewhere:6379".into()),
                ..RunFilter::default()
            })
            .unwrap();
        assert!(none.is_empty());
        let since = r
            .runs(&RunFilter {
                since: Some(150),
                target: Some(t.into()),
                ..RunFilter::default()
            })
            .unwrap();
        assert_eq!(since.len(), 1);
    }

    #[test]
    fn a_file_of_rampart_0_1_is_migrated_and_keeps_its_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("h.sqlite");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(V1_OF_RAMPART_0_1).unwrap();
            c.execute(
                "INSERT INTO rotations(server, user, rotated_at, tool_version) VALUES ('10.0.0.1:6379', 'app', 1000, '0.1.0')",
                [],
            )
            .unwrap();
            c.execute(
                "INSERT INTO reviews(server, reviewed_at, users) VALUES ('10.0.0.1:6379', 900, 4)",
                [],
            )
            .unwrap();
        }
        // Read as it is: no runs yet, the rotations there.
        let mut r = History::open_read(&path).unwrap().unwrap();
        assert_eq!(r.schema_version(), 1);
        assert!(r.runs(&RunFilter::default()).unwrap().is_empty());
        let (rot, rev) = r.lookup(&["10.0.0.1:6379".into()]).unwrap();
        assert_eq!(rot["app"].count, 1);
        assert_eq!(rev.unwrap().users, 4);
        drop(r);
        // Opened to write: migrated, old rows kept, runs recorded.
        let mut h = History::open(&path).unwrap();
        assert_eq!(h.schema_version(), SCHEMA_VERSION);
        let (rot, _) = h.lookup(&["10.0.0.1:6379".into()]).unwrap();
        assert_eq!(rot["app"].last, 1000);
        h.record_rotation("10.0.0.1:6379", "app", 2000, "0.2.0")
            .unwrap();
        let a = run("20261201T000000.000000Z-aa", 100, vec![]);
        h.record_run(&a).unwrap();
        drop(h);
        let c = Connection::open(&path).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let n: i64 = c
            .query_row("SELECT count(*) FROM rotations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        // And a second open does not migrate again.
        drop(c);
        let mut h = History::open(&path).unwrap();
        assert_eq!(h.run("20261201").unwrap().unwrap(), a);
    }

    #[test]
    fn corrupt_newer_foreign_and_linked_files_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let garbage = tmp.path().join("garbage.sqlite");
        std::fs::write(&garbage, vec![0x5a_u8; 8192]).unwrap();
        let e = History::open(&garbage).unwrap_err().to_string();
        assert!(e.contains("not a rampart history, or is corrupt"), "{e}");
        let e = History::open_read(&garbage).unwrap_err().to_string();
        assert!(e.contains("corrupt"), "{e}");

        // A truncated database.
        let good = tmp.path().join("good.sqlite");
        let mut h = History::open(&good).unwrap();
        for i in 0..50 {
            let t = format!("10.0.0.{i}:6379");
            h.record_run(&run(
                &format!("2026120{}T0000{i:02}.000000Z-aa", i % 9 + 1),
                i,
                (0..40)
                    .map(|k| finding(&t, &format!("C{k:03}"), "fail"))
                    .collect(),
            ))
            .unwrap();
        }
        drop(h);
        let bytes = std::fs::read(&good).unwrap();
        let cut = tmp.path().join("cut.sqlite");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let read = History::open_read(&cut).and_then(|h| {
            let mut h = h.unwrap();
            h.runs(&RunFilter::default())?;
            for i in 1..10 {
                h.run(&format!("2026120{i}"))?;
            }
            Ok(())
        });
        assert!(read.is_err(), "{read:?}");

        // Newer.
        let newer = tmp.path().join("newer.sqlite");
        drop(History::open(&newer).unwrap());
        Connection::open(&newer)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        for e in [
            History::open(&newer).unwrap_err(),
            History::open_read(&newer).unwrap_err(),
        ] {
            assert!(matches!(e, HistoryError::Newer { found: 99, .. }), "{e}");
            assert!(e.to_string().contains("upgrade rampart"), "{e}");
        }

        // Someone else's database.
        let other = tmp.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        let e = History::open(&other).unwrap_err().to_string();
        assert!(e.contains("tables rampart did not create"), "{e}");

        // A link is not written through.
        let link = tmp.path().join("link.sqlite");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        let e = History::open(&link).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        // A directory is not a history.
        let e = History::open(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("cannot use the history"), "{e}");
    }

    #[test]
    fn a_locked_file_is_an_error_after_the_busy_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("h.sqlite");
        drop(History::open(&path).unwrap());
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let e = History::open(&path)
            .and_then(|mut h| h.record_run(&run("20261201T000000.000000Z-aa", 1, vec![])))
            .unwrap_err()
            .to_string();
        assert!(e.contains("locked"), "{e}");
        other.execute_batch("ROLLBACK").unwrap();
    }

    #[test]
    fn settings_read_back_sorted_whatever_the_order_stored() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let written = settings_json(&pairs(&[("save", ""), ("port", "6379"), ("port", "7000")]));
        assert_eq!(written, r#"{"port":"7000","save":""}"#);
        assert_eq!(
            parse_settings(&written).unwrap(),
            pairs(&[("port", "7000"), ("save", "")])
        );
        // Not as rampart writes them: sorted, the last value kept.
        assert_eq!(
            parse_settings(r#"{"z":"1","a":"\"q\"","z":"2"}"#).unwrap(),
            pairs(&[("a", "\"q\""), ("z", "2")])
        );
        assert_eq!(parse_settings("{}").unwrap(), pairs(&[]));
        for bad in ["[]", r#"{"a":1}"#, r#"{"a":"b"} x"#, ""] {
            let e = parse_settings(bad).unwrap_err();
            assert!(e.starts_with("settings: "), "{bad}: {e}");
        }
    }

    #[test]
    fn no_secret_columns() {
        let tmp = tempfile::tempdir().unwrap();
        let h = History::open(&tmp.path().join("h.sqlite")).unwrap();
        let cols: Vec<String> = h
            .conn
            .prepare("SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for c in &cols {
            assert!(
                !c.contains("pass") || c == "runs.pass",
                "a column that may hold a password: {c}"
            );
            assert!(!c.contains("hash"), "{c}");
        }
        let tables: std::collections::BTreeSet<&str> =
            cols.iter().filter_map(|c| c.split('.').next()).collect();
        assert_eq!(
            tables,
            schema::TABLES
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
        );
    }
}
