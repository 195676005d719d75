//! TLS to a real PostgreSQL (redis-fixture's `Postgres::start_tls`:
//! `ssl = on` with a certificate of a test CA made by `openssl`, SAN
//! `127.0.0.1`): `require`, `verify-ca` and `verify-full` connect over TLS
//! (the server says so in `pg_stat_ssl`), `disable` does not, a wrong CA
//! is refused by `verify-full` with a message that says why, `require`
//! refuses a server without TLS, and the password is in no message.
#![allow(clippy::unwrap_used)]

use rampart_history::{open, HistorySpec, PgStore, RunFilter, RunRecord};
use redis_fixture::{postgres_bindir, Postgres, TlsMaterial, PG_PASSWORD};

/// The CA and server certificate, and a server presenting it; `None`
/// after `SKIP` when PostgreSQL is not installed (fails with `CI` set).
fn tls_server(test: &str) -> Option<(TlsMaterial, Postgres)> {
    if postgres_bindir().is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: PostgreSQL is not installed (initdb, postgres) and CI is set");
        }
        println!("SKIP {test}: PostgreSQL is not installed (apt-get install postgresql)");
        return None;
    }
    let m = TlsMaterial::generate().unwrap();
    let pg = Postgres::start_tls(&m.server)
        .unwrap_or_else(|e| panic!("{test}: PostgreSQL with ssl=on did not start: {}", e.output));
    Some((m, pg))
}

/// `pg.url()` with `application_name=NAME` and `extra` query parameters.
fn url(pg: &Postgres, name: &str, extra: &str) -> String {
    format!("{}&application_name={name}{extra}", pg.url())
}

/// Whether the server sees the connection named `name` as TLS (`t`/`f`).
fn ssl_of(pg: &Postgres, name: &str) -> String {
    pg.psql(&format!(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '{name}'"
    ))
    .unwrap()
}

#[test]
fn require_verify_ca_and_verify_full_speak_tls() {
    let Some((m, pg)) = tls_server("pg_tls_modes") else {
        return;
    };
    let ca = m.ca_cert.display().to_string();
    for (name, extra, tls) in [
        ("rampart_disable", "&sslmode=disable".to_string(), "f"),
        ("rampart_prefer", String::new(), "t"),
        ("rampart_require", "&sslmode=require".to_string(), "t"),
        (
            "rampart_verify_ca",
            format!("&sslmode=verify-ca&sslrootcert={ca}"),
            "t",
        ),
        (
            "rampart_verify_full",
            format!("&sslmode=verify-full&sslrootcert={ca}"),
            "t",
        ),
    ] {
        let u = url(&pg, name, &extra);
        let mut store = PgStore::open(&u).unwrap_or_else(|e| panic!("{name}: {e}"));
        // A whole run over the connection, read back.
        let run = RunRecord {
            run_id: format!("20261202T080000.000000Z-{name}"),
            started_at: 1,
            finished_at: 2,
            rampart_version: "0.1.0".into(),
            ..RunRecord::default()
        };
        rampart_history::Store::record_run(&mut store, &run).unwrap();
        assert!(
            rampart_history::Store::runs(&mut store, &RunFilter::default())
                .unwrap()
                .iter()
                .any(|r| r.run_id == run.run_id)
        );
        assert_eq!(ssl_of(&pg, name), tls, "{name}: pg_stat_ssl");
        drop(store);
    }
}

#[test]
fn verify_full_with_a_wrong_ca_fails_clearly_without_the_password() {
    let Some((m, pg)) = tls_server("pg_tls_wrong_ca") else {
        return;
    };
    // A certificate that did not sign the server's.
    let wrong = m.self_signed.cert.display().to_string();
    for mode in ["verify-full", "verify-ca"] {
        let u = url(
            &pg,
            "rampart_wrong_ca",
            &format!("&sslmode={mode}&sslrootcert={wrong}"),
        );
        let e = open(&HistorySpec::Postgres(u)).err().unwrap().to_string();
        assert!(
            e.contains(&format!(
                "sslmode={mode}: the server's certificate is not signed by a CA of sslrootcert {wrong}"
            )),
            "{e}"
        );
        assert!(!e.contains(PG_PASSWORD), "{e}");
        assert!(e.contains("postgres://rampart:***@127.0.0.1"), "{e}");
    }
    // No root certificate at all.
    let u = url(
        &pg,
        "rampart_no_ca",
        "&sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    );
    let e = open(&HistorySpec::Postgres(u)).err().unwrap().to_string();
    assert!(e.contains("sslrootcert"), "{e}");
    assert!(!e.contains(PG_PASSWORD), "{e}");
}

#[test]
fn require_refuses_a_server_without_tls() {
    let Some(pg) = redis_fixture::postgres_or_skip("pg_tls_off") else {
        return;
    };
    let e = open(&HistorySpec::Postgres(url(
        &pg,
        "rampart_require_off",
        "&sslmode=require",
    )))
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("sslmode=require: the server does not offer TLS"),
        "{e}"
    );
    assert!(!e.contains(PG_PASSWORD), "{e}");
    // prefer falls back to plaintext, as libpq does.
    PgStore::open(&url(&pg, "rampart_prefer_off", "&sslmode=prefer")).unwrap();
}
