//! The wire codec: a ClientHello builder that can offer anything, and a
//! reader for the server's first flight (records, ServerHello/HRR,
//! Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone,
//! alerts). Records and handshake messages are parsed with `tls-parser`;
//! framing, caps and reassembly are ours.

use serde::Serialize;
use tls_parser::{
    parse_tls_extensions, parse_tls_message_handshake, TlsExtension, TlsMessage,
    TlsMessageHandshake,
};

/// A protocol version rampart probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Version {
    #[serde(rename = "SSLv3")]
    Ssl3,
    #[serde(rename = "TLSv1.0")]
    Tls10,
    #[serde(rename = "TLSv1.1")]
    Tls11,
    #[serde(rename = "TLSv1.2")]
    Tls12,
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl Version {
    pub const ALL: [Version; 5] = [
        Version::Ssl3,
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ];
    pub fn wire(self) -> u16 {
        match self {
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }
    pub fn from_wire(v: u16) -> Option<Version> {
        Version::ALL.into_iter().find(|x| x.wire() == v)
    }
    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl3 => "SSLv3",
            Version::Tls10 => "TLSv1.0",
            Version::Tls11 => "TLSv1.1",
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }
}

/// Name of a wire version, hex when unknown.
pub fn version_name(v: u16) -> String {
    Version::from_wire(v)
        .map(|x| x.name().to_string())
        .unwrap_or_else(|| format!("0x{v:04X}"))
}

/// Extension type codes used here.
pub mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const ENCRYPT_THEN_MAC: u16 = 22;
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    pub const SESSION_TICKET: u16 = 35;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    pub const KEY_SHARE: u16 = 51;
    pub const RENEGOTIATION_INFO: u16 = 0xFF01;
}

/// A ClientHello to send. Everything is explicit: suites and groups in the
/// order given, extensions in the order built, unknown codes allowed.
#[derive(Clone, Debug)]
pub struct ClientHello {
    pub version: Version,
    pub suites: Vec<u16>,
    pub groups: Vec<u16>,
    pub sig_schemes: Vec<u16>,
    pub sni: Option<String>,
    pub alpn: Vec<Vec<u8>>,
    /// Extra extensions appended verbatim (type, body), in order.
    pub extra_extensions: Vec<(u16, Vec<u8>)>,
}

fn put_u16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_be_bytes());
}
fn put_u24(b: &mut Vec<u8>, v: usize) {
    let v = u32::try_from(v).unwrap_or(u32::MAX).min(0xFF_FFFF);
    b.extend_from_slice(&v.to_be_bytes()[1..]);
}
fn put_vec16(b: &mut Vec<u8>, body: &[u8]) {
    put_u16(b, u16::try_from(body.len()).unwrap_or(u16::MAX));
    b.extend_from_slice(body);
}
fn u16s(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_be_bytes()).collect()
}

