//! Issue 11: the TLS scan of a live target is held to the target's one
//! deadline (`--timeout`). A real TLS-only server behind a fake (test code)
//! that forwards rampart's first connections (the audit's own and the
//! unauthenticated probe) and stalls every later one mid-handshake (it
//! reads the ClientHello and never answers): the scan's probes stall, and
//! the audit still ends within the deadline and a small constant, with the
//! target reported as not fully audited.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{ServerBuilder, TlsMode};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Forward the first `forward` connections to `to`; hold the others open
/// after reading what the client sends.
fn stalling_proxy(to: u16, forward: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for (i, s) in l.incoming().enumerate() {
            let Ok(mut client) = s else { continue };
            if i >= forward {
                let _ = client.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 4096];
                let _ = client.read(&mut buf);
                held.push(client);
                continue;
            }
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
                let _ = s2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.flush();
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn a_stalling_tls_scan_ends_at_the_targets_deadline() {
    let n = ServerBuilder::new().tls(TlsMode::TlsOnly).start().unwrap();
    let m = n.tls.clone().unwrap();
    let port = stalling_proxy(n.tls_port.unwrap(), 2);
    let target = format!("rediss://127.0.0.1:{port}");
    let deadline = 3.0;
    let start = Instant::now();
    let o = rampart(&[
        "audit",
        &target,
        "--format",
        "json",
        "--no-discover",
        "--timeout",
        &deadline.to_string(),
        "--cacert",
        m.ca_cert.to_str().unwrap(),
    ]);
    let took = start.elapsed().as_secs_f64();
    let r = json(&o);
    assert!(
        took < deadline + 2.5,
        "the audit took {took:.1} s for a {deadline} s deadline"
    );
    // The live part was audited over the forwarded connection.
    assert_ne!(status(&r, "NET004"), "error", "{}", r["findings"]);
    // The scan was not: the TLS checks say so (an error, not a pass).
    assert_eq!(status(&r, "TLS002"), "error");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "TLS002")
        .unwrap();
    assert!(f.to_string().contains("not fully audited"), "{f}");
}
