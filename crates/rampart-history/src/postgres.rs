//! A team's record in PostgreSQL (`--history postgres://...`): the same
//! schema as the SQLite file (the steps of [`crate::schema`]), applied on
//! first use under a transaction-scoped advisory lock, so writers that
//! start at once do not race; the version is kept in `rampart_schema`.
//! Each run is written in one transaction (targets, settings and findings
//! by binary `COPY`), so several rampart runs on several machines can
//! write to one database at once and every read sees whole runs only.
//!
//! Nothing here waits for ever: the connection (TCP, startup, login) is
//! held to `connect_timeout` (from the URL, else 10 s), every statement to
//! a server-side `statement_timeout`, and every operation to a client-side
//! deadline that also covers a server that stopped answering. The
//! password of the URL never shows: every message goes through the
//! store's scrubber, which knows it.
//!
//! TLS: `sslmode` as libpq has it (`disable`, `prefer` the default,
//! `require`, `verify-ca`, `verify-full`, with `sslrootcert`), over rustls
//! ([`crate::pg_tls`]).

use crate::model::{RunFilter, RunRecord, RunSummary, TargetRecord};
use crate::schema::{self, query, SCHEMA_VERSION};
use crate::sqlite::{parse_settings, settings_json};
use crate::store::{redact_url, HistoryError, Store};
use crate::FindingRecord;
use rampart_checks::{ReviewRecord, RotationRecord};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config};

/// The connection's limit when the URL sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The server-side `statement_timeout` and `lock_timeout` of the session.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// The client-side deadline of one operation (a run's whole transaction,
/// a listing): a server that stops answering fails it, not hangs it.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The advisory lock the migration holds: `hashtext('rampart_schema')`
/// would do as well; a constant keeps it the same for every version.
const MIGRATION_LOCK: i64 = 0x7261_6d70_6172_7431; // "rampart1"

type Params<'a> = [&'a (dyn ToSql + Sync)];

/// An open PostgreSQL history.
pub struct PgStore {
    rt: tokio::runtime::Runtime,
    /// `None` after an operation timed out: the protocol state is unknown,
    /// so the connection is dropped and later operations fail.
    client: Option<Client>,
    place: String,
    /// The password as written in the URL and as decoded: masked in
    /// every message.
    secrets: Vec<String>,
    op_timeout: Duration,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("place", &self.place)
            .finish()
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// The password as written between `user:` and `@` in a URL.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let auth = match rest.find(['/', '?']) {
        Some(i) => &rest[..i],
        None => rest,
    };
    let cred = auth.rsplit_once('@')?.0;
    let pw = cred.split_once(':')?.1;
    (!pw.is_empty()).then(|| pw.to_string())
}

/// `password=...` in the URL's query, as written.
fn query_password(url: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.eq_ignore_ascii_case("password") && !v.is_empty()).then(|| v.to_string())
    })
}

/// A failure of the driver, described with the server's words when it
/// gave any (`ERROR: permission denied for schema public`).
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            if let Some(h) = db.hint() {
                s.push_str(&format!("; hint: {h}"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            // The driver's Display stops at the kind; the cause says why.
            let mut src = std::error::Error::source(e);
            while let Some(cause) = src {
                let c = cause.to_string();
                if !s.contains(&c) {
                    s.push_str(&format!(": {c}"));
                }
                src = cause.source();
            }
            s
        }
    }
}

/// `msg` with every one of `secrets` masked.
fn scrub(secrets: &[String], msg: &str) -> String {
    let mut s = msg.to_string();
    for secret in secrets {
        s = s.replace(secret.as_str(), "***");
    }
    s
}

/// What went wrong inside one operation.
enum Fail {
    Pg(tokio_postgres::Error),
    History(HistoryError),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Fail {
        Fail::Pg(e)
    }
}

/// Run `$body` (an async body using the connection `$c`) under the
/// client deadline: `on_client!(self, |c| { ... Ok(v) })`.
macro_rules! on_client {
    ($self:ident, |$c:ident| $body:block) => {{
        match $self.client.take() {
            None => Err($self.io("the connection was dropped after an earlier timeout")),
            Some(mut client) => {
                let deadline = $self.op_timeout;
                // The timer is made inside the runtime (it needs its clock).
                let out = $self.rt.block_on(async {
                    tokio::time::timeout(deadline, async {
                        let $c: &mut Client = &mut client;
                        let r: Result<_, Fail> = async { $body }.await;
                        r
                    })
                    .await
                });
                $self.finish(out, client)
            }
        }
    }};
}

