pub(crate) mod acl;
pub(crate) mod advisories;
pub(crate) mod audit;
mod checks;
pub mod docs;
pub(crate) mod fix;
pub(crate) mod harden;
pub(crate) mod history;
pub mod policy;
pub(crate) mod rotate;
pub(crate) mod tls;
pub(crate) mod watch;

use crate::cli::{Cli, Command};
use anyhow::{bail, Context, Result};
use redis_conf::Secret;
use std::process::ExitCode;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Audit(args) => audit::run(&args),
        Command::Checks(args) => checks::list(&args),
        Command::Versions(args) => checks::versions(&args),
        Command::Explain { id } => checks::explain(&id),
        Command::Tls(args) => tls::run(args),
        Command::Acl(c) => acl::run(c),
        Command::Harden(a) => harden::run(&a),
        Command::Rotate(args) => rotate::run(&args),
        Command::History(a) => history::history(a),
        Command::Diff(a) => history::diff(&a),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(&dir),
        Command::Advisories(c) => advisories::run(c),
        Command::Watch(a) => watch::run(*a),
    }
}

/// Write to standard output (colour stripped when NO_COLOR is set or the
/// output is not a terminal) or to a file.
/// Every secret rampart holds is scrubbed from the text first.
pub(crate) fn emit(text: &str, output: Option<&std::path::Path>) -> Result<()> {
    use std::io::Write;
    let text = &*rampart_report::scrub::scrub(text);
    match output {
        // Through the atomic writer: never through a link; an existing
        // file keeps its owner and mode.
        Some(p) => Ok(rampart_fs::replace_keeping(
            p,
            text.as_bytes(),
            rampart_fs::Mode::Umask,
        )?),
        None => {
            // Text with nothing anstream would strip goes straight out (its
            // byte-by-byte scan cost a tenth of a 100k-user audit).
            let written = if rampart_report::terminal::is_plain(text.as_bytes()) {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|_| out.flush())
            } else {
                let mut out = anstream::stdout();
                out.write_all(text.as_bytes()).and_then(|_| out.flush())
            };
            match written {
                // The reader went away (`rampart ... | head`): not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

/// [`emit`] for a text written as it is made (`write` gives it in pieces),
/// for a report too large to hold (a fleet's JSON): the same bytes, every
/// secret scrubbed ([`rampart_report::scrub::Scrubbing`], which also masks
/// one split across pieces), without the whole text held on the way to
/// standard output. A file still gets the whole text through [`emit`]:
/// its atomic writer takes it at once.
pub(crate) fn emit_stream(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    output: Option<&std::path::Path>,
) -> Result<()> {
    if output.is_some() {
        let mut text = Vec::new();
        write(&mut text).context("cannot render the report")?;
        return emit(&String::from_utf8_lossy(&text), output);
    }
    let out = rampart_report::terminal::PlainFirst::new(std::io::stdout().lock(), anstream::stdout);
    match rampart_report::scrub::scrubbed_into(out, write) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map(drop).context("cannot write to standard output"),
    }
}

/// Ends the process with `code` once a command's output is written (and
/// flushed), leaving what is still alive on the stack (100k users, their
/// compiled forms and reviews) to the exit: dropping them was one `free`
/// per allocation, a tenth of `acl review`'s time. Binary only.
pub(crate) fn exit_now(code: u8) -> ! {
    std::process::exit(i32::from(code))
}

/// Whether the text report should carry colour codes (anstream strips them
/// again for NO_COLOR and non-terminals; files never get them).
pub(crate) fn want_color(output: Option<&std::path::Path>) -> bool {
    output.is_none() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Connection options from the redis-cli style flags (timeouts, TLS).
pub(crate) fn connect_options(conn: &crate::cli::ConnectionArgs) -> rampart_live::ConnectOptions {
    let timeout = std::time::Duration::from_secs_f64(conn.timeout.clamp(0.1, 600.0));
    rampart_live::ConnectOptions {
        connect_timeout: timeout,
        io_timeout: timeout,
        tls: rampart_live::TlsSettings {
            cacert: conn.cacert.clone(),
            cacert_dir: conn.cacert_dir.clone(),
            cert: conn.cert.clone(),
            key: conn.key.clone(),
            sni: conn.sni.clone(),
            insecure: conn.insecure,
        },
        ..rampart_live::ConnectOptions::default()
    }
}

pub(crate) fn read_secret_file(f: &std::path::Path) -> Result<Secret> {
    let text = if f == std::path::Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_line(&mut s)
            .context("cannot read the password from stdin")?;
        s
    } else {
        redis_conf::fileio::read_string(f, redis_conf::fileio::DEFAULT_LIMIT)
            .map_err(|e| e.named("the password file"))?
    };
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        bail!("the password in {} is empty", f.display());
    }
    Ok(remember(Secret::new(line.into_bytes())))
}

/// Register a secret with the scrubber (no output will show it); returns it.
pub(crate) fn remember(s: Secret) -> Secret {
    rampart_report::scrub::register(s.expose());
    s
}

/// The login password, in redis-cli's order of precedence, registered
/// with the scrubber.
pub(crate) fn login_password(
    conn: &crate::cli::ConnectionArgs,
    from_uri: Option<Secret>,
) -> Result<Option<Secret>> {
    Ok(login_password_inner(conn, from_uri)?.map(remember))
}

fn login_password_inner(
    conn: &crate::cli::ConnectionArgs,
    from_uri: Option<Secret>,
) -> Result<Option<Secret>> {
    const WARN: &str = "rampart: warning: a password on the command line (--pass or in a URI) is visible to other users of this host; use REDISCLI_AUTH, --pass-file or --askpass";
    if let Some(p) = from_uri {
        anstream::eprintln!("{WARN}");
        return Ok(Some(p));
    }
    if let Some(p) = &conn.pass {
        anstream::eprintln!("{WARN}");
        return Ok(Some(Secret::new(p.as_bytes().to_vec())));
    }
    if let Some(f) = &conn.pass_file {
        return Ok(Some(read_secret_file(f)?));
    }
    if let Some(p) = std::env::var_os("REDISCLI_AUTH") {
        return Ok(Some(Secret::new(p.into_encoded_bytes())));
    }
    if conn.askpass {
        let p = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        return Ok(Some(Secret::new(p.into_bytes())));
    }
    Ok(None)
}

/// `--allow-peer` / `--allow-any-peer` (audit and rotate): where discovery
/// may send the login.
pub(crate) fn peer_policy(
    allow: &[String],
    any: bool,
) -> Result<rampart_collect::topology::PeerPolicy> {
    let allow = allow
        .iter()
        .map(|a| rampart_collect::topology::AllowPeer::parse(a).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    Ok(rampart_collect::topology::PeerPolicy { allow, any })
}

/// The least severity `--fail-on` counts (`None`: never).
pub(crate) fn threshold(f: crate::cli::FailOn) -> Option<rampart_checks::Severity> {
    use crate::cli::FailOn;
    use rampart_checks::Severity;
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}
