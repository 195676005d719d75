//! Hostile reads (issue 11, items 2, 10, 17): an included file rampart does
//! not read must never let a check pass, and every file rampart reads is
//! bounded, regular, and never blocks.
//!
//! For each unread case the real server is the oracle: it starts on the
//! very same files, and `CONFIG GET` shows what the unread file set.
#![allow(clippy::unwrap_used)]

mod common;

use common::{json, rampart, status, stderr};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the hostile include sets: every interface, protected mode off.
const EVIL: &str = "bind 0.0.0.0\nprotected-mode no\n";

struct Case {
    name: &'static str,
    /// Writes the files into the directory; returns the main config text.
    build: fn(&Path) -> String,
    /// The reason rampart gives for not reading.
    reason: &'static str,
}

fn main_conf(include: &str) -> String {
    format!("bind 127.0.0.1\nprotected-mode yes\ninclude {include}\n")
}

fn nul(d: &Path) -> String {
    let p = d.join("evil.conf");
    std::fs::write(&p, format!("{EVIL}# a NUL byte: \0 here\n")).unwrap();
    main_conf(p.to_str().unwrap())
}

fn big(d: &Path) -> String {
    let p = d.join("big.conf");
    let mut text = EVIL.to_string();
    let pad = "# padding to go over rampart's 16 MiB limit a file ............\n";
    while text.len() <= 17 * 1024 * 1024 {
        text.push_str(pad);
    }
    std::fs::write(&p, text).unwrap();
    main_conf(p.to_str().unwrap())
}

fn deep(d: &Path) -> String {
    let n = 20;
    for i in 0..n {
        let next = d.join(format!("d{}.conf", i + 1));
        std::fs::write(
            d.join(format!("d{i}.conf")),
            format!("include {}\n", next.display()),
        )
        .unwrap();
    }
    std::fs::write(d.join(format!("d{n}.conf")), EVIL).unwrap();
    main_conf(d.join("d0.conf").to_str().unwrap())
}

fn many(d: &Path) -> String {
    let inc = d.join("inc");
    std::fs::create_dir_all(&inc).unwrap();
    for i in 0..1030 {
        let text = if i == 1029 { EVIL } else { "# empty\n" };
        std::fs::write(inc.join(format!("{i:05}.conf")), text).unwrap();
    }
    main_conf(&format!("{}/*.conf", inc.display()))
}

const CASES: &[Case] = &[
    Case {
        name: "NUL byte",
        build: nul,
        reason: "NUL bytes",
    },
    Case {
        name: "over 16 MiB",
        build: big,
        reason: "over the limit",
    },
    Case {
        name: "deeper than 16 levels",
        build: deep,
        reason: "nested deeper than 16",
    },
    Case {
        name: "past 1,024 files",
        build: many,
        reason: "more than 1024 files",
    },
];

#[test]
fn unread_includes_never_pass() {
    let server = redis_fixture::available();
    if !server {
        println!("SKIP the server oracle: no redis-server here");
    }
    let mut tried = 0;
    for case in CASES {
        let d = tempfile::tempdir().unwrap();
        let conf = (case.build)(d.path());
        let main = d.path().join("redis.conf");
        std::fs::write(&main, &conf).unwrap();

        // The oracle: the server starts on these files, and the unread
        // file decides bind and protected-mode.
        if server {
            match redis_fixture::try_config_bare(&conf, &[]) {
                Ok(s) => {
                    assert_eq!(
                        s.config_get("bind").as_deref(),
                        Some("0.0.0.0"),
                        "{}",
                        case.name
                    );
                    assert_eq!(
                        s.config_get("protected-mode").as_deref(),
                        Some("no"),
                        "{}",
                        case.name
                    );
                }
                Err(e) => panic!("{}: the server refused to start: {}", case.name, e.output),
            }
        }

        let t = Instant::now();
        let o = rampart(&[
            "audit",
            "-c",
            main.to_str().unwrap(),
            "--format",
            "json",
            "--no-proc",
            "--server-version",
            "redis-7.0",
        ]);
        assert!(t.elapsed() < Duration::from_secs(60), "{}", case.name);
        let r = json(&o);
        for id in ["NET001", "NET002"] {
            let st = status(&r, id);
            assert_ne!(
                st, "pass",
                "{}: {id} passed on an unread include",
                case.name
            );
            assert!(
                st == "error" || st == "manual",
                "{}: {id} is {st}",
                case.name
            );
        }
        let problems = r["problems"].as_array().unwrap();
        let unread: Vec<_> = problems
            .iter()
            .filter(|p| p["message"].as_str().unwrap().contains("was not read"))
            .collect();
        assert!(!unread.is_empty(), "{}: {problems:?}", case.name);
        for p in &unread {
            let m = p["message"].as_str().unwrap();
            assert!(m.contains(case.reason), "{}: {m}", case.name);
            // The server starts on these files: never say it refuses.
            assert!(!m.contains("refuse"), "{}: {m}", case.name);
            assert_eq!(p["fatal"], false, "{}: {m}", case.name);
        }
        println!(
            "{}: NET001 {}, NET002 {}",
            case.name,
            status(&r, "NET001"),
            status(&r, "NET002")
        );
        tried += 1;
    }
    println!("hostile reads: {tried} unread-include inputs tried");
}

