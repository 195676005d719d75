//! Where the record lives, and the one interface both backends implement.

use crate::model::{RunFilter, RunRecord, RunSummary};
use rampart_checks::{ReviewRecord, RotationRecord};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the history {place} was written by a newer rampart (schema version {found}; this rampart knows {known}): upgrade rampart, or give another one with --history")]
    Newer {
        place: String,
        found: i64,
        known: i64,
    },
    #[error("the history {place} is not a rampart history, or is corrupt: {reason}")]
    Corrupt { place: String, reason: String },
    #[error("cannot use the history {place}: {reason}")]
    Io { place: String, reason: String },
    #[error("the history {place} has no run {run}")]
    NoSuchRun { place: String, run: String },
    #[error("the history {place} has more than one run starting with {run}: give more of its id")]
    Ambiguous { place: String, run: String },
    #[error("{0}")]
    Unsupported(String),
}

/// `--history FILE|postgres://...`, or `$RAMPART_HISTORY`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistorySpec {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl HistorySpec {
    /// A URL with a `postgres://` or `postgresql://` scheme is PostgreSQL;
    /// anything else is a file path.
    pub fn parse(s: &str) -> HistorySpec {
        let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            HistorySpec::Postgres(s.to_string())
        } else {
            HistorySpec::Sqlite(PathBuf::from(s))
        }
    }

    /// How it is named in messages: a URL without its password.
    pub fn display(&self) -> String {
        match self {
            HistorySpec::Sqlite(p) => p.display().to_string(),
            HistorySpec::Postgres(url) => redact_url(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match auth.rsplit_once('@') {
        Some((cred, host)) => {
            let user = cred.split_once(':').map_or(cred, |(u, _)| u);
            let masked = if cred.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            // A password in the query (`?password=`) is masked too.
            let tail = mask_query_password(tail);
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => format!("{scheme}://{auth}{}", mask_query_password(tail)),
    }
}

fn mask_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// The record, whichever backend holds it.
pub trait Store: Send {
    /// Record one run, all of it or nothing (one transaction).
    fn record_run(&mut self, run: &RunRecord) -> Result<(), HistoryError>;
    /// Runs, newest first.
    fn runs(&mut self, filter: &RunFilter) -> Result<Vec<RunSummary>, HistoryError>;
    /// One run, whole; `Ok(None)` when there is no such run. `id` may be a
    /// unique prefix of a run id.
    fn run(&mut self, id: &str) -> Result<Option<RunRecord>, HistoryError>;
    /// A rotation of `user` on `server` finished at `at`.
    fn record_rotation(
        &mut self,
        server: &str,
        user: &str,
        at: i64,
        tool_version: &str,
    ) -> Result<(), HistoryError>;
    /// A review of `users` ACL users of `server` at `at`.
    fn record_review(&mut self, server: &str, at: i64, users: u32) -> Result<(), HistoryError>;
    /// Rotations per user and the last review, under any of `servers`.
    #[allow(clippy::type_complexity)]
    fn lookup(
        &mut self,
        servers: &[String],
    ) -> Result<(BTreeMap<String, RotationRecord>, Option<ReviewRecord>), HistoryError>;
    /// Whether anything was rotated or reviewed (what MNT001 and MNT002
    /// judge); a record of audit runs only has nothing for them.
    fn has_maintenance(&mut self) -> Result<bool, HistoryError>;
    /// How the store is named in messages (never with a password).
    fn place(&self) -> String;
    /// One run as [`Store::run`], its evidence possibly left out (what
    /// [`crate::diff::diff`] reads).
    fn run_for_diff(&mut self, id: &str) -> Result<Option<RunRecord>, HistoryError> {
        self.run(id)
    }
    /// The run before `run_id` of the same targets (`targets_key`), if any.
    fn previous(
        &mut self,
        run_id: &str,
        targets_key: &str,
    ) -> Result<Option<String>, HistoryError> {
        Ok(self
            .runs(&RunFilter::default())?
            .into_iter()
            .find(|r| r.run_id.as_str() < run_id && r.targets_key == targets_key)
            .map(|r| r.run_id))
    }
}

/// Open (and create or migrate) the record `spec` names, to write.
pub fn open(spec: &HistorySpec) -> Result<Box<dyn Store>, HistoryError> {
    match spec {
        HistorySpec::Sqlite(path) => Ok(Box::new(crate::sqlite::History::open(path)?)),
        HistorySpec::Postgres(url) => Ok(Box::new(crate::postgres::PgStore::open(url)?)),
    }
}

/// Open the record `spec` names to read it: a file that does not exist
/// yet, or an older one (not migrated), reads as an empty record.
pub fn open_read(spec: &HistorySpec) -> Result<Box<dyn Store>, HistoryError> {
    match spec {
        HistorySpec::Sqlite(path) => match crate::sqlite::History::open_read(path)? {
            Some(h) => Ok(Box::new(h)),
            None => Ok(Box::new(crate::sqlite::Empty(path.clone()))),
        },
        HistorySpec::Postgres(_) => open(spec),
    }
}

/// The run `what` names: `last` (the newest), `last~N` (N before it), or
/// a unique prefix of a run id.
pub fn resolve(store: &mut dyn Store, what: &str) -> Result<RunRecord, HistoryError> {
    resolve_with(store, what, false)
}

/// [`resolve`] for a diff (evidence possibly left out).
pub fn resolve_for_diff(store: &mut dyn Store, what: &str) -> Result<RunRecord, HistoryError> {
    resolve_with(store, what, true)
}

fn resolve_with(store: &mut dyn Store, what: &str, lean: bool) -> Result<RunRecord, HistoryError> {
    let no = |store: &dyn Store| HistoryError::NoSuchRun {
        place: store.place(),
        run: what.to_string(),
    };
    let back = match what.strip_prefix("last") {
        Some("") => Some(0),
        Some(n) => n.strip_prefix('~').and_then(|n| n.parse::<usize>().ok()),
        None => None,
    };
    let id = match back {
        Some(n) => {
            let runs = store.runs(&RunFilter {
                limit: Some(n.saturating_add(1)),
                ..RunFilter::default()
            })?;
            match runs.get(n) {
                Some(r) => r.run_id.clone(),
                None => return Err(no(store)),
            }
        }
        None => what.to_string(),
    };
    let run = if lean {
        store.run_for_diff(&id)?
    } else {
        store.run(&id)?
    };
    run.ok_or_else(|| no(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_the_rest_are_files() {
        assert_eq!(
            HistorySpec::parse("postgres://a@h/db"),
            HistorySpec::Postgres("postgres://a@h/db".into())
        );
        assert_eq!(
            HistorySpec::parse("PostgreSQL://h/db"),
            HistorySpec::Postgres("PostgreSQL://h/db".into())
        );
        assert_eq!(
            HistorySpec::parse("/var/lib/rampart/h.sqlite"),
            HistorySpec::Sqlite("/var/lib/rampart/h.sqlite".into())
        );
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            redact_url("postgres://rampart:s3cret@db:5432/rampart"),
            "postgres://rampart:***@db:5432/rampart"
        );
        assert_eq!(
            redact_url("postgres://db/rampart?user=r&password=s3cret"),
            "postgres://db/rampart?user=r&password=***"
        );
        assert_eq!(redact_url("postgres://r@db/x"), "postgres://r@db/x");
    }
}
