//! Which command-line inputs are files: a TARGET that names a config file
//! or a directory rather than a server (`rampart audit prod/redis.conf
//! stage/`), resolved to the config, ACL file and sentinel.conf to read.

use std::path::{Path, PathBuf};

/// A TARGET that names a file or directory rather than a server: one that
/// exists (and is not a URI or a Unix socket), or that has a `/` or ends in
/// `.conf`/`.acl` (then a missing one is an error, not a host).
pub fn is_path(t: &str) -> Option<PathBuf> {
    if t.starts_with("redis://") || t.starts_with("rediss://") || t.starts_with("unix:") {
        return None;
    }
    let p = Path::new(t);
    // A Unix socket is a server, not a file to read.
    use std::os::unix::fs::FileTypeExt;
    if std::fs::metadata(p).is_ok_and(|m| m.file_type().is_socket()) {
        return None;
    }
    let looks = t.contains('/') || t.ends_with(".conf") || t.ends_with(".acl");
    (looks || p.exists()).then(|| p.to_path_buf())
}

/// One files target: a config, with the ACL file and sentinel.conf beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesArg {
    pub config: PathBuf,
    pub aclfile: Option<PathBuf>,
    pub sentinel_config: Option<PathBuf>,
}

/// A path TARGET that is neither a file nor a directory holding a config.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}: not a config file or directory")]
    Missing(String),
    #[error("{0}: no redis.conf or valkey.conf in this directory")]
    NoConfig(String),
    #[error("no Redis or Valkey config found on this host (looked in {}); name one with `rampart audit --config FILE`", WELL_KNOWN.join(", "))]
    NoHostConfig,
}

/// Where distributions and the upstream Makefile put the server config.
pub const WELL_KNOWN: &[&str] = &[
    "/etc/redis/redis.conf",
    "/etc/redis.conf",
    "/etc/valkey/valkey.conf",
    "/etc/valkey.conf",
    "/usr/local/etc/redis.conf",
    "/usr/local/etc/redis/redis.conf",
    "/usr/local/etc/valkey/valkey.conf",
];

/// Run from the repository with no Redis on the host: audit the example.
const EXAMPLE: &str = "examples/insecure/redis.conf";

/// The config an audit with no target reads: this host's, else (run from
/// rampart's repository) the example deployment, with a note saying so.
pub fn host_config() -> Result<(PathBuf, Option<String>), InputError> {
    if let Some(p) = WELL_KNOWN.iter().map(Path::new).find(|p| p.is_file()) {
        return Ok((p.to_path_buf(), None));
    }
    if Path::new(EXAMPLE).is_file() {
        return Ok((
            PathBuf::from(EXAMPLE),
            Some(format!(
                "rampart: no Redis or Valkey config found on this host (looked in {}); auditing the example deployment {EXAMPLE} instead",
                WELL_KNOWN.join(", ")
            )),
        ));
    }
    Err(InputError::NoHostConfig)
}

/// The files targets of a run: `--config` (with `--aclfile`,
/// `--sentinel-config`) and every path TARGET; a directory stands for its
/// redis.conf or valkey.conf with the users.acl and sentinel.conf it holds.
pub fn file_targets(
    targets: &[String],
    config: Option<&Path>,
    aclfile: Option<&Path>,
    sentinel_config: Option<&Path>,
) -> Result<Vec<FilesArg>, InputError> {
    let mut out = Vec::new();
    if let Some(c) = config {
        out.push(FilesArg {
            config: c.to_path_buf(),
            aclfile: aclfile.map(Path::to_path_buf),
            sentinel_config: sentinel_config.map(Path::to_path_buf),
        });
    }
    for t in targets {
        let Some(p) = is_path(t) else { continue };
        let meta =
            std::fs::metadata(&p).map_err(|_| InputError::Missing(p.display().to_string()))?;
        if !meta.is_dir() {
            out.push(FilesArg {
                config: p,
                aclfile: aclfile.map(Path::to_path_buf),
                sentinel_config: sentinel_config.map(Path::to_path_buf),
            });
            continue;
        }
        let config = ["redis.conf", "valkey.conf"]
            .iter()
            .map(|n| p.join(n))
            .find(|c| c.is_file())
            .ok_or_else(|| InputError::NoConfig(p.display().to_string()))?;
        let beside = |n: &str| Some(p.join(n)).filter(|f| f.is_file());
        out.push(FilesArg {
            config,
            aclfile: aclfile
                .map(Path::to_path_buf)
                .or_else(|| beside("users.acl")),
            sentinel_config: sentinel_config
                .map(Path::to_path_buf)
                .or_else(|| beside("sentinel.conf")),
        });
    }
    Ok(out)
}
