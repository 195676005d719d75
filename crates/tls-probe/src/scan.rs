//! `scan`: every protocol version, accepted suite, preference, group,
//! client-certificate policy and the certificate chain, in few handshakes.
//!
//! Plan (one job per version, jobs run concurrently, at most
//! `concurrency` at a time):
//! 1. offer every suite of the version; the ServerHello names one; remove
//!    it and repeat until the server refuses: accepted suites + 1 probes;
//! 2. with two or more suites, offer the accepted ones reversed: if the
//!    server picks its first pick again it has a preference order (and the
//!    pick sequence is that order), else it follows the client's: 1 probe;
//! 3. groups: TLS 1.3 probes send an empty key_share, so each answer is a
//!    HelloRetryRequest that names the server's group (no key computed);
//!    remove it and repeat. TLS ≤ 1.2 ECDHE groups come from the
//!    ServerKeyExchange, the same way;
//! 4. client certificates: a TLS ≤ 1.2 flight shows the CertificateRequest
//!    for free. When TLS 1.3 is spoken (which encrypts it), one real rustls
//!    handshake without a certificate, then a PING, tells `required` from
//!    `optional`. Without TLS 1.3 (or when rustls could not tell, e.g. no
//!    suite in common), one more raw probe answers the CertificateRequest
//!    with an empty Certificate ([`empty_certificate`]): an alert means
//!    required, going on means optional; plaintext, any suite.

use crate::cert::{self, CertInfo, Verification};
use crate::ciphers::{self, CipherSuite};
use crate::groups::{self, ECDHE_GROUPS, SIGNATURE_SCHEMES, TLS13_GROUPS};
use crate::handshake::{real_handshake, After, HandshakeOptions};
use crate::probe::{empty_certificate, probe, Counter, EmptyCertificate, Outcome, Target};
use crate::wire::{alert_name, ClientHello, Flight, ServerKx, Version};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Options of a scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub cacert: Option<PathBuf>,
    /// Per-probe time limit.
    pub timeout: Duration,
    /// Probes in flight at once.
    pub concurrency: usize,
    /// Enumerate key-exchange groups.
    pub groups: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            cacert: None,
            timeout: Duration::from_secs(5),
            concurrency: 5,
            groups: true,
        }
    }
}

/// One accepted suite, with the key exchange the server used for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub code: u16,
    pub suite: Option<&'static CipherSuite>,
    pub server_kx: Option<ServerKx>,
    /// TLS 1.3: the group of the HelloRetryRequest.
    pub group: Option<u16>,
}

/// Whose order the server follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preference {
    Server,
    Client,
    /// Fewer than two suites: nothing to order.
    NotApplicable,
    /// The reversed offer gave neither end of the list.
    Unclear,
}

impl Preference {
    pub fn as_str(self) -> &'static str {
        match self {
            Preference::Server => "server",
            Preference::Client => "client",
            Preference::NotApplicable => "n/a",
            Preference::Unclear => "unclear",
        }
    }
}

/// The result for one protocol version.
#[derive(Clone, Debug)]
pub struct ProtocolResult {
    pub version: Version,
    pub supported: bool,
    /// In the server's order when it has one, else in rampart's offer order.
    pub ciphers: Vec<Accepted>,
    pub preference: Preference,
    /// Why enumeration stopped (the final refusal), e.g. `alert 40 (handshake_failure)`.
    pub end: String,
    /// A probe that failed for another reason than a refusal.
    pub error: Option<String>,
    pub secure_renegotiation: Option<bool>,
    pub compression: Option<u8>,
    /// When the server answered this version's probe with another version.
    pub downgraded_to: Option<u16>,
}

/// One supported group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupResult {
    pub code: u16,
    pub versions: Vec<Version>,
}

/// Client-certificate policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    Required,
    Optional,
    None,
    Unknown(String),
}

