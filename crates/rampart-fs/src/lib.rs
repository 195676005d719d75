//! The one way rampart writes a file (every writer goes through here:
//! `acl migrate-hashes`, `audit --fix` and its backups, `harden`'s outputs
//! and passwords.txt, `rotate`'s journal and `--password-out`, reports
//! written with `--output`).
//!
//! A run as root in a directory another user can write (Debian's
//! /etc/redis is group-writable by redis) must not be turned against any
//! other file by a planted link. So:
//! - the target is never written through: a target that is a symbolic
//!   link (or not a regular file) is refused, with the reason;
//! - the content goes to a temp file created new beside the target
//!   (`.NAME.rampart-tmp.PID.RANDOM`, O_CREAT|O_EXCL|O_NOFOLLOW, mode
//!   0600): a name planted in advance is never opened, only skipped;
//! - owner, group and mode are set on the open file (fchown, fchmod),
//!   never through a path; it is synced, checked to still be the file
//!   rampart created, then renamed over the target (which replaces a link
//!   put there meanwhile rather than following it), and the directory is
//!   synced;
//! - a file that must never be overwritten (a backup, passwords.txt) is
//!   linked to its name from the complete temp (link() fails on any
//!   existing name, a dangling link included), so a crash never leaves it
//!   half-written;
//! - temp files left by a rampart that was killed (its pid is gone),
//!   owned by the user running rampart and regular files, are removed
//!   the next time rampart writes in that directory.
//!
//! A failure leaves the target as it was and removes the temp.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata, Permissions};
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What marks rampart's temp files: `.NAME` + this + `PID.RANDOM`.
const TMP_MARK: &str = ".rampart-tmp.";

/// Why a write was refused or failed. The messages name the path; the
/// operating system's reason is the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system call on `path` failed; `what` is what rampart
    /// was doing ("cannot create", "cannot write", "cannot look at").
    #[error("{what} {}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing the content (write, fchown, fchmod, fsync) failed.
    #[error("cannot write {}", path.display())]
    Fill {
        path: PathBuf,
        #[source]
        source: FillError,
    },
    /// No temporary file could be created in `dir`.
    #[error("cannot create a temporary file in {}", dir.display())]
    Temp {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Every temporary name tried in `dir` exists.
    #[error("cannot create a temporary file in {}: every name tried exists", dir.display())]
    TempNames { dir: PathBuf },
    /// The target is a symbolic link (`to`: where it points, when readable).
    #[error("{} is a symbolic link{}: rampart does not write through links (name the file itself, or replace the link with a regular file); nothing written", path.display(), to.as_ref().map(|t| format!(" (to {})", t.display())).unwrap_or_default())]
    Link { path: PathBuf, to: Option<PathBuf> },
    /// The target exists and is not a regular file.
    #[error("{} is not a regular file: rampart writes only regular files; nothing written", path.display())]
    NotRegular { path: PathBuf },
    /// The temp file was replaced before the rename.
    #[error("{} was replaced while rampart wrote it (someone else writes in {}); nothing written", path.display(), path.parent().unwrap_or(Path::new(".")).display())]
    TempReplaced { path: PathBuf },
    /// The target was replaced right after the rename.
    #[error("{} was replaced while rampart wrote it (someone else writes in its directory): check it", path.display())]
    Replaced { path: PathBuf },
    /// The path has no file name.
    #[error("{}: not a file name", path.display())]
    NoFileName { path: PathBuf },
    /// The OS random generator failed (temp names).
    #[error("no random bytes from the OS: {0}")]
    Random(String),
    /// `fstat` on the open temp file failed (no path in the message).
    #[error(transparent)]
    Stat(std::io::Error),
}

/// Why writing an open file's content failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FillError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// fchown to the file's old owner failed.
    #[error("cannot keep the owner {uid}:{gid} (run as its owner or root)")]
    Owner {
        uid: u32,
        gid: u32,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who the written file belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The user running rampart.
    Process,
    /// This uid and gid (an edited file keeps its own).
    Ids(u32, u32),
    /// This group when the file would otherwise be in group root (rampart
    /// run as root): harden hands its outputs to the server's group.
    GroupIfRoot(u32),
}

/// The file's mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Exactly this (the temp is 0600 until it is complete).
    Exact(u32),
    /// 0666 less the umask, as any new file (reports).
    Umask,
}

/// The target's metadata when it exists; an error when it is a symbolic
/// link or not a regular file (rampart never writes through either).
pub fn check_target(path: &Path) -> Result<Option<Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            let to = std::fs::read_link(path).ok();
            Err(Error::Link {
                path: path.to_path_buf(),
                to,
            })
        }
        Ok(m) if !m.is_file() => Err(Error::NotRegular {
            path: path.to_path_buf(),
        }),
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("cannot look at", path, e)),
    }
}

