//! The one way rampart reads a file: bounded, regular files only, never
//! blocking.
//!
//! A path can name anything: `/dev/zero` (endless), a FIFO (an `open`
//! that waits for a writer forever), a directory, a terminal. Every file
//! rampart reads (configs and their includes, ACL files, `--pass-file`,
//! `--targets-file`, policies, journals, ...) goes through [`read`]:
//! - the file is opened with `O_NONBLOCK` (opening a FIFO returns at once)
//!   and `O_NOCTTY`;
//! - the opened descriptor is `fstat`ed, and anything that is not a
//!   regular file is refused *before* a byte is read (no race between a
//!   check of the path and the open);
//! - at most `limit + 1` bytes are read: a file that grows past the limit
//!   while it is read is refused too.
//!
//! Symbolic links are followed by default, as Redis follows them;
//! [`Options::no_follow`] refuses a link in the last component
//! (`O_NOFOLLOW`).

use std::fmt;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The limit for small files given by the operator (passwords, target
/// lists, policies): 16 MiB.
pub const DEFAULT_LIMIT: u64 = 16 * 1024 * 1024;

/// How a file is read.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Refuse more than this many bytes.
    pub limit: u64,
    /// Refuse a symbolic link as the last component.
    pub no_follow: bool,
}

impl Options {
    pub fn limit(limit: u64) -> Options {
        Options {
            limit,
            no_follow: false,
        }
    }
    pub fn no_follow(mut self) -> Options {
        self.no_follow = true;
        self
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Why {
    Io(std::io::Error),
    /// Over the limit (`size` is what was seen: the file's size, or the
    /// bytes read before giving up).
    TooLarge {
        size: u64,
        limit: u64,
    },
    Directory,
    /// Not a regular file: what it is (`a character device`, `a FIFO`, ...).
    NotRegular(&'static str),
    /// Not UTF-8 (for [`read_string`]).
    NotText,
}

/// A file that could not be read, with its path.
#[derive(Debug)]
pub struct ReadFileError {
    pub path: PathBuf,
    pub why: Why,
    /// What the file is to the reader (`the targets file`), for messages.
    pub what: Option<String>,
}

impl ReadFileError {
    /// Name what the file is: `cannot read the targets file PATH: ...`.
    pub fn named(mut self, what: impl Into<String>) -> ReadFileError {
        self.what = Some(what.into());
        self
    }
    /// The I/O error kind, when it was one.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match &self.why {
            Why::Io(e) => Some(e.kind()),
            _ => None,
        }
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Io(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                write!(f, "is a symbolic link (refused)")
            }
            Why::Io(e) => write!(f, "{e}"),
            Why::TooLarge { size, limit } => {
                write!(f, "{size} bytes or more, over the limit of {limit} bytes")
            }
            Why::Directory => write!(f, "is a directory"),
            Why::NotRegular(what) => write!(f, "is {what}, not a regular file (refused)"),
            Why::NotText => write!(f, "is not UTF-8 text"),
        }
    }
}

impl fmt::Display for ReadFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.what {
            Some(w) => write!(f, "cannot read {w} {}: {}", self.path.display(), self.why),
            None => write!(f, "cannot read {}: {}", self.path.display(), self.why),
        }
    }
}

/// No `source()`: the message already holds the cause (reports print
/// the chain, which would say it twice).
impl std::error::Error for ReadFileError {}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Read a regular file, at most `opts.limit` bytes (see the module doc).
pub fn read_with(path: &Path, opts: Options) -> Result<Vec<u8>, ReadFileError> {
    let err = |why| ReadFileError {
        path: path.to_path_buf(),
        why,
        what: None,
    };
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if opts.no_follow {
        flags |= libc::O_NOFOLLOW;
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| err(Why::Io(e)))?;
    let meta = f.metadata().map_err(|e| err(Why::Io(e)))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(err(Why::Directory));
    }
    if !ft.is_file() {
        return Err(err(Why::NotRegular(kind_of(ft))));
    }
    if meta.len() > opts.limit {
        return Err(err(Why::TooLarge {
            size: meta.len(),
            limit: opts.limit,
        }));
    }
    let cap = usize::try_from(meta.len().min(opts.limit)).unwrap_or(0);
    let mut buf = Vec::with_capacity(cap);
    f.take(opts.limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| err(Why::Io(e)))?;
    if buf.len() as u64 > opts.limit {
        return Err(err(Why::TooLarge {
            size: buf.len() as u64,
            limit: opts.limit,
        }));
    }
    Ok(buf)
}

/// [`read_with`] with a limit, following links.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadFileError> {
    read_with(path, Options::limit(limit))
}

/// [`read`], as UTF-8 text (invalid UTF-8 is refused, like
/// `std::fs::read_to_string`).
pub fn read_string(path: &Path, limit: u64) -> Result<String, ReadFileError> {
    let b = read(path, limit)?;
    String::from_utf8(b).map_err(|_| ReadFileError {
        path: path.to_path_buf(),
        why: Why::NotText,
        what: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_fifos_dirs_and_big_files() {
        let e = read(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(
            matches!(e.why, Why::NotRegular("a character device")),
            "{e}"
        );
        assert!(e.to_string().contains("/dev/zero"), "{e}");
        let e = read(Path::new("/"), 1024).unwrap_err();
        assert!(matches!(e.why, Why::Directory), "{e}");
        let d = std::env::temp_dir().join(format!("rampart-fileio-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        let fifo = d.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            // Opening a FIFO without a writer must not block.
            let e = read(&fifo, 1024).unwrap_err();
            assert!(matches!(e.why, Why::NotRegular("a FIFO")), "{e}");
        }
        let big = d.join("big");
        std::fs::write(&big, vec![b'a'; 2000]).unwrap();
        let e = read(&big, 1000).unwrap_err();
        assert!(matches!(e.why, Why::TooLarge { .. }), "{e}");
        assert_eq!(read(&big, 2000).unwrap().len(), 2000);
        let link = d.join("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&big, &link).unwrap();
        assert_eq!(read(&link, 2000).unwrap().len(), 2000);
        let e = read_with(&link, Options::limit(2000).no_follow()).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
