use super::{acl, settings, tri};
use crate::fix::{Fix, Safety};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

/// Commands that ACLs should restrict, and rename-command can disable
/// where ACLs are not used.
const DANGEROUS: &[&str] = &[
    "flushall",
    "flushdb",
    "config",
    "debug",
    "keys",
    "module",
    "shutdown",
    "save",
    "bgsave",
    "bgrewriteaof",
    "replicaof",
    "slaveof",
    "migrate",
    "monitor",
    "acl",
    "eval",
    "script",
];

check! {
    /// Dangerous commands are renamed or disabled where ACLs cannot restrict
    /// them, and the debug/module/protected-config switches stay off.
    ///
    /// **What.** `enable-debug-command`, `enable-module-command` and
    /// `enable-protected-configs` (Redis 7.0+, default `no`) must not be
    /// `yes` (`local` is accepted: only loopback and unix-socket clients).
    /// Where no ACL users are defined (only the default user, or
    /// `requirepass`), every client has every command: then FLUSHALL,
    /// FLUSHDB, CONFIG, DEBUG, KEYS, MODULE, SHUTDOWN, ... should be disabled
    /// with `rename-command NAME ""`; the check warns for each one that is
    /// not. On a live audit, a command missing from the server's own
    /// command table (COMMAND) counts as renamed or disabled, whatever the
    /// config file says (`rename-command` can be given on the command line).
    /// With ACL users, ACLs are the right tool (see ACL004).
    ///
    /// **Why.** DEBUG and MODULE LOAD run arbitrary code; CONFIG SET dir +
    /// SAVE writes files anywhere the server user can.
    ///
    /// **References.** redis.conf "rename-command" and "enable-debug-command";
    /// seed checklist "Consider renaming commands to disable them entirely".
    id: "ACL009",
    title: "Dangerous commands disabled where ACLs cannot restrict them",
    severity: Medium,
    sources: [Conf, Live],
    remediation: "Keep `enable-debug-command`, `enable-module-command` and `enable-protected-configs` at `no` (or `local`). Prefer ACL users without @dangerous; without them, add `rename-command FLUSHALL \"\"` (and CONFIG, DEBUG, ...) to redis.conf and to every replica.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let a = tri!(acl(s));
    let mut bad = Vec::new();
    let mut ev = Vec::new();
    for name in [
        "enable-debug-command",
        "enable-module-command",
        "enable-protected-configs",
    ] {
        let v = st.value(name);
        let e = st.evidence(name, format!("{name} {v}"), "no (or local)");
        if v.eq_ignore_ascii_case("yes") {
            bad.extend(e);
        } else {
            ev.extend(e);
        }
    }
    if !bad.is_empty() {
        return Outcome::fail(
            "debug, module or protected-config commands are enabled for every client",
            bad,
        );
    }
    // rename-command lives only in the file (CONFIG GET cannot show it).
    let renamed: Vec<(String, &redis_conf::Directive)> = st
        .conf()
        .map(|c| {
            c.config
                .all("rename-command")
                .filter_map(|d| d.args.first().map(|n| (n.to_ascii_lowercase(), d)))
                .collect()
        })
        .unwrap_or_default();
    for (name, d) in &renamed {
        let to = d.args.get(1).map(String::as_str).unwrap_or("");
        let observed = if to.is_empty() {
            format!("{name} disabled")
        } else {
            format!("{name} renamed")
        };
        ev.push(Evidence::at(Source::Conf, &d.span, observed, "disabled"));
    }
    // No ACL users: the default user is the only one, and it is on.
    let only_default = a.users.iter().all(|u| u.user.name == "default")
        && a.default_user().is_some_and(|d| d.user.enabled);
    if only_default {
        let live = live_absent(s);
        if let Some((endpoint, absent)) = live.as_ref().filter(|(_, a)| !a.is_empty()) {
            ev.push(Evidence::new(
                Source::Live,
                format!("COMMAND on {endpoint}"),
                format!(
                    "not in the server's command table (renamed or disabled): {}",
                    absent.join(" ")
                ),
                "disabled",
            ));
        }
        let missing: Vec<&str> = DANGEROUS
            .iter()
            .copied()
            .filter(|cmd| !renamed.iter().any(|(n, _)| n == cmd))
            .filter(|cmd| !live.as_ref().is_some_and(|(_, a)| a.contains(cmd)))
            .collect();
        if !missing.is_empty() {
            ev.push(Evidence::new(
                if live.is_some() {
                    Source::Live
                } else {
                    Source::Conf
                },
                match &live {
                    Some((endpoint, _)) => format!("COMMAND on {endpoint}"),
                    None => st
                        .conf()
                        .map(|c| c.path.display().to_string())
                        .unwrap_or_else(|| s.target.clone()),
                },
                format!("no ACL users; not renamed: {}", missing.join(" ")),
                "rename-command NAME \"\" for each, or ACL users without @dangerous",
            ));
            return Outcome::warn(
                format!(
                    "no ACL users restrict commands and {} dangerous command(s) are not disabled",
                    missing.len()
                ),
                ev,
            );
        }
    }
    Outcome::pass("debug/module/protected configs are off; dangerous commands are restricted by ACLs or disabled", ev)
}

