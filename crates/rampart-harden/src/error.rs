//! Why hardening or `audit --fix` failed, by cause. The messages are what
//! the operator reads (the binary prints the error and its causes joined
//! with ": "); every one says that nothing was written when nothing was.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be looked at, read or created.
    #[error("{what} {}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The current directory (to make a path absolute).
    #[error("cannot read the current directory")]
    CurrentDir(#[source] std::io::Error),
    /// No random bytes for a new password.
    #[error("cannot read /dev/urandom")]
    Random(#[source] std::io::Error),
    /// A file over the size limit.
    #[error("{}: over the limit of {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    /// A text file with NUL bytes.
    #[error("{}: binary file (NUL bytes)", path.display())]
    Binary { path: PathBuf },
    /// `--fix` keeps files byte for byte, so only UTF-8 ones.
    #[error("{} is not valid UTF-8: rampart edits only files it can keep byte for byte; nothing changed", path.display())]
    NotUtf8 { path: PathBuf },
    /// A file the bounded reader refused or could not read.
    #[error(transparent)]
    Read(#[from] redis_conf::fileio::ReadFileError),
    /// A config (with its includes) that could not be loaded.
    #[error("cannot read {}", path.display())]
    Load {
        path: PathBuf,
        #[source]
        source: redis_conf::LoadError,
    },
    /// A write through `rampart_fs` (refused link, not a regular file, I/O).
    #[error(transparent)]
    Write(#[from] rampart_fs::Error),
    /// `--fix`: a backup could not be created.
    #[error("cannot create the backup {}", path.display())]
    Backup {
        path: PathBuf,
        #[source]
        source: rampart_fs::Error,
    },
    /// `--fix`: a file could not be replaced (its backup exists).
    #[error("{} was not changed (its backup {} is a copy)", path.display(), backup.display())]
    NotReplaced {
        path: PathBuf,
        backup: PathBuf,
        #[source]
        source: rampart_fs::Error,
    },
    /// An input rampart refuses to work from: the server would refuse it,
    /// it includes unread files, users in two places, an earlier run's
    /// output that lacks what is needed, a file that changed meanwhile, a
    /// name that exists and is never overwritten.
    #[error("{0}")]
    Refused(String),
    /// A policy file that does not parse or breaks a rule.
    #[error("{0}")]
    Policy(String),
    /// An ACL rule (ACL file or `user` line) that does not parse.
    #[error("{0}")]
    Acl(String),
    /// rampart's own output would not load: a bug, nothing written.
    #[error("{0}")]
    Internal(String),
}
