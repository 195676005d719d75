//! `rampart rotate`: the arguments, mapped to `rampart_rotate::Options`;
//! the library does the work (plan, journal, steps, reconcile, rollback),
//! this module prints its progress and picks the exit code.
//!
//! Test hook, debug builds only: `RAMPART_ROTATE_CRASH_AFTER=<point>`
//! (add, add:N, verify, persist, sentinel-pass:N, masterauth:N,
//! dependents, remove, remove:N, rollback:restore, rollback:dependents,
//! rollback:remove:N) is wired into the library's `FaultPoint`
//! and makes rotate exit with status 3 right after that point, so the
//! process-level tests can `--resume`. A release binary carries no hook
//! (`#[cfg(debug_assertions)]`).

use crate::cli::{ConnectionArgs, ListFormat};
use anyhow::{bail, Context, Result};
use clap::Args;
use rampart_live::{Credentials, Endpoint};
use rampart_rotate::{LiveConnector, Mode, Options, RunEnd};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(mut_arg("user", |a| a
    .visible_alias("login-user")
    .help("ACL user to log in as, as in every command (default: the user in TARGET, else `default`); the user rotated is --account")))]
// Rotation goes node by node: the audit's --concurrency means nothing here.
#[command(mut_arg("concurrency", |a| a.hide(true)))]
#[command(mut_arg("timeout", |a| a.help(
    "Timeout in seconds (fractions allowed) for each connect and each command's exchange")))]
pub struct RotateArgs {
    /// A node of the deployment: `redis://[user@]host:port`, `host:port`.
    /// Replicas and cluster nodes are found from it. A Sentinel as TARGET
    /// brings its masters' groups and every Sentinel (auth-pass) in.
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,

    /// The ACL user whose password is rotated (`--user` is who logs in,
    /// as in every other command).
    #[arg(long = "account", id = "rotate_user", value_name = "NAME")]
    pub rotate_user: String,

    /// Read the new password from the first line of FILE (`-`: stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "generate")]
    pub new_password_file: Option<PathBuf>,

    /// Generate the new password (32 random bytes from the OS, as 64 hex
    /// digits).
    #[arg(long)]
    pub generate: bool,

    /// Write the generated password to FILE (created with mode 0600). It is
    /// never printed.
    #[arg(long, value_name = "FILE", requires = "generate")]
    pub password_out: Option<PathBuf>,

    /// The old password, for `--rollback` after replicas' masterauth was
    /// changed (masterauth needs the plaintext).
    #[arg(long, value_name = "FILE")]
    pub old_password_file: Option<PathBuf>,

    /// Remove the old password this long after the new one is in place
    /// (`0`, `30s`, `5m`, `1h`). Without it, run again with --finish.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration,
          conflicts_with_all = ["finish", "rollback"])]
    pub grace: Option<Duration>,

    /// Remove the old password everywhere (second half of a rotation).
    #[arg(long, conflicts_with_all = ["resume", "rollback"])]
    pub finish: bool,

    /// Continue an interrupted rotation from its journal.
    #[arg(long, conflicts_with = "rollback")]
    pub resume: bool,

    /// Undo a rotation: the old passwords back, the new one removed.
    #[arg(long)]
    pub rollback: bool,

    /// A Sentinel of the data nodes' group (repeatable; its peers are found
    /// from it). Needed when TARGET is a data node and Sentinels log in to
    /// it as the user: their auth-pass follows. rotate refuses to start
    /// while such a Sentinel is not known.
    #[arg(long = "sentinel", value_name = "HOST:PORT")]
    pub sentinel: Vec<String>,

    /// A known node that does not answer, to rotate without (repeatable).
    /// It keeps only the old password: the plan says what to run there.
    /// Without it, rotate refuses to start while a known node is down.
    #[arg(long = "skip-node", value_name = "HOST:PORT")]
    pub skip_node: Vec<String>,

    /// Discovery may also send the login to peers on HOST or in CIDR
    /// (repeatable). By default only peers on the seed's own host are
    /// contacted (a server chooses the address it advertises); a known peer
    /// elsewhere stops the plan like a down node, naming this flag.
    #[arg(long, value_name = "HOST|CIDR")]
    pub allow_peer: Vec<String>,

    /// Send the login to every peer a server advertises.
    #[arg(long)]
    pub allow_any_peer: bool,

    /// Show the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not make each replica reconnect with its new masterauth. By
    /// default rampart closes the replica's link to its primary once
    /// (`CLIENT KILL TYPE master` on the replica) and waits for a new link,
    /// so the new credential is proven now, not at the next failover; the
    /// replica continues with a partial resync.
    #[arg(long)]
    pub no_relink: bool,

    /// Rotate the user of the Sentinels' own ACL (TARGET is a Sentinel):
    /// every Sentinel of its masters; where the Sentinels log in to each
    /// other as this user (`sentinel-user`, or `default` through
    /// `requirepass`), `SENTINEL CONFIG SET sentinel-pass` follows. Without
    /// it, a Sentinel TARGET rotates the user on the data nodes it monitors.
    #[arg(long)]
    pub sentinels: bool,

    /// The journal (default: $XDG_STATE_HOME/rampart/rotate-USER-HOST_PORT.json).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// `json`: one JSON object on standard output when the run ends (the
    /// phase reached, each node's state, what to run next, or the error);
    /// the progress lines go to standard error. No password or hash in it.
    #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    /// The history where a finished rotation is recorded (default:
    /// $RAMPART_HISTORY, else $XDG_STATE_HOME/rampart/history.sqlite).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 's')) => (&s[..i], 1),
        Some((i, 'm')) => (&s[..i], 60),
        Some((i, 'h')) => (&s[..i], 3600),
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 0, 30s, 5m, 1h)"))?;
    Ok(Duration::from_secs(n.saturating_mul(mult)))
}

