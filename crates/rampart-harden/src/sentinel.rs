//! `rampart harden --sentinel-config`: a hardened sentinel.conf.
//!
//! Sentinel keeps its users in its own config file (it rewrites the file
//! itself), so users stay there, hashed. Out of the input come the
//! `user` lines and `requirepass`; in go:
//! - `user default off`, an `admin` (every command: a Sentinel holds no
//!   data), a `sentinel-peer` user with only what one Sentinel sends
//!   another (AUTH, CLIENT SETNAME, PING, PUBLISH on `__sentinel__:hello`,
//!   SENTINEL IS-MASTER-DOWN-BY-ADDR: enough to discover each other and to
//!   vote in a failover, tested with a real failover), and a `discovery`
//!   user for clients (the master's address, replicas, Sentinels, events);
//! - `sentinel sentinel-user sentinel-peer` / `sentinel-pass` (ACL011);
//! - per monitored master, `auth-user` / `auth-pass` from the data nodes'
//!   harden output (`--data-users DIR`: its user with the `sentinel` role);
//! - `sentinel deny-scripts-reconfig yes`, `bind` off the wildcard,
//!   `syslog-enabled yes`.
//!
//! Every Sentinel of a group must share the peer password: harden the
//! first, then the others with `--users-from` the first's output.

use crate::common::{
    absolute, clean, finish, new_password, password_in, reach, read, set_tls, Change, Reach, Work,
};
use crate::error::{Error, Result};
use crate::policy::{role_rules, Role};
use crate::{Input, Kind, Options, OutFile, Plan, PlanUser};
use redis_acl::hash_password;
use redis_conf::edit::Editor;
use redis_conf::{Config, Directive, Secret};
use std::path::Path;

/// What one Sentinel sends another (sentinel.c: the command link's AUTH,
/// CLIENT SETNAME, PING, PUBLISH of hello messages, and the failover vote).
const PEER_RULES: &str = "resetkeys resetchannels &__sentinel__:hello -@all +auth +client|setname +ping +publish +sentinel|is-master-down-by-addr";
/// What a client of Sentinel needs to find its master and follow failovers.
const DISCOVERY_RULES: &str = "resetkeys allchannels -@all +auth +hello +ping +client|setname +role +sentinel|get-master-addr-by-name +sentinel|master +sentinel|masters +sentinel|replicas +sentinel|slaves +sentinel|sentinels +sentinel|myid +subscribe +psubscribe +unsubscribe +punsubscribe";
const ADMIN_RULES: &str = "~* &* -@all +@all";

const PEER: &str = "sentinel-peer";

struct SUser {
    name: &'static str,
    role: &'static str,
    line: String,
    new_password: Option<Secret>,
}

fn user(name: &'static str, role: &'static str, rules: &str) -> Result<SUser> {
    let pw = new_password()?;
    Ok(SUser {
        name,
        role,
        line: format!("user {name} on #{} {rules}", hash_password(pw.expose())),
        new_password: Some(pw),
    })
}

/// `name password` from a harden run's passwords.txt (registered with
/// the scrubber).
fn password_of(dir: &Path, name: &str) -> Result<Secret> {
    let path = dir.join("passwords.txt");
    let text = redis_conf::fileio::read_string(&path, redis_conf::fileio::DEFAULT_LIMIT)?;
    password_in(&text, name).ok_or_else(|| {
        Error::Refused(format!(
            "{} has no password for {} (nothing written)",
            path.display(),
            clean(name)
        ))
    })
}

/// The data nodes' Sentinel user (the `sentinel` role's rules, else a user
/// named `sentinel`) and its password, from their harden output.
fn data_sentinel_user(dir: &Path) -> Result<(String, Secret)> {
    let acl = dir.join("users.acl");
    let text = read(&acl)?;
    let rules = role_rules(Role::Sentinel, &[], &[]);
    let names: Vec<(String, bool)> = text
        .lines()
        .filter_map(|l| {
            let mut w = l.split(' ');
            (w.next() == Some("user")).then_some(())?;
            let name = w.next()?.to_string();
            Some((name, l.ends_with(&rules)))
        })
        .collect();
    let name = names
        .iter()
        .find(|(_, by_role)| *by_role)
        .or_else(|| names.iter().find(|(n, _)| n == "sentinel"))
        .map(|(n, _)| n.clone())
        .ok_or_else(|| {
            Error::Refused(format!(
                "{} has no Sentinel user (harden the data nodes with a policy that has a `sentinel` role user); nothing written",
                acl.display()
            ))
        })?;
    let pw = password_of(dir, &name)?;
    Ok((name, pw))
}

/// The `sentinel <sub> ...` lines of the input for `sub` (and `master`).
fn sentinel_lines<'c>(config: &'c Config, sub: &str, master: Option<&str>) -> Vec<&'c Directive> {
    config
        .all("sentinel")
        .filter(|d| {
            d.args.first().is_some_and(|s| s.eq_ignore_ascii_case(sub))
                && master.is_none_or(|m| d.args.get(1).map(String::as_str) == Some(m))
        })
        .collect()
}

