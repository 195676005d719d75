use super::{listening_sockets, settings, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// The default port 6379 is not used.
    ///
    /// **What.** `port` and `tls-port` are not 6379 (with no `port` line
    /// Redis listens on 6379). When a live audit cannot read `CONFIG GET
    /// port`, the ports the server's process listens on (/proc/net, for a
    /// server on this host) decide: a `--port` on the command line
    /// overrides the file.
    ///
    /// **Why.** 6379 is the first port internet-wide scanners and worms
    /// try. A different port is no defence against a targeted attacker, but
    /// it takes an instance out of the automated sweeps. (Since Redis 6.2.1
    /// `port` and `tls-port` can also be changed at runtime with CONFIG SET.)
    ///
    /// **References.** Seed: "Changing the Redis Port"; checklist "Consider
    /// changing the default Redis port".
    id: "NET003",
    title: "Default port 6379 not used",
    severity: Low,
    sources: [Conf, Live, Proc],
    refs: [Nist80053("CM-6"), Nist80053("CM-7")],
    remediation: "Choose another port (`port 16379`, or `port 0` with `tls-port 16380`) and update clients, replicas, Sentinel and firewall rules.",
    fix: crate::fix::FixRule::DisplayOnly("choosing the new port is a person's decision, and every client, replica, Sentinel and firewall rule must move with it"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = settings(s);
    // Without CONFIG GET port, the ports the process listens on (/proc/net)
    // are the running truth: a command-line --port overrides the file.
    if let Some((pid, list)) = listening_sockets(s) {
        if !st.as_ref().is_ok_and(|st| st.is_live("port")) && !list.is_empty() {
            return from_sockets(pid, list);
        }
    }
    let st = tri!(st);
    let mut ev = Vec::new();
    let mut on_default = Vec::new();
    for name in ["port", "tls-port"] {
        let v = st.number(name);
        ev.extend(st.evidence(name, format!("{name} {v}"), "a port other than 6379"));
        if v == 6379 {
            on_default.push(name);
        }
    }
    if on_default.is_empty() {
        Outcome::pass("6379 is not used", ev)
    } else {
        Outcome::warn(
            format!("{} is the default port 6379", on_default.join(" and ")),
            ev,
        )
    }
}

fn from_sockets(pid: u32, list: &[(std::net::IpAddr, u16)]) -> Outcome {
    let mut ports: Vec<u16> = list.iter().map(|(_, p)| *p).collect();
    ports.sort_unstable();
    ports.dedup();
    let shown = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let ev = vec![Evidence::new(
        Source::Proc,
        format!("/proc/net/tcp, tcp6 (process {pid})"),
        format!("listening on port(s) {shown}"),
        "a port other than 6379",
    )];
    if ports.contains(&6379) {
        Outcome::warn("the server listens on the default port 6379", ev)
    } else {
        Outcome::pass(
            format!("6379 is not used (the server listens on {shown})"),
            ev,
        )
    }
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
            status_of(&CHECK, &conf_snapshot("port 16379\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("port 0\ntls-port 6379\n")),
            Status::Warn
        );
    }
}
