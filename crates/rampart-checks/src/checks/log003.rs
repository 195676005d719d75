use super::{settings, tri};
use crate::fix::Fix;
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Logs are sent to syslog.
    ///
    /// **What.** `syslog-enabled yes` (with `syslog-ident` and
    /// `syslog-facility`), so logs can be forwarded to a central, tamper-
    /// resistant collector. A "consider" item: not meeting it warns.
    ///
    /// **Why.** Logs kept only on the Redis host are lost with it, and can
    /// be erased by whoever compromised it.
    ///
    /// **References.** redis.conf "syslog-enabled"; checklist "Consider
    /// sending Redis log files to syslog".
    id: "LOG003",
    title: "Logs are sent to syslog",
    severity: Low,
    sources: [Conf, Live],
    refs: [Nist80053("AU-4(1)"), Nist80053("AU-9(2)")],
    remediation: "Set `syslog-enabled yes`, `syslog-ident redis`, `syslog-facility local0`, and forward that facility to your log collector.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let v = st.value("syslog-enabled");
    let ev = st.evidence(
        "syslog-enabled",
        format!("syslog-enabled {v}"),
        "syslog-enabled yes",
    );
    if v.eq_ignore_ascii_case("yes") {
        Outcome::pass(
            format!(
                "logs go to syslog (facility {})",
                st.value("syslog-facility")
            ),
            ev,
        )
    } else {
        Outcome::warn("logs are not sent to syslog", ev)
    }
}

fn fix(s: &Snapshot) -> Fix {
    super::syslog_fix(s, CHECK.remediation)
}
