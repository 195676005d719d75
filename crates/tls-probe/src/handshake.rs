//! A real, complete handshake with rustls (TLS 1.2 and 1.3): what the
//! server's encrypted flight hides (TLS 1.3 CertificateRequest, the chain),
//! and whether the server accepts the client without a certificate.

use crate::probe::{Counter, Target};
use crate::verify::AcceptAny;
use rustls::client::{ClientSessionStore, ResolvesClientCert};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, NamedGroup, SignatureScheme};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A client certificate and its key. No Debug: it holds a private key.
pub struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl ClientIdentity {
    /// Load PEM files. Encrypted keys are refused (no passphrase support).
    pub fn load(cert: &Path, key: &Path) -> Result<ClientIdentity, String> {
        use rustls::pki_types::pem::PemObject;
        let chain = crate::cert::load_certs(cert)?;
        let pem = redis_conf::fileio::read(key, redis_conf::fileio::DEFAULT_LIMIT)
            .map_err(|e| e.to_string())?;
        let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
            format!(
                "cannot load the private key {} (unencrypted PEM needed): {e}",
                key.display()
            )
        })?;
        Ok(ClientIdentity { chain, key })
    }
}

/// What happened after the handshake when the client sent no certificate
/// (or the one given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum After {
    /// The server answered a PING: the client was accepted.
    Accepted,
    /// The server sent an alert or closed: the client was refused.
    Refused(String),
    /// Neither within the timeout.
    Unknown(String),
}

/// The outcome of one real handshake.
#[derive(Clone, Debug)]
pub struct RealHandshake {
    /// The handshake completed (client side).
    pub completed: bool,
    pub error: Option<String>,
    pub version: Option<u16>,
    pub suite: Option<u16>,
    pub group: Option<u16>,
    pub peer_certs: Vec<Vec<u8>>,
    pub alpn: Option<Vec<u8>>,
    /// The server sent a CertificateRequest.
    pub cert_requested: bool,
    pub client_cert_sent: bool,
    pub after: Option<After>,
    /// The server's session ticket lifetime hint in seconds, when
    /// [`HandshakeOptions::tickets`] asked for it and a ticket came: TLS
    /// 1.2 from the plaintext NewSessionTicket on the wire, TLS 1.3 from
    /// the ticket rustls decrypted after the handshake.
    pub ticket_lifetime: Option<u32>,
}

#[derive(Debug)]
struct Resolver {
    requested: AtomicBool,
    sent: AtomicBool,
    key: Option<Arc<rustls::sign::CertifiedKey>>,
}

impl ResolvesClientCert for Resolver {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.requested.store(true, Ordering::Relaxed);
        self.sent.store(self.key.is_some(), Ordering::Relaxed);
        self.key.clone()
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// Options of a real handshake.
pub struct HandshakeOptions<'a> {
    pub identity: Option<&'a ClientIdentity>,
    pub timeout: Duration,
    pub alpn: Vec<Vec<u8>>,
    /// Only TLS 1.2 (`Some(false)`), only 1.3 (`Some(true)`), or both.
    pub tls13: Option<bool>,
    /// After the handshake, send `PING` and wait for an answer or an alert.
    pub ping: bool,
    /// Offer session resumption (the session_ticket extension) and record
    /// the lifetime hint of the ticket the server sends.
    pub tickets: bool,
}

/// The socket, with a copy of what the server sent (up to 1 MiB): the
/// TLS 1.2 NewSessionTicket is plaintext, rustls keeps its hint to itself.
struct Tap {
    sock: TcpStream,
    seen: Vec<u8>,
}

impl Read for Tap {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        let k = self.sock.read(b)?;
        if self.seen.len() < crate::wire::MAX_FLIGHT {
            self.seen.extend_from_slice(&b[..k]);
        }
        Ok(k)
    }
}

