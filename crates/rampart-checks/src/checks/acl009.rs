use super::users::{engine, selector_key, user_evidence, ReachCache, SelectorReach};
use super::{acl, settings, tri};
use crate::fix::{Fix, Safety};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{AclFacts, Snapshot, UserEntry};
use redis_acl::Command;

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
    /// Every enabled user, the default one included, is judged by its
    /// effective permissions (the engine's, what `ACL DRYRUN` answers): a
    /// user that can run FLUSHALL, FLUSHDB, CONFIG, DEBUG, KEYS, MODULE,
    /// SHUTDOWN, ... with every command (`+@all`: the default user of a
    /// server without ACL users, or with only `requirepass`), or, for the
    /// `@dangerous` ones, with a whole category it holds (as ACL004 counts),
    /// is not restricted by ACLs; each such command should then be disabled
    /// with `rename-command NAME ""`, and the check warns for each one that
    /// is not. Commands granted one by one count as restricted. On a live
    /// audit, a command missing from the server's own command table
    /// (COMMAND) counts as renamed or disabled, whatever the config file
    /// says (`rename-command` can be given on the command line). ACL users
    /// without @dangerous are the better tool (see ACL004).
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
    // DISA STIG V-251188 (Redis Enterprise 6.x STIG V2R1): https://github.com/mitre/inspec-profile-update-action/blob/f2c0eb037cdc6cda2b718c3eaa561a870575f776/benchmarks/DISA/U_Redis_Enterprise_6-x_STIG_V2R1_Manual-xccdf.xml
    refs: [Nist80053("CM-7"), Nist80053("AC-6"), DisaStig("RD6X-00-001000")],
    remediation: "Keep `enable-debug-command`, `enable-module-command` and `enable-protected-configs` at `no` (or `local`). Prefer ACL users without @dangerous; without them, add `rename-command FLUSHALL \"\"` (and CONFIG, DEBUG, ...) to redis.conf and to every replica.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

