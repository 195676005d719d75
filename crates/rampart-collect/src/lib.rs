//! Collectors: they read files, /proc and the host's configuration and
//! build a [`Snapshot`]. They do I/O and nothing else; the checks decide.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod accounts;
pub mod acl_source;
pub mod advisories;
pub mod audit;
mod files;
pub mod history;
#[cfg(test)]
mod history_pg;
pub mod inputs;
pub mod inventory;
pub mod live;
pub mod live_audit;
mod logrotate;
mod procs;
pub mod sample;
pub mod shard;
mod shared_table;
pub mod topology;
pub mod version;

pub use accounts::Accounts;
pub use files::file_meta;
pub use logrotate::{parse_logrotate, read_logrotate};
pub use procs::{find_server_processes, local_servers, LocalServer};

use rampart_checks::aclbuild::{build_acl_facts_with, file_command_table, AclFileInput};
use rampart_checks::{Avail, ConfFacts, SentinelFacts, Snapshot};
use redis_conf::{Config, Format, LoadOptions, Version};
use std::path::{Path, PathBuf};

/// What a files-only audit reads.
#[derive(Clone, Debug, Default)]
pub struct FilesTarget {
    /// redis.conf (or valkey.conf).
    pub config: PathBuf,
    /// The external ACL file, when it is not (or not only) named by `aclfile`.
    pub aclfile: Option<PathBuf>,
    /// sentinel.conf of a Sentinel that watches this server.
    pub sentinel_config: Option<PathBuf>,
    /// Where the host's configuration lives (`/` normally; tests point it
    /// at a temp dir holding `etc/logrotate.d`).
    pub host_root: Option<PathBuf>,
    /// Look for running server processes in /proc.
    pub scan_processes: bool,
    /// The command table of the server the files belong to (default:
    /// the one of [`FilesTarget::version`]).
    pub table: Option<&'static redis_acl::CommandTable>,
    /// `--server-version`: the version the files are read for. `None`:
    /// the server running with this config, else the one installed here,
    /// else the newest line (see [`version::for_files`]).
    pub version: Option<Version>,
}

/// Limit for the ACL file (Redis itself reads it whole).
const MAX_ACLFILE_BYTES: u64 = 16 * 1024 * 1024;

