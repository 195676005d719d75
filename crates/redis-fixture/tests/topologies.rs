//! Every topology the fixtures offer starts and is healthy.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use redis_fixture::*;

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    eprintln!("{what}: started in {:?}", t.elapsed());
    v
}

#[test]
fn standalone_no_auth_requirepass_and_aclfile() {
    let n = timed("standalone", || ServerBuilder::new().start().unwrap());
    assert_eq!(n.cmd(&["PING"]), Reply::Status("PONG".into()));
    assert!(n.tls_port.is_none() && n.port.is_some());
    assert!(n.pid() > 0);
    assert!(std::fs::read_to_string(&n.config_path)
        .unwrap()
        .contains("bind 127.0.0.1"));

    let n = ServerBuilder::new()
        .config("requirepass s3cret-for-tests-only")
        .auth(Credentials::password("s3cret-for-tests-only"))
        .start()
        .unwrap();
    assert!(Conn::connect(n.port.unwrap())
        .unwrap()
        .cmd(&["GET", "x"])
        .unwrap()
        .is_error());
    assert_eq!(n.cmd(&["SET", "x", "1"]), Reply::Status("OK".into()));
    assert!(n.cli(&["GET", "x"]).stdout.contains('1'));

    let n = ServerBuilder::new()
        .config("aclfile users.acl")
        .file(
            "users.acl",
            "user default off\nuser alice on >alice-pass-0123456789 ~* &* +@all\n",
        )
        .auth(Credentials::user("alice", "alice-pass-0123456789"))
        .start()
        .unwrap();
    assert_eq!(n.cmd(&["ACL", "WHOAMI"]).text(), "alice");
    let mut anon = Conn::connect(n.port.unwrap()).unwrap();
    assert!(anon.cmd(&["PING"]).unwrap().is_error());
}

#[test]
fn standalone_tls_variants() {
    let tls = Arc::new(timed("tls material", || TlsMaterial::generate().unwrap()));
    for p in [
        &tls.ca_cert,
        &tls.server.cert,
        &tls.client.key,
        &tls.expired.cert,
        &tls.weak.cert,
    ] {
        assert!(p.exists(), "{}", p.display());
    }

    let n = timed("tls-only", || {
        ServerBuilder::new()
            .tls(TlsMode::TlsOnly)
            .tls_material(tls.clone())
            .start()
            .unwrap()
    });
    assert_eq!(n.port, None);
    assert_eq!(n.config_get("port").as_deref(), Some("0"));
    let out = redis_cli(&[n.cli_tls_args(false), vec!["PING".into()]].concat(), None);
    assert!(out.stdout.contains("PONG"), "{out:?}");
    let mut c = n.conn_tls(None).unwrap();
    assert_eq!(c.cmd(&["PING"]).unwrap(), Reply::Status("PONG".into()));
    // plaintext on the TLS port is not answered
    let out = redis_cli(
        &["-p".into(), n.tls_port.unwrap().to_string(), "PING".into()],
        None,
    );
    assert!(!out.stdout.contains("PONG"), "{out:?}");

    let n = timed("mtls", || {
        ServerBuilder::new()
            .tls(TlsMode::Mtls)
            .tls_material(tls.clone())
            .start()
            .unwrap()
    });
    let out = redis_cli(&[n.cli_tls_args(true), vec!["PING".into()]].concat(), None);
    assert!(out.stdout.contains("PONG"), "{out:?}");
    let out = redis_cli(&[n.cli_tls_args(false), vec!["PING".into()]].concat(), None);
    assert!(
        !out.stdout.contains("PONG"),
        "mTLS answered a client without a cert: {out:?}"
    );
    let e = n.conn_tls(None).unwrap().cmd(&["PING"]).unwrap_err();
    eprintln!("mTLS without cert: {e}");
    assert_eq!(
        n.conn_tls(Some(&tls.client))
            .unwrap()
            .cmd(&["PING"])
            .unwrap(),
        Reply::Status("PONG".into())
    );

    let n = ServerBuilder::new()
        .tls(TlsMode::Both)
        .tls_material(tls.clone())
        .start()
        .unwrap();
    assert!(n.port.is_some() && n.tls_port.is_some());
    assert_eq!(
        n.cmd(&["CONFIG", "GET", "tls-auth-clients"]).array()[1].text(),
        "no"
    );
    assert_eq!(
        n.conn_tls(None).unwrap().cmd(&["PING"]).unwrap(),
        Reply::Status("PONG".into())
    );
}