/// The dangerous commands missing from the live server's own command table
/// (COMMAND), i.e. renamed or disabled whatever the config file says
/// (`rename-command` may also come from the command line), with the
/// endpoint; `None` without a live table.
fn live_absent(s: &Snapshot) -> Option<(String, Vec<&'static str>)> {
    let l = s.live.get()?;
    let table = l.command_table.as_deref()?;
    let absent = DANGEROUS
        .iter()
        .copied()
        .filter(|c| table.lookup(c).is_none())
        .collect();
    Some((l.endpoint.clone(), absent))
}

/// Turn the switches off; without ACL users, disable the dangerous
/// commands that are not yet renamed.
fn fix(s: &Snapshot) -> Fix {
    let conf = s.conf.get();
    let Ok(st) = settings(s) else {
        return Fix::display_only(CHECK.remediation, "no settings were read");
    };
    let mut what = Vec::new();
    let mut b = Fix::builder(
        Safety::Unsafe,
        "",
        "clients, tools and Sentinels that use these commands (DEBUG, MODULE, CONFIG, FLUSHALL, ...) are refused",
    );
    for name in [
        "enable-debug-command",
        "enable-module-command",
        "enable-protected-configs",
    ] {
        if st.value(name).eq_ignore_ascii_case("yes") {
            b = b.set(conf, name, &["no"]);
            what.push(format!("{name} no"));
        }
    }
    let only_default = acl(s).is_ok_and(|a| {
        a.users.iter().all(|u| u.user.name == "default")
            && a.default_user().is_some_and(|d| d.user.enabled)
    });
    if only_default {
        let renamed: Vec<String> = conf
            .map(|c| {
                c.config
                    .all("rename-command")
                    .filter_map(|d| d.args.first().map(|n| n.to_ascii_lowercase()))
                    .collect()
            })
            .unwrap_or_default();
        let live = live_absent(s);
        let missing: Vec<&str> = DANGEROUS
            .iter()
            .copied()
            .filter(|c| !renamed.iter().any(|r| r == c))
            .filter(|c| !live.as_ref().is_some_and(|(_, a)| a.contains(c)))
            .collect();
        for cmd in &missing {
            b = b.append(conf, "rename-command", &[cmd, ""]);
        }
        if !missing.is_empty() {
            what.push(format!(
                "rename-command NAME \"\" for {}",
                missing.join(" ")
            ));
        }
    }
    let mut fix = b.build(CHECK.remediation);
    if fix.safety != Safety::DisplayOnly {
        fix.summary = format!("{}{}", what.join("; "), fix.summary);
    }
    fix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Warn);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("user default off\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nenable-debug-command yes\n")
            ),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nenable-module-command local\n")
            ),
            Status::Pass
        );
    }
}
