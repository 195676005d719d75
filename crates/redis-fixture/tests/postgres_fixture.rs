//! The PostgreSQL fixture starts, answers, refuses after stop.
#![allow(clippy::unwrap_used)]
use redis_fixture::postgres_or_skip;

#[test]
fn postgres_starts_answers_and_stops() {
    let Some(mut pg) = postgres_or_skip("postgres_starts_answers_and_stops") else {
        return;
    };
    assert_eq!(pg.psql("SELECT 40 + 2").unwrap(), "42");
    let url = pg.url();
    assert!(url.contains(&pg.port.to_string()));
    let port = pg.port;
    pg.stop();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
