//! Peak memory of big replies (issue 11, item 7): alone in its test binary
//! so that the process's high-water mark (VmHWM) is this test's.
#![allow(clippy::unwrap_used)]

#[path = "../../rampart/tests/common/fake.rs"]
mod fake;

use fake::Act;
use rampart_live::{ConnectOptions, Connection, Endpoint};
use std::time::Duration;

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn peak_memory_stays_within_twice_what_was_read() {
    const MB: usize = 1024 * 1024;
    let n = 48 * MB;
    let port2 = fake::start(move |_| {
        let mut v = format!("${n}\r\n").into_bytes();
        v.extend(std::iter::repeat_n(b'z', n));
        v.extend(b"\r\n");
        Act::Reply(v)
    });
    let ep = Endpoint {
        host: "127.0.0.1".into(),
        port: port2,
        tls: false,
    };
    let o = ConnectOptions {
        io_timeout: Duration::from_secs(20),
        ..ConnectOptions::default()
    };
    // The fake holds its own copy of the reply (n bytes) while sending.
    let Some(before) = vm_hwm_kib() else {
        println!("SKIP: no /proc/self/status");
        return;
    };
    let mut c = Connection::connect(&ep, &o).unwrap();
    let v = c.cmd(&["INFO"]).unwrap();
    let text = v.into_text().unwrap();
    assert_eq!(text.len(), n);
    drop(text);
    let after = vm_hwm_kib().unwrap();
    let grew = (after.saturating_sub(before) * 1024) as usize;
    println!(
        "a {} MiB reply raised the peak by {} MiB (the fake's copy included)",
        n / MB,
        grew / MB
    );
    // The fake's copy (n) plus the reply (n), with a little slack.
    assert!(grew < 2 * n + 16 * MB, "{} MiB", grew / MB);
}