/// A setting written after the unread include is still known: the check
/// decides on it.
#[test]
fn settings_after_the_unread_file_still_decide() {
    let d = tempfile::tempdir().unwrap();
    let evil = d.path().join("evil.conf");
    std::fs::write(&evil, format!("{EVIL}\0\n")).unwrap();
    let main = d.path().join("redis.conf");
    std::fs::write(
        &main,
        format!(
            "include {}\nbind 0.0.0.0\nprotected-mode no\n",
            evil.display()
        ),
    )
    .unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        main.to_str().unwrap(),
        "--format",
        "json",
        "--no-proc",
    ]);
    let r = json(&o);
    assert_eq!(status(&r, "NET001"), "fail", "{}", stderr(&o));
}

/// Item 10: special files named by a config are refused before a byte is
/// read; a FIFO never blocks.
#[test]
fn special_files_are_refused_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut specials = vec![Path::new("/dev/zero").to_path_buf()];
    if made {
        specials.push(fifo.clone());
    } else {
        println!("SKIP FIFO: mkfifo failed");
    }
    let mut tried = 0;
    for special in &specials {
        let s = special.to_str().unwrap();
        let conf = d.path().join("redis.conf");
        // As aclfile, as an include, and as the main config.
        std::fs::write(&conf, format!("aclfile {s}\n")).unwrap();
        let inc = d.path().join("inc.conf");
        std::fs::write(&inc, format!("include {s}\n")).unwrap();
        for (args, what) in [
            (
                vec![
                    "audit",
                    "-c",
                    conf.to_str().unwrap(),
                    "--format",
                    "json",
                    "--no-proc",
                ],
                "aclfile",
            ),
            (
                vec![
                    "audit",
                    "-c",
                    inc.to_str().unwrap(),
                    "--format",
                    "json",
                    "--no-proc",
                ],
                "include",
            ),
            (
                vec!["audit", "-c", s, "--format", "json", "--no-proc"],
                "config",
            ),
        ] {
            let t = Instant::now();
            let o = rampart(&args);
            assert!(t.elapsed() < Duration::from_secs(30), "{what} {s}");
            let all = format!("{}{}", common::stdout(&o), stderr(&o));
            assert!(all.contains("not a regular file"), "{what} {s}: {all}");
            tried += 1;
        }
    }
    println!("hostile reads: {tried} special-file inputs tried");
}

/// Item 17: every path the operator gives is read with the same reader.
#[test]
fn operator_paths_refuse_special_files() {
    let d = tempfile::tempdir().unwrap();
    let conf = d.path().join("redis.conf");
    std::fs::write(&conf, "port 7000\n").unwrap();
    let c = conf.to_str().unwrap();
    let out = d.path().join("out");
    let o = out.to_str().unwrap();
    let fifo = d.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut specials = vec!["/dev/zero"];
    if made {
        specials.push(fifo.to_str().unwrap());
    }
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for z in specials {
        runs.extend([
            vec!["audit", "--targets-file", z],
            vec!["audit", "redis://127.0.0.1:1", "--pass-file", z],
            vec!["audit", "-c", z, "--no-proc"],
            vec!["harden", "-c", z, "--dry-run", "--out-dir", o],
            vec![
                "harden",
                "-c",
                c,
                "--policy",
                z,
                "--dry-run",
                "--out-dir",
                o,
            ],
            vec!["acl", "review", "--aclfile", z],
            vec!["acl", "review", "-c", z],
            vec![
                "rotate",
                "127.0.0.1:1",
                "--account",
                "bob",
                "--journal",
                z,
                "--resume",
            ],
            vec![
                "rotate",
                "127.0.0.1:1",
                "--account",
                "bob",
                "--new-password-file",
                z,
                "--dry-run",
            ],
        ]);
    }
    let mut tried = 0;
    for args in runs {
        let t = Instant::now();
        let o = rampart(&args);
        assert!(t.elapsed() < Duration::from_secs(30), "{args:?}");
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?}: {err}");
        assert!(err.contains("not a regular file"), "{args:?}: {err}");
        // Once, not repeated by an error chain.
        assert_eq!(
            err.matches("not a regular file").count(),
            1,
            "{args:?}: {err}"
        );
        tried += 1;
    }
    println!("hostile reads: {tried} operator paths tried");
}

/// A device named as the ACL file is not a file to chmod: OS003's fix
/// names no `chmod ... /dev/zero` (item 19).
#[test]
fn no_chmod_is_suggested_for_a_device() {
    let d = tempfile::tempdir().unwrap();
    let conf = d.path().join("redis.conf");
    std::fs::write(&conf, "bind 127.0.0.1\naclfile /dev/zero\n").unwrap();
    let o = rampart(&[
        "audit",
        "--config",
        conf.to_str().unwrap(),
        "--format",
        "json",
        "--no-proc",
        "--fail-on",
        "never",
    ]);
    let r = json(&o);
    let text = r["findings"].to_string();
    assert!(
        !text.contains("chmod 0660 /dev/zero") && !text.contains("/dev/zero\"; "),
        "{}",
        stderr(&o)
    );
    for f in r["findings"].as_array().unwrap() {
        let fix = f["fix"].to_string();
        assert!(
            !fix.contains("chmod") || !fix.contains("/dev/zero"),
            "{fix}"
        );
    }
}
