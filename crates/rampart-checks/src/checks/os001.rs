use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{Avail, Snapshot};

check! {
    /// The server does not run as root.
    ///
    /// **What.** The uid of the running `redis-server` / `valkey-server` /
    /// `redis-sentinel` process that serves the audited config, read from
    /// /proc on this host. uid 0 fails. No such process on this host: skip.
    ///
    /// **Why.** Redis can be made to write files (CONFIG SET dir +
    /// dbfilename + SAVE) and load modules; as root that is the whole host.
    ///
    /// **References.** Redis security docs; checklist "Ensure Redis is run as
    /// a non-privileged user".
    id: "OS001",
    title: "The server does not run as root",
    severity: High,
    sources: [Proc],
    refs: [Nist80053("AC-6"), Nist80053("CM-6")],
    remediation: "Run the server as a dedicated account (`User=redis` in the systemd unit, `USER redis` in a container image) that owns only the Redis files.",
    fix: crate::fix::FixRule::DisplayOnly("the service must be reconfigured to run as an unprivileged user (service manager, file ownership)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let p = match &s.proc {
        Avail::Present(p) => p,
        Avail::Absent(r) => return Outcome::skip(r.clone()),
        Avail::Failed(e) => return Outcome::error(e.clone()),
    };
    if p.processes.is_empty() {
        return Outcome::skip("no running server process for this target was found on this host");
    }
    let mut bad = Vec::new();
    let mut good = Vec::new();
    for proc in &p.processes {
        let who = proc.user.clone().unwrap_or_else(|| proc.uid.to_string());
        let e = Evidence::new(
            Source::Proc,
            format!("/proc/{} ({})", proc.pid, proc.exe),
            format!("uid {} ({who})", proc.uid),
            "a non-root uid",
        );
        if proc.uid == 0 {
            bad.push(e);
        } else {
            good.push(e);
        }
    }
    if bad.is_empty() {
        Outcome::pass("the server runs as an unprivileged user", good)
    } else {
        Outcome::fail("the server runs as root", bad)
    }
}