fn assert_replicating(set: &ReplicaSet) {
    assert_eq!(set.replicas.len(), 2);
    for r in &set.replicas {
        let info = r.info("replication");
        assert_eq!(info_field(&info, "role"), Some("slave"), "{info}");
        assert_eq!(
            info_field(&info, "master_link_status"),
            Some("up"),
            "{info}"
        );
    }
    let info = set.primary.info("replication");
    assert_eq!(info_field(&info, "connected_slaves"), Some("2"), "{info}");
    // a write reaches the replicas (WAIT counts acks of this connection's
    // writes, so both on one connection)
    let mut c = set.primary.conn();
    assert_eq!(
        c.cmd(&["SET", "k", "v"]).unwrap(),
        Reply::Status("OK".into())
    );
    assert_eq!(c.cmd(&["WAIT", "2", "5000"]).unwrap(), Reply::Int(2));
    for r in &set.replicas {
        assert_eq!(r.cmd(&["GET", "k"]).text(), "v");
    }
}

#[test]
fn replication_plain_and_acl_user() {
    let set = timed("primary+2 replicas", || {
        ReplicaSetBuilder::new().start().unwrap()
    });
    assert_replicating(&set);
    drop(set);
    let set = timed("primary+2 replicas, masteruser", || {
        ReplicaSetBuilder::new()
            .auth(ReplAuth::AclUser)
            .start()
            .unwrap()
    });
    assert_replicating(&set);
    assert_eq!(
        set.replicas[0].config_get("masteruser").as_deref(),
        Some(REPL_USER)
    );
    let mut anon = Conn::connect(set.primary.port.unwrap()).unwrap();
    assert!(anon.cmd(&["PING"]).unwrap().is_error());
}

#[test]
fn replication_over_tls_with_requirepass() {
    let set = timed("primary+2 replicas, tls-replication, mTLS", || {
        ReplicaSetBuilder::new()
            .tls(TlsMode::Mtls)
            .tls_replication(true)
            .auth(ReplAuth::Password)
            .start()
            .unwrap()
    });
    assert_replicating(&set);
    assert_eq!(
        set.replicas[0].config_get("tls-replication").as_deref(),
        Some("yes")
    );
    assert_eq!(set.primary.port, None);
}

fn assert_sentinels_healthy(set: &SentinelSet) {
    assert_eq!(set.sentinels.len(), 3);
    for (i, s) in set.sentinels.iter().enumerate() {
        assert!(s.is_sentinel());
        assert_eq!(set.count(i, "SENTINELS").unwrap(), 2);
        assert_eq!(set.count(i, "REPLICAS").unwrap(), 2);
        let q = s.cmd(&["SENTINEL", "CKQUORUM", &set.master_name]);
        assert!(!q.is_error(), "{q:?}");
        // Sentinel rewrote its own config file
        let conf = std::fs::read_to_string(&s.config_path).unwrap();
        assert!(conf.contains("sentinel myid"), "{conf}");
    }
}

#[test]
fn sentinels_plain() {
    let set = timed("3 sentinels", || SentinelSetBuilder::new().start().unwrap());
    assert_sentinels_healthy(&set);
}

#[test]
fn sentinels_with_auth_user_and_sentinel_user() {
    let set = timed("3 sentinels, auth-user, sentinel-user", || {
        SentinelSetBuilder::new()
            .data(ReplicaSetBuilder::new().auth(ReplAuth::AclUser))
            .sentinel_auth(true)
            .start()
            .unwrap()
    });
    assert_sentinels_healthy(&set);
    let mut anon = Conn::connect(set.sentinels[0].port.unwrap()).unwrap();
    assert!(anon.cmd(&["SENTINEL", "MASTERS"]).unwrap().is_error());
}

#[test]
fn sentinels_over_tls_with_requirepass() {
    let set = timed(
        "3 sentinels, TLS-only data nodes (mTLS), requirepass",
        || {
            SentinelSetBuilder::new()
                .data(
                    ReplicaSetBuilder::new()
                        .tls(TlsMode::Mtls)
                        .tls_replication(true)
                        .auth(ReplAuth::Password),
                )
                .start()
                .unwrap()
        },
    );
    assert_sentinels_healthy(&set);
    assert_eq!(set.data.primary.port, None);
}

