//! The JSON documents of `rampart tls scan` and `rampart tls inspect`
//! (schema 1), and their text renderings. These are DTOs built from the
//! reports, not dumps of internal types; later versions add fields and
//! never remove or change these.

use crate::cert::CertInfo;
use crate::ciphers::{self, CipherSuite};
use crate::groups::{group_bits, group_name};
use crate::inspect::InspectReport;
use crate::scan::{Accepted, ScanReport, Weakness};
use crate::wire::{version_name, ServerKx, Version};
use serde_json::{json, Value};

pub const SCHEMA: u32 = 1;

fn suite_json(c: &CipherSuite) -> Value {
    json!({
        "code": format!("0x{:04X}", c.code),
        "iana": c.iana,
        "openssl": c.openssl,
        "kx": c.kx,
        "au": c.au,
        "enc": c.enc,
        "mode": c.mode,
        "bits": c.bits,
        "mac": c.mac,
        "forward_secrecy": c.forward_secrecy,
        "strength": c.strength.as_str(),
        "reason": c.reason,
    })
}

fn kx_text(a: &Accepted) -> Option<String> {
    match (&a.server_kx, a.group) {
        (Some(ServerKx::Ecdhe { group }), _) => Some(group_name(*group)),
        (None, Some(group)) => Some(group_name(group)),
        (Some(ServerKx::Dhe { bits }), _) => Some(format!("DH {bits}")),
        (None, None) => None,
    }
}

fn accepted_json(a: &Accepted) -> Value {
    let mut v = match a.suite {
        Some(c) => suite_json(c),
        None => json!({ "code": format!("0x{:04X}", a.code), "iana": null, "openssl": null }),
    };
    if let (Some(o), Some(k)) = (v.as_object_mut(), kx_text(a)) {
        o.insert("server_kx".into(), json!(k));
    }
    v
}

fn cert_json(c: &CertInfo) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

/// The scan document, with the weaknesses judged of it.
pub fn scan_json(r: &ScanReport, weaknesses: &[Weakness]) -> Value {
    let mut protocols = serde_json::Map::new();
    for p in &r.protocols {
        protocols.insert(
            p.version.name().to_string(),
            json!({
                "supported": p.supported,
                "ciphers": p.ciphers.iter().map(accepted_json).collect::<Vec<_>>(),
                "server_preference": match p.preference {
                    crate::scan::Preference::Server => json!(true),
                    crate::scan::Preference::Client => json!(false),
                    _ => Value::Null,
                },
                "preference": p.preference.as_str(),
                "secure_renegotiation": p.secure_renegotiation,
                "compression": p.compression,
                "end": p.end,
                "error": p.error,
                "answered_with": p.downgraded_to.map(version_name),
            }),
        );
    }
    // Overall: server preference if every version with an order has one.
    let prefs: Vec<_> = r
        .protocols
        .iter()
        .filter_map(|p| match p.preference {
            crate::scan::Preference::Server => Some(true),
            crate::scan::Preference::Client => Some(false),
            _ => None,
        })
        .collect();
    let server_preference = if prefs.is_empty() {
        Value::Null
    } else {
        json!(prefs.iter().all(|&b| b))
    };
    json!({
        "schema": SCHEMA,
        "kind": "tls-scan",
        "rampart_version": env!("CARGO_PKG_VERSION"),
        "target": r.target,
        "address": r.address,
        "handshakes": r.handshakes,
        "handshake_floor": r.handshake_floor,
        "elapsed_ms": u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
        "protocols": protocols,
        "server_preference": server_preference,
        "groups": r.groups.iter().map(|g| json!({
            "name": group_name(g.code),
            "code": format!("0x{:04X}", g.code),
            "bits": group_bits(g.code),
            "versions": g.versions.iter().map(|v| v.name()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "client_auth": r.client_auth.as_str(),
        "client_auth_detail": match &r.client_auth {
            crate::scan::ClientAuth::Unknown(why) => why.clone(),
            _ => r.client_auth_how.clone(),
        },
        "certificates": r.certificates.iter().map(cert_json).collect::<Vec<_>>(),
        "verification": r.verification,
        "weaknesses": weaknesses.iter().map(|w| json!({
            "id": w.id, "severity": w.severity, "message": w.message,
        })).collect::<Vec<_>>(),
    })
}

/// The inspect document.
pub fn inspect_json(r: &InspectReport) -> Value {
    json!({
        "schema": SCHEMA,
        "kind": "tls-inspect",
        "rampart_version": env!("CARGO_PKG_VERSION"),
        "target": r.target,
        "address": r.address,
        "completed": r.completed,
        "error": r.error,
        "source": r.source,
        "protocol": r.protocol.map(version_name),
        "cipher": r.suite.map(|s| match ciphers::by_code(s) {
            Some(c) => suite_json(c),
            None => json!({ "code": format!("0x{s:04X}") }),
        }),
        "server_temp_key": r.server_temp_key,
        "certificates": r.certificates.iter().map(cert_json).collect::<Vec<_>>(),
        "verification": r.verification,
        "alpn": r.alpn,
        "client_cert_requested": r.client_cert_requested,
        "client_cert_sent": r.client_cert_sent,
        "secure_renegotiation": r.secure_renegotiation,
        "compression": r.compression,
        "extended_master_secret": r.extended_master_secret,
        "session_ticket": r.session_ticket,
        "ticket_lifetime_hint": r.ticket_lifetime_hint,
        "ticket_lifetime_note": r.ticket_lifetime_note,
        "parts": r.parts,
        "handshakes": r.handshakes,
    })
}

/// Strip control characters from what a server said (names in certificates).
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '\u{202A}'..='\u{202E}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{200B}'..='\u{200F}'
                        | '\u{2028}'
                        | '\u{2029}'
                        | '\u{2060}'
                        | '\u{FEFF}'
                        | '\u{061C}'
                )
            {
                '?'
            } else {
                c
            }
        })
        .collect()
}

