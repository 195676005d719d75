//! tls-probe's reader of the server's first flight must never panic on any
//! bytes, must be monotone (a prefix never reports more than the whole), and
//! the ServerHello parser must accept any message it produces a hello for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_probe::wire::{parse_flight, parse_server_hello};

fuzz_target!(|data: &[u8]| {
    let whole = parse_flight(data);
    if let Ok(f) = &whole {
        if f.done {
            assert!(f.server_hello.is_some() || f.alert.is_some());
        }
    }
    // Any cut point: no panic, and a complete prefix stays complete.
    let cut = data.len() / 2;
    if let Ok(p) = parse_flight(&data[..cut]) {
        if p.done {
            // Reading stops at a complete flight, so the rest never matters.
            assert_eq!(whole.as_ref().ok(), Some(&p));
        }
    }
    let _ = parse_server_hello(data);
});
