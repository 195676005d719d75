//! Hardening a redis.conf: users to an external ACL file, the network,
//! TLS, commands and logs.

use crate::common::{absolute, clean, finish, reach, set_tls, Change, Reach, Work};
use crate::error::{Error, Result};
use crate::policy::Role;
use crate::users::{
    harden_existing, input_users, role_user, shared_users, InputUsers, OutUser, SharedUsers,
};
use crate::{Input, Kind, Options, OutFile, Plan, PlanUser};
use redis_acl::AclFile;
use redis_conf::edit::Editor;
use redis_conf::{Config, LoadOptions};
use std::os::unix::fs::MetadataExt;

pub(crate) fn harden(input: &Input, a: &Options) -> Result<Plan> {
    let main = &input.path;
    let config = &input.config;
    let out_dir = absolute(&a.out_dir)?;
    let out_conf = out_dir.join("redis.conf");
    let out_acl = out_dir.join("users.acl");
    let out_pw = out_dir.join("passwords.txt");
    if out_conf == *main {
        return Err(Error::Refused(format!(
            "--out-dir holds the input config {}: choose another directory (rampart does not rewrite the input in place)",
            main.display()
        )));
    }

    let mut w = Work {
        ed: Editor::new(
            main.clone(),
            &input.text,
            config,
            "# Added by rampart harden (see its summary for the check each line satisfies).",
        ),
        changes: Vec::new(),
        notes: Vec::new(),
    };

    // ---- users
    let input_u = input_users(a.aclfile.as_deref(), config, main)?;
    for d in &input_u.config_lines {
        w.ed.delete(d);
        w.changes.push(if d.name == "user" {
            Change::new(
                "ACL005",
                format!(
                    "{}: user {} moved to users.acl",
                    d.span,
                    clean(d.args.first().map(String::as_str).unwrap_or(""))
                ),
            )
        } else {
            Change::new(
                "ACL007",
                format!(
                    "{}: requirepass removed: it set the default user's password, and the default user is now off; legacy `AUTH <password>` clients must log in as a named user",
                    d.span
                ),
            )
        });
    }
    let is_replica = a.replication
        || ["replicaof", "masterauth", "masteruser"]
            .iter()
            .any(|n| w.ed.winner(n).is_some_and(|d| !d.joined().is_empty()));
    let cluster = config
        .effective("cluster-enabled")
        .is_some_and(|e| e.value == "yes");

    let shared = match &a.users_from {
        Some(dir) => Some(shared_users(dir, &input_u)?),
        None => None,
    };
    let out_users = users(&mut w, &input_u, a, is_replica, shared.as_ref())?;
    let acl_text: String = out_users.iter().map(|u| format!("{}\n", u.line)).collect();
    let acl_check = AclFile::parse(&out_acl, &acl_text);
    if let Some(p) = acl_check.problems.first() {
        return Err(Error::Internal(format!(
            "internal error: the generated ACL file would not load (line {}: {}); nothing written",
            p.span.line,
            clean(&p.message)
        )));
    }

    // ---- config
    let aclfile = out_acl.to_string_lossy().into_owned();
    if w.ed.set("aclfile", &[&aclfile]) {
        w.changes.push(Change::new(
            "ACL005",
            format!("aclfile {}", clean(&aclfile)),
        ));
    }
    if is_replica {
        replication(&mut w, shared.as_ref(), &out_users);
    }
    network(&mut w, config);
    ports_and_tls(&mut w, config, a, cluster)?;
    commands_and_logs(&mut w, config);
    kept_as_chosen(&mut w, config);

    let (conf_text, diff) = finish(&w.ed, &out_conf, &LoadOptions::default(), "config")?;
    Ok(Plan {
        kind: Kind::Server,
        out_dir,
        conf: OutFile {
            path: out_conf,
            text: conf_text,
        },
        acl: Some(OutFile {
            path: out_acl,
            text: acl_text,
        }),
        passwords: out_pw,
        diff,
        changes: w.changes,
        users: out_users
            .into_iter()
            .map(|u| PlanUser {
                name: u.name,
                role: u.role,
                new_password: u.new_password,
            })
            .collect(),
        notes: w.notes,
    })
}

