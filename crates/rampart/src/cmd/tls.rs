//! `rampart tls scan|inspect HOST:PORT`: measure a TLS port with tls-probe.
//! Exit status: 0 measured, 2 nothing TLS answered or bad arguments.

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
    Scan(TlsTargetArgs),
    /// One real handshake, summarised like `openssl s_client`, with the
    /// cipher suite explained part by part.
    Inspect(TlsTargetArgs),
}

#[derive(Debug, Args)]
pub struct TlsTargetArgs {
    /// The TLS port, e.g. 127.0.0.1:6380 or redis.example:6380.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// PEM trust anchors to verify the server's chain (default: the system bundle).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// PEM client certificate (inspect: presented when the server asks).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// PEM private key of --cert (unencrypted).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Server name to send and verify (default: HOST when it is a name).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,

    /// Do not verify the chain (the chain is still shown).
    #[arg(long)]
    pub insecure: bool,

    /// Per-handshake time limit in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub timeout: u64,

    /// Handshakes in flight at once (scan).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub concurrency: usize,

    /// Skip the key-exchange group enumeration (scan).
    #[arg(long)]
    pub no_groups: bool,

    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = TlsFormat::Text)]
    pub format: TlsFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TlsFormat {
    Text,
    Json,
}

pub fn run(args: TlsArgs) -> Result<ExitCode> {
    match args.command {
        TlsCommand::Scan(a) => scan(a),
        TlsCommand::Inspect(a) => inspect(a),
    }
}

fn target(a: &TlsTargetArgs) -> Result<Target> {
    if !a.target.contains(':') {
        bail!("{:?}: expected HOST:PORT", a.target);
    }
    Target::resolve(&a.target, a.sni.as_deref())
        .with_context(|| format!("cannot resolve {}", a.target))
}

fn render(text: String, json: serde_json::Value, a: &TlsTargetArgs) -> Result<()> {
    let out = match a.format {
        // The one terminal sanitiser: a certificate or a server may say anything.
        TlsFormat::Text => rampart_report::sanitize::for_terminal_lines(&text),
        TlsFormat::Json => format!("{}\n", serde_json::to_string_pretty(&json)?),
    };
    super::emit(&out, a.output.as_deref())
}

fn scan(a: TlsTargetArgs) -> Result<ExitCode> {
    let t = target(&a)?;
    let o = ScanOptions {
        cacert: if a.insecure { None } else { a.cacert.clone() },
        timeout: Duration::from_millis(a.timeout.max(1)),
        concurrency: a.concurrency.max(1),
        groups: !a.no_groups,
    };
    let mut r = tls_probe::scan(&t, &o);
    if a.insecure {
        r.verification.status = "not_checked";
        r.verification.detail = "--insecure".into();
        r.weaknesses = tls_probe::scan::weaknesses(&r);
    }
    render(
        tls_probe::json::scan_text(&r),
        tls_probe::json::scan_json(&r),
        &a,
    )?;
    Ok(if r.any_supported() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn inspect(a: TlsTargetArgs) -> Result<ExitCode> {
    let t = target(&a)?;
    let identity = match (&a.cert, &a.key) {
        (Some(c), Some(k)) => Some(ClientIdentity::load(c, k).map_err(anyhow::Error::msg)?),
        _ => None,
    };
    let o = InspectOptions {
        identity: identity.as_ref(),
        cacert: if a.insecure { None } else { a.cacert.clone() },
        timeout: Duration::from_millis(a.timeout.max(1)),
        alpn: Vec::new(),
    };
    let mut r = tls_probe::inspect(&t, &o);
    if a.insecure {
        r.verification.status = "not_checked";
        r.verification.detail = "--insecure".into();
    }
    render(
        tls_probe::json::inspect_text(&r),
        tls_probe::json::inspect_json(&r),
        &a,
    )?;
    Ok(if r.protocol.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
