use super::{settings, skip_unless_tls, tri};
use crate::fix::{Fix, Safety};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Client certificate authentication is required.
    ///
    /// **What.** `tls-auth-clients yes` (Redis's default): clients must
    /// present a certificate signed by the configured CA. `optional` only
    /// verifies a certificate if one is sent, `no` never asks. Measured when
    /// the TLS scan ran (with or without the config): a TLS 1.3 handshake
    /// that sends no certificate, or, without TLS 1.3, an empty Certificate
    /// in answer to the TLS ≤ 1.2 CertificateRequest (any suite, DHE and
    /// RSA key exchange included). Else read from the config.
    ///
    /// **Why.** Mutual TLS stops anyone without a client certificate at the
    /// handshake, before a password is ever tried.
    ///
    /// **References.** Redis TLS docs "Client certificate authentication";
    /// checklist "Ensure client authentication is used".
    id: "TLS004",
    title: "Client certificates are required",
    severity: Medium,
    sources: [Tls, Conf],
    refs: [Nist80053("IA-3"), Nist80053("IA-5(2)")],
    remediation: "Set `tls-auth-clients yes` with `tls-ca-cert-file` naming the CA that signs client certificates, and issue a certificate to each client.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    // The measurement stands without the config: the settings, when they
    // could be read, are evidence beside it.
    let st = settings(s);
    if let crate::Avail::Present(t) = &s.tls {
        return measured(t, st.as_ref().ok());
    }
    let c = tri!(st);
    tri!(skip_unless_tls(&c));
    let v = c.value("tls-auth-clients");
    let ev = c.evidence(
        "tls-auth-clients",
        format!("tls-auth-clients {v}"),
        "tls-auth-clients yes",
    );
    match v.to_ascii_lowercase().as_str() {
        "yes" => Outcome::pass("client certificates are required (per the config)", ev),
        "optional" => Outcome::fail(
            "client certificates are optional: clients without one are accepted",
            ev,
        ),
        _ => Outcome::fail("client certificates are not requested", ev),
    }
}

/// The verdict from a handshake without a client certificate.
fn measured(t: &crate::snapshot::TlsFacts, c: Option<&super::Settings>) -> Outcome {
    use tls_probe::scan::ClientAuth;
    let mut ev = vec![crate::Evidence::new(
        crate::Source::Tls,
        t.location(),
        format!(
            "client certificate {} ({})",
            t.scan.client_auth.as_str(),
            t.scan.client_auth_how
        ),
        "required",
    )];
    if let Some(c) = c {
        ev.extend(c.evidence(
            "tls-auth-clients",
            format!("tls-auth-clients {}", c.value("tls-auth-clients")),
            "tls-auth-clients yes",
        ));
    }
    match &t.scan.client_auth {
        ClientAuth::Required => {
            Outcome::pass("a client without a certificate is refused (measured)", ev)
        }
        ClientAuth::Optional => Outcome::fail(
            "client certificates are optional: a client without one is accepted (measured)",
            ev,
        ),
        ClientAuth::None => Outcome::fail(
            "the server does not ask for a client certificate (measured)",
            ev,
        ),
        ClientAuth::Unknown(why) => {
            Outcome::manual(format!("the handshakes could not tell: {why}"), ev)
        }
    }
}

fn fix(s: &Snapshot) -> Fix {
    let Ok(st) = super::settings(s) else {
        return Fix::display_only(CHECK.remediation, "no settings were read");
    };
    if st.value("tls-ca-cert-file").is_empty() && st.value("tls-ca-cert-dir").is_empty() {
        return Fix::display_only(
            CHECK.remediation,
            "needs a CA that signs client certificates (tls-ca-cert-file) and a certificate for each client",
        );
    }
    Fix::builder(
        Safety::Unsafe,
        "tls-auth-clients yes",
        "clients without a certificate signed by the configured CA are refused",
    )
    .set(s.conf.get(), "tls-auth-clients", &["yes"])
    .build(CHECK.remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("port 0\ntls-port 6380\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("port 0\ntls-port 6380\ntls-auth-clients optional\n")
            ),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("port 0\ntls-port 6380\ntls-auth-clients no\n")
            ),
            Status::Fail
        );
    }
}