impl ClientAuth {
    pub fn as_str(&self) -> &'static str {
        match self {
            ClientAuth::Required => "required",
            ClientAuth::Optional => "optional",
            ClientAuth::None => "none",
            ClientAuth::Unknown(_) => "unknown",
        }
    }
}

/// A weakness, with its reason: what the scan's renderers show beside the
/// measurements. Judged from a [`ScanReport`] by
/// `rampart_checks::tls_weaknesses`, never here (this crate measures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weakness {
    pub id: &'static str,
    pub severity: &'static str,
    pub message: String,
}

/// Everything a scan measured.
#[derive(Clone, Debug)]
pub struct ScanReport {
    pub target: String,
    pub address: String,
    pub protocols: Vec<ProtocolResult>,
    pub groups: Vec<GroupResult>,
    pub client_auth: ClientAuth,
    pub client_auth_how: String,
    pub certificates: Vec<CertInfo>,
    pub verification: Verification,
    /// TCP connections made (raw probes and real handshakes).
    pub handshakes: usize,
    /// One handshake per accepted suite plus one per version probed.
    pub handshake_floor: usize,
    pub elapsed: Duration,
}

impl ScanReport {
    /// Whether any TLS version answered.
    pub fn any_supported(&self) -> bool {
        self.protocols.iter().any(|p| p.supported)
    }
}

fn hello(v: Version, suites: Vec<u16>, groups: Vec<u16>, target: &Target) -> ClientHello {
    ClientHello {
        version: v,
        suites,
        groups,
        sig_schemes: SIGNATURE_SCHEMES.to_vec(),
        sni: target.sni.clone(),
        alpn: Vec::new(),
        extra_extensions: Vec::new(),
    }
}

/// Suites offered for a version: every IANA suite that version can carry.
pub fn suites_for(v: Version) -> Vec<u16> {
    ciphers::all()
        .iter()
        .filter(|c| c.is_tls13() == (v == Version::Tls13))
        .map(|c| c.code)
        .collect()
}

fn all_groups(v: Version) -> Vec<u16> {
    if v == Version::Tls13 {
        TLS13_GROUPS.to_vec()
    } else {
        ECDHE_GROUPS.to_vec()
    }
}

struct VersionScan {
    result: ProtocolResult,
    flight: Option<Flight>,
    groups: Vec<u16>,
}

fn scan_version(t: &Target, v: Version, o: &ScanOptions, n: &Counter) -> VersionScan {
    let mut offer = suites_for(v);
    let mut res = ProtocolResult {
        version: v,
        supported: false,
        ciphers: Vec::new(),
        preference: Preference::NotApplicable,
        end: String::new(),
        error: None,
        secure_renegotiation: None,
        compression: None,
        downgraded_to: None,
    };
    let mut first: Option<Flight> = None;
    loop {
        match probe(t, &hello(v, offer.clone(), all_groups(v), t), o.timeout, n) {
            Outcome::Hello(f) => {
                let Some(sh) = f.server_hello.clone() else {
                    break;
                };
                if sh.version != v.wire() {
                    if res.ciphers.is_empty() {
                        res.downgraded_to = Some(sh.version);
                        res.end = format!(
                            "the server answered with {}",
                            crate::wire::version_name(sh.version)
                        );
                    } else {
                        res.error = Some("the server changed version mid-scan".into());
                    }
                    break;
                }
                let Some(pos) = offer.iter().position(|&c| c == sh.cipher) else {
                    res.error = Some(format!(
                        "the server chose {} which was not offered",
                        ciphers::name_of(sh.cipher)
                    ));
                    break;
                };
                offer.remove(pos);
                res.ciphers.push(Accepted {
                    code: sh.cipher,
                    suite: ciphers::by_code(sh.cipher),
                    server_kx: f.server_kx.clone(),
                    group: sh.key_share_group,
                });
                if res.ciphers.len() == 1 {
                    res.secure_renegotiation = Some(sh.secure_renegotiation);
                    res.compression = Some(sh.compression);
                }
                // The flight kept for the chain and the CertificateRequest:
                // the first that carries a certificate. An anonymous
                // suite's flight has none, and a server that follows the
                // client's order picks one first when it is offered first.
                if first
                    .as_ref()
                    .is_none_or(|k| k.certificates.is_empty() && !f.certificates.is_empty())
                {
                    first = Some(f);
                }
                if offer.is_empty() {
                    res.end = "every suite accepted".into();
                    break;
                }
            }
            Outcome::Refused(r) => {
                res.end = r;
                break;
            }
            Outcome::Failed(e) => {
                res.error = Some(e);
                break;
            }
        }
    }
    res.supported = !res.ciphers.is_empty();
    if res.ciphers.len() >= 2 {
        let rev: Vec<u16> = res.ciphers.iter().rev().map(|c| c.code).collect();
        res.preference = match probe(t, &hello(v, rev, all_groups(v), t), o.timeout, n) {
            Outcome::Hello(f) => match f.server_hello.map(|s| s.cipher) {
                Some(c) if c == res.ciphers[0].code => Preference::Server,
                Some(c) if Some(c) == res.ciphers.last().map(|a| a.code) => Preference::Client,
                _ => Preference::Unclear,
            },
            _ => Preference::Unclear,
        };
    }
    VersionScan {
        result: res,
        flight: first,
        groups: Vec::new(),
    }
}

