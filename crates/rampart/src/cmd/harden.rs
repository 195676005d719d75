//! `rampart harden`: from an existing redis.conf (and ACL file), and
//! optionally a short policy of roles, write a hardened redis.conf, an
//! external ACL file and a once-only password file.
//!
//! The operator's file is the starting point: comments and unrelated lines
//! are kept byte for byte; a setting hardening needs is changed where it
//! wins (its last line in the main file) or appended at the end. Every
//! change is listed with the check ID it satisfies, and the diff of
//! redis.conf is printed first. Passwords are generated from the OS RNG,
//! stored hashed in the ACL file and in clear only in `passwords.txt`
//! (mode 0600, created with O_EXCL: never overwritten). Nothing printed
//! ever contains a password: the diff shows secret directives as `***`.

use crate::confedit::{unified, Editor};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use rampart_fs::{Mode, Owner};
use redis_acl::{hash_password, AclFile, CommandTable, Secret, Selector, User, UserDef};
use redis_conf::{Config, Directive, LoadOptions};
use serde::Deserialize;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct HardenArgs {
    /// The redis.conf to start from (its `include`s are read, not rewritten).
    #[arg(
        short = 'c',
        long,
        value_name = "FILE",
        required_unless_present = "sentinel_config"
    )]
    pub config: Option<PathBuf>,
    /// Harden a sentinel.conf instead (`DIR/sentinel.conf`): the default
    /// user off, an `admin`, a `sentinel-peer` user the Sentinels log in to
    /// each other with (`sentinel-user`/`sentinel-pass`) and a `discovery`
    /// user for clients (master address, replicas, events), hashed;
    /// `auth-user`/`auth-pass` from --data-users; scripts not reconfigurable.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["config", "aclfile", "policy", "replication"])]
    pub sentinel_config: Option<PathBuf>,
    /// With --sentinel-config: the data nodes' harden output (DIR/users.acl
    /// and DIR/passwords.txt): its `sentinel` role user becomes every
    /// monitored master's `auth-user`, its password `auth-pass`.
    #[arg(long, value_name = "DIR", requires = "sentinel_config")]
    pub data_users: Option<PathBuf>,
    /// The current external ACL file (default: the config's `aclfile`).
    #[arg(long, value_name = "FILE")]
    pub aclfile: Option<PathBuf>,
    /// Users and roles to create (TOML: `[[user]] name, role, keys, channels`;
    /// roles: admin, app, readonly, replication, sentinel, auditor).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Where to write redis.conf, users.acl and passwords.txt.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Take the users of an earlier `rampart harden` run (DIR/users.acl, as
    /// is) instead of making new ones, and the replication password from
    /// DIR/passwords.txt for `masterauth`: every node of a primary/replica
    /// group gets the same users and passwords, so replicas log in to the
    /// primary and a failover refuses no client. No passwords.txt is
    /// written (no new password).
    #[arg(long, value_name = "DIR", conflicts_with = "policy")]
    pub users_from: Option<PathBuf>,
    /// With the default users (no --policy): add the `replication` user
    /// and set masteruser/masterauth even on a primary, for its replicas
    /// and for failover (a replica gets it anyway).
    #[arg(long)]
    pub replication: bool,
    /// Server certificate (PEM): with --tls-key and --tls-ca, turns on TLS
    /// only (`port 0`, `tls-port`).
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "tls_ca"])]
    pub tls_cert: Option<PathBuf>,
    /// The server certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires_all = ["tls_cert", "tls_ca"])]
    pub tls_key: Option<PathBuf>,
    /// CA certificate (PEM) that client and peer certificates must chain to.
    #[arg(long, value_name = "FILE", requires_all = ["tls_cert", "tls_key"])]
    pub tls_ca: Option<PathBuf>,
    /// Listen on this port (the TLS port with TLS; default: keep `port`,
    /// or 6380 for `tls-port`).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Print the diff and the changes; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

// ------------------------------------------------------------------ policy

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Policy {
    #[serde(default)]
    user: Vec<PolicyUser>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyUser {
    name: String,
    role: Role,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    channels: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Role {
    Admin,
    App,
    Readonly,
    Replication,
    Sentinel,
    Auditor,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::App => "app",
            Role::Readonly => "readonly",
            Role::Replication => "replication",
            Role::Sentinel => "sentinel",
            Role::Auditor => "auditor",
        }
    }
}