/// Create `dir` (and missing parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if std::fs::symlink_metadata(dir).is_err() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io("cannot create", dir, e))?;
    }
    Ok(())
}

/// Write `body` to `path` (replacing it when it exists) with `mode` and
/// `owner`.
pub fn write_file(path: &Path, body: &[u8], mode: Mode, owner: Owner) -> Result<()> {
    let (dir, name) = split(path)?;
    check_target(path)?;
    let mut t = Temp::create(dir, name, mode)?;
    t.fill(body, mode, owner).map_err(|e| fill(path, e))?;
    t.still_ours()?;
    std::fs::rename(&t.path, path).map_err(|e| io("cannot write", path, e))?;
    t.renamed = true;
    sync_dir(dir);
    t.is_at(path)
}

/// Write `body` over `path` keeping its owner, group and mode; a new file
/// gets `new_mode` and the user running rampart.
pub fn replace_keeping(path: &Path, body: &[u8], new_mode: Mode) -> Result<()> {
    match check_target(path)? {
        Some(m) => write_file(
            path,
            body,
            Mode::Exact(m.mode() & 0o7777),
            Owner::Ids(m.uid(), m.gid()),
        ),
        None => write_file(path, body, new_mode, Owner::Process),
    }
}

/// Create `path` with `body`, never replacing anything: `Ok(false)` when
/// the name is taken (by anything, a link included) and nothing was
/// written. The file appears complete or not at all.
pub fn create_new(path: &Path, body: &[u8], mode: u32, owner: Owner) -> Result<bool> {
    let (dir, name) = split(path)?;
    if std::fs::symlink_metadata(path).is_ok() {
        return Ok(false);
    }
    let mut t = Temp::create(dir, name, Mode::Exact(mode))?;
    t.fill(body, Mode::Exact(mode), owner)
        .map_err(|e| fill(path, e))?;
    t.still_ours()?;
    match std::fs::hard_link(&t.path, path) {
        Ok(()) => {
            // The temp name goes (Drop); the file stays under `path`.
            sync_dir(dir);
            t.is_at(path)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        // A file system without hard links: create the name itself new
        // (O_EXCL|O_NOFOLLOW); only a crash in this write can cut it.
        Err(_) => {
            drop(t);
            let mut f = match open_new(path, 0o600) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
                Err(e) => return Err(io("cannot create", path, e)),
            };
            let r = fill_file(&mut f, body, Mode::Exact(mode), owner);
            if r.is_err() {
                let _ = std::fs::remove_file(path);
            }
            r.map_err(|e| fill(path, e))?;
            sync_dir(dir);
            Ok(true)
        }
    }
}

/// The directory and file name of `path`.
fn split(path: &Path) -> Result<(&Path, &OsStr)> {
    let name = path.file_name().ok_or_else(|| Error::NoFileName {
        path: path.to_path_buf(),
    })?;
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    Ok((dir, name))
}

/// O_CREAT|O_EXCL|O_NOFOLLOW: a new file or nothing.
fn open_new(path: &Path, mode: u32) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(mode)
        .open(path)
}

