//! `inspect`: one real handshake, summarised like `openssl s_client`, with
//! the cipher suite explained part by part. When no complete handshake is
//! possible (legacy-only servers, suites rustls lacks) it reports what the
//! raw ServerHello flight shows.

use crate::cert::{self, CertInfo, Verification};
use crate::ciphers::{self, CipherSuite};
use crate::groups::{group_bits, group_name, SIGNATURE_SCHEMES};
use crate::handshake::{real_handshake, ClientIdentity, HandshakeOptions, RealHandshake};
use crate::probe::{probe, Counter, Outcome, Target};
use crate::scan::suites_for;
use crate::wire::{version_name, ClientHello, Flight, ServerKx, Version};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Options of an inspection.
pub struct InspectOptions<'a> {
    pub identity: Option<&'a ClientIdentity>,
    pub cacert: Option<PathBuf>,
    pub timeout: Duration,
    pub alpn: Vec<Vec<u8>>,
}

/// One part of a cipher suite and what it does.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Part {
    /// `key exchange`, `authentication`, `cipher`, `integrity`.
    pub role: &'static str,
    pub name: String,
    pub what: String,
}

/// What one inspection saw.
#[derive(Clone, Debug)]
pub struct InspectReport {
    pub target: String,
    pub address: String,
    /// A complete handshake (rustls) succeeded.
    pub completed: bool,
    /// Why the handshake failed, if it did.
    pub error: Option<String>,
    /// Where the details come from: `handshake` or `raw ServerHello`.
    pub source: &'static str,
    pub protocol: Option<u16>,
    pub suite: Option<u16>,
    pub server_temp_key: Option<String>,
    pub certificates: Vec<CertInfo>,
    pub verification: Verification,
    pub alpn: Option<String>,
    pub client_cert_requested: bool,
    pub client_cert_sent: bool,
    pub secure_renegotiation: Option<bool>,
    pub compression: Option<String>,
    pub extended_master_secret: Option<bool>,
    pub session_ticket: Option<String>,
    /// NewSessionTicket's lifetime hint in seconds (what `openssl s_client`
    /// prints as "TLS session ticket lifetime hint").
    pub ticket_lifetime_hint: Option<u32>,
    /// Why the hint is not known, when it is not.
    pub ticket_lifetime_note: Option<String>,
    pub parts: Vec<Part>,
    pub handshakes: usize,
    pub elapsed: Duration,
}