/// Groups of a version, in the order the server picked them.
fn scan_groups(
    t: &Target,
    v: Version,
    res: &ProtocolResult,
    o: &ScanOptions,
    n: &Counter,
) -> Vec<u16> {
    // A suite whose answer names the group: any TLS 1.3 suite; an ECDHE suite below.
    let (suite, known) = if v == Version::Tls13 {
        match res.ciphers.first() {
            Some(a) => (a.code, a.group),
            None => return Vec::new(),
        }
    } else {
        match res
            .ciphers
            .iter()
            .find(|a| matches!(a.server_kx, Some(ServerKx::Ecdhe { .. })))
        {
            Some(a) => (
                a.code,
                match a.server_kx {
                    Some(ServerKx::Ecdhe { group }) => Some(group),
                    _ => None,
                },
            ),
            None => return Vec::new(),
        }
    };
    let mut found: Vec<u16> = known.into_iter().collect();
    let mut rem: Vec<u16> = all_groups(v)
        .into_iter()
        .filter(|g| !found.contains(g))
        .collect();
    while !rem.is_empty() {
        let Outcome::Hello(f) = probe(t, &hello(v, vec![suite], rem.clone(), t), o.timeout, n)
        else {
            break;
        };
        let g = if v == Version::Tls13 {
            f.server_hello.and_then(|s| s.key_share_group)
        } else {
            match f.server_kx {
                Some(ServerKx::Ecdhe { group }) => Some(group),
                _ => None,
            }
        };
        match g.and_then(|g| rem.iter().position(|&x| x == g).map(|p| (g, p))) {
            Some((g, p)) => {
                rem.remove(p);
                found.push(g);
            }
            None => break,
        }
    }
    found
}

/// Run jobs on at most `n` threads; results in job order.
fn run_bounded<T: Send>(jobs: Vec<Box<dyn FnOnce() -> T + Send + '_>>, n: usize) -> Vec<T> {
    let total = jobs.len();
    let queue = Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>());
    let out: Mutex<Vec<Option<T>>> = Mutex::new((0..total).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..n.clamp(1, total.max(1)) {
            s.spawn(|| loop {
                let job = queue.lock().ok().and_then(|mut q| q.pop());
                let Some((i, f)) = job else { break };
                let r = f();
                if let Ok(mut o) = out.lock() {
                    o[i] = Some(r);
                }
            });
        }
    });
    out.into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Scan `target`.
