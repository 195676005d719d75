use super::{settings, skip_unless_tls, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// The server's cipher order is preferred.
    ///
    /// **What.** `tls-prefer-server-ciphers yes` (Redis's default is `no`),
    /// so the server, not the client, picks the suite from the ones both
    /// support. This build reads the config; the TLS prober measures it by
    /// offering the same suites in two orders.
    ///
    /// **Why.** With client preference, a client (or an old library) that
    /// lists a weaker suite first gets it even when a stronger one is
    /// available.
    ///
    /// **References.** redis.conf "tls-prefer-server-ciphers"; checklist
    /// "Ensure server ciphers are preferred".
    id: "TLS005",
    title: "Server cipher order is preferred",
    severity: Low,
    sources: [Tls, Conf],
    remediation: "Set `tls-prefer-server-ciphers yes` and order `tls-ciphers` strongest first.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(settings(s));
    tri!(skip_unless_tls(&c));
    let v = c.value("tls-prefer-server-ciphers");
    let ev = c.evidence(
        "tls-prefer-server-ciphers",
        format!("tls-prefer-server-ciphers {v}"),
        "yes",
    );
    if v.eq_ignore_ascii_case("yes") {
        Outcome::pass(
            "the server's cipher order is preferred (per the config)",
            ev,
        )
    } else {
        Outcome::fail("the client's cipher order is used", ev)
    }
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
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("port 0\ntls-port 6380\ntls-prefer-server-ciphers yes\n")
            ),
            Status::Pass
        );
    }
}