/// Administrative commands the admin role holds one by one, on top of
/// every non-dangerous command (ACL004: no `@dangerous` wholesale).
/// Left out on purpose: FLUSHALL, FLUSHDB, DEBUG, MODULE, KEYS, MIGRATE,
/// RESTORE, SWAPDB, SORT, SYNC/PSYNC/REPLCONF, PFDEBUG, PFSELFTEST.
const ADMIN_COMMANDS: &str = "+acl +config +client +info +slowlog +latency +memory +monitor \
     +role +bgsave +bgrewriteaof +save +lastsave +replicaof +slaveof +failover +cluster +shutdown";

/// Rules after `on #hash` for a role (key and channel patterns given).
pub(super) fn role_rules(role: Role, keys: &[String], channels: &[String]) -> String {
    let keys_rw = |prefix: &str| -> String {
        keys.iter()
            .map(|k| format!("{prefix}~{k}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let chans = {
        let mut s = String::from("resetchannels");
        for c in channels {
            s.push_str(&format!(" &{c}"));
        }
        s
    };
    let pubsub = if channels.is_empty() { "" } else { " +@pubsub" };
    match role {
        Role::Admin => format!("~* &* -@all +@all -@dangerous {ADMIN_COMMANDS}"),
        Role::App => format!(
            "{} {chans} -@all +@read +@write +@connection +@transaction{pubsub} -@dangerous",
            keys_rw("")
        ),
        Role::Readonly => format!(
            "{} {chans} -@all +@read +@connection{pubsub} -@dangerous",
            keys_rw("%R")
        ),
        Role::Replication => "resetkeys resetchannels -@all +psync +replconf +ping".into(),
        // Redis Sentinel docs ("Redis Access Control List authentication").
        Role::Sentinel => "resetkeys allchannels -@all +multi +slaveof +ping +exec +subscribe \
             +config|rewrite +role +publish +info +client|setname +client|kill +script|kill"
            .into(),
        // README: rampart's least-privilege auditor.
        Role::Auditor => "resetkeys resetchannels -@all +info +config|get +acl|list +acl|cat \
             +command +client|list +client|id +cluster|nodes +module|list"
            .into(),
    }
}

fn load_policy(p: &Path) -> Result<Vec<PolicyUser>> {
    let text = read(p)?;
    let policy: Policy =
        toml::from_str(&text).map_err(|e| anyhow!("{}: {}", p.display(), e.message()))?;
    let mut seen = std::collections::HashSet::new();
    for u in &policy.user {
        if u.name.is_empty()
            || u.name.chars().any(|c| c.is_whitespace() || c.is_control())
            || u.name == "default"
        {
            bail!(
                "{}: user name {:?} is not allowed (no spaces; `default` is always turned off)",
                p.display(),
                clean(&u.name)
            );
        }
        if !seen.insert(u.name.clone()) {
            bail!("{}: user {} is defined twice", p.display(), clean(&u.name));
        }
        for pat in u.keys.iter().chain(&u.channels) {
            if pat.is_empty() || pat.chars().any(|c| c.is_whitespace() || c.is_control()) {
                bail!(
                    "{}: user {}: pattern {:?} must be non-empty without spaces",
                    p.display(),
                    clean(&u.name),
                    clean(pat)
                );
            }
        }
        if matches!(u.role, Role::App | Role::Readonly) && u.keys.is_empty() {
            bail!(
                "{}: user {} (role {}) needs `keys`, e.g. keys = [\"app:*\"]",
                p.display(),
                clean(&u.name),
                u.role.name()
            );
        }
    }
    Ok(policy.user)
}

// ------------------------------------------------------------------ helpers

const MAX_BYTES: u64 = 16 * 1024 * 1024;

pub(super) fn read(p: &Path) -> Result<String> {
    let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
    if meta.len() > MAX_BYTES {
        bail!("{}: over the limit of {MAX_BYTES} bytes", p.display());
    }
    let b = redis_conf::fileio::read(p, MAX_BYTES)?;
    if b.contains(&0) {
        bail!("{}: binary file (NUL bytes)", p.display());
    }
    Ok(String::from_utf8_lossy(&b).into_owned())
}

pub(super) fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

/// 32 bytes from the OS RNG as 64 lowercase hex characters.
pub(super) fn new_password() -> Result<Secret> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("cannot read /dev/urandom")?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    b.fill(0);
    Ok(Secret::new(hex.into_bytes()))
}

pub(super) fn absolute(p: &Path) -> Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .context("cannot read the current directory")?
            .join(p)
    };
    Ok(std::fs::canonicalize(&abs).unwrap_or(abs))
}

