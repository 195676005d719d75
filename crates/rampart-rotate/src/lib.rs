//! Password rotation: change an ACL user's password on every node of a
//! deployment without a moment where neither password works.
//!
//! Steps, each recorded in a journal (JSON, mode 0600, hashes only):
//! 1. **add**: `ACL SETUSER u #<sha256(new)>` on every node (the plaintext
//!    never crosses the wire for this step);
//! 2. **verify**: a fresh connection `HELLO 3 AUTH u new` on every node;
//! 3. **persist**: `ACL SAVE` (with an aclfile) or `CONFIG REWRITE`;
//! 4. **dependents**: `CONFIG SET masterauth new` on every node whose
//!    `masteruser` is the user (masterauth is SENSITIVE, redacted from
//!    SLOWLOG/MONITOR, but its value does cross the wire), read back,
//!    `CONFIG REWRITE`, and the replication link checked `up`; and
//!    `SENTINEL SET <master> auth-pass new` on every Sentinel that logs in
//!    to the master as the user (seen in the master's CLIENT LIST), checked
//!    by waiting for its fresh login. Those Sentinels come from a Sentinel
//!    TARGET, or from `--sentinel ADDR` when the data nodes' CLIENT LIST
//!    shows `sentinel-<runid>` links logged in as the user: a plan that
//!    cannot name every such Sentinel is refused;
//! 5. **remove** (`--finish`, or after `--grace`): `ACL SETUSER u !<hash>`
//!    for each hash the node held when the rotation started, then persist.
//!
//! Never `ACL LOAD` (it disconnects clients on ≤7.2), never `RESETPASS`;
//! `CONFIG SET requirepass` (it drops every other password of `default`)
//! only as the removal step itself, when `default` holds nothing but the
//! old and new passwords.
//!
//! The library takes an [`Options`] value, a [`Connector`] (how to reach a
//! node), a [`Progress`] sink and an optional [`FaultPoint`]; it never
//! reads arguments or globals. Errors are typed by cause ([`Error`]; the
//! refusals to start are [`Error::Refused`] with a [`Refusal`]); their
//! messages, with their causes joined by ": ", are what the operator reads.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod discover;
mod error;
mod journal;
mod node;
mod plan;
mod recover;
mod run;
mod sentinel;
mod show;
mod steps;

pub use error::{Error, Refusal, ReplyError, Result};
pub use journal::{default_journal, load_journal, Journal, NodeState, Phase, SentinelState};
pub use node::{sentinel_link_name, Connector, LiveConnector, Node};
pub use run::{run, RunEnd};

use rampart_live::{Credentials, Endpoint, LiveError};
use redis_conf::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// Where progress lines go. The library scrubs every registered secret
/// from a line and makes it safe for a terminal before handing it over.
pub trait Progress {
    /// One progress line (no newline).
    fn line(&self, line: &str);
    /// A warning (no `rampart: warning:` prefix, no newline).
    fn warn(&self, message: &str);
}

/// Called at every named point of a rotation, right after that point's
/// work was done and recorded: `add:N`, `add`, `verify`, `persist`,
/// `sentinel-pass:N`, `masterauth:N`, `dependents`, `remove:N`, `remove`,
/// and in a rollback `rollback:restore`, `rollback:dependents`,
/// `rollback:remove:N` (N counts the nodes of that step, from 1). An `Err` stops the run there,
/// as a crash would (the journal on disk keeps what was recorded), so
/// tests can resume or roll back from every point. In production nothing
/// is injected; the `rampart` binary wires its `RAMPART_ROTATE_CRASH_AFTER`
/// test hook into it in debug builds only. A test's fault is
/// [`Error::Fault`].
pub trait FaultPoint {
    fn reached(&self, point: &str) -> Result<()>;
}

impl<F: Fn(&str) -> Result<()>> FaultPoint for F {
    fn reached(&self, point: &str) -> Result<()> {
        self(point)
    }
}

/// What this run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Plan and start a new rotation.
    Start,
    /// `--finish`: remove the old password (second half).
    Finish,
    /// `--resume`: continue an interrupted rotation.
    Resume,
    /// `--rollback`: the old passwords back, the new one removed.
    Rollback,
}