fn assert_cluster_healthy(c: &Cluster) {
    assert_eq!(c.nodes.len(), 6);
    for n in &c.nodes {
        let info = Cluster::cluster_info(n).unwrap();
        assert_eq!(info_field(&info, "cluster_state"), Some("ok"), "{info}");
        assert_eq!(
            info_field(&info, "cluster_slots_assigned"),
            Some("16384"),
            "{info}"
        );
        assert_eq!(
            info_field(&info, "cluster_known_nodes"),
            Some("6"),
            "{info}"
        );
        let bus = n.cluster_port.unwrap();
        assert_ne!(bus, 16379);
        assert_eq!(n.config_get("cluster-port"), Some(bus.to_string()));
    }
    assert_eq!(c.masters().len(), 3);
    assert_eq!(c.replicas().len(), 3);
}

#[test]
fn cluster_plain() {
    let c = timed("cluster 3x1", || ClusterBuilder::new().start().unwrap());
    assert_cluster_healthy(&c);
    // a key lands on the master that owns its slot
    let out = c.nodes[0].cli(&["-c", "SET", "foo", "bar"]);
    assert!(out.stdout.contains("OK"), "{out:?}");
}

#[test]
fn cluster_tls() {
    let c = timed("cluster 3x1, tls-cluster, TLS-only", || {
        ClusterBuilder::new()
            .tls(TlsMode::TlsOnly)
            .tls_cluster(true)
            .auth(ReplAuth::AclUser)
            .start()
            .unwrap()
    });
    assert_cluster_healthy(&c);
    assert_eq!(c.nodes[0].config_get("tls-cluster").as_deref(), Some("yes"));
    let out = c.nodes[0].cli(&["-c", "SET", "foo", "bar"]);
    assert!(out.stdout.contains("OK"), "{out:?}");
}

#[test]
fn valkey_standalone_when_installed() {
    let Some(bin) = valkey_server_bin() else {
        eprintln!("SKIP: no valkey-server (run scripts/install-valkey.sh)");
        return;
    };
    eprintln!("valkey-server: {}", bin.display());
    let n = timed("valkey", || {
        ServerBuilder::new()
            .valkey()
            .config("aclfile users.acl")
            .file(
                "users.acl",
                "user default off\nuser alice on >alice-pass-0123456789 ~* +@all\n",
            )
            .auth(Credentials::user("alice", "alice-pass-0123456789"))
            .start()
            .unwrap()
    });
    let info = n.info("server");
    assert!(info_field(&info, "valkey_version").is_some(), "{info}");
    assert_eq!(n.cmd(&["ACL", "WHOAMI"]).text(), "alice");
}

#[test]
fn tls_with_bad_server_certificates() {
    let tls = Arc::new(TlsMaterial::generate().unwrap());
    for which in [ServerCert::Expired, ServerCert::SelfSigned] {
        let n = ServerBuilder::new()
            .tls(TlsMode::TlsOnly)
            .tls_material(tls.clone())
            .server_cert(which)
            .start()
            .unwrap();
        // a verifying client refuses it; a non-verifying one gets an answer
        let e = n.conn_tls(None).unwrap().cmd(&["PING"]).unwrap_err();
        assert!(e.to_string().contains("verify"), "{which:?}: {e}");
        let mut c = Conn::connect_tls_with(n.tls_port.unwrap(), &tls, None, false).unwrap();
        assert_eq!(c.cmd(&["PING"]).unwrap(), Reply::Status("PONG".into()));
    }
    // the weak certificate loads only at OpenSSL security level 0, which
    // the fixture sets for it through OPENSSL_CONF
    let n = ServerBuilder::new()
        .tls(TlsMode::TlsOnly)
        .tls_material(tls.clone())
        .server_cert(ServerCert::Weak)
        .start()
        .unwrap();
    let mut c = Conn::connect_tls_with(n.tls_port.unwrap(), &tls, None, false).unwrap();
    assert_eq!(c.cmd(&["PING"]).unwrap(), Reply::Status("PONG".into()));
}
