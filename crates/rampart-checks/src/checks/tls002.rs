use super::{settings, skip_unless_tls, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{Snapshot, TLS_ABSENT};

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
    remediation: "Set `tls-ciphers` to ECDHE with AES-GCM or ChaCha20-Poly1305 only (e.g. `ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256`) and keep TLS 1.3's defaults; verify with `rampart tls scan`.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(settings(s));
    tri!(skip_unless_tls(&c));
    match &s.tls {
        crate::Avail::Present(_) => {
            Outcome::skip("cipher measurement is not implemented in this build")
        }
        crate::Avail::Absent(_) => Outcome::skip(format!(
            "{TLS_ABSENT}; configured tls-ciphers: {:?}, tls-ciphersuites: {:?}",
            c.value("tls-ciphers"),
            c.value("tls-ciphersuites")
        )),
        crate::Avail::Failed(e) => Outcome::error(e.clone()),
    }
}
