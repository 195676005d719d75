use crate::cli::{ChecksArgs, ListFormat};
use anyhow::{bail, Result};
use rampart_checks::all_checks;
use std::process::ExitCode;

pub fn list(args: ChecksArgs) -> Result<ExitCode> {
    let text = match args.format {
        ListFormat::Text => {
            let mut s = format!(
                "{:<8} {:<9} {:<22} {}\n",
                "ID", "SEVERITY", "SOURCES", "TITLE"
            );
            for c in all_checks() {
                let sources: Vec<&str> = c.sources.iter().map(|s| s.as_str()).collect();
                s.push_str(&format!(
                    "{:<8} {:<9} {:<22} {}\n",
                    c.id,
                    c.severity.as_str(),
                    sources.join(","),
                    c.title
                ));
            }
            s.push_str(&format!(
                "\n{} checks. `rampart explain ID` prints one check's documentation.\n",
                all_checks().len()
            ));
            s
        }
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = all_checks()
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id,
                        "title": c.title,
                        "severity": c.severity.as_str(),
                        "sources": c.sources.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                        "doc": c.doc.trim(),
                        "remediation": c.remediation,
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
    };
    super::emit(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(id: &str) -> Result<ExitCode> {
    let Some(c) = rampart_checks::find_check(id) else {
        bail!("no check with ID {:?}; `rampart checks` lists them", id);
    };
    let sources: Vec<&str> = c.sources.iter().map(|s| s.as_str()).collect();
    let doc: String = c
        .doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let fix = match c.fix {
        rampart_checks::FixRule::DisplayOnly(why) => {
            format!("display-only: rampart audit --fix never applies it ({why})")
        }
        rampart_checks::FixRule::Compute(_) => {
            "computed from the audited config; each failing finding says whether it is safe, unsafe (--unsafe-fixes) or display-only".to_string()
        }
    };
    let text = format!(
        "{} — {}\nseverity: {}   sources: {}\n\n{}\n\n**Fix.** {}\n\n**audit --fix.** {}\n",
        c.id,
        c.title,
        c.severity.as_str(),
        sources.join(", "),
        doc.trim(),
        c.remediation,
        fix
    );
    super::emit(&text, None)?;
    Ok(ExitCode::SUCCESS)
}