pub fn scan(target: &Target, o: &ScanOptions) -> ScanReport {
    let start = Instant::now();
    let n = Counter::default();
    // Longest jobs first (TLS 1.2 usually has the most suites).
    let order = [
        Version::Tls12,
        Version::Tls10,
        Version::Tls11,
        Version::Tls13,
        Version::Ssl3,
    ];
    let jobs: Vec<Box<dyn FnOnce() -> VersionScan + Send + '_>> = order
        .iter()
        .map(|&v| {
            let n = &n;
            Box::new(move || scan_version(target, v, o, n)) as Box<dyn FnOnce() -> _ + Send>
        })
        .collect();
    let mut scans = run_bounded(jobs, o.concurrency);
    scans.sort_by_key(|s| s.result.version);

    // Groups: TLS 1.3 and the newest version below it that used ECDHE
    // (the group list does not depend on the version below 1.3).
    if o.groups {
        let legacy_ecdhe = scans.iter().rposition(|s| {
            s.result.version != Version::Tls13
                && s.result
                    .ciphers
                    .iter()
                    .any(|a| matches!(a.server_kx, Some(ServerKx::Ecdhe { .. })))
        });
        let picked: Vec<usize> = scans
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                (s.result.version == Version::Tls13 && s.result.supported)
                    || Some(*i) == legacy_ecdhe
            })
            .map(|(i, _)| i)
            .collect();
        let jobs: Vec<Box<dyn FnOnce() -> Vec<u16> + Send + '_>> = picked
            .iter()
            .map(|&i| {
                let (n, res) = (&n, &scans[i].result);
                Box::new(move || scan_groups(target, res.version, res, o, n))
                    as Box<dyn FnOnce() -> _ + Send>
            })
            .collect();
        let found = run_bounded(jobs, o.concurrency);
        for (i, g) in picked.into_iter().zip(found) {
            scans[i].groups = g;
        }
    }

    // Groups: union over versions, in first-seen order.
    let mut groups: Vec<GroupResult> = Vec::new();
    for s in scans.iter().rev() {
        for &g in &s.groups {
            match groups.iter_mut().find(|x| x.code == g) {
                Some(x) => x.versions.push(s.result.version),
                None => groups.push(GroupResult {
                    code: g,
                    versions: vec![s.result.version],
                }),
            }
        }
    }

    // Certificates and the client-certificate request from the best legacy flight.
    let legacy = scans
        .iter()
        .rev()
        .filter(|s| s.result.version != Version::Tls13)
        .find_map(|s| s.flight.as_ref().filter(|f| f.done));
    let mut chain: Vec<Vec<u8>> = legacy.map(|f| f.certificates.clone()).unwrap_or_default();
    let tls12_or_13 = scans
        .iter()
        .any(|s| s.result.supported && s.result.version >= Version::Tls12);
    let tls13 = scans
        .iter()
        .any(|s| s.result.supported && s.result.version == Version::Tls13);
    // The newest TLS 1.0-1.2 version whose flight asked for a certificate:
    // the empty-Certificate probe runs there (SSLv3 answers differently).
    let requested_at = scans
        .iter()
        .rev()
        .filter(|s| (Version::Tls10..=Version::Tls12).contains(&s.result.version))
        .find(|s| s.flight.as_ref().is_some_and(|f| f.done && f.cert_request))
        .map(|s| &s.result);
    let empty_cert = |p: &ProtocolResult| {
        let suites = p.ciphers.iter().map(|a| a.code).collect();
        let h = hello(p.version, suites, all_groups(p.version), target);
        let name = p.version.name();
        match empty_certificate(target, &h, o.timeout, &n) {
            EmptyCertificate::Refused(a) => (
                ClientAuth::Required,
                format!(
                    "CertificateRequest in the {name} flight; an empty Certificate was refused with alert {} ({})",
                    a.description,
                    alert_name(a.description)
                ),
            ),
            EmptyCertificate::Accepted => (
                ClientAuth::Optional,
                format!(
                    "CertificateRequest in the {name} flight; the server accepted an empty Certificate and went on to wait for the key exchange"
                ),
            ),
            EmptyCertificate::NotRequested => (
                ClientAuth::None,
                format!("no CertificateRequest in the {name} flight"),
            ),
            EmptyCertificate::Unclear(why) => (
                ClientAuth::Unknown(format!(
                    "CertificateRequest in the {name} flight; an empty Certificate did not tell required from optional: {why}"
                )),
                format!("CertificateRequest in the {name} flight"),
            ),
        }
    };
    let (client_auth, how) = match legacy {
        Some(f) if !f.cert_request => (
            ClientAuth::None,
            "no CertificateRequest in the TLS ≤ 1.2 flight".to_string(),
        ),
        // TLS 1.3 encrypts its CertificateRequest: a real handshake (rustls)
        // tells; without 1.3 the plaintext TLS ≤ 1.2 flight and an empty
        // Certificate do, whatever the suites.
        _ if tls13 || (tls12_or_13 && requested_at.is_none()) => {
            let (verdict, how, h) = rustls_policy(target, legacy, o, &n);
            if chain.is_empty() {
                chain = h.peer_certs.clone();
            }
            match (&verdict, requested_at) {
                (ClientAuth::Unknown(_), Some(p)) => {
                    let (v2, how2) = empty_cert(p);
                    (v2, format!("{how2} (the real handshake failed: {})", h.error.unwrap_or_else(|| how.clone())))
                }
                _ => (verdict, how),
            }
        }
        _ => match requested_at {
            Some(p) => empty_cert(p),
            None if legacy.is_some() => (
                ClientAuth::Unknown(
                    "requested in an SSLv3 flight only, which the empty-Certificate probe does not speak".into(),
                ),
                "CertificateRequest in the SSLv3 flight".into(),
            ),
            None => (ClientAuth::Unknown("no TLS handshake succeeded".into()), String::new()),
        },
    };
    let certificates: Vec<CertInfo> = chain.iter().filter_map(|c| cert::parse(c)).collect();
    let name = target
        .sni
        .clone()
        .unwrap_or_else(|| target.addr.ip().to_string());
    let verification = if chain.is_empty() {
        Verification {
            status: "not_checked",
            detail: "no certificate seen".into(),
            anchors: String::new(),
        }
    } else {
        cert::verify(&chain, &name, o.cacert.as_deref())
    };
    let protocols: Vec<ProtocolResult> = scans.into_iter().map(|s| s.result).collect();
    let handshake_floor = protocols.iter().map(|p| p.ciphers.len() + 1).sum();
    ScanReport {
        target: target.host.clone(),
        address: target.addr.to_string(),
        protocols,
        groups,
        client_auth,
        client_auth_how: how,
        certificates,
        verification,
        handshakes: n.get(),
        handshake_floor,
        elapsed: start.elapsed(),
    }
}

