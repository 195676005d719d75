//! The PostgreSQL store against a real PostgreSQL (redis-fixture's
//! `Postgres`: initdb in a temp dir, a loopback port, a SCRAM password):
//! the schema made on first use, runs read back whole, four writers at
//! once, a newer schema refused, foreign tables refused, a server down or
//! hung, and the password in no message.
#![allow(clippy::unwrap_used)]

use rampart_history::{
    open, FindingRecord, HistoryError, HistorySpec, PgStore, RunFilter, RunRecord, TargetRecord,
};
use redis_fixture::{postgres_or_skip, Postgres, PG_PASSWORD};

fn run(id: &str, started: i64, shard: Option<&str>, targets: &[&str]) -> RunRecord {
    let mut r = RunRecord {
        run_id: id.into(),
        started_at: started,
        finished_at: started + 2,
        rampart_version: "0.1.0".into(),
        advisory_data: "2026-12-01".into(),
        shard: shard.map(str::to_string),
        host: "auditor-1".into(),
        ..RunRecord::default()
    };
    for (i, t) in targets.iter().enumerate() {
        r.targets.push(TargetRecord {
            name: t.to_string(),
            kind: "server".into(),
            address: Some(t.to_string()),
            server_run_id: Some(format!("{i:040}")),
            version: Some("redis 7.2.6".into()),
            role: Some("master".into()),
            audited: i % 7 != 3,
            settings: vec![
                ("maxmemory".into(), "0".into()),
                ("protected-mode".into(), "yes".into()),
            ],
        });
        for (j, status) in ["pass", "fail", "warn", "pass"].iter().enumerate() {
            r.findings.push(FindingRecord {
                target: t.to_string(),
                check_id: format!("AUTH00{j}"),
                severity: "high".into(),
                status: status.to_string(),
                message: format!("{t}: it's \"quoted\"\tand\nmultiline, ünïcode"),
                evidence_json: r#"{"setting":"requirepass","value":null}"#.into(),
                fingerprint: format!("fp-{t}-{j}"),
                suppressed: j == 2,
            });
        }
    }
    r
}

fn fresh(pg: &Postgres, name: &str) -> HistorySpec {
    HistorySpec::Postgres(pg.create_database(name).unwrap())
}

#[test]
fn the_schema_is_made_on_first_use_and_a_run_reads_back_whole() {
    let Some(pg) = postgres_or_skip("pg_roundtrip") else {
        return;
    };
    let spec = fresh(&pg, "roundtrip");
    let mut store = open(&spec).unwrap();
    assert!(!store.place().contains(PG_PASSWORD), "{}", store.place());
    let version = pg
        .psql_in("roundtrip", "SELECT max(version) FROM rampart_schema")
        .unwrap();
    assert_eq!(version, rampart_history::schema::SCHEMA_VERSION.to_string());
    let a = run(
        "20261202T040000.000000Z-aa",
        1000,
        None,
        &["10.0.0.1:6379", "10.0.0.2:6379"],
    );
    store.record_run(&a).unwrap();
    let mut b = run(
        "20261202T050000.000000Z-bb",
        2000,
        None,
        &["10.0.0.1:6379", "10.0.0.2:6379"],
    );
    // One failing finding fixed, none new.
    b.findings[1].status = "pass".into();
    store.record_run(&b).unwrap();
    assert_eq!(store.run("20261202T04").unwrap().unwrap(), a);
    assert_eq!(store.run(&b.run_id).unwrap().unwrap(), b);
    assert!(store.run("nope").unwrap().is_none());
    assert!(matches!(
        store.run("20261202T0"),
        Err(HistoryError::Ambiguous { .. })
    ));
    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].run_id, b.run_id);
    assert_eq!(runs[0].previous.as_deref(), Some(a.run_id.as_str()));
    assert_eq!(runs[0].fixed, Some(1));
    assert_eq!(runs[0].new, Some(0));
    assert_eq!(runs[1], a.summary());
    assert_eq!(
        store
            .previous(&b.run_id, &b.targets_key())
            .unwrap()
            .as_deref(),
        Some(a.run_id.as_str())
    );
    assert_eq!(store.previous(&a.run_id, &a.targets_key()).unwrap(), None);
    let limited = store
        .runs(&RunFilter {
            limit: Some(1),
            ..RunFilter::default()
        })
        .unwrap();
    assert_eq!(limited.len(), 1);
    let since = store
        .runs(&RunFilter {
            since: Some(1500),
            ..RunFilter::default()
        })
        .unwrap();
    assert_eq!(since.len(), 1);
    // The same run twice is refused, and the first is intact.
    let e = store.record_run(&a).unwrap_err().to_string();
    assert!(e.contains("already holds"), "{e}");
    assert_eq!(store.run(&a.run_id).unwrap().unwrap(), a);
    // Opening again migrates nothing and reads the same.
    drop(store);
    let mut again = open(&spec).unwrap();
    assert_eq!(again.runs(&RunFilter::default()).unwrap().len(), 2);
}

