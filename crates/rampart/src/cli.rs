use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `rampart --version`: the version line first (with the commit it was
/// built from, when built from a git checkout), then how old the data it
/// judges with is.
fn long_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        format!(
            "{}{}\nadvisory data: reviewed {} (embedded)\nclient-library data: generated {} (embedded)\n(`rampart advisories show`: the data in use)",
            env!("CARGO_PKG_VERSION"),
            option_env!("RAMPART_COMMIT")
                .filter(|c| !c.is_empty())
                .map(|c| format!(" (commit {c})"))
                .unwrap_or_default(),
            redis_advisories::embedded().reviewed,
            redis_advisories::embedded_clients().generated
        )
    })
}

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
    long_version = long_version(),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit Redis/Valkey servers (live, with their replicas, Sentinels and
    /// cluster nodes; fleets) and their files; `--fix` applies safe fixes.
    ///
    /// With no TARGET and no --config, rampart audits the servers running
    /// on this host, else the config of this host's Redis or Valkey
    /// (/etc/redis/redis.conf, /etc/valkey/valkey.conf, ...).
    /// Exit status: 0 no failure at or above --fail-on, 1 failures, 2 rampart
    /// could not run, 3 a target could not be audited (and nothing audited
    /// fails), 4 the audit could not be recorded in the history (and the
    /// status would otherwise be 0). (`-h` is the host, as in redis-cli; help is `--help`.)
    #[command(disable_help_flag = true)]
    Audit(Box<AuditArgs>),
    /// List every check: ID, severity, sources and title.
    Checks(ChecksArgs),
    /// List the server versions rampart knows (each a dialect: config
    /// table, commands, ACL rules, generated from a real server), where each
    /// one's data came from, and how a version is chosen.
    Versions(ChecksArgs),
    /// Print one check's documentation: what, why, how to fix.
    Explain {
        /// A check ID, e.g. ACL003.
        id: String,
    },
    /// Measure a TLS port: `tls scan` (versions, suites, order, groups,
    /// client certificates, chain) or `tls inspect` (one handshake, explained).
    Tls(crate::cmd::tls::TlsArgs),
    /// Refresh the advisory and client-library data without a release
    /// (`advisories update --from URL|DIR`), or say which data is in use
    /// (`advisories show`).
    #[command(subcommand)]
    Advisories(crate::cmd::advisories::AdvisoriesCmd),
    /// Effective ACL permissions: `acl can`, `who-can`, `review`, `diff`,
    /// `hash`, `migrate-hashes` (users from --aclfile or --config).
    Acl(crate::cmd::acl::AclArgs),
    /// Write a hardened redis.conf, an external ACL file and a once-only
    /// password file from an existing config (and a policy of roles), or a
    /// hardened sentinel.conf; prints the diff and every change with the
    /// check it satisfies.
    Harden(Box<crate::cmd::harden::HardenArgs>),
    /// Rotate an ACL user's password on every node (replicas, cluster,
    /// Sentinels) with no moment where neither password works: add the new
    /// one, verify, persist, update what depends on it (masterauth,
    /// auth-pass, sentinel-pass), then remove the old one (`--finish` or
    /// `--grace`). Journalled; `--resume`/`--rollback`.
    /// (`-h` is the host, as in redis-cli; help is `--help`.)
    #[command(disable_help_flag = true)]
    Rotate(Box<crate::cmd::rotate::RotateArgs>),
    /// Audit on a schedule and serve Prometheus metrics: `watch TARGET...
    /// --interval 5m --listen 127.0.0.1:9187` (GET /metrics). Takes the
    /// targets, connection and policy options of `audit`; each round is
    /// audited as `audit` would. SIGTERM or SIGINT stops it (exit 0; the round in
    /// flight has --timeout to finish).
    /// (`-h` is the host, as in redis-cli; help is `--help`.)
    // audit's report and fix options mean nothing to watch: hidden.
    #[command(
        disable_help_flag = true,
        mut_arg("fix", |a| a.hide(true)),
        mut_arg("unsafe_fixes", |a| a.hide(true)),
        mut_arg("diff", |a| a.hide(true)),
        mut_arg("format", |a| a.hide(true)),
        mut_arg("verbose", |a| a.hide(true)),
        mut_arg("fail_on", |a| a.hide(true))
    )]
    Watch(Box<crate::cmd::watch::WatchArgs>),
    /// List the recorded audits (every `rampart audit` is kept unless
    /// --no-history): time, targets, pass/fail counts, new and fixed since
    /// the previous run of the same targets; `history show RUN` prints one.
    History(crate::cmd::history::HistoryCmdArgs),
    /// What changed between two recorded audits (default: the last two of
    /// the same targets): findings new, fixed and changed, targets appeared
    /// and gone, server settings that changed. Exit status 1 when something
    /// got worse (a new failing finding, a pass that fails, a target no
    /// longer audited), else 0; 2 when it could not run.
    Diff(crate::cmd::history::DiffArgs),
    /// Print a shell completion script: `rampart completions bash >
    /// /etc/bash_completion.d/rampart` (zsh: into a directory on $fpath as
    /// `_rampart`; fish: ~/.config/fish/completions/rampart.fish).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (rampart.1 and one per subcommand, e.g.
    /// rampart-audit.1) into DIR.
    Man {
        /// Where to write them.
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// What to audit: live servers (`redis://[user@]host:port`,
    /// `rediss://...`, `host:port`) and config files or directories (a path
    /// that exists, or that has a `/` or ends in `.conf`; a directory
    /// stands for its redis.conf or valkey.conf with the users.acl and
    /// sentinel.conf beside it). Each is its own target. With a live target,
    /// the running server's settings, users and probes come first; its
    /// config file (named by INFO, when the server runs on this host, or by
    /// --config) is audited beside it.
    #[arg(value_name = "TARGET|PATH")]
    pub targets: Vec<String>,

    /// Read more targets from FILE: one per line (`redis://...`,
    /// `host:port`; `#` starts a comment line), or a TOML inventory
    /// (`*.toml`: `[[target]] url`, with `user`, `password_env` or
    /// `password_file` per target or under `[defaults]`).
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// Audit only shard K of N of the targets (the TARGETs and
    /// --targets-file), so that N runs, on N machines, share one inventory
    /// and together audit every target exactly once. A target's shard is
    /// a hash of its name alone (host:port with the host in lower case, or
    /// the path as written), by jump consistent hashing: the same on every
    /// machine, whatever the order of the inventory; adding a target moves
    /// no other, and going from N to N+1 shards moves about 1/(N+1) of
    /// them. The shard is kept in the history. Give each server in the
    /// inventory and --no-discover, or a shard also audits the peers its
    /// seeds discover.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<rampart_collect::shard::Shard>,

    /// Do not scan live servers' TLS ports (TLS002-TLS005, TLS010 then
    /// fall back to the config, or skip).
    #[arg(long)]
    pub no_tls_scan: bool,

    /// Do not follow a target to the servers it knows (cluster nodes,
    /// replicas, a Sentinel's masters, replicas and peers).
    #[arg(long)]
    pub no_discover: bool,

    /// Discovery may also log in to peers on HOST (a name or an IP
    /// address) or in CIDR (`10.0.0.0/8`) with the seed's credentials;
    /// repeatable. By default it logs in only to peers on the seed's own
    /// host (the same IP address or host name): a server chooses the
    /// address it advertises (`replica-announce-ip`, `cluster-announce-ip`),
    /// so a compromised node could collect your password. Peers not allowed
    /// are listed as not contacted (not audited), with the flag to pass.
    #[arg(long, value_name = "HOST|CIDR")]
    pub allow_peer: Vec<String>,

    /// Log in to every peer a server advertises with the seed's
    /// credentials (rampart's behaviour before --allow-peer).
    #[arg(long)]
    pub allow_any_peer: bool,

    /// DATA003 (opt-in): read up to N keys per live server (SCAN, TYPE and
    /// one bounded read each: GETRANGE, HSCAN, LRANGE, SSCAN, ZRANGE,
    /// XRANGE) and flag values that look like plaintext secrets or personal
    /// data (card numbers, e-mail addresses, tokens, keys, passwords).
    /// Values are never printed or kept, only key names and what was seen.
    /// The audit user then needs read access to keys (`%R~*` and those
    /// commands); `CLIENT NO-TOUCH` (7.2+) keeps LRU/LFU data unchanged.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sample_values: usize,

    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// redis.conf (or valkey.conf) to audit, with its includes.
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// External ACL file (default: the config's `aclfile`).
    #[arg(long, value_name = "FILE")]
    pub aclfile: Option<PathBuf>,

    /// The server version the files are read for (its config table,
    /// defaults, commands and ACL rules): a line such as redis-7.2 or
    /// valkey-9.1 (see `rampart versions`), or a version such as
    /// redis-7.2.6. Default: the server running with the config on this
    /// host, else the one installed here, else the newest line, said in the
    /// report. A live server's own version always wins.
    #[arg(long = "server-version", alias = "table", value_name = "VERSION")]
    pub server_version: Option<String>,

    /// sentinel.conf of a Sentinel that monitors this server.
    #[arg(long, value_name = "FILE")]
    pub sentinel_config: Option<PathBuf>,

    /// Do not look for the server's running process in /proc.
    #[arg(long)]
    pub no_proc: bool,

    /// The files are not this host's live files (a CI checkout): leave out
    /// the host checks (file owners and modes, the process, logrotate,
    /// firewall). Without it, config files inside a git checkout outside
    /// /etc are taken as such, and the report says so.
    #[arg(long)]
    pub no_host_checks: bool,

    /// Do not read the config file a live server on this host names (INFO
    /// config_file): judge it by what it answers over the network only, as
    /// for a remote server.
    #[arg(long)]
    pub no_local_files: bool,

    #[command(flatten)]
    pub history: HistoryArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub fixes: FixArgs,

    #[command(flatten)]
    pub policy: crate::cli_policy::PolicyArgs,

    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

/// Fixes (`audit --fix`). Every failing finding says how safe its fix is:
/// `safe` (cannot refuse a client that works today nor change data
/// semantics), `unsafe` (correct, but may refuse clients or change
/// behaviour) or `display-only` (needs a person or a secret: printed,
/// never applied). Only config files named with --config are edited: a
/// live audit (TARGET, -h/-p, --targets-file) stays read-only, refuses
/// --fix, and its report shows each fix's runtime command (`CONFIG SET
/// ...`) for you to run.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// Apply the safe fixes to the --config file (and its includes) in
    /// place: a backup FILE.rampart-bak is written first, the file is
    /// replaced atomically with its mode and owner kept, every other byte
    /// unchanged. Then audit again and list what was applied and skipped.
    /// Each fix is `safe` (cannot refuse a working client nor change data
    /// semantics), `unsafe` (may refuse clients or change behaviour: only
    /// with --unsafe-fixes) or `display-only` (needs a person or a secret:
    /// never applied). Files only: a live audit (TARGET, -h/-p,
    /// --targets-file) stays read-only and refuses --fix; its report shows
    /// each fix's runtime command (CONFIG SET ...) for you to run.
    #[arg(long, help_heading = "Fixes", conflicts_with = "diff")]
    pub fix: bool,

    /// With --fix or --diff: apply the unsafe fixes too.
    #[arg(long, help_heading = "Fixes")]
    pub unsafe_fixes: bool,

    /// Print the unified diff of what --fix would change and change
    /// nothing. Exit 1 when there is something to fix, 0 when not.
    #[arg(long, help_heading = "Fixes")]
    pub diff: bool,
}