fn cert_lines(out: &mut String, certs: &[CertInfo]) {
    for (i, c) in certs.iter().enumerate() {
        out.push_str(&format!(
            "  {i} s:{}\n    i:{}\n    {} {} bits{}, {}, {} → {}\n",
            sanitize(&c.subject),
            sanitize(&c.issuer),
            c.key_type,
            c.key_bits,
            c.curve
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            c.signature_algorithm,
            c.not_before,
            c.not_after
        ));
        if !c.names.is_empty() {
            out.push_str(&format!("    names: {}\n", sanitize(&c.names.join(", "))));
        }
    }
}

/// Text rendering of a scan and the weaknesses judged of it (plain; the
/// caller adds no colour).
pub fn scan_text(r: &ScanReport, weaknesses: &[Weakness]) -> String {
    let mut s = format!(
        "rampart {} — TLS scan of {} ({})\n\n",
        env!("CARGO_PKG_VERSION"),
        sanitize(&r.target),
        r.address
    );
    s.push_str("Protocols\n");
    for p in &r.protocols {
        let status = if p.supported {
            format!(
                "yes  {} suite(s), order: {}",
                p.ciphers.len(),
                p.preference.as_str()
            )
        } else if let Some(e) = &p.error {
            format!("no   ({})", sanitize(e))
        } else {
            format!("no   ({})", sanitize(&p.end))
        };
        s.push_str(&format!("  {:<8} {}\n", p.version.name(), status));
    }
    for p in r.protocols.iter().filter(|p| p.supported) {
        s.push_str(&format!(
            "\n{} suites ({})\n",
            p.version.name(),
            match p.preference {
                crate::scan::Preference::Server => "server's order",
                crate::scan::Preference::Client =>
                    "client's order: the server takes the client's first",
                _ => "order not determined",
            }
        ));
        for a in &p.ciphers {
            let (name, strength, reason) = match a.suite {
                Some(c) => (c.display_name().to_string(), c.strength.as_str(), c.reason),
                None => (format!("0x{:04X}", a.code), "unknown", ""),
            };
            s.push_str(&format!(
                "  {:<9} {:<40} {:<10} {}\n",
                strength,
                name,
                kx_text(a).unwrap_or_default(),
                if strength == "secure" { "" } else { reason }
            ));
        }
    }
    if !r.groups.is_empty() {
        s.push_str("\nGroups\n");
        for g in &r.groups {
            let vs: Vec<&str> = g.versions.iter().map(|v| v.name()).collect();
            s.push_str(&format!("  {:<20} {}\n", group_name(g.code), vs.join(" ")));
        }
    }
    s.push_str(&format!(
        "\nClient certificate: {} ({})\n",
        r.client_auth.as_str(),
        sanitize(match &r.client_auth {
            crate::scan::ClientAuth::Unknown(w) => w,
            _ => &r.client_auth_how,
        })
    ));
    s.push_str("\nCertificate chain\n");
    cert_lines(&mut s, &r.certificates);
    s.push_str(&format!(
        "  verification: {} ({})\n",
        r.verification.status,
        sanitize(&r.verification.detail)
    ));
    s.push_str("\nWeaknesses\n");
    if weaknesses.is_empty() {
        s.push_str("  none found\n");
    }
    for w in weaknesses {
        s.push_str(&format!(
            "  {:<7} {:<24} {}\n",
            w.severity,
            w.id,
            sanitize(&w.message)
        ));
    }
    s.push_str(&format!(
        "\n{} handshakes (floor: {} = one per accepted suite + one per version), {} ms\n",
        r.handshakes,
        r.handshake_floor,
        r.elapsed.as_millis()
    ));
    s
}

