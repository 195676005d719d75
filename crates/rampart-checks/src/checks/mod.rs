//! One file per check; the registry below lists them in catalogue order.

use crate::model::{Evidence, Outcome, Source};
use crate::registry::Check;
use crate::snapshot::{AclFacts, Avail, ConfFacts, LiveFacts, Snapshot};

mod acl001;
mod acl002;
mod acl003;
mod acl004;
mod acl005;
mod acl006;
mod acl007;
mod acl008;
mod acl009;
mod acl010;
mod acl011;
mod clu001;
mod clu002;
mod cluster;
mod data001;
mod data002;
mod data003;
mod fsutil;
mod log001;
mod log002;
mod log003;
mod mnt001;
mod mnt002;
mod net001;
mod net002;
mod net003;
mod net004;
mod net005;
mod os001;
mod os002;
mod os003;
mod os004;
mod sentinel_conf;
mod tls001;
mod tls002;
mod tls003;
mod tls004;
mod tls005;
mod tls006;
mod tls007;
mod tls008;
mod tls009;
mod tls010;
mod users;
mod ver001;
mod ver002;

pub(crate) static REGISTRY: &[&Check] = &[
    &net001::CHECK,
    &net002::CHECK,
    &net003::CHECK,
    &net004::CHECK,
    &net005::CHECK,
    &acl001::CHECK,
    &acl002::CHECK,
    &acl003::CHECK,
    &acl004::CHECK,
    &acl005::CHECK,
    &acl006::CHECK,
    &acl007::CHECK,
    &acl008::CHECK,
    &acl009::CHECK,
    &acl010::CHECK,
    &acl011::CHECK,
    &tls001::CHECK,
    &tls002::CHECK,
    &tls003::CHECK,
    &tls004::CHECK,
    &tls005::CHECK,
    &tls006::CHECK,
    &tls007::CHECK,
    &tls008::CHECK,
    &tls009::CHECK,
    &tls010::CHECK,
    &os001::CHECK,
    &os002::CHECK,
    &os003::CHECK,
    &os004::CHECK,
    &log001::CHECK,
    &log002::CHECK,
    &log003::CHECK,
    &data001::CHECK,
    &data002::CHECK,
    &data003::CHECK,
    &clu001::CHECK,
    &clu002::CHECK,
    &ver001::CHECK,
    &ver002::CHECK,
    &mnt001::CHECK,
    &mnt002::CHECK,
];

/// The facts of a source, or the skip/error outcome that explains why
/// they are missing.
pub(crate) fn need<T>(a: &Avail<T>) -> Result<&T, Outcome> {
    match a {
        Avail::Present(t) => Ok(t),
        Avail::Absent(reason) => Err(Outcome::skip(reason.clone())),
        Avail::Failed(err) => Err(Outcome::error(err.clone())),
    }
}

pub(crate) fn conf(s: &Snapshot) -> Result<&ConfFacts, Outcome> {
    need(&s.conf)
}

/// The users: the running server's (ACL LIST) when rampart could read
/// them, else the ones built from the files.
pub(crate) fn acl(s: &Snapshot) -> Result<&AclFacts, Outcome> {
    match (&s.acl_live, &s.acl) {
        (Avail::Present(a), _) => Ok(a),
        (_, Avail::Present(a)) => Ok(a),
        (Avail::Failed(e), Avail::Absent(_)) => Err(Outcome::error(e.clone())),
        (_, other) => need(other),
    }
}

/// Config parameters as the server runs them: CONFIG GET on a live
/// server when it answered, else the config file's effective value. Where
/// both exist and differ, the evidence says so (drift).
pub(crate) struct Settings<'a> {
    conf: Option<&'a ConfFacts>,
    live: Option<&'a LiveFacts>,
    /// The server was reached but CONFIG GET failed (NOPERM, renamed):
    /// `(endpoint, why)`. The file's values stand in, and evidence says so.
    denied: Option<(&'a str, &'a str)>,
}

