use super::{conf, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// A log file is configured (or syslog is on).
    ///
    /// **What.** `logfile` names a file, or `syslog-enabled yes`. With
    /// `logfile ""` Redis logs to standard output, which goes nowhere when
    /// daemonized; under systemd (`supervised systemd`, not daemonized)
    /// stdout reaches the journal, so that case warns instead of failing.
    ///
    /// **Why.** Without logs there is no record of restarts, failed
    /// replication, config rewrites or errors to investigate an incident with.
    ///
    /// **References.** redis.conf "logfile"; checklist "Ensure the Redis Log
    /// file is configured".
    id: "LOG001",
    title: "A log file is configured",
    severity: Medium,
    sources: [Conf, Live],
    remediation: "Set `logfile /var/log/redis/redis-server.log` (a directory the server user can write) or `syslog-enabled yes`.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(conf(s));
    let logfile = c.value("logfile");
    let ev = |name: &str, observed: String| match c.span(name) {
        Some(span) => Evidence::at(
            Source::Conf,
            &span,
            observed,
            "logfile set or syslog-enabled yes",
        ),
        None => Evidence::new(
            Source::Conf,
            c.location(name),
            observed,
            "logfile set or syslog-enabled yes",
        ),
    };
    if !logfile.is_empty() && logfile != "/dev/null" {
        return Outcome::pass(
            format!("logs go to {logfile}"),
            vec![ev("logfile", format!("logfile {logfile}"))],
        );
    }
    if c.is_yes("syslog-enabled") {
        return Outcome::pass(
            "logs go to syslog",
            vec![ev("syslog-enabled", "syslog-enabled yes".into())],
        );
    }
    let mut evidence = vec![
        ev("logfile", format!("logfile {logfile:?}")),
        ev("syslog-enabled", "syslog-enabled no".into()),
    ];
    let supervised = c.value("supervised").to_ascii_lowercase();
    if !c.is_yes("daemonize") && (supervised == "systemd" || supervised == "auto") {
        evidence.push(ev(
            "supervised",
            format!("supervised {supervised}, daemonize no"),
        ));
        return Outcome::warn(
            "no log file: logs go to standard output (the systemd journal under systemd)",
            evidence,
        );
    }
    Outcome::fail(
        if logfile == "/dev/null" {
            "logs are discarded (logfile /dev/null)"
        } else {
            "no log file and no syslog: logs go to standard output only"
        },
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Fail);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("logfile /var/log/redis/r.log\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("syslog-enabled yes\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("supervised systemd\n")),
            Status::Warn
        );
    }
}