/// Text rendering of an inspection, in the order of s_client's summary.
pub fn inspect_text(r: &InspectReport) -> String {
    let mut s = format!(
        "rampart {} — TLS inspect of {} ({})\n\n",
        env!("CARGO_PKG_VERSION"),
        sanitize(&r.target),
        r.address
    );
    if let Some(e) = &r.error {
        s.push_str(&format!("Handshake: FAILED: {}\n", sanitize(e)));
    } else {
        s.push_str("Handshake: complete\n");
    }
    if r.source != "handshake" {
        s.push_str("(no complete handshake: details from the raw ServerHello flight)\n");
    }
    let suite = r
        .suite
        .map(ciphers::name_of)
        .unwrap_or_else(|| "(none)".into());
    s.push_str(&format!(
        "Protocol: {}\nCipher: {}\n",
        r.protocol
            .map(version_name)
            .unwrap_or_else(|| "(none)".into()),
        suite
    ));
    if let Some(c) = r.suite.and_then(ciphers::by_code) {
        s.push_str(&format!(
            "  IANA: {}  ({}: {})\n",
            c.iana,
            c.strength.as_str(),
            c.reason
        ));
    }
    for p in &r.parts {
        s.push_str(&format!("  {:<15} {:<28} {}\n", p.role, p.name, p.what));
    }
    s.push_str(&format!(
        "Server Temp Key: {}\n",
        r.server_temp_key
            .clone()
            .unwrap_or_else(|| "(not seen)".into())
    ));
    s.push_str("Peer certificate chain\n");
    cert_lines(&mut s, &r.certificates);
    s.push_str(&format!(
        "Verification: {} ({})\n",
        r.verification.status,
        sanitize(&r.verification.detail)
    ));
    s.push_str(&format!(
        "Client certificate: {}{}\n",
        if r.client_cert_requested {
            "requested"
        } else {
            "not requested"
        },
        if r.client_cert_sent {
            ", sent"
        } else if r.client_cert_requested {
            ", none sent"
        } else {
            ""
        }
    ));
    s.push_str(&format!(
        "ALPN: {}\n",
        r.alpn
            .as_deref()
            .map(sanitize)
            .unwrap_or_else(|| "none negotiated".into())
    ));
    s.push_str(&format!(
        "Secure renegotiation: {}\n",
        match (r.secure_renegotiation, r.protocol) {
            (_, Some(0x0304)) => "not applicable (TLS 1.3 has no renegotiation)",
            (Some(true), _) => "supported",
            (Some(false), _) => "NOT supported",
            (None, _) => "unknown",
        }
    ));
    s.push_str(&format!(
        "Compression: {}\nExtended master secret: {}\nSession ticket: {}\n",
        r.compression.as_deref().unwrap_or("unknown"),
        match r.extended_master_secret {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        },
        r.session_ticket.as_deref().unwrap_or("unknown")
    ));
    match (r.ticket_lifetime_hint, &r.ticket_lifetime_note) {
        (Some(l), _) => s.push_str(&format!(
            "TLS session ticket lifetime hint: {l} (seconds)\n"
        )),
        (None, Some(why)) => s.push_str(&format!(
            "TLS session ticket lifetime hint: unknown ({})\n",
            sanitize(why)
        )),
        (None, None) => {}
    }
    s.push_str(&format!(
        "\n{} handshake(s), {} ms\n",
        r.handshakes,
        r.elapsed.as_millis()
    ));
    let _ = Version::Tls13;
    s
}
