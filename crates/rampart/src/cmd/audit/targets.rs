//! The live targets of `rampart audit`: TARGET arguments, `--targets-file`
//! (a list, or a TOML inventory with credentials by reference), `-h`/`-p`.

use crate::cli::AuditArgs;
use anyhow::{Context, Result};
use rampart_live::{Credentials, Endpoint};
use redis_conf::Secret;
use std::path::PathBuf;

/// The live targets named on the command line, with their credentials.
/// A fleet inventory (`--targets-file fleet.toml`): targets with their own
/// credentials, by reference to an environment variable or a file, never
/// the password itself.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Inventory {
    #[serde(default)]
    defaults: InventoryCreds,
    #[serde(default)]
    target: Vec<InventoryTarget>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct InventoryCreds {
    user: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryTarget {
    url: String,
    #[serde(flatten)]
    creds: InventoryCreds,
}

impl InventoryCreds {
    fn password(&self, what: &str) -> Result<Option<Secret>> {
        if let Some(var) = &self.password_env {
            let v = std::env::var_os(var)
                .with_context(|| format!("{what}: the environment variable {var} is not set"))?;
            return Ok(Some(super::super::remember(Secret::new(
                v.into_encoded_bytes(),
            ))));
        }
        if let Some(f) = &self.password_file {
            let text = redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
                .map_err(|e| anyhow::anyhow!("{what}: {}", e.named("the password file")))?;
            return Ok(Some(super::super::remember(Secret::new(
                text.lines().next().unwrap_or("").as_bytes().to_vec(),
            ))));
        }
        Ok(None)
    }
}

/// Targets with their own credentials from a TOML inventory.
fn inventory_targets(
    f: &std::path::Path,
    args: &AuditArgs,
) -> Result<Vec<(Endpoint, Credentials)>> {
    let text = redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
        .map_err(|e| e.named("the inventory"))?;
    let inv: Inventory =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", f.display(), e.message()))?;
    let mut out = Vec::new();
    for (i, t) in inv.target.iter().enumerate() {
        let what = format!(
            "{} target #{} ({})",
            f.display(),
            i + 1,
            rampart_live::target::redact(&t.url)
        );
        let parsed = rampart_live::target::parse(&t.url, 6379).with_context(|| what.clone())?;
        if parsed.password_in_uri {
            anstream::eprintln!("rampart: warning: {what}: a password in the inventory's url; use password_env or password_file");
        }
        let password = match parsed.credentials.password.clone() {
            Some(p) => Some(super::super::remember(p)),
            None => match t.creds.password(&what)? {
                Some(p) => Some(p),
                None => inv.defaults.password(&what)?,
            },
        };
        let user = parsed
            .credentials
            .user
            .clone()
            .or_else(|| t.creds.user.clone())
            .or_else(|| inv.defaults.user.clone())
            .or_else(|| args.conn.user.clone());
        let mut ep = parsed.endpoint;
        ep.tls |= args.conn.tls;
        out.push((ep, Credentials { user, password }));
    }
    Ok(out)
}

pub(super) fn live_targets(args: &AuditArgs) -> Result<Vec<(Endpoint, Credentials)>> {
    let mut out = Vec::new();
    let mut asked: Option<Option<Secret>> = None;
    let mut specs: Vec<String> = args
        .targets
        .iter()
        .filter(|t| is_path(t).is_none())
        .cloned()
        .collect();
    if let Some(f) = args
        .targets_file
        .as_ref()
        .filter(|f| f.extension().is_some_and(|e| e == "toml"))
    {
        out.extend(inventory_targets(f, args)?);
    } else if let Some(f) = &args.targets_file {
        let text = redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
            .map_err(|e| e.named("the targets file"))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Fail early with the line: a typo must not silently drop a server.
            rampart_live::target::parse(line, 6379)
                .with_context(|| format!("{}:{}", f.display(), i + 1))?;
            specs.push(line.to_string());
        }
    }
    if let Some(u) = &args.conn.uri {
        specs.push(u.clone());
    }
    if let Some(sock) = &args.conn.socket {
        specs.push(if sock.starts_with('/') {
            sock.clone()
        } else {
            // redis-cli takes a relative socket path: make it absolute.
            std::env::current_dir()
                .map(|d| d.join(sock).display().to_string())
                .unwrap_or_else(|_| sock.clone())
        });
    } else if args.conn.host.is_some() || args.conn.port.is_some() {
        let host = args.conn.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        specs.push(format!("{host}:{}", args.conn.port.unwrap_or(6379)));
    }
    for spec in specs {
        let t = rampart_live::target::parse(&spec, 6379)?;
        let uri_pw = t.credentials.password.clone();
        let pw = match uri_pw {
            Some(p) => super::super::login_password(&args.conn, Some(p))?,
            None => match &asked {
                Some(p) => p.clone(),
                None => {
                    let p = super::super::login_password(&args.conn, None)?;
                    asked = Some(p.clone());
                    p
                }
            },
        };
        let creds = Credentials {
            user: t
                .credentials
                .user
                .clone()
                .or_else(|| args.conn.user.clone()),
            password: pw,
        };
        let mut ep = t.endpoint;
        ep.tls |= args.conn.tls;
        out.push((ep, creds));
    }
    Ok(out)
}

pub(super) use rampart_collect::inputs::{is_path, FilesArg};

/// The config paths among the TARGETs (and --config), resolved.
pub(super) fn file_targets(args: &AuditArgs) -> Result<Vec<FilesArg>> {
    Ok(rampart_collect::inputs::file_targets(
        &args.targets,
        args.config.as_deref(),
        args.aclfile.as_deref(),
        args.sentinel_config.as_deref(),
    )?)
}

/// Live targets with their credentials.
type LiveTargets = Vec<(Endpoint, Credentials)>;

/// `--shard K/N`: this run's share of the live and files targets (see
/// `rampart_collect::shard`); an error when there are none to share.
pub(super) fn shard(
    shard: rampart_collect::shard::Shard,
    live: LiveTargets,
    files: Vec<FilesArg>,
) -> Result<(LiveTargets, Vec<FilesArg>)> {
    if live.is_empty() && files.is_empty() {
        anyhow::bail!(
            "--shard {shard} shares out the TARGETs and --targets-file: give the whole inventory to every shard"
        );
    }
    let live = shard.select(live, |(ep, _)| rampart_collect::shard::endpoint_name(ep));
    let files = shard.select(files, |f| f.config.display().to_string());
    Ok((live, files))
}
