use super::{settings, skip_unless_tls, tri};
use crate::fix::{Fix, Safety};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{Snapshot, TLS_ABSENT};
use tls_probe::ciphers::Strength;

check! {
    /// Only strong cipher suites are accepted.
    ///
    /// **What.** Measured by handshakes, not read from the config: the
    /// server must accept no NULL, EXPORT, RC4, 3DES, DES, MD5 or anonymous
    /// suite and no key exchange without forward secrecy; CBC suites are
    /// reported for review. `tls-ciphers` and `tls-ciphersuites` are shown
    /// as evidence beside the measurement, because OpenSSL's defaults, its
    /// security level and the build decide what they really allow.
    ///
    /// **Why.** A weak suite lets an attacker on the path decrypt or forge
    /// traffic; suites without forward secrecy let a stolen key decrypt
    /// recorded sessions.
    ///
    /// **References.** Seed: "Cipher Suites"; Mozilla TLS guidelines;
    /// checklist "Ensure strong cipher suites are used".
    id: "TLS002",
    title: "Only strong cipher suites",
    severity: High,
    sources: [Tls, Conf],
    refs: [Nist80053("SC-13"), Nist80053("SC-8(1)")],
    remediation: "Set `tls-ciphers` to ECDHE with AES-GCM or ChaCha20-Poly1305 only (e.g. `ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256`) and keep TLS 1.3's defaults; verify with `rampart tls scan`.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    // The measurement stands without the config (a live connection that
    // failed, no config file): the settings are evidence beside it.
    let st = settings(s);
    let scan = match &s.tls {
        crate::Avail::Present(t) => t,
        crate::Avail::Failed(e) => {
            tri!(st);
            return Outcome::error(e.clone());
        }
        crate::Avail::Absent(_) => {
            let c = tri!(st);
            tri!(skip_unless_tls(&c));
            return Outcome::skip(format!(
                "{TLS_ABSENT}; configured tls-ciphers: {:?}, tls-ciphersuites: {:?}",
                c.value("tls-ciphers"),
                c.value("tls-ciphersuites")
            ));
        }
    };
    let loc = scan.location();
    let mut bad = Vec::new();
    let mut review = Vec::new();
    let mut all = Vec::new();
    for p in scan.scan.protocols.iter().filter(|p| p.supported) {
        for a in &p.ciphers {
            let Some(suite) = a.suite else {
                bad.push(format!(
                    "{} 0x{:04x} (unknown suite)",
                    p.version.name(),
                    a.code
                ));
                continue;
            };
            let name = suite.openssl.unwrap_or(suite.iana);
            all.push(name);
            if suite.strength == Strength::Insecure || !suite.forward_secrecy {
                bad.push(format!("{} {name}: {}", p.version.name(), suite.reason));
            } else if suite.mode == "CBC" || suite.strength == Strength::Weak {
                review.push(format!("{} {name}: {}", p.version.name(), suite.reason));
            }
        }
    }
    let expected = "forward-secret AEAD suites only (no NULL, EXPORT, RC4, 3DES, DES, MD5, anonymous; CBC under review)";
    let mut ev: Vec<Evidence> = bad
        .iter()
        .map(|b| Evidence::new(Source::Tls, loc.clone(), b.clone(), expected))
        .collect();
    ev.extend(
        review
            .iter()
            .map(|b| Evidence::new(Source::Tls, loc.clone(), b.clone(), expected)),
    );
    if let Ok(c) = &st {
        ev.extend(c.evidence(
            "tls-ciphers",
            format!("tls-ciphers {:?}", c.value("tls-ciphers")),
            expected,
        ));
    }
    if all.is_empty() {
        return Outcome::error(format!(
            "the TLS scan of {} found no accepted suite",
            scan.endpoint
        ));
    }
    if !bad.is_empty() {
        return Outcome::fail(
            format!("{} weak or insecure suite(s) accepted", bad.len()),
            ev,
        );
    }
    if !review.is_empty() {
        return Outcome::warn(
            format!("{} CBC suite(s) accepted (under review)", review.len()),
            ev,
        );
    }
    ev.insert(
        0,
        Evidence::new(
            Source::Tls,
            loc,
            format!("{} suites accepted, all forward-secret AEAD", all.len()),
            expected,
        ),
    );
    Outcome::pass("only strong suites are accepted (measured)", ev)
}

/// ECDHE with AES-GCM or ChaCha20-Poly1305 only (TLS 1.2 and below).
pub(crate) const STRONG_CIPHERS: &str = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

fn fix(s: &Snapshot) -> Fix {
    Fix::builder(
        Safety::Unsafe,
        "tls-ciphers: forward-secret AEAD suites only",
        "clients that support only the dropped suites can no longer connect",
    )
    .set(s.conf.get(), "tls-ciphers", &[STRONG_CIPHERS])
    .build(CHECK.remediation)
}