/// The client-certificate policy from one real handshake (rustls) without
/// a certificate, then a PING: (verdict, how, the handshake).
fn rustls_policy(
    target: &Target,
    legacy: Option<&Flight>,
    o: &ScanOptions,
    n: &Counter,
) -> (ClientAuth, String, crate::handshake::RealHandshake) {
    let h = real_handshake(
        target,
        &HandshakeOptions {
            identity: None,
            timeout: o.timeout,
            alpn: Vec::new(),
            tls13: None,
            ping: true,
            tickets: false,
        },
        n,
    );
    let requested = h.cert_requested || legacy.is_some_and(|f| f.cert_request);
    let verdict = match (&h.after, &h.error) {
        _ if !requested && h.completed => ClientAuth::None,
        (Some(After::Accepted), _) => ClientAuth::Optional,
        (Some(After::Refused(_)), _) => ClientAuth::Required,
        (None, Some(_)) if h.cert_requested => ClientAuth::Required,
        (Some(After::Unknown(e)), _) | (None, Some(e)) => ClientAuth::Unknown(e.clone()),
        (None, None) => ClientAuth::Unknown("no handshake".into()),
    };
    let how = match &h.after {
        Some(After::Refused(r)) => {
            format!("certificate requested; a handshake without one was refused: {r}")
        }
        Some(After::Accepted) if requested => {
            "certificate requested; the server answered PING without one".to_string()
        }
        _ => match &h.error {
            Some(e) if requested => {
                format!("certificate requested; the handshake without one failed: {e}")
            }
            Some(e) => format!("real handshake failed: {e}"),
            None => "no CertificateRequest in a complete handshake".to_string(),
        },
    };
    (verdict, how, h)
}

