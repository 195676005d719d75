//! The users of a hardened redis.conf: the input's (ACL file, `user`
//! lines, `requirepass`), hardened; the roles of the policy or the
//! default set; or the users of an earlier run (`--users-from`).

use crate::common::{absolute, clean, new_password, password_in, read, remember, Change};
use crate::error::{Error, Result};
use crate::policy::{role_rules, Role};
use redis_acl::{hash_password, AclFile, CommandTable, Secret, Selector, User, UserDef};
use redis_conf::{Config, Directive};
use std::path::{Path, PathBuf};

/// A user of the output ACL file.
#[derive(Clone)]
pub(crate) struct OutUser {
    pub name: String,
    pub line: String,
    /// A password generated on this run (to passwords.txt).
    pub new_password: Option<Secret>,
    pub role: String,
}

fn dangerous_wholesale(sel: &Selector, table: &CommandTable) -> bool {
    let bits = sel.command_bits(table);
    table
        .category_members("dangerous")
        .into_iter()
        .any(|c| bits.allows(c))
}

/// An existing user, hardened: passwords hashed (weak ones replaced),
/// `nopass` replaced, `-@dangerous` appended. Changes are reported.
pub(crate) fn harden_existing(u: &User, changes: &mut Vec<Change>) -> Result<OutUser> {
    let table = CommandTable::redis_7_0();
    let name = clean(&u.name);
    let mut hashes = Vec::new();
    let mut new_password = None;
    for p in &u.passwords {
        let weak = match &p.plaintext {
            Some(pt) => {
                let w = rampart_checks::passwords::weakness_plain(pt.expose());
                if w.is_none() {
                    // A strong password the input stored in clear: kept
                    // (hashed) and never shown. Weak ones are not
                    // registered: they may be ordinary words of the
                    // report, and they are dropped.
                    remember(pt.clone());
                    changes.push(Change::new(
                        "ACL006",
                        format!("user {name}: plaintext password stored as #<sha256>"),
                    ));
                }
                w
            }
            None => rampart_checks::passwords::weakness_hash(&p.hash),
        };
        match weak {
            Some(why) => changes.push(Change::new(
                "ACL002",
                format!("user {name}: weak password dropped ({why})"),
            )),
            None => hashes.push(p.hash.clone()),
        }
    }
    if u.nopass {
        changes.push(Change::new(
            "ACL001",
            format!("user {name}: nopass removed"),
        ));
    }
    if u.enabled && hashes.is_empty() && (u.nopass || !u.passwords.is_empty()) {
        let pw = crate::common::new_password()?;
        hashes.push(hash_password(pw.expose()));
        new_password = Some(pw);
        changes.push(Change::new(
            "ACL002",
            format!(
                "user {name}: new generated password (in passwords.txt); its clients must use it"
            ),
        ));
    }
    let mut line = format!("user {}", u.name);
    for f in u.flags() {
        if f != "nopass" {
            line.push(' ');
            line.push_str(f);
        }
    }
    for h in &hashes {
        line.push_str(&format!(" #{h}"));
    }
    let mut sels: Vec<String> = Vec::new();
    let mut dropped = false;
    for (i, sel) in std::iter::once(&u.root).chain(&u.selectors).enumerate() {
        let mut d = sel.describe();
        if dangerous_wholesale(sel, table) {
            d.push_str(" -@dangerous");
            dropped = true;
        }
        if d.split(' ').any(str::is_empty) || d.contains(['\t', '\r', '\n']) {
            return Err(Error::Refused(format!("user {name}: a key or channel pattern holds whitespace, which an ACL file cannot represent; change it first")));
        }
        sels.push(if i == 0 { d } else { format!("({d})") });
    }
    if dropped {
        changes.push(Change::new(
            "ACL004",
            format!("user {name}: -@dangerous appended (its other rules kept)"),
        ));
    }
    line.push(' ');
    line.push_str(&sels.join(" "));
    Ok(OutUser {
        name: u.name.clone(),
        line,
        new_password,
        role: "kept from the input".into(),
    })
}

/// A new user with `role` and a generated password.
pub(crate) fn role_user(
    name: &str,
    role: Role,
    keys: &[String],
    channels: &[String],
) -> Result<OutUser> {
    let pw = new_password()?;
    let line = format!(
        "user {name} on #{} {}",
        hash_password(pw.expose()),
        role_rules(role, keys, channels)
    );
    Ok(OutUser {
        name: name.to_string(),
        line,
        new_password: Some(pw),
        role: role.name().into(),
    })
}

/// The users the input defines (ACL file, `user` lines, requirepass).
pub(crate) struct InputUsers {
    pub users: Vec<User>,
    /// `user` / `requirepass` directives of the main file (to delete).
    pub config_lines: Vec<Directive>,
}

