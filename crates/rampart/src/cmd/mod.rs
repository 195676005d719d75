pub(crate) mod acl;
pub(crate) mod audit;
mod checks;
pub(crate) mod harden;
pub(crate) mod rotate;
pub(crate) mod tls;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Audit(args) => audit::run(*args),
        Command::Checks(args) => checks::list(args),
        Command::Explain { id } => checks::explain(&id),
        Command::Tls(args) => tls::run(args),
        Command::Acl(c) => acl::run(c),
        Command::Harden(a) => harden::run(*a),
        Command::Rotate(args) => rotate::run(*args),
    }
}

/// Write to standard output (colour stripped when NO_COLOR is set or the
/// output is not a terminal) or to a file.
pub(crate) fn emit(text: &str, output: Option<&std::path::Path>) -> Result<()> {
    use anyhow::Context;
    use std::io::Write;
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = anstream::stdout();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // The reader went away (`rampart ... | head`): not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

/// Whether the text report should carry colour codes (anstream strips them
/// again for NO_COLOR and non-terminals; files never get them).
pub(crate) fn want_color(output: Option<&std::path::Path>) -> bool {
    output.is_none() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
