use crate::cli::{ChecksArgs, ListFormat};
use anyhow::{bail, Result};
use rampart_checks::all_checks;
use std::process::ExitCode;

/// `rampart versions`: the dialects with data, newest last.
pub fn versions(args: &ChecksArgs) -> Result<ExitCode> {
    let text = match args.format {
        ListFormat::Text => {
            let mut s = format!("{:<12} {:<26} {}\n", "VERSION", "DATA FROM", "SOURCE");
            for d in redis_dialects::all() {
                let mut from = d.generated_from();
                if d.origin.prerelease.is_some() {
                    from.push_str(" *");
                }
                s.push_str(&format!(
                    "{:<12} {:<26} {}\n",
                    d.name(),
                    from,
                    d.origin.source
                ));
            }
            if redis_dialects::all()
                .iter()
                .any(|d| d.origin.prerelease.is_some())
            {
                s.push_str("\n* a pre-release: the newest tag of its line that could be had when the data was made.\n");
            }
            for bad in redis_dialects::damaged() {
                s.push_str(&format!("damaged, left out: {bad}\n"));
            }
            s.push_str(
                "\nA live server is read as its own line (INFO). Files: --server-version, else the server\n\
                 running with the config here, else the one installed here, else the newest line of the\n\
                 product, said in the report. A newer version than the data reads as the newest line.\n",
            );
            s
        }
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = redis_dialects::all()
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "name": d.name(),
                        "product": d.product.as_str(),
                        "line": format!("{}.{}", d.line.0, d.line.1),
                        "version": d.origin.version,
                        "tag": d.origin.tag,
                        "source": d.origin.source,
                        "build_id": d.origin.build_id,
                        "tls": d.origin.tls,
                        "prerelease": d.origin.prerelease,
                    })
                })
                .collect();
            let mut t = serde_json::to_string_pretty(&v)?;
            t.push('\n');
            t
        }
    };
    super::emit(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

pub fn list(args: &ChecksArgs) -> Result<ExitCode> {
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
    let refs = match rampart_checks::refs_compact(c.refs) {
        r if r.is_empty() => String::new(),
        r => format!("\nreferences: {r}"),
    };
    let text = format!(
        "{} — {}\nseverity: {}   sources: {}{refs}\n\n{}\n\n**Fix.** {}\n\n**audit --fix.** {}\n",
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