/// The input's users: from `aclfile` (given, else the config's), else
/// from its `user` lines.
pub(crate) fn input_users(
    aclfile: Option<&Path>,
    config: &Config,
    main: &Path,
) -> Result<InputUsers> {
    let mut config_lines = Vec::new();
    for d in config
        .directives
        .iter()
        .filter(|d| d.name == "user" || d.name == "requirepass")
    {
        if *d.span.file != *main && d.name == "user" {
            return Err(Error::Refused(format!(
                "{}: a `user` line in an included file; rampart writes only the main file and Redis refuses `user` lines next to an aclfile: move it into the main file or an ACL file first",
                d.span
            )));
        }
        if *d.span.file == *main {
            config_lines.push(d.clone());
        }
    }
    let aclfile = aclfile.map(Path::to_path_buf).or_else(|| {
        config
            .last("aclfile")
            .and_then(|d| d.args.first().cloned())
            .filter(|s| !s.is_empty())
            .map(|s| {
                let p = PathBuf::from(s);
                if p.is_absolute() {
                    p
                } else {
                    main.parent().unwrap_or(Path::new(".")).join(p)
                }
            })
    });
    let mut users = Vec::new();
    if let (Some(p), Some(d)) = (&aclfile, config.all("user").next()) {
        return Err(Error::Refused(format!(
            "{}: `user` lines in the config and an ACL file ({}) too: Redis refuses both at once; merge them into one first",
            d.span,
            p.display()
        )));
    }
    if let Some(p) = aclfile {
        let parsed = AclFile::parse(&p, &read(&p)?);
        if let Some(p0) = parsed.problems.first() {
            return Err(Error::Refused(format!(
                "{}: {} (the ACL file must load as it is; nothing written)",
                p0.span,
                clean(&p0.message)
            )));
        }
        for d in &parsed.users {
            users.push(
                d.to_user()
                    .map_err(|e| Error::Acl(format!("{}: {}", d.span, e.message)))?,
            );
        }
    } else {
        for d in config.all("user") {
            let def = UserDef::from_config_args(&d.args, d.span.clone())
                .map_err(|e| Error::Acl(format!("{}: {}", d.span, clean(&e.message))))?;
            let u = def
                .to_user_from_config()
                .map_err(|e| Error::Acl(format!("{}: {}", d.span, clean(&e.message))))?;
            users.retain(|x: &User| x.name != u.name);
            users.push(u);
        }
    }
    Ok(InputUsers {
        users,
        config_lines,
    })
}

/// The users of an earlier harden run, for another node of the group.
pub(crate) struct SharedUsers {
    pub acl_path: PathBuf,
    pub users: Vec<OutUser>,
    /// The replication user and its password (DIR/redis.conf's
    /// `masteruser`, else a user named `replication`; DIR/passwords.txt).
    pub replication: Option<(String, Secret)>,
    pub notes: Vec<String>,
}

pub(crate) fn shared_users(dir: &Path, input: &InputUsers) -> Result<SharedUsers> {
    let acl_path = absolute(&dir.join("users.acl"))?;
    let text = read(&acl_path)?;
    let parsed = AclFile::parse(&acl_path, &text);
    if let Some(p) = parsed.problems.first() {
        return Err(Error::Refused(format!(
            "{}: {} (not a users.acl Redis would load; nothing written)",
            p.span,
            clean(&p.message)
        )));
    }
    let users: Vec<OutUser> = text
        .lines()
        .filter(|l| l.starts_with("user "))
        .map(|l| OutUser {
            name: l.split(' ').nth(1).unwrap_or("").to_string(),
            line: l.to_string(),
            new_password: None,
            role: "shared".into(),
        })
        .collect();
    let mut notes = Vec::new();
    for u in &input.users {
        if !users.iter().any(|o| o.name == u.name) {
            notes.push(format!(
                "the input's user {} is not in {}: dropped (every node of a group gets the same users)",
                clean(&u.name),
                clean(&acl_path.display().to_string())
            ));
        }
    }
    // The earlier run's masteruser, else `replication`.
    let earlier =
        redis_conf::fileio::read_string(&dir.join("redis.conf"), redis_conf::fileio::DEFAULT_LIMIT)
            .unwrap_or_default();
    let name = earlier
        .lines()
        .find_map(|l| l.strip_prefix("masteruser "))
        .map(|s| s.trim().to_string())
        .filter(|n| users.iter().any(|u| &u.name == n))
        .or_else(|| {
            users
                .iter()
                .any(|u| u.name == "replication")
                .then(|| "replication".to_string())
        });
    let replication = match name {
        None => None,
        Some(n) => {
            let pw_path = dir.join("passwords.txt");
            let pws = redis_conf::fileio::read_string(&pw_path, redis_conf::fileio::DEFAULT_LIMIT)
                .map_err(|e| e.named("the replication password for masterauth,"))?;
            let pw = password_in(&pws, &n).ok_or_else(|| {
                Error::Refused(format!(
                    "{} has no password for the replication user {}: masterauth cannot be set (nothing written)",
                    pw_path.display(),
                    clean(&n)
                ))
            })?;
            Some((n, pw))
        }
    };
    Ok(SharedUsers {
        acl_path,
        users,
        replication,
        notes,
    })
}
