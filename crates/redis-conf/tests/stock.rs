//! The stock config of every line rampart knows, as that line's own server
//! loaded it when its data was generated (`config.json`'s `stock`: the
//! active lines, then lines keeping the server off the host's ports and
//! files, and `CONFIG GET *` afterwards). Each must load here with 0 fatal
//! lines on its own line, and every value must be what the server said.
//! This covers the lines built from source, whose servers CI does not
//! have.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use redis_conf::{Config, LoadOptions, ProblemKind, Version};
use serde::Deserialize;

#[derive(Deserialize)]
struct Data {
    stock: Option<Stock>,
}

#[derive(Deserialize)]
struct Stock {
    file: String,
    lines: Vec<String>,
    harness: Vec<String>,
    started: bool,
    values: std::collections::BTreeMap<String, String>,
}

#[test]
fn every_stock_config_loads_on_its_own_line() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for d in redis_dialects::all() {
        let data: Data = serde_json::from_str(d.config_data()).unwrap();
        let Some(stock) = data.stock else {
            eprintln!(
                "{}: no stock config in its data (its source package ships none)",
                d.name()
            );
            continue;
        };
        assert!(
            stock.started,
            "{}: its own server refused its stock config",
            d.name()
        );
        checked += 1;
        let dir = tempfile::tempdir().unwrap();
        let dir_s = dir.path().display().to_string();
        let mut text = stock.lines.join("\n");
        text.push('\n');
        for l in &stock.harness {
            text.push_str(&l.replace("{dir}", &dir_s));
            text.push('\n');
        }
        let opts = LoadOptions {
            working_dir: Some(dir.path().to_path_buf()),
            ..LoadOptions::for_version(Version::exact(d))
        };
        let cfg = Config::parse_str(Path::new(&stock.file), &text, &opts);
        for p in &cfg.problems {
            if p.kind == ProblemKind::Fatal {
                failures.push(format!("{} {}: fatal: {p}", d.name(), stock.file));
            }
        }
        for (name, live) in &stock.values {
            if ["dir", "unixsocket", "pidfile", "logfile"].contains(&name.as_str())
                || !redis_conf::is_modelled(d, name)
            {
                continue;
            }
            match cfg.effective(name) {
                None => failures.push(format!("{}: {name} unknown (server: {live:?})", d.name())),
                Some(e) if &e.value != live => failures.push(format!(
                    "{}: {name}: server {live:?}, rampart {:?}",
                    d.name(),
                    e.value
                )),
                Some(_) => {}
            }
        }
    }
    eprintln!("stock configs checked: {checked}");
    assert!(
        checked >= 7,
        "stock configs of the lines built from source are missing"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A directive of a newer line in a file read for an older known line is
/// fatal and says both facts; read for an unknown version it is a warning.
#[test]
fn newer_directives_say_both_facts() {
    let text = "locale-collate \"\"\nset-max-listpack-entries 128\n";
    let old = Config::parse_str(
        Path::new("redis.conf"),
        text,
        &LoadOptions::for_dialect("redis-7.0"),
    );
    assert_eq!(old.problems.len(), 2, "{:?}", old.problems);
    for p in &old.problems {
        assert_eq!(p.kind, ProblemKind::Fatal);
        assert!(p.message.contains("Redis 7.0 refuses this line"), "{p}");
        assert!(p.message.contains("7.2"), "{p}");
    }
    let new = Config::parse_str(
        Path::new("redis.conf"),
        text,
        &LoadOptions::for_dialect("redis-7.2"),
    );
    assert!(new.problems.is_empty(), "{:?}", new.problems);
    let unknown_version = Version {
        exact: false,
        ..Version::exact(redis_dialects::by_name("redis-7.0").unwrap())
    };
    let guess = Config::parse_str(
        Path::new("redis.conf"),
        text,
        &LoadOptions::for_version(unknown_version),
    );
    assert!(
        guess
            .problems
            .iter()
            .all(|p| p.kind == ProblemKind::Warning),
        "{:?}",
        guess.problems
    );
    // Read for no version at all: the newest Redis, which knows both.
    let default = Config::parse_str(Path::new("redis.conf"), text, &LoadOptions::default());
    assert!(default.problems.is_empty(), "{:?}", default.problems);
    assert!(default
        .version
        .as_ref()
        .is_some_and(|v| !v.exact && v.note.is_some()));
}

/// `loglevel nothing` is 7.2's; 7.0 refuses the value, with both facts.
#[test]
fn newer_enum_values_say_both_facts() {
    let old = Config::parse_str(
        Path::new("redis.conf"),
        "loglevel nothing\n",
        &LoadOptions::for_dialect("redis-7.0"),
    );
    assert!(
        old.problems
            .iter()
            .any(|p| p.kind == ProblemKind::Fatal && p.message.contains("Redis 7.2")),
        "{:?}",
        old.problems
    );
    let new = Config::parse_str(
        Path::new("redis.conf"),
        "loglevel nothing\n",
        &LoadOptions::for_dialect("valkey-8.0"),
    );
    assert!(new.problems.is_empty(), "{:?}", new.problems);
}