impl<'a> Settings<'a> {
    fn live_value(&self, name: &str) -> Option<&'a str> {
        self.live.and_then(|l| l.config(name))
    }

    /// The effective value ("" when neither source knows it).
    pub fn value(&self, name: &str) -> String {
        if let Some(v) = self.live_value(name) {
            return v.to_string();
        }
        self.conf.map(|c| c.value(name)).unwrap_or_default()
    }
    pub fn is_yes(&self, name: &str) -> bool {
        self.value(name).eq_ignore_ascii_case("yes")
    }
    /// A numeric setting: 0 when unset; one that is not a number turns the
    /// check into an error naming it (never a verdict on a made-up 0).
    pub fn number(&self, name: &str) -> i64 {
        crate::snapshot::parse_number(name, &self.value(name), &self.location(name))
    }
    /// Whether the value comes from the running server.
    pub fn is_live(&self, name: &str) -> bool {
        self.live_value(name).is_some()
    }
    /// The config file, if one was read.
    pub fn conf(&self) -> Option<&'a ConfFacts> {
        self.conf
    }
    /// Whether the config file sets this parameter explicitly.
    pub fn set_in_file(&self, name: &str) -> bool {
        self.conf.is_some_and(|c| c.is_set(name))
    }
    /// Where the value comes from, for messages.
    pub fn location(&self, name: &str) -> String {
        match (self.live, self.live_value(name), self.conf) {
            (Some(l), Some(_), _) => format!("CONFIG GET {name} on {}", l.endpoint),
            (_, _, Some(c)) => c.location(name),
            _ => name.to_string(),
        }
    }
    /// Evidence for a parameter: the live value (or the file line), plus a
    /// drift line when the file says something else.
    pub fn evidence(
        &self,
        name: &str,
        observed: impl Into<String>,
        expected: &str,
    ) -> Vec<Evidence> {
        let observed = observed.into();
        let mut out = Vec::new();
        let file_ev = |c: &ConfFacts, observed: String| c.evidence(name, observed, expected);
        match (self.live, self.live_value(name)) {
            (Some(l), Some(live_value)) => {
                out.push(Evidence::new(
                    Source::Live,
                    format!("CONFIG GET {name} on {}", l.endpoint),
                    observed,
                    expected,
                ));
                if let Some(c) = self.conf {
                    let file_value = c.value(name);
                    if !redis_conf::SECRET_CONFIGS.contains(&name)
                        && c.effective(name).is_some()
                        && file_value != live_value
                    {
                        out.push(file_ev(
                            c,
                            format!("drift: the file gives {name} {file_value:?}, the running server has {live_value:?}"),
                            ),
                        );
                    }
                }
            }
            _ => {
                if let Some(c) = self.conf {
                    out.push(file_ev(c, observed));
                }
                if let Some((endpoint, why)) = self.denied {
                    out.push(Evidence::new(
                        Source::Live,
                        format!("CONFIG GET {name} on {endpoint}"),
                        format!("not readable ({why}): the config file's value is used, the running value is unverified"),
                        expected,
                    ));
                }
            }
        }
        out
    }
}

/// The settings view, or the outcome that explains why there is none.
pub(crate) fn settings(s: &Snapshot) -> Result<Settings<'_>, Outcome> {
    let live = s.live.get().filter(|l| l.config.is_ok());
    let denied = s.live.get().and_then(|l| match &l.config {
        Err(why) => Some((l.endpoint.as_str(), why.as_str())),
        Ok(_) => None,
    });
    match (&s.conf, live) {
        (Avail::Present(c), live) => Ok(Settings {
            conf: Some(c),
            live,
            denied,
        }),
        (_, Some(l)) => Ok(Settings {
            conf: None,
            live: Some(l),
            denied: None,
        }),
        (Avail::Failed(e), None) => Err(Outcome::error(e.clone())),
        (Avail::Absent(_), None) if matches!(s.live, Avail::Failed(_)) => Err(live_outcome(s, "")),
        (Avail::Absent(r), None) => Err(Outcome::skip(match s.live.get() {
            // A Sentinel has no CONFIG command: nothing failed.
            Some(l) if l.info("redis_mode") == Some("sentinel") => r.clone(),
            Some(l) => match &l.config {
                Err(e) => format!("CONFIG GET failed on the server ({e}) and {r}"),
                Ok(_) => r.clone(),
            },
            None => r.clone(),
        })),
    }
}

/// Unwrap a `Result<T, Outcome>` or return the outcome.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(o) => return o,
        }
    };
}
pub(crate) use tri;

