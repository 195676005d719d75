//! `AclFile::parse_users_with` builds each user once, while checking its
//! line; the users must be the ones `UserDef::to_user_with` builds.
#![allow(clippy::unwrap_used)]

use redis_acl::{AclFile, CommandTable};
use std::path::Path;

#[test]
fn built_users_equal_rebuilt_ones() {
    let text = "user default on nopass ~* &* +@all\n\
        user a on >pw <pw #0000000000000000000000000000000000000000000000000000000000000000 ~app:* %R~r:* &ch +@read -@dangerous +client|kill\n\
        user b off resetpass nopass allkeys allchannels -@all +get +select|0 (~x:* +set) (%W~w:* +@write)\n\
        user c on >x +nosuchcommand ~k\n\
        user d on >y (~unclosed +get\n\
        user e on sanitize-payload skip-sanitize-payload resetchannels &a* reset on >z ~*\n\
        user a on >dup\n";
    for table in [
        CommandTable::redis_7_0(),
        CommandTable::valkey_9_1(),
        CommandTable::by_name("redis-6.2").unwrap(),
    ] {
        let p = Path::new("users.acl");
        let (file, users) = AclFile::parse_users_with(p, text, table);
        let plain = AclFile::parse_with(p, text, table);
        assert_eq!(file.users.len(), plain.users.len());
        assert_eq!(file.problems.len(), plain.problems.len());
        assert_eq!(users.len(), file.users.len());
        for (d, u) in file.users.iter().zip(&users) {
            let want = d.to_user_with(table).unwrap();
            assert_eq!(u.acl_list_line(), want.acl_list_line(), "{}", d.name);
            let clear = |u: &redis_acl::User| {
                u.passwords
                    .iter()
                    .map(|p| p.plaintext.is_some())
                    .collect::<Vec<_>>()
            };
            assert_eq!(clear(u), clear(&want), "{}", d.name);
            assert_eq!(u.enabled, want.enabled);
            assert_eq!(u.nopass, want.nopass);
            assert_eq!(u.sanitize_payload, want.sanitize_payload);
        }
    }
}
