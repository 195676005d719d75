//! Verdicts rustls cannot reach on its own, against real redis-server TLS
//! ports, with `openssl s_client` as the oracle: the client-certificate
//! policy on DHE-only and RSA-key-exchange-only ports, a self-signed leaf,
//! and the session ticket lifetime hint.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;
use tls_probe::scan::ClientAuth;
use tls_probe::{InspectOptions, ScanOptions, Target};

fn target(port: u16) -> Target {
    Target::resolve(&format!("127.0.0.1:{port}"), None).unwrap()
}

fn scan(port: u16, cacert: &std::path::Path) -> tls_probe::ScanReport {
    let o = ScanOptions {
        cacert: Some(cacert.to_path_buf()),
        timeout: Duration::from_secs(5),
        ..ScanOptions::default()
    };
    tls_probe::scan(&target(port), &o)
}

fn inspect(port: u16, cacert: &std::path::Path) -> tls_probe::InspectReport {
    tls_probe::inspect(
        &target(port),
        &InspectOptions {
            identity: None,
            cacert: Some(cacert.to_path_buf()),
            timeout: Duration::from_secs(5),
            alpn: Vec::new(),
        },
    )
}

/// `openssl s_client ARGS` with PING on stdin (kept open one second so the
/// reply and any post-handshake ticket arrive): everything it printed.
fn s_client(port: u16, args: &[&str]) -> String {
    let connect = format!("127.0.0.1:{port}");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("(printf 'PING\\r\\n'; sleep 1) | timeout 10 openssl s_client -connect \"$0\" \"$@\"")
        .arg(&connect)
        .args(args)
        .stdin(Stdio::null());
    let out = cmd.output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The hint `openssl s_client` printed ("TLS session ticket lifetime hint: N (seconds)").
fn openssl_hint(text: &str) -> Option<u32> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("TLS session ticket lifetime hint: ")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// Fixed DH parameters (RFC 7919 ffdhe2048), made by openssl in no time.
fn dh_params(certs: &Certs) -> String {
    let out = Command::new("openssl")
        .args([
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "dh_param:ffdhe2048",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = certs.path("dh.pem");
    std::fs::write(&p, &out.stdout).unwrap();
    p.display().to_string()
}

#[test]
fn client_certificate_policy_on_dhe_and_rsa_only_ports_agrees_with_openssl() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    let certs = make_certs();
    let dh = dh_params(&certs);
    // (name, directives, s_client flags, why rustls cannot connect)
    let kinds: [(&str, String, &[&str], &str); 3] = [
        (
            "DHE-RSA-AES128-GCM-SHA256",
            format!("tls-protocols TLSv1.2\ntls-ciphers DHE-RSA-AES128-GCM-SHA256\ntls-dh-params-file {dh}\n"),
            &["-tls1_2"],
            "no cipher suite in common with rustls",
        ),
        (
            "AES128-GCM-SHA256",
            "tls-protocols TLSv1.2\ntls-ciphers AES128-GCM-SHA256\n".to_string(),
            &["-tls1_2"],
            "no cipher suite in common with rustls",
        ),
        (
            "TLSv1.1 only",
            "tls-protocols TLSv1.1\ntls-ciphers ALL:@SECLEVEL=0\n".to_string(),
            &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"],
            "no protocol version in common with rustls",
        ),
    ];
    let mut cases = Vec::new();
    for kind in &kinds {
        for auth in ["yes", "optional", "no"] {
            cases.push((kind, auth));
        }
    }
    let results: Vec<(String, String, ClientAuth, String, String)> = std::thread::scope(|sc| {
        let handles: Vec<_> = cases
            .iter()
            .map(|&((suite, conf, flags, why), auth)| {
                let certs = &certs;
                sc.spawn(move || {
                    let s = start(certs, &format!("{conf}tls-auth-clients {auth}\n"));
                    let r = scan(s.tls_port, &certs.path("ca.crt"));
                    // This is the case rustls cannot handshake with at all.
                    let gap = tls_probe::scan::rustls_gap(&r).unwrap_or_default();
                    assert!(gap.contains(why), "{suite}: {gap}");
                    let oracle = s_client(s.tls_port, flags);
                    (
                        suite.to_string(),
                        auth.to_string(),
                        r.client_auth.clone(),
                        format!("{} | gap: {gap}", r.client_auth_how),
                        oracle,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (suite, auth, verdict, how, oracle) in results {
        // openssl without a certificate: refused with alert 40, or in (PONG).
        let openssl =
            if oracle.contains("alert number 40") || oracle.contains("alert handshake failure") {
                "refused"
            } else if oracle.contains("+PONG") {
                "accepted"
            } else {
                panic!("{suite} {auth}: openssl said neither:\n{oracle}")
            };
        // A handshake that completed shows whether a certificate was asked
        // for: s_client prints the CertificateRequest's certificate types.
        let requested = oracle.contains("Client Certificate Types:");
        let expected = match (openssl, requested) {
            ("refused", _) => ClientAuth::Required,
            (_, true) => ClientAuth::Optional,
            (_, false) => ClientAuth::None,
        };
        assert_eq!(verdict, expected, "{suite} tls-auth-clients {auth}: {how}");
        let config = match auth.as_str() {
            "yes" => ClientAuth::Required,
            "optional" => ClientAuth::Optional,
            _ => ClientAuth::None,
        };
        assert_eq!(verdict, config, "{suite} tls-auth-clients {auth}: {how}");
        if verdict != ClientAuth::None {
            assert!(how.contains("empty Certificate"), "{how}");
        }
        eprintln!(
            "{suite} tls-auth-clients {auth}: {} ({how}); openssl: {openssl}",
            verdict.as_str()
        );
    }
}

#[test]
fn a_self_signed_leaf_is_called_self_signed() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    use redis_fixture::{ServerBuilder, ServerCert, TlsMode};
    let n = ServerBuilder::new()
        .tls(TlsMode::TlsOnly)
        .server_cert(ServerCert::SelfSigned)
        .start()
        .unwrap();
    let m = n.tls.clone().unwrap();
    let port = n.tls_port.unwrap();
    // openssl: the leaf itself is the problem (error 18 at depth 0).
    let oracle = s_client(
        port,
        &[
            "-CAfile",
            m.ca_cert.to_str().unwrap(),
            "-verify_return_error",
        ],
    );
    assert!(
        oracle.contains("self-signed certificate") || oracle.contains("self signed certificate"),
        "{oracle}"
    );
    let r = scan(port, &m.ca_cert);
    assert_eq!(r.verification.status, "failed");
    let d = &r.verification.detail;
    assert!(d.contains("self-signed certificate (CN=localhost)"), "{d}");
    assert!(!d.contains("CaUsedAsEndEntity"), "{d}");
    assert!(r.certificates[0].self_signed);
    // (rampart-checks' tls_weaknesses turns a failed verification into
    // "cert-untrusted" with this detail; tested there.)
    let i = inspect(port, &m.ca_cert);
    assert!(
        i.verification.detail.contains("self-signed"),
        "{:?}",
        i.verification
    );
    // Pinned: the certificate is its own anchor, still not a CA-issued chain.
    let r = scan(port, &m.self_signed.cert);
    assert!(
        r.verification.detail.contains("self-signed")
            && r.verification.detail.contains("among the trust anchors"),
        "{:?}",
        r.verification
    );
    // A CA-issued leaf is not self-signed, its CA is.
    let good = ServerBuilder::new()
        .tls(TlsMode::TlsOnly)
        .tls_material(m.clone())
        .start()
        .unwrap();
    let r = scan(good.tls_port.unwrap(), &m.ca_cert);
    assert_eq!(r.verification.status, "ok", "{:?}", r.verification);
    assert!(!r.certificates[0].self_signed);
}

#[test]
fn ticket_lifetime_hint_agrees_with_openssl() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    let certs = make_certs();
    let dh = dh_params(&certs);
    let ca = certs.path("ca.crt");
    let configs = [
        ("tls12", "tls-auth-clients no\ntls-protocols TLSv1.2\ntls-session-cache-timeout 123\n", "-tls1_2"),
        ("tls13", "tls-auth-clients no\ntls-protocols TLSv1.3\ntls-session-cache-timeout 77\n", "-tls1_3"),
        // Redis's `tls-session-caching no` turns off the server-side cache
        // only: OpenSSL still issues tickets, with its own 7200 s default.
        ("caching-off", "tls-auth-clients no\ntls-protocols TLSv1.2\ntls-session-caching no\n", "-tls1_2"),
        (
            "dhe-only",
            &format!("tls-auth-clients no\ntls-protocols TLSv1.2\ntls-ciphers DHE-RSA-AES128-GCM-SHA256\ntls-dh-params-file {dh}\ntls-session-cache-timeout 55\n"),
            "-tls1_2",
        ),
    ];
    for (name, conf, flag) in configs {
        let s = start(&certs, conf);
        let oracle = openssl_hint(&s_client(s.tls_port, &[flag]));
        let i = inspect(s.tls_port, &ca);
        let text = tls_probe::json::inspect_text(&i);
        eprintln!(
            "{name}: rampart {:?} ({:?}), openssl {oracle:?}",
            i.ticket_lifetime_hint, i.ticket_lifetime_note
        );
        match name {
            "tls12" | "tls13" => {
                assert!(i.completed, "{name}: {:?}", i.error);
                assert_eq!(i.ticket_lifetime_hint, oracle, "{name}: {text}");
                let hint = oracle.unwrap();
                assert_eq!(hint, if name == "tls12" { 123 } else { 77 });
                assert!(
                    text.contains(&format!(
                        "TLS session ticket lifetime hint: {hint} (seconds)"
                    )),
                    "{text}"
                );
            }
            "caching-off" => {
                assert!(oracle.is_some(), "openssl saw no ticket");
                assert_eq!(i.ticket_lifetime_hint, oracle, "{text}");
                assert_eq!(i.session_ticket.as_deref(), Some("supported"));
            }
            _ => {
                // openssl completes the DHE handshake and sees the ticket;
                // rustls cannot, and rampart says so instead of guessing.
                assert_eq!(oracle, Some(55));
                assert_eq!(i.ticket_lifetime_hint, None);
                let note = i.ticket_lifetime_note.unwrap_or_default();
                assert!(
                    note.contains("only a complete handshake shows it"),
                    "{note}"
                );
                assert!(
                    text.contains("TLS session ticket lifetime hint: unknown"),
                    "{text}"
                );
            }
        }
    }
}
