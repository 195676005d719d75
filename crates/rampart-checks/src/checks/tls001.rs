use super::{conf, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

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
    remediation: "Set `port 0` and serve clients on `tls-port` only; move every client, replica and Sentinel to TLS first.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(conf(s));
    let port = c.number("port");
    let tls_port = c.number("tls-port");
    let ev = |name: &str, observed: String, expected: &str| match c.span(name) {
        Some(span) => Evidence::at(Source::Conf, &span, observed, expected),
        None => Evidence::new(Source::Conf, c.location(name), observed, expected),
    };
    if tls_port == 0 {
        if port == 0 {
            return Outcome::pass(
                "no TCP port is open (unix socket only)",
                vec![ev("port", "port 0".into(), "port 0")],
            );
        }
        return Outcome::warn(
            "TLS is not configured: clients, passwords and data use plaintext",
            vec![ev(
                "tls-port",
                "tls-port 0".into(),
                "tls-port set and port 0",
            )],
        );
    }
    if port != 0 {
        return Outcome::fail(
            format!("tls-port {tls_port} is set, but the plaintext port {port} is still open"),
            vec![
                ev("port", format!("port {port}"), "port 0"),
                ev("tls-port", format!("tls-port {tls_port}"), "tls-port set"),
            ],
        );
    }
    Outcome::pass(
        format!("only the TLS port {tls_port} is open (verified from the config; a live audit also probes it)"),
        vec![ev("port", "port 0".into(), "port 0"), ev("tls-port", format!("tls-port {tls_port}"), "tls-port set")],
    )
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