/// How to reach and log in to a live server, as redis-cli spells it.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Server host (with -p; or give TARGET).
    #[arg(
        short = 'h',
        long = "host",
        value_name = "HOST",
        help_heading = "Connection"
    )]
    pub host: Option<String>,

    /// Server port.
    #[arg(short = 'p', long, value_name = "PORT", help_heading = "Connection")]
    pub port: Option<u16>,

    /// Server Unix socket (overrides -h and -p), as in redis-cli.
    #[arg(
        short = 's',
        long = "socket",
        value_name = "SOCKET",
        help_heading = "Connection"
    )]
    pub socket: Option<String>,

    /// Server URI (`redis://`, `rediss://`, `unix://`), as in redis-cli.
    #[arg(
        short = 'u',
        long = "uri",
        value_name = "URI",
        help_heading = "Connection"
    )]
    pub uri: Option<String>,

    /// ACL user name (default: `default`).
    #[arg(long, value_name = "USER", help_heading = "Connection")]
    pub user: Option<String>,

    /// Password on the command line: visible to other users of this host
    /// (ps, shell history). Prefer REDISCLI_AUTH, --pass-file or --askpass.
    #[arg(
        short = 'a',
        long = "pass",
        value_name = "PASSWORD",
        help_heading = "Connection"
    )]
    pub pass: Option<String>,

    /// Read the password from the first line of FILE.
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub pass_file: Option<PathBuf>,

    /// Prompt for the password (no echo).
    #[arg(long, help_heading = "Connection")]
    pub askpass: bool,

    /// Timeout in seconds. `audit`: the deadline for each target, for its
    /// connections and every command of its audit together (a slow or
    /// silent server costs this, not a multiple; --sample-values has its
    /// own). Other commands: each connect and each command's exchange.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        help_heading = "Connection"
    )]
    pub timeout: f64,

    /// Connect with TLS (as `rediss://` does).
    #[arg(long, help_heading = "TLS")]
    pub tls: bool,

    /// CA certificate bundle (PEM) to verify the server with.
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub cacert: Option<PathBuf>,

    /// Directory of CA certificates (PEM); `--cacertdir` as in redis-cli.
    #[arg(long, alias = "cacertdir", value_name = "DIR", help_heading = "TLS")]
    pub cacert_dir: Option<PathBuf>,

    /// Client certificate (PEM), for servers that require one.
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub cert: Option<PathBuf>,

    /// The client certificate's private key (unencrypted PEM).
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub key: Option<PathBuf>,

    /// Server name to send (SNI) and verify.
    #[arg(long, value_name = "NAME", help_heading = "TLS")]
    pub sni: Option<String>,

    /// Do not verify the server's certificate.
    #[arg(long, help_heading = "TLS")]
    pub insecure: bool,

    /// At most this many servers are audited at once (up to 1024). A
    /// silent server holds one for its deadline, so a fleet where many
    /// never answer needs as many to finish within about one --timeout.
    /// Each server in flight holds up to 2 sockets (6 while its TLS port is
    /// scanned): keep `ulimit -n` above that.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 256,
        help_heading = "Connection"
    )]
    pub concurrency: usize,
}

