//! The command line as a user meets it: formats, exit codes, bad input.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::collections::BTreeSet;
use std::io::Write;

fn registry_ids() -> Vec<String> {
    rampart_checks::all_checks()
        .iter()
        .map(|c| c.id.to_string())
        .collect()
}

#[test]
fn registry_matches_the_catalogue() {
    let ids = registry_ids();
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate IDs");
    for c in rampart_checks::all_checks() {
        assert!(c.doc.contains("**What.**"), "{} has no What section", c.id);
        assert!(c.doc.contains("**Why.**"), "{} has no Why section", c.id);
        assert!(!c.remediation.is_empty(), "{} has no remediation", c.id);
        assert!(!c.title.is_empty());
    }
    // The catalogue of record is in the repository (docs/CHECKS.md, rendered
    // from the registry; rampart-checks' catalogue test keeps it current).
    let text = std::fs::read_to_string(repo_root().join("docs/CHECKS.md")).unwrap();
    let listed: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter(|id| {
            id.len() >= 5
                && id.chars().last().is_some_and(|c| c.is_ascii_digit())
                && id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        })
        .map(str::to_string)
        .collect();
    assert_eq!(ids, listed, "registry order differs from docs/CHECKS.md");
}

#[test]
fn checks_and_explain() {
    let o = rampart(&["checks"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for id in registry_ids() {
        assert!(out.contains(&id), "{id} not listed");
    }
    let o = rampart(&["checks", "--format", "json"]);
    assert_eq!(json(&o).as_array().unwrap().len(), registry_ids().len());
    let o = rampart(&["explain", "acl003"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("ACL003"));
    assert!(stdout(&o).contains("**Fix.**"));
    let o = rampart(&["explain", "NOPE999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no check with ID"));
}

#[test]
fn json_report_contract() {
    let o = rampart(&[
        "audit",
        "--config",
        "examples/insecure/redis.conf",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["schema"], 1);
    assert!(r["rampart_version"].is_string());
    assert_eq!(r["targets"][0]["kind"], "files");
    let findings = r["findings"].as_array().unwrap();
    let ids: Vec<String> = findings
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, registry_ids(), "every check exactly once, in order");
    let mut counts = std::collections::BTreeMap::new();
    for f in findings {
        let st = f["status"].as_str().unwrap();
        assert!(["pass", "fail", "warn", "manual", "skip", "error"].contains(&st));
        *counts.entry(st.to_string()).or_insert(0u64) += 1;
        for key in ["title", "severity", "target", "remediation", "message"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        let ev = f["evidence"].as_array().unwrap();
        if ["pass", "fail", "warn"].contains(&st) {
            assert!(!ev.is_empty(), "{} {st} without evidence", f["id"]);
        }
        for e in ev {
            for key in ["source", "location", "observed", "expected"] {
                assert!(e[key].is_string(), "{key} in {e}");
            }
        }
        if st == "skip" {
            assert!(
                !f["message"].as_str().unwrap().is_empty(),
                "skip without reason: {}",
                f["id"]
            );
        }
    }
    for (st, n) in counts {
        assert_eq!(r["summary"][&st], n, "summary of {st}");
    }
    assert_eq!(status(&r, "NET001"), "fail");
    assert_eq!(status(&r, "ACL006"), "fail");
    assert_eq!(status(&r, "ACL010"), "fail");
}

#[test]
fn exit_codes_follow_fail_on() {
    let cfg = "examples/insecure/redis.conf";
    assert_eq!(
        rampart(&["audit", "-c", cfg, "--fail-on", "never"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        rampart(&["audit", "-c", cfg, "--fail-on", "critical"])
            .status
            .code(),
        Some(1)
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.conf");
    // Only low-severity and lower failures: passes --fail-on high.
    std::fs::write(&p, "bind 127.0.0.1\nport 6379\nuser default off\n").unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        p.to_str().unwrap(),
        "--fail-on",
        "critical",
        "--no-proc",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn text_report_is_plain_when_not_a_terminal() {
    let o = rampart(&["audit", "-c", "examples/insecure/redis.conf"]);
    let out = stdout(&o);
    assert!(out.contains("Summary:"));
    // Every failing finding says how safe its fix is.
    assert!(out.contains("fix (unsafe): protected-mode yes"), "{out}");
    assert!(out.contains("fix (safe): syslog-enabled yes"), "{out}");
    assert!(out.contains("fix (display-only):"), "{out}");
    assert!(!out.contains('\x1b'), "ANSI codes in piped output");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.txt");
    let o = rampart(&[
        "audit",
        "-c",
        "examples/insecure/redis.conf",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("ACL001") && !text.contains('\x1b'));
}

#[test]
fn hostile_values_are_sanitised_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.conf");
    std::fs::write(
        &p,
        "logfile \"/tmp/\\x1b[2J\\x1b]0;pwned\\x07.log\"\nbind \"127.0.0.1\\xe2\\x80\\xae\"\n",
    )
    .unwrap();
    let o = rampart(&["audit", "-c", p.to_str().unwrap(), "--verbose", "--no-proc"]);
    let out = stdout(&o) + &stderr(&o);
    assert!(!out.contains('\x1b'), "raw ESC reached the terminal: {out}");
    assert!(
        !out.contains('\u{202e}'),
        "bidi override reached the terminal"
    );
    assert!(
        out.contains("\\x1b"),
        "escape should be shown visibly: {out}"
    );
}

#[test]
fn bad_input_gives_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Missing file.
    let o = rampart(&["audit", "-c", d.join("missing.conf").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot"), "{}", stderr(&o));
    // A directory.
    let o = rampart(&["audit", "-c", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Binary.
    let bin = d.join("bin.conf");
    std::fs::write(&bin, b"port 1\x00\x01\x02\xff").unwrap();
    let o = rampart(&["audit", "-c", bin.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // 100 MB (sparse): refused by size, not read.
    let huge = d.join("huge.conf");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    let t = std::time::Instant::now();
    let o = rampart(&["audit", "-c", huge.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("limit"), "{}", stderr(&o));
    eprintln!("100 MB file refused in {:?}", t.elapsed());
    // Include loop and a malformed line: reported with file:line, the rest audited.
    let a = d.join("a.conf");
    let b = d.join("b.conf");
    std::fs::write(
        &a,
        format!(
            "include {}\nprotected-mode maybe\nbind 0.0.0.0\n",
            b.display()
        ),
    )
    .unwrap();
    std::fs::write(&b, format!("include {}\n", a.display())).unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        a.to_str().unwrap(),
        "--format",
        "json",
        "--no-proc",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    let problems = r["problems"].as_array().unwrap();
    let locs: Vec<&str> = problems
        .iter()
        .map(|p| p["location"].as_str().unwrap())
        .collect();
    assert!(locs.iter().any(|l| l.ends_with("a.conf:2")), "{locs:?}");
    assert_eq!(
        status(&r, "NET001"),
        "fail",
        "the rest of the file is still audited"
    );
    // ACL file with a bad line: the other users are still analysed.
    let conf = d.join("acl.conf");
    let acl = d.join("users.acl");
    std::fs::write(&conf, format!("aclfile {}\n", acl.display())).unwrap();
    std::fs::write(
        &acl,
        "user default off\nuser broken on #nothex ~*\nuser open on nopass ~* +@all\n",
    )
    .unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        conf.to_str().unwrap(),
        "--format",
        "json",
        "--no-proc",
    ]);
    let r = json(&o);
    assert!(
        r["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["location"].as_str().unwrap().ends_with("users.acl:2")),
        "{}",
        r["problems"]
    );
    assert_eq!(
        status(&r, "ACL001"),
        "fail",
        "user 'open' on line 3 is still seen"
    );
    // A missing ACL file is an error finding, not a pass.
    std::fs::remove_file(&acl).unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        conf.to_str().unwrap(),
        "--format",
        "json",
        "--no-proc",
    ]);
    let r = json(&o);
    assert_eq!(status(&r, "ACL001"), "error");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn zero_argument_audit_finds_something() {
    // From the repo, with the process scan off: this host's config if
    // installed, else the example (the scan is tested in live.rs).
    let o = rampart_env_no_scan(&["audit", "--format", "json", "--no-proc"], None);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    let r = json(&o);
    assert_eq!(
        r["findings"].as_array().unwrap().len(),
        registry_ids().len()
    );
    // Elsewhere with nothing installed it explains what to do.
    if !std::path::Path::new("/etc/redis/redis.conf").exists() {
        let dir = tempfile::tempdir().unwrap();
        let o = rampart_env_no_scan(&["audit"], Some(dir.path()));
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("--config"));
    }
}

fn rampart_env_no_scan(args: &[&str], cwd: Option<&std::path::Path>) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(cwd.map(|p| p.to_path_buf()).unwrap_or_else(repo_root))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .output()
        .unwrap()
}

#[test]
fn help_reads_well() {
    let o = rampart(&["--help"]);
    let out = stdout(&o);
    for word in ["audit", "checks", "explain"] {
        assert!(out.contains(word));
    }
    let o = rampart(&["audit", "--help"]);
    let out = stdout(&o);
    for flag in [
        "--config",
        "--aclfile",
        "--sentinel-config",
        "--format",
        "--output",
        "--fail-on",
    ] {
        assert!(out.contains(flag), "{flag} missing from audit --help");
    }
    let _ = std::io::stdout().flush();
}

#[test]
fn table_picks_the_command_table_for_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("valkey.conf");
    std::fs::write(&p, "user default off\nuser ops on #0d7b3d8b6f3c5a2e1f4d6c8b9a0e1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7 ~* +commandlog\n").unwrap();
    let o = rampart_env_no_scan(
        &[
            "audit",
            "-c",
            p.to_str().unwrap(),
            "--format",
            "json",
            "--no-proc",
        ],
        None,
    );
    // A valkey.conf, no version named, no server here: the newest Valkey.
    let r = json(&o);
    let v = r["targets"][0]["version"]["dialect"]
        .as_str()
        .unwrap_or_default();
    assert!(v.starts_with("valkey-"), "{}", r["targets"]);
    let o = rampart_env_no_scan(
        &[
            "audit",
            "-c",
            p.to_str().unwrap(),
            "--format",
            "json",
            "--no-proc",
            "--server-version",
            "redis-7.0",
        ],
        None,
    );
    let r = json(&o);
    let problems = r["problems"].to_string();
    assert!(
        problems.contains("commandlog"),
        "Redis 7.0 does not know COMMANDLOG: {problems}"
    );
    let o = rampart_env_no_scan(
        &[
            "audit",
            "-c",
            p.to_str().unwrap(),
            "--format",
            "json",
            "--no-proc",
            "--table",
            "valkey-9.1",
        ],
        None,
    );
    let r = json(&o);
    assert!(
        r["problems"].as_array().unwrap().is_empty(),
        "{}",
        r["problems"]
    );
    // A version newer than the data: the newest line, with a note.
    let o = rampart_env_no_scan(
        &[
            "audit",
            "-c",
            p.to_str().unwrap(),
            "--server-version",
            "redis-9.9",
            "--format",
            "json",
            "--no-proc",
        ],
        None,
    );
    let r = json(&o);
    assert_eq!(
        r["targets"][0]["version"]["exact"], false,
        "{}",
        r["targets"]
    );
    let o = rampart_env_no_scan(
        &[
            "audit",
            "-c",
            p.to_str().unwrap(),
            "--table",
            "memcached-1.6",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("redis-6.2, redis-7.0, redis-7.2") && stderr(&o).contains("valkey-9.1"),
        "{}",
        stderr(&o)
    );
}
