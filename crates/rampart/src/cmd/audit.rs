use crate::cli::{AuditArgs, FailOn, Format};
use anyhow::{bail, Result};
use rampart_checks::{run_all, Finding, Severity, Status};
use rampart_collect::{collect_files, FilesTarget};
use rampart_report::{text::TextOptions, Report, Target};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where distributions and the upstream Makefile put the server config.
const WELL_KNOWN: &[&str] = &[
    "/etc/redis/redis.conf",
    "/etc/redis.conf",
    "/etc/valkey/valkey.conf",
    "/etc/valkey.conf",
    "/usr/local/etc/redis.conf",
    "/usr/local/etc/redis/redis.conf",
    "/usr/local/etc/valkey/valkey.conf",
];

/// Run from the repository with no Redis on the host: audit the example.
const EXAMPLE: &str = "examples/insecure/redis.conf";

fn discover() -> Result<(PathBuf, Option<String>)> {
    if let Some(p) = WELL_KNOWN.iter().map(Path::new).find(|p| p.is_file()) {
        return Ok((p.to_path_buf(), None));
    }
    if Path::new(EXAMPLE).is_file() {
        return Ok((
            PathBuf::from(EXAMPLE),
            Some(format!(
                "rampart: no Redis or Valkey config found on this host (looked in {}); auditing the example deployment {EXAMPLE} instead",
                WELL_KNOWN.join(", ")
            )),
        ));
    }
    bail!(
        "no Redis or Valkey config found on this host (looked in {}); name one with `rampart audit --config FILE`",
        WELL_KNOWN.join(", ")
    )
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// True when a failure (or an error: never silently a pass) reaches the threshold.
fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    let Some(min) = threshold(fail_on) else {
        return false;
    };
    findings
        .iter()
        .any(|f| matches!(f.status, Status::Fail | Status::Error) && f.severity >= min)
}

pub fn run(args: AuditArgs) -> Result<ExitCode> {
    let (config, note) = match &args.config {
        Some(c) => (c.clone(), None),
        None => discover()?,
    };
    if let Some(n) = note {
        anstream::eprintln!("{n}");
    }
    let target = FilesTarget {
        config: config.clone(),
        aclfile: args.aclfile.clone(),
        sentinel_config: args.sentinel_config.clone(),
        host_root: None,
        scan_processes: !args.no_proc,
    };
    let snapshot = collect_files(&target);
    if let rampart_checks::Avail::Failed(e) = &snapshot.conf {
        // Nothing can be audited without the config: that is rampart failing.
        bail!("cannot audit {}: {e}", config.display());
    }
    let findings = run_all(&snapshot);
    let problems = snapshot
        .input_problems()
        .into_iter()
        .map(|p| (snapshot.target.clone(), p))
        .collect();
    let report = Report {
        targets: vec![Target {
            name: snapshot.target.clone(),
            kind: "files".into(),
        }],
        findings,
        problems,
    };
    let out = args.output.output.as_deref();
    let text = match args.output.format {
        Format::Text => rampart_report::text::render(
            &report,
            TextOptions {
                color: super::want_color(out),
                verbose: args.output.verbose,
            },
        ),
        Format::Json => rampart_report::json::render(&report),
        Format::Sarif => rampart_report::sarif::render(&report),
    };
    super::emit(&text, out)?;
    // A line Redis would refuse to start with counts as a high failure.
    let fatal_input = report.problems.iter().any(|(_, p)| p.fatal)
        && threshold(args.output.fail_on).is_some_and(|min| Severity::High >= min);
    if fatal_input || fails(&report.findings, args.output.fail_on) {
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
