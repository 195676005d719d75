use super::{settings, tri};
use crate::fix::Fix;
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// The cluster bus uses TLS.
    ///
    /// **What.** With `cluster-enabled yes`, `tls-cluster yes`, so the
    /// node-to-node bus (port + 10000, or `cluster-port`) is encrypted.
    /// Not a cluster node: skip.
    ///
    /// **Why.** The cluster bus has no authentication of its own; in clear,
    /// anyone on the path can read and forge cluster messages.
    ///
    /// **References.** Redis TLS docs "Cluster"; checklist "Ensure TLS is
    /// enabled on the cluster bus".
    id: "TLS009",
    title: "The cluster bus uses TLS",
    severity: High,
    sources: [Conf, Live],
    refs: [Nist80053("SC-8"), Nist80053("SC-8(1)")],
    remediation: "Set `tls-cluster yes` on every node (with `tls-port`, certificates and `tls-ca-cert-file`), node by node with a rolling restart.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    // INFO says so even when CONFIG GET is denied and the file does not
    // (cluster mode given on the command line).
    let live_cluster = s.live.get().and_then(|l| l.info("cluster_enabled")) == Some("1");
    if !st.is_yes("cluster-enabled") && !live_cluster {
        return Outcome::skip("not a cluster node (cluster-enabled no)");
    }
    let v = st.value("tls-cluster");
    let ev = st.evidence("tls-cluster", format!("tls-cluster {v}"), "tls-cluster yes");
    if v.eq_ignore_ascii_case("yes") {
        Outcome::pass("the cluster bus uses TLS", ev)
    } else {
        Outcome::fail("the cluster bus is plaintext", ev)
    }
}

fn fix(s: &Snapshot) -> Fix {
    super::tls_link_fix(
        s,
        CHECK.remediation,
        "tls-cluster",
        "nodes that do not use TLS on the cluster bus lose contact with this one: change every node, one by one",
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
            status_of(&CHECK, &conf_snapshot("cluster-enabled yes\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("cluster-enabled yes\ntls-cluster yes\n")
            ),
            Status::Pass
        );
    }
}