/// Write, owner, mode (after the owner: chown clears set-id bits), sync.
fn io(what: &'static str, path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

fn fill(path: &Path, source: FillError) -> Error {
    Error::Fill {
        path: path.to_path_buf(),
        source,
    }
}

fn fill_file(
    f: &mut File,
    body: &[u8],
    mode: Mode,
    owner: Owner,
) -> std::result::Result<(), FillError> {
    f.write_all(body)?;
    let m = f.metadata()?;
    match owner {
        Owner::Process => {}
        Owner::Ids(uid, gid) => {
            if (m.uid(), m.gid()) != (uid, gid) {
                std::os::unix::fs::fchown(&*f, Some(uid), Some(gid))
                    .map_err(|source| FillError::Owner { uid, gid, source })?;
            }
        }
        Owner::GroupIfRoot(gid) => {
            // Best effort, as the report says which group it has.
            if m.gid() == 0 && gid != 0 {
                let _ = std::os::unix::fs::fchown(&*f, None, Some(gid));
            }
        }
    }
    if let Mode::Exact(mode) = mode {
        f.set_permissions(Permissions::from_mode(mode))?;
    }
    f.sync_all()?;
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A temp file of ours; removed on drop unless it was renamed.
struct Temp {
    path: PathBuf,
    file: File,
    renamed: bool,
}

impl Temp {
    fn create(dir: &Path, name: &OsStr, mode: Mode) -> Result<Temp> {
        let create_mode = match mode {
            Mode::Exact(_) => 0o600,
            Mode::Umask => 0o666,
        };
        for _ in 0..16 {
            let mut r = [0u8; 8];
            getrandom::fill(&mut r).map_err(|e| Error::Random(e.to_string()))?;
            let path = dir.join(temp_name(name, std::process::id(), &hex::encode(r)));
            match open_new(&path, create_mode) {
                Ok(file) => {
                    let t = Temp {
                        path,
                        file,
                        renamed: false,
                    };
                    t.remove_stale(dir);
                    return Ok(t);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => {
                    return Err(Error::Temp {
                        dir: dir.to_path_buf(),
                        source,
                    })
                }
            }
        }
        Err(Error::TempNames {
            dir: dir.to_path_buf(),
        })
    }

    fn fill(
        &mut self,
        body: &[u8],
        mode: Mode,
        owner: Owner,
    ) -> std::result::Result<(), FillError> {
        fill_file(&mut self.file, body, mode, owner)
    }

    /// The temp name still names the file rampart created and wrote.
    fn still_ours(&self) -> Result<()> {
        let ours = self.file.metadata().map_err(Error::Stat)?;
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_file() && (m.dev(), m.ino()) == (ours.dev(), ours.ino()) => Ok(()),
            _ => Err(Error::TempReplaced {
                path: self.path.clone(),
            }),
        }
    }

    /// After the rename or link: `path` is the file rampart wrote.
    fn is_at(&self, path: &Path) -> Result<()> {
        let ours = self.file.metadata().map_err(Error::Stat)?;
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_file() && (m.dev(), m.ino()) == (ours.dev(), ours.ino()) => Ok(()),
            _ => Err(Error::Replaced {
                path: path.to_path_buf(),
            }),
        }
    }

    /// Remove the temp files a killed rampart left in `dir`: rampart's
    /// naming, a regular file, owned by this user, its pid gone.
    fn remove_stale(&self, dir: &Path) {
        let Ok(me) = self.file.metadata() else {
            return;
        };
        // Without /proc no pid can be known to be gone: keep everything.
        if !Path::new("/proc/self").exists() {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let Some(pid) = temp_pid(&e.file_name()) else {
                continue;
            };
            let p = e.path();
            if pid == std::process::id() || p == self.path {
                continue;
            }
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if !m.is_file() || m.uid() != me.uid() {
                continue;
            }
            if Path::new("/proc").join(pid.to_string()).exists() {
                continue;
            }
            let _ = std::fs::remove_file(&p);
        }
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `.NAME.rampart-tmp.PID.RANDOM` (NAME cut so the whole fits NAME_MAX).
fn temp_name(name: &OsStr, pid: u32, random: &str) -> OsString {
    let n = name.as_bytes();
    let mut b = Vec::with_capacity(n.len().min(200) + 48);
    b.push(b'.');
    b.extend_from_slice(&n[..n.len().min(200)]);
    b.extend_from_slice(format!("{TMP_MARK}{pid}.{random}").as_bytes());
    OsString::from_vec(b)
}

/// The pid in one of rampart's temp names: `.NAME.rampart-tmp.PID.HEX16`,
/// or `.NAME.rampart-tmp.PID` (the naming before the random part).
fn temp_pid(name: &OsStr) -> Option<u32> {
    let b = name.as_bytes();
    let mark = TMP_MARK.as_bytes();
    if b.first() != Some(&b'.') {
        return None;
    }
    let at = b.windows(mark.len()).rposition(|w| w == mark)?;
    if at < 2 {
        return None;
    }
    // NAME may not be UTF-8; the tail after the mark must be.
    let tail = std::str::from_utf8(&b[at + mark.len()..]).ok()?;
    let (pid, random) = match tail.split_once('.') {
        Some((p, r)) => (p, Some(r)),
        None => (tail, None),
    };
    if pid.is_empty() || !pid.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if let Some(r) = random {
        if r.len() != 16 || !r.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
    }
    pid.parse().ok()
}

/// An error and its causes, joined with ": ", as the binary (anyhow's
/// `{:#}`) prints them: for libraries that put an error into a message.
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_round_trip() {
        let n = temp_name(OsStr::new("redis.conf"), 4242, "0123456789abcdef");
        assert_eq!(n, ".redis.conf.rampart-tmp.4242.0123456789abcdef");
        assert_eq!(temp_pid(&n), Some(4242));
        assert_eq!(temp_pid(OsStr::new(".redis.conf.rampart-tmp.77")), Some(77));
        for other in [
            "redis.conf",
            "redis.conf.rampart-tmp.12.0123456789abcdef",
            ".redis.conf.rampart-tmp.x.0123456789abcdef",
            ".redis.conf.rampart-tmp.12.0123",
            ".redis.conf.rampart-tmp.",
            ".redis.conf.rampart-bak",
        ] {
            assert_eq!(temp_pid(OsStr::new(other)), None, "{other}");
        }
        let long = "a".repeat(255);
        assert!(temp_name(OsStr::new(&long), u32::MAX, "0123456789abcdef").len() <= 255);
        let bin = OsStr::from_bytes(b".\xffx.rampart-tmp.9.0123456789abcdef");
        assert_eq!(temp_pid(bin), Some(9));
    }
}
