//! `sentinel.json`: the `sentinel ...` statements the server's Sentinel
//! mode takes, learned by loading each candidate with one to five
//! arguments after a `sentinel monitor` line, and reading what it said.
//! Candidates: the statements of the stock sentinel.conf, of the other
//! dialects' data, and the words of the binary that follow a statement
//! the server takes (`sentinel <word> ...`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::probe::{self, Outcome};
use crate::server::Identity;
use crate::Args;

#[derive(Serialize, Default)]
struct Statement {
    /// Argument counts (after the statement's name) the loader takes.
    takes: Vec<usize>,
    /// What it said for the counts it refused, when not `unrecognized`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    refuses: BTreeMap<usize, String>,
}

#[derive(Serialize)]
struct Data {
    generated_from: String,
    /// The message for a statement it does not know.
    unrecognized: String,
    statements: BTreeMap<String, Statement>,
}

/// Seeds: the statements a sentinel.conf commonly holds (the generator
/// still asks the server about each; an unknown one is left out).
const SEEDS: &[&str] = &[
    "monitor",
    "down-after-milliseconds",
    "failover-timeout",
    "parallel-syncs",
    "notification-script",
    "client-reconfig-script",
    "auth-pass",
    "auth-user",
    "config-epoch",
    "leader-epoch",
    "known-slave",
    "known-replica",
    "known-sentinel",
    "rename-command",
    "myid",
    "current-epoch",
    "announce-ip",
    "announce-port",
    "deny-scripts-reconfig",
    "resolve-hostnames",
    "announce-hostnames",
    "sentinel-user",
    "sentinel-pass",
    "master-reboot-down-after-period",
];

fn load(id: &Identity, lines: &[String]) -> Result<Option<String>> {
    Ok(match probe::start(&id.bin, lines, true)? {
        Outcome::Started(_) => None,
        Outcome::Refused { reason, .. } => Some(reason),
    })
}

pub fn generate(a: &Args, id: &Identity, out: &Path) -> Result<()> {
    let master_port = probe::free_port().to_string();
    let monitor = format!("sentinel monitor m 127.0.0.1 {master_port} 2");
    let mut candidates: BTreeSet<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    if let Some(p) = &a.stock_config {
        let sentinel_conf = p.with_file_name("sentinel.conf");
        if let Ok(text) = std::fs::read_to_string(&sentinel_conf) {
            for l in text.lines() {
                let l = l.trim_start_matches(['#', ' ']);
                let mut w = l.split_whitespace();
                if w.next() == Some("sentinel") {
                    if let Some(sub) = w.next() {
                        if sub.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
                            candidates.insert(sub.to_string());
                        }
                    }
                }
            }
        }
    }
    if let Some(parent) = out.parent() {
        for e in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let Ok(text) = std::fs::read_to_string(e.path().join("sentinel.json")) else {
                continue;
            };
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                if let Some(m) = v["statements"].as_object() {
                    candidates.extend(m.keys().cloned());
                }
            }
        }
    }
    let unrecognized = load(
        id,
        &[
            monitor.clone(),
            "sentinel rampart-no-such-statement m 1".into(),
        ],
    )?
    .unwrap_or_default();
    let mut statements = BTreeMap::new();
    for sub in &candidates {
        let mut st = Statement::default();
        for argc in 1..=5usize {
            // A master's name first, then numbers, as most statements take.
            let mut words = vec!["m".to_string()];
            words.extend((1..argc).map(|i| {
                if sub == "myid" {
                    "0".repeat(40)
                } else {
                    (i * 1000).to_string()
                }
            }));
            if sub == "myid"
                || sub.starts_with("announce")
                || sub == "current-epoch"
                || sub.starts_with("sentinel-")
                || sub.ends_with("hostnames")
                || sub == "deny-scripts-reconfig"
            {
                // Global statements take no master name.
                words[0] = match sub.as_str() {
                    "myid" => "0".repeat(40),
                    s if s.ends_with("hostnames") || s == "deny-scripts-reconfig" => "yes".into(),
                    "announce-port" => "1234".into(),
                    _ => "1".into(),
                };
            }
            let line = format!("sentinel {sub} {}", words.join(" "));
            let lines = if sub == "monitor" {
                vec![format!("sentinel monitor {}", words.join(" "))]
            } else {
                vec![monitor.clone(), line]
            };
            match load(id, &lines)? {
                None => st.takes.push(argc),
                Some(m) => {
                    if m != unrecognized {
                        st.refuses.insert(argc, m);
                    }
                }
            }
        }
        let known = !st.takes.is_empty() || !st.refuses.is_empty();
        if known {
            statements.insert(sub.clone(), st);
        }
    }
    let data = Data {
        generated_from: id.describe(),
        unrecognized,
        statements,
    };
    let mut text = serde_json::to_string_pretty(&data)?;
    text.push('\n');
    eprintln!(
        "dialect-gen: sentinel: {} statements",
        data.statements.len()
    );
    crate::write_file(&out.join("sentinel.json"), &text)
}
