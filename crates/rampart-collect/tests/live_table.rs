//! The command table read from a live server equals the one rampart ships
//! for that version (and so the ACL checks judge live users the same way).
#![allow(clippy::unwrap_used)]

use rampart_collect::live::collect_live;
use rampart_live::{ConnectOptions, Credentials, Endpoint};
use redis_fixture::Server;

#[test]
fn live_command_table_equals_the_shipped_one() {
    let s = Server::start("").unwrap();
    let ep = Endpoint {
        host: "127.0.0.1".into(),
        port: s.port,
        tls: false,
    };
    let c = collect_live(&ep, &Credentials::default(), &ConnectOptions::default());
    let live = c.live.get().unwrap();
    let table = live.command_table.as_ref().expect("COMMAND was readable");
    let shipped = redis_acl::CommandTable::redis_7_0();
    assert_eq!(table.version(), shipped.version());
    assert_eq!(table.categories(), shipped.categories());
    assert_eq!(table.len(), shipped.len());
    for (a, b) in table.commands().iter().zip(shipped.commands()) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.categories, b.categories, "{}", a.name);
        assert_eq!(a.flags, b.flags, "{}", a.name);
        assert_eq!(a.arity, b.arity, "{}", a.name);
        assert_eq!(
            a.key_specs, b.key_specs,
            "key specs of {} (RESP3 maps vs the shipped JSON)",
            a.name
        );
    }
}
