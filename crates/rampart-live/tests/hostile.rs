//! The connection against servers that misbehave in ways a real server
//! cannot be made to (issue 11, items 5-7): late replies, extra replies,
//! drips, budgets. The fake is the rampart crate's test fake.
#![allow(clippy::unwrap_used)]

#[path = "../../rampart/tests/common/fake.rs"]
mod fake;

use fake::{bulk, Act};
use rampart_live::{ConnectOptions, Connection, Endpoint, Limits, LiveError};
use std::time::{Duration, Instant};

fn ep(port: u16) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port,
        tls: false,
    }
}

fn opts(io_ms: u64) -> ConnectOptions {
    ConnectOptions {
        io_timeout: Duration::from_millis(io_ms),
        ..ConnectOptions::default()
    }
}

#[test]
fn a_connection_that_timed_out_is_dead() {
    let port = fake::start(|a| match a[0].as_str() {
        "PING" => Act::Late(Duration::from_millis(600), b"+PONG\r\n".to_vec()),
        _ => Act::Reply(bulk("the answer to ECHO")),
    });
    let mut c = Connection::connect(&ep(port), &opts(300)).unwrap();
    assert!(matches!(c.cmd(&["PING"]), Err(LiveError::Timeout { .. })));
    assert!(c.is_dead());
    // The late +PONG has arrived by now: it must not be ECHO's answer.
    std::thread::sleep(Duration::from_millis(500));
    let e = c
        .cmd(&["ECHO", "x"])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("closed after an earlier failure"), "{e}");
    assert!(e.contains("timed out"), "{e}");
}

#[test]
fn a_reply_no_command_asked_for_kills_the_connection() {
    let port = fake::start(|_| Act::Reply(b"+PONG\r\n+EXTRA\r\n".to_vec()));
    let mut c = Connection::connect(&ep(port), &opts(1000)).unwrap();
    assert!(c.cmd(&["PING"]).is_ok());
    std::thread::sleep(Duration::from_millis(100));
    let e = c
        .cmd(&["PING"])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("no command asked for"), "{e}");
}

#[test]
fn one_deadline_bounds_a_dripping_reply() {
    // 1 byte every 100 ms: each read is well within the I/O timeout.
    let port = fake::start(|_| Act::Drip(Duration::from_millis(100), bulk(&"x".repeat(200))));
    let o = opts(5000).with_deadline(Duration::from_secs(1));
    let t = Instant::now();
    let mut c = Connection::connect(&ep(port), &o).unwrap();
    let r = c.cmd(&["INFO"]);
    let took = t.elapsed();
    println!("dripping reply stopped after {took:?} (deadline 1 s)");
    assert!(matches!(r, Err(LiveError::Deadline { .. })), "{r:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // And a second connection for the same target starts past it.
    assert!(matches!(
        Connection::connect(&ep(port), &o),
        Err(LiveError::Deadline { .. })
    ));
    // Without a target deadline, one command's exchange is bounded by the I/O timeout.
    let t = Instant::now();
    let mut c = Connection::connect(&ep(port), &opts(800)).unwrap();
    assert!(c.cmd(&["INFO"]).unwrap_err().is_timeout());
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn the_byte_budget_spans_every_reply_of_a_connection() {
    let port = fake::start(|_| Act::Reply(bulk(&"y".repeat(300 * 1024))));
    let o = ConnectOptions {
        limits: Limits {
            max_connection: 1024 * 1024,
            ..Limits::default()
        },
        ..opts(2000)
    };
    let mut c = Connection::connect(&ep(port), &o).unwrap();
    for _ in 0..3 {
        assert!(c.cmd(&["INFO"]).is_ok());
    }
    let e = c
        .cmd(&["INFO"])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("budget of 1 MiB"), "{e}");
}

#[test]
fn many_tiny_elements_cost_their_memory() {
    // 7 bytes each on the wire, far more once parsed.
    let port = fake::start(|_| Act::Stream {
        head: b"*1000\r\n".to_vec(),
        unit: [b"*1000\r\n".to_vec(), b"$1\r\nx\r\n".repeat(1000)].concat(),
        times: 1000,
    });
    let mut c = Connection::connect(&ep(port), &opts(5000)).unwrap();
    let e = c
        .cmd(&["CONFIG", "GET", "*"])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("budget of 64 MiB"), "{e}");
}
