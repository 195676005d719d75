//! `Config::parse_str` must never panic on any text, and every name it
//! knows must have an effective value.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use redis_conf::{Config, Dialect, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Never follow includes to the real filesystem from the fuzzer.
    let dir = std::env::temp_dir().join("rampart-fuzz-empty");
    let dialect = if data.first().is_some_and(|b| b & 1 == 1) { Dialect::Sentinel } else { Dialect::Server };
    let opts = LoadOptions { dialect, working_dir: Some(dir), max_files: 4, ..LoadOptions::default() };
    let c = Config::parse_str(Path::new("fuzz.conf"), text, &opts);
    for d in &c.directives {
        if let Some(e) = c.effective(&d.name) {
            let _ = e.value.len();
        }
    }
    let _ = c.effective("save");
    let _ = c.effective("client-output-buffer-limit");
});
