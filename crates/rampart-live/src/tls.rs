//! TLS for live connections (rustls with the ring provider), configured as
//! redis-cli is: `--cacert`, `--cacert-dir`, `--cert`/`--key`, `--sni`,
//! `--insecure`.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tls_probe::verify::AcceptAny;

/// TLS settings of a connection.
#[derive(Clone, Debug, Default)]
pub struct TlsSettings {
    /// CA bundle (PEM) to verify the server with.
    pub cacert: Option<PathBuf>,
    /// Directory of CA certificates (PEM files).
    pub cacert_dir: Option<PathBuf>,
    /// Client certificate (PEM) for servers that require one.
    pub cert: Option<PathBuf>,
    /// Its private key (unencrypted PEM).
    pub key: Option<PathBuf>,
    /// Server name to send and verify (default: the host).
    pub sni: Option<String>,
    /// Do not verify the server's certificate.
    pub insecure: bool,
}

/// The system CA bundle on Debian-like hosts, used without --cacert.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn load_certs(p: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = redis_conf::fileio::read(p, redis_conf::fileio::DEFAULT_LIMIT)
        .map_err(|e| e.to_string())?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    let certs = certs.map_err(|e| format!("bad PEM in {}: {e}", p.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate", p.display()));
    }
    Ok(certs)
}

/// Build the rustls client configuration. Errors name the file, never a key's content.
pub fn client_config(s: &TlsSettings) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if s.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(c) = &s.cacert {
            files.push(c.clone());
        }
        if let Some(d) = &s.cacert_dir {
            let rd =
                std::fs::read_dir(d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            files.extend(v);
        }
        if files.is_empty() && Path::new(SYSTEM_BUNDLE).is_file() {
            files.push(SYSTEM_BUNDLE.into());
        }
        for f in &files {
            for c in load_certs(f)? {
                // A directory may hold non-CA files: skip what does not parse.
                let _ = roots.add(c);
            }
        }
        if roots.is_empty() {
            return Err(
                "no CA certificate to verify the server with: give --cacert (or --insecure)".into(),
            );
        }
        builder.with_root_certificates(roots)
    };
    let config = match (&s.cert, &s.key) {
        (Some(cert), Some(key)) => {
            let chain = load_certs(cert)?;
            let pem = redis_conf::fileio::read(key, redis_conf::fileio::DEFAULT_LIMIT)
                .map_err(|e| e.to_string())?;
            let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
                format!(
                    "cannot load the private key {} (unencrypted PEM needed): {e}",
                    key.display()
                )
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("unusable client certificate: {e}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err("--cert and --key go together".into()),
    };
    Ok(Arc::new(config))
}

/// The name to verify: `--sni`, else the host (an IP address is matched
/// against the certificate's IP SANs).
pub fn server_name(host: &str, sni: Option<&str>) -> Result<ServerName<'static>, String> {
    let name = sni.unwrap_or(host).to_string();
    ServerName::try_from(name.clone()).map_err(|e| format!("bad server name {name:?}: {e}"))
}
