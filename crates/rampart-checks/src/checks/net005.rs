use super::{settings, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// IP restrictions in front of the server.
    ///
    /// **What.** Host or network firewall rules that let only known client
    /// addresses reach the Redis ports (`port`, `tls-port`, and the cluster
    /// bus port, `cluster-port` or port + 10000). rampart does not read
    /// firewall rules yet, so this check is `manual`: the report lists the
    /// ports a person must verify.
    ///
    /// **Why.** `bind` chooses interfaces, not clients: anyone who can route
    /// to the interface can connect. The cluster bus has no authentication
    /// at all.
    ///
    /// **References.** Seed checklist "Consider IP restrictions through the
    /// network or operating system".
    id: "NET005",
    title: "IP restrictions in front of the server",
    severity: Medium,
    sources: [Os],
    refs: [Nist80053("SC-7"), Nist80053("SC-7(5)")],
    remediation: "Allow the Redis ports only from known client subnets (nftables/iptables, security groups, Kubernetes NetworkPolicy); block the cluster bus port from everything but the other nodes.",
    fix: crate::fix::FixRule::DisplayOnly("firewall rules live outside Redis and depend on which hosts are trusted"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let mut ports = Vec::new();
    for name in ["port", "tls-port"] {
        let p = st.number(name);
        if p != 0 {
            ports.push(format!("{name} {p}"));
        }
    }
    if st.is_yes("cluster-enabled") {
        let bus = match st.number("cluster-port") {
            0 => st.number("port").max(st.number("tls-port")) + 10000,
            p => p,
        };
        ports.push(format!("cluster bus {bus}"));
    }
    if ports.is_empty() {
        return Outcome::skip("no TCP port is open (port 0, tls-port 0)");
    }
    Outcome::manual(
        format!(
            "verify that firewall rules limit {} to known client addresses",
            ports.join(", ")
        ),
        st.evidence(
            "port",
            ports.join(", "),
            "reachable only from known client addresses",
        ),
    )
}
