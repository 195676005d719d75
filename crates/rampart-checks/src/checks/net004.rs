use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{Snapshot, UnauthProbe, LIVE_ABSENT};

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
    refs: [Nist80053("IA-2"), Nist80053("AC-14")],
    remediation: "Require authentication: `user default off` (with ACL users) or a strong password on the default user, then verify with `redis-cli -h HOST -p PORT PING` (must answer NOAUTH).",
    fix: crate::fix::FixRule::DisplayOnly("requiring authentication needs a password or ACL users (a secret) and every client updated"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let l = match &s.live {
        crate::Avail::Present(l) => l,
        crate::Avail::Absent(r) if r == LIVE_ABSENT => {
            return Outcome::skip(format!(
                "{LIVE_ABSENT}; ACL001 and NET002 judge the same risk from the files"
            ))
        }
        crate::Avail::Absent(r) => return Outcome::skip(r.clone()),
        crate::Avail::Failed(e) => return Outcome::error(e.clone()),
    };
    let loc = format!("{} (connection without credentials)", l.endpoint);
    match &l.unauth {
        Some(UnauthProbe::Refused(e)) => Outcome::pass(
            "a client without credentials is refused",
            vec![Evidence::new(
                Source::Live,
                loc,
                format!("PING answered {e}"),
                "NOAUTH or DENIED",
            )],
        ),
        Some(UnauthProbe::Open(what)) => Outcome::fail(
            "a client without credentials can run commands",
            vec![Evidence::new(
                Source::Live,
                loc,
                what.clone(),
                "NOAUTH or DENIED",
            )],
        ),
        Some(UnauthProbe::Failed(e)) => {
            Outcome::error(format!("the unauthenticated probe failed: {e}"))
        }
        None => Outcome::skip("the unauthenticated probe was not run"),
    }
}
