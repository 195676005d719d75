//! `rampart completions SHELL` and `rampart man DIR`: generated from the
//! same clap definitions as the parser, so they cannot drift from it.

use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;
use std::process::ExitCode;

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "rampart", &mut out);
    super::emit(&String::from_utf8_lossy(&out), None)?;
    Ok(ExitCode::SUCCESS)
}

/// One page for rampart and one for each subcommand (`rampart-acl-can.1`).
pub fn man(dir: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cmd = crate::cli::Cli::command();
    let mut written = 0;
    write_pages(&cmd, "rampart", dir, &mut written)?;
    anstream::eprintln!(
        "rampart: wrote {written} manual page(s) to {}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write_pages(cmd: &clap::Command, name: &str, dir: &Path, written: &mut usize) -> Result<()> {
    let mut out = Vec::new();
    let page = cmd
        .clone()
        .display_name(name.to_string())
        .bin_name(name.replace('-', " "));
    clap_mangen::Man::new(page)
        .title(name.to_string())
        .render(&mut out)?;
    let path = dir.join(format!("{name}.1"));
    rampart_fs::write_file(
        &path,
        &out,
        rampart_fs::Mode::Exact(0o644),
        rampart_fs::Owner::Process,
    )?;
    *written += 1;
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
