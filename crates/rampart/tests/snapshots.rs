//! What a user reads, pinned: every `--help`, and the text, JSON and SARIF
//! reports of the example deployments. A change shows up as a snapshot diff
//! in review (`cargo insta review`, or `INSTA_UPDATE=always cargo test -p
//! rampart --test snapshots` and read the diff of `tests/snapshots/`).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

/// The subcommands a `--help` text lists under "Commands:".
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with("  ") {
                break;
            }
            // A wrapped description line starts with more indentation.
            if line.starts_with("   ") {
                continue;
            }
            if let Some(name) = line.split_whitespace().next() {
                if name != "help" {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_help_text() {
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = rampart(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let text = stdout(&o);
        let name = if path.is_empty() {
            "help-rampart".to_string()
        } else {
            format!("help-{}", path.join("-"))
        };
        insta::assert_snapshot!(name, text);
        seen += 1;
        for sub in subcommands(&text) {
            let mut p = path.clone();
            p.push(sub);
            queue.push(p);
        }
    }
    assert!(seen > 10, "only {seen} help texts found");
}

/// Fields that differ between runs or machines.
fn redact(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match k.as_str() {
                    "rampart_version" | "version" if x.is_string() => {
                        *x = serde_json::Value::String("[version]".into());
                    }
                    "startTimeUtc" | "endTimeUtc" | "generated_at" | "time" => {
                        *x = serde_json::Value::String("[time]".into());
                    }
                    _ => redact(x),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The HTML report without its generation time, and without its style
/// sheet (a static file, `rampart-report/src/html.css`): the snapshot pins
/// the content and the markup.
fn redact_html(html: &str) -> String {
    let mut out = html.to_string();
    if let (Some(a), Some(b)) = (out.find("<time datetime=\""), out.find("</time>")) {
        out.replace_range(a..b + "</time>".len(), "<time>[time]</time>");
    }
    if let (Some(a), Some(b)) = (out.find("<style>"), out.find("</style>")) {
        out.replace_range(a + "<style>".len()..b, "[html.css]");
    }
    out
}

fn report(example: &str, format: &str) -> String {
    let conf = format!("examples/{example}/redis.conf");
    let o = rampart(&[
        "audit",
        "--config",
        &conf,
        "--no-proc",
        "--server-version",
        "redis-7.2",
        "--format",
        format,
    ]);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{example} {format}: {}",
        stderr(&o)
    );
    // The checkout rampart's tests run in is a path of this machine.
    let root = repo_root().display().to_string();
    if matches!(format, "text" | "csv" | "markdown") {
        return stdout(&o).replace(&root, "[repo]");
    }
    if format == "html" {
        return redact_html(&stdout(&o)).replace(&root, "[repo]");
    }
    let mut v = json(&o);
    redact(&mut v);
    serde_json::to_string_pretty(&v)
        .unwrap()
        .replace(&root, "[repo]")
}

#[test]
fn example_reports() {
    for example in ["insecure", "hardened"] {
        for format in ["text", "json", "sarif", "csv", "markdown", "html"] {
            insta::assert_snapshot!(
                format!("report-{example}-{format}"),
                report(example, format)
            );
        }
    }
}

/// The fleet roll-up: more than one target gives the matrix, the findings
/// by check and one summary (and each target's detail with --per-target).
#[test]
fn fleet_report() {
    for (name, extra) in [
        ("report-fleet-text", None),
        ("report-fleet-per-target-text", Some("--per-target")),
        ("report-fleet-markdown", Some("--format=markdown")),
    ] {
        let mut args = vec![
            "audit",
            "examples/insecure/redis.conf",
            "examples/hardened/redis.conf",
            "--no-proc",
            "--server-version",
            "redis-7.2",
        ];
        args.extend(extra);
        let o = rampart(&args);
        assert!(
            matches!(o.status.code(), Some(0) | Some(1)),
            "{}",
            stderr(&o)
        );
        let root = repo_root().display().to_string();
        insta::assert_snapshot!(name, stdout(&o).replace(&root, "[repo]"));
    }
}