/// Whether TLS is configured at all (a TLS port, or TLS for replication or the cluster bus).
/// The fix that turns on a TLS link setting (`tls-replication`,
/// `tls-cluster`): unsafe, and display-only while the server has no
/// certificate and key (Redis would refuse to start).
pub(crate) fn tls_link_fix(
    s: &Snapshot,
    remediation: &'static str,
    directive: &str,
    why_unsafe: &'static str,
) -> crate::fix::Fix {
    use crate::fix::{Fix, Safety};
    let Ok(st) = settings(s) else {
        return Fix::display_only(remediation, "no settings were read");
    };
    if st.value("tls-cert-file").is_empty() || st.value("tls-key-file").is_empty() {
        return Fix::display_only(
            remediation,
            "needs a certificate and key (tls-cert-file, tls-key-file): Redis refuses to start with TLS on and none",
        );
    }
    Fix::builder(Safety::Unsafe, format!("{directive} yes"), why_unsafe)
        .set(s.conf.get(), directive, &["yes"])
        .build(remediation)
}

/// `syslog-enabled yes` (LOG001, LOG003): safe, it only adds a log
/// destination.
pub(crate) fn syslog_fix(s: &Snapshot, remediation: &'static str) -> crate::fix::Fix {
    use crate::fix::{Fix, Safety};
    Fix::builder(
        Safety::Safe,
        "syslog-enabled yes",
        "only adds a log destination: no client, command or data is affected",
    )
    .set(s.conf.get(), "syslog-enabled", &["yes"])
    .build(remediation)
}

pub(crate) fn tls_enabled(st: &Settings) -> bool {
    st.number("tls-port") != 0 || st.is_yes("tls-replication") || st.is_yes("tls-cluster")
}

/// Skip outcome for TLS checks where TLS is off.
pub(crate) fn skip_unless_tls(st: &Settings) -> Result<(), Outcome> {
    if tls_enabled(st) {
        Ok(())
    } else {
        Err(Outcome::skip(format!(
            "TLS is not enabled ({}: tls-port is 0); see TLS001",
            st.location("tls-port")
        )))
    }
}

#[cfg(test)]
pub(crate) mod test_support;

/// Whether this server replicates from a master: from INFO replication when
/// live (`role:slave`), else the file's `replicaof`. Returns the evidence.
pub(crate) fn replica_of(s: &Snapshot) -> Option<Evidence> {
    if let Some(l) = s.live.get() {
        if let Some(role) = l.info("role") {
            if role != "slave" {
                return None;
            }
            let master = format!(
                "{}:{}",
                l.info("master_host").unwrap_or("?"),
                l.info("master_port").unwrap_or("?")
            );
            return Some(Evidence::new(
                Source::Live,
                format!("INFO replication on {}", l.endpoint),
                format!(
                    "role:slave, master {master}, link {}",
                    l.info("master_link_status").unwrap_or("?")
                ),
                "a replica",
            ));
        }
    }
    let c = s.conf.get()?;
    let d = c.replicaof()?;
    Some(Evidence::at(
        Source::Conf,
        &d.span,
        format!("replicaof {}", d.joined()),
        "a replica",
    ))
}

/// The outcome of a live-only check when there are no live facts: the
/// collection error, or a skip that says what would be needed.
pub(crate) fn live_outcome(s: &Snapshot, needed_for: &str) -> Outcome {
    match &s.live {
        Avail::Failed(e) => Outcome::error(e.clone()),
        Avail::Absent(r) if needed_for.is_empty() => Outcome::skip(r.clone()),
        Avail::Absent(r) => Outcome::skip(format!("{r} ({needed_for})")),
        Avail::Present(_) => Outcome::skip(format!(
            "the live facts lack what this check needs ({needed_for})"
        )),
    }
}

/// The TCP sockets the audited server's process listens on, when a live
/// audit on this host read them from /proc/net: (pid, sockets).
pub(crate) fn listening_sockets(s: &Snapshot) -> Option<(u32, &[(std::net::IpAddr, u16)])> {
    s.live.get()?;
    let p = s.proc.get()?.processes.first()?;
    Some((p.pid, p.listening.as_deref()?))
}

/// The command table for the users of this snapshot: the live server's own
/// when it could be read, else the files' (their version's, as
/// `rename-command` leaves it), else the table of the snapshot's version.
pub(crate) fn command_table(s: &Snapshot) -> &redis_acl::CommandTable {
    match (&s.acl_live, s.live.get()) {
        (Avail::Present(_), Some(l)) => l.table(),
        _ => match (s.file_table.as_deref(), &s.version) {
            (Some(t), _) => t,
            (None, Some(v)) => redis_acl::CommandTable::of_dialect(v.dialect),
            (None, None) => redis_acl::CommandTable::redis_7_0(),
        },
    }
}
