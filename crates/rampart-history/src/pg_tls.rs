//! TLS to PostgreSQL, with libpq's meanings of `sslmode` (rustls with the
//! ring provider, through `tokio-postgres-rustls`):
//!
//! | `sslmode` | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (the default) | when the server offers it, else plaintext | not verified |
//! | `require` | always (a server without TLS is refused) | not verified; verified as `verify-ca` when `sslrootcert` is given |
//! | `verify-ca` | always | chains to `sslrootcert` |
//! | `verify-full` | always | chains to `sslrootcert` and names the host |
//!
//! `sslrootcert=FILE` is a PEM bundle (read through the bounded reader),
//! `sslrootcert=system` the system's CA bundle; without it `verify-ca` and
//! `verify-full` use `~/.postgresql/root.crt` as libpq does, and fail with
//! a message that says what to give when there is none. tokio-postgres
//! knows only `disable`, `prefer` and `require` and no `sslrootcert`:
//! [`split`] takes both out of the URL and hands the driver the rest.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tls_probe::verify::AcceptAny;
use tokio_postgres::config::SslMode;

/// The system CA bundle on Debian-like hosts (`sslrootcert=system`).
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "disable" => Mode::Disable,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }

    /// What the driver is told: whether TLS is tried, and required.
    pub fn driver(self) -> SslMode {
        match self {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }
}

/// The TLS settings of a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsParams {
    pub mode: Mode,
    /// `sslrootcert`, percent-decoded (`system` kept as is).
    pub root_cert: Option<String>,
}

/// Percent-decoding of a query value (`%2F` is `/`; an invalid escape
/// stays as written).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Take `sslmode` and `sslrootcert` out of a `postgres://` URL: the URL
/// the driver can parse, and the settings. A string that is not a URL
/// (`host=... sslmode=...`) is returned as it is, with the driver's
/// `sslmode` (it knows `disable`, `prefer`, `require`).
pub fn split(url: &str) -> Result<(String, TlsParams), String> {
    let mut params = TlsParams {
        mode: Mode::Prefer,
        root_cert: None,
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Ok((url.to_string(), params));
    }
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), params));
    };
    let mut kept: Vec<&str> = Vec::new();
    for kv in query.split('&') {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k {
            "sslmode" => {
                let v = percent_decode(v);
                params.mode = Mode::parse(&v).ok_or_else(|| {
                    format!(
                        "sslmode={v}: not one of disable, prefer, require, verify-ca, verify-full"
                    )
                })?;
            }
            "sslrootcert" => {
                let v = percent_decode(v);
                params.root_cert = (!v.is_empty()).then_some(v);
            }
            _ => kept.push(kv),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, params))
}

/// The rustls configuration for `p` (unused by the driver under
/// `disable`). Errors name the file and the mode.
pub fn client_config(p: &TlsParams) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let verify = match p.mode {
        Mode::VerifyCa | Mode::VerifyFull => true,
        // libpq: a root certificate given makes `require` verify the chain.
        Mode::Require => p.root_cert.is_some(),
        Mode::Disable | Mode::Prefer => false,
    };
    let verifier: Arc<dyn ServerCertVerifier> = if verify {
        let roots = Arc::new(roots(p)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| format!("sslmode={}: {e}", p.mode.as_str()))?;
        if p.mode == Mode::VerifyFull {
            webpki
        } else {
            Arc::new(ChainOnly(webpki))
        }
    } else {
        Arc::new(AcceptAny(provider))
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// A connection failure in words that say what to do about TLS: the
/// driver's `error performing TLS handshake: invalid peer certificate:
/// UnknownIssuer` gains which mode and which root certificate refused it.
pub fn explain(reason: &str, p: &TlsParams) -> String {
    let root = || {
        p.root_cert
            .as_deref()
            .unwrap_or("~/.postgresql/root.crt")
            .to_string()
    };
    if reason.contains("invalid peer certificate") {
        let why = if reason.contains("NotValidForName") {
            "the server's certificate does not name the host of the URL (sslmode=verify-ca checks the chain only)".to_string()
        } else if reason.contains("UnknownIssuer") || reason.contains("BadSignature") {
            format!(
                "the server's certificate is not signed by a CA of sslrootcert {}",
                root()
            )
        } else {
            format!(
                "the server's certificate was refused (sslrootcert {})",
                root()
            )
        };
        return format!("sslmode={}: {why}: {reason}", p.mode.as_str());
    }
    if reason.contains("server does not support TLS") {
        return format!(
            "sslmode={}: the server does not offer TLS (ssl = off in postgresql.conf): {reason}",
            p.mode.as_str()
        );
    }
    reason.to_string()
}

/// The CA certificates to verify with: `sslrootcert`, else libpq's
/// `~/.postgresql/root.crt`.
fn roots(p: &TlsParams) -> Result<RootCertStore, String> {
    let path: PathBuf = match p.root_cert.as_deref() {
        Some("system") => PathBuf::from(SYSTEM_BUNDLE),
        Some(f) => PathBuf::from(f),
        None => {
            let default = std::env::var_os("HOME")
                .map(|h| Path::new(&h).join(".postgresql/root.crt"))
                .filter(|f| f.is_file());
            default.ok_or_else(|| {
                format!(
                    "sslmode={} verifies the server's certificate: give sslrootcert=FILE (the CA's PEM certificate) or sslrootcert=system",
                    p.mode.as_str()
                )
            })?
        }
    };
    let pem = redis_conf::fileio::read(&path, redis_conf::fileio::DEFAULT_LIMIT)
        .map_err(|e| format!("sslrootcert: {e}"))?;
    let mut store = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&pem) {
        let c = c.map_err(|e| format!("sslrootcert {}: bad PEM: {e}", path.display()))?;
        store
            .add(c)
            .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
    }
    if store.is_empty() {
        return Err(format!(
            "sslrootcert {} holds no certificate",
            path.display()
        ));
    }
    Ok(store)
}

/// `verify-ca`: the chain and the dates are verified, the name is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_leave_the_url() {
        let (u, p) = split(
            "postgres://u:pw@h:5432/db?connect_timeout=5&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        )
        .unwrap();
        assert_eq!(u, "postgres://u:pw@h:5432/db?connect_timeout=5");
        assert_eq!(p.mode, Mode::VerifyFull);
        assert_eq!(p.root_cert.as_deref(), Some("/etc/ca.pem"));
        let (u, p) = split("postgres://h/db?sslmode=require").unwrap();
        assert_eq!((u.as_str(), p.mode), ("postgres://h/db", Mode::Require));
        let (_, p) = split("postgresql://h/db").unwrap();
        assert_eq!(p.mode, Mode::Prefer);
        assert!(split("postgres://h/db?sslmode=allow-maybe")
            .unwrap_err()
            .contains("not one of"));
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn verifying_without_a_root_certificate_says_what_to_give() {
        let p = TlsParams {
            mode: Mode::VerifyFull,
            root_cert: Some("/nonexistent/ca.pem".into()),
        };
        let e = client_config(&p).unwrap_err();
        assert!(e.contains("sslrootcert"), "{e}");
        for mode in [Mode::Disable, Mode::Prefer, Mode::Require] {
            let p = TlsParams {
                mode,
                root_cert: None,
            };
            assert!(client_config(&p).is_ok(), "{mode:?}");
        }
    }
}
