//! Why a rotation failed, by cause. The messages are what the operator
//! reads (the binary prints the error and its causes joined with ": ",
//! as `anyhow`'s `{:#}` does); a caller that must tell the causes apart
//! matches on the variant.

use crate::journal::Phase;
use rampart_live::LiveError;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a rotation refused to start.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A known node does not answer (and `--skip-node` does not name it).
    #[error("{0}")]
    Unreachable(String),
    /// Sentinels log in to the data nodes as the user and are not in the plan.
    #[error("{0}")]
    UnknownSentinels(String),
}

/// A server answered a command with an error reply (its first line).
#[derive(Debug, thiserror::Error)]
#[error("{node}: {command}: {message}")]
pub struct ReplyError {
    pub node: String,
    pub command: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reaching, logging in to or reading from a server failed.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A server answered a command with an error.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// A reply that is not of the shape the command gives.
    #[error("{node}: unexpected {command} reply")]
    UnexpectedReply {
        node: String,
        command: &'static str,
        #[source]
        source: rampart_live::reply::ReplyError,
    },
    /// A number in a reply that does not parse (`what`: which).
    #[error("{what}")]
    Number {
        what: &'static str,
        #[source]
        source: std::num::ParseIntError,
    },
    /// The rotation refused to start.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A node is in a state where going on would be unsafe (a value that
    /// did not take, a link that did not come back, a Sentinel left on the
    /// old password); the message says what to do.
    #[error("{0}")]
    Unsafe(String),
    /// The request does not fit the deployment or the journal (options,
    /// passwords given, the journal's user or kind).
    #[error("{0}")]
    Request(String),
    /// A step needs the new password and none was given.
    #[error("this step needs the new password: give it with --new-password-file (or --rollback)")]
    NeedsNewPassword,
    /// A fresh login with the new password failed.
    #[error("{node}: AUTH with the new password failed")]
    NewPasswordRefused {
        node: String,
        #[source]
        source: LiveError,
    },
    /// A Sentinel could be reached neither with the login nor without one.
    #[error("cannot connect to the Sentinel {endpoint}")]
    SentinelConnect {
        endpoint: String,
        #[source]
        source: LiveError,
    },
    /// `--sentinels`: a Sentinel of the group refused the login.
    #[error("cannot log in to the Sentinel {endpoint}")]
    SentinelLogin {
        endpoint: String,
        #[source]
        source: LiveError,
    },
    /// `ACL SAVE` / `CONFIG REWRITE` / `SENTINEL FLUSHCONFIG` failed.
    #[error("cannot persist: the change would be lost at the next restart; stopping before the old password is removed")]
    NotPersisted(#[source] ReplyError),
    /// `CONFIG REWRITE` after `CONFIG SET masterauth` failed.
    #[error("cannot persist masterauth; stopping before the old password is removed")]
    MasterauthNotPersisted(#[source] ReplyError),
    /// `--resume`: a node of the journal does not answer.
    #[error("{node} does not answer: start it, then run again with --resume (the journal keeps phase {phase:?})")]
    NodeDown {
        node: String,
        phase: Phase,
        #[source]
        source: LiveError,
    },
    /// Another rampart runs this journal.
    #[error("another rampart rotate (pid {pid}) is running on this journal ({})", path.display())]
    Locked { pid: String, path: PathBuf },
    /// The lock file kept coming back.
    #[error("cannot take the lock {}", path.display())]
    LockTaken { path: PathBuf },
    /// A file operation on `path` failed.
    #[error("{what} {}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing the pid into the new lock file failed.
    #[error(transparent)]
    LockWrite(std::io::Error),
    /// `--resume`, `--finish`, `--rollback` without a journal.
    #[error("no rotation journal at {}", path.display())]
    NoJournal { path: PathBuf },
    /// The journal is not JSON rampart wrote.
    #[error("the journal {} is not readable", path.display())]
    BadJournal {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A file could not be read (bounded reader).
    #[error(transparent)]
    Read(#[from] redis_conf::fileio::ReadFileError),
    /// The journal could not be serialised.
    #[error(transparent)]
    Serialize(#[from] serde_json::Error),
    /// The journal could not be written.
    #[error("cannot write the journal {}", path.display())]
    JournalWrite {
        path: PathBuf,
        #[source]
        source: rampart_fs::Error,
    },
    /// `--password-out FILE` could not be written.
    #[error("cannot write {}", path.display())]
    PasswordOut {
        path: PathBuf,
        #[source]
        source: rampart_fs::Error,
    },
    /// A private directory or file could not be made.
    #[error(transparent)]
    Fs(#[from] rampart_fs::Error),
    /// The OS random generator failed.
    #[error("the OS random generator failed: {0}")]
    Random(String),
    /// A fault a test injected ([`crate::FaultPoint`]).
    #[error("{0}")]
    Fault(String),
    /// A step failed after the journal was written.
    #[error("the rotation stopped after phase {phase:?}; the journal {} keeps its state: fix the cause, then run again with --resume (or --rollback)", journal.display())]
    Stopped {
        phase: Phase,
        journal: PathBuf,
        #[source]
        source: Box<Error>,
    },
}