impl ClientHello {
    /// The extensions, in the order sent.
    pub fn extensions(&self) -> Vec<(u16, Vec<u8>)> {
        let mut e: Vec<(u16, Vec<u8>)> = Vec::new();
        if self.version == Version::Ssl3 {
            return e; // SSLv3 servers may choke on extensions
        }
        if let Some(host) = &self.sni {
            let mut name = vec![0u8];
            put_vec16(&mut name, host.as_bytes());
            let mut list = Vec::new();
            put_vec16(&mut list, &name);
            e.push((ext::SERVER_NAME, list));
        }
        if !self.groups.is_empty() {
            let mut g = Vec::new();
            put_vec16(&mut g, &u16s(&self.groups));
            e.push((ext::SUPPORTED_GROUPS, g));
        }
        if self.version != Version::Tls13 {
            e.push((ext::EC_POINT_FORMATS, vec![3, 0, 1, 2]));
        }
        if self.version >= Version::Tls12 && !self.sig_schemes.is_empty() {
            let mut s = Vec::new();
            put_vec16(&mut s, &u16s(&self.sig_schemes));
            e.push((ext::SIGNATURE_ALGORITHMS, s));
        }
        if !self.alpn.is_empty() {
            let mut l = Vec::new();
            for p in &self.alpn {
                l.push(u8::try_from(p.len()).unwrap_or(u8::MAX));
                l.extend_from_slice(&p[..p.len().min(255)]);
            }
            let mut a = Vec::new();
            put_vec16(&mut a, &l);
            e.push((ext::ALPN, a));
        }
        e.push((ext::SESSION_TICKET, Vec::new()));
        if self.version != Version::Tls13 {
            e.push((ext::ENCRYPT_THEN_MAC, Vec::new()));
        }
        e.push((ext::EXTENDED_MASTER_SECRET, Vec::new()));
        if self.version == Version::Tls13 {
            e.push((ext::SUPPORTED_VERSIONS, vec![2, 0x03, 0x04]));
            e.push((ext::PSK_KEY_EXCHANGE_MODES, vec![1, 1]));
            // An empty key_share: the server answers with a HelloRetryRequest
            // naming its group and suite, without computing any key.
            e.push((ext::KEY_SHARE, vec![0, 0]));
        }
        e.push((ext::RENEGOTIATION_INFO, vec![0]));
        e.extend(self.extra_extensions.iter().cloned());
        e
    }

    /// The ClientHello in one handshake record (split over several records
    /// when it exceeds 2^14 bytes).
    pub fn encode(&self, random: [u8; 32]) -> Vec<u8> {
        let mut body = Vec::new();
        let legacy = if self.version == Version::Tls13 {
            0x0303
        } else {
            self.version.wire()
        };
        put_u16(&mut body, legacy);
        body.extend_from_slice(&random);
        if self.version == Version::Tls13 {
            body.push(32); // legacy_session_id (middlebox compatibility)
            body.extend_from_slice(&random);
        } else {
            body.push(0);
        }
        put_vec16(&mut body, &u16s(&self.suites));
        body.extend_from_slice(&[1, 0]); // compression: null only
        let exts = self.extensions();
        if !exts.is_empty() {
            let mut e = Vec::new();
            for (t, b) in &exts {
                put_u16(&mut e, *t);
                put_vec16(&mut e, b);
            }
            put_vec16(&mut body, &e);
        }
        let mut hs = vec![1u8];
        put_u24(&mut hs, body.len());
        hs.extend_from_slice(&body);
        let record_version = if self.version == Version::Ssl3 {
            0x0300
        } else {
            0x0301
        };
        let mut out = Vec::with_capacity(hs.len() + 10);
        for chunk in hs.chunks(16384) {
            out.push(22);
            put_u16(&mut out, record_version);
            put_vec16(&mut out, chunk);
        }
        out
    }
}

/// The SHA-256 of "HelloRetryRequest" (RFC 8446 4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Limits on what a server may send.
pub const MAX_RECORD: usize = 16384 + 2048;
pub const MAX_HANDSHAKE_MSG: usize = 256 * 1024;
pub const MAX_FLIGHT: usize = 1024 * 1024;

/// The ServerHello (or HelloRetryRequest), as the server sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// The version field of the message (0x0303 for TLS 1.3).
    pub legacy_version: u16,
    /// The negotiated version (supported_versions when present).
    pub version: u16,
    pub cipher: u16,
    pub compression: u8,
    pub hello_retry: bool,
    pub session_id_len: usize,
    /// Extension types in the order sent, unknown ones included.
    pub extensions: Vec<u16>,
    /// The key_share group (TLS 1.3 ServerHello or HRR).
    pub key_share_group: Option<u16>,
    pub secure_renegotiation: bool,
    pub extended_master_secret: bool,
    pub encrypt_then_mac: bool,
    pub session_ticket: bool,
    pub alpn: Option<Vec<u8>>,
}

/// The server's temporary key in a TLS ≤ 1.2 ServerKeyExchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerKx {
    Ecdhe { group: u16 },
    Dhe { bits: u32 },
}

