//! TLS material made with the `openssl` CLI: a CA, a server certificate
//! (SAN `127.0.0.1`, `localhost`), a client certificate, and deliberately bad
//! variants (expired, weak, self-signed) for negative tests.
//!
//! Keys are EC P-256 (cheap to generate); the weak variant is RSA-1024 signed
//! with SHA-1. Everything lives in a temp dir that is removed when the
//! [`TlsMaterial`] is dropped; share one between nodes with an `Arc`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::StartError;

/// Path of the `openssl` binary (env `RAMPART_OPENSSL` overrides).
pub fn openssl_bin() -> PathBuf {
    std::env::var_os("RAMPART_OPENSSL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("openssl"))
}

/// A certificate and its private key (PEM files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertPair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// CA, server, client and bad certificates in one temp dir.
#[derive(Debug)]
pub struct TlsMaterial {
    pub dir: tempfile::TempDir,
    /// The CA certificate every good certificate chains to.
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    /// Server certificate: CN `localhost`, SAN `DNS:localhost, IP:127.0.0.1`,
    /// EKU serverAuth + clientAuth (so nodes can also present it to peers).
    pub server: CertPair,
    /// Client certificate: CN `rampart-client`, EKU clientAuth.
    pub client: CertPair,
    /// Server certificate signed by the CA that expired yesterday.
    pub expired: CertPair,
    /// RSA-1024, SHA-1 signed server certificate from the same CA.
    pub weak: CertPair,
    /// Self-signed server certificate that does not chain to `ca_cert`.
    pub self_signed: CertPair,
    /// An OpenSSL config setting security level 0 (give it to a process as
    /// `OPENSSL_CONF`): needed to load or accept the `weak` certificate.
    pub seclevel0_conf: PathBuf,
}

impl TlsMaterial {
    /// Generate everything (about 15 `openssl` runs, well under a second).
    pub fn generate() -> Result<TlsMaterial, StartError> {
        let dir = tempfile::Builder::new()
            .prefix("rampart-tls-")
            .tempdir()
            .map_err(|e| err(format!("temp dir: {e}")))?;
        let d = dir.path();
        let p = |name: &str| d.join(name);

        // CA
        ec_key(&p("ca.key"))?;
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/O=rampart tests/CN=rampart test CA",
                "-days",
                "3650",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-out",
                "ca.crt",
            ],
        )?;

        let server_ext = "basicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth,clientAuth\n\
             subjectAltName=DNS:localhost,IP:127.0.0.1\n";
        let client_ext = "basicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\n\
             extendedKeyUsage=clientAuth\n";
        std::fs::write(p("server.ext"), server_ext).map_err(|e| err(e.to_string()))?;
        std::fs::write(p("client.ext"), client_ext).map_err(|e| err(e.to_string()))?;

        ec_key(&p("server.key"))?;
        sign(
            d,
            "server",
            "/CN=localhost",
            "server.ext",
            "825",
            2,
            "sha256",
        )?;
        ec_key(&p("client.key"))?;
        sign(
            d,
            "client",
            "/CN=rampart-client",
            "client.ext",
            "825",
            3,
            "sha256",
        )?;
        ec_key(&p("expired.key"))?;
        sign(
            d,
            "expired",
            "/CN=localhost",
            "server.ext",
            "-1",
            4,
            "sha256",
        )?;
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:1024",
                "-out",
                "weak.key",
            ],
        )?;
        sign(d, "weak", "/CN=localhost", "server.ext", "825", 5, "sha1")?;
        ec_key(&p("self-signed.key"))?;
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "self-signed.key",
                "-subj",
                "/CN=localhost",
                "-days",
                "825",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-out",
                "self-signed.crt",
            ],
        )?;

        std::fs::write(
            p("openssl-seclevel0.cnf"),
            "openssl_conf = init\n[init]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = sys\n\
             [sys]\nCipherString = DEFAULT:@SECLEVEL=0\n",
        )
        .map_err(|e| err(e.to_string()))?;

        let pair = |n: &str| CertPair {
            cert: p(&format!("{n}.crt")),
            key: p(&format!("{n}.key")),
        };
        Ok(TlsMaterial {
            ca_cert: p("ca.crt"),
            ca_key: p("ca.key"),
            server: pair("server"),
            client: pair("client"),
            expired: pair("expired"),
            weak: pair("weak"),
            self_signed: pair("self-signed"),
            seclevel0_conf: p("openssl-seclevel0.cnf"),
            dir,
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `redis.conf` lines that make a server use this material: server
    /// certificate, client certificate for outgoing links (replication,
    /// cluster bus), CA. `tls-port` and `tls-auth-clients` are not included.
    pub fn server_config(&self) -> String {
        format!(
            "tls-cert-file {}\ntls-key-file {}\ntls-client-cert-file {}\ntls-client-key-file {}\ntls-ca-cert-file {}\n",
            self.server.cert.display(),
            self.server.key.display(),
            self.client.cert.display(),
            self.client.key.display(),
            self.ca_cert.display(),
        )
    }

    /// `redis-cli` TLS arguments: `--tls --cacert CA` plus the client
    /// certificate when `client_cert` is true.
    pub fn cli_args(&self, client_cert: bool) -> Vec<String> {
        let mut v = vec![
            "--tls".to_string(),
            "--cacert".to_string(),
            self.ca_cert.display().to_string(),
        ];
        if client_cert {
            v.extend([
                "--cert".to_string(),
                self.client.cert.display().to_string(),
                "--key".to_string(),
                self.client.key.display().to_string(),
            ]);
        }
        v
    }
}

fn err(output: String) -> StartError {
    StartError { output }
}

fn ec_key(out: &Path) -> Result<(), StartError> {
    openssl(
        out.parent().unwrap(),
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &out.display().to_string(),
        ],
    )
}

/// `NAME.csr` from `NAME.key`, then `NAME.crt` signed by the CA.
fn sign(
    d: &Path,
    name: &str,
    subj: &str,
    ext: &str,
    days: &str,
    serial: u32,
    digest: &str,
) -> Result<(), StartError> {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let crt = format!("{name}.crt");
    openssl(
        d,
        &["req", "-new", "-key", &key, "-subj", subj, "-out", &csr],
    )?;
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &serial.to_string(),
            "-days",
            days,
            &format!("-{digest}"),
            "-extfile",
            ext,
            "-out",
            &crt,
        ],
    )
}

fn openssl(cwd: &Path, args: &[&str]) -> Result<(), StartError> {
    let mut cmd = Command::new(openssl_bin());
    cmd.args(args).current_dir(cwd).stdin(Stdio::null());
    let out = crate::util::output_with_timeout(cmd, Duration::from_secs(20))
        .map_err(|e| err(format!("openssl {}: {e}", args.join(" "))))?;
    if !out.status.success() {
        return Err(err(format!(
            "openssl {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}