/// "TLS 1.3 (AES-GCM, CHACHA20) and TLS 1.2 with ECDHE and AES-GCM or
/// CHACHA20", from the suites rustls has.
fn rustls_suites_summary(codes: &[u16]) -> String {
    let mut parts = Vec::new();
    for tls13 in [true, false] {
        let mut kx: Vec<&str> = Vec::new();
        let mut enc: Vec<String> = Vec::new();
        for c in codes
            .iter()
            .filter_map(|&c| ciphers::by_code(c))
            .filter(|c| c.is_tls13() == tls13)
        {
            if !kx.contains(&c.kx) {
                kx.push(c.kx);
            }
            let e = if c.mode == "-" {
                c.enc.to_string()
            } else {
                format!("{}-{}", c.enc, c.mode)
            };
            if !enc.contains(&e) {
                enc.push(e);
            }
        }
        if enc.is_empty() {
            continue;
        }
        parts.push(if tls13 {
            format!("TLS 1.3 with {}", enc.join(" or "))
        } else {
            format!("TLS 1.2 with {} and {}", kx.join(" or "), enc.join(" or "))
        });
    }
    parts.join("; ")
}

/// Why rustls (rampart's TLS client for live connections and real
/// handshakes) cannot complete a handshake with the scanned server, when
/// the scan shows it: no protocol version, cipher suite or key-exchange
/// group in common. `None` when rustls should connect (or nothing answered).
pub fn rustls_gap(r: &ScanReport) -> Option<String> {
    if !r.any_supported() {
        return None;
    }
    let provider = rustls::crypto::ring::default_provider();
    let ours: Vec<u16> = provider
        .cipher_suites
        .iter()
        .map(|s| u16::from(s.suite()))
        .collect();
    let modern: Vec<&ProtocolResult> = r
        .protocols
        .iter()
        .filter(|p| p.supported && p.version >= Version::Tls12)
        .collect();
    let spoken = |ps: &mut dyn Iterator<Item = &ProtocolResult>| -> String {
        ps.map(|p| {
            let names: Vec<String> = p.ciphers.iter().map(|a| ciphers::name_of(a.code)).collect();
            format!("{} {}", p.version.name(), names.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
    };
    if modern.is_empty() {
        return Some(format!(
            "no protocol version in common with rustls, rampart's TLS client (TLS 1.2 and 1.3 only): the server accepts {}",
            spoken(&mut r.protocols.iter().filter(|p| p.supported))
        ));
    }
    let common = modern
        .iter()
        .any(|p| p.ciphers.iter().any(|a| ours.contains(&a.code)));
    if !common {
        return Some(format!(
            "no cipher suite in common with rustls, rampart's TLS client: the server accepts {}; rustls has only {}",
            spoken(&mut modern.iter().copied()),
            rustls_suites_summary(&ours)
        ));
    }
    let kx: Vec<u16> = provider
        .kx_groups
        .iter()
        .map(|g| u16::from(g.name()))
        .collect();
    if !r.groups.is_empty() && !r.groups.iter().any(|g| kx.contains(&g.code)) {
        let theirs: Vec<String> = r
            .groups
            .iter()
            .map(|g| groups::group_name(g.code))
            .collect();
        let ours: Vec<String> = kx.iter().map(|&g| groups::group_name(g)).collect();
        return Some(format!(
            "no key-exchange group in common with rustls, rampart's TLS client: the server accepts {}; rustls has only {}",
            theirs.join(", "),
            ours.join(", ")
        ));
    }
    None
}
