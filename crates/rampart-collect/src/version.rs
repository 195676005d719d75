//! Which version a target's files are read for.
//!
//! Live: the server's own INFO. Files: `--server-version`, else the server
//! binary that runs with that config on this host, else the one installed
//! here (`redis-server --version`), else the newest line of the product the
//! file belongs to, said in the report.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis_conf::{Product, Version};

/// The version named by `--server-version`: a dialect (`redis-7.2`,
/// `valkey-9.1`), a full version (`redis-7.2.6`), or a version newer or
/// older than the data (`redis-9.4`: the nearest line, with a note).
pub fn named(name: &str) -> Result<Version, String> {
    if let Some(v) = Version::named(name) {
        return Ok(v);
    }
    let known = redis_dialects::names().join(", ");
    let (product, version) = name.trim().split_once('-').ok_or_else(|| {
        format!("--server-version {name:?}: expected PRODUCT-VERSION, one of {known}")
    })?;
    let product = Product::parse(product).ok_or_else(|| {
        format!("--server-version {name:?}: the product is redis or valkey ({known})")
    })?;
    if redis_dialects::parse_version(version).is_none() {
        return Err(format!(
            "--server-version {name:?}: {version:?} is not a version ({known})"
        ));
    }
    redis_dialects::choose(product, version)
        .map(Version::from_choice)
        .ok_or_else(|| format!("no data for {} at all", product.title()))
}

/// The version a live server reports in INFO (`server_name`,
/// `valkey_version`, `redis_version`).
pub fn from_info(info: &std::collections::BTreeMap<String, String>) -> Option<Version> {
    let (product, version) = match info.get("valkey_version") {
        Some(v) => (Product::Valkey, v.clone()),
        None => {
            let p = if info
                .get("server_name")
                .is_some_and(|n| n.eq_ignore_ascii_case("valkey"))
            {
                Product::Valkey
            } else {
                Product::Redis
            };
            (p, info.get("redis_version").cloned().unwrap_or_default())
        }
    };
    redis_dialects::choose(product, &version).map(Version::from_choice)
}

/// `Redis server v=7.0.15 sha=...` / `Valkey server v=9.1.2 ...` of a
/// binary, run with a deadline and a byte budget.
pub fn binary_version(bin: &Path) -> Option<(Product, String)> {
    if !trusted_binary(bin) {
        return None;
    }
    let mut child = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = Vec::new();
    child.stdout.take()?.take(4096).read_to_end(&mut out).ok()?;
    parse_version_line(&String::from_utf8_lossy(&out))
}

/// Whether rampart may run `bin --version`: a regular file owned by root
/// or by the user rampart runs as, writable by neither group nor others.
/// A server process of another user (or a `redis-server` early on PATH)
/// must not get root to run its binary.
pub fn trusted_binary(bin: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(bin) else {
        return false;
    };
    // /proc/self is owned by the effective user.
    let me = std::fs::metadata("/proc/self").map(|s| s.uid()).ok();
    m.is_file() && (m.uid() == 0 || Some(m.uid()) == me) && m.mode() & 0o022 == 0
}

/// `Redis server v=7.0.15 sha=...` → (Redis, "7.0.15").
pub fn parse_version_line(out: &str) -> Option<(Product, String)> {
    let line = out.lines().next()?;
    let product = if line.starts_with("Valkey") {
        Product::Valkey
    } else if line.starts_with("Redis") {
        Product::Redis
    } else {
        return None;
    };
    let v = line.split_whitespace().find_map(|w| w.strip_prefix("v="))?;
    redis_dialects::parse_version(v)?;
    Some((product, v.chars().take(40).collect()))
}

/// The product a config file belongs to: Valkey when its name or
/// directory says so (valkey.conf, /etc/valkey), else Redis.
pub fn product_of_file(path: &Path) -> Product {
    let p = path.to_string_lossy().to_ascii_lowercase();
    if p.contains("valkey") {
        Product::Valkey
    } else {
        Product::Redis
    }
}

/// The server binary of `product` installed on this host (on PATH, or in
/// /usr/bin, /usr/local/bin), when there is one.
pub fn installed_binary(product: Product) -> Option<PathBuf> {
    let name = format!("{}-server", product.as_str());
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/bin", "/usr/local/bin", "/usr/sbin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join(&name))
        .find(|p| p.is_file())
}

/// The version for files: a running server's binary (`exe` of a process
/// that runs with this config), else, for a config under /etc, the
/// installed binary of the file's product, else the newest line of that
/// product. The note says which.
pub fn for_files(config: &Path, running_exe: Option<&Path>) -> Option<Version> {
    let product = product_of_file(config);
    let from_bin = |bin: &Path, what: &str| -> Option<Version> {
        let (p, v) = binary_version(bin)?;
        let mut version = redis_dialects::choose(p, &v).map(Version::from_choice)?;
        let said = format!(
            "read as {}: {what} {} is {} {v}",
            version.dialect.title(),
            bin.display(),
            p.title()
        );
        version.note = Some(match version.note {
            Some(n) => format!("{said}; {n}"),
            None => said,
        });
        Some(version)
    };
    if let Some(exe) = running_exe {
        if let Some(v) = from_bin(exe, "the server running with this config,") {
            return Some(v);
        }
    }
    // The installed server stands for the host's own configs only: a file
    // elsewhere (a repository checkout in CI) is not tied to it.
    if is_system_config(config) {
        if let Some(bin) = installed_binary(product) {
            if let Some(v) = from_bin(&bin, "the server installed here,") {
                return Some(v);
            }
        }
    }
    Version::unknown(product)
}

/// A config of this host's own server: under /etc (where the packages put
/// redis.conf and valkey.conf).
pub fn is_system_config(config: &Path) -> bool {
    let p = std::fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf());
    p.starts_with("/etc")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn version_lines() {
        assert_eq!(
            parse_version_line(
                "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64"
            ),
            Some((Product::Redis, "7.0.15".into()))
        );
        assert_eq!(
            parse_version_line("Valkey server v=9.1.2 sha=00000000:1 malloc=libc bits=64"),
            Some((Product::Valkey, "9.1.2".into()))
        );
        assert_eq!(parse_version_line("garbage"), None);
        assert_eq!(parse_version_line("Redis server v=abc"), None);
    }

    #[test]
    fn untrusted_binaries_are_not_run() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let bin = d.path().join("redis-server");
        std::fs::write(&bin, "#!/bin/sh\necho 'Redis server v=7.2.6 sha=0'\n").unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(binary_version(&bin), Some((Product::Redis, "7.2.6".into())));
        // Writable by others: not run.
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o757)).unwrap();
        assert_eq!(binary_version(&bin), None);
        // Owned by another user: not run (rampart runs as root in CI).
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        if std::os::unix::fs::chown(&bin, Some(12345), Some(12345)).is_ok() {
            assert_eq!(binary_version(&bin), None);
        }
    }

    #[test]
    fn named_versions() {
        assert!(named("redis-7.2").is_ok_and(|v| v.exact));
        assert!(named("valkey-9.1.2").is_ok_and(|v| v.exact));
        let future = named("redis-99.1").expect("a future line reads as the newest");
        assert!(!future.exact && future.note.is_some());
        assert!(named("memcached-1.6").is_err());
        assert!(named("redis-latest").is_err());
    }
}
