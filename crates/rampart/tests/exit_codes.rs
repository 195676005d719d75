//! Exit codes for CI (issue 12): 0 nothing at or above --fail-on, 1
//! findings at or above it, 2 rampart could not run, 3 some target could not
//! be audited and nothing audited fails.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::Server;

#[test]
fn exit_codes_tell_findings_from_unreachable_targets() {
    // Nothing listens on port 1 of loopback.
    let o = rampart(&["audit", "127.0.0.1:1", "--timeout", "2", "--no-discover"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let o = rampart(&[
        "audit",
        "127.0.0.1:1",
        "--timeout",
        "2",
        "--fail-on",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(0));
    // An audited server with failures beside it: the failures decide (1).
    let s = Server::start("").unwrap();
    let o = rampart(&[
        "audit",
        "127.0.0.1:1",
        &format!("127.0.0.1:{}", s.port),
        "--timeout",
        "2",
        "--no-discover",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // rampart could not run: 2.
    let o = rampart(&["audit", "--config", "/nonexistent/redis.conf"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rampart(&["audit", "127.0.0.1:1", "--select", "NOPE1"]);
    assert_eq!(o.status.code(), Some(2));
}
