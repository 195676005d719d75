//! tls-probe against real redis-server TLS ports, compared with OpenSSL's
//! own client (`openssl s_client`), which must agree 100%.
#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod common;

use common::*;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use tls_probe::scan::{ClientAuth, Preference, ScanReport};
use tls_probe::wire::Version;
use tls_probe::{ScanOptions, Target};

fn target(port: u16) -> Target {
    Target::resolve(&format!("127.0.0.1:{port}"), None).unwrap()
}

fn scan(port: u16, certs: &Certs) -> ScanReport {
    let o = ScanOptions {
        cacert: Some(certs.path("ca.crt")),
        ..ScanOptions::default()
    };
    tls_probe::scan(&target(port), &o)
}

/// `openssl s_client` offering one suite list: `Some(chosen)`, `None` when
/// refused, `Err` when openssl cannot offer it at all.
fn s_client(
    port: u16,
    flag: &str,
    list: &str,
    certs: &Certs,
    mtls: bool,
) -> Result<Option<String>, String> {
    let mut c = Command::new("openssl");
    c.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{port}"),
        flag,
        "-no_ticket",
    ]);
    if flag == "-tls1_3" {
        c.args(["-ciphersuites", list]);
    } else {
        c.args(["-cipher", &format!("{list}:@SECLEVEL=0")]);
    }
    if mtls {
        c.arg("-cert")
            .arg(certs.path("client.crt"))
            .arg("-key")
            .arg(certs.path("client.key"));
    }
    let out = c.stdin(Stdio::null()).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if text.contains("no ciphers available")
        || text.contains("no cipher match")
        || text.contains("Error with command")
    {
        return Err(text);
    }
    let chosen = text
        .lines()
        .find_map(|l| {
            l.split_once("Cipher is ")
                .map(|(_, c)| c.trim().to_string())
        })
        .filter(|c| c != "(NONE)");
    Ok(chosen)
}

