//! Certificates: what a person needs to see (key, signature, validity,
//! names), and verification of the chain against trust anchors.

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use x509_parser::prelude::*;

/// One certificate of the chain, as sent by the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Subject alternative names (`DNS:x`, `IP:x`, ...).
    pub names: Vec<String>,
    /// `RSA`, `EC`, `Ed25519`, `DSA`, ...
    pub key_type: String,
    pub key_bits: usize,
    /// Curve name for EC keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    pub signature_algorithm: String,
    pub not_before: String,
    pub not_after: String,
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    pub is_ca: bool,
    /// Issuer equals subject and the signature verifies with the
    /// certificate's own key.
    pub self_signed: bool,
}

/// Whether `c` signed itself: issuer == subject and its signature verifies
/// with its own public key (not merely a name that repeats).
fn signed_by_itself(c: &X509Certificate<'_>) -> bool {
    c.subject().as_raw() == c.issuer().as_raw() && c.verify_signature(None).is_ok()
}

/// Whether the DER certificate is self-signed (see [`CertInfo::self_signed`]).
pub fn is_self_signed(der: &[u8]) -> bool {
    X509Certificate::from_der(der).is_ok_and(|(_, c)| signed_by_itself(&c))
}

/// RFC 3339 (UTC) from a Unix timestamp.
pub fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn sig_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        other => return other.to_string(),
    }
    .to_string()
}

fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "prime256v1",
        "1.3.132.0.34" => "secp384r1",
        "1.3.132.0.35" => "secp521r1",
        "1.3.132.0.10" => "secp256k1",
        other => return other.to_string(),
    }
    .to_string()
}

/// Parse one DER certificate. `None` when it is not X.509.
pub fn parse(der: &[u8]) -> Option<CertInfo> {
    let (_, c) = X509Certificate::from_der(der).ok()?;
    let spki = c.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let (key_type, key_bits, curve) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(r)) => ("RSA".to_string(), r.key_size(), None),
        Ok(x509_parser::public_key::PublicKey::EC(p)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| curve_name(&o.to_id_string()));
            ("EC".to_string(), p.key_size(), curve)
        }
        Ok(x509_parser::public_key::PublicKey::DSA(y)) => ("DSA".to_string(), y.len() * 8, None),
        _ => match alg.as_str() {
            "1.3.101.112" => ("Ed25519".to_string(), 256, None),
            "1.3.101.113" => ("Ed448".to_string(), 456, None),
            other => (other.to_string(), 0, None),
        },
    };
    let mut names = Vec::new();
    if let Ok(Some(san)) = c.subject_alternative_name() {
        for n in &san.value.general_names {
            names.push(match n {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => format!("IP:{}", std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3])),
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(ip);
                        format!("IP:{}", std::net::Ipv6Addr::from(a))
                    }
                    _ => "IP:?".to_string(),
                },
                GeneralName::RFC822Name(e) => format!("email:{e}"),
                GeneralName::URI(u) => format!("URI:{u}"),
                other => format!("{other:?}"),
            });
        }
    }
    let nb = c.validity().not_before.timestamp();
    let na = c.validity().not_after.timestamp();
    Some(CertInfo {
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        names,
        key_type,
        key_bits,
        curve,
        signature_algorithm: sig_name(&c.signature_algorithm.algorithm.to_id_string()),
        not_before: rfc3339(nb),
        not_after: rfc3339(na),
        not_before_unix: nb,
        not_after_unix: na,
        is_ca: c.is_ca(),
        self_signed: signed_by_itself(&c),
    })
}

/// Load PEM certificates (trust anchors or a client chain).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let pem = redis_conf::fileio::read(path, redis_conf::fileio::DEFAULT_LIMIT)
        .map_err(|e| e.to_string())?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    let certs = certs.map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// The outcome of verifying the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// `ok`, `failed`, or `not_checked`.
    pub status: &'static str,
    pub detail: String,
    /// The trust anchors used.
    pub anchors: String,
}

const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Verify `chain` (leaf first) for `name` against `cacert` (or the system
/// bundle when there is one and no `cacert` is given).
pub fn verify(chain: &[Vec<u8>], name: &str, cacert: Option<&Path>) -> Verification {
    let anchors_path = match cacert {
        Some(p) => p.to_path_buf(),
        None if Path::new(SYSTEM_BUNDLE).exists() => Path::new(SYSTEM_BUNDLE).to_path_buf(),
        None => {
            return Verification {
                status: "not_checked",
                detail: "no --cacert and no system CA bundle".into(),
                anchors: String::new(),
            }
        }
    };
    let anchors = anchors_path.display().to_string();
    let fail = |detail: String| Verification {
        status: "failed",
        detail,
        anchors: anchors.clone(),
    };
    let Some((leaf, rest)) = chain.split_first() else {
        return fail("the server sent no certificate".into());
    };
    let roots = match load_certs(&anchors_path) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut store = rustls::RootCertStore::empty();
    let (_added, _ignored) = store.add_parsable_certificates(roots);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = match rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(store),
        provider,
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => return fail(format!("no usable trust anchor: {e}")),
    };
    let Ok(server_name) = ServerName::try_from(name.to_string()) else {
        return fail(format!("{name:?} is not a valid server name"));
    };
    let inter: Vec<CertificateDer<'_>> =
        rest.iter().map(|c| CertificateDer::from(&c[..])).collect();
    use rustls::client::danger::ServerCertVerifier;
    match verifier.verify_server_cert(
        &CertificateDer::from(&leaf[..]),
        &inter,
        &server_name,
        &[],
        UnixTime::now(),
    ) {
        Ok(_) => Verification {
            status: "ok",
            detail: format!("chain and name {name} verified"),
            anchors,
        },
        Err(_) if is_self_signed(leaf) => {
            // webpki's wording (CaUsedAsEndEntity, UnknownIssuer) names a
            // symptom; the cause is that nobody but the server vouches for it.
            let subject = parse(leaf).map(|c| c.subject).unwrap_or_default();
            if roots_contain(&anchors_path, leaf) {
                fail(format!(
                    "self-signed certificate ({subject}), itself among the trust anchors {anchors}: a pinned self-signed certificate is not a CA-issued chain (webpki accepts no trust anchor as the server's own certificate)"
                ))
            } else {
                fail(format!(
                    "self-signed certificate ({subject}): signed by its own key, not issued by a CA in {anchors}"
                ))
            }
        }
        Err(e) => fail(e.to_string()),
    }
}

/// Whether the PEM file holds this exact DER certificate.
fn roots_contain(path: &Path, der: &[u8]) -> bool {
    load_certs(path).is_ok_and(|certs| certs.iter().any(|c| c.as_ref() == der))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rfc3339_known_points() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_799_999_999), "2027-01-15T07:59:59Z");
    }
}
