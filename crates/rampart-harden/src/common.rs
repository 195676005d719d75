//! Names every part of the workflow shares (reading inputs, passwords,
//! addresses, TLS settings, the loadable-output check, writing outputs).

use crate::error::{Error, Result};
use rampart_fs::{Mode, Owner};
use redis_conf::edit::Editor;
use redis_conf::{Config, LoadOptions, Secret};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Inputs larger than this are refused.
pub(crate) const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// One change with the check it satisfies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The check ID (`ACL003`).
    pub id: &'static str,
    /// What changed, safe to print (no secret, sanitised).
    pub text: String,
}

impl Change {
    pub(crate) fn new(id: &'static str, text: impl Into<String>) -> Change {
        Change {
            id,
            text: text.into(),
        }
    }
}

/// The edit under way, and what the report says about it.
pub(crate) struct Work<'a> {
    pub ed: Editor<'a>,
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

/// A file's bytes, bounded (the size is checked before reading).
pub(crate) fn read_bounded(p: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(p).map_err(|source| Error::Io {
        what: "cannot read",
        path: p.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_BYTES {
        return Err(Error::TooLarge {
            path: p.to_path_buf(),
            limit: MAX_BYTES,
        });
    }
    Ok(redis_conf::fileio::read(p, MAX_BYTES)?)
}

/// A text file, bounded, without NUL bytes (lossy UTF-8).
pub(crate) fn read(p: &Path) -> Result<String> {
    let b = read_bounded(p)?;
    if b.contains(&0) {
        return Err(Error::Binary {
            path: p.to_path_buf(),
        });
    }
    Ok(String::from_utf8_lossy(&b).into_owned())
}

pub(crate) fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

/// Register a secret with the scrubber (no output shows it); returns it.
pub(crate) fn remember(s: Secret) -> Secret {
    rampart_report::scrub::register(s.expose());
    s
}

/// 32 bytes from the OS RNG as 64 lowercase hex characters (registered
/// with the scrubber).
pub(crate) fn new_password() -> Result<Secret> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(Error::Random)?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    b.fill(0);
    Ok(remember(Secret::new(hex.into_bytes())))
}

/// The password of `name` in a harden run's passwords.txt (`name
/// password` lines), registered with the scrubber; `None` when absent.
pub(crate) fn password_in(text: &str, name: &str) -> Option<Secret> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map(|p| remember(Secret::new(p.trim_end().as_bytes().to_vec())))
}

pub(crate) fn absolute(p: &Path) -> Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map_err(Error::CurrentDir)?.join(p)
    };
    Ok(std::fs::canonicalize(&abs).unwrap_or(abs))
}

/// What a `bind` address reaches.
#[derive(PartialEq, Eq)]
pub(crate) enum Reach {
    Loopback,
    Private,
    Wildcard,
    Other,
}

pub(crate) fn reach(addr: &str) -> Reach {
    let a = addr.strip_prefix('-').unwrap_or(addr);
    if a == "*" {
        return Reach::Wildcard;
    }
    match a.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_unspecified() => Reach::Wildcard,
        Ok(ip) if ip.is_loopback() => Reach::Loopback,
        Ok(std::net::IpAddr::V4(v4)) if v4.is_private() || v4.is_link_local() => Reach::Private,
        Ok(std::net::IpAddr::V6(v6))
            if (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80 =>
        {
            Reach::Private
        }
        _ => Reach::Other,
    }
}

/// TLS only on `port` (`port 0`), TLS 1.2 and 1.3 with ECDHE+AEAD suites,
/// the server's order, client certificates required, replication (and,
/// for a Sentinel, the links to masters and Sentinels) over TLS. Returns
/// the changes made, with their checks.
pub(crate) fn set_tls(
    ed: &mut Editor,
    cert: &Path,
    key: &Path,
    ca: &Path,
    port: u16,
) -> Vec<Change> {
    let settings: Vec<(&str, Vec<String>, &'static str)> = vec![
        ("port", vec!["0".into()], "TLS001"),
        ("tls-port", vec![port.to_string()], "TLS001"),
        ("tls-cert-file", vec![cert.to_string_lossy().into()], "TLS010"),
        ("tls-key-file", vec![key.to_string_lossy().into()], "TLS010"),
        ("tls-ca-cert-file", vec![ca.to_string_lossy().into()], "TLS004"),
        ("tls-protocols", vec!["TLSv1.2 TLSv1.3".into()], "TLS003"),
        (
            "tls-ciphers",
            vec!["ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305".into()],
            "TLS002",
        ),
        (
            "tls-ciphersuites",
            vec!["TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256".into()],
            "TLS002",
        ),
        ("tls-prefer-server-ciphers", vec!["yes".into()], "TLS005"),
        ("tls-auth-clients", vec!["yes".into()], "TLS004"),
        ("tls-replication", vec!["yes".into()], "TLS006"),
    ];
    let mut changes = Vec::new();
    for (name, args, id) in settings {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        if ed.set(name, &refs) {
            let shown: Vec<String> = refs.iter().map(|a| redis_conf::quote_arg(a)).collect();
            changes.push(Change::new(
                id,
                format!("{name} {}", clean(&shown.join(" "))),
            ));
        }
    }
    changes
}

