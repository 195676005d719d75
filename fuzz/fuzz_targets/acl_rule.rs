//! redis-acl's rule grammar and `ACLSetUser` semantics must never panic; the
//! token path (`User::apply_tokens`) and the typed path (`parse_rules` +
//! `User::apply`) must agree whenever the token path accepts; rendering
//! never fails.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redis_acl::{parse_rule, parse_rules, User};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let tokens: Vec<&str> = text.split(' ').collect();
    for t in &tokens {
        let _ = parse_rule(t);
    }
    let mut by_tokens = User::new("u");
    let ok = by_tokens.apply_tokens(&tokens).is_ok();
    let _ = by_tokens.acl_list_line();
    if ok {
        let rules = parse_rules(&tokens).expect("tokens accepted but rules rejected");
        let mut typed = User::new("u");
        typed.apply(&rules).expect("tokens accepted but typed rules rejected");
        assert_eq!(typed, by_tokens);
    }
});
