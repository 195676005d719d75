use super::{settings, skip_unless_tls, tri};
use crate::fix::{Fix, Safety};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Only modern protocol versions are accepted (TLS 1.2 and 1.3).
    ///
    /// **What.** `tls-protocols` must not enable `TLSv1` or `TLSv1.1`
    /// (unset means Redis's default, "TLSv1.2 TLSv1.3"). This build reads
    /// the config; the TLS prober measures what the port really accepts.
    ///
    /// **Why.** TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on
    /// SHA-1 and MD5 in the handshake and allow CBC attacks.
    ///
    /// **References.** Seed: "TLS Versions"; RFC 8996; checklist "Ensure
    /// appropriate modern TLS protocols are used".
    id: "TLS003",
    title: "Only TLS 1.2 and 1.3",
    severity: High,
    sources: [Tls, Conf],
    refs: [Nist80053("SC-8(1)"), Nist80053("SC-13")],
    remediation: "Set `tls-protocols \"TLSv1.2 TLSv1.3\"` (or `TLSv1.3` alone when every client supports it).",
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
    let v = c.value("tls-protocols");
    let shown = if v.trim().is_empty() {
        "unset (Redis default: TLSv1.2 TLSv1.3)".to_string()
    } else {
        v.clone()
    };
    let ev = c.evidence(
        "tls-protocols",
        format!("tls-protocols {shown}"),
        "TLSv1.2 and/or TLSv1.3 only",
    );
    let legacy: Vec<&str> = v
        .split_whitespace()
        .filter(|p| {
            let p = p.to_ascii_lowercase();
            p == "tlsv1" || p == "tlsv1.0" || p == "tlsv1.1" || p.starts_with("ssl")
        })
        .collect();
    if legacy.is_empty() {
        Outcome::pass(
            "the config allows only TLS 1.2/1.3 (not yet measured by a handshake)",
            ev,
        )
    } else {
        Outcome::fail(
            format!("legacy protocol(s) enabled: {}", legacy.join(" ")),
            ev,
        )
    }
}

/// The verdict from the handshakes; the config value is evidence beside it.
fn measured(t: &crate::snapshot::TlsFacts, c: Option<&super::Settings>) -> Outcome {
    let loc = t.location();
    let legacy: Vec<&str> = t
        .scan
        .protocols
        .iter()
        .filter(|p| p.supported && matches!(p.version.name(), "SSLv3" | "TLSv1.0" | "TLSv1.1"))
        .map(|p| p.version.name())
        .collect();
    let supported: Vec<&str> = t
        .scan
        .protocols
        .iter()
        .filter(|p| p.supported)
        .map(|p| p.version.name())
        .collect();
    let mut ev = vec![crate::Evidence::new(
        crate::Source::Tls,
        loc,
        format!("accepted: {}", supported.join(" ")),
        "TLSv1.2 and/or TLSv1.3 only",
    )];
    if let Some(c) = c {
        ev.extend(c.evidence(
            "tls-protocols",
            format!("tls-protocols {:?}", c.value("tls-protocols")),
            "TLSv1.2 and/or TLSv1.3 only",
        ));
    }
    if legacy.is_empty() {
        Outcome::pass("only TLS 1.2/1.3 are accepted (measured)", ev)
    } else {
        Outcome::fail(
            format!("legacy protocol(s) accepted: {}", legacy.join(" ")),
            ev,
        )
    }
}

fn fix(s: &Snapshot) -> Fix {
    Fix::builder(
        Safety::Unsafe,
        "tls-protocols \"TLSv1.2 TLSv1.3\"",
        "clients limited to SSLv3, TLS 1.0 or 1.1 can no longer connect",
    )
    .set(s.conf.get(), "tls-protocols", &["TLSv1.2 TLSv1.3"])
    .build(CHECK.remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Skip);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("port 0\ntls-port 6380\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("port 0\ntls-port 6380\ntls-protocols \"TLSv1 TLSv1.2\"\n")
            ),
            Status::Fail
        );
    }
}