/// An alert record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    pub level: u8,
    pub description: u8,
}

/// Name of an alert description.
pub fn alert_name(d: u8) -> String {
    let n = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("alert {d}"),
    };
    n.to_string()
}

/// What the server's first flight said, so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flight {
    pub server_hello: Option<ServerHello>,
    /// DER certificates (TLS ≤ 1.2 only: 1.3 encrypts them).
    pub certificates: Vec<Vec<u8>>,
    pub server_kx: Option<ServerKx>,
    pub cert_request: bool,
    pub ocsp_stapled: bool,
    pub alert: Option<Alert>,
    /// The flight is complete: ServerHelloDone, a TLS 1.3 ServerHello/HRR,
    /// or an alert.
    pub done: bool,
}

/// Why the bytes cannot be a TLS server's answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("not TLS: the server answered {0}")]
    NotTls(String),
    #[error("the server answered with an SSLv2 ServerHello (SSLv2 only)")]
    Sslv2,
    #[error("record of {0} bytes exceeds the TLS limit of 18432")]
    RecordTooLarge(usize),
    #[error("handshake message of {0} bytes exceeds the limit of 262144")]
    MessageTooLarge(usize),
    #[error("the server's flight exceeds 1 MiB")]
    FlightTooLarge,
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("unexpected record type {0}")]
    UnexpectedRecord(u8),
}

