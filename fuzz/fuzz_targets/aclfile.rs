//! `AclFile::parse` must never panic on any text; its users and the
//! Redis error string can always be derived.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use redis_acl::AclFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let f = AclFile::parse(Path::new("users.acl"), text);
    let _ = f.redis_error_string("users.acl");
    for u in f.effective_users() {
        let _ = u.acl_list_line();
    }
});
