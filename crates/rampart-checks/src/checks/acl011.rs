use super::{need, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;
use std::collections::BTreeMap;

check! {
    /// Sentinel authenticates with dedicated ACL users.
    ///
    /// **What.** In sentinel.conf, every monitored master has
    /// `sentinel auth-user <master> <user>` (with `auth-pass`), so Sentinel
    /// logs in to the data nodes as a dedicated user rather than `default`;
    /// and `sentinel sentinel-user` is set, so sentinels log in to each
    /// other as a dedicated user. Needs `--sentinel-config`.
    ///
    /// **Why.** A dedicated Sentinel user can be limited to what Sentinel
    /// needs (see the Sentinel docs' ACL example) instead of `+@all`.
    ///
    /// **References.** Redis Sentinel docs "Redis Access Control List
    /// authentication"; seed checklist "Ensure that sentinel auth-user is
    /// used if you are using sentinel".
    id: "ACL011",
    title: "Sentinel authenticates with dedicated ACL users",
    severity: High,
    sources: [Conf],
    remediation: "On the data nodes create a Sentinel user (`user sentinel on #<sha256> allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill`); in sentinel.conf set `sentinel auth-user <master> sentinel`, `sentinel auth-pass <master> <password>`, and `sentinel sentinel-user` / `sentinel sentinel-pass` for sentinel-to-sentinel links.",
    fix: crate::fix::FixRule::DisplayOnly("needs a Sentinel ACL user and its password (a secret)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let sf = match &s.sentinel {
        crate::Avail::Absent(_) => return Outcome::skip("no sentinel.conf given (use --sentinel-config); not a Sentinel deployment as far as the files show"),
        other => tri!(need(other)),
    };
    let mut masters: BTreeMap<String, (redis_conf::Span, bool, bool)> = BTreeMap::new();
    let mut sentinel_user = None;
    for d in sf.config.all("sentinel") {
        let sub = d
            .args
            .first()
            .map(|x| x.to_ascii_lowercase())
            .unwrap_or_default();
        let name = d.args.get(1).cloned().unwrap_or_default();
        match sub.as_str() {
            "monitor" => {
                masters
                    .entry(name)
                    .or_insert((d.span.clone(), false, false));
            }
            "auth-user" => {
                if let Some(m) = masters.get_mut(&name) {
                    m.1 = true;
                } else {
                    masters.insert(name, (d.span.clone(), true, false));
                }
            }
            "auth-pass" => {
                if let Some(m) = masters.get_mut(&name) {
                    m.2 = true;
                } else {
                    masters.insert(name, (d.span.clone(), false, true));
                }
            }
            "sentinel-user" => sentinel_user = Some(d.span.clone()),
            _ => {}
        }
    }
    if masters.is_empty() {
        return Outcome::skip("sentinel.conf monitors no master");
    }
    let mut bad = Vec::new();
    let mut good = Vec::new();
    for (name, (span, user, pass)) in &masters {
        let observed = match (user, pass) {
            (true, true) => format!("master {name}: auth-user and auth-pass set"),
            (true, false) => format!("master {name}: auth-user without auth-pass"),
            (false, true) => format!("master {name}: auth-pass only (logs in as default)"),
            (false, false) => format!("master {name}: no authentication"),
        };
        let e = Evidence::at(
            Source::Conf,
            span,
            observed,
            "sentinel auth-user and auth-pass",
        );
        if *user && *pass {
            good.push(e);
        } else {
            bad.push(e);
        }
    }
    match &sentinel_user {
        Some(span) => good.push(Evidence::at(
            Source::Conf,
            span,
            "sentinel-user set",
            "sentinel sentinel-user",
        )),
        None => bad.push(Evidence::file(
            Source::Conf,
            &sf.path,
            "sentinel-user not set",
            "sentinel sentinel-user <user>",
        )),
    }
    if bad.is_empty() {
        Outcome::pass(
            "Sentinel uses dedicated users for masters and for other sentinels",
            good,
        )
    } else {
        Outcome::fail(
            "Sentinel does not authenticate with dedicated ACL users everywhere",
            bad,
        )
    }
}
