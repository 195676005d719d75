//! The journal (phases, node states; hashes only, never a password), its
//! lock, and where it lives. Written through `rampart_fs`.

use crate::error::{Error, Result};
use crate::Ctx;
use rampart_live::Endpoint;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How far a rotation got. Ordered: each phase implies the ones before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Planned,
    Added,
    Verified,
    Persisted,
    /// Dependents updated: both passwords work, the old one awaits removal.
    Ready,
    Removed,
    Done,
    RolledBack,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NodeState {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub role: String,
    /// Password hashes the user held on this node when the rotation began.
    pub old_hashes: Vec<String>,
    /// `acl-save` or `config-rewrite`.
    pub persist: String,
    /// This node's masterauth authenticates as the user.
    pub masterauth: bool,
    /// masterauth was changed to the new password.
    #[serde(default)]
    pub masterauth_updated: bool,
    /// The user is `default` and the node has `requirepass` (no aclfile).
    #[serde(default)]
    pub requirepass: bool,
    /// A Sentinel (its own ACL), not a data node.
    #[serde(default)]
    pub sentinel: bool,
    /// The Sentinel's id: its links are named `sentinel-<first 8>-cmd`.
    #[serde(default)]
    pub runid: String,
    /// This Sentinel's links to the other Sentinels log in as the user
    /// (`sentinel-user` + `sentinel-pass`, or `default` with `requirepass`).
    #[serde(default)]
    pub sentinel_pass: bool,
    /// `sentinel-pass` was unset (the links used `requirepass`).
    #[serde(default)]
    pub sentinel_pass_was_empty: bool,
    /// `sentinel-pass` was changed to the new password.
    #[serde(default)]
    pub sentinel_pass_updated: bool,
    /// The Sentinels (`host:port`) this one had a link to at the start.
    #[serde(default)]
    pub peers: Vec<String>,
}

impl NodeState {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
        }
    }
    pub fn name(&self) -> String {
        self.endpoint().to_string()
    }
}

/// The journal: no plaintext password, only SHA-256 hashes (as the ACL
/// file itself holds).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub user: String,
    pub new_hash: String,
    pub phase: Phase,
    pub grace_secs: Option<u64>,
    /// When both passwords first worked everywhere (Unix seconds): the
    /// grace period counts from here, also across `--resume`.
    #[serde(default)]
    pub ready_at: Option<u64>,
    pub nodes: Vec<NodeState>,
    /// Sentinels monitoring the group (when TARGET is a Sentinel).
    #[serde(default)]
    pub sentinels: Vec<SentinelState>,
    /// Nodes left out with `--skip-node` (`host:port`): they keep the old
    /// password only.
    #[serde(default)]
    pub skipped: Vec<String>,
}

impl Journal {
    /// A rotation about to start.
    pub(crate) fn new(
        ctx: &Ctx,
        new_hash: &str,
        grace: Option<Duration>,
        nodes: Vec<NodeState>,
        sentinels: Vec<SentinelState>,
    ) -> Journal {
        Journal {
            version: 1,
            user: ctx.user.clone(),
            new_hash: new_hash.to_string(),
            phase: Phase::Planned,
            grace_secs: grace.map(|d| d.as_secs()),
            ready_at: None,
            nodes,
            sentinels,
            skipped: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SentinelState {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub master: String,
    /// Where the master was when the rotation began.
    #[serde(default)]
    pub master_host: String,
    #[serde(default)]
    pub master_port: u16,
    /// The Sentinel's connections to the master are logged in as the user
    /// (its `auth-user`), so its `auth-pass` must follow.
    pub dependent: bool,
    #[serde(default)]
    pub updated: bool,
    /// The Sentinel's id (its links are `sentinel-<first 8>-cmd`).
    #[serde(default)]
    pub runid: String,
}

impl SentinelState {
    pub fn master_endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.master_host.clone(),
            port: self.master_port,
            tls: self.tls,
        }
    }
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
        }
    }
}
/// Write a file readable by its owner only, atomically (temp + rename).
/// A missing directory is created 0700 (the state directory included).
pub(crate) fn write_private(path: &Path, data: &[u8]) -> Result<(), rampart_fs::Error> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        rampart_fs::create_private_dir(d)?;
    }
    rampart_fs::write_file(
        path,
        data,
        rampart_fs::Mode::Exact(0o600),
        rampart_fs::Owner::Process,
    )
}

/// One rotation at a time per journal: `JOURNAL.lock` holds the pid of
/// the rampart that runs it; a lock whose process is gone (a crash) is
/// taken over.
pub(crate) struct RunLock(PathBuf);

impl RunLock {
    pub(crate) fn take(journal: &Path) -> Result<RunLock> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = journal.with_extension("lock");
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            rampart_fs::create_private_dir(d)?;
        }
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut f) => {
                    write!(f, "{}", std::process::id()).map_err(Error::LockWrite)?;
                    return Ok(RunLock(path));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = redis_conf::fileio::read_string(&path, 64).unwrap_or_default();
                    let pid = pid.trim();
                    if !pid.is_empty() && Path::new("/proc").join(pid).exists() {
                        return Err(Error::Locked {
                            pid: pid.to_string(),
                            path,
                        });
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Err(source) => {
                    return Err(Error::Io {
                        what: "cannot create",
                        path,
                        source,
                    })
                }
            }
        }
        Err(Error::LockTaken { path })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The default journal: `$XDG_STATE_HOME/rampart/rotate-LABEL-HOST_PORT.json`
/// (else `~/.local/state/...`).
pub fn default_journal(user: &str, seed: &Endpoint) -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    let safe: String = format!("rotate-{user}-{}_{}", seed.host, seed.port)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    base.join("rampart").join(format!("{safe}.json"))
}

/// The journal at `path`, if there is one.
pub fn load_journal(path: &Path) -> Result<Option<Journal>> {
    match redis_conf::fileio::read(path, redis_conf::fileio::DEFAULT_LIMIT) {
        Ok(b) => Ok(Some(serde_json::from_slice(&b).map_err(|source| {
            Error::BadJournal {
                path: path.to_path_buf(),
                source,
            }
        })?)),
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
