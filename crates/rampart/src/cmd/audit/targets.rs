//! The live targets of `rampart audit`: TARGET arguments, `--targets-file`
//! (a list, or a TOML inventory with credentials by reference), `-h`/`-p`.

use crate::cli::AuditArgs;
use anyhow::Result;
use rampart_live::{Credentials, Endpoint};
use redis_conf::Secret;

/// Targets with their own credentials from a TOML inventory
/// (`rampart_collect::inventory`): passwords registered with the scrubber.
fn inventory_targets(
    f: &std::path::Path,
    args: &AuditArgs,
) -> Result<Vec<(Endpoint, Credentials)>> {
    let entries = rampart_collect::inventory::read_toml(f, args.conn.user.as_deref())?;
    Ok(entries
        .into_iter()
        .map(|e| {
            if let Some(what) = &e.password_in_url {
                anstream::eprintln!("rampart: warning: {what}: a password in the inventory's url; use password_env or password_file");
            }
            let mut ep = e.endpoint;
            ep.tls |= args.conn.tls;
            let creds = Credentials {
                user: e.credentials.user,
                password: e.credentials.password.map(super::super::remember),
            };
            (ep, creds)
        })
        .collect())
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
        specs.extend(rampart_collect::inventory::read_list(f)?);
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