/// Printable preview of bytes for messages (control characters escaped).
pub fn preview(b: &[u8]) -> String {
    let mut s = String::from("\"");
    for &c in b.iter().take(40) {
        match c {
            b' '..=b'~' if c != b'"' && c != b'\\' => s.push(char::from(c)),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    if b.len() > 40 {
        s.push('…');
    }
    s
}

/// Parse the bytes received so far. Returns the flight parsed from the
/// complete records; `done` says whether to stop reading. Pure: the fuzz
/// target calls it on arbitrary input.
pub fn parse_flight(buf: &[u8]) -> Result<Flight, WireError> {
    if buf.len() > MAX_FLIGHT {
        return Err(WireError::FlightTooLarge);
    }
    let mut f = Flight::default();
    let Some(&first) = buf.first() else {
        return Ok(f);
    };
    // SSLv2 record: 2-byte header with the high bit set, then SERVER-HELLO (4).
    if first & 0x80 != 0 && buf.len() >= 3 && buf[2] == 4 {
        return Err(WireError::Sslv2);
    }
    if !(20..=24).contains(&first) || (buf.len() >= 2 && buf[1] != 3) {
        return Err(WireError::NotTls(preview(buf)));
    }
    let mut hs: Vec<u8> = Vec::new();
    let mut rest = buf;
    while rest.len() >= 5 {
        let ty = rest[0];
        let major = rest[1];
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if major != 3 || !(20..=24).contains(&ty) {
            return Err(WireError::NotTls(preview(rest)));
        }
        if len > MAX_RECORD {
            return Err(WireError::RecordTooLarge(len));
        }
        if rest.len() < 5 + len {
            break; // incomplete record: read more
        }
        let payload = &rest[5..5 + len];
        rest = &rest[5 + len..];
        match ty {
            21 => {
                if payload.len() < 2 {
                    return Err(WireError::Malformed("alert record"));
                }
                f.alert = Some(Alert {
                    level: payload[0],
                    description: payload[1],
                });
                f.done = true;
                return Ok(f);
            }
            22 => {
                hs.extend_from_slice(payload);
                if parse_messages(&mut hs, &mut f)? {
                    f.done = true;
                    return Ok(f);
                }
            }
            20 => {} // change_cipher_spec (TLS 1.3 middlebox compatibility)
            23 => {
                // Encrypted data after a 1.3 ServerHello: nothing more to read.
                if f.server_hello.is_some() {
                    f.done = true;
                    return Ok(f);
                }
                return Err(WireError::UnexpectedRecord(ty));
            }
            _ => return Err(WireError::UnexpectedRecord(ty)),
        }
    }
    Ok(f)
}

/// Consume complete handshake messages from `hs`. Returns true when the
/// flight is complete.
fn parse_messages(hs: &mut Vec<u8>, f: &mut Flight) -> Result<bool, WireError> {
    loop {
        if hs.len() < 4 {
            return Ok(false);
        }
        let len = usize::from(hs[1]) << 16 | usize::from(hs[2]) << 8 | usize::from(hs[3]);
        if len > MAX_HANDSHAKE_MSG {
            return Err(WireError::MessageTooLarge(len));
        }
        if hs.len() < 4 + len {
            return Ok(false);
        }
        let msg: Vec<u8> = hs.drain(..4 + len).collect();
        let ty = msg[0];
        let body = &msg[4..];
        if f.server_hello.is_none() && ty != 2 {
            return Err(WireError::Malformed(
                "flight: first message is not a ServerHello",
            ));
        }
        match ty {
            2 => {
                let sh = parse_server_hello(&msg)?;
                let tls13 = sh.version == 0x0304 || sh.hello_retry;
                f.server_hello = Some(sh);
                if tls13 {
                    return Ok(true);
                }
            }
            11 => {
                let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) =
                    parse_tls_message_handshake(&msg)
                else {
                    return Err(WireError::Malformed("Certificate"));
                };
                f.certificates = c.cert_chain.iter().map(|c| c.data.to_vec()).collect();
            }
            12 => f.server_kx = parse_server_kx(body, f),
            13 => f.cert_request = true,
            14 => return Ok(true),
            22 => f.ocsp_stapled = true,
            _ => {} // unexpected but harmless
        }
    }
}

fn parse_server_kx(body: &[u8], f: &Flight) -> Option<ServerKx> {
    let suite = f
        .server_hello
        .as_ref()
        .and_then(|sh| crate::ciphers::by_code(sh.cipher))?;
    match suite.kx {
        "ECDHE" if body.len() >= 3 && body[0] == 3 => Some(ServerKx::Ecdhe {
            group: u16::from_be_bytes([body[1], body[2]]),
        }),
        "DHE" | "DH" if body.len() >= 2 => {
            let plen = usize::from(u16::from_be_bytes([body[0], body[1]]));
            let p = body.get(2..2 + plen)?;
            let lead = p.iter().take_while(|&&b| b == 0).count();
            let p = &p[lead..];
            let top = p.first().map(|b| 8 - b.leading_zeros()).unwrap_or(0);
            let bits = u32::try_from(p.len().saturating_sub(1) * 8).ok()? + top;
            Some(ServerKx::Dhe { bits })
        }
        _ => None,
    }
}

/// The ticket_lifetime_hint of a TLS 1.2 NewSessionTicket (RFC 5077) in
/// what the server sent during a complete handshake: the message is the
/// last plaintext handshake message, before the server's ChangeCipherSpec.
/// `None` when there is none (or the bytes are not such a handshake).
pub fn tls12_ticket_lifetime(server_bytes: &[u8]) -> Option<u32> {
    let mut hs: Vec<u8> = Vec::new();
    let mut rest = server_bytes;
    while rest.len() >= 5 {
        let ty = rest[0];
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let payload = rest.get(5..5 + len)?;
        rest = &rest[5 + len..];
        match ty {
            22 => hs.extend_from_slice(payload),
            _ => break, // ChangeCipherSpec (or an alert): the rest is encrypted
        }
    }
    let mut m = &hs[..];
    while m.len() >= 4 {
        let len = usize::try_from(u32::from_be_bytes([0, m[1], m[2], m[3]])).ok()?;
        let msg = m.get(..4 + len)?;
        if m[0] == 4 {
            return match parse_tls_message_handshake(msg) {
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::NewSessionTicket(t)))) => {
                    Some(t.ticket_lifetime_hint)
                }
                _ => None,
            };
        }
        m = &m[4 + len..];
    }
    None
}

