use super::{settings, skip_unless_tls, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{Snapshot, TLS_ABSENT};

check! {
    /// The server certificate is valid and strong.
    ///
    /// **What.** Not expired or expiring within 30 days; key at least RSA
    /// 2048 or EC 256; signature not SHA-1 or MD5; the chain verifies
    /// against the configured CA; the names match. Measured from the
    /// certificate the server presents in a handshake.
    ///
    /// **Why.** An expired certificate breaks every client at once; a weak
    /// key or signature lets an attacker forge the server's identity.
    ///
    /// **References.** CA/Browser Forum baseline requirements; NIST SP 800-131A.
    id: "TLS010",
    title: "The certificate is valid and strong",
    severity: High,
    sources: [Tls, Conf],
    remediation: "Renew the certificate before it expires (automate it), with an RSA 3072 / EC P-256 key and a SHA-256 signature; reload it with `CONFIG SET tls-cert-file <path> tls-key-file <path>`.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(settings(s));
    tri!(skip_unless_tls(&c));
    match &s.tls {
        crate::Avail::Present(_) => {
            Outcome::skip("certificate inspection is not implemented in this build")
        }
        crate::Avail::Absent(_) => Outcome::skip(format!(
            "{TLS_ABSENT}; certificate file: {}",
            c.value("tls-cert-file")
        )),
        crate::Avail::Failed(e) => Outcome::error(e.clone()),
    }
}
