use super::{conf, need, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{resolve, Snapshot};

check! {
    /// The log file is rotated.
    ///
    /// **What.** A logrotate rule on this host (`/etc/logrotate.conf` and
    /// `/etc/logrotate.d/*`) whose path pattern matches the configured
    /// `logfile`, and the logrotate program installed to run it (Debian's
    /// redis-server package ships the rule even where logrotate is not
    /// installed). No log file (syslog or stdout only): skip.
    ///
    /// **Why.** An unrotated log grows until the disk is full, and a full
    /// disk stops RDB/AOF persistence.
    ///
    /// **References.** logrotate(8); checklist "Ensure the Redis Log file is rotated".
    id: "LOG002",
    title: "The log file is rotated",
    severity: Low,
    sources: [Conf, Os],
    refs: [Nist80053("AU-4"), Nist80053("AU-11")],
    remediation: "Add a logrotate rule, e.g. `/etc/logrotate.d/redis-server`: `/var/log/redis/redis-server*.log { weekly  rotate 12  compress  delaycompress  missingok  notifempty  copytruncate }` (Redis keeps the file open: use copytruncate).",
    fix: crate::fix::FixRule::DisplayOnly("a logrotate rule is host configuration outside redis.conf"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(conf(s));
    let logfile = c.value("logfile");
    if logfile.is_empty() || logfile == "/dev/null" {
        return Outcome::skip("no log file is configured (see LOG001)");
    }
    let os = tri!(need(&s.os));
    let rules = match &os.logrotate {
        Ok(r) => r,
        Err(e) => return Outcome::error(format!("cannot read the logrotate configuration: {e}")),
    };
    let base = c.path.parent().unwrap_or(std::path::Path::new("/"));
    let dir = c.value("dir");
    let base = if dir.starts_with('/') {
        std::path::Path::new(&dir)
    } else {
        base
    };
    let path = resolve(base, &logfile);
    let path_str = path.to_string_lossy();
    let log_ev = c.evidence(
        "logfile",
        format!("logfile {logfile}"),
        "a logrotate rule matching it",
    );
    for r in rules {
        let matches = glob::Pattern::new(&r.pattern)
            .map(|p| p.matches(&path_str))
            .unwrap_or(false)
            || r.pattern == path_str;
        if matches {
            let rule_ev = Evidence {
                source: Source::Os,
                location: format!("{}:{}", r.file.display(), r.line),
                observed: format!("logrotate rule {}", r.pattern),
                expected: "a rule matching the log file".into(),
                file: Some(r.file.clone()),
                line: Some(r.line),
            };
            let Some(bin) = &os.logrotate_binary else {
                return Outcome::fail(
                    format!("a logrotate rule matches {}, but logrotate is not installed on this host: nothing rotates it", path.display()),
                    vec![log_ev, rule_ev, Evidence::new(Source::Os, "/usr/sbin/logrotate", "not installed", "logrotate installed and scheduled")],
                );
            };
            return Outcome::pass(
                format!(
                    "{} is rotated by a logrotate rule ({} is installed)",
                    path.display(),
                    bin.display()
                ),
                vec![log_ev, rule_ev],
            );
        }
    }
    let read: Vec<String> = os
        .logrotate_files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    Outcome::fail(
        format!("no logrotate rule on this host matches {}", path.display()),
        vec![
            log_ev,
            Evidence::new(
                Source::Os,
                if read.is_empty() {
                    "/etc/logrotate.d".to_string()
                } else {
                    read.join(", ")
                },
                format!("{} rule(s) read, none matches", rules.len()),
                "a rule matching the log file",
            ),
        ],
    )
}
