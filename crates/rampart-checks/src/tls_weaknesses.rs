//! The weaknesses of a TLS scan: what `rampart tls scan` prints under
//! "Weaknesses" and TLS010 reads for the certificate, judged here from
//! tls-probe's measurements (tls-probe measures and never judges).

use tls_probe::ciphers::{CipherSuite, Strength};
use tls_probe::groups;
use tls_probe::scan::{Preference, ScanReport, Weakness};
use tls_probe::wire::{ServerKx, Version};

/// Judge what a scan measured: each weakness with its severity, in the
/// order `rampart tls scan` prints them.
// One rule after another over the measurements, in report order.
#[allow(clippy::too_many_lines)]
pub fn weaknesses(r: &ScanReport) -> Vec<Weakness> {
    let mut w = Vec::new();
    let sup = |v: Version| r.protocols.iter().any(|p| p.version == v && p.supported);
    if sup(Version::Ssl3) {
        w.push(Weakness {
            id: "protocol-sslv3",
            severity: "high",
            message: "SSLv3 accepted: broken (POODLE, RFC 7568)".into(),
        });
    }
    for (v, id) in [
        (Version::Tls10, "protocol-tlsv1.0"),
        (Version::Tls11, "protocol-tlsv1.1"),
    ] {
        if sup(v) {
            w.push(Weakness {
                id,
                severity: "medium",
                message: format!("{} accepted: deprecated by RFC 8996 (SHA-1/MD5 handshake, CBC attacks such as BEAST)", v.name()),
            });
        }
    }
    if r.any_supported() && !sup(Version::Tls13) {
        w.push(Weakness {
            id: "no-tlsv1.3",
            severity: "low",
            message: "TLSv1.3 not offered".into(),
        });
    }
    type Category = (
        &'static str,
        &'static str,
        &'static str,
        fn(&CipherSuite) -> bool,
    );
    let categories: [Category; 8] = [
        (
            "anonymous-suites",
            "high",
            "anonymous key exchange: no server authentication, open to man-in-the-middle",
            |c| c.anonymous(),
        ),
        (
            "null-encryption",
            "high",
            "NULL encryption: traffic in clear text",
            |c| c.enc == "NULL",
        ),
        (
            "export-suites",
            "high",
            "export-grade cryptography (FREAK, Logjam)",
            |c| c.iana.contains("EXPORT"),
        ),
        ("rc4-suites", "high", "RC4 (RFC 7465)", |c| c.enc == "RC4"),
        ("des-suites", "high", "single DES: 56-bit key", |c| {
            c.enc == "DES" || c.enc == "DES40"
        }),
        (
            "sweet32",
            "medium",
            "64-bit block cipher (3DES/IDEA): Sweet32",
            |c| c.enc == "3DES" || c.enc == "IDEA",
        ),
        (
            "no-forward-secrecy",
            "medium",
            "no forward secrecy: a stolen server key decrypts recorded traffic",
            |c| !c.forward_secrecy && !c.anonymous(),
        ),
        (
            "cbc-suites",
            "low",
            "CBC mode with MAC-then-encrypt: padding oracles (Lucky13)",
            |c| c.mode == "CBC",
        ),
    ];
    for (id, sev, why, pred) in categories {
        let mut names: Vec<String> = Vec::new();
        for p in &r.protocols {
            for a in &p.ciphers {
                if let Some(c) = a.suite.filter(|c| pred(c)) {
                    let n = c.display_name().to_string();
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
            }
        }
        if !names.is_empty() {
            w.push(Weakness {
                id,
                severity: sev,
                message: format!("{} suite(s) with {why}: {}", names.len(), names.join(", ")),
            });
        }
    }
    for p in &r.protocols {
        if p.preference == Preference::Client
            && p.ciphers
                .iter()
                .any(|a| a.suite.is_some_and(|c| c.strength != Strength::Secure))
        {
            w.push(Weakness {
                id: "client-order",
                severity: "low",
                message: format!(
                    "{}: the server follows the client's order and accepts weaker suites (tls-prefer-server-ciphers no)",
                    p.version.name()
                ),
            });
        }
        if p.secure_renegotiation == Some(false) && p.version != Version::Tls13 {
            w.push(Weakness {
                id: "no-secure-renegotiation",
                severity: "medium",
                message: format!(
                    "{}: no renegotiation_info in the ServerHello (RFC 5746)",
                    p.version.name()
                ),
            });
        }
        if p.compression.is_some_and(|c| c != 0) {
            w.push(Weakness {
                id: "compression",
                severity: "high",
                message: format!("{}: TLS compression on (CRIME)", p.version.name()),
            });
        }
        for a in &p.ciphers {
            if let Some(ServerKx::Dhe { bits }) = a.server_kx {
                if bits < 2048 {
                    w.push(Weakness {
                        id: "weak-dh",
                        severity: "medium",
                        message: format!("{}: {}-bit DH group (Logjam)", p.version.name(), bits),
                    });
                    break;
                }
            }
        }
    }
    for g in &r.groups {
        if let Some(why) = group_weakness(g.code) {
            w.push(Weakness {
                id: "weak-group",
                severity: "low",
                message: format!("group {}: {why}", groups::group_name(g.code)),
            });
        }
    }
    if let Some(leaf) = r.certificates.first() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        if leaf.key_type == "RSA" && leaf.key_bits < 2048 {
            w.push(Weakness {
                id: "weak-key",
                severity: "high",
                message: format!("RSA key of {} bits", leaf.key_bits),
            });
        }
        if leaf.not_after_unix < now {
            w.push(Weakness {
                id: "cert-expired",
                severity: "high",
                message: format!("certificate expired {}", leaf.not_after),
            });
        } else if leaf.not_after_unix < now + 30 * 86400 {
            w.push(Weakness {
                id: "cert-expiring",
                severity: "medium",
                message: format!("certificate expires {}", leaf.not_after),
            });
        }
        if leaf.not_before_unix > now {
            w.push(Weakness {
                id: "cert-not-yet-valid",
                severity: "high",
                message: format!("certificate valid only from {}", leaf.not_before),
            });
        }
        if leaf.signature_algorithm.contains("SHA1")
            || leaf.signature_algorithm.contains("md5")
            || leaf.signature_algorithm.contains("sha1")
        {
            w.push(Weakness {
                id: "weak-signature",
                severity: "medium",
                message: format!("certificate signed with {}", leaf.signature_algorithm),
            });
        }
    }
    if r.verification.status == "failed" {
        w.push(Weakness {
            id: "cert-untrusted",
            severity: "medium",
            message: format!("certificate chain not verified: {}", r.verification.detail),
        });
    }
    w
}

/// Weakness of a group, if any.
pub fn group_weakness(code: u16) -> Option<&'static str> {
    match groups::group_bits(code) {
        Some(b) if (256..=8192).contains(&code) && b < 2048 => {
            Some("finite-field group under 2048 bits")
        }
        Some(b) if code < 256 && b < 224 => Some("elliptic curve under 224 bits"),
        _ if (1..=14).contains(&code) => Some("binary curve (deprecated by RFC 8422)"),
        _ => None,
    }
}
