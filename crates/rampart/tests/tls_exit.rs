//! `tls scan` and `tls inspect` exit codes for CI (issue 12): a chain that
//! fails verification or a weakness at or above --fail-on exits 1;
//! `--timeout` is seconds, as everywhere; each command shows only its own
//! options.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{ServerBuilder, ServerCert, TlsMode};

#[test]
fn tls_commands_exit_by_verification_and_fail_on() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    let n = ServerBuilder::new()
        .tls(TlsMode::TlsOnly)
        .server_cert(ServerCert::SelfSigned)
        .start()
        .unwrap();
    let t = format!("127.0.0.1:{}", n.tls_port.unwrap());
    for cmd in ["scan", "inspect"] {
        // The system bundle does not know the self-signed certificate.
        let o = rampart(&["tls", cmd, &t, "--timeout", "2.5"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", stdout(&o));
        let o = rampart(&["tls", cmd, &t, "--fail-on", "never"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", stdout(&o));
        let o = rampart(&["tls", cmd, &t, "--insecure", "--fail-on", "high"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", stdout(&o));
    }
    // Nothing TLS there: 2.
    let o = rampart(&["tls", "inspect", "127.0.0.1:1", "--timeout", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rampart(&["tls", "scan", &t, "--timeout", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected seconds"), "{}", stderr(&o));
}

#[test]
fn scan_and_inspect_show_only_their_own_options() {
    let scan = stdout(&rampart(&["tls", "scan", "--help"]));
    let inspect = stdout(&rampart(&["tls", "inspect", "--help"]));
    assert!(scan.contains("--concurrency") && scan.contains("--no-groups"));
    assert!(
        !scan.contains("--cert ") && !scan.contains("--key "),
        "{scan}"
    );
    assert!(inspect.contains("--cert") && inspect.contains("--key"));
    assert!(!inspect.contains("--concurrency"), "{inspect}");
    assert!(scan.contains("SECONDS") && inspect.contains("SECONDS"));
}

/// `tls scan`'s weaknesses (judged by rampart_checks::tls_weaknesses from
/// what tls-probe measured) on a real redis-server set up weak: TLSv1,
/// every suite down to anonymous ones, the client's order, and a
/// self-signed certificate the system bundle does not know.
#[test]
fn tls_scan_names_the_weaknesses_of_a_weak_server() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    let n = ServerBuilder::new()
        .tls(TlsMode::TlsOnly)
        .server_cert(ServerCert::SelfSigned)
        .config("tls-auth-clients no\ntls-protocols \"TLSv1 TLSv1.1 TLSv1.2\"\ntls-ciphers ALL:@SECLEVEL=0\ntls-prefer-server-ciphers no\n")
        .start()
        .unwrap();
    let t = format!("127.0.0.1:{}", n.tls_port.unwrap());
    let o = rampart(&["tls", "scan", &t, "--format", "json", "--timeout", "5"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    let ids: Vec<&str> = r["weaknesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    for id in [
        "protocol-tlsv1.0",
        "protocol-tlsv1.1",
        "no-tlsv1.3",
        "anonymous-suites",
        "client-order",
        "cert-untrusted",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}: {}", r["verification"]);
    }
    let untrusted = r["weaknesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "cert-untrusted")
        .unwrap();
    assert!(
        untrusted["message"]
            .as_str()
            .unwrap()
            .contains("self-signed"),
        "{untrusted}"
    );
    // --insecure: not verified, so not "untrusted"; the rest stays.
    let o = rampart(&["tls", "scan", &t, "--format", "json", "--insecure"]);
    let text = stdout(&o);
    assert!(!text.contains("cert-untrusted"), "{text}");
    assert!(text.contains("anonymous-suites"), "{text}");
}
