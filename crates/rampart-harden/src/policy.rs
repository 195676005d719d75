//! The policy file (`--policy`): users and the roles they get, and the
//! ACL rules of each role.

use crate::common::{clean, read};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::Path;

/// A policy: the users to create.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `[[user]]` tables, in order.
    #[serde(default)]
    pub user: Vec<PolicyUser>,
}

/// One `[[user]]` of a policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyUser {
    pub name: String,
    pub role: Role,
    /// Key patterns (`app:*`), for `app` and `readonly`.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Pub/Sub channel patterns.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// The roles a policy (or the default user set) gives.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    App,
    Readonly,
    Replication,
    Sentinel,
    Auditor,
}

impl Role {
    /// Every role, in the order the documentation lists them.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::App,
        Role::Readonly,
        Role::Replication,
        Role::Sentinel,
        Role::Auditor,
    ];

    /// The role's name in a policy file.
    pub fn name(self) -> &'static str {
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
pub fn role_rules(role: Role, keys: &[String], channels: &[String]) -> String {
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

impl Policy {
    /// Read and check a policy file.
    pub fn load(p: &Path) -> Result<Policy> {
        Policy::parse(p, &read(p)?)
    }

    /// Check a policy's text (`p` names it in errors): user names without
    /// spaces, not `default`, each once; patterns non-empty without
    /// spaces; `app` and `readonly` users with keys.
    pub fn parse(p: &Path, text: &str) -> Result<Policy> {
        let policy: Policy = toml::from_str(text)
            .map_err(|e| Error::Policy(format!("{}: {}", p.display(), e.message())))?;
        let mut seen = std::collections::HashSet::new();
        for u in &policy.user {
            if u.name.is_empty()
                || u.name.chars().any(|c| c.is_whitespace() || c.is_control())
                || u.name == "default"
            {
                return Err(Error::Policy(format!(
                    "{}: user name {:?} is not allowed (no spaces; `default` is always turned off)",
                    p.display(),
                    clean(&u.name)
                )));
            }
            if !seen.insert(u.name.clone()) {
                return Err(Error::Policy(format!(
                    "{}: user {} is defined twice",
                    p.display(),
                    clean(&u.name)
                )));
            }
            for pat in u.keys.iter().chain(&u.channels) {
                if pat.is_empty() || pat.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(Error::Policy(format!(
                        "{}: user {}: pattern {:?} must be non-empty without spaces",
                        p.display(),
                        clean(&u.name),
                        clean(pat)
                    )));
                }
            }
            if matches!(u.role, Role::App | Role::Readonly) && u.keys.is_empty() {
                return Err(Error::Policy(format!(
                    "{}: user {} (role {}) needs `keys`, e.g. keys = [\"app:*\"]",
                    p.display(),
                    clean(&u.name),
                    u.role.name()
                )));
            }
        }
        Ok(policy)
    }
}