/// The suites the local openssl offers at one version (`openssl ciphers -s`).
fn openssl_suites(flag: &str) -> Vec<String> {
    if flag == "-tls1_3" {
        return [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_CCM_SHA256",
            "TLS_AES_128_CCM_8_SHA256",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    let out = Command::new("openssl")
        .args(["ciphers", "-s", flag, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .split(':')
        .filter(|s| !s.starts_with("TLS_"))
        .map(String::from)
        .collect()
}

const FLAGS: [(Version, &str); 4] = [
    (Version::Tls10, "-tls1"),
    (Version::Tls11, "-tls1_1"),
    (Version::Tls12, "-tls1_2"),
    (Version::Tls13, "-tls1_3"),
];

/// Every (version, suite) openssl can offer: the verdicts must be equal.
fn differential(
    name: &str,
    port: u16,
    certs: &Certs,
    mtls: bool,
    r: &ScanReport,
) -> (usize, Vec<String>) {
    let mut cases: Vec<(Version, &str, String)> = Vec::new();
    for (v, flag) in FLAGS {
        for s in openssl_suites(flag) {
            cases.push((v, flag, s));
        }
    }
    let cases = Mutex::new(cases);
    let results: Mutex<Vec<(Version, String, Result<Option<String>, String>)>> =
        Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for _ in 0..3 {
            sc.spawn(|| loop {
                let Some((v, flag, s)) = cases.lock().unwrap().pop() else {
                    break;
                };
                let got = s_client(port, flag, &s, certs, mtls);
                results.lock().unwrap().push((v, s, got));
            });
        }
    });
    let mut compared = 0;
    let mut disagree = Vec::new();
    for (v, suite, got) in results.into_inner().unwrap() {
        let Ok(chosen) = got else { continue };
        compared += 1;
        let openssl_accepts = chosen.is_some();
        let p = r.protocols.iter().find(|p| p.version == v).unwrap();
        let ours = p.ciphers.iter().any(|a| {
            a.suite
                .is_some_and(|c| c.openssl == Some(suite.as_str()) || c.iana == suite)
        });
        if ours != openssl_accepts {
            disagree.push(format!(
                "{name} {} {suite}: rampart {ours}, openssl {openssl_accepts}",
                v.name()
            ));
        }
    }
    (compared, disagree)
}

/// Offer the first two suites in both orders with s_client.
fn preference_check(
    name: &str,
    port: u16,
    certs: &Certs,
    mtls: bool,
    r: &ScanReport,
) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut bad = Vec::new();
    for (v, flag) in FLAGS {
        let p = r.protocols.iter().find(|p| p.version == v).unwrap();
        if p.ciphers.len() < 2 {
            continue;
        }
        let a = p.ciphers[0].suite.unwrap().display_name();
        let b = p.ciphers[1].suite.unwrap().display_name();
        let x = s_client(port, flag, &format!("{a}:{b}"), certs, mtls)
            .unwrap()
            .unwrap();
        let y = s_client(port, flag, &format!("{b}:{a}"), certs, mtls)
            .unwrap()
            .unwrap();
        let openssl_server = x == y;
        n += 1;
        let ours = match p.preference {
            Preference::Server => true,
            Preference::Client => false,
            other => {
                bad.push(format!("{name} {}: preference {other:?}", v.name()));
                continue;
            }
        };
        if ours != openssl_server {
            bad.push(format!(
                "{name} {}: rampart server_preference={ours}, openssl {x} / {y}",
                v.name()
            ));
        }
    }
    (n, bad)
}

#[test]
fn scan_agrees_with_openssl_on_three_redis_configs() {
    if !redis_fixture::available() {
        eprintln!("redis-server not available: skipped");
        return;
    }
    let certs = make_certs();
    let mut total = 0;
    let mut prefs = 0;
    let mut disagreements = Vec::new();
    for (name, conf, mtls) in [
        ("modern", MODERN, true),
        ("default", DEFAULT, false),
        ("weak", WEAK, false),
    ] {
        let s = start(&certs, conf);
        let r = scan(s.tls_port, &certs);
        let (n, d) = differential(name, s.tls_port, &certs, mtls, &r);
        total += n;
        disagreements.extend(d);
        let (n, d) = preference_check(name, s.tls_port, &certs, mtls, &r);
        prefs += n;
        disagreements.extend(d);
        // Shape checks per configuration.
        let sup: BTreeSet<&str> = r
            .protocols
            .iter()
            .filter(|p| p.supported)
            .map(|p| p.version.name())
            .collect();
        match name {
            "modern" => {
                assert_eq!(sup, BTreeSet::from(["TLSv1.2", "TLSv1.3"]));
                assert_eq!(r.client_auth, ClientAuth::Required, "{}", r.client_auth_how);
                assert!(r
                    .protocols
                    .iter()
                    .filter(|p| p.supported)
                    .all(|p| p.preference == Preference::Server));
            }
            "default" => {
                assert_eq!(sup, BTreeSet::from(["TLSv1.2", "TLSv1.3"]));
                assert_eq!(r.client_auth, ClientAuth::None);
            }
            _ => {
                assert_eq!(sup, BTreeSet::from(["TLSv1.0", "TLSv1.1", "TLSv1.2"]));
                // Anonymous suites accepted (the "anonymous-suites" weakness).
                assert!(r
                    .protocols
                    .iter()
                    .flat_map(|p| &p.ciphers)
                    .any(|a| a.suite.is_some_and(|c| c.anonymous())));
            }
        }
        assert_eq!(r.verification.status, "ok", "{}", r.verification.detail);
        assert_eq!(r.certificates.len(), 2);
        assert_eq!(r.certificates[0].key_bits, 2048);
        // At most the floor, the preference probes, the groups and one real handshake.
        assert!(
            r.handshakes <= r.handshake_floor + 4 + 25,
            "{} handshakes",
            r.handshakes
        );
        eprintln!(
            "{name}: {} handshakes (floor {}), {:?}",
            r.handshakes, r.handshake_floor, r.elapsed
        );
    }
    eprintln!("differential: {total} (version, suite) cases and {prefs} preference checks compared with openssl s_client");
    assert!(total >= 400, "only {total} cases compared");
    assert!(
        disagreements.is_empty(),
        "disagreements with openssl:\n{}",
        disagreements.join("\n")
    );
}

#[test]
fn optional_client_auth_behind_tls13_and_inspect() {
    if !redis_fixture::available() {
        return;
    }
    let certs = make_certs();
    let s = start(&certs, OPTIONAL13);
    let r = scan(s.tls_port, &certs);
    assert_eq!(r.client_auth, ClientAuth::Optional, "{}", r.client_auth_how);
    assert_eq!(r.certificates.len(), 2, "chain from the real handshake");

    let m = start(&certs, MODERN);
    let t = target(m.tls_port);
    // Without a certificate: the handshake is refused, the summary still shows what was negotiated.
    let o = tls_probe::InspectOptions {
        identity: None,
        cacert: Some(certs.path("ca.crt")),
        timeout: Duration::from_secs(5),
        alpn: Vec::new(),
    };
    let i = tls_probe::inspect(&t, &o);
    assert!(i.client_cert_requested);
    assert_eq!(i.protocol, Some(0x0304));
    // With one: complete, explained.
    let id = tls_probe::ClientIdentity::load(&certs.path("client.crt"), &certs.path("client.key"))
        .unwrap();
    let o = tls_probe::InspectOptions {
        identity: Some(&id),
        ..o
    };
    let i = tls_probe::inspect(&t, &o);
    assert!(i.completed, "{:?}", i.error);
    assert!(i.client_cert_sent);
    assert_eq!(i.suite, Some(0x1302), "server preference: AES-256 first");
    assert_eq!(i.parts.len(), 4);
    assert_eq!(i.verification.status, "ok");
    let text = tls_probe::json::inspect_text(&i);
    assert!(text.contains("Protocol: TLSv1.3"), "{text}");
    assert!(text.contains("Server Temp Key: x25519, 253 bits"), "{text}");

    // Legacy-only server: inspect falls back to the raw ServerHello.
    let w = start(
        &certs,
        "tls-auth-clients no\ntls-protocols \"TLSv1 TLSv1.1\"\ntls-ciphers ALL:@SECLEVEL=0\n",
    );
    let i = tls_probe::inspect(
        &target(w.tls_port),
        &tls_probe::InspectOptions {
            identity: None,
            cacert: None,
            timeout: Duration::from_secs(5),
            alpn: Vec::new(),
        },
    );
    assert!(!i.completed);
    assert_eq!(i.source, "raw ServerHello");
    assert_eq!(i.protocol, Some(0x0302));
    assert_eq!(i.secure_renegotiation, Some(true));
    assert!(!i.certificates.is_empty());
}

#[test]
fn plain_redis_port_is_not_tls() {
    if !redis_fixture::available() {
        return;
    }
    let certs = make_certs();
    let s = start(&certs, DEFAULT);
    let o = ScanOptions {
        timeout: Duration::from_millis(500),
        ..ScanOptions::default()
    };
    let r = tls_probe::scan(&target(s.server.port), &o);
    assert!(!r.any_supported());
    for p in &r.protocols {
        let why = format!("{} {:?}", p.end, p.error);
        // Redis answers -ERR to a line, or waits for the end of one.
        assert!(
            why.contains("not TLS")
                || why.contains("closed")
                || why.contains("reset")
                || why.contains("no answer"),
            "{}: {why}",
            p.version.name()
        );
    }
}
