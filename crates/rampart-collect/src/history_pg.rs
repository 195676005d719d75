//! MNT001/MNT002 from a team's record in PostgreSQL (`--history
//! postgres://...`), read by [`crate::history::collect_history`] over one
//! connection per audit. The record is named without its password.

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::history::{collect_history, HistoryQuery};
    use rampart_checks::{Avail, HISTORY_ABSENT};
    use rampart_history::PgStore;
    use std::path::PathBuf;

    #[test]
    fn mnt_facts_come_from_postgresql_named_without_the_password() {
        let Some(pg) = redis_fixture::postgres_or_skip("mnt_from_postgresql") else {
            return;
        };
        let url = pg.url();
        let q = HistoryQuery::new(Some(PathBuf::from(&url)), 2_000_000, 90, 90);
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
        // A new audit (a new query) opens the record again and sees them.
        let q = HistoryQuery::new(q.path.clone(), q.now, 90, 90);
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