/// The edited text, checked to load as Redis would, and the unified diff
/// against the input (secret lines as `***`).
pub(crate) fn finish(
    ed: &Editor,
    out: &Path,
    opts: &LoadOptions,
    what: &str,
) -> Result<(String, String)> {
    let new_lines = ed.new_lines();
    let text: String = new_lines.concat();
    let check = Config::parse_str(out, &text, opts);
    if let Some(p) = check
        .problems
        .iter()
        .find(|p| p.kind == redis_conf::ProblemKind::Fatal)
    {
        return Err(Error::Internal(format!(
            "internal error: the hardened {what} would not load (line {}: {}); nothing written",
            p.span.line,
            clean(&p.message)
        )));
    }
    let diff = redis_conf::edit::unified(
        &ed.ops(&new_lines),
        &clean(&ed.main.display().to_string()),
        &clean(&out.display().to_string()),
        &clean,
    );
    Ok((text, diff))
}

/// The output directory, created 0750 when missing.
pub(crate) fn make_out_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(dir)
            .map_err(|source| Error::Io {
                what: "cannot create",
                path: dir.to_path_buf(),
                source,
            })?;
    }
    Ok(())
}

/// passwords.txt: `user password` lines, created once with mode 0600 and
/// never overwritten (the operator stores them, then deletes the file).
/// It appears complete or not at all; any existing name (a link
/// included) is refused.
pub(crate) fn write_passwords(path: &Path, note: &str, entries: &[(&str, &Secret)]) -> Result<()> {
    let mut text = format!(
        "# rampart harden: passwords generated on this run (user password).\n# Store them in your secret manager, then delete this file{note}.\n"
    );
    for (name, p) in entries {
        text.push_str(&format!("{name} {}\n", String::from_utf8_lossy(p.expose())));
    }
    let text = Secret::new(text.into_bytes());
    let made = rampart_fs::create_new(path, text.expose(), 0o600, Owner::Process)?;
    if !made {
        return Err(Error::Refused(format!(
            "{} already exists: rampart never overwrites it; store its passwords, remove it, and run again (nothing written)",
            path.display()
        )));
    }
    Ok(())
}

/// Write a config rampart generated, mode 0640; when rampart runs as root
/// and the server has a group (`redis` or `valkey`), in that group.
pub(crate) fn write_0640(path: &Path, body: &str, group: Option<&(String, u32)>) -> Result<()> {
    let owner = group.map_or(Owner::Process, |(_, gid)| Owner::GroupIfRoot(*gid));
    Ok(rampart_fs::write_file(
        path,
        body.as_bytes(),
        Mode::Exact(0o640),
        owner,
    )?)
}

/// The server's group (`redis` or `valkey`) and its gid, if one exists.
pub(crate) fn server_group() -> Option<(String, u32)> {
    let groups = redis_conf::fileio::read_string(
        std::path::Path::new("/etc/group"),
        redis_conf::fileio::DEFAULT_LIMIT,
    )
    .ok()?;
    groups.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        match (f.first(), f.get(2)) {
            (Some(n), Some(g)) if *n == "redis" || *n == "valkey" => {
                Some((n.to_string(), g.parse::<u32>().ok()?))
            }
            _ => None,
        }
    })
}

/// The group's name when the written files are in it.
pub(crate) fn group_given(group: Option<(String, u32)>, paths: &[&Path]) -> Option<String> {
    let (name, gid) = group?;
    paths
        .iter()
        .any(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.gid() == gid))
        .then_some(name)
}
