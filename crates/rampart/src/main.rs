//! rampart: audit, harden and maintain the security of Redis and Valkey.
//! A thin main: parse arguments, run one subcommand, map its result to an
//! exit code (0 clean, 1 findings at or above --fail-on, 2 rampart failed,
//! 3 a target could not be audited, 4 an audit that could not be recorded).
// Output goes through one layer (`cmd::emit`, anstream): scrubbed of every
// secret, colour by NO_COLOR and the terminal, a closed pipe not a panic.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod cli_policy;
mod cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let msg = format!("{e:#}");
            // Errors may quote file contents: sanitise for the terminal.
            anstream::eprintln!(
                "rampart: error: {}",
                rampart_report::scrub::scrub(&rampart_report::sanitize::for_terminal(&msg))
            );
            ExitCode::from(2)
        }
    }
}
