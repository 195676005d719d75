use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Audit, harden and maintain the security of Redis and Valkey deployments.
///
/// `rampart audit` checks a server against the production security
/// checklist (network exposure, accounts and ACLs, TLS, files, logs,
/// persistence, cluster, versions). Every check has a stable ID: see
/// `rampart checks` and `rampart explain ID`.
#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a Redis/Valkey deployment from its files and this host.
    ///
    /// With no --config, rampart looks for the config of this host's Redis
    /// or Valkey (/etc/redis/redis.conf, /etc/valkey/valkey.conf, ...).
    /// Exit status: 0 no failure at or above --fail-on, 1 failures, 2 rampart
    /// could not run.
    Audit(AuditArgs),
    /// List every check: ID, severity, sources and title.
    Checks(ChecksArgs),
    /// Print one check's documentation: what, why, how to fix.
    Explain {
        /// A check ID, e.g. ACL003.
        id: String,
    },
    /// Effective ACL permissions: `acl can`, `who-can`, `review`, `diff`,
    /// `hash`, `migrate-hashes` (users from --aclfile or --config).
    #[command(subcommand)]
    Acl(crate::cmd::acl::AclCommand),
    /// Measure a TLS port: `tls scan` (versions, suites, order, groups,
    /// client certificates, chain) or `tls inspect` (one handshake, explained).
    Tls(crate::cmd::tls::TlsArgs),
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// redis.conf (or valkey.conf) to audit, with its includes.
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// External ACL file (default: the config's `aclfile`).
    #[arg(long, value_name = "FILE")]
    pub aclfile: Option<PathBuf>,

    /// sentinel.conf of a Sentinel that monitors this server.
    #[arg(long, value_name = "FILE")]
    pub sentinel_config: Option<PathBuf>,

    /// Do not look for the server's running process in /proc.
    #[arg(long)]
    pub no_proc: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a check fails (or errors) at this severity or above.
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Show the evidence of passing checks too (text format).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    /// Always exit 0 when the audit ran.
    Never,
}