/// The four parts of a suite, one line each on what they do.
pub fn explain(c: &CipherSuite, group: Option<u16>) -> Vec<Part> {
    let kx = match c.kx {
        "TLS13" => match group {
            Some(g) => format!(
                "{} (ephemeral, chosen apart from the suite in TLS 1.3)",
                group_name(g)
            ),
            None => "(EC)DHE, chosen apart from the suite in TLS 1.3".into(),
        },
        other => other.to_string(),
    };
    let kx_what = match c.kx {
        "ECDHE" | "DHE" | "TLS13" if !c.anonymous() => "privacy of the session key: both ends derive it from fresh Diffie-Hellman keys, so a later theft of the server's key does not decrypt this session (forward secrecy)",
        "ECDHE" | "DHE" | "DH" | "ECDH" if c.anonymous() => "privacy of the session key against eavesdroppers only: unauthenticated Diffie-Hellman, so anyone in the middle can take part",
        "RSA" => "privacy of the session key: the client encrypts it to the server's RSA key; whoever later gets that key decrypts every recorded session (no forward secrecy)",
        "DH" | "ECDH" => "privacy of the session key: static Diffie-Hellman with the certificate's key (no forward secrecy)",
        "PSK" => "privacy of the session key from a pre-shared secret (no forward secrecy)",
        _ => "derives the session key",
    };
    let au = if c.kx == "TLS13" {
        "certificate (RSA, ECDSA or EdDSA signature)".to_string()
    } else {
        c.au.to_string()
    };
    let au_what = if c.anonymous() {
        "none: the server does not prove who it is (man-in-the-middle possible)".to_string()
    } else {
        match c.au {
            "RSA" | "DSS" | "ECDSA" | "TLS13" => "authentication: the server proves it holds the certificate's private key (signature over the handshake, or by decrypting the key exchange)".to_string(),
            "PSK" => "authentication: both ends prove they know the pre-shared key".to_string(),
            other => format!("authentication by {other}"),
        }
    };
    let cipher = if c.enc == "NULL" {
        "NULL".to_string()
    } else {
        format!(
            "{}-{}{}",
            c.enc,
            c.bits,
            if c.mode != "-" {
                format!("-{}", c.mode)
            } else {
                String::new()
            }
        )
    };
    let cipher_what = match (c.enc, c.mode) {
        ("NULL", _) => "no privacy: records are sent in clear text".to_string(),
        (_, "GCM" | "CCM" | "CCM_8") | ("CHACHA20", _) => format!("privacy of the data: {}-bit authenticated encryption (AEAD) of every record", c.bits),
        (_, "CBC") => format!("privacy of the data: {}-bit block cipher in CBC mode (MAC-then-encrypt: padding-oracle risk)", c.bits),
        ("RC4", _) => "privacy of the data: RC4 stream cipher, biased and broken".to_string(),
        _ => format!("privacy of the data: {} with a {}-bit key", c.enc, c.bits),
    };
    let hash = c.iana.rsplit('_').next().unwrap_or("");
    let (mac, mac_what) = if c.mac == "AEAD" {
        (
            format!("AEAD ({hash} for key derivation)"),
            "integrity: the AEAD cipher authenticates each record; the hash only derives keys"
                .to_string(),
        )
    } else {
        (
            c.mac.to_string(),
            format!(
                "integrity: each record carries an {} tag computed before encryption",
                c.mac
            ),
        )
    };
    vec![
        Part {
            role: "key exchange",
            name: kx,
            what: kx_what.to_string(),
        },
        Part {
            role: "authentication",
            name: au,
            what: au_what,
        },
        Part {
            role: "cipher",
            name: cipher,
            what: cipher_what,
        },
        Part {
            role: "integrity",
            name: mac,
            what: mac_what,
        },
    ]
}

fn temp_key(group: Option<u16>, kx: Option<&ServerKx>) -> Option<String> {
    let ec = match kx {
        Some(ServerKx::Ecdhe { group }) => Some(*group),
        _ => None,
    };
    match (group.or(ec), kx) {
        (Some(g), _) => Some(match group_bits(g) {
            Some(b) => format!("{}, {b} bits", group_name(g)),
            None => group_name(g),
        }),
        (None, Some(ServerKx::Dhe { bits })) => Some(format!("DH, {bits} bits")),
        _ => None,
    }
}

fn raw(t: &Target, v: Version, suites: Vec<u16>, timeout: Duration, n: &Counter) -> Option<Flight> {
    let groups = if v == Version::Tls13 {
        crate::groups::TLS13_GROUPS
    } else {
        crate::groups::ECDHE_GROUPS
    };
    let h = ClientHello {
        version: v,
        suites,
        groups: groups.to_vec(),
        sig_schemes: SIGNATURE_SCHEMES.to_vec(),
        sni: t.sni.clone(),
        alpn: Vec::new(),
        extra_extensions: Vec::new(),
    };
    match probe(t, &h, timeout, n) {
        Outcome::Hello(f)
            if f.server_hello
                .as_ref()
                .is_some_and(|s| s.version == v.wire()) =>
        {
            Some(f)
        }
        _ => None,
    }
}

