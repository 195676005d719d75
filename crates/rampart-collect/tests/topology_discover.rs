//! `topology::discover` on real servers: every known node with its role,
//! who named it and whether it was reached (rotation's walk).
#![allow(clippy::unwrap_used)]

use rampart_collect::topology::{discover, Reach, Role, Via, WalkOptions};
use rampart_live::{ConnectOptions, Credentials, Endpoint};
use redis_conf::Secret;
use redis_fixture::{ReplAuth, ReplicaSetBuilder, REQUIREPASS};
use std::time::Duration;

fn ep(port: u16) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port,
        tls: false,
    }
}

#[test]
fn a_replica_set_from_either_side_and_a_master_that_is_down() {
    let mut set = ReplicaSetBuilder::new()
        .replicas(2)
        .auth(ReplAuth::Password)
        .start()
        .unwrap();
    let creds = Credentials {
        user: None,
        password: Some(Secret::new(REQUIREPASS.as_bytes().to_vec())),
    };
    let opts = ConnectOptions {
        connect_timeout: Duration::from_secs(2),
        io_timeout: Duration::from_secs(2),
        ..ConnectOptions::default()
    };
    let walk = WalkOptions::default();
    let t = discover(&ep(set.primary.client_port()), &creds, &opts, &walk);
    assert_eq!(t.nodes.len(), 3, "{t:?}");
    assert!(t.unreached().is_empty(), "{t:?}");
    assert_eq!(t.nodes[0].role, Role::Master);
    assert!(t.nodes[1..].iter().all(|n| n.role == Role::Replica));
    assert_eq!(t.nodes[1].learnt[0].via, Via::InfoReplica);
    // From a replica: its master, then the other replica through the master.
    let seed = ep(set.replicas[0].client_port());
    let t = discover(&seed, &creds, &opts, &walk);
    assert_eq!(t.nodes.len(), 3, "{t:?}");
    assert_eq!(t.nodes[1].learnt[0].via, Via::InfoMaster);
    // The master goes down: it is still known (the replica names it), and
    // unreached is a value, not an error.
    set.primary.stop();
    let t = discover(&seed, &creds, &opts, &walk);
    let master = t
        .nodes
        .iter()
        .find(|n| n.endpoint.port != seed.port)
        .unwrap();
    assert!(matches!(master.reach, Reach::Unreachable(_)), "{t:?}");
    assert_eq!(t.unreached().len(), 1);
}
