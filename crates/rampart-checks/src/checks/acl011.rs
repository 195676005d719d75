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
    /// other as a dedicated user. Read from sentinel.conf (`--sentinel-config`,
    /// or the file a Sentinel on this host names); for a Sentinel audited
    /// over the network only, from the Sentinel itself (`SENTINEL CONFIG GET
    /// sentinel-user`) and from each master audited in the same run: the
    /// user the Sentinel's link is logged in as in the master's CLIENT LIST.
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
    sources: [Conf, Live],
    refs: [Nist80053("IA-9"), Nist80053("AC-6")],
    remediation: "On the data nodes create a Sentinel user (`user sentinel on #<sha256> allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill`); in sentinel.conf set `sentinel auth-user <master> sentinel`, `sentinel auth-pass <master> <password>`, and `sentinel sentinel-user` / `sentinel sentinel-pass` for sentinel-to-sentinel links.",
    fix: crate::fix::FixRule::DisplayOnly("needs a Sentinel ACL user and its password (a secret)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let sf = match &s.sentinel {
        crate::Avail::Absent(_) => {
            if let Some((l, ls)) = s.live.get().and_then(|l| Some((l, l.sentinel.as_ref()?))) {
                return run_live(&l.endpoint, ls);
            }
            return Outcome::skip("no sentinel.conf given (use --sentinel-config); not a Sentinel deployment as far as the files show");
        }
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

/// A Sentinel seen over the network only.
fn run_live(endpoint: &str, ls: &crate::LiveSentinel) -> Outcome {
    let mut bad = Vec::new();
    let mut good = Vec::new();
    let mut unknown = Vec::new();
    let at = format!("{endpoint} (SENTINEL CONFIG GET)");
    match &ls.sentinel_user {
        Err(e) => unknown.push(Evidence::new(
            Source::Live,
            at,
            format!("sentinel-user not readable: {e}"),
            "sentinel sentinel-user <user>",
        )),
        Ok(u) if !u.is_empty() && ls.sentinel_pass_set.is_err() => unknown.push(Evidence::new(
            Source::Live,
            at,
            format!(
                "sentinel-user {u}, sentinel-pass not readable: {}",
                ls.sentinel_pass_set
                    .as_ref()
                    .err()
                    .map_or("", String::as_str)
            ),
            "sentinel sentinel-user <user>",
        )),
        Ok(u) if !u.is_empty() && ls.sentinel_pass_set == Ok(true) => good.push(Evidence::new(
            Source::Live,
            at,
            format!("sentinel-user {u}, sentinel-pass set"),
            "sentinel sentinel-user <user>",
        )),
        Ok(u) => bad.push(Evidence::new(
            Source::Live,
            at,
            if u.is_empty() {
                "sentinel-user not set".to_string()
            } else {
                format!("sentinel-user {u} without sentinel-pass")
            },
            "sentinel sentinel-user <user>",
        )),
    }
    let masters = match &ls.masters {
        Ok(m) => m.as_slice(),
        Err(e) => {
            unknown.push(Evidence::new(
                Source::Live,
                format!("{endpoint} (SENTINEL MASTERS)"),
                format!("the masters this Sentinel logs in to are not known: {e}"),
                "sentinel auth-user <master> <user>",
            ));
            &[]
        }
    };
    for m in masters {
        let loc = format!("CLIENT LIST on the master {} ({})", m.addr, m.name);
        match m.login_user.as_deref() {
            Some("default") => bad.push(Evidence::new(
                Source::Live,
                loc,
                "this Sentinel is logged in as default",
                "sentinel auth-user <master> <user>",
            )),
            Some(u) => good.push(Evidence::new(
                Source::Live,
                loc,
                format!("this Sentinel is logged in as {u}"),
                "sentinel auth-user <master> <user>",
            )),
            None => unknown.push(Evidence::new(
                Source::Live,
                format!("master {} ({})", m.addr, m.name),
                match &ls.myid {
                    Err(e) => format!("how this Sentinel logs in is not known: its SENTINEL MYID (which names its link on the master) was not readable: {e}"),
                    Ok(_) => "how this Sentinel logs in is not known: the master was not audited in this run or its CLIENT LIST was not readable".into(),
                },
                "sentinel auth-user <master> <user>",
            )),
        }
    }
    if !bad.is_empty() {
        bad.extend(unknown);
        Outcome::fail(
            "Sentinel does not authenticate with dedicated ACL users everywhere",
            bad,
        )
    } else if !unknown.is_empty() {
        unknown.extend(good);
        Outcome::manual(
            "part of how this Sentinel logs in could not be seen: audit its masters in the same run (without --no-discover) or give --sentinel-config",
            unknown,
        )
    } else {
        Outcome::pass(
            "Sentinel uses dedicated users for masters and for other sentinels",
            good,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LiveSentinel, Status};

    fn sentinel(user: Result<&str, &str>, pass: Result<bool, &str>) -> LiveSentinel {
        LiveSentinel {
            myid: Ok("abc".into()),
            sentinel_user: user.map(str::to_string).map_err(str::to_string),
            sentinel_pass_set: pass.map_err(str::to_string),
            masters: Ok(Vec::new()),
        }
    }

    #[test]
    fn a_sentinel_pass_that_cannot_be_read_is_no_failure() {
        let status = |u, p| run_live("127.0.0.1:26379", &sentinel(u, p)).status;
        assert_eq!(status(Ok("sentinel"), Ok(true)), Status::Pass);
        assert_eq!(status(Ok("sentinel"), Ok(false)), Status::Fail);
        assert_eq!(status(Ok(""), Ok(true)), Status::Fail);
        // Unreadable: a person looks, never a failure it did not see.
        let unread = run_live(
            "127.0.0.1:26379",
            &sentinel(
                Ok("sentinel"),
                Err("SENTINEL CONFIG GET gave an unexpected reply"),
            ),
        );
        assert_eq!(unread.status, Status::Manual);
        assert!(unread.evidence[0]
            .observed
            .contains("sentinel-pass not readable"));
        assert_eq!(status(Err("NOPERM"), Ok(true)), Status::Manual);
    }

    #[test]
    fn masters_or_an_id_that_cannot_be_read_are_said() {
        // SENTINEL MASTERS failed: not "monitors nothing", a person looks.
        let mut ls = sentinel(Ok("sentinel"), Ok(true));
        ls.masters = Err("SENTINEL MASTERS gave an unexpected reply (an integer)".into());
        let o = run_live("127.0.0.1:26379", &ls);
        assert_eq!(o.status, Status::Manual);
        assert!(
            o.evidence.iter().any(|e| e.observed.contains("an integer")),
            "{o:?}"
        );
        // SENTINEL MYID failed: its link on the master cannot be named.
        let mut ls = sentinel(Ok("sentinel"), Ok(true));
        ls.myid = Err("NOPERM".into());
        ls.masters = Ok(vec![crate::SentinelMaster {
            name: "m".into(),
            addr: "127.0.0.1:7000".into(),
            ..Default::default()
        }]);
        let o = run_live("127.0.0.1:26379", &ls);
        assert_eq!(o.status, Status::Manual);
        assert!(
            o.evidence
                .iter()
                .any(|e| e.observed.contains("SENTINEL MYID")),
            "{o:?}"
        );
    }
}