/// rampart's history of rotations and reviews (MNT001, MNT002).
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history file (default: $RAMPART_HISTORY, else
    /// $XDG_STATE_HOME/rampart/history.sqlite, else
    /// ~/.local/state/rampart/history.sqlite). The audit reads its
    /// rotations and reviews, and records itself there. A
    /// `postgres://USER:PASSWORD@HOST:5432/DB` URL names a team's record
    /// in PostgreSQL instead (the password is never shown).
    #[arg(long = "history", value_name = "FILE|URL", help_heading = "History")]
    pub file: Option<PathBuf>,

    /// Do not record this audit in the history (`rampart history`,
    /// `rampart diff`).
    #[arg(
        long,
        env = "RAMPART_NO_HISTORY",
        value_parser = clap::builder::BoolishValueParser::new(),
        help_heading = "History"
    )]
    pub no_history: bool,

    /// A password not rotated for more than DAYS days fails MNT002.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 90,
        help_heading = "History"
    )]
    pub rotation_days: u32,

    /// An ACL review older than DAYS days fails MNT001.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 90,
        help_heading = "History"
    )]
    pub review_days: u32,
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

    /// Show the evidence of passing checks too (text format); with several
    /// targets, also each target's detail after the fleet roll-up.
    #[arg(short, long)]
    pub verbose: bool,

    /// With several targets, show each target's detail after the fleet
    /// roll-up (text and Markdown; a single target always shows it).
    #[arg(long)]
    pub per_target: bool,
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
    /// One row per finding per target.
    Csv,
    /// For a ticket or a pull-request comment.
    Markdown,
    /// One self-contained page for people (no network needed).
    Html,
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
