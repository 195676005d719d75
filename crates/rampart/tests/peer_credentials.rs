//! Issue 11 item 9: discovery sends the seed's credentials only to peers
//! on the seed's host, unless the operator allows more (`--allow-peer`).
//! A real master and a real replica that announces itself as
//! 127.0.0.2:<port of a listener this test runs>: the listener records
//! whether rampart connected and what it sent.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Credentials, ServerBuilder};
use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "seed-password-not-for-peers";

/// A listener on 127.0.0.2 that records every byte sent to it.
struct Trap {
    port: u16,
    got: Arc<Mutex<Option<Vec<u8>>>>,
}

fn trap() -> Option<Trap> {
    // 127.0.0.2 is loopback on Linux; where it is not, the test cannot run.
    let l = TcpListener::bind("127.0.0.2:0").ok()?;
    let port = l.local_addr().ok()?.port();
    let got = Arc::new(Mutex::new(None));
    let g = got.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            g.lock()
                .unwrap()
                .get_or_insert_with(Vec::new)
                .extend(&buf[..n]);
            // Then close: rampart's connection fails at once.
        }
    });
    Some(Trap { port, got })
}

fn audit(seed: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["audit", seed, "--format", "json", "--timeout", "3"])
        .args(extra)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", PASSWORD)
        .output()
        .unwrap()
}

#[test]
fn credentials_go_only_to_the_seeds_host_unless_allowed() {
    let Some(trap) = trap() else {
        eprintln!("skipped: cannot listen on 127.0.0.2");
        return;
    };
    let auth = Credentials::password(PASSWORD);
    let master = ServerBuilder::new()
        .config(&format!("requirepass {PASSWORD}"))
        .auth(auth.clone())
        .start()
        .unwrap();
    let _replica = ServerBuilder::new()
        .config(&format!(
            "requirepass {PASSWORD}\nmasterauth {PASSWORD}\nreplicaof 127.0.0.1 {}\nreplica-announce-ip 127.0.0.2\nreplica-announce-port {}",
            master.client_port(),
            trap.port
        ))
        .auth(auth)
        .start()
        .unwrap();
    // The master lists the replica at the address it announced.
    let want = format!("ip=127.0.0.2,port={}", trap.port);
    let start = Instant::now();
    while !master.cmd(&["INFO", "replication"]).text().contains(&want) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the replica never attached"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let seed = format!("127.0.0.1:{}", master.client_port());

    // Default: the announced peer is known, not contacted, and said so.
    let o = audit(&seed, &[]);
    let r = json(&o);
    assert!(
        trap.got.lock().unwrap().is_none(),
        "rampart connected to the announced address"
    );
    let targets = r["targets"].as_array().unwrap();
    let peer = format!("127.0.0.2:{}", trap.port);
    let t = targets
        .iter()
        .find(|t| t["name"] == peer.as_str())
        .unwrap_or_else(|| panic!("the peer is listed: {}", r["targets"]));
    assert_eq!(t["kind"], "not-contacted");
    let text = stdout(&o);
    assert!(text.contains("--allow-peer 127.0.0.2"), "{text}");
    assert!(text.contains("INFO replication (slaveN) of"), "{text}");
    // Not a silent pass: its live checks are errors, so the audit fails.
    assert_eq!(status(&r, "NET004"), "pass", "the seed itself is audited");
    assert_ne!(o.status.code(), Some(0));

    // --allow-peer 127.0.0.2: it is contacted, with the seed's credentials.
    let o = audit(&seed, &["--allow-peer", "127.0.0.2"]);
    let _ = json(&o);
    let got = trap.got.lock().unwrap().clone().unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&got).contains(PASSWORD),
        "the allowed peer got the seed's credentials: {:?}",
        String::from_utf8_lossy(&got)
    );
}

#[test]
fn a_bad_allow_peer_is_refused() {
    let o = rampart(&["audit", "127.0.0.1:1", "--allow-peer", "10.0.0.0/40"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("prefix"), "{}", stderr(&o));
}
