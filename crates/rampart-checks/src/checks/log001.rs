use super::{settings, tri};
use crate::fix::Fix;
use crate::model::Outcome;
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
    refs: [Nist80053("AU-2"), Nist80053("AU-12")],
    remediation: "Set `logfile /var/log/redis/redis-server.log` (a directory the server user can write) or `syslog-enabled yes`.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let logfile = st.value("logfile");
    let expected = "logfile set or syslog-enabled yes";
    if !logfile.is_empty() && logfile != "/dev/null" {
        return Outcome::pass(
            format!("logs go to {logfile}"),
            st.evidence("logfile", format!("logfile {logfile}"), expected),
        );
    }
    if st.is_yes("syslog-enabled") {
        return Outcome::pass(
            "logs go to syslog",
            st.evidence("syslog-enabled", "syslog-enabled yes", expected),
        );
    }
    let mut evidence = st.evidence("logfile", format!("logfile {logfile:?}"), expected);
    evidence.extend(st.evidence("syslog-enabled", "syslog-enabled no", expected));
    let supervised = st.value("supervised").to_ascii_lowercase();
    if !st.is_yes("daemonize") && (supervised == "systemd" || supervised == "auto") {
        evidence.extend(st.evidence(
            "supervised",
            format!("supervised {supervised}, daemonize no"),
            expected,
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

/// Syslog, not a log file: a `logfile` in a directory the server cannot
/// write stops Redis from starting, syslog(3) never does.
fn fix(s: &Snapshot) -> Fix {
    super::syslog_fix(s, CHECK.remediation)
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
