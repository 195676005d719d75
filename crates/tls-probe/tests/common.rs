//! Shared test support: certificates made with the `openssl` CLI and Redis
//! TLS servers started with redis-fixture.
#![allow(clippy::unwrap_used, dead_code)]

use redis_fixture::Server;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }
}

fn run(dir: &Path, args: &[&str]) {
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

/// A CA, a server certificate for localhost/127.0.0.1 and a client certificate.
pub fn make_certs() -> Certs {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(
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
            "30",
            "-subj",
            "/CN=rampart test CA",
        ],
    );
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(d.join("cext.cnf"), "extendedKeyUsage=clientAuth\n").unwrap();
    for (name, cn, ext) in [
        ("server", "localhost", "ext.cnf"),
        ("client", "client", "cext.cnf"),
    ] {
        run(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        run(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.crt"),
                "-days",
                "30",
                "-extfile",
                ext,
            ],
        );
    }
    Certs { dir }
}

/// The three configurations of the issue, plus TLS 1.3-only optional mTLS.
pub const MODERN: &str = "tls-auth-clients yes\ntls-protocols \"TLSv1.2 TLSv1.3\"\ntls-ciphers ECDHE+AESGCM\ntls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256\ntls-prefer-server-ciphers yes\n";
pub const DEFAULT: &str = "tls-auth-clients no\n";
pub const WEAK: &str = "tls-auth-clients no\ntls-protocols \"TLSv1 TLSv1.1 TLSv1.2\"\ntls-ciphers ALL:@SECLEVEL=0\ntls-prefer-server-ciphers no\n";
pub const OPTIONAL13: &str = "tls-auth-clients optional\ntls-protocols TLSv1.3\n";

pub struct TlsServer {
    pub server: Server,
    pub tls_port: u16,
}

/// Start redis-server with `tls` (directives) on a free TLS port.
pub fn start(certs: &Certs, tls: &str) -> TlsServer {
    let files = [
        ("ca.crt", certs.read("ca.crt")),
        ("server.crt", certs.read("server.crt")),
        ("server.key", certs.read("server.key")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let config = format!(
        "tls-cert-file server.crt\ntls-key-file server.key\ntls-ca-cert-file ca.crt\n{tls}"
    );
    let mut last = String::new();
    for _ in 0..5 {
        let port = redis_fixture::free_port();
        match Server::start_files(&config, &files, &["--tls-port", &port.to_string()]) {
            Ok(server) => {
                return TlsServer {
                    server,
                    tls_port: port,
                }
            }
            Err(e) => last = e.output,
        }
    }
    panic!("cannot start a TLS redis-server: {last}");
}