/// Parse one ServerHello handshake message (type, length, body).
pub fn parse_server_hello(msg: &[u8]) -> Result<ServerHello, WireError> {
    let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) =
        parse_tls_message_handshake(msg)
    else {
        return Err(WireError::Malformed("ServerHello"));
    };
    let mut out = ServerHello {
        legacy_version: sh.version.0,
        version: sh.version.0,
        cipher: sh.cipher.0,
        compression: sh.compression.0,
        hello_retry: sh.random == HRR_RANDOM,
        session_id_len: sh.session_id.map(|s| s.len()).unwrap_or(0),
        extensions: Vec::new(),
        key_share_group: None,
        secure_renegotiation: false,
        extended_master_secret: false,
        encrypt_then_mac: false,
        session_ticket: false,
        alpn: None,
    };
    if let Some(ext) = sh.ext {
        // Extension types in order, straight from the bytes (keeps unknowns
        // and anything tls-parser would refuse).
        let mut e = ext;
        while e.len() >= 4 {
            let t = u16::from_be_bytes([e[0], e[1]]);
            let l = usize::from(u16::from_be_bytes([e[2], e[3]]));
            if e.len() < 4 + l {
                return Err(WireError::Malformed("ServerHello extensions"));
            }
            let body = &e[4..4 + l];
            out.extensions.push(t);
            if t == ext::KEY_SHARE && body.len() >= 2 {
                out.key_share_group = Some(u16::from_be_bytes([body[0], body[1]]));
            }
            e = &e[4 + l..];
        }
        if !e.is_empty() {
            return Err(WireError::Malformed("ServerHello extensions"));
        }
        let Ok((_, list)) = parse_tls_extensions(ext) else {
            return Err(WireError::Malformed("ServerHello extensions"));
        };
        for x in list {
            match x {
                TlsExtension::SupportedVersions(v) => {
                    if let Some(v) = v.first() {
                        out.version = v.0;
                    }
                }
                TlsExtension::RenegotiationInfo(_) => out.secure_renegotiation = true,
                TlsExtension::ExtendedMasterSecret => out.extended_master_secret = true,
                TlsExtension::EncryptThenMac => out.encrypt_then_mac = true,
                TlsExtension::SessionTicket(_) => out.session_ticket = true,
                TlsExtension::ALPN(p) => out.alpn = p.first().map(|p| p.to_vec()),
                _ => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hello(v: Version) -> ClientHello {
        ClientHello {
            version: v,
            suites: vec![0xC02F, 0x002F, 0xABCD],
            groups: vec![29, 23, 0x7777],
            sig_schemes: vec![0x0804, 0x0403],
            sni: Some("example.test".into()),
            alpn: vec![b"redis".to_vec()],
            extra_extensions: vec![(0x1234, vec![1, 2, 3])],
        }
    }

    #[test]
    fn client_hello_parses_back_with_order_and_unknowns() {
        for v in Version::ALL {
            let bytes = hello(v).encode([7; 32]);
            let (_, rec) = tls_parser::parse_tls_plaintext(&bytes).unwrap();
            let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) = &rec.msg[0] else {
                panic!("not a ClientHello")
            };
            let suites: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
            assert_eq!(suites, vec![0xC02F, 0x002F, 0xABCD]);
            if v == Version::Ssl3 {
                assert!(ch.ext.is_none());
                continue;
            }
            let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ch.ext.unwrap()).unwrap();
            let types: Vec<u16> = exts
                .iter()
                .map(|e| tls_parser::TlsExtensionType::from(e).0)
                .collect();
            assert_eq!(types.first(), Some(&0));
            assert_eq!(types.last(), Some(&0x1234));
        }
    }

    fn sh_record(version: u16, cipher: u16, exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        put_u16(&mut body, version);
        body.extend_from_slice(&[1; 32]);
        body.push(0);
        put_u16(&mut body, cipher);
        body.push(0);
        let mut e = Vec::new();
        for (t, b) in exts {
            put_u16(&mut e, *t);
            put_vec16(&mut e, b);
        }
        put_vec16(&mut body, &e);
        let mut hs = vec![2u8];
        put_u24(&mut hs, body.len());
        hs.extend_from_slice(&body);
        hs.extend_from_slice(&[14, 0, 0, 0]); // ServerHelloDone
        let mut rec = vec![22, 3, 3];
        put_vec16(&mut rec, &hs);
        rec
    }

    #[test]
    fn server_hello_and_every_truncated_prefix() {
        let rec = sh_record(0x0303, 0xC02F, &[(0xFF01, vec![0]), (0x9999, vec![5])]);
        let f = parse_flight(&rec).unwrap();
        assert!(f.done);
        let sh = f.server_hello.unwrap();
        assert_eq!(sh.cipher, 0xC02F);
        assert!(sh.secure_renegotiation);
        assert_eq!(sh.extensions, vec![0xFF01, 0x9999]);
        for n in 0..rec.len() {
            let r = parse_flight(&rec[..n]).unwrap();
            assert!(!r.done, "prefix {n} must not be complete");
        }
    }

    #[test]
    fn tls13_hrr() {
        let mut rec = sh_record(0x0303, 0x1302, &[(43, vec![3, 4]), (51, vec![0, 29])]);
        // patch the random to the HRR value
        rec[5 + 4 + 2..5 + 4 + 2 + 32].copy_from_slice(&HRR_RANDOM);
        let f = parse_flight(&rec).unwrap();
        let sh = f.server_hello.unwrap();
        assert!(sh.hello_retry);
        assert_eq!(sh.version, 0x0304);
        assert_eq!(sh.key_share_group, Some(29));
    }

    #[test]
    fn tls12_ticket_hint_before_change_cipher_spec() {
        // ServerHelloDone, then NewSessionTicket (hint 300, 2-byte ticket),
        // then ChangeCipherSpec and an "encrypted" record.
        let mut b = vec![22, 3, 3, 0, 4, 14, 0, 0, 0];
        b.extend_from_slice(&[22, 3, 3, 0, 12, 4, 0, 0, 8, 0, 0, 1, 44, 0, 2, 9, 9]);
        b.extend_from_slice(&[20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 2, 4, 0]);
        assert_eq!(tls12_ticket_lifetime(&b), Some(300));
        // Every prefix: no panic, and no hint before the whole message.
        for n in 0..b.len() {
            let got = tls12_ticket_lifetime(&b[..n]);
            assert!(got.is_none() || n >= 26, "prefix {n}: {got:?}");
        }
        // After the ChangeCipherSpec everything is encrypted: not read.
        let late = [
            20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 12, 4, 0, 0, 8, 0, 0, 1, 44, 0, 2, 9, 9,
        ];
        assert_eq!(tls12_ticket_lifetime(&late), None);
        assert_eq!(tls12_ticket_lifetime(b"-ERR junk"), None);
    }

    #[test]
    fn bad_input() {
        assert!(matches!(
            parse_flight(b"-ERR unknown command"),
            Err(WireError::NotTls(_))
        ));
        assert!(matches!(
            parse_flight(b"HTTP/1.1 400 Bad"),
            Err(WireError::NotTls(_))
        ));
        assert_eq!(
            parse_flight(&[0x80, 0x2e, 0x04, 0, 1]),
            Err(WireError::Sslv2)
        );
        assert_eq!(
            parse_flight(&[22, 3, 3, 0xFF, 0xFF]),
            Err(WireError::RecordTooLarge(65535))
        );
        // Found by fuzzing: a ServerHelloDone before any ServerHello.
        assert!(matches!(
            parse_flight(&[22, 3, 3, 0, 4, 14, 0, 0, 0]),
            Err(WireError::Malformed(_))
        ));
        let f = parse_flight(&[21, 3, 3, 0, 2, 2, 40]).unwrap();
        assert_eq!(f.alert.unwrap().description, 40);
        assert!(f.done);
    }
}
