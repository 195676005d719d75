//! `rampart harden`: the arguments, the report and the exit code. The
//! workflow (a hardened redis.conf, an external ACL file and a once-only
//! password file from an existing redis.conf; or a hardened
//! sentinel.conf) is [`rampart_harden`]. Nothing printed ever contains a
//! password: the diff shows secret directives as `***`, and every
//! password harden reads or makes is registered with the scrubber.

use anyhow::{bail, Result};
use clap::Args;
use rampart_harden::{Input, Kind, Options, Plan, Policy, Tls, Written};
use redis_conf::Format;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct HardenArgs {
    /// The redis.conf to start from (its `include`s are read, not rewritten).
    #[arg(
        short = 'c',
        long,
        value_name = "FILE",
        required_unless_present = "sentinel_config"
    )]
    pub config: Option<PathBuf>,
    /// Harden a sentinel.conf instead (`DIR/sentinel.conf`): the default
    /// user off, an `admin`, a `sentinel-peer` user the Sentinels log in to
    /// each other with (`sentinel-user`/`sentinel-pass`) and a `discovery`
    /// user for clients (master address, replicas, events), hashed;
    /// `auth-user`/`auth-pass` from --data-users; scripts not reconfigurable.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["config", "aclfile", "policy", "replication"])]
    pub sentinel_config: Option<PathBuf>,
    /// With --sentinel-config: the data nodes' harden output (DIR/users.acl
    /// and DIR/passwords.txt): its `sentinel` role user becomes every
    /// monitored master's `auth-user`, its password `auth-pass`.
    #[arg(long, value_name = "DIR", requires = "sentinel_config")]
    pub data_users: Option<PathBuf>,
    /// The current external ACL file (default: the config's `aclfile`).
    #[arg(long, value_name = "FILE")]
    pub aclfile: Option<PathBuf>,
    /// Users and roles to create (TOML: `[[user]] name, role, keys, channels`;
    /// roles: admin, app, readonly, replication, sentinel, auditor).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Where to write redis.conf, users.acl and passwords.txt.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Take the users of an earlier `rampart harden` run (DIR/users.acl, as
    /// is) instead of making new ones, and the replication password from
    /// DIR/passwords.txt for `masterauth`: every node of a primary/replica
    /// group gets the same users and passwords, so replicas log in to the
    /// primary and a failover refuses no client. No passwords.txt is
    /// written (no new password).
    #[arg(long, value_name = "DIR", conflicts_with = "policy")]
    pub users_from: Option<PathBuf>,
    /// With the default users (no --policy): add the `replication` user
    /// and set masteruser/masterauth even on a primary, for its replicas
    /// and for failover (a replica gets it anyway).
    #[arg(long)]
    pub replication: bool,
    /// Server certificate (PEM): with --tls-key and --tls-ca, turns on TLS
    /// only (`port 0`, `tls-port`).
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "tls_ca"])]
    pub tls_cert: Option<PathBuf>,
    /// The server certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires_all = ["tls_cert", "tls_ca"])]
    pub tls_key: Option<PathBuf>,
    /// CA certificate (PEM) that client and peer certificates must chain to.
    #[arg(long, value_name = "FILE", requires_all = ["tls_cert", "tls_key"])]
    pub tls_ca: Option<PathBuf>,
    /// Listen on this port (the TLS port with TLS; default: keep `port`,
    /// or 6380 for `tls-port`).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Print the diff and the changes; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(a: &HardenArgs) -> Result<ExitCode> {
    let input = match (&a.config, &a.sentinel_config) {
        (Some(c), _) => Input::load(c, Format::Server)?,
        (None, Some(s)) => Input::load(s, Format::Sentinel)?,
        (None, None) => bail!("give --config or --sentinel-config"),
    };
    let policy = match &a.policy {
        Some(p) => Some(Policy::load(p)?),
        None => None,
    };
    let tls = match (&a.tls_cert, &a.tls_key, &a.tls_ca) {
        (Some(cert), Some(key), Some(ca)) => Some(Tls {
            cert: cert.clone(),
            key: key.clone(),
            ca: ca.clone(),
        }),
        _ => None,
    };
    let options = Options {
        out_dir: a.out_dir.clone(),
        aclfile: a.aclfile.clone(),
        policy,
        users_from: a.users_from.clone(),
        data_users: a.data_users.clone(),
        replication: a.replication,
        tls,
        port: a.port,
    };
    let plan = rampart_harden::harden(&input, &options)?;
    let mut report = render(&plan);
    if a.dry_run {
        report.push_str("\nDry run: nothing written.\n");
    } else {
        let written = rampart_harden::write(&plan)?;
        report.push_str(&wrote(&plan, &written));
    }
    super::emit(&report, None)?;
    Ok(ExitCode::SUCCESS)
}

fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

fn shown(p: &Path) -> String {
    clean(&p.display().to_string())
}

/// The diff, each change with its check, the users and the notes.
fn render(plan: &Plan) -> String {
    let mut report = plan.diff.clone();
    report.push_str("\nChanges:\n");
    for c in &plan.changes {
        report.push_str(&format!("  {}  {}\n", c.id, c.text));
    }
    let place = match plan.kind {
        Kind::Server => "users.acl",
        Kind::Sentinel => "in sentinel.conf, hashed",
    };
    report.push_str(&format!("\nUsers ({place}):\n"));
    for u in &plan.users {
        report.push_str(&format!(
            "  {:<12} {}{}\n",
            clean(&u.name),
            u.role,
            if u.new_password.is_some() {
                ", new password"
            } else {
                ""
            }
        ));
    }
    if !plan.notes.is_empty() {
        report.push_str("\nNotes:\n");
        for n in &plan.notes {
            report.push_str(&format!("  {n}\n"));
        }
    }
    report
}

/// The report's last line: what was written, where the passwords are.
fn wrote(plan: &Plan, w: &Written) -> String {
    let group = w
        .group
        .as_ref()
        .map(|g| format!(", group {g}"))
        .unwrap_or_default();
    let passwords = if w.passwords {
        format!(
            ", {} (mode 0600, for you: not for the server)",
            shown(&plan.passwords)
        )
    } else {
        ", and no passwords.txt: no new password".to_string()
    };
    match &plan.acl {
        Some(acl) => format!(
            "\nWrote {} and {} (mode 0640{group}){passwords}.\n",
            shown(&plan.conf.path),
            shown(&acl.path),
        ),
        None => format!(
            "\nWrote {} (mode 0640{group}; Sentinel rewrites it, so its user must own it){passwords}.\n",
            shown(&plan.conf.path),
        ),
    }
}
