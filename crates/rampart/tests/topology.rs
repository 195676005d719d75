//! Live audits of replicas, a cluster and Valkey, on real processes.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{
    ClusterBuilder, ReplAuth, ReplicaSetBuilder, ServerBuilder, ADMIN_PASSWORD, ADMIN_USER,
    REQUIREPASS,
};
use std::process::{Command, Output};

fn audit_as(target: &str, user: Option<&str>, password: &str) -> Output {
    let mut args = vec!["audit", target, "--format", "json"];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(&args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", password)
        .output()
        .unwrap()
}

#[test]
fn replicas_with_and_without_a_masteruser() {
    // ACL users: replicas log in as a dedicated masteruser, without TLS.
    let set = ReplicaSetBuilder::new()
        .replicas(1)
        .auth(ReplAuth::AclUser)
        .start()
        .unwrap();
    let r = json(&audit_as(
        &format!("127.0.0.1:{}", set.replicas[0].client_port()),
        Some(ADMIN_USER),
        ADMIN_PASSWORD,
    ));
    assert_eq!(status(&r, "ACL010"), "pass", "{}", r["findings"]);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ACL010")
        .unwrap();
    assert!(
        f["evidence"].to_string().contains("matches"),
        "the master was audited too: {f}"
    );
    assert_eq!(status(&r, "TLS006"), "fail");
    // A wrong masterauth (still up: it is only used at the next resync) is caught.
    let reply = set.replicas[0].cmd(&["CONFIG", "SET", "masterauth", "not-the-password"]);
    assert!(!reply.is_error(), "{reply:?}");
    let r = json(&audit_as(
        &format!("127.0.0.1:{}", set.replicas[0].client_port()),
        Some(ADMIN_USER),
        ADMIN_PASSWORD,
    ));
    assert_eq!(status(&r, "ACL010"), "fail", "{}", r["findings"]);
    assert_eq!(status(&r, "NET004"), "pass");
    // The primary is not a replica.
    let r = json(&audit_as(
        &format!("127.0.0.1:{}", set.primary.client_port()),
        Some(ADMIN_USER),
        ADMIN_PASSWORD,
    ));
    assert_eq!(status(&r, "ACL010"), "skip");
    // requirepass + masterauth only: the replica logs in as the master's default user.
    let set = ReplicaSetBuilder::new()
        .replicas(1)
        .auth(ReplAuth::Password)
        .start()
        .unwrap();
    let r = json(&audit_as(
        &format!("127.0.0.1:{}", set.replicas[0].client_port()),
        None,
        REQUIREPASS,
    ));
    assert_eq!(status(&r, "ACL010"), "fail");
}

#[test]
fn cluster_size_and_placement() {
    let c = ClusterBuilder::new().shape(3, 1).start().unwrap();
    let node = &c.nodes[0];
    let r = json(&audit_as(
        &format!("127.0.0.1:{}", node.client_port()),
        None,
        "",
    ));
    assert_eq!(status(&r, "CLU001"), "pass", "3 masters");
    // Every node runs on this one host: losing it loses everything.
    assert_eq!(status(&r, "CLU002"), "fail");
    assert_eq!(status(&r, "TLS009"), "fail", "no tls-cluster");
    // From one seed, every node of the cluster is audited.
    assert_eq!(
        r["targets"].as_array().unwrap().len(),
        6,
        "{}",
        r["targets"]
    );
    let r = json(&rampart(&[
        "audit",
        &format!("127.0.0.1:{}", node.client_port()),
        "--format",
        "json",
        "--no-discover",
    ]));
    assert_eq!(r["targets"].as_array().unwrap().len(), 1);
}

#[test]
fn a_sentinel_leads_to_its_peers_master_and_replicas() {
    use redis_fixture::SentinelSetBuilder;
    let set = SentinelSetBuilder::new().start().unwrap();
    let seed = format!("127.0.0.1:{}", set.sentinels[0].client_port());
    let r = json(&rampart(&["audit", &seed, "--format", "json"]));
    // Each sentinel's own sentinel.conf is read as one (no false problems),
    // and ACL011 is judged from it: the fixture's sentinels log in without
    // auth-user, so it fails, once per sentinel.
    assert!(
        r["problems"].as_array().unwrap().is_empty(),
        "{}",
        r["problems"]
    );
    let acl011: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "ACL011" && f["status"] != "skip")
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert_eq!(acl011, ["fail", "fail", "fail"], "{}", r["findings"]);
    let kinds: Vec<&str> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "sentinel").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "server").count(),
        3,
        "master and 2 replicas: {kinds:?}"
    );
}

#[test]
fn valkey_is_judged_by_its_own_version() {
    let Some(_) = redis_fixture::valkey_server_bin() else {
        eprintln!("SKIP: no valkey-server (scripts/install-valkey.sh installs one)");
        return;
    };
    let v = ServerBuilder::new().valkey().start().unwrap();
    // A user with a Valkey-only command: judged with Valkey's own command
    // table (COMMAND), not Redis 7.0's, where it would be unknown.
    assert!(!v
        .cmd(&[
            "ACL",
            "SETUSER",
            "app",
            "on",
            ">app-password-1234567",
            "~*",
            "+commandlog"
        ])
        .is_error());
    let r = json(&audit_as(
        &format!("127.0.0.1:{}", v.client_port()),
        None,
        "",
    ));
    assert!(
        r["problems"].as_array().unwrap().is_empty(),
        "{}",
        r["problems"]
    );
    let f8 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ACL008")
        .unwrap();
    assert!(f8["evidence"].to_string().contains("user app"), "{f8}");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "VER001")
        .unwrap();
    let ev = f["evidence"][0]["observed"].as_str().unwrap();
    assert!(ev.starts_with("Valkey "), "{ev}");
    assert!(
        !ev.starts_with("Valkey 7.2.4"),
        "judged by redis_version: {ev}"
    );
    assert_eq!(status(&r, "NET004"), "fail");
}