/// Inspect `target` with one real handshake (plus one raw ServerHello for
/// what rustls does not expose in TLS 1.2, or raw probes when no complete
/// handshake is possible).
pub fn inspect(target: &Target, o: &InspectOptions<'_>) -> InspectReport {
    let start = Instant::now();
    let n = Counter::default();
    let h: RealHandshake = real_handshake(
        target,
        &HandshakeOptions {
            identity: o.identity,
            timeout: o.timeout,
            alpn: o.alpn.clone(),
            tls13: None,
            ping: false,
            tickets: true,
        },
        &n,
    );
    let mut r = InspectReport {
        target: target.host.clone(),
        address: target.addr.to_string(),
        completed: h.completed,
        error: h.error.clone(),
        source: "handshake",
        protocol: h.version,
        suite: h.suite,
        server_temp_key: temp_key(h.group, None),
        certificates: Vec::new(),
        verification: Verification {
            status: "not_checked",
            detail: "no certificate seen".into(),
            anchors: String::new(),
        },
        alpn: h
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        client_cert_requested: h.cert_requested,
        client_cert_sent: h.client_cert_sent,
        secure_renegotiation: None,
        compression: None,
        extended_master_secret: None,
        session_ticket: None,
        ticket_lifetime_hint: h.ticket_lifetime,
        ticket_lifetime_note: None,
        parts: Vec::new(),
        handshakes: 0,
        elapsed: Duration::ZERO,
    };
    let mut chain = h.peer_certs.clone();
    let negotiated = h.version.and_then(Version::from_wire);
    let flight = match (negotiated, h.suite) {
        (Some(Version::Tls13), _) => {
            r.secure_renegotiation = Some(false);
            r.compression = Some("none (TLS 1.3 has none)".into());
            r.extended_master_secret = Some(true);
            None
        }
        (Some(v), Some(s)) => raw(target, v, vec![s], o.timeout, &n),
        _ => {
            // No usable handshake: ask the raw way, newest version first.
            let mut got = None;
            for v in [
                Version::Tls12,
                Version::Tls11,
                Version::Tls10,
                Version::Ssl3,
            ] {
                if let Some(f) = raw(target, v, suites_for(v), o.timeout, &n) {
                    r.source = "raw ServerHello";
                    got = Some(f);
                    break;
                }
            }
            got
        }
    };
    if let Some(f) = &flight {
        if let Some(sh) = &f.server_hello {
            r.secure_renegotiation = Some(sh.secure_renegotiation);
            r.compression = Some(if sh.compression == 0 {
                "none".into()
            } else {
                format!("method {}", sh.compression)
            });
            r.extended_master_secret = Some(sh.extended_master_secret);
            r.session_ticket = Some(if sh.session_ticket {
                "supported".into()
            } else {
                "not offered".into()
            });
            if r.source != "handshake" {
                r.protocol = Some(sh.version);
                r.suite = Some(sh.cipher);
                r.client_cert_requested = f.cert_request;
            }
        }
        if r.server_temp_key.is_none() {
            r.server_temp_key = temp_key(None, f.server_kx.as_ref());
        }
        if chain.is_empty() {
            chain = f.certificates.clone();
        }
    }
    if r.session_ticket.is_none() && negotiated == Some(Version::Tls13) {
        r.session_ticket = Some(if h.ticket_lifetime.is_some() {
            "sent after the handshake (TLS 1.3)".into()
        } else {
            "none received after the handshake (TLS 1.3)".into()
        });
    }
    if r.ticket_lifetime_hint.is_none() {
        r.ticket_lifetime_note = Some(match (&h.error, &r.session_ticket) {
            (Some(e), _) => format!(
                "the NewSessionTicket follows the client's key exchange, so only a complete handshake shows it, and this one failed: {e}"
            ),
            (None, Some(t)) if t == "not offered" => "the server does not issue tickets".into(),
            (None, _) => "no NewSessionTicket received".into(),
        });
    }
    r.certificates = chain.iter().filter_map(|c| cert::parse(c)).collect();
    if !chain.is_empty() {
        let name = target
            .sni
            .clone()
            .unwrap_or_else(|| target.addr.ip().to_string());
        r.verification = cert::verify(&chain, &name, o.cacert.as_deref());
    }
    if let Some(c) = r.suite.and_then(ciphers::by_code) {
        r.parts = explain(c, h.group);
    }
    let _ = version_name;
    r.handshakes = n.get();
    r.elapsed = start.elapsed();
    r
}
