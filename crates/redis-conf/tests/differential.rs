//! Differential tests: every config in `tests/corpus/` is given to a real
//! redis-server 7.0 and to this crate. When Redis starts, `CONFIG GET *`
//! must equal `Config::effective` for every name; when it refuses, this
//! crate must report a Fatal problem at the line Redis names, with Redis's
//! reason.
//!
//! A corpus case is `NAME.conf` (optional `NAME.conf.args`: lines passed
//! to redis-server as `--name value` and appended to the text this crate
//! parses, the way Redis appends command-line options), or a directory
//! `NAME/` holding `redis.conf` and the files it includes.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use redis_conf::{split_args, Config, LoadOptions, ProblemKind};

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
fn parse(case: &Case, port: u16) -> (Config, tempfile::TempDir) {
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
        ..LoadOptions::default()
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

fn run_case(case: &Case) -> Result<Outcome, String> {
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
    match redis_fixture::Server::start_bare(&case.main, &files, &extra) {
        Ok(server) => {
            let (cfg, mine) = parse(case, server.port);
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
            for (name, live) in &all {
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
            let (cfg, _mine) = parse(case, 1);
            let fatal: Vec<_> = cfg
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::Fatal)
                .collect();
            if fatal.is_empty() {
                return Err(format!(
                    "Redis refused but rampart found no fatal problem; Redis said:\n{}",
                    e.output
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

#[test]
fn corpus_matches_real_redis() {
    assert!(
        redis_fixture::available(),
        "redis-server is required for the differential tests"
    );
    let cases = cases();
    let mut started = 0;
    let mut refused = 0;
    let mut failures = Vec::new();
    for case in &cases {
        match run_case(case) {
            Ok(Outcome::Started) => started += 1,
            Ok(Outcome::Refused) => refused += 1,
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    eprintln!(
        "differential corpus: {} cases, {started} started, {refused} refused",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert!(cases.len() >= 30, "corpus too small");
    assert!(
        refused >= 10,
        "need at least 10 configs Redis rejects, have {refused}"
    );
}

/// The embedded name list and defaults equal `CONFIG GET *` of the
/// installed server (regenerate with scripts/regen-data.sh).
#[test]
fn embedded_names_and_defaults_match_server() {
    assert!(redis_fixture::available(), "redis-server is required");
    let server = redis_fixture::Server::start_bare("", &[], &[]).unwrap();
    let all = server.config_get_all("CONFIG", None).unwrap();
    let mut live: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    live.sort_unstable();
    let mut mine = redis_conf::config_names();
    mine.sort_unstable();
    assert_eq!(live, mine, "config names differ: run scripts/regen-data.sh");
    let cfg = Config::default();
    for (name, value) in &all {
        if name == "port" || name == "dir" {
            continue;
        }
        assert_eq!(
            redis_conf::default_value(name),
            Some(value.as_str()),
            "default of {name}"
        );
        assert_eq!(
            cfg.effective(name).map(|e| e.value).as_deref(),
            Some(value.as_str()),
            "effective {name}"
        );
    }
}

/// Every config name, with values chosen to be invalid for most types:
/// Redis and rampart must agree on accept/refuse, and on the reason.
#[test]
fn type_probes_match_server() {
    assert!(redis_fixture::available(), "redis-server is required");
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
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for name in redis_conf::config_names() {
        if skip.contains(&name) {
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
            if let Err(e) = run_case(&case) {
                // Refusals that are not config-file errors (e.g. TLS setup
                // failing without certificates) say nothing about the parser.
                if e.contains("FATAL CONFIG FILE ERROR") || !e.starts_with("Redis refused") {
                    failures.push(format!("{name} {probe}: {e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} probes differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