// ------------------------------------------------------------------ edits

/// One change with the check it satisfies.
struct Change {
    id: &'static str,
    text: String,
}

// ------------------------------------------------------------------ users

/// A user of the output ACL file.
#[derive(Clone)]
struct OutUser {
    name: String,
    line: String,
    /// A password generated on this run (to passwords.txt).
    new_password: Option<Secret>,
    role: String,
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
fn harden_existing(u: &User, changes: &mut Vec<Change>) -> Result<OutUser> {
    let table = CommandTable::redis_7_0();
    let name = clean(&u.name);
    let mut hashes = Vec::new();
    let mut new_password = None;
    for p in &u.passwords {
        let weak = match &p.plaintext {
            Some(pt) => {
                let w = rampart_checks::passwords::weakness_plain(pt.expose());
                if w.is_none() {
                    changes.push(Change {
                        id: "ACL006",
                        text: format!("user {name}: plaintext password stored as #<sha256>"),
                    });
                }
                w
            }
            None => rampart_checks::passwords::weakness_hash(&p.hash),
        };
        match weak {
            Some(why) => changes.push(Change {
                id: "ACL002",
                text: format!("user {name}: weak password dropped ({why})"),
            }),
            None => hashes.push(p.hash.clone()),
        }
    }
    if u.nopass {
        changes.push(Change {
            id: "ACL001",
            text: format!("user {name}: nopass removed"),
        });
    }
    if u.enabled && hashes.is_empty() && (u.nopass || !u.passwords.is_empty()) {
        let pw = new_password_for(&mut hashes)?;
        new_password = Some(pw);
        changes.push(Change {
            id: "ACL002",
            text: format!(
                "user {name}: new generated password (in passwords.txt); its clients must use it"
            ),
        });
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
            bail!("user {name}: a key or channel pattern holds whitespace, which an ACL file cannot represent; change it first");
        }
        sels.push(if i == 0 { d } else { format!("({d})") });
    }
    if dropped {
        changes.push(Change {
            id: "ACL004",
            text: format!("user {name}: -@dangerous appended (its other rules kept)"),
        });
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

fn new_password_for(hashes: &mut Vec<String>) -> Result<Secret> {
    let pw = new_password()?;
    hashes.push(hash_password(pw.expose()));
    Ok(pw)
}

fn role_user(name: &str, role: Role, keys: &[String], channels: &[String]) -> Result<OutUser> {
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
struct InputUsers {
    users: Vec<User>,
    /// `user` / `requirepass` directives of the main file (to delete).
    config_lines: Vec<Directive>,
}

fn input_users(a: &HardenArgs, config: &Config, main: &Path) -> Result<InputUsers> {
    let mut config_lines = Vec::new();
    for d in config
        .directives
        .iter()
        .filter(|d| d.name == "user" || d.name == "requirepass")
    {
        if *d.span.file != *main && d.name == "user" {
            bail!(
                "{}: a `user` line in an included file; rampart writes only the main file and Redis refuses `user` lines next to an aclfile: move it into the main file or an ACL file first",
                d.span
            );
        }
        if *d.span.file == *main {
            config_lines.push(d.clone());
        }
    }
    let aclfile = a.aclfile.clone().or_else(|| {
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
        bail!(
            "{}: `user` lines in the config and an ACL file ({}) too: Redis refuses both at once; merge them into one first",
            d.span,
            p.display()
        );
    }
    if let Some(p) = aclfile {
        let parsed = AclFile::parse(&p, &read(&p)?);
        if let Some(p0) = parsed.problems.first() {
            bail!(
                "{}: {} (the ACL file must load as it is; nothing written)",
                p0.span,
                clean(&p0.message)
            );
        }
        for d in &parsed.users {
            users.push(
                d.to_user()
                    .map_err(|e| anyhow!("{}: {}", d.span, e.message))?,
            );
        }
    } else {
        for d in config.all("user") {
            let def = UserDef::from_config_args(&d.args, d.span.clone())
                .map_err(|e| anyhow!("{}: {}", d.span, clean(&e.message)))?;
            let u = def
                .to_user_from_config()
                .map_err(|e| anyhow!("{}: {}", d.span, clean(&e.message)))?;
            users.retain(|x: &User| x.name != u.name);
            users.push(u);
        }
    }
    Ok(InputUsers {
        users,
        config_lines,
    })
}

// ------------------------------------------------------------------ network

#[derive(PartialEq, Eq)]
pub(super) enum Reach {
    Loopback,
    Private,
    Wildcard,
    Other,
}

pub(super) fn reach(addr: &str) -> Reach {
    let a = addr.strip_prefix('-').unwrap_or(addr);
    if a == "*" {
        return Reach::Wildcard;
    }
    match a.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_unspecified() => Reach::Wildcard,
        Ok(ip) if ip.is_loopback() => Reach::Loopback,
        Ok(std::net::IpAddr::V4(v4)) if v4.is_private() || v4.is_link_local() => Reach::Private,
        Ok(std::net::IpAddr::V6(v6))
            if (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80 =>
        {
            Reach::Private
        }
        _ => Reach::Other,
    }
}

// ------------------------------------------------------------------ run

/// The users of an earlier harden run, for another node of the group.
struct SharedUsers {
    acl_path: PathBuf,
    users: Vec<OutUser>,
    /// The replication user and its password (DIR/redis.conf's
    /// `masteruser`, else a user named `replication`; DIR/passwords.txt).
    replication: Option<(String, Secret)>,
    notes: Vec<String>,
}

fn shared_users(dir: &Path, input: &InputUsers) -> Result<SharedUsers> {
    let acl_path = absolute(&dir.join("users.acl"))?;
    let text = read(&acl_path)?;
    let parsed = AclFile::parse(&acl_path, &text);
    if let Some(p) = parsed.problems.first() {
        bail!(
            "{}: {} (not a users.acl Redis would load; nothing written)",
            p.span,
            clean(&p.message)
        );
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
            let pw = pws
                .lines()
                .filter(|l| !l.starts_with('#'))
                .find_map(|l| l.strip_prefix(&format!("{n} ")))
                .with_context(|| {
                    format!(
                        "{} has no password for the replication user {}: masterauth cannot be set (nothing written)",
                        pw_path.display(),
                        clean(&n)
                    )
                })?;
            Some((n, Secret::new(pw.trim_end().as_bytes().to_vec())))
        }
    };
    Ok(SharedUsers {
        acl_path,
        users,
        replication,
        notes,
    })
}

pub fn run(a: HardenArgs) -> Result<ExitCode> {
    let Some(input) = &a.config else {
        return super::harden_sentinel::run(&a);
    };
    let main = absolute(input)?;
    let text = read(&main)?;
    let config = Config::load(&main, &LoadOptions::default())
        .with_context(|| format!("cannot read {}", main.display()))?;
    if let Some(p) = config
        .problems
        .iter()
        .find(|p| p.kind == redis_conf::ProblemKind::Fatal)
    {
        bail!(
            "{}: {} (Redis would refuse this config; fix it first, nothing written)",
            p.span,
            clean(&p.message)
        );
    }
    if let Some(why) = config.unread_summary() {
        bail!(
            "the config includes files rampart did not read, which may undo what harden writes: {}; nothing written",
            clean(&why)
        );
    }
    let policy = match &a.policy {
        Some(p) => Some(load_policy(p)?),
        None => None,
    };
    let out_dir = absolute(&a.out_dir)?;
    let out_conf = out_dir.join("redis.conf");
    let out_acl = out_dir.join("users.acl");
    let out_pw = out_dir.join("passwords.txt");
    if out_conf == main {
        bail!(
            "--out-dir holds the input config {}: choose another directory (rampart does not rewrite the input in place)",
            main.display()
        );
    }

    let mut changes: Vec<Change> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut ed = Editor::new(
        main.clone(),
        &text,
        &config,
        "# Added by rampart harden (see its summary for the check each line satisfies).",
    );

    // ---- users
    let input = input_users(&a, &config, &main)?;
    for d in &input.config_lines {
        ed.delete(d);
        changes.push(if d.name == "user" {
            Change {
                id: "ACL005",
                text: format!(
                    "{}: user {} moved to users.acl",
                    d.span,
                    clean(d.args.first().map(String::as_str).unwrap_or(""))
                ),
            }
        } else {
            Change {
                id: "ACL007",
                text: format!(
                    "{}: requirepass removed: it set the default user's password, and the default user is now off; legacy `AUTH <password>` clients must log in as a named user",
                    d.span
                ),
            }
        });
    }
    let is_replica = a.replication
        || ["replicaof", "masterauth", "masteruser"]
            .iter()
            .any(|n| ed.winner(n).is_some_and(|d| !d.joined().is_empty()));
    let cluster = config
        .effective("cluster-enabled")
        .is_some_and(|e| e.value == "yes");

    let shared = match &a.users_from {
        Some(dir) => Some(shared_users(dir, &input)?),
        None => None,
    };
    let mut out_users: Vec<OutUser> = vec![OutUser {
        name: "default".into(),
        line: "user default off resetpass resetkeys resetchannels -@all".into(),
        new_password: None,
        role: "off".into(),
    }];
    changes.push(Change {
        id: "ACL003",
        text: "user default: off, no password, no keys, no commands".into(),
    });
    if let Some(sh) = &shared {
        out_users = sh.users.clone();
        changes.push(Change {
            id: "ACL005",
            text: format!(
                "users: the {} of {} as they are (same passwords on every node of the group)",
                sh.users.len(),
                clean(&sh.acl_path.display().to_string())
            ),
        });
        notes.extend(sh.notes.iter().cloned());
    }
    let wanted: Vec<(String, Role, Vec<String>, Vec<String>)> = match &policy {
        Some(p) => p
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
        (input.users.iter().collect::<Vec<_>>(), wanted)
    };
    for u in input_kept.into_iter().filter(|u| u.name != "default") {
        if wanted.iter().any(|w| w.0 == u.name) {
            changes.push(Change {
                id: "ACL008",
                text: format!(
                    "user {}: replaced by the role the {} names (new password; the old ones no longer work)",
                    clean(&u.name),
                    if policy.is_some() { "policy" } else { "default set" }
                ),
            });
            continue;
        }
        out_users.push(harden_existing(u, &mut changes)?);
    }
    if shared.is_none() && input.users.iter().any(|u| u.name == "default") {
        notes.push("the input's default user is replaced by `user default off`".into());
    }
    for (name, role, keys, chans) in &wanted {
        out_users.push(role_user(name, *role, keys, chans)?);
        changes.push(Change {
            id: match role {
                Role::Replication => "ACL010",
                Role::Admin => "ACL004",
                _ => "ACL008",
            },
            text: format!(
                "user {}: role {} (new password in passwords.txt){}",
                clean(name),
                role.name(),
                if *role == Role::Admin {
                    ": every non-dangerous command plus administrative ones one by one (ACL, CONFIG, CLIENT, INFO, SHUTDOWN, ...); FLUSHALL, FLUSHDB, DEBUG, MODULE, KEYS are left out"
                } else {
                    ""
                }
            ),
        });
    }
    let acl_text: String = out_users.iter().map(|u| format!("{}\n", u.line)).collect();
    let acl_check = AclFile::parse(&out_acl, &acl_text);
    if let Some(p) = acl_check.problems.first() {
        bail!(
            "internal error: the generated ACL file would not load (line {}: {}); nothing written",
            p.span.line,
            clean(&p.message)
        );
    }

    // ---- config
    let aclfile = out_acl.to_string_lossy().into_owned();
    if ed.set("aclfile", &[&aclfile]) {
        changes.push(Change {
            id: "ACL005",
            text: format!("aclfile {}", clean(&aclfile)),
        });
    }
    if is_replica {
        let repl = match &shared {
            Some(sh) => sh.replication.as_ref().map(|(u, _)| u.clone()),
            None => out_users
                .iter()
                .find(|u| u.role == "replication")
                .map(|u| u.name.clone()),
        };
        match repl {
            Some(r) => {
                ed.set("masteruser", &[&r]);
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
                ed.set("masterauth", &[&pw]);
                changes.push(Change {
                    id: "ACL010",
                    text: format!("masteruser {} and masterauth (its generated password): give the master the same `user {}` line of users.acl", clean(&r), clean(&r)),
                });
            }
            None => notes.push(
                "replication is configured but the policy has no `replication` user: masteruser/masterauth left as they are (ACL010)".into(),
            ),
        }
    }

    // bind
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
        ed.set("bind", &nb);
        changes.push(Change {
            id: "NET001",
            text: format!(
                "bind {} (was: {}): wildcard and public addresses dropped; add the private addresses your clients use",
                clean(&new_bind.join(" ")),
                clean(&bind.join(" "))
            ),
        });
    }
    if ed.set("protected-mode", &["yes"]) {
        changes.push(Change {
            id: "NET002",
            text: "protected-mode yes".into(),
        });
    }

    // ports and TLS
    let tls = match (&a.tls_cert, &a.tls_key, &a.tls_ca) {
        (Some(c), Some(k), Some(ca)) => Some((absolute(c)?, absolute(k)?, absolute(ca)?)),
        _ => None,
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
        for (id, text) in set_tls(&mut ed, cert, key, ca, port) {
            changes.push(Change { id, text });
        }
        if cluster && ed.set("tls-cluster", &["yes"]) {
            changes.push(Change {
                id: "TLS009",
                text: "tls-cluster yes (cluster-enabled)".into(),
            });
        }
        if let Ok(m) = std::fs::metadata(key) {
            if m.mode() & 0o377 != 0 {
                notes.push(format!(
                    "{} has mode {:o}: TLS007 fails until you `chmod 400` it (TLS008 wants it owned by the server's user)",
                    clean(&key.display().to_string()),
                    m.mode() & 0o777
                ));
            }
            if m.gid() == 0 {
                notes.push(format!(
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
            if ed.set("port", &[&p.to_string()]) {
                changes.push(Change {
                    id: "NET003",
                    text: format!("port {p}"),
                });
            }
        }
        let tls_in_input = config
            .effective("tls-port")
            .is_some_and(|e| e.value != "0" && !e.value.is_empty());
        if tls_in_input {
            notes.push(
                "no --tls-cert/--tls-key/--tls-ca: the input's TLS settings are kept as they are"
                    .into(),
            );
        } else {
            notes.push(
                "no --tls-cert/--tls-key/--tls-ca: traffic stays in clear; TLS001 will warn".into(),
            );
        }
        if ed.winner("replicaof").is_some() && !tls_in_input {
            notes.push("this server is a replica and replication stays in clear without certificates: TLS006 will fail (give --tls-cert/--tls-key/--tls-ca)".into());
        }
    }
    if final_port == 6379 {
        notes.push("the port stays 6379: NET003 will warn (give --port N)".into());
    }

    // commands and logs
    for (name, id) in [
        ("enable-debug-command", "ACL009"),
        ("enable-module-command", "ACL009"),
    ] {
        if ed.set(name, &["no"]) {
            changes.push(Change {
                id,
                text: format!("{name} no"),
            });
        }
    }
    if config
        .effective("enable-protected-configs")
        .is_some_and(|e| e.value == "yes")
        && ed.set("enable-protected-configs", &["no"])
    {
        changes.push(Change {
            id: "ACL009",
            text: "enable-protected-configs no".into(),
        });
    }
    let logfile = config
        .effective("logfile")
        .map(|e| e.value)
        .unwrap_or_default();
    if logfile.is_empty() {
        ed.set("logfile", &["/var/log/redis/redis-server.log"]);
        changes.push(Change {
            id: "LOG001",
            text: "logfile /var/log/redis/redis-server.log (the directory must exist and be writable by the server's user)".into(),
        });
    }
    if ed.set("syslog-enabled", &["yes"]) {
        changes.push(Change {
            id: "LOG003",
            text: "syslog-enabled yes".into(),
        });
    }

    // kept as chosen
    let save = config
        .effective("save")
        .map(|e| e.value)
        .unwrap_or_default();
    let aof = config
        .effective("appendonly")
        .map(|e| e.value)
        .unwrap_or_default();
    notes.push(format!(
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
        notes.push(format!("{renames} rename-command line(s) kept"));
    }
    for d in config.all("include").filter(|d| ed.in_main(d)) {
        notes.push(format!(
            "{}: include {} read, not rewritten (settings set there and changed here are appended to the main file, which wins)",
            d.span,
            clean(&d.joined())
        ));
    }

    // ---- output text and its check
    let listed_changes: Vec<(&str, String)> =
        changes.iter().map(|c| (c.id, c.text.clone())).collect();
    let (conf_text, mut report) = render(
        &ed,
        &main,
        &out_conf,
        &LoadOptions::default(),
        "config",
        &listed_changes,
    )?;
    let listed: Vec<(&str, &str, bool)> = out_users
        .iter()
        .map(|u| (u.name.as_str(), u.role.as_str(), u.new_password.is_some()))
        .collect();
    users_and_notes(&mut report, "users.acl", &listed, &notes);

    if a.dry_run {
        report.push_str("\nDry run: nothing written.\n");
        super::emit(&report, None)?;
        return Ok(ExitCode::SUCCESS);
    }

    // ---- write: passwords first (O_EXCL), then the configs; a config
    // name that is a link (or not a file) stops the run before anything
    // is written.
    make_out_dir(&out_dir)?;
    for p in [&out_acl, &out_conf] {
        rampart_fs::check_target(p)?;
    }
    let fresh: Vec<(&str, &Secret)> = out_users
        .iter()
        .filter_map(|u| Some((u.name.as_str(), u.new_password.as_ref()?)))
        .collect();
    let any_new = !fresh.is_empty();
    if any_new {
        write_passwords(&out_pw, "", &fresh)?;
    }
    let server_gid = server_group();
    for (path, body) in [(&out_acl, &acl_text), (&out_conf, &conf_text)] {
        write_0640(path, body, server_gid.as_ref())?;
    }
    let group = group_given(server_gid, &[&out_conf, &out_acl]);
    report.push_str(&format!(
        "\nWrote {} and {} (mode 0640{}){}.\n",
        clean(&out_conf.display().to_string()),
        clean(&out_acl.display().to_string()),
        group.map(|g| format!(", group {g}")).unwrap_or_default(),
        passwords_clause(any_new, &out_pw),
    ));
    super::emit(&report, None)?;
    Ok(ExitCode::SUCCESS)
}

/// TLS only on `port` (`port 0`), TLS 1.2 and 1.3 with ECDHE+AEAD suites,
/// the server's order, client certificates required, replication (and,
/// for a Sentinel, the links to masters and Sentinels) over TLS. Returns
/// the changes made, with their checks.
pub(super) fn set_tls(
    ed: &mut Editor,
    cert: &Path,
    key: &Path,
    ca: &Path,
    port: u16,
) -> Vec<(&'static str, String)> {
    let settings: Vec<(&str, Vec<String>, &'static str)> = vec![
        ("port", vec!["0".into()], "TLS001"),
        ("tls-port", vec![port.to_string()], "TLS001"),
        ("tls-cert-file", vec![cert.to_string_lossy().into()], "TLS010"),
        ("tls-key-file", vec![key.to_string_lossy().into()], "TLS010"),
        ("tls-ca-cert-file", vec![ca.to_string_lossy().into()], "TLS004"),
        ("tls-protocols", vec!["TLSv1.2 TLSv1.3".into()], "TLS003"),
        (
            "tls-ciphers",
            vec!["ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305".into()],
            "TLS002",
        ),
        (
            "tls-ciphersuites",
            vec!["TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256".into()],
            "TLS002",
        ),
        ("tls-prefer-server-ciphers", vec!["yes".into()], "TLS005"),
        ("tls-auth-clients", vec!["yes".into()], "TLS004"),
        ("tls-replication", vec!["yes".into()], "TLS006"),
    ];
    let mut changes = Vec::new();
    for (name, args, id) in settings {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        if ed.set(name, &refs) {
            let shown: Vec<String> = refs.iter().map(|a| redis_conf::quote_arg(a)).collect();
            changes.push((id, format!("{name} {}", clean(&shown.join(" ")))));
        }
    }
    changes
}

/// The output text (checked to load as Redis would) and the report's
/// start: the diff against the input, then each change with its check.
pub(super) fn render(
    ed: &Editor,
    main: &Path,
    out: &Path,
    opts: &LoadOptions,
    what: &str,
    changes: &[(&str, String)],
) -> Result<(String, String)> {
    let new_lines = ed.new_lines();
    let text: String = new_lines.concat();
    let check = Config::parse_str(out, &text, opts);
    if let Some(p) = check
        .problems
        .iter()
        .find(|p| p.kind == redis_conf::ProblemKind::Fatal)
    {
        bail!(
            "internal error: the hardened {what} would not load (line {}: {}); nothing written",
            p.span.line,
            clean(&p.message)
        );
    }
    let mut report = unified(
        &ed.ops(&new_lines),
        &clean(&main.display().to_string()),
        &clean(&out.display().to_string()),
    );
    report.push_str("\nChanges:\n");
    for (id, t) in changes {
        report.push_str(&format!("  {id}  {t}\n"));
    }
    Ok((text, report))
}

/// The report's user list (name, role, whether it got a new password)
/// and notes.
pub(super) fn users_and_notes(
    report: &mut String,
    place: &str,
    users: &[(&str, &str, bool)],
    notes: &[String],
) {
    report.push_str(&format!("\nUsers ({place}):\n"));
    for (name, role, new) in users {
        report.push_str(&format!(
            "  {:<12} {}{}\n",
            clean(name),
            role,
            if *new { ", new password" } else { "" }
        ));
    }
    if !notes.is_empty() {
        report.push_str("\nNotes:\n");
        for n in notes {
            report.push_str(&format!("  {n}\n"));
        }
    }
}

/// How the report ends: where the passwords are, if any were made.
pub(super) fn passwords_clause(any_new: bool, out_pw: &Path) -> String {
    if any_new {
        format!(
            ", {} (mode 0600, for you: not for the server)",
            clean(&out_pw.display().to_string())
        )
    } else {
        ", and no passwords.txt: no new password".to_string()
    }
}

/// The output directory, created 0750 when missing.
pub(super) fn make_out_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

/// passwords.txt: `user password` lines, created once with mode 0600 and
/// never overwritten (the operator stores them, then deletes the file).
/// It appears complete or not at all; any existing name (a link
/// included) is refused.
pub(super) fn write_passwords(path: &Path, note: &str, entries: &[(&str, &Secret)]) -> Result<()> {
    let mut text = format!(
        "# rampart harden: passwords generated on this run (user password).\n# Store them in your secret manager, then delete this file{note}.\n"
    );
    for (name, p) in entries {
        text.push_str(&format!("{name} {}\n", String::from_utf8_lossy(p.expose())));
    }
    let text = Secret::new(text.into_bytes());
    let made = rampart_fs::create_new(path, text.expose(), 0o600, Owner::Process)?;
    if !made {
        bail!(
            "{} already exists: rampart never overwrites it; store its passwords, remove it, and run again (nothing written)",
            path.display()
        );
    }
    Ok(())
}

/// Write a config rampart generated, mode 0640; when rampart runs as root
/// and the server has a group (`redis` or `valkey`), in that group.
pub(super) fn write_0640(path: &Path, body: &str, group: Option<&(String, u32)>) -> Result<()> {
    let owner = group.map_or(Owner::Process, |(_, gid)| Owner::GroupIfRoot(*gid));
    rampart_fs::write_file(path, body.as_bytes(), Mode::Exact(0o640), owner)
}

/// The server's group (`redis` or `valkey`) and its gid, if one exists.
pub(super) fn server_group() -> Option<(String, u32)> {
    let groups = redis_conf::fileio::read_string(
        std::path::Path::new("/etc/group"),
        redis_conf::fileio::DEFAULT_LIMIT,
    )
    .ok()?;
    groups.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        match (f.first(), f.get(2)) {
            (Some(n), Some(g)) if *n == "redis" || *n == "valkey" => {
                Some((n.to_string(), g.parse::<u32>().ok()?))
            }
            _ => None,
        }
    })
}

/// The group's name when the written files are in it.
pub(super) fn group_given(group: Option<(String, u32)>, paths: &[&Path]) -> Option<String> {
    let (name, gid) = group?;
    paths
        .iter()
        .any(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.gid() == gid))
        .then_some(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        use redis_conf::quote_arg as quote;
        assert_eq!(quote("TLSv1.2 TLSv1.3"), "\"TLSv1.2 TLSv1.3\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("/a/b"), "/a/b");
    }

    #[test]
    fn roles_parse() {
        for r in [
            Role::Admin,
            Role::App,
            Role::Readonly,
            Role::Replication,
            Role::Sentinel,
            Role::Auditor,
        ] {
            let line = format!(
                "user u on {}\n",
                role_rules(r, &["app:*".into()], &["ch".into()])
            );
            let f = AclFile::parse(Path::new("t.acl"), &line);
            assert!(f.problems.is_empty(), "{r:?}: {:?}", f.problems);
        }
    }
}
