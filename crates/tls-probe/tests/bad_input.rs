//! Fake servers that misbehave: every probe gets a clear verdict, in
//! bounded time, without a panic.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use tls_probe::{ScanOptions, Target};

/// Serve every connection with `f` (in a thread per connection) until the test ends.
fn fake(f: fn(std::net::TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || f(s));
        }
    });
    port
}

fn read_some(s: &mut std::net::TcpStream) {
    let mut b = [0u8; 4096];
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = s.read(&mut b);
}

fn scan_verdicts(port: u16) -> Vec<String> {
    let t = Target::resolve(&format!("127.0.0.1:{port}"), None).unwrap();
    let o = ScanOptions {
        timeout: Duration::from_millis(400),
        ..ScanOptions::default()
    };
    let start = Instant::now();
    let r = tls_probe::scan(&t, &o);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert!(!r.any_supported());
    // The renderers must cope too.
    let _ = tls_probe::json::scan_text(&r, &[]);
    let _ = tls_probe::json::scan_json(&r, &[]);
    r.protocols
        .iter()
        .map(|p| p.error.clone().unwrap_or_else(|| p.end.clone()))
        .collect()
}

fn all_contain(v: &[String], needle: &str) {
    assert!(
        v.iter().all(|x| x.contains(needle)),
        "expected {needle:?} in every verdict: {v:?}"
    );
}

#[test]
fn http_server() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    }));
    all_contain(&v, "not TLS: the server answered \"HTTP/1.1 400");
}

#[test]
fn reset() {
    let v = scan_verdicts(fake(|s| {
        // Closing with unread data makes the kernel send a RST.
        std::thread::sleep(Duration::from_millis(50));
        drop(s);
    }));
    assert!(
        v.iter()
            .all(|x| x.contains("reset") || x.contains("closed")),
        "{v:?}"
    );
}

#[test]
fn stall() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        std::thread::sleep(Duration::from_secs(3));
    }));
    all_contain(&v, "no answer within 400 ms");
}

#[test]
fn stall_mid_record() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[22, 3, 3, 0, 100, 2, 0]);
        std::thread::sleep(Duration::from_secs(3));
    }));
    all_contain(&v, "stalled after 7 bytes");
}

#[test]
fn alert() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[21, 3, 3, 0, 2, 2, 40]);
    }));
    all_contain(&v, "alert 40 (handshake_failure)");
}

#[test]
fn truncated_record() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[22, 3, 3, 0, 100, 2, 0, 0, 70, 3, 3]);
    }));
    all_contain(&v, "truncated");
}

#[test]
fn oversized_record() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[22, 3, 3, 0xFF, 0xFF, 2, 0, 0]);
    }));
    all_contain(&v, "record of 65535 bytes exceeds the TLS limit");
}

#[test]
fn sslv2_only() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[0x80, 0x2e, 0x04, 0x00, 0x01, 0x00, 0x02]);
    }));
    all_contain(&v, "SSLv2");
}

#[test]
fn garbage_handshake() {
    let v = scan_verdicts(fake(|mut s| {
        read_some(&mut s);
        // A handshake record whose message is not a ServerHello.
        let _ = s.write_all(&[22, 3, 3, 0, 4, 11, 0, 0, 0]);
    }));
    all_contain(&v, "malformed");
}

#[test]
fn nothing_listening() {
    let port = redis_fixture::free_port();
    let v = scan_verdicts(port);
    all_contain(&v, "cannot connect");
}
