use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{Snapshot, LIVE_ABSENT};

check! {
    /// An unauthenticated client cannot run commands.
    ///
    /// **What.** rampart connects without credentials and sends PING and
    /// INFO: both must be refused with `-NOAUTH` (or `-DENIED` by protected
    /// mode). Files cannot prove this: an `ACL SETUSER default nopass` at
    /// runtime, or a missing `user default` line in an ACL file, opens the
    /// server whatever redis.conf says.
    ///
    /// **Why.** An open Redis is full remote access to the data and, through
    /// CONFIG SET / MODULE LOAD / replication tricks, often to the host.
    ///
    /// **References.** Redis security docs "Authentication".
    id: "NET004",
    title: "Unauthenticated clients are refused",
    severity: Critical,
    sources: [Live],
    remediation: "Require authentication: `user default off` (with ACL users) or a strong password on the default user, then verify with `redis-cli -h HOST -p PORT PING` (must answer NOAUTH).",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    match &s.live {
        crate::Avail::Present(_) => {
            Outcome::skip("the live unauthenticated probe is not implemented yet")
        }
        crate::Avail::Absent(r) if r == LIVE_ABSENT => Outcome::skip(format!(
            "{LIVE_ABSENT}; ACL001 and NET002 judge the same risk from the files"
        )),
        crate::Avail::Absent(r) => Outcome::skip(r.clone()),
        crate::Avail::Failed(e) => Outcome::error(e.clone()),
    }
}