/// Set `sentinel <args>`: the last matching line is replaced, earlier ones
/// deleted; appended when there is none.
fn set_sentinel(ed: &mut Editor, config: &Config, sub: &str, master: Option<&str>, args: &[&str]) {
    let line = std::iter::once("sentinel".to_string())
        .chain(args.iter().map(|a| redis_conf::quote_arg(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let found = sentinel_lines(config, sub, master);
    match found.split_last() {
        Some((last, earlier)) if ed.in_main(last) => {
            for d in earlier {
                if ed.in_main(d) {
                    ed.delete(d);
                }
            }
            ed.replace_line(last.span.line, line);
        }
        _ => ed.appended.push(line),
    }
}

pub(crate) fn harden(input: &Input, a: &Options) -> Result<Plan> {
    let main = &input.path;
    let config = &input.config;
    let masters: Vec<String> = sentinel_lines(config, "monitor", None)
        .iter()
        .filter_map(|d| d.args.get(1).cloned())
        .collect();
    if masters.is_empty() {
        return Err(Error::Refused(format!(
            "{}: no `sentinel monitor` line: not a sentinel.conf (use --config for a redis.conf)",
            main.display()
        )));
    }
    let out_dir = absolute(&a.out_dir)?;
    let out_conf = out_dir.join("sentinel.conf");
    let out_pw = out_dir.join("passwords.txt");
    if out_conf == *main {
        return Err(Error::Refused(format!(
            "--out-dir holds the input {}: choose another directory",
            main.display()
        )));
    }

    let mut w = Work {
        ed: Editor::new(
            main.clone(),
            &input.text,
            config,
            "# Hardened by rampart harden (each line satisfies a check: see `rampart explain ID`).",
        ),
        changes: Vec::new(),
        notes: Vec::new(),
    };

    // ---- the Sentinel's own users
    for d in config.all("user").chain(config.all("requirepass")) {
        if w.ed.in_main(d) {
            w.ed.delete(d);
        }
    }
    if config.last("requirepass").is_some() {
        w.notes.push("requirepass removed: clients that sent `AUTH <password>` log in as `discovery` (or `admin`) now".into());
    }
    let (users, peer_pw) = own_users(&mut w, a)?;
    for u in &users {
        w.ed.appended.push(u.line.clone());
    }
    let peer_text = String::from_utf8_lossy(peer_pw.expose()).into_owned();
    set_sentinel(
        &mut w.ed,
        config,
        "sentinel-user",
        None,
        &["sentinel-user", PEER],
    );
    set_sentinel(
        &mut w.ed,
        config,
        "sentinel-pass",
        None,
        &["sentinel-pass", &peer_text],
    );
    w.changes.push(Change::new(
        "ACL011",
        format!("sentinel sentinel-user {PEER} and sentinel-pass (its password)"),
    ));

    data_nodes(&mut w, config, a, &masters)?;
    the_rest(&mut w, config, a)?;

    let (conf_text, diff) = finish(&w.ed, &out_conf, &input.options, "sentinel.conf")?;
    Ok(Plan {
        kind: Kind::Sentinel,
        out_dir,
        conf: OutFile {
            path: out_conf,
            text: conf_text,
        },
        acl: None,
        passwords: out_pw,
        diff,
        changes: w.changes,
        users: users
            .into_iter()
            .filter(|u| !u.name.is_empty())
            .map(|u| PlanUser {
                name: u.name.to_string(),
                role: u.role.to_string(),
                new_password: u.new_password,
            })
            .collect(),
        notes: w.notes,
    })
}

/// The Sentinel's users (`default` off, `admin`, `sentinel-peer`,
/// `discovery`, or the first Sentinel's) and the peer password.
fn own_users(w: &mut Work, a: &Options) -> Result<(Vec<SUser>, Secret)> {
    Ok(match &a.users_from {
        Some(dir) => {
            // The first Sentinel's users, as they are: one peer password
            // for the whole group.
            let earlier = read(&dir.join("sentinel.conf"))?;
            let users: Vec<SUser> = earlier
                .lines()
                .filter(|l| l.starts_with("user "))
                .map(|l| SUser {
                    name: "",
                    role: "shared",
                    line: l.to_string(),
                    new_password: None,
                })
                .collect();
            if !users
                .iter()
                .any(|u| u.line.starts_with(&format!("user {PEER} ")))
            {
                return Err(Error::Refused(format!(
                    "{}: no `user {PEER}` line: not the output of `rampart harden --sentinel-config` (nothing written)",
                    dir.join("sentinel.conf").display()
                )));
            }
            w.changes.push(Change::new(
                "ACL011",
                format!(
                    "users: the {} of {} as they are (one peer password for the group)",
                    users.len(),
                    clean(&dir.display().to_string())
                ),
            ));
            (users, password_of(dir, PEER)?)
        }
        None => {
            let peer = user(
                PEER,
                "Sentinel-to-Sentinel links (sentinel-user)",
                PEER_RULES,
            )?;
            let pw = peer
                .new_password
                .clone()
                .ok_or_else(|| Error::Internal("internal error: no peer password".into()))?;
            let users = vec![
                SUser {
                    name: "default",
                    role: "off",
                    line: "user default off resetpass resetkeys resetchannels -@all".into(),
                    new_password: None,
                },
                user("admin", "operators", ADMIN_RULES)?,
                peer,
                user(
                    "discovery",
                    "clients: master address, replicas, events",
                    DISCOVERY_RULES,
                )?,
            ];
            w.changes.push(Change::new(
                "ACL011",
                "users: default off; admin, sentinel-peer (only what Sentinels send each other), discovery (for clients); hashed",
            ));
            (users, pw)
        }
    })
}

/// Per monitored master, the data nodes' Sentinel user and password.
fn data_nodes(w: &mut Work, config: &Config, a: &Options, masters: &[String]) -> Result<()> {
    match &a.data_users {
        Some(dir) => {
            let (name, pw) = data_sentinel_user(dir)?;
            let pw_text = String::from_utf8_lossy(pw.expose()).into_owned();
            for m in masters {
                set_sentinel(
                    &mut w.ed,
                    config,
                    "auth-user",
                    Some(m),
                    &["auth-user", m, &name],
                );
                set_sentinel(
                    &mut w.ed,
                    config,
                    "auth-pass",
                    Some(m),
                    &["auth-pass", m, &pw_text],
                );
            }
            w.changes.push(Change::new(
                "ACL011",
                format!(
                    "sentinel auth-user {} and auth-pass for {} master(s), from {}",
                    clean(&name),
                    masters.len(),
                    clean(&dir.display().to_string())
                ),
            ));
        }
        None => {
            for m in masters {
                if sentinel_lines(config, "auth-user", Some(m)).is_empty() {
                    w.notes.push(format!(
                        "master {}: no auth-user: give --data-users DIR (the data nodes' harden output, with a `sentinel` role user) so this Sentinel logs in with a dedicated user (ACL011)",
                        clean(m)
                    ));
                }
            }
        }
    }

    Ok(())
}

/// Scripts not reconfigurable, `bind`, syslog, TLS or the port.
fn the_rest(w: &mut Work, config: &Config, a: &Options) -> Result<()> {
    let deny = sentinel_lines(config, "deny-scripts-reconfig", None);
    if deny.last().and_then(|d| d.args.get(1)).map(String::as_str) != Some("yes") {
        set_sentinel(
            &mut w.ed,
            config,
            "deny-scripts-reconfig",
            None,
            &["deny-scripts-reconfig", "yes"],
        );
        w.changes.push(Change::new(
            "ACL009",
            "sentinel deny-scripts-reconfig yes: SENTINEL SET cannot point notification scripts at a program",
        ));
    }
    let bind: Vec<String> = config
        .last("bind")
        .map(|d| d.args.clone())
        .unwrap_or_else(|| vec!["*".into(), "-::*".into()]);
    if bind
        .iter()
        .any(|b| reach(b) == Reach::Wildcard || reach(b) == Reach::Other)
    {
        let mut kept: Vec<&str> = bind
            .iter()
            .filter(|b| matches!(reach(b), Reach::Loopback | Reach::Private))
            .map(String::as_str)
            .collect();
        if kept.is_empty() {
            kept = vec!["127.0.0.1", "-::1"];
        }
        w.ed.set("bind", &kept);
        w.changes.push(Change::new(
            "NET001",
            format!(
                "bind {} (add the private addresses the other Sentinels and the clients use)",
                kept.join(" ")
            ),
        ));
    }
    if w.ed.set("syslog-enabled", &["yes"]) {
        w.changes.push(Change::new("LOG003", "syslog-enabled yes"));
    }
    match &a.tls {
        Some(t) => {
            // The same port number, now TLS only (or --port); Sentinels
            // announce it to each other and reach masters over TLS.
            let current = |n: &str| {
                config
                    .last(n)
                    .and_then(|d| d.args.first())
                    .and_then(|v| v.parse::<u16>().ok())
                    .filter(|p| *p != 0)
            };
            let port = a
                .port
                .or(current("tls-port"))
                .or(current("port"))
                .unwrap_or(26379);
            w.changes.extend(set_tls(
                &mut w.ed,
                &absolute(&t.cert)?,
                &absolute(&t.key)?,
                &absolute(&t.ca)?,
                port,
            ));
            w.notes.push("TLS: the monitored masters must speak TLS too (tls-replication yes makes this Sentinel reach them, and the other Sentinels, over TLS)".into());
        }
        None => {
            if let Some(p) = a.port {
                if w.ed.set("port", &[&p.to_string()]) {
                    w.changes.push(Change::new("NET003", format!("port {p}")));
                }
            }
        }
    }

    Ok(())
}