#[test]
fn rotations_and_reviews_are_read_back_for_mnt001_and_mnt002() {
    let Some(pg) = postgres_or_skip("pg_rotations") else {
        return;
    };
    let spec = fresh(&pg, "rotations");
    let mut store = open(&spec).unwrap();
    store
        .record_rotation("10.0.0.1:6379", "app", 100, "0.1.0")
        .unwrap();
    store
        .record_rotation("10.0.0.1:6379", "app", 300, "0.1.0")
        .unwrap();
    store
        .record_rotation("/etc/redis/redis.conf", "app", 200, "0.1.0")
        .unwrap();
    store.record_review("10.0.0.1:6379", 50, 3).unwrap();
    store.record_review("/etc/redis/redis.conf", 70, 4).unwrap();
    let (rot, review) = store
        .lookup(&["10.0.0.1:6379".into(), "/etc/redis/redis.conf".into()])
        .unwrap();
    let app = rot.get("app").unwrap();
    assert_eq!((app.count, app.last), (3, 300));
    let review = review.unwrap();
    assert_eq!((review.at, review.users), (70, 4));
    let (none, no_review) = store.lookup(&["elsewhere:6379".into()]).unwrap();
    assert!(none.is_empty() && no_review.is_none());
}

#[test]
fn four_first_time_writers_at_once_make_one_schema_and_four_runs() {
    let Some(pg) = postgres_or_skip("pg_four_writers") else {
        return;
    };
    let spec = fresh(&pg, "four");
    let fleet: Vec<String> = (0..200)
        .map(|i| format!("redis-{i}.example:6379"))
        .collect();
    let handles: Vec<_> = (1..=4u32)
        .map(|k| {
            let spec = spec.clone();
            let fleet = fleet.clone();
            std::thread::spawn(move || {
                let shard = rampart_shard(k, &fleet);
                let names: Vec<&str> = shard.iter().map(String::as_str).collect();
                let r = run(
                    &format!("20261202T0600{k:02}.000000Z-{k:02}"),
                    3000 + i64::from(k),
                    Some(&format!("{k}/4")),
                    &names,
                );
                // Each writer opens (migrating a fresh database) and records.
                let mut store = open(&spec).unwrap();
                store.record_run(&r).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let mut store = open(&spec).unwrap();
    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), 4);
    let mut shards: Vec<String> = runs.iter().filter_map(|r| r.shard.clone()).collect();
    shards.sort();
    assert_eq!(shards, ["1/4", "2/4", "3/4", "4/4"]);
    // Every target once across the four runs.
    let once = pg
        .psql_in("four", "SELECT count(*), count(DISTINCT name) FROM targets")
        .unwrap();
    assert_eq!(once, "200|200");
    assert_eq!(
        pg.psql_in("four", "SELECT count(*) FROM rampart_schema")
            .unwrap(),
        rampart_history::schema::SCHEMA_VERSION.to_string()
    );
}

/// A simple stand-in for `--shard`: which of `fleet` is shard `k` of 4
/// (the binary's assignment is tested in rampart-collect).
fn rampart_shard(k: u32, fleet: &[String]) -> Vec<String> {
    fleet
        .iter()
        .enumerate()
        .filter(|(i, _)| (*i as u32) % 4 + 1 == k)
        .map(|(_, t)| t.clone())
        .collect()
}

#[test]
fn a_newer_schema_and_foreign_tables_are_refused() {
    let Some(pg) = postgres_or_skip("pg_newer") else {
        return;
    };
    let spec = fresh(&pg, "newer");
    drop(open(&spec).unwrap());
    pg.psql_in(
        "newer",
        "INSERT INTO rampart_schema(version, applied_at, rampart_version) VALUES (99, 0, '9.9.9')",
    )
    .unwrap();
    let e = open(&spec).err().unwrap();
    assert!(matches!(e, HistoryError::Newer { found: 99, .. }), "{e}");
    assert!(!e.to_string().contains(PG_PASSWORD));

    let foreign = fresh(&pg, "alien");
    pg.psql_in("alien", "CREATE TABLE runs(id int)").unwrap();
    let e = open(&foreign).err().unwrap();
    assert!(matches!(e, HistoryError::Corrupt { .. }), "{e}");
}

#[test]
fn a_user_with_only_select_and_insert_writes_after_the_first_run() {
    let Some(pg) = postgres_or_skip("pg_grants") else {
        return;
    };
    let spec = fresh(&pg, "grants");
    drop(open(&spec).unwrap());
    pg.psql_in(
        "grants",
        "CREATE ROLE auditor LOGIN PASSWORD 'aud-Pw-55'; REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO auditor; GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO auditor",
    )
    .unwrap();
    let url = format!(
        "postgres://auditor:aud-Pw-55@127.0.0.1:{}/grants?connect_timeout=5",
        pg.port
    );
    let mut store = open(&HistorySpec::Postgres(url)).unwrap();
    store
        .record_run(&run("20261202T070000.000000Z-cc", 1, None, &["a:1"]))
        .unwrap();
    assert_eq!(store.runs(&RunFilter::default()).unwrap().len(), 1);
}

#[test]
fn a_wrong_password_a_server_down_and_a_hung_one_fail_without_the_password() {
    let Some(mut pg) = postgres_or_skip("pg_down") else {
        return;
    };
    let wrong = pg.url().replace(PG_PASSWORD, "Wrong-Pw-31337");
    let e = open(&HistorySpec::Postgres(wrong))
        .err()
        .unwrap()
        .to_string();
    assert!(!e.contains("Wrong-Pw-31337"), "{e}");
    assert!(e.contains("127.0.0.1"), "{e}");

    let url = pg.url();
    pg.stop();
    let e = open(&HistorySpec::Postgres(url)).err().unwrap().to_string();
    assert!(!e.contains(PG_PASSWORD), "{e}");
    assert!(e.contains("postgres://rampart:***@127.0.0.1"), "{e}");

    // A listener that accepts and never answers: held to connect_timeout.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let url = format!("postgres://rampart:{PG_PASSWORD}@127.0.0.1:{port}/x?connect_timeout=1");
    let e = open(&HistorySpec::Postgres(url)).err().unwrap().to_string();
    assert!(e.contains("no connection within"), "{e}");
    assert!(!e.contains(PG_PASSWORD), "{e}");
    drop(l);
}

#[test]
fn a_server_that_stops_answering_fails_the_call_instead_of_hanging_it() {
    let Some(pg) = postgres_or_skip("pg_hung") else {
        return;
    };
    let url = pg
        .url()
        .replace("?", "?application_name=rampart-hung-test&");
    let mut store = PgStore::open_with(&url, std::time::Duration::from_secs(2)).unwrap();
    let pid = pg
        .psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'rampart-hung-test'")
        .unwrap();
    assert!(!pid.is_empty() && !pid.contains('\n'), "{pid}");
    // The backend serving this connection stops (SIGSTOP): it neither
    // answers nor closes.
    let signal = |sig: &str| {
        assert!(std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success())
    };
    signal("-STOP");
    let r = rampart_history::Store::runs(&mut store, &RunFilter::default());
    signal("-CONT");
    let e = r.unwrap_err().to_string();
    assert!(e.contains("no answer within 2 s"), "{e}");
    assert!(!e.contains(PG_PASSWORD), "{e}");
    // The connection is dropped, not reused in an unknown state.
    let e = rampart_history::Store::runs(&mut store, &RunFilter::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("dropped"), "{e}");
}
