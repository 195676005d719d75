//! MNT001/MNT002 from a team's record in PostgreSQL (`--history
//! postgres://...`): the rotations and reviews of a target, read over one
//! connection per process (an audit of a thousand targets makes one
//! connection, not a thousand). The record is named without its password.

use rampart_checks::{Avail, HistoryFacts, HISTORY_ABSENT};
use rampart_history::store::redact_url;
use rampart_history::PgStore;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::history::HistoryQuery;

/// The open store, by URL; a failed open is remembered too, so one
/// unreachable server costs one connect timeout per audit, not one per
/// target.
static STORE: Mutex<Option<(String, Result<PgStore, String>)>> = Mutex::new(None);

/// The history facts of one target from the PostgreSQL record at `url`.
pub fn collect(q: &HistoryQuery, url: &str, servers: &[String]) -> Avail<HistoryFacts> {
    let Ok(mut guard) = STORE.lock() else {
        return Avail::Failed("the history connection is unusable (a thread panicked)".into());
    };
    if guard.as_ref().is_none_or(|(u, _)| u != url) {
        *guard = Some((
            url.to_string(),
            PgStore::open(url).map_err(|e| e.to_string()),
        ));
    }
    let Some((_, opened)) = guard.as_mut() else {
        return Avail::Failed("the history connection is unusable".into());
    };
    let store = match opened {
        Ok(s) => s,
        Err(e) => return Avail::Failed(e.clone()),
    };
    match store.has_maintenance() {
        // Audit runs only: nothing rotated or reviewed with rampart yet.
        Ok(false) => return Avail::absent(HISTORY_ABSENT),
        Ok(true) => {}
        Err(e) => return Avail::Failed(e.to_string()),
    }
    match rampart_history::Store::lookup(store, servers) {
        Ok((rotations, last_review)) => Avail::Present(HistoryFacts {
            // Shown in evidence: never with the password.
            path: PathBuf::from(redact_url(url)),
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
    use crate::history::collect_history;

    #[test]
    fn mnt_facts_come_from_postgresql_named_without_the_password() {
        let Some(pg) = redis_fixture::postgres_or_skip("mnt_from_postgresql") else {
            return;
        };
        let url = pg.url();
        let q = HistoryQuery {
            path: Some(PathBuf::from(&url)),
            now: 2_000_000,
            rotation_days: 90,
            review_days: 90,
        };
        // An empty record: no history yet.
        let a = collect_history(&q, &["127.0.0.1:7000".into()]);
        assert!(
            matches!(&a, Avail::Absent(r) if r == HISTORY_ABSENT),
            "{a:?}"
        );
        let mut s = PgStore::open(&url).unwrap();
        rampart_history::Store::record_rotation(&mut s, "127.0.0.1:7000", "app", 1_000, "0.1.0")
            .unwrap();
        rampart_history::Store::record_review(&mut s, "127.0.0.1:7000", 1_200, 3).unwrap();
        let a = collect_history(&q, &["127.0.0.1:7000".into()]);
        let Avail::Present(f) = a else {
            panic!("{a:?}")
        };
        assert_eq!(f.rotations["app"].count, 1);
        assert_eq!(f.last_review.unwrap().users, 3);
        let shown = f.path.display().to_string();
        assert!(!shown.contains(redis_fixture::PG_PASSWORD), "{shown}");
        assert!(
            shown.starts_with("postgres://rampart:***@127.0.0.1:"),
            "{shown}"
        );
    }
}
