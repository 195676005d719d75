//! `rampart audit rediss://...` on TLS ports rustls cannot connect to
//! (DHE-only, RSA key exchange only) and on a self-signed certificate:
//! the TLS checks judge rampart's own scan, and the live failure says why.
//! Real redis-server processes; `openssl s_client` is the oracle.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use redis_fixture::Server;
use std::path::Path;
use std::process::{Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An RSA CA and server certificate (DHE-RSA and RSA key exchange need an
/// RSA key; the fixture's material is EC), valid a year, and DH parameters.
fn rsa_material() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "400",
            "-subj",
            "/CN=rampart verdicts CA",
        ],
    );
    std::fs::write(
        d.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "400",
            "-extfile",
            "ext.cnf",
        ],
    );
    openssl(
        d,
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "dh_param:ffdhe2048",
            "-out",
            "dh.pem",
        ],
    );
    dir
}

/// redis-server with the RSA material and `tls` directives: (server, TLS port).
fn start(m: &Path, tls: &str) -> (Server, u16) {
    let config = format!(
        "tls-cert-file {0}/server.crt\ntls-key-file {0}/server.key\ntls-ca-cert-file {0}/ca.crt\ntls-dh-params-file {0}/dh.pem\n{tls}",
        m.display()
    );
    let mut last = String::new();
    for _ in 0..5 {
        let port = redis_fixture::free_port();
        match Server::start_with(&config, &["--tls-port", &port.to_string()]) {
            Ok(s) => return (s, port),
            Err(e) => last = e.output,
        }
    }
    panic!("cannot start a TLS redis-server: {last}");
}

/// What `openssl s_client -tls1_2` without a certificate saw: refused
/// (alert 40) or accepted (PONG).
fn openssl_without_cert(port: u16) -> &'static str {
    let out = Command::new("sh")
        .arg("-c")
        .arg("(printf 'PING\\r\\n'; sleep 1) | timeout 10 openssl s_client -connect \"127.0.0.1:$0\" -tls1_2")
        .arg(port.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if text.contains("alert number 40") {
        "refused"
    } else if text.contains("+PONG") {
        "accepted"
    } else {
        panic!("openssl said neither: {text}")
    }
}

fn finding(r: &serde_json::Value, id: &str) -> serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing"))
        .clone()
}

fn audit(port: u16, cacert: &Path) -> serde_json::Value {
    let t = format!("rediss://127.0.0.1:{port}");
    let o = rampart(&[
        "audit",
        &t,
        "--format",
        "json",
        "--timeout",
        "3",
        "--cacert",
        cacert.to_str().unwrap(),
    ]);
    json(&o)
}

#[test]
fn tls_checks_judge_the_scan_where_rustls_cannot_connect() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    let m = rsa_material();
    let ca = m.path().join("ca.crt");
    let cases = [
        // DHE with AES-GCM: strong, forward secret; certificates optional.
        (
            "DHE-RSA-AES128-GCM-SHA256",
            "optional",
            "pass",
            "fail",
            "accepted",
        ),
        // RSA key exchange: no forward secrecy; certificates required.
        ("AES128-GCM-SHA256", "yes", "fail", "pass", "refused"),
    ];
    for (suite, auth, tls002, tls004, oracle) in cases {
        let (_s, port) = start(
            m.path(),
            &format!("tls-protocols TLSv1.2\ntls-ciphers {suite}\ntls-prefer-server-ciphers yes\ntls-auth-clients {auth}\n"),
        );
        assert_eq!(openssl_without_cert(port), oracle, "{suite}");
        let r = audit(port, &ca);
        let why = |id: &str| finding(&r, id).to_string();
        assert_eq!(status(&r, "TLS002"), tls002, "{suite}: {}", why("TLS002"));
        assert_eq!(status(&r, "TLS003"), "pass", "{suite}: {}", why("TLS003"));
        assert_eq!(status(&r, "TLS004"), tls004, "{suite}: {}", why("TLS004"));
        assert!(
            why("TLS004").contains("empty Certificate"),
            "{}",
            why("TLS004")
        );
        assert_eq!(status(&r, "TLS010"), "pass", "{suite}: {}", why("TLS010"));
        // One suite: nothing to order, so no client order either.
        assert_eq!(status(&r, "TLS005"), "pass", "{suite}: {}", why("TLS005"));
        if tls002 == "fail" {
            assert!(
                why("TLS002").contains("no forward secrecy"),
                "{}",
                why("TLS002")
            );
        }
        // The checks that need the connection say why it is impossible.
        let net = finding(&r, "NET001");
        assert_eq!(net["status"], "error");
        let msg = net.to_string();
        assert!(
            msg.contains("rampart cannot connect: no cipher suite in common with rustls")
                && msg.contains(suite),
            "{msg}"
        );
    }
}

#[test]
fn audit_evidence_calls_a_self_signed_certificate_self_signed() {
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
    let t = format!("rediss://127.0.0.1:{port}");
    // --insecure for the live connection; the scan still verifies against --cacert.
    let o = rampart(&[
        "audit",
        &t,
        "--format",
        "json",
        "--timeout",
        "3",
        "--insecure",
        "--cacert",
        m.ca_cert.to_str().unwrap(),
    ]);
    let r = json(&o);
    let f = finding(&r, "TLS010");
    assert_eq!(f["status"], "fail", "{f}");
    let ev = f["evidence"].to_string();
    assert!(
        ev.contains("self-signed certificate (CN=localhost)"),
        "{ev}"
    );
    assert!(!ev.contains("CaUsedAsEndEntity"), "{ev}");
    // rampart tls scan and inspect say the same.
    for cmd in ["scan", "inspect"] {
        let o = rampart(&[
            "tls",
            cmd,
            &format!("127.0.0.1:{port}"),
            "--cacert",
            m.ca_cert.to_str().unwrap(),
        ]);
        let text = stdout(&o);
        assert!(
            text.contains("self-signed certificate (CN=localhost)"),
            "{cmd}: {text}"
        );
        assert!(!text.contains("CaUsedAsEndEntity"), "{cmd}: {text}");
    }
}

#[test]
fn tls_inspect_prints_the_ticket_lifetime_hint_like_openssl() {
    if !redis_fixture::available() {
        eprintln!("SKIP: redis-server not available");
        return;
    }
    let m = rsa_material();
    let (_s, port) = start(
        m.path(),
        "tls-protocols TLSv1.2\ntls-auth-clients no\ntls-session-cache-timeout 321\n",
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg("echo | timeout 10 openssl s_client -connect \"127.0.0.1:$0\" -tls1_2")
        .arg(port.to_string())
        .output()
        .unwrap();
    let oracle = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = oracle
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("TLS session ticket lifetime hint:"))
        .unwrap_or_else(|| panic!("no hint from openssl: {oracle}"))
        .to_string();
    assert_eq!(line, "TLS session ticket lifetime hint: 321 (seconds)");
    let o = rampart(&["tls", "inspect", &format!("127.0.0.1:{port}"), "--insecure"]);
    let text = stdout(&o);
    assert!(text.lines().any(|l| l.trim() == line), "{text}");
    let o = rampart(&[
        "tls",
        "inspect",
        &format!("127.0.0.1:{port}"),
        "--insecure",
        "--format",
        "json",
    ]);
    assert_eq!(json(&o)["ticket_lifetime_hint"], 321);
}
