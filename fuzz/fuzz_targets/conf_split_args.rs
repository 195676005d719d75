//! `redis_conf::split_args` must never panic, and what it returns must be
//! stable: re-quoting every argument and splitting again gives it back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn quote(arg: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in arg {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

fuzz_target!(|data: &[u8]| {
    if let Some(args) = redis_conf::split_args(data) {
        let mut line = Vec::new();
        for a in &args {
            line.extend_from_slice(&quote(a));
            line.push(b' ');
        }
        assert_eq!(redis_conf::split_args(&line).as_ref(), Some(&args));
    }
});
