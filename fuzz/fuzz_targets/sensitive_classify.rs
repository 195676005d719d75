//! DATA003's classifier sees whatever a server stores: it must never
//! panic, must be deterministic, and may only report a card number where
//! there are at least 13 digits, an e-mail address where there is an `@`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_checks::sensitive::{classify, Kind};

fuzz_target!(|data: &[u8]| {
    let (field, value) = match data.iter().position(|b| *b == 0) {
        Some(i) => (Some(&data[..i]), &data[i + 1..]),
        None => (None, data),
    };
    let kinds = classify(field, value);
    assert_eq!(kinds, classify(field, value));
    if kinds.contains(&Kind::CardNumber) {
        assert!(value.iter().filter(|b| b.is_ascii_digit()).count() >= 13);
    }
    if kinds.contains(&Kind::Email) {
        assert!(value.contains(&b'@'));
    }
});