/// The progress sink: standard output, or standard error when standard
/// output carries JSON. Warnings always go to standard error.
struct Sink {
    to_stderr: bool,
}

impl rampart_rotate::Progress for Sink {
    fn line(&self, line: &str) {
        if self.to_stderr {
            let mut out = anstream::stderr();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        } else {
            let mut out = anstream::stdout();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
    fn warn(&self, message: &str) {
        anstream::eprintln!("rampart: warning: {message}");
    }
}

/// Debug builds: `RAMPART_ROTATE_CRASH_AFTER=<point>` exits with status 3
/// at that point. Release builds: no hook at all.
fn fault_hook() -> Option<Box<dyn rampart_rotate::FaultPoint>> {
    #[cfg(debug_assertions)]
    if let Ok(want) = std::env::var("RAMPART_ROTATE_CRASH_AFTER") {
        return Some(Box::new(move |name: &str| -> rampart_rotate::Result<()> {
            if name == want {
                anstream::eprintln!("rampart: test hook: exiting after step {name}");
                std::process::exit(3);
            }
            Ok(())
        }));
    }
    None
}

pub fn run(args: &RotateArgs) -> Result<ExitCode> {
    let json = args.format != ListFormat::Text;
    let sink = Sink { to_stderr: json };
    let mut end = RunEnd::empty();
    let result = options(args)
        .and_then(|(opts, connector)| Ok(rampart_rotate::run(&opts, &connector, &sink, &mut end)?));
    if !json {
        return result.map(|()| ExitCode::SUCCESS);
    }
    // The journal on disk is the truth after an error.
    if let (Err(_), Some(p), true) = (&result, &end.journal_path, end.touched) {
        if let Ok(Some(j)) = rampart_rotate::load_journal(p) {
            end.journal = Some(j);
        }
    }
    let mut out = end.json();
    if let Err(e) = &result {
        out["error"] = serde_json::Value::String(format!("{e:#}"));
    }
    let text = serde_json::to_string_pretty(&out)? + "\n";
    super::emit(&text, None)?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            anstream::eprintln!(
                "rampart: error: {}",
                rampart_report::sanitize::for_terminal(&format!("{e:#}"))
            );
            Ok(ExitCode::from(2))
        }
    }
}

/// `HOST:PORT` of `--sentinel` / `--skip-node`.
fn endpoint(spec: &str, flag: &str, tls: bool, port: u16) -> Result<Endpoint> {
    let mut ep = rampart_live::target::parse(spec, port)
        .with_context(|| format!("{flag} {spec:?}: expected HOST:PORT"))?
        .endpoint;
    ep.tls |= tls;
    Ok(ep)
}

fn options(args: &RotateArgs) -> Result<(Options, LiveConnector)> {
    let account = args.rotate_user.clone();
    let spec = match (&args.target, &args.conn.host, args.conn.port) {
        (Some(t), _, _) => t.clone(),
        (None, _, _) if args.conn.uri.is_some() || args.conn.socket.is_some() => args
            .conn
            .uri
            .clone()
            .or_else(|| args.conn.socket.clone())
            .unwrap_or_default(),
        (None, None, None) => bail!("give a TARGET (host:port) or -h/-p"),
        (None, h, p) => format!(
            "{}:{}",
            h.clone().unwrap_or_else(|| "127.0.0.1".into()),
            p.unwrap_or(6379)
        ),
    };
    let t = rampart_live::target::parse(&spec, 6379)?;
    let login = Credentials {
        user: t
            .credentials
            .user
            .clone()
            .or_else(|| args.conn.user.clone()),
        password: super::login_password(&args.conn, t.credentials.password.clone())?,
    };
    let mut seed = t.endpoint;
    seed.tls |= args.conn.tls;
    let journal = args.journal.clone().unwrap_or_else(|| {
        let label = if args.sentinels {
            format!("sentinel-acl-{account}")
        } else {
            account.clone()
        };
        rampart_rotate::default_journal(&label, &seed)
    });
    // Both secret files are read (and registered with the scrubber) before
    // any server is asked anything.
    let read = |f: &Option<PathBuf>| f.as_deref().map(super::read_secret_file).transpose();
    let extra_sentinels = (args.sentinel.iter())
        .map(|s| endpoint(s, "--sentinel", seed.tls, 26379))
        .collect::<Result<_>>()?;
    let skip_nodes = (args.skip_node.iter())
        .map(|s| endpoint(s, "--skip-node", false, 6379).map(|e| (e.host, e.port)))
        .collect::<Result<_>>()?;
    let mode = match (args.finish, args.resume, args.rollback) {
        (true, _, _) => Mode::Finish,
        (_, true, _) => Mode::Resume,
        (_, _, true) => Mode::Rollback,
        _ => Mode::Start,
    };
    let opts = Options {
        seed,
        login,
        user: account.clone(),
        mode,
        journal,
        new_password: read(&args.new_password_file)?,
        generate: args.generate,
        password_out: args.password_out.clone(),
        old_password: read(&args.old_password_file)?,
        grace: args.grace,
        dry_run: args.dry_run,
        no_relink: args.no_relink,
        sentinels: args.sentinels,
        extra_sentinels,
        skip_nodes,
        peers: super::peer_policy(&args.allow_peer, args.allow_any_peer)?,
        history: args.history.clone(),
        fault: fault_hook(),
    };
    let connector = LiveConnector {
        opts: super::connect_options(&args.conn),
    };
    Ok((opts, connector))
}
