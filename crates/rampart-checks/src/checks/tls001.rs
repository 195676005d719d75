use super::{settings, tri};
use crate::fix::{Fix, Safety};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{Snapshot, UnauthProbe};

check! {
    /// Non-TLS ports are disabled.
    ///
    /// **What.** When `tls-port` is set, `port` must be `0` so that no
    /// plaintext listener remains. A server with no TLS at all warns: the
    /// seed asks to consider whether TLS is right for the deployment, and
    /// every byte (including AUTH passwords) crosses the network in clear.
    /// A live audit also tries a plaintext connection on every port.
    ///
    /// **Why.** A plaintext port next to a TLS port lets any client (or a
    /// downgrade by misconfiguration) send credentials and data in clear.
    ///
    /// **References.** Redis TLS docs; seed checklist "Ensure non-TLS ports
    /// are disabled" and "Consider if TLS is right for your use case".
    id: "TLS001",
    title: "Non-TLS ports are disabled",
    severity: High,
    sources: [Conf, Live, Tls],
    refs: [Nist80053("SC-8"), Nist80053("SC-8(1)")],
    remediation: "Set `port 0` and serve clients on `tls-port` only; move every client, replica and Sentinel to TLS first.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let port = st.number("port");
    let tls_port = st.number("tls-port");
    // A live audit tried a plaintext connection on each open port.
    let probes: Vec<Evidence> = s
        .live
        .get()
        .map(|l| {
            l.plaintext_probes
                .iter()
                .map(|(p, r)| {
                    let observed = match r {
                        UnauthProbe::Open(what) => {
                            format!("plaintext connection accepted on port {p}: {what}")
                        }
                        UnauthProbe::Refused(e) => {
                            format!("plaintext connection on port {p} answered {e}")
                        }
                        UnauthProbe::Failed(e) => format!("plaintext connection on port {p}: {e}"),
                    };
                    Evidence::new(
                        Source::Live,
                        format!(
                            "{}:{p} (plaintext probe)",
                            l.endpoint.rsplit_once(':').map(|x| x.0).unwrap_or("")
                        ),
                        observed,
                        "no plaintext listener",
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if tls_port == 0 {
        if port == 0 {
            return Outcome::pass(
                "no TCP port is open (unix socket only)",
                st.evidence("port", "port 0", "port 0"),
            );
        }
        let mut ev = st.evidence("tls-port", "tls-port 0", "tls-port set and port 0");
        ev.extend(probes);
        return Outcome::warn(
            "TLS is not configured: clients, passwords and data use plaintext",
            ev,
        );
    }
    if port != 0 {
        let mut ev = st.evidence("port", format!("port {port}"), "port 0");
        ev.extend(st.evidence("tls-port", format!("tls-port {tls_port}"), "tls-port set"));
        ev.extend(probes);
        return Outcome::fail(
            format!("tls-port {tls_port} is set, but the plaintext port {port} is still open"),
            ev,
        );
    }
    let mut ev = st.evidence("port", "port 0", "port 0");
    ev.extend(st.evidence("tls-port", format!("tls-port {tls_port}"), "tls-port set"));
    ev.extend(probes);
    Outcome::pass(format!("only the TLS port {tls_port} is open"), ev)
}

fn fix(s: &Snapshot) -> Fix {
    let Ok(st) = settings(s) else {
        return Fix::display_only(CHECK.remediation, "no settings were read");
    };
    if st.number("tls-port") == 0 {
        return Fix::display_only(
            CHECK.remediation,
            "turning TLS on needs a certificate and key, and every client moved to TLS",
        );
    }
    Fix::builder(
        Safety::Unsafe,
        "port 0",
        "clients, replicas and Sentinels that connect without TLS are refused",
    )
    .set(s.conf.get(), "port", &["0"])
    .build(CHECK.remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Warn);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("tls-port 6380\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("port 0\ntls-port 6380\n")),
            Status::Pass
        );
    }
}
