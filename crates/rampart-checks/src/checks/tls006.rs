use super::{replica_of, settings, tri};
use crate::fix::Fix;
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Replication runs over TLS.
    ///
    /// **What.** On a replica (`replicaof`), `tls-replication yes`, so the
    /// link to the master (which carries `masterauth` and every write) is
    /// encrypted. A server that is not a replica in its config is skipped:
    /// the live audit sees its replicas.
    ///
    /// **Why.** The replication stream is the whole dataset plus every
    /// write; in clear it leaks everything to anyone on the path.
    ///
    /// **References.** Redis TLS docs "Replication"; checklist "Ensure TLS is
    /// configured for replication".
    id: "TLS006",
    title: "Replication runs over TLS",
    severity: High,
    sources: [Conf, Live],
    refs: [Nist80053("SC-8"), Nist80053("SC-8(1)")],
    remediation: "Set `tls-replication yes` on every node (masters too: any node may become a replica after a failover), with `tls-ca-cert-file` and, if the master requires client certificates, `tls-client-cert-file`/`tls-client-key-file`.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let Some(rep) = replica_of(s) else {
        return Outcome::skip("not a replica (no replicaof line, or INFO says role:master); replicas are audited on their own");
    };
    let v = st.value("tls-replication");
    let mut ev = vec![rep];
    ev.extend(st.evidence(
        "tls-replication",
        format!("tls-replication {v}"),
        "tls-replication yes",
    ));
    if v.eq_ignore_ascii_case("yes") {
        Outcome::pass("replication to the master uses TLS", ev)
    } else {
        Outcome::fail("replication to the master is plaintext", ev)
    }
}

fn fix(s: &Snapshot) -> Fix {
    super::tls_link_fix(
        s,
        CHECK.remediation,
        "tls-replication",
        "replication stops until the master accepts TLS on the port this replica connects to",
    )
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
            status_of(&CHECK, &conf_snapshot("replicaof 10.0.0.1 6380\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("replicaof 10.0.0.1 6380\ntls-replication yes\n")
            ),
            Status::Pass
        );
    }
}
