//! One file per check; the registry below lists them in catalogue order.

use crate::model::Outcome;
use crate::registry::Check;
use crate::snapshot::{AclFacts, Avail, ConfFacts, Snapshot};

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

pub(crate) fn acl(s: &Snapshot) -> Result<&AclFacts, Outcome> {
    need(&s.acl)
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
pub(crate) fn tls_enabled(c: &ConfFacts) -> bool {
    c.number("tls-port") != 0 || c.is_yes("tls-replication") || c.is_yes("tls-cluster")
}

/// Skip outcome for measured checks in a files-only audit.
pub(crate) fn skip_unless_tls(c: &ConfFacts) -> Result<(), Outcome> {
    if tls_enabled(c) {
        Ok(())
    } else {
        Err(Outcome::skip(format!(
            "TLS is not enabled ({}: tls-port is 0); see TLS001",
            c.location("tls-port")
        )))
    }
}

#[cfg(test)]
pub(crate) mod test_support;
