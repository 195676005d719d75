use super::{settings, skip_unless_tls, tri};
use crate::fix::{Fix, Safety};
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
    refs: [Nist80053("SC-8(1)"), Nist80053("SC-13")],
    remediation: "Set `tls-prefer-server-ciphers yes` and order `tls-ciphers` strongest first.",
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

/// The verdict from offering the same suites in two orders.
fn measured(t: &crate::snapshot::TlsFacts, c: Option<&super::Settings>) -> Outcome {
    use tls_probe::scan::Preference;
    let loc = t.location();
    let mut ev = Vec::new();
    let mut client = false;
    let mut unclear = false;
    for p in t.scan.protocols.iter().filter(|p| p.supported) {
        ev.push(crate::Evidence::new(
            crate::Source::Tls,
            loc.clone(),
            format!("{}: {} order", p.version.name(), p.preference.as_str()),
            "server order",
        ));
        match p.preference {
            Preference::Client => client = true,
            Preference::Unclear => unclear = true,
            _ => {}
        }
    }
    if let Some(c) = c {
        ev.extend(c.evidence(
            "tls-prefer-server-ciphers",
            format!(
                "tls-prefer-server-ciphers {}",
                c.value("tls-prefer-server-ciphers")
            ),
            "yes",
        ));
    }
    if client {
        Outcome::fail("the client's cipher order is used (measured)", ev)
    } else if unclear {
        Outcome::manual("the order could not be told from the handshakes", ev)
    } else {
        Outcome::pass("the server's cipher order is used (measured)", ev)
    }
}

fn fix(s: &Snapshot) -> Fix {
    Fix::builder(
        Safety::Safe,
        "tls-prefer-server-ciphers yes",
        "only the choice among suites both sides already accept changes: every client that connects today still does",
    )
    .set(s.conf.get(), "tls-prefer-server-ciphers", &["yes"])
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
