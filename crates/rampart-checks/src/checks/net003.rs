use super::{settings, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// The default port 6379 is not used.
    ///
    /// **What.** `port` and `tls-port` are not 6379 (with no `port` line
    /// Redis listens on 6379).
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
    sources: [Conf, Live],
    remediation: "Choose another port (`port 16379`, or `port 0` with `tls-port 16380`) and update clients, replicas, Sentinel and firewall rules.",
    fix: crate::fix::FixRule::DisplayOnly("choosing the new port is a person's decision, and every client, replica, Sentinel and firewall rule must move with it"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
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