#[test]
fn tls_servers_are_audited_over_tls() {
    use redis_fixture::TlsMode;
    // mTLS only: rampart needs the CA and a client certificate, as redis-cli does.
    let n = ServerBuilder::new().tls(TlsMode::Mtls).start().unwrap();
    let m = n.tls.clone().unwrap();
    let port = n.tls_port.unwrap().to_string();
    let target = format!("rediss://127.0.0.1:{port}");
    let base = [
        "audit",
        target.as_str(),
        "--format",
        "json",
        "--timeout",
        "3",
    ];
    let tls_args = [
        "--cacert",
        m.ca_cert.to_str().unwrap(),
        "--cert",
        m.client.cert.to_str().unwrap(),
        "--key",
        m.client.key.to_str().unwrap(),
    ];
    let o = rampart(&[&base[..], &tls_args[..]].concat());
    let r = json(&o);
    assert_eq!(status(&r, "TLS001"), "pass", "{}", stderr(&o));
    assert_eq!(status(&r, "TLS004"), "pass");
    // Measured by the TLS scan, beside the config values.
    assert_eq!(status(&r, "TLS003"), "pass");
    assert_eq!(status(&r, "TLS010"), "pass", "{}", r["findings"]);
    let tls002 = status(&r, "TLS002");
    assert!(
        tls002 == "warn" || tls002 == "pass",
        "OpenSSL's defaults have CBC at most: {tls002}"
    );
    assert_eq!(
        status(&r, "TLS005"),
        "fail",
        "Redis's default is client order"
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "TLS005")
        .unwrap();
    assert!(
        f["evidence"][0]["location"]
            .as_str()
            .unwrap()
            .starts_with("TLS scan of"),
        "{f}"
    );
    assert_eq!(
        status(&r, "NET004"),
        "fail",
        "no password: a client with a certificate is in"
    );
    // Without the client certificate the handshake is refused: a clear error.
    let o = rampart(&[&base[..], &["--cacert", m.ca_cert.to_str().unwrap()][..]].concat());
    let r = json(&o);
    assert_eq!(status(&r, "ACL001"), "error", "{}", r["findings"]);
    // An unknown CA is refused unless --insecure.
    let o = rampart(
        &[
            &base[..],
            &[
                "--cert",
                m.client.cert.to_str().unwrap(),
                "--key",
                m.client.key.to_str().unwrap(),
            ][..],
        ]
        .concat(),
    );
    assert_eq!(status(&json(&o), "ACL001"), "error");
    let o = rampart(
        &[
            &base[..],
            &[
                "--insecure",
                "--cert",
                m.client.cert.to_str().unwrap(),
                "--key",
                m.client.key.to_str().unwrap(),
            ][..],
        ]
        .concat(),
    );
    assert_eq!(status(&json(&o), "ACL001"), "fail");
    // Both ports open: the plaintext probe finds the plaintext port (TLS001).
    let both = ServerBuilder::new().tls(TlsMode::Both).start().unwrap();
    let mb = both.tls.clone().unwrap();
    let t = format!("rediss://127.0.0.1:{}", both.tls_port.unwrap());
    let o = rampart(&[
        "audit",
        &t,
        "--format",
        "json",
        "--cacert",
        mb.ca_cert.to_str().unwrap(),
        "--cert",
        mb.client.cert.to_str().unwrap(),
        "--key",
        mb.client.key.to_str().unwrap(),
    ]);
    let r = json(&o);
    assert_eq!(status(&r, "TLS001"), "fail");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "TLS001")
        .unwrap();
    assert!(f["evidence"].to_string().contains("plaintext"), "{f}");
}

#[test]
fn measured_tls_catches_what_the_config_hides() {
    use redis_fixture::{ServerCert, TlsMode};
    // Client certificates optional, an expired certificate, server order on.
    let n = ServerBuilder::new()
        .tls(TlsMode::TlsOnly)
        .server_cert(ServerCert::Expired)
        .config("tls-prefer-server-ciphers yes\n")
        .start()
        .unwrap();
    let m = n.tls.clone().unwrap();
    let t = format!("rediss://127.0.0.1:{}", n.tls_port.unwrap());
    let o = rampart(&[
        "audit",
        &t,
        "--format",
        "json",
        "--insecure",
        "--cacert",
        m.ca_cert.to_str().unwrap(),
    ]);
    let r = json(&o);
    assert_eq!(status(&r, "TLS004"), "fail", "no client certificate asked");
    assert_eq!(status(&r, "TLS010"), "fail", "expired");
    assert_eq!(status(&r, "TLS005"), "pass");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "TLS010")
        .unwrap();
    assert!(f["evidence"].to_string().contains("cert-expired"), "{f}");
}

#[test]
fn sentinels_with_dedicated_users_pass_acl011() {
    use redis_fixture::SentinelSetBuilder;
    let set = SentinelSetBuilder::new()
        .data(ReplicaSetBuilder::new().replicas(1).auth(ReplAuth::AclUser))
        .sentinel_auth(true)
        .start()
        .unwrap();
    let seed = format!("127.0.0.1:{}", set.sentinels[0].client_port());
    let r = json(&audit_as(&seed, Some(ADMIN_USER), ADMIN_PASSWORD));
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ACL011" && f["target"].as_str().unwrap().starts_with(&seed))
        .unwrap()
        .clone();
    assert_eq!(f["status"], "pass", "{f}");
}
