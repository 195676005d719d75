//! Which server and which version: from `INFO server` fields and the
//! `redis-server --version` / `valkey-server --version` string.
//!
//! Valkey reports `redis_version:7.2.4` (the Redis version it is compatible
//! with) on every release; its own version is `valkey_version`, and
//! `server_name:valkey` names it. Never judge Valkey by `redis_version`.

use std::collections::BTreeMap;
use std::fmt;

/// The server product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    Redis,
    Valkey,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Redis => "redis",
            Product::Valkey => "valkey",
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Product::Redis => "Redis",
            Product::Valkey => "Valkey",
        })
    }
}

/// What the build itself tells about where it came from. Every field is
/// optional; fill what the caller has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildHints {
    /// `redis_git_sha1` / `valkey_git_sha1` from INFO (`00000000` when the
    /// server was built from a release tarball rather than a git checkout,
    /// which is how distributions and most source builds do it).
    pub git_sha1: Option<String>,
    /// `redis_git_dirty`.
    pub git_dirty: Option<String>,
    /// `redis_build_id`.
    pub build_id: Option<String>,
    /// `executable` from INFO (the path the server was started as).
    pub executable: Option<String>,
    /// The `redis-server --version` line, e.g.
    /// `Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0`.
    pub version_string: Option<String>,
    /// The distribution package version, when the caller has it (e.g.
    /// `5:7.0.15-1~deb12u10` from `dpkg-query -W redis-server`).
    pub package_version: Option<String>,
    /// The modules the server has loaded (`MODULE LIST`), which decide
    /// the module advisories (RedisBloom, RedisTimeSeries, ...).
    pub modules: Modules,
}

/// One module of `MODULE LIST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedModule {
    /// `name` (e.g. `bf`, `timeseries`, `vectorset`).
    pub name: String,
    /// `ver`, an integer `MMmmpp` (RedisBloom 2.6.12 is `20612`).
    pub ver: i64,
}

impl LoadedModule {
    /// `ver` as `major.minor.patch` (`20612` → 2.6.12).
    pub fn version(&self) -> crate::Version {
        let v = u32::try_from(self.ver.max(0)).unwrap_or(u32::MAX);
        crate::Version::new(v / 10_000, v / 100 % 100, v % 100)
    }
}

/// What is known of the server's modules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Modules {
    /// Not asked (no live connection, or the caller did not say).
    #[default]
    NotRead,
    /// `MODULE LIST` was refused or failed: why (`NOPERM ...`).
    Unreadable(String),
    /// `MODULE LIST` answered.
    Listed(Vec<LoadedModule>),
}

impl BuildHints {
    /// Whether the git sha1 is all zeros (a tarball build).
    pub fn tarball_build(&self) -> bool {
        let sha = self.git_sha1.clone().or_else(|| {
            self.version_string
                .as_deref()
                .and_then(|s| version_string_field(s, "sha"))
        });
        sha.is_some_and(|s| {
            let s = s.split(':').next().unwrap_or("");
            !s.is_empty() && s.chars().all(|c| c == '0')
        })
    }
}

/// The server identified from INFO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub product: Product,
    /// The product's own version (`valkey_version` for Valkey).
    pub version: String,
    /// `redis_version` as reported (for Valkey: the compatible Redis version).
    pub redis_compat_version: Option<String>,
    pub hints: BuildHints,
}

/// Why a server could not be identified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentifyError {
    #[error("INFO has neither redis_version nor valkey_version")]
    NoVersion,
    #[error("server_name is {0:?}, which is neither redis nor valkey")]
    UnknownServer(String),
    #[error("server_name says valkey but INFO has no valkey_version")]
    ValkeyWithoutVersion,
    #[error("not a redis-server/valkey-server --version line: {0:?}")]
    NotAVersionString(String),
}

/// Identify product and version from INFO fields.
///
/// Valkey is recognised by `server_name:valkey` or by the presence of
/// `valkey_version`; its version is `valkey_version`. Otherwise it is Redis
/// and the version is `redis_version`.
pub fn identify(info: &BTreeMap<String, String>) -> Result<Identity, IdentifyError> {
    let get = |k: &str| info.get(k).filter(|v| !v.is_empty()).cloned();
    let server_name = get("server_name").map(|s| s.to_ascii_lowercase());
    let valkey_version = get("valkey_version");
    let redis_version = get("redis_version");
    let product = match server_name.as_deref() {
        Some("valkey") => Product::Valkey,
        Some("redis") => Product::Redis,
        Some(other) => return Err(IdentifyError::UnknownServer(other.to_string())),
        None if valkey_version.is_some() => Product::Valkey,
        None => Product::Redis,
    };
    let version = match product {
        Product::Valkey => valkey_version.ok_or(IdentifyError::ValkeyWithoutVersion)?,
        Product::Redis => redis_version.clone().ok_or(IdentifyError::NoVersion)?,
    };
    let prefix = product.name();
    let hints = BuildHints {
        git_sha1: get(&format!("{prefix}_git_sha1")).or_else(|| get("redis_git_sha1")),
        git_dirty: get(&format!("{prefix}_git_dirty")).or_else(|| get("redis_git_dirty")),
        build_id: get(&format!("{prefix}_build_id")).or_else(|| get("redis_build_id")),
        executable: get("executable"),
        version_string: None,
        package_version: None,
        modules: Modules::NotRead,
    };
    Ok(Identity {
        product,
        version,
        redis_compat_version: redis_version,
        hints,
    })
}

fn version_string_field(s: &str, key: &str) -> Option<String> {
    s.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .map(str::to_string)
}

/// Identify from a `redis-server --version` / `valkey-server --version`
/// line (`Redis server v=7.0.15 sha=...` / `Valkey server v=8.0.6 sha=...`).
pub fn identify_version_string(s: &str) -> Result<Identity, IdentifyError> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let product = if lower.starts_with("valkey server") {
        Product::Valkey
    } else if lower.starts_with("redis server") {
        Product::Redis
    } else {
        return Err(IdentifyError::NotAVersionString(t.to_string()));
    };
    let version = version_string_field(t, "v")
        .ok_or_else(|| IdentifyError::NotAVersionString(t.to_string()))?;
    let sha = version_string_field(t, "sha");
    Ok(Identity {
        product,
        version,
        redis_compat_version: None,
        hints: BuildHints {
            git_sha1: sha
                .as_deref()
                .map(|s| s.split(':').next().unwrap_or("").to_string()),
            git_dirty: sha
                .as_deref()
                .and_then(|s| s.split_once(':'))
                .map(|(_, d)| d.to_string()),
            build_id: version_string_field(t, "build"),
            executable: None,
            version_string: Some(t.to_string()),
            package_version: None,
            modules: Modules::NotRead,
        },
    })
}