impl PgStore {
    /// Connect to `url` (a `postgres://` or `postgresql://` URL), create
    /// the schema on first use, migrate an older one, refuse a newer one.
    pub fn open(url: &str) -> Result<PgStore, HistoryError> {
        Self::open_with(url, OPERATION_TIMEOUT)
    }

    /// [`PgStore::open`] with another per-operation deadline.
    pub fn open_with(url: &str, op_timeout: Duration) -> Result<PgStore, HistoryError> {
        let place = redact_url(url);
        // block_on inside a runtime would panic: say so instead.
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(HistoryError::Io {
                place,
                reason: "opened from inside an async runtime: open it on a blocking thread".into(),
            });
        }
        // The password as written (percent-encoded or not) and as decoded.
        let mut secrets: Vec<String> = Vec::new();
        secrets.extend(url_password(url));
        secrets.extend(query_password(url));
        // sslmode and sslrootcert are ours (the driver knows neither
        // verify-ca nor verify-full); the driver parses the rest.
        let (driver_url, tls) = match crate::pg_tls::split(url) {
            Ok(v) => v,
            Err(reason) => {
                return Err(HistoryError::Io {
                    reason: scrub(&secrets, &reason),
                    place,
                })
            }
        };
        let parsed: Result<Config, _> = driver_url.parse();
        if let Ok(c) = &parsed {
            if let Some(pw) = c.get_password() {
                let pw = String::from_utf8_lossy(pw).into_owned();
                if !pw.is_empty() && !secrets.contains(&pw) {
                    secrets.push(pw);
                }
            }
        }
        // Longest first, so a password containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut config = match parsed {
            Ok(c) => c,
            Err(e) => {
                return Err(HistoryError::Io {
                    reason: scrub(&secrets, &format!("not a PostgreSQL URL: {}", describe(&e))),
                    place,
                });
            }
        };
        let io = |reason: String| HistoryError::Io {
            place: place.clone(),
            reason: scrub(&secrets, &reason),
        };
        // A URL's sslmode was taken out: tell the driver (a key=value
        // string kept its own, which the driver read).
        if driver_url != url {
            config.ssl_mode(tls.mode.driver());
        }
        let make_tls = tokio_postgres_rustls::MakeRustlsConnect::new(
            crate::pg_tls::client_config(&tls).map_err(&io)?,
        );
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("rampart");
        }
        let connect_timeout = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
            .max(Duration::from_millis(100));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| io(format!("cannot start the client: {e}")))?;
        let connected = rt.block_on(async {
            tokio::time::timeout(connect_timeout, config.connect(make_tls)).await
        });
        let (client, connection) = match connected {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(io(crate::pg_tls::explain(&describe(&e), &tls))),
            Err(_) => {
                return Err(io(format!(
                    "no connection within {} s (connect_timeout)",
                    connect_timeout.as_secs_f64()
                )))
            }
        };
        // Driven whenever an operation runs on this runtime.
        rt.spawn(connection);
        let mut store = PgStore {
            rt,
            client: Some(client),
            place,
            secrets,
            op_timeout,
        };
        let ms = STATEMENT_TIMEOUT.as_millis();
        let store_ref = &mut store;
        on_client!(store_ref, |c| {
            c.batch_execute(&format!(
                    "SET statement_timeout = {ms}; SET lock_timeout = {ms}; SET idle_in_transaction_session_timeout = {}",
                    ms * 2
                ))
                .await?;
            Ok(())
        })?;
        store.migrate()?;
        Ok(store)
    }

    fn scrub(&self, msg: &str) -> String {
        scrub(&self.secrets, msg)
    }

    fn io(&self, reason: &str) -> HistoryError {
        HistoryError::Io {
            place: self.place.clone(),
            reason: self.scrub(reason),
        }
    }

    /// The end of one operation run by [`on_client!`]: the connection is
    /// put back, unless the deadline passed (its state is then unknown).
    fn finish<T>(
        &mut self,
        out: Result<Result<T, Fail>, tokio::time::error::Elapsed>,
        client: Client,
    ) -> Result<T, HistoryError> {
        match out {
            Ok(r) => {
                self.client = Some(client);
                match r {
                    Ok(v) => Ok(v),
                    Err(Fail::Pg(e)) => Err(self.io(&describe(&e))),
                    Err(Fail::History(e)) => Err(e),
                }
            }
            Err(_) => Err(self.io(&format!(
                "no answer within {} s: the server is overloaded or hung",
                self.op_timeout.as_secs()
            ))),
        }
    }

    /// Create or migrate the schema in one transaction, under an advisory
    /// lock: of several first-time writers one creates, the others wait
    /// and then find it made.
    fn migrate(&mut self) -> Result<(), HistoryError> {
        let place = self.place.clone();
        on_client!(self, |c| {
            let tx = c.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            let has_version_table: bool = tx
                .query_one("SELECT to_regclass('rampart_schema') IS NOT NULL", &[])
                .await?
                .get(0);
            let version: i64 = if has_version_table {
                tx.query_one(
                    "SELECT coalesce(max(version), 0)::BIGINT FROM rampart_schema",
                    &[],
                )
                .await?
                .get(0)
            } else {
                let tables: Vec<String> = schema::TABLES.iter().map(|t| t.to_string()).collect();
                let found: i64 = tx
                        .query_one(
                            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1)",
                            &[&tables],
                        )
                        .await?
                        .get(0);
                if found > 0 {
                    return Err(Fail::History(HistoryError::Corrupt {
                            place,
                            reason: "its schema holds tables named like rampart's but no rampart_schema: they are not rampart's (give rampart a database, or a schema with ?options=-csearch_path%3Drampart, of its own)".into(),
                        }));
                }
                0
            };
            if version > SCHEMA_VERSION {
                return Err(Fail::History(HistoryError::Newer {
                    place,
                    found: version,
                    known: SCHEMA_VERSION,
                }));
            }
            if version == SCHEMA_VERSION {
                // Nothing to do: no DDL, so a user with only
                // SELECT and INSERT can write.
                tx.commit().await?;
                return Ok(());
            }
            if !has_version_table {
                tx.batch_execute(
                        "CREATE TABLE rampart_schema(version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL, rampart_version TEXT NOT NULL)",
                    )
                    .await?;
            }
            let from = usize::try_from(version).unwrap_or(0);
            let now = crate::sqlite::now();
            for (i, step) in schema::MIGRATIONS.iter().enumerate().skip(from) {
                for sql in *step {
                    tx.batch_execute(sql).await?;
                }
                tx.execute(
                        "INSERT INTO rampart_schema(version, applied_at, rampart_version) VALUES ($1, $2, $3)",
                        &[&to_i64(i + 1), &now, &env!("CARGO_PKG_VERSION")],
                    )
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The schema version of the database.
    pub fn schema_version(&mut self) -> Result<i64, HistoryError> {
        on_client!(self, |c| {
            Ok(c.query_one(
                "SELECT coalesce(max(version), 0)::BIGINT FROM rampart_schema",
                &[],
            )
            .await?
            .get(0))
        })
    }
    /// One run, by its id or a unique prefix of it; without its evidence
    /// when `evidence` is false.
    fn load_with(&mut self, id: &str, evidence: bool) -> Result<Option<RunRecord>, HistoryError> {
        if id.is_empty() {
            return Ok(None);
        }
        let place = self.place.clone();
        on_client!(self, |c| { load(c, id, place, evidence).await })
    }
}

/// One `COPY table(...) FROM STDIN (FORMAT binary)`: the column types, the
/// rows, and each row's cells borrowed from the record as it is written. A
/// macro, not a function: a row's cells borrow temporaries made for that
/// row (its sequence number, its settings' JSON), which a function taking
/// an iterator of rows would have to box one by one.
macro_rules! copy_rows {
    ($tx:expr, $sql:expr, [$($ty:ident),+], $rows:expr, |$row:pat_param| $cells:expr) => {{
        let sink = $tx.copy_in($sql).await?;
        let mut w = std::pin::pin!(BinaryCopyInWriter::new(sink, &[$(Type::$ty),+]));
        for $row in $rows {
            let cells: &Params<'_> = &$cells;
            w.as_mut().write(cells).await?;
        }
        w.finish().await?;
    }};
}

async fn record(c: &mut Client, run: &RunRecord, place: String) -> Result<(), Fail> {
    let s = run.summary();
    let tx = c.transaction().await?;
    // The previous run of the same targets, and what changed since: kept
    // in the run's row, so a listing reads no finding.
    let previous: Option<String> = tx
        .query_opt(query::PREVIOUS, &[&s.targets_key, &run.run_id])
        .await?
        .map(|r| r.get(0));
    let (new, fixed): (Option<i64>, Option<i64>) = match &previous {
        Some(p) => {
            let before: std::collections::HashSet<String> = tx
                .query(query::BAD_FINGERPRINTS, &[p])
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let (n, f) = crate::model::new_and_fixed(&before, run);
            (Some(to_i64(n)), Some(to_i64(f)))
        }
        None => (None, None),
    };
    let inserted = tx
        .execute(
            "INSERT INTO runs(run_id, started_at, finished_at, rampart_version, advisory_data, shard, host, targets_key, target_count, unaudited, pass, fail, warn, error, previous_run, new_count, fixed_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            &[
                &run.run_id,
                &run.started_at,
                &run.finished_at,
                &run.rampart_version,
                &run.advisory_data,
                &run.shard,
                &run.host,
                &s.targets_key,
                &to_i64(s.targets),
                &to_i64(s.unaudited),
                &to_i64(s.pass),
                &to_i64(s.fail),
                &to_i64(s.warn),
                &to_i64(s.error),
                &previous,
                &new,
                &fixed,
            ],
        )
        .await;
    if let Err(e) = inserted {
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            return Err(Fail::History(HistoryError::Io {
                place,
                reason: format!("it already holds a run {}", run.run_id),
            }));
        }
        return Err(e.into());
    }
    copy_rows!(
        tx,
        "COPY targets(run_id, seq, name, kind, address, server_run_id, version, role, audited) FROM STDIN (FORMAT binary)",
        [TEXT, INT8, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, INT8],
        run.targets.iter().enumerate(),
        |(i, t)| [
            &run.run_id,
            &to_i64(i),
            &t.name,
            &t.kind,
            &t.address,
            &t.server_run_id,
            &t.version,
            &t.role,
            &i64::from(t.audited),
        ]
    );
    // Two targets of one name (not expected): the first kept, as in SQLite.
    let mut seen = BTreeSet::new();
    copy_rows!(
        tx,
        "COPY target_settings(run_id, target, settings) FROM STDIN (FORMAT binary)",
        [TEXT, TEXT, TEXT],
        run.targets
            .iter()
            .filter(|t| !t.settings.is_empty() && seen.insert(t.name.as_str())),
        |t| [&run.run_id, &t.name, &settings_json(&t.settings)]
    );
    copy_rows!(
        tx,
        "COPY findings(run_id, seq, target, check_id, severity, status, message, evidence, fingerprint, suppressed) FROM STDIN (FORMAT binary)",
        [TEXT, INT8, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, INT8],
        run.findings.iter().enumerate(),
        |(i, f)| [
            &run.run_id,
            &to_i64(i),
            &f.target,
            &f.check_id,
            &f.severity,
            &f.status,
            &f.message,
            &f.evidence_json,
            &f.fingerprint,
            &i64::from(f.suppressed),
        ]
    );
    tx.commit().await?;
    Ok(())
}