/// The output's users: `default` off, then the input's (hardened) and
/// the policy's roles (or the default set), or an earlier run's.
fn users(
    w: &mut Work,
    input_u: &InputUsers,
    a: &Options,
    is_replica: bool,
    shared: Option<&SharedUsers>,
) -> Result<Vec<OutUser>> {
    let mut out_users: Vec<OutUser> = vec![OutUser {
        name: "default".into(),
        line: "user default off resetpass resetkeys resetchannels -@all".into(),
        new_password: None,
        role: "off".into(),
    }];
    w.changes.push(Change::new(
        "ACL003",
        "user default: off, no password, no keys, no commands",
    ));
    if let Some(sh) = shared {
        out_users = sh.users.clone();
        w.changes.push(Change::new(
            "ACL005",
            format!(
                "users: the {} of {} as they are (same passwords on every node of the group)",
                sh.users.len(),
                clean(&sh.acl_path.display().to_string())
            ),
        ));
        w.notes.extend(sh.notes.iter().cloned());
    }
    let wanted: Vec<(String, Role, Vec<String>, Vec<String>)> = match &a.policy {
        Some(p) => p
            .user
            .iter()
            .map(|u| (u.name.clone(), u.role, u.keys.clone(), u.channels.clone()))
            .collect(),
        None => {
            let mut v = vec![("admin".to_string(), Role::Admin, vec![], vec![])];
            if is_replica {
                v.push(("replication".into(), Role::Replication, vec![], vec![]));
            }
            v
        }
    };
    let (input_kept, wanted) = if shared.is_some() {
        (Vec::new(), Vec::new())
    } else {
        (input_u.users.iter().collect::<Vec<_>>(), wanted)
    };
    for u in input_kept.into_iter().filter(|u| u.name != "default") {
        if wanted.iter().any(|w| w.0 == u.name) {
            w.changes.push(Change::new(
                "ACL008",
                format!(
                    "user {}: replaced by the role the {} names (new password; the old ones no longer work)",
                    clean(&u.name),
                    if a.policy.is_some() { "policy" } else { "default set" }
                ),
            ));
            continue;
        }
        out_users.push(harden_existing(u, &mut w.changes)?);
    }
    if shared.is_none() && input_u.users.iter().any(|u| u.name == "default") {
        w.notes
            .push("the input's default user is replaced by `user default off`".into());
    }
    for (name, role, keys, chans) in &wanted {
        out_users.push(role_user(name, *role, keys, chans)?);
        w.changes.push(Change::new(
            match role {
                Role::Replication => "ACL010",
                Role::Admin => "ACL004",
                _ => "ACL008",
            },
            format!(
                "user {}: role {} (new password in passwords.txt){}",
                clean(name),
                role.name(),
                if *role == Role::Admin {
                    ": every non-dangerous command plus administrative ones one by one (ACL, CONFIG, CLIENT, INFO, SHUTDOWN, ...); FLUSHALL, FLUSHDB, DEBUG, MODULE, KEYS are left out"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(out_users)
}

/// `masteruser`/`masterauth`: the replication user and its password.
fn replication(w: &mut Work, shared: Option<&SharedUsers>, out_users: &[OutUser]) {
    let repl = match shared {
        Some(sh) => sh.replication.as_ref().map(|(u, _)| u.clone()),
        None => out_users
            .iter()
            .find(|u| u.role == "replication")
            .map(|u| u.name.clone()),
    };
    match repl {
        Some(r) => {
            w.ed.set("masteruser", &[&r]);
            let from_shared = shared
                .as_ref()
                .and_then(|sh| sh.replication.as_ref())
                .map(|(_, p)| String::from_utf8_lossy(p.expose()).into_owned());
            let pw = from_shared.unwrap_or_else(|| {
                out_users
                    .iter()
                    .find(|u| u.name == r)
                    .and_then(|u| u.new_password.as_ref())
                    .map(|p| String::from_utf8_lossy(p.expose()).into_owned())
                    .unwrap_or_default()
            });
            w.ed.set("masterauth", &[&pw]);
            w.changes.push(Change::new(
                "ACL010",
                format!("masteruser {} and masterauth (its generated password): give the master the same `user {}` line of users.acl", clean(&r), clean(&r)),
            ));
        }
        None => w.notes.push(
            "replication is configured but the policy has no `replication` user: masteruser/masterauth left as they are (ACL010)".into(),
        ),
    }
}

/// `bind` off the wildcard and public addresses; protected mode.
fn network(w: &mut Work, config: &Config) {
    let bind: Vec<String> = config
        .last("bind")
        .map(|d| d.args.clone())
        .unwrap_or_else(|| vec!["*".into(), "-::*".into()]);
    let kept: Vec<String> = bind
        .iter()
        .filter(|b| matches!(reach(b), Reach::Loopback | Reach::Private))
        .cloned()
        .collect();
    let has_private = kept.iter().any(|b| reach(b) == Reach::Private);
    let new_bind: Vec<String> = if kept.len() == bind.len() {
        bind.clone()
    } else if has_private {
        kept.clone()
    } else {
        vec!["127.0.0.1".into(), "-::1".into()]
    };
    if new_bind != bind {
        let nb: Vec<&str> = new_bind.iter().map(String::as_str).collect();
        w.ed.set("bind", &nb);
        w.changes.push(Change::new(
            "NET001",
            format!(
                "bind {} (was: {}): wildcard and public addresses dropped; add the private addresses your clients use",
                clean(&new_bind.join(" ")),
                clean(&bind.join(" "))
            ),
        ));
    }
    if w.ed.set("protected-mode", &["yes"]) {
        w.changes.push(Change::new("NET002", "protected-mode yes"));
    }
}

/// TLS only with certificates, else the port (and notes on clear text).
fn ports_and_tls(w: &mut Work, config: &Config, a: &Options, cluster: bool) -> Result<()> {
    let tls = match &a.tls {
        Some(t) => Some((absolute(&t.cert)?, absolute(&t.key)?, absolute(&t.ca)?)),
        None => None,
    };
    let final_port;
    if let Some((cert, key, ca)) = &tls {
        let current_tls = config
            .effective("tls-port")
            .map(|e| e.value)
            .and_then(|v| v.parse::<u16>().ok())
            .filter(|p| *p != 0);
        let port = a.port.or(current_tls).unwrap_or(6380);
        final_port = port;
        w.changes.extend(set_tls(&mut w.ed, cert, key, ca, port));
        if cluster && w.ed.set("tls-cluster", &["yes"]) {
            w.changes
                .push(Change::new("TLS009", "tls-cluster yes (cluster-enabled)"));
        }
        if let Ok(m) = std::fs::metadata(key) {
            if m.mode() & 0o377 != 0 {
                w.notes.push(format!(
                    "{} has mode {:o}: TLS007 fails until you `chmod 400` it (TLS008 wants it owned by the server's user)",
                    clean(&key.display().to_string()),
                    m.mode() & 0o777
                ));
            }
            if m.gid() == 0 {
                w.notes.push(format!(
                    "{} belongs to group root: OS002 fails until you `chgrp redis` it",
                    clean(&key.display().to_string()),
                ));
            }
        }
    } else {
        let current = config
            .effective("port")
            .and_then(|e| e.value.parse::<u16>().ok())
            .unwrap_or(6379);
        final_port = a.port.unwrap_or(current);
        if let Some(p) = a.port {
            if w.ed.set("port", &[&p.to_string()]) {
                w.changes.push(Change::new("NET003", format!("port {p}")));
            }
        }
        let tls_in_input = config
            .effective("tls-port")
            .is_some_and(|e| e.value != "0" && !e.value.is_empty());
        if tls_in_input {
            w.notes.push(
                "no --tls-cert/--tls-key/--tls-ca: the input's TLS settings are kept as they are"
                    .into(),
            );
        } else {
            w.notes.push(
                "no --tls-cert/--tls-key/--tls-ca: traffic stays in clear; TLS001 will warn".into(),
            );
        }
        if w.ed.winner("replicaof").is_some() && !tls_in_input {
            w.notes.push("this server is a replica and replication stays in clear without certificates: TLS006 will fail (give --tls-cert/--tls-key/--tls-ca)".into());
        }
    }
    if final_port == 6379 {
        w.notes
            .push("the port stays 6379: NET003 will warn (give --port N)".into());
    }

    Ok(())
}

/// Debug and module commands off; a log file and syslog.
fn commands_and_logs(w: &mut Work, config: &Config) {
    for (name, id) in [
        ("enable-debug-command", "ACL009"),
        ("enable-module-command", "ACL009"),
    ] {
        if w.ed.set(name, &["no"]) {
            w.changes.push(Change::new(id, format!("{name} no")));
        }
    }
    if config
        .effective("enable-protected-configs")
        .is_some_and(|e| e.value == "yes")
        && w.ed.set("enable-protected-configs", &["no"])
    {
        w.changes
            .push(Change::new("ACL009", "enable-protected-configs no"));
    }
    let logfile = config
        .effective("logfile")
        .map(|e| e.value)
        .unwrap_or_default();
    if logfile.is_empty() {
        w.ed.set("logfile", &["/var/log/redis/redis-server.log"]);
        w.changes.push(Change::new(
            "LOG001",
            "logfile /var/log/redis/redis-server.log (the directory must exist and be writable by the server's user)",
        ));
    }
    if w.ed.set("syslog-enabled", &["yes"]) {
        w.changes.push(Change::new("LOG003", "syslog-enabled yes"));
    }
}

/// Notes on what harden keeps as the operator chose it.
fn kept_as_chosen(w: &mut Work, config: &Config) {
    let save = config
        .effective("save")
        .map(|e| e.value)
        .unwrap_or_default();
    let aof = config
        .effective("appendonly")
        .map(|e| e.value)
        .unwrap_or_default();
    w.notes.push(format!(
        "persistence kept as chosen (DATA001): RDB {}{}, AOF {}",
        if save.is_empty() {
            "off"
        } else if config.last("save").is_none() {
            "default schedule: save "
        } else {
            "save "
        },
        clean(&save),
        clean(&aof)
    ));
    let renames = config.all("rename-command").count();
    if renames > 0 {
        w.notes
            .push(format!("{renames} rename-command line(s) kept"));
    }
    for d in config.all("include").filter(|d| w.ed.in_main(d)) {
        w.notes.push(format!(
            "{}: include {} read, not rewritten (settings set there and changed here are appended to the main file, which wins)",
            d.span,
            clean(&d.joined())
        ));
    }
}