impl Write for Tap {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.sock.write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

/// A session store that keeps nothing but the lifetime of the first TLS
/// 1.3 ticket. rustls exposes that lifetime only through the ticket's
/// `Debug` text (`lifetime_secs: N`, capped at 7 days), which is read here;
/// the secret is not in that text.
#[derive(Debug, Default)]
struct TicketSpy {
    lifetime: Mutex<Option<u32>>,
}

impl TicketSpy {
    fn get(&self) -> Option<u32> {
        self.lifetime.lock().ok().and_then(|l| *l)
    }
}

/// `lifetime_secs: N` in a rustls session value's Debug text.
fn debug_lifetime(text: &str) -> Option<u32> {
    let (_, rest) = text.split_once("lifetime_secs: ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl ClientSessionStore for TicketSpy {
    fn set_kx_hint(&self, _: ServerName<'static>, _: NamedGroup) {}
    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        None
    }
    fn set_tls12_session(
        &self,
        _: ServerName<'static>,
        _: rustls::client::Tls12ClientSessionValue,
    ) {
    }
    fn tls12_session(&self, _: &ServerName<'_>) -> Option<rustls::client::Tls12ClientSessionValue> {
        None
    }
    fn remove_tls12_session(&self, _: &ServerName<'static>) {}
    fn insert_tls13_ticket(
        &self,
        _: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        if let Ok(mut l) = self.lifetime.lock() {
            if l.is_none() {
                *l = debug_lifetime(&format!("{value:?}"));
            }
        }
    }
    fn take_tls13_ticket(
        &self,
        _: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        None
    }
}

/// One complete handshake.
pub fn real_handshake(target: &Target, o: &HandshakeOptions<'_>, n: &Counter) -> RealHandshake {
    let mut r = RealHandshake {
        completed: false,
        error: None,
        version: None,
        suite: None,
        group: None,
        peer_certs: Vec::new(),
        alpn: None,
        cert_requested: false,
        client_cert_sent: false,
        after: None,
        ticket_lifetime: None,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = match o.identity {
        Some(id) => match provider.key_provider.load_private_key(id.key.clone_key()) {
            Ok(k) => Some(Arc::new(rustls::sign::CertifiedKey::new(
                id.chain.clone(),
                k,
            ))),
            Err(e) => {
                r.error = Some(format!("unusable client key: {e}"));
                return r;
            }
        },
        None => None,
    };
    let resolver = Arc::new(Resolver {
        requested: AtomicBool::new(false),
        sent: AtomicBool::new(false),
        key,
    });
    let versions: &[&rustls::SupportedProtocolVersion] = match o.tls13 {
        Some(true) => &[&rustls::version::TLS13],
        Some(false) => &[&rustls::version::TLS12],
        None => &[&rustls::version::TLS13, &rustls::version::TLS12],
    };
    let builder = match ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
    {
        Ok(b) => b,
        Err(e) => {
            r.error = Some(e.to_string());
            return r;
        }
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_client_cert_resolver(resolver.clone());
    config.alpn_protocols = o.alpn.clone();
    let spy = Arc::new(TicketSpy::default());
    config.resumption = if o.tickets {
        rustls::client::Resumption::store(spy.clone())
    } else {
        rustls::client::Resumption::disabled()
    };
    let name: ServerName<'static> = match &target.sni {
        Some(s) => match ServerName::try_from(s.clone()) {
            Ok(n) => n,
            Err(e) => {
                r.error = Some(format!("bad server name {s:?}: {e}"));
                return r;
            }
        },
        None => ServerName::IpAddress(target.addr.ip().into()),
    };
    let mut conn = match ClientConnection::new(Arc::new(config), name) {
        Ok(c) => c,
        Err(e) => {
            r.error = Some(e.to_string());
            return r;
        }
    };
    n.bump();
    let deadline = Instant::now() + o.timeout;
    let sock = match TcpStream::connect_timeout(&target.addr, o.timeout) {
        Ok(s) => s,
        Err(e) => {
            r.error = Some(format!("cannot connect: {e}"));
            return r;
        }
    };
    let _ = sock.set_nodelay(true);
    let mut sock = Tap {
        sock,
        seen: Vec::new(),
    };
    let step = |conn: &mut ClientConnection, sock: &mut Tap| -> Result<(), String> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no answer within {} ms", o.timeout.as_millis()));
        }
        let _ = sock.sock.set_read_timeout(Some(left));
        let _ = sock.sock.set_write_timeout(Some(left));
        match conn.complete_io(sock) {
            Ok((0, 0)) if conn.wants_read() => Err("the server closed the connection".into()),
            Ok(_) => Ok(()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Err(format!("no answer within {} ms", o.timeout.as_millis()))
            }
            Err(e) => Err(e.to_string()),
        }
    };
    while conn.is_handshaking() {
        if let Err(e) = step(&mut conn, &mut sock) {
            r.error = Some(e);
            break;
        }
    }
    r.cert_requested = resolver.requested.load(Ordering::Relaxed);
    r.client_cert_sent = resolver.sent.load(Ordering::Relaxed);
    r.version = conn.protocol_version().map(u16::from);
    r.suite = conn.negotiated_cipher_suite().map(|s| u16::from(s.suite()));
    r.group = conn
        .negotiated_key_exchange_group()
        .map(|g| u16::from(g.name()));
    r.peer_certs = conn
        .peer_certificates()
        .map(|c| c.iter().map(|c| c.to_vec()).collect())
        .unwrap_or_default();
    r.alpn = conn.alpn_protocol().map(|a| a.to_vec());
    if r.error.is_some() {
        return r;
    }
    r.completed = true;
    if o.tickets {
        r.ticket_lifetime = match r.version {
            Some(0x0304) => {
                // Tickets follow the handshake: read a little more for one.
                let until = Instant::now() + o.timeout.min(Duration::from_secs(2));
                while spy.get().is_none() && Instant::now() < until {
                    let left = until.saturating_duration_since(Instant::now());
                    let _ = sock
                        .sock
                        .set_read_timeout(Some(left.max(Duration::from_millis(1))));
                    match conn.read_tls(&mut sock) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if conn.process_new_packets().is_err() {
                                break;
                            }
                        }
                    }
                }
                spy.get()
            }
            _ => crate::wire::tls12_ticket_lifetime(&sock.seen),
        };
    }
    if !o.ping {
        return r;
    }
    // TLS 1.3 servers judge the client's (absent) certificate after the
    // handshake from the client's point of view: ask something and see.
    let _ = conn.writer().write_all(b"PING\r\n");
    let mut buf = [0u8; 256];
    r.after = Some(loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => break After::Refused("the server closed the connection".into()),
            Ok(_) => break After::Accepted,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => break After::Refused(e.to_string()),
        }
        if let Err(e) = step(&mut conn, &mut sock) {
            break if e.starts_with("no answer") {
                After::Unknown(e)
            } else {
                After::Refused(e)
            };
        }
    });
    r
}

#[cfg(test)]
mod tests {
    use super::debug_lifetime;

    #[test]
    fn lifetime_from_rustls_debug_text() {
        let t = "Tls13ClientSessionValue { suite: TLS13_AES_256_GCM_SHA384, age_add: 1, max_early_data_size: 0, common: ClientSessionCommon { ticket: 05, epoch: 1, lifetime_secs: 300, .. }, quic_params: }";
        assert_eq!(debug_lifetime(t), Some(300));
        assert_eq!(debug_lifetime("lifetime_secs: x"), None);
        assert_eq!(debug_lifetime(""), None);
    }
}
