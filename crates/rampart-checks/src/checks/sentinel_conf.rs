//! A Sentinel's own listener and users, read from its sentinel.conf in the
//! Sentinel dialect (port 26379 and `protected-mode no` by default). A
//! Sentinel listens and takes commands like any server, so NET001, NET002
//! and ACL001 judge it too, next to the data node they judge.

use super::Settings;
use crate::model::{Evidence, Outcome, Source, Status};
use crate::snapshot::{AclFacts, Avail, ConfFacts, Snapshot, UserEntry};
use redis_conf::Format;

/// The sentinel.conf of the snapshot, ready to be judged.
pub(crate) struct SentinelConf {
    /// The file as a config (the path and every directive).
    pub cf: ConfFacts,
}

/// The sentinel.conf, `None` when none was given, or the outcome that
/// says why it could not be read.
pub(crate) fn sentinel_conf(s: &Snapshot) -> Option<Result<SentinelConf, Outcome>> {
    match &s.sentinel {
        Avail::Present(sf) => Some(Ok(SentinelConf {
            cf: ConfFacts {
                path: sf.path.clone(),
                config: sf.config.clone(),
            },
        })),
        Avail::Failed(e) => Some(Err(Outcome::error(format!(
            "the sentinel.conf could not be read: {e}"
        )))),
        Avail::Absent(_) => None,
    }
}

/// Whether the live server of the snapshot is a Sentinel.
pub(crate) fn live_is_sentinel(s: &Snapshot) -> bool {
    s.live.get().and_then(|l| l.info("redis_mode")) == Some("sentinel")
}

impl SentinelConf {
    /// `Sentinel /etc/redis/sentinel.conf`, for messages.
    pub fn label(&self) -> String {
        format!("Sentinel {}", self.cf.path.display())
    }

    /// The effective value in the Sentinel dialect ("" when unknown).
    pub fn value(&self, name: &str) -> String {
        self.cf
            .config
            .effective_for(name, Format::Sentinel)
            .map(|e| e.value)
            .unwrap_or_default()
    }

    /// Evidence at the line that sets `name`, or at the file when the
    /// Sentinel default applies.
    pub fn evidence(&self, name: &str, observed: String, expected: &str) -> Evidence {
        match self
            .cf
            .config
            .effective_for(name, Format::Sentinel)
            .and_then(|e| e.span)
        {
            Some(span) => Evidence::at(Source::Conf, &span, observed, expected),
            None => Evidence::new(
                Source::Conf,
                format!(
                    "{} ({name} not set: Sentinel default)",
                    self.cf.path.display()
                ),
                observed,
                expected,
            ),
        }
    }

    /// The file as settings, for verdicts whose Sentinel defaults are the
    /// server's (`bind`).
    pub fn settings(&self) -> Settings<'_> {
        Settings {
            conf: Some(&self.cf),
            live: None,
            denied: None,
        }
    }

    /// The Sentinel's users at startup: `user` lines, else the default
    /// user with `requirepass` (as a Sentinel builds them).
    pub fn users(&self, table: &redis_acl::CommandTable) -> Result<AclFacts, Outcome> {
        match crate::aclbuild::build_acl_facts_with(&self.cf, None, table) {
            Avail::Present(a) => Ok(a),
            Avail::Failed(e) | Avail::Absent(e) => Err(Outcome::error(format!(
                "the Sentinel's users cannot be built from {}: {e}",
                self.cf.path.display()
            ))),
        }
    }

    /// Evidence for one of the Sentinel's users.
    pub fn user_evidence(&self, u: &UserEntry, observed: String, expected: &str) -> Evidence {
        match &u.span {
            Some(span) => Evidence::at(u.source, span, observed, expected),
            None => Evidence::new(
                Source::Conf,
                format!(
                    "{} (no `user {}` line and no requirepass: the Sentinel's built-in default user)",
                    self.cf.path.display(),
                    u.user.name
                ),
                observed,
                expected,
            ),
        }
    }
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Skip => 0,
        Status::Pass => 1,
        Status::Manual => 2,
        Status::Warn => 3,
        Status::Fail => 4,
        Status::Error => 5,
    }
}