/// Who can run the dangerous commands that are not disabled, and how.
struct Exposure {
    /// The commands of [`DANGEROUS`] that some enabled user can run without
    /// an ACL restricting them, in that order.
    commands: Vec<&'static str>,
    /// Per such user (index into the users): its commands and how it holds
    /// them (`every command`, or the whole categories).
    users: Vec<(usize, Vec<&'static str>, String)>,
    /// Only the default user exists.
    only_default: bool,
}

thread_local! {
    /// The exposure `run` computed, for the `fix` the registry asks for
    /// right after on the same snapshot (judging 100k users once, not
    /// twice): keyed by the snapshot's address and taken on use.
    static LAST: std::cell::RefCell<Option<(usize, Exposed009)>> =
        const { std::cell::RefCell::new(None) };
}

fn key(s: &Snapshot) -> usize {
    std::ptr::from_ref(s) as usize
}

/// What the fix needs of an [`Exposure`].
struct Exposed009 {
    commands: Vec<&'static str>,
    only_default: bool,
}

impl From<&Exposure> for Exposed009 {
    fn from(x: &Exposure) -> Exposed009 {
        Exposed009 {
            commands: x.commands.clone(),
            only_default: x.only_default,
        }
    }
}

fn remember(s: &Snapshot, x: &Exposure) {
    LAST.with(|l| *l.borrow_mut() = Some((key(s), x.into())));
}

fn recall(s: &Snapshot) -> Option<Exposed009> {
    LAST.with(|l| {
        l.borrow_mut()
            .take()
            .filter(|(k, _)| *k == key(s))
            .map(|(_, x)| x)
    })
}

/// The names of the config's `rename-command` lines (lower-case), with the line.
fn renamed_in_file(s: &Snapshot) -> Vec<(String, &redis_conf::Directive)> {
    s.conf
        .get()
        .map(|c| {
            c.config
                .all("rename-command")
                .filter_map(|d| d.args.first().map(|n| (n.to_ascii_lowercase(), d)))
                .collect()
        })
        .unwrap_or_default()
}

/// Judge every enabled user, the default one included, by its effective
/// permissions: a dangerous command still in the command table (not renamed
/// or disabled) is exposed to a user that can run it with every command, or,
/// for `@dangerous` commands, with a whole category it holds (as ACL004
/// counts: ones granted one by one are restricted by ACLs).
fn exposure(s: &Snapshot, a: &AclFacts) -> Exposure {
    let engine = engine(s);
    let table = engine.table();
    let renamed = renamed_in_file(s);
    // Missing from the live server's own table (renamed on its command
    // line, say), even when its users are judged with the files' table.
    let absent = live_absent(s).map(|(_, a)| a).unwrap_or_default();
    // The commands still callable by their own name.
    let present: Vec<(&'static str, &Command)> = DANGEROUS
        .iter()
        .copied()
        .filter(|n| !renamed.iter().any(|(r, _)| r == n) && !absent.contains(n))
        .filter_map(|n| table.lookup_dispatch(n).map(|c| (n, c)))
        .collect();
    let mut users = Vec::new();
    let enabled: Vec<(usize, &UserEntry)> = a
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| u.user.enabled)
        .collect();
    // One at a time (`compile_each`): not 100k compiled users at once.
    let compiled = engine.compile_each(enabled.iter().map(|(_, u)| &u.user));
    // Per distinct selector (bitmap and database rule), once: the exposed
    // commands and how it holds each.
    let mut reaches = ReachCache::new(&engine);
    let mut judged: std::collections::HashMap<_, std::rc::Rc<Exposed>> = Default::default();
    for (&(i, _), cu) in enabled.iter().zip(compiled) {
        let mut cmds: Vec<&'static str> = Vec::new();
        let mut how: Vec<String> = Vec::new();
        for sel in &cu.selectors {
            let exposed = judged
                .entry(selector_key(sel))
                .or_insert_with(|| {
                    std::rc::Rc::new(selector_exposure(&reaches.reach(sel), table, &present))
                })
                .clone();
            for (name, held) in exposed.iter() {
                if !cmds.contains(name) {
                    cmds.push(name);
                }
                for h in held {
                    if !how.contains(h) {
                        how.push(h.clone());
                    }
                }
            }
        }
        if !cmds.is_empty() {
            cmds.sort_by_key(|c| DANGEROUS.iter().position(|d| d == c));
            users.push((i, cmds, how.join(" ")));
        }
    }
    let commands = DANGEROUS
        .iter()
        .copied()
        .filter(|c| users.iter().any(|(_, cs, _)| cs.contains(c)))
        .collect();
    Exposure {
        commands,
        users,
        only_default: a.users.iter().all(|u| u.user.name == "default"),
    }
}

/// A selector's exposed commands of [`DANGEROUS`] (in `present` order)
/// and, for each, how it holds it.
type Exposed = Vec<(&'static str, Vec<String>)>;

fn selector_exposure(
    reach: &SelectorReach<'_>,
    table: &redis_acl::CommandTable,
    present: &[(&'static str, &Command)],
) -> Exposed {
    let mut out = Vec::new();
    for (name, cmd) in present {
        let targets: Vec<&Command> = if cmd.subcommands.is_empty() {
            vec![cmd]
        } else {
            cmd.subcommands
                .iter()
                .filter_map(|&id| table.get(id))
                .collect()
        };
        for t in targets {
            if !reach.can_run(t) {
                continue;
            }
            let held = if reach.all_commands {
                Some(vec!["every command".to_string()])
            } else if t.in_category("dangerous") {
                reach.wholesale(t)
            } else {
                None
            };
            if let Some(held) = held {
                out.push((*name, held));
                break;
            }
        }
    }
    out
}

fn run(s: &Snapshot) -> Outcome {
    // What an earlier run left is never this run's: snapshots of one audit
    // can sit at the same address in turn, and this run may return before
    // it judges the users.
    LAST.with(|l| l.borrow_mut().take());
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
    for (name, d) in &renamed_in_file(s) {
        let to = d.args.get(1).map(String::as_str).unwrap_or("");
        let observed = if to.is_empty() {
            format!("{name} disabled")
        } else {
            format!("{name} renamed")
        };
        ev.push(Evidence::at(Source::Conf, &d.span, observed, "disabled"));
    }
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
    let x = exposure(s, a);
    remember(s, &x);
    if x.commands.is_empty() {
        return Outcome::pass("debug/module/protected configs are off; dangerous commands are restricted by ACLs or disabled", ev);
    }
    let expected = "rename-command NAME \"\" for each, or ACL users without @dangerous";
    if x.only_default {
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
            format!("no ACL users; not renamed: {}", x.commands.join(" ")),
            expected,
        ));
        return Outcome::warn(
            format!(
                "no ACL users restrict commands and {} dangerous command(s) are not disabled",
                x.commands.len()
            ),
            ev,
        );
    }
    let mut who = Vec::new();
    for (i, cmds, how) in &x.users {
        let Some(u) = a.users.get(*i) else { continue };
        who.push(u.user.name.clone());
        ev.push(user_evidence(
            s,
            a,
            u,
            format!(
                "user {} runs them with {how}; not renamed: {}",
                u.user.name,
                cmds.join(" ")
            ),
            expected,
        ));
    }
    Outcome::warn(
        format!(
            "{} dangerous command(s) are neither disabled nor restricted by ACLs (user(s) {})",
            x.commands.len(),
            who.join(", ")
        ),
        ev,
    )
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
/// commands the default user runs that are not yet renamed. With ACL users
/// the users are to be restricted (ACL004): renaming a command away would
/// refuse it to every user, so that part stays display-only.
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
    let x = acl(s)
        .ok()
        .map(|a| recall(s).unwrap_or_else(|| (&exposure(s, a)).into()));
    let missing = match &x {
        Some(x) if x.only_default => x.commands.clone(),
        _ => Vec::new(),
    };
    if what.is_empty() && missing.is_empty() && x.is_some_and(|x| !x.commands.is_empty()) {
        return Fix::display_only(
            CHECK.remediation,
            "ACL users exist: restrict the users that run these commands (ACL004) rather than rename the commands away from every user",
        );
    }
    for cmd in &missing {
        b = b.append(conf, "rename-command", &[cmd, ""]);
    }
    if !missing.is_empty() {
        what.push(format!(
            "rename-command NAME \"\" for {}",
            missing.join(" ")
        ));
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
    use crate::checks::test_support::{conf_snapshot, message_of, status_of};
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
        // Another, restricted user does not restrict the default one.
        let s = conf_snapshot(
            "user default on nopass ~* &* +@all\nuser app on >x ~app:* +@all -@dangerous\n",
        );
        assert_eq!(status_of(&CHECK, &s), Status::Warn);
        let m = message_of(&CHECK, &s);
        assert!(m.contains("(user(s) default)"), "{m}");
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser app on >x ~app:* +@all -@dangerous\n")
            ),
            Status::Pass
        );
        // A user holding @admin whole runs CONFIG, SHUTDOWN, ...
        let s = conf_snapshot("user default off\nuser ops on >x +@admin\n");
        assert_eq!(status_of(&CHECK, &s), Status::Warn);
        // Granted one by one: restricted by ACLs.
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser ops on >x +config|get +flushall\n")
            ),
            Status::Pass
        );
        // Every one of them disabled: nothing left to restrict.
        let all: String = DANGEROUS
            .iter()
            .map(|c| format!("rename-command {c} \"\"\n"))
            .collect();
        assert_eq!(status_of(&CHECK, &conf_snapshot(&all)), Status::Pass);
    }
}