/// Resolve a path named in the config the way the server would: absolute
/// stays; relative is taken from `dir` when that is absolute (Redis
/// chdirs there), else from the config file's directory.
pub fn server_path(c: &ConfFacts, p: &str) -> PathBuf {
    let dir = c.value("dir");
    let base = if Path::new(&dir).is_absolute() {
        PathBuf::from(dir)
    } else {
        c.path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    rampart_checks::resolve(&base, p)
}

/// Collect everything a files-only audit can know about one server.
pub fn collect_files(t: &FilesTarget) -> Snapshot {
    let mut s = Snapshot::empty(t.config.display().to_string());
    let version = t
        .version
        .clone()
        .or_else(|| version::for_files(&t.config, None));
    let opts = LoadOptions {
        version: version.clone(),
        ..LoadOptions::default()
    };
    let config = match Config::load(&t.config, &opts) {
        Ok(c) => c,
        Err(e) => {
            let msg = e.to_string();
            s.conf = Avail::Failed(msg.clone());
            s.acl = Avail::Failed(format!("no users: {msg}"));
            s.fs = Avail::Failed(format!("no file list: {msg}"));
            s.os = Avail::Present(read_host(t));
            s.proc =
                Avail::absent("the config could not be read, so its process cannot be matched");
            s.sentinel = load_sentinel(t);
            return s;
        }
    };
    let mut c = ConfFacts {
        path: t.config.clone(),
        config,
    };
    let accounts = Accounts::load(t.host_root.as_deref().unwrap_or(Path::new("/")));
    let procs = t
        .scan_processes
        .then(|| find_server_processes(&c, &accounts));
    // A server running with this config names the version, unless
    // --server-version did.
    if t.version.is_none() {
        let exe = procs
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .and_then(|p| p.processes.first())
            .and_then(|p| std::fs::read_link(format!("/proc/{}/exe", p.pid)).ok());
        if let Some(v) = exe.and_then(|e| version::for_files(&t.config, Some(&e))) {
            let same = c
                .config
                .dialect()
                .is_some_and(|d| std::ptr::eq(d, v.dialect));
            if !same {
                let opts = LoadOptions {
                    version: Some(v),
                    ..LoadOptions::default()
                };
                if let Ok(config) = Config::load(&t.config, &opts) {
                    c.config = config;
                }
            }
        }
    }
    s.version = c.config.version.clone();

    // ACL file: --aclfile wins, else the config's aclfile.
    let aclfile_path = t.aclfile.clone().or_else(|| {
        let v = c.value("aclfile");
        (!v.is_empty()).then(|| server_path(&c, &v))
    });
    let acl_text = aclfile_path
        .as_ref()
        .map(|p| (p.clone(), read_text(p, MAX_ACLFILE_BYTES)));
    let input = acl_text.as_ref().map(|(p, r)| match r {
        Ok(text) => AclFileInput::Text { path: p, text },
        Err(e) => AclFileInput::Unreadable {
            path: p,
            error: e.clone(),
        },
    });
    let base = t.table.unwrap_or_else(|| match &s.version {
        Some(v) => redis_acl::CommandTable::of_dialect(v.dialect),
        None => redis_acl::CommandTable::redis_7_0(),
    });
    // The table as the config's rename-command lines leave it.
    s.file_table = match file_command_table(&c, base) {
        Some(renamed) => Some(std::sync::Arc::new(renamed)),
        None => Some(std::sync::Arc::new(base.clone())),
    };
    s.acl = build_acl_facts_with(&c, input, s.file_table.as_deref().unwrap_or(base));
    s.sentinel = load_sentinel(t);
    s.fs = Avail::Present(files::collect_fs(
        &c,
        aclfile_path.as_deref(),
        t.sentinel_config.as_deref(),
        &accounts,
    ));
    s.os = Avail::Present(read_host(t));
    s.proc = match procs {
        Some(Ok(p)) => Avail::Present(p),
        Some(Err(e)) => Avail::Failed(format!("cannot read /proc: {e}")),
        None => Avail::absent("process scan disabled"),
    };
    s.conf = Avail::Present(c);
    s
}

/// A Sentinel's own config file (live audit of a Sentinel on this host):
/// parsed as sentinel.conf, with its owner, group and mode.
pub fn collect_sentinel_config(
    path: &Path,
) -> (Avail<SentinelFacts>, Avail<rampart_checks::FsFacts>) {
    let t = FilesTarget {
        sentinel_config: Some(path.to_path_buf()),
        ..FilesTarget::default()
    };
    let sentinel = load_sentinel(&t);
    let accounts = Accounts::load(Path::new("/"));
    let fs = rampart_checks::FsFacts {
        files: vec![rampart_checks::FileFact {
            path: path.to_path_buf(),
            role: rampart_checks::FileRole::SentinelConfig,
            named_at: None,
            meta: file_meta(path, &accounts),
        }],
    };
    (sentinel, Avail::Present(fs))
}

fn load_sentinel(t: &FilesTarget) -> Avail<SentinelFacts> {
    let Some(p) = &t.sentinel_config else {
        return Avail::absent("no sentinel.conf given (--sentinel-config)");
    };
    let opts = LoadOptions {
        format: Format::Sentinel,
        version: t.version.clone().or_else(|| version::for_files(p, None)),
        ..LoadOptions::default()
    };
    match Config::load(p, &opts) {
        Ok(config) => Avail::Present(SentinelFacts {
            path: p.clone(),
            config,
        }),
        Err(e) => Avail::Failed(e.to_string()),
    }
}

fn read_host(t: &FilesTarget) -> rampart_checks::OsFacts {
    let root = t.host_root.as_deref().unwrap_or(Path::new("/"));
    read_logrotate(root)
}

/// Read a text file with a size limit; errors as text. Read with the bounded reader (`redis_conf::fileio`): regular files
/// only, never blocking on a FIFO, never more than `limit` bytes.
pub fn read_text(p: &Path, limit: u64) -> Result<String, String> {
    let bytes = redis_conf::fileio::read(p, limit).map_err(|e| e.why.to_string())?;
    if bytes.contains(&0) {
        return Err("not a text file (contains NUL bytes)".into());
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The git checkout a config file lies in, when it is one and not under
/// /etc (where etckeeper keeps a host's live files in git): files there are
/// a repository's copy, not what a server on this host reads, so their
/// owners and modes say nothing about the host.
pub fn checkout_of(config: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(config).ok()?;
    if abs.starts_with("/etc") {
        return None;
    }
    abs.ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Leave out the facts of this host (file owners and modes, the server
/// process, logrotate, syslog and firewall configuration): the checks that
/// need them skip with `why`.
pub fn leave_out_host_facts(s: &mut Snapshot, why: &str) {
    s.fs = Avail::absent(why);
    s.proc = Avail::absent(why);
    s.os = Avail::absent(why);
}