/// The data node's outcome and the Sentinel's as one: the worse status
/// decides, both messages and all evidence are kept (the deciding one
/// first). A skipped node part (a Sentinel audited on its own) leaves the
/// Sentinel's outcome alone.
pub(crate) fn combine(
    node: Outcome,
    node_label: &str,
    sentinel: Option<(String, Outcome)>,
) -> Outcome {
    let Some((label, so)) = sentinel else {
        return node;
    };
    if node.status == Status::Skip {
        return Outcome::new(so.status, format!("{label}: {}", so.message), so.evidence);
    }
    if rank(so.status) > rank(node.status) {
        let mut ev = so.evidence;
        ev.extend(node.evidence);
        Outcome::new(
            so.status,
            format!("{label}: {}; {node_label}: {}", so.message, node.message),
            ev,
        )
    } else {
        let mut ev = node.evidence;
        ev.extend(so.evidence);
        Outcome::new(
            node.status,
            format!("{node_label}: {}; {label}: {}", node.message, so.message),
            ev,
        )
    }
}

/// What the data node's part is called in a combined message.
pub(crate) fn node_label(s: &Snapshot) -> String {
    match s.conf.get() {
        Some(c) => c.path.display().to_string(),
        None => s.target.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::checks::test_support::{conf_snapshot, message_of, status_of};
    use crate::checks::{acl001, clu001, net001, net002};
    use crate::snapshot::{Avail, SentinelFacts, Snapshot};
    use crate::Status;
    use redis_conf::{Config, Format, LoadOptions};
    use std::path::Path;

    /// A data node that passes NET001, NET002 and ACL001 alone, with a
    /// sentinel.conf given as text.
    fn with_sentinel(text: &str) -> Snapshot {
        let mut s = conf_snapshot("bind 127.0.0.1 -::1\nuser default off\n");
        let opts = LoadOptions {
            format: Format::Sentinel,
            ..LoadOptions::default()
        };
        s.sentinel = Avail::Present(SentinelFacts {
            path: "sentinel.conf".into(),
            config: Config::parse_str(Path::new("sentinel.conf"), text, &opts),
        });
        s
    }

    const MONITOR: &str = "sentinel monitor mymaster 127.0.0.1 7000 2\n";

    #[test]
    fn a_sentinel_is_judged_in_its_own_dialect() {
        // No protected-mode line: a Sentinel's default is off.
        let s = with_sentinel(MONITOR);
        assert_eq!(status_of(&net001::CHECK, &s), Status::Fail);
        assert_eq!(status_of(&net002::CHECK, &s), Status::Fail);
        assert_eq!(status_of(&acl001::CHECK, &s), Status::Fail);
        assert!(message_of(&net002::CHECK, &s).starts_with("Sentinel sentinel.conf:"));
        assert_eq!(status_of(&clu001::CHECK, &s), Status::Manual);

        let s = with_sentinel(&format!("{MONITOR}bind 127.0.0.1\nprotected-mode yes\n"));
        assert_eq!(status_of(&net001::CHECK, &s), Status::Pass);
        assert_eq!(status_of(&net002::CHECK, &s), Status::Pass);
        assert_eq!(status_of(&acl001::CHECK, &s), Status::Fail);

        let s = with_sentinel(&format!(
            "{MONITOR}bind 10.0.0.4 127.0.0.1\nrequirepass 9f2c1e7a4b8d3f60a1e5c9b2\n"
        ));
        assert_eq!(status_of(&net002::CHECK, &s), Status::Pass);
        assert_eq!(status_of(&acl001::CHECK, &s), Status::Pass);

        let s = with_sentinel(&format!(
            "{MONITOR}user default off\nuser admin on >9f2c1e7a4b8d3f60a1e5c9b2 ~* &* +@all\n"
        ));
        assert_eq!(status_of(&acl001::CHECK, &s), Status::Pass);
        let s = with_sentinel(&format!(
            "{MONITOR}user default off\nuser ops on nopass +@all\n"
        ));
        assert_eq!(status_of(&acl001::CHECK, &s), Status::Fail);
        // Even known-sentinel lines do not decide CLU001 from a file.
        let s = with_sentinel(&format!(
            "{MONITOR}sentinel known-sentinel mymaster 127.0.0.1 26380 1bc2ba4e2ef65f2a0c1b2c9c0e41e2d1aa3c1f52\nsentinel known-sentinel mymaster 127.0.0.1 26381 2bc2ba4e2ef65f2a0c1b2c9c0e41e2d1aa3c1f52\n"
        ));
        assert_eq!(status_of(&clu001::CHECK, &s), Status::Manual);
    }
}