async fn list(c: &mut Client, filter: &RunFilter) -> Result<Vec<RunSummary>, Fail> {
    let mut sql = String::from(
        "SELECT run_id, started_at, finished_at, shard, host, target_count, unaudited, pass, fail, warn, error, targets_key, previous_run, new_count, fixed_count FROM runs WHERE started_at >= $1",
    );
    if filter.target.is_some() {
        sql.push_str(" AND run_id IN (SELECT run_id FROM targets WHERE name = $3)");
    }
    sql.push_str(" ORDER BY started_at DESC, run_id DESC LIMIT $2");
    let since = filter.since.unwrap_or(i64::MIN);
    // LIMIT NULL: all of them.
    let limit: Option<i64> = filter.limit.map(to_i64);
    let rows = match &filter.target {
        Some(t) => c.query(&sql, &[&since, &limit, t]).await?,
        None => c.query(&sql, &[&since, &limit]).await?,
    };
    Ok(rows
        .iter()
        .map(|r| RunSummary {
            run_id: r.get(0),
            started_at: r.get(1),
            finished_at: r.get(2),
            shard: r.get(3),
            host: r.get(4),
            targets: to_usize(r.get(5)),
            unaudited: to_usize(r.get(6)),
            pass: to_usize(r.get(7)),
            fail: to_usize(r.get(8)),
            warn: to_usize(r.get(9)),
            error: to_usize(r.get(10)),
            targets_key: r.get(11),
            previous: r.get(12),
            new: r.get::<_, Option<i64>>(13).map(to_usize),
            fixed: r.get::<_, Option<i64>>(14).map(to_usize),
        })
        .collect())
}

