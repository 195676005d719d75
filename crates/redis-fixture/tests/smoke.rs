#![allow(clippy::unwrap_used)]
use redis_fixture::{try_config, Server};

#[test]
fn starts_and_answers() {
    let s = Server::start("appendonly no\n").unwrap();
    assert_eq!(s.config_get("appendonly").as_deref(), Some("no"));
    assert_ne!(s.port, 6379);
}

#[test]
fn refused_config_names_the_line() {
    let e = match try_config("port 7000\nbogus-directive 1\n", &[]) {
        Ok(_) => panic!("bogus directive accepted"),
        Err(e) => e,
    };
    assert_eq!(e.fatal_line(), Some(2), "{}", e.output);
    assert!(
        e.fatal_reason().unwrap().contains("Bad directive"),
        "{}",
        e.output
    );
}
