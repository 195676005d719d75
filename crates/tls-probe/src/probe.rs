//! One probe: connect, send a ClientHello, read the server's first flight,
//! close. Every step is bounded by the probe's deadline.

use crate::wire::{alert_name, parse_flight, Alert, ClientHello, Flight, WireError};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Where to connect and what to call the server.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    /// The name given on the command line (host part of HOST:PORT).
    pub host: String,
    /// Server name to send (SNI) and verify; `None` for IP addresses.
    pub sni: Option<String>,
}

impl Target {
    /// Resolve `HOST:PORT` (first address). `sni` overrides the server name;
    /// by default a DNS name is sent as SNI and an IP address is not.
    pub fn resolve(hostport: &str, sni: Option<&str>) -> Result<Target, std::io::Error> {
        use std::net::ToSocketAddrs;
        let addr = hostport.to_socket_addrs()?.next().ok_or_else(|| {
            std::io::Error::new(ErrorKind::NotFound, format!("{hostport}: no address"))
        })?;
        let host = match hostport.rsplit_once(':') {
            Some((h, _)) => h.trim_start_matches('[').trim_end_matches(']').to_string(),
            None => hostport.to_string(),
        };
        let sni = match sni {
            Some(s) => Some(s.to_string()),
            None if host.parse::<std::net::IpAddr>().is_err() => Some(host.clone()),
            None => None,
        };
        Ok(Target { addr, host, sni })
    }
}

/// The verdict of one probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with a ServerHello (or HelloRetryRequest).
    Hello(Flight),
    /// The server refused: an alert, or it closed the connection.
    Refused(String),
    /// Something else: not TLS, stalled, reset, malformed...
    Failed(String),
}

impl Outcome {
    pub fn flight(&self) -> Option<&Flight> {
        match self {
            Outcome::Hello(f) => Some(f),
            _ => None,
        }
    }
}

/// Counts TCP connections made (handshakes).
#[derive(Debug, Default)]
pub struct Counter(AtomicUsize);

impl Counter {
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

fn random32() -> [u8; 32] {
    // Unpredictability is not needed to probe; uniqueness helps debugging.
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        chunk.copy_from_slice(&h.finish().to_be_bytes());
    }
    out
}

/// Send `hello` and read the answer within `timeout`.
pub fn probe(target: &Target, hello: &ClientHello, timeout: Duration, n: &Counter) -> Outcome {
    match open(target, hello, timeout, n) {
        Ok((mut s, deadline)) => read_flight(&mut s, deadline, timeout),
        Err(o) => o,
    }
}

/// Connect and send the ClientHello: the socket and the probe's deadline.
fn open(
    target: &Target,
    hello: &ClientHello,
    timeout: Duration,
    n: &Counter,
) -> Result<(TcpStream, Instant), Outcome> {
    n.bump();
    let deadline = Instant::now() + timeout;
    let mut s = TcpStream::connect_timeout(&target.addr, timeout)
        .map_err(|e| Outcome::Failed(format!("cannot connect: {e}")))?;
    let _ = s.set_nodelay(true);
    let _ = s.set_write_timeout(Some(timeout));
    s.write_all(&hello.encode(random32()))
        .map_err(|e| Outcome::Failed(format!("cannot send the ClientHello: {e}")))?;
    Ok((s, deadline))
}

/// Read the server's first flight (until it is complete, refused or the deadline).
fn read_flight(s: &mut TcpStream, deadline: Instant, timeout: Duration) -> Outcome {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 16384];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return stalled(&buf, timeout);
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut chunk) {
            Ok(0) => {
                return match parse_flight(&buf) {
                    Ok(f) if f.server_hello.is_some() => Outcome::Hello(f),
                    Ok(_) if buf.is_empty() => {
                        Outcome::Refused("closed the connection without an alert".into())
                    }
                    Ok(_) => Outcome::Failed(format!(
                        "the connection closed mid-record after {} bytes (truncated)",
                        buf.len()
                    )),
                    Err(e) => Outcome::Failed(e.to_string()),
                }
            }
            Ok(k) => {
                buf.extend_from_slice(&chunk[..k]);
                match parse_flight(&buf) {
                    Ok(f) if f.done => {
                        return match (&f.server_hello, f.alert) {
                            (None, Some(a)) => Outcome::Refused(format!(
                                "alert {} ({})",
                                a.description,
                                alert_name(a.description)
                            )),
                            _ => Outcome::Hello(f),
                        }
                    }
                    Ok(_) => {}
                    Err(WireError::Sslv2) => return Outcome::Failed(WireError::Sslv2.to_string()),
                    Err(e) => return Outcome::Failed(e.to_string()),
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return stalled(&buf, timeout)
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if buf.is_empty() && e.kind() == ErrorKind::ConnectionReset => {
                return Outcome::Refused("connection reset without an alert".into())
            }
            Err(e) => return Outcome::Failed(format!("read error: {e}")),
        }
    }
}

