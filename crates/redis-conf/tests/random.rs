//! A seeded, in-process random test (the fuzz targets in /fuzz run the same
//! properties under libFuzzer with nightly).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use redis_conf::{split_args, Config, LoadOptions};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const PIECES: &[&str] = &[
    " ",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\"",
    "'",
    "\\",
    "\\x",
    "\\x4",
    "\\x41",
    "\\'",
    "#",
    "\0",
    "é",
    "port",
    "save",
    "bind",
    "include",
    "user",
    "sentinel",
    "rename-command",
    "requirepass",
    "client-output-buffer-limit",
    "maxmemory-clients",
    "monitor",
    "1",
    "-1",
    "10%",
    "1gb",
    "yes",
    "no",
    "\"\"",
    "*",
    "[",
    "a.b",
    "dir",
    "replicaof",
    "no one",
    "normal",
    "99999999999999999999",
];

fn gen(r: &mut Rng) -> String {
    let n = (r.next() % 40) as usize;
    (0..n)
        .map(|_| PIECES[(r.next() % PIECES.len() as u64) as usize])
        .collect()
}

#[test]
fn random_lines_never_panic_and_requote_stably() {
    let empty = tempfile::tempdir().unwrap();
    let opts = LoadOptions {
        working_dir: Some(empty.path().to_path_buf()),
        ..LoadOptions::default()
    };
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..5_000 {
        let text = gen(&mut r);
        if let Some(args) = split_args(text.as_bytes()) {
            let mut line = Vec::new();
            for a in &args {
                line.push(b'"');
                for &b in a {
                    match b {
                        b'"' | b'\\' => line.extend_from_slice(&[b'\\', b]),
                        0x20..=0x7e => line.push(b),
                        _ => line.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                    }
                }
                line.extend_from_slice(b"\" ");
            }
            assert_eq!(split_args(&line), Some(args), "{text:?}");
        }
        let c = Config::parse_str(Path::new("r.conf"), &text, &opts);
        for d in &c.directives {
            let _ = c.effective(&d.name);
        }
    }
}
