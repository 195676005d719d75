use super::{settings, skip_unless_tls, tri};
use crate::model::{Evidence, Outcome, Source};
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
    refs: [Nist80053("SC-17"), Nist80053("SC-13")],
    remediation: "Renew the certificate before it expires (automate it), with an RSA 3072 / EC P-256 key and a SHA-256 signature; reload it with `CONFIG SET tls-cert-file <path> tls-key-file <path>`.",
    fix: crate::fix::FixRule::DisplayOnly("needs a new certificate from your CA"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    // Measured only: the config is not needed when the scan ran.
    let t = match &s.tls {
        crate::Avail::Present(t) => t,
        crate::Avail::Failed(e) => {
            tri!(settings(s));
            return Outcome::error(e.clone());
        }
        crate::Avail::Absent(_) => {
            let c = tri!(settings(s));
            tri!(skip_unless_tls(&c));
            return Outcome::skip(format!(
                "{TLS_ABSENT}; certificate file: {}",
                c.value("tls-cert-file")
            ));
        }
    };
    let loc = t.location();
    let expected =
        "valid for 30+ days, RSA 2048+/EC 256+, SHA-256+ signature, chain verified, names match";
    let Some(leaf) = t.scan.certificates.first() else {
        return Outcome::error(format!("the TLS scan of {} saw no certificate", t.endpoint));
    };
    let mut ev = vec![Evidence::new(
        Source::Tls,
        loc.clone(),
        format!(
            "{}: {} {} bits{}, {}, valid {} to {}, verification {}",
            leaf.subject,
            leaf.key_type,
            leaf.key_bits,
            leaf.curve
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            leaf.signature_algorithm,
            leaf.not_before,
            leaf.not_after,
            t.scan.verification.status
        ),
        expected,
    )];
    const CERT: &[&str] = &[
        "weak-key",
        "cert-expired",
        "cert-expiring",
        "cert-not-yet-valid",
        "weak-signature",
        "cert-untrusted",
    ];
    let judged = crate::tls_weaknesses::weaknesses(&t.scan);
    let bad: Vec<_> = judged.iter().filter(|w| CERT.contains(&w.id)).collect();
    let ec_small = leaf.key_type == "EC" && leaf.key_bits < 256;
    for w in &bad {
        ev.push(Evidence::new(
            Source::Tls,
            loc.clone(),
            format!("{}: {}", w.id, w.message),
            expected,
        ));
    }
    if ec_small {
        ev.push(Evidence::new(
            Source::Tls,
            loc.clone(),
            format!("EC key of {} bits", leaf.key_bits),
            expected,
        ));
    }
    if !bad.is_empty() || ec_small {
        return Outcome::fail(
            format!(
                "the certificate has {} problem(s)",
                bad.len() + usize::from(ec_small)
            ),
            ev,
        );
    }
    if t.scan.verification.status != "ok" {
        ev.push(Evidence::new(
            Source::Tls,
            loc,
            format!(
                "chain {}: {}",
                t.scan.verification.status, t.scan.verification.detail
            ),
            expected,
        ));
        return Outcome::manual(
            "the chain was not verified: give --cacert with the CA that signs the server",
            ev,
        );
    }
    Outcome::pass(
        "the certificate is valid, strong and verified (measured)",
        ev,
    )
}
