//! `rampart tls scan|inspect HOST:PORT`: measure a TLS port with tls-probe.
//! Exit status: 0 measured and nothing at or above --fail-on, 1 a weakness
//! or failed verification at or above it, 2 nothing TLS answered or bad
//! arguments.

use crate::cli::FailOn;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tls_probe::{ClientIdentity, InspectOptions, ScanOptions, Target};

#[derive(Debug, Args)]
pub struct TlsArgs {
    #[command(subcommand)]
    pub command: TlsCommand,
}

#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Every protocol version, accepted suite, preference order, group,
    /// client-certificate policy and the certificate chain, in the fewest
    /// handshakes. Needs no client certificate, even against mTLS servers.
    /// Exit status: 0 measured, nothing at or above --fail-on; 1 a weakness
    /// or a failed chain verification at or above it; 2 nothing TLS
    /// answered or bad arguments.
    Scan(ScanArgs),
    /// One real handshake, summarised like `openssl s_client`, with the
    /// cipher suite explained part by part. Exit status: 0 handshake done,
    /// 1 the chain failed verification (a high finding, at or above
    /// --fail-on), 2 no handshake or bad arguments.
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub common: TlsTargetArgs,

    /// Handshakes in flight at once.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub concurrency: usize,

    /// Skip the key-exchange group enumeration.
    #[arg(long)]
    pub no_groups: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub common: TlsTargetArgs,

    /// PEM client certificate, presented when the server asks.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// PEM private key of --cert (unencrypted).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TlsTargetArgs {
    /// The TLS port, e.g. 127.0.0.1:6380 or redis.example:6380.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// PEM trust anchors to verify the server's chain (default: the system bundle).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Server name to send and verify (default: HOST when it is a name).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,

    /// Do not verify the chain (the chain is still shown).
    #[arg(long)]
    pub insecure: bool,

    /// Per-handshake time limit in seconds (fractions allowed), as
    /// everywhere in rampart.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,

    /// Exit with 1 when a weakness (or a failed verification, which is
    /// high) reaches this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = TlsFormat::Text)]
    pub format: TlsFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn timeout(secs: f64) -> Result<Duration> {
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        bail!("--timeout {secs}: expected seconds between 0 and 3600");
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Whether a tls-probe severity word (low/medium/high) reaches --fail-on.
fn at_or_above(sev: &str, fail_on: FailOn) -> bool {
    let sev = rampart_checks::Severity::parse(sev);
    super::threshold(fail_on).is_some_and(|min| sev.is_some_and(|s| s >= min))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TlsFormat {
    Text,
    Json,
}

pub fn run(args: TlsArgs) -> Result<ExitCode> {
    match args.command {
        TlsCommand::Scan(a) => scan(&a),
        TlsCommand::Inspect(a) => inspect(&a),
    }
}

fn target(a: &TlsTargetArgs) -> Result<Target> {
    if !a.target.contains(':') {
        bail!("{:?}: expected HOST:PORT", a.target);
    }
    Target::resolve(&a.target, a.sni.as_deref())
        .with_context(|| format!("cannot resolve {}", a.target))
}

fn render(text: &str, json: &serde_json::Value, a: &TlsTargetArgs) -> Result<()> {
    let out = match a.format {
        // The one terminal sanitiser: a certificate or a server may say anything.
        TlsFormat::Text => rampart_report::sanitize::for_terminal_lines(text),
        TlsFormat::Json => format!("{}\n", serde_json::to_string_pretty(json)?),
    };
    super::emit(&out, a.output.as_deref())
}

fn scan(s: &ScanArgs) -> Result<ExitCode> {
    let a = &s.common;
    let t = target(a)?;
    let o = ScanOptions {
        cacert: if a.insecure { None } else { a.cacert.clone() },
        timeout: timeout(a.timeout)?,
        concurrency: s.concurrency.max(1),
        groups: !s.no_groups,
    };
    let mut r = tls_probe::scan(&t, &o);
    if a.insecure {
        r.verification.status = "not_checked";
        r.verification.detail = "--insecure".into();
    }
    let weaknesses = rampart_checks::tls_weaknesses::weaknesses(&r);
    render(
        &tls_probe::json::scan_text(&r, &weaknesses),
        &tls_probe::json::scan_json(&r, &weaknesses),
        a,
    )?;
    let failed = (r.verification.status == "failed" && at_or_above("high", a.fail_on))
        || weaknesses
            .iter()
            .any(|w| at_or_above(w.severity, a.fail_on));
    Ok(if !r.any_supported() {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn inspect(i: &InspectArgs) -> Result<ExitCode> {
    let a = &i.common;
    let t = target(a)?;
    let identity = match (&i.cert, &i.key) {
        (Some(c), Some(k)) => Some(ClientIdentity::load(c, k).map_err(anyhow::Error::msg)?),
        _ => None,
    };
    let o = InspectOptions {
        identity: identity.as_ref(),
        cacert: if a.insecure { None } else { a.cacert.clone() },
        timeout: timeout(a.timeout)?,
        alpn: Vec::new(),
    };
    let mut r = tls_probe::inspect(&t, &o);
    if a.insecure {
        r.verification.status = "not_checked";
        r.verification.detail = "--insecure".into();
    }
    render(
        &tls_probe::json::inspect_text(&r),
        &tls_probe::json::inspect_json(&r),
        a,
    )?;
    Ok(if r.protocol.is_none() {
        ExitCode::from(2)
    } else if r.verification.status == "failed" && at_or_above("high", a.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