/// A rotation's options (the binary maps its arguments to these).
pub struct Options {
    /// A node of the deployment (a Sentinel brings its masters' groups).
    pub seed: Endpoint,
    /// How rampart logs in (the user being rotated may be this one).
    pub login: Credentials,
    /// The ACL user whose password is rotated.
    pub user: String,
    pub mode: Mode,
    /// The journal file.
    pub journal: PathBuf,
    /// The new password, when given (registered with the scrubber here too).
    pub new_password: Option<Secret>,
    /// Generate the new password when none is given.
    pub generate: bool,
    /// Where a new password is written (mode 0600).
    pub password_out: Option<PathBuf>,
    /// The old password, for a rollback after dependents changed.
    pub old_password: Option<Secret>,
    pub grace: Option<Duration>,
    pub dry_run: bool,
    pub no_relink: bool,
    /// Rotate the Sentinels' own ACL user (TARGET is a Sentinel).
    pub sentinels: bool,
    /// `--sentinel ADDR`: Sentinels to ask about the data nodes' group
    /// (and whose auth-pass follows when they log in as the user).
    pub extra_sentinels: Vec<Endpoint>,
    /// `--skip-node HOST:PORT`: known nodes that may be down; they keep the
    /// old password only.
    pub skip_nodes: Vec<(String, u16)>,
    /// Where discovery may send the login: the seed's host by default
    /// (`--allow-peer`, `--allow-any-peer`); a peer left out is a known node
    /// that was not contacted, and the plan refuses it like a down one.
    pub peers: rampart_collect::topology::PeerPolicy,
    /// The history file (`None`: the default location).
    pub history: Option<PathBuf>,
    /// Test hook; `None` in production.
    pub fault: Option<Box<dyn FaultPoint>>,
}

/// What every step shares.
pub(crate) struct Ctx<'a> {
    pub connector: &'a dyn Connector,
    pub progress: &'a dyn Progress,
    pub fault: Option<&'a dyn FaultPoint>,
    pub login: Credentials,
    pub user: String,
    pub journal_path: PathBuf,
    pub new_password: Option<Secret>,
    pub history: Option<PathBuf>,
    pub no_relink: bool,
    pub extra_sentinels: Vec<Endpoint>,
    pub skip: Vec<(String, u16)>,
    pub peers: rampart_collect::topology::PeerPolicy,
}

impl Ctx<'_> {
    /// A progress line: master names, node names and errors come from
    /// servers, so secrets are scrubbed, then made safe for a terminal.
    pub fn say(&self, line: &str) {
        let line =
            rampart_report::sanitize::for_terminal_lines(&rampart_report::scrub::scrub(line));
        self.progress.line(&line);
    }

    pub fn warn(&self, message: &str) {
        self.progress.warn(message);
    }

    pub fn fault(&self, point: &str) -> Result<()> {
        match self.fault {
            Some(f) => f.reached(point),
            None => Ok(()),
        }
    }

    fn open(&self, ep: &Endpoint, creds: &Credentials) -> Result<Box<dyn Node>, LiveError> {
        self.connector.open(ep, creds)
    }

    /// A logged-in connection. When we log in as the user being rotated,
    /// the new password is tried after the old one.
    pub fn conn(&self, ep: &Endpoint) -> Result<Box<dyn Node>, LiveError> {
        match self.open(ep, &self.login) {
            Ok(c) => Ok(c),
            Err(e) => {
                let me = self.login.user.as_deref().unwrap_or("default") == self.user;
                if let (true, Some(p)) = (me, &self.new_password) {
                    let creds = Credentials {
                        user: self.login.user.clone(),
                        password: Some(p.clone()),
                    };
                    return self.open(ep, &creds);
                }
                Err(e)
            }
        }
    }

    /// A connection to a Sentinel: the login credentials, or none when the
    /// Sentinel has no such user (a Sentinel without ACLs).
    pub fn sentinel_conn(&self, ep: &Endpoint) -> Result<Box<dyn Node>> {
        match self.open(ep, &self.login) {
            Ok(c) => Ok(c),
            Err(_) => {
                self.open(ep, &Credentials::default())
                    .map_err(|source| Error::SentinelConnect {
                        endpoint: ep.to_string(),
                        source,
                    })
            }
        }
    }

    pub fn save(&self, j: &Journal) -> Result<()> {
        journal::write_private(
            &self.journal_path,
            rampart_report::scrub::scrub(&serde_json::to_string_pretty(j)?).as_bytes(),
        )
        .map_err(|source| Error::JournalWrite {
            path: self.journal_path.clone(),
            source,
        })
    }

    pub fn new_pw(&self) -> Result<&Secret> {
        self.new_password.as_ref().ok_or(Error::NeedsNewPassword)
    }

    /// `--skip-node` names this endpoint.
    pub fn skipped(&self, ep: &Endpoint) -> bool {
        self.skip
            .iter()
            .any(|(h, p)| *h == ep.host && *p == ep.port)
    }
}

/// Register a secret with the scrubber (no output will show it); returns it.
pub fn remember(s: Secret) -> Secret {
    rampart_report::scrub::register(s.expose());
    s
}

/// A new password: 32 bytes from the OS random generator, as 64 hex
/// digits, registered with the scrubber.
pub fn generate() -> Result<Secret> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| Error::Random(e.to_string()))?;
    let s = remember(Secret::new(hex::encode(b).into_bytes()));
    b.fill(0);
    Ok(s)
}