async fn load(
    c: &mut Client,
    id: &str,
    place: String,
    evidence: bool,
) -> Result<Option<RunRecord>, Fail> {
    // Run ids hold no LIKE wildcard, but a prefix compare needs none.
    let ids: Vec<String> = c
        .query(
            "SELECT run_id FROM runs WHERE left(run_id, char_length($1::text)) = $1::text ORDER BY run_id LIMIT 2",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let run_id = match ids.as_slice() {
        [] => return Ok(None),
        [one] => one.clone(),
        _ => {
            return Err(Fail::History(HistoryError::Ambiguous {
                place,
                run: id.to_string(),
            }))
        }
    };
    let r = c
        .query_one(
            "SELECT run_id, started_at, finished_at, rampart_version, advisory_data, shard, host FROM runs WHERE run_id = $1",
            &[&run_id],
        )
        .await?;
    let mut run = RunRecord {
        run_id: r.get(0),
        started_at: r.get(1),
        finished_at: r.get(2),
        rampart_version: r.get(3),
        advisory_data: r.get(4),
        shard: r.get(5),
        host: r.get(6),
        ..RunRecord::default()
    };
    let mut settings: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in c
        .query(
            "SELECT target, settings FROM target_settings WHERE run_id = $1",
            &[&run_id],
        )
        .await?
    {
        let target: String = r.get(0);
        let json: String = r.get(1);
        let parsed = parse_settings(&json).map_err(|e| {
            Fail::History(HistoryError::Corrupt {
                place: place.clone(),
                reason: e,
            })
        })?;
        settings.insert(target, parsed);
    }
    run.targets = c
        .query(
            "SELECT name, kind, address, server_run_id, version, role, audited FROM targets WHERE run_id = $1 ORDER BY seq",
            &[&run_id],
        )
        .await?
        .iter()
        .map(|r| TargetRecord {
            name: r.get(0),
            kind: r.get(1),
            address: r.get(2),
            server_run_id: r.get(3),
            version: r.get(4),
            role: r.get(5),
            audited: r.get::<_, i64>(6) != 0,
            settings: Vec::new(),
        })
        .collect();
    for t in &mut run.targets {
        if let Some(s) = settings.remove(&t.name) {
            t.settings = s;
        }
    }
    run.findings = c
        .query(
            if evidence {
                "SELECT target, check_id, severity, status, message, evidence, fingerprint, suppressed FROM findings WHERE run_id = $1 ORDER BY seq"
            } else {
                "SELECT target, check_id, severity, status, message, ''::TEXT, fingerprint, suppressed FROM findings WHERE run_id = $1 ORDER BY seq"
            },
            &[&run_id],
        )
        .await?
        .iter()
        .map(|r| FindingRecord {
            target: r.get(0),
            check_id: r.get(1),
            severity: r.get(2),
            status: r.get(3),
            message: r.get(4),
            evidence_json: r.get(5),
            fingerprint: r.get(6),
            suppressed: r.get::<_, i64>(7) != 0,
        })
        .collect();
    Ok(Some(run))
}

impl Store for PgStore {
    /// Whether any rotation or review was recorded (a record of audit
    /// runs only is no maintenance history yet).
    fn has_maintenance(&mut self) -> Result<bool, HistoryError> {
        on_client!(self, |c| {
            Ok(c.query_one(
                "SELECT EXISTS(SELECT 1 FROM rotations) OR EXISTS(SELECT 1 FROM reviews)",
                &[],
            )
            .await?
            .get(0))
        })
    }
    /// One run in one transaction.
    fn record_run(&mut self, run: &RunRecord) -> Result<(), HistoryError> {
        let place = self.place.clone();
        on_client!(self, |c| { record(c, run, place).await })
    }
    /// The union of every writer's runs, newest first, with what changed
    /// since the previous run of the same targets.
    fn runs(&mut self, filter: &RunFilter) -> Result<Vec<RunSummary>, HistoryError> {
        on_client!(self, |c| { list(c, filter).await })
    }
    fn run(&mut self, id: &str) -> Result<Option<RunRecord>, HistoryError> {
        self.load_with(id, true)
    }
    /// Without the evidence: the largest column stays on the server.
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
        on_client!(self, |c| {
            // `rotated_at` is INTEGER in schema step 1: the value is
            // cast on assignment.
            c.execute(
                    "INSERT INTO rotations(server, \"user\", rotated_at, tool_version) VALUES ($1, $2, $3::BIGINT, $4)",
                    &[&server, &user, &at, &tool_version],
                )
                .await?;
            Ok(())
        })
    }
    fn record_review(&mut self, server: &str, at: i64, users: u32) -> Result<(), HistoryError> {
        let users = i64::from(users);
        on_client!(self, |c| {
            c.execute(
                    "INSERT INTO reviews(server, reviewed_at, users) VALUES ($1, $2::BIGINT, $3::BIGINT)",
                    &[&server, &at, &users],
                )
                .await?;
            Ok(())
        })
    }
    fn lookup(
        &mut self,
        servers: &[String],
    ) -> Result<(BTreeMap<String, RotationRecord>, Option<ReviewRecord>), HistoryError> {
        on_client!(self, |c| {
            let mut rotations: BTreeMap<String, RotationRecord> = BTreeMap::new();
            let mut review: Option<ReviewRecord> = None;
            let rot = c
                    .prepare("SELECT \"user\", count(*)::BIGINT, max(rotated_at)::BIGINT FROM rotations WHERE server = $1 GROUP BY \"user\"")
                    .await?;
            let rev = c
                    .prepare("SELECT reviewed_at::BIGINT, users::BIGINT FROM reviews WHERE server = $1 ORDER BY reviewed_at DESC LIMIT 1")
                    .await?;
            for server in servers {
                for r in c.query(&rot, &[server]).await? {
                    let user: String = r.get(0);
                    let count: i64 = r.get(1);
                    let last: i64 = r.get(2);
                    let e = rotations.entry(user).or_insert(RotationRecord {
                        count: 0,
                        last: i64::MIN,
                    });
                    e.count = e
                        .count
                        .saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
                    e.last = e.last.max(last);
                }
                if let Some(r) = c.query_opt(&rev, &[server]).await? {
                    let at: i64 = r.get(0);
                    let users: i64 = r.get(1);
                    if review.is_none_or(|r| at > r.at) {
                        review = Some(ReviewRecord {
                            at,
                            users: u32::try_from(users).unwrap_or(0),
                        });
                    }
                }
            }
            Ok((rotations, review))
        })
    }
    fn place(&self) -> String {
        self.place.clone()
    }
    fn previous(
        &mut self,
        run_id: &str,
        targets_key: &str,
    ) -> Result<Option<String>, HistoryError> {
        // One indexed lookup, not a listing of every writer's runs.
        on_client!(self, |c| {
            Ok(c.query_opt(query::PREVIOUS, &[&targets_key, &run_id])
                .await?
                .map(|r| r.get(0)))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_found_where_urls_put_it() {
        assert_eq!(
            url_password("postgres://u:p%40ss@h:5432/db"),
            Some("p%40ss".into())
        );
        assert_eq!(url_password("postgres://u@h/db"), None);
        assert_eq!(
            query_password("postgres://h/db?user=u&password=s3"),
            Some("s3".into())
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let e = PgStore::open("postgres://u:Sekrit99@h:notaport/db").unwrap_err();
        let s = e.to_string();
        assert!(!s.contains("Sekrit99"), "{s}");
    }

    #[test]
    fn a_bad_sslmode_is_refused_without_the_password() {
        let e =
            PgStore::open("postgres://u:Sekrit99@127.0.0.1:1/db?sslmode=sometimes").unwrap_err();
        let s = e.to_string();
        assert!(s.contains("sslmode=sometimes"), "{s}");
        assert!(!s.contains("Sekrit99"), "{s}");
    }
}