/// How a TLS 1.0-1.2 server treats a client that answers its
/// CertificateRequest with an empty Certificate message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmptyCertificate {
    /// The server alerted right after the empty Certificate: it requires one.
    Refused(Alert),
    /// The server took the empty Certificate and waited for the key
    /// exchange: it answered the out-of-order Finished sent next with
    /// `unexpected_message`. A certificate is optional.
    Accepted,
    /// The flight had no CertificateRequest.
    NotRequested,
    /// Anything else (no ServerHelloDone, another alert, a close...).
    Unclear(String),
}

/// Ask for a TLS ≤ 1.2 flight with `hello`, then answer its
/// CertificateRequest with an empty Certificate (what a client without a
/// certificate sends, RFC 5246 7.4.6), followed by a Finished that cannot
/// come yet. The server judges the empty Certificate first: a server that
/// requires a certificate alerts (`handshake_failure`, OpenSSL's
/// "peer did not return a certificate"); one that does not goes on and
/// rejects the Finished with `unexpected_message`. Both answers are
/// plaintext alerts: no key exchange, no cryptography, any suite.
pub fn empty_certificate(
    target: &Target,
    hello: &ClientHello,
    timeout: Duration,
    n: &Counter,
) -> EmptyCertificate {
    let (mut s, deadline) = match open(target, hello, timeout, n) {
        Ok(x) => x,
        Err(Outcome::Failed(e) | Outcome::Refused(e)) => return EmptyCertificate::Unclear(e),
        Err(Outcome::Hello(_)) => return EmptyCertificate::Unclear("no connection".into()),
    };
    let flight = match read_flight(&mut s, deadline, timeout) {
        Outcome::Hello(f) => f,
        Outcome::Refused(e) | Outcome::Failed(e) => return EmptyCertificate::Unclear(e),
    };
    let version = match &flight.server_hello {
        Some(sh) if sh.version <= 0x0303 && sh.version >= 0x0301 => sh.version,
        Some(sh) => {
            return EmptyCertificate::Unclear(format!(
                "the server answered with {}",
                crate::wire::version_name(sh.version)
            ))
        }
        None => return EmptyCertificate::Unclear("no ServerHello".into()),
    };
    if !flight.done || flight.alert.is_some() {
        return EmptyCertificate::Unclear("the flight did not end with ServerHelloDone".into());
    }
    if !flight.cert_request {
        return EmptyCertificate::NotRequested;
    }
    let mut out = Vec::new();
    // Certificate with an empty certificate_list; then a Finished (type 20)
    // before any ClientKeyExchange or ChangeCipherSpec.
    for msg in [
        &[11u8, 0, 0, 3, 0, 0, 0][..],
        &[20, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
    ] {
        out.push(22);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&u16::try_from(msg.len()).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(msg);
    }
    if let Err(e) = s.write_all(&out) {
        return EmptyCertificate::Unclear(format!("cannot send the empty Certificate: {e}"));
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // The first complete record decides.
        if buf.len() >= 5 {
            let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
            if buf[0] != 21 {
                return EmptyCertificate::Unclear(format!(
                    "the server answered the empty Certificate with record type {}",
                    buf[0]
                ));
            }
            if len >= 2 && buf.len() >= 5 + 2 {
                let a = Alert {
                    level: buf[5],
                    description: buf[6],
                };
                return match a.description {
                    10 => EmptyCertificate::Accepted,
                    // handshake_failure, no_certificate, bad_certificate,
                    // access_denied, certificate_required.
                    40 | 41 | 42 | 49 | 116 => EmptyCertificate::Refused(a),
                    d => EmptyCertificate::Unclear(format!(
                        "the server answered the empty Certificate with alert {d} ({})",
                        alert_name(d)
                    )),
                };
            }
            if len < 2 {
                return EmptyCertificate::Unclear("malformed alert record".into());
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return EmptyCertificate::Unclear(format!(
                "no answer to the empty Certificate within {} ms",
                timeout.as_millis()
            ));
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut chunk) {
            Ok(0) => {
                return EmptyCertificate::Unclear(
                    "the server closed the connection after the empty Certificate without an alert"
                        .into(),
                )
            }
            Ok(k) if buf.len() < 4096 => buf.extend_from_slice(&chunk[..k]),
            Ok(_) => return EmptyCertificate::Unclear("too much data".into()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return EmptyCertificate::Unclear(format!(
                    "no answer to the empty Certificate within {} ms",
                    timeout.as_millis()
                ))
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return EmptyCertificate::Unclear(format!("read error: {e}")),
        }
    }
}

fn stalled(buf: &[u8], timeout: Duration) -> Outcome {
    // A flight with a ServerHello but no ServerHelloDone yet still tells the
    // chosen suite.
    if let Ok(f) = parse_flight(buf) {
        if f.server_hello.is_some() {
            return Outcome::Hello(f);
        }
    }
    Outcome::Failed(if buf.is_empty() {
        format!("no answer within {} ms (stalled)", timeout.as_millis())
    } else {
        format!(
            "stalled after {} bytes within {} ms",
            buf.len(),
            timeout.as_millis()
        )
    })
}
