//! Hostile and broken inputs: clear errors or problems, no panic, bounded time.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use redis_conf::{Config, LoadError, LoadOptions, ProblemKind};

fn opts_in(dir: &Path) -> LoadOptions {
    LoadOptions {
        working_dir: Some(dir.to_path_buf()),
        ..LoadOptions::default()
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let e = Config::load(
        Path::new("/nonexistent/rampart/redis.conf"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, LoadError::Io { .. }), "{e}");
}

#[test]
fn directory_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let e = Config::load(d.path(), &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("directory"), "{e}");
}

#[test]
fn binary_file_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bin.conf");
    std::fs::write(&p, b"port 7000\n\0\x01\x02ELF").unwrap();
    let e = Config::load(&p, &LoadOptions::default()).unwrap_err();
    assert!(matches!(e, LoadError::Binary { .. }), "{e}");
}

#[test]
fn huge_sparse_file_is_refused_without_reading_it() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("huge.conf");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    let t = Instant::now();
    let e = Config::load(&p, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(e, LoadError::TooLarge { size, .. } if size == 100 * 1024 * 1024),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(1));
    // As an include it is a problem, not an error.
    let main = d.path().join("redis.conf");
    std::fs::write(&main, "include huge.conf\nport 7000\n").unwrap();
    let c = Config::load(&main, &opts_in(d.path())).unwrap();
    assert!(c
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Unread && p.message.contains("over the limit")));
    assert_eq!(c.effective("port").unwrap().value, "7000");
    // Set after the unread file: decided; not set (a default): unknown.
    assert!(c.is_incomplete());
    assert!(c.is_decided("port"));
    assert!(!c.is_decided("bind"));
}

#[test]
fn special_files_are_refused() {
    let e = Config::load(Path::new("/dev/zero"), &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
}

#[test]
fn include_loop_is_reported() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.conf"), "include b.conf\nport 1\n").unwrap();
    std::fs::write(d.path().join("b.conf"), "include a.conf\ntimeout 2\n").unwrap();
    let t = Instant::now();
    let c = Config::load(&d.path().join("a.conf"), &opts_in(d.path())).unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    let loops: Vec<_> = c
        .problems
        .iter()
        .filter(|p| p.message.contains("include loop"))
        .collect();
    assert_eq!(loops.len(), 1, "{:?}", c.problems);
    assert_eq!(c.effective("timeout").unwrap().value, "2");
    // A file including itself through a glob.
    std::fs::write(d.path().join("self.conf"), "include *.conf\n").unwrap();
    let c = Config::load(&d.path().join("self.conf"), &opts_in(d.path())).unwrap();
    assert!(
        c.problems
            .iter()
            .any(|p| p.message.contains("include loop")),
        "{:?}",
        c.problems
    );
}

#[test]
fn deep_include_chain_is_cut() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..100 {
        std::fs::write(
            d.path().join(format!("{i}.conf")),
            format!("include {}.conf\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(d.path().join("100.conf"), "port 1\n").unwrap();
    let c = Config::load(&d.path().join("0.conf"), &opts_in(d.path())).unwrap();
    assert!(c
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Unread && p.message.contains("nested deeper")));
    assert!(!c.is_decided("port"));
    assert!(c.files.len() <= 18, "{}", c.files.len());
}

#[test]
fn max_files_is_enforced() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..20 {
        std::fs::write(d.path().join(format!("inc{i:02}.conf")), "timeout 1\n").unwrap();
    }
    std::fs::write(d.path().join("redis.conf"), "include inc*.conf\n").unwrap();
    let opts = LoadOptions {
        max_files: 5,
        ..opts_in(d.path())
    };
    let c = Config::load(&d.path().join("redis.conf"), &opts).unwrap();
    assert_eq!(c.files.len(), 5);
    assert!(c
        .problems
        .iter()
        .any(|p| p.message.contains("more than 5 files")));
}

#[test]
fn reports_every_problem_and_keeps_valid_lines() {
    let text = "port 70000\nbogus 1\nloglevel loud\ntimeout 5\nrequirepass \"unterminated\nmaxmemory 1mb\n";
    let c = Config::parse_str(Path::new("redis.conf"), text, &LoadOptions::default());
    let lines: Vec<u32> = c.problems.iter().map(|p| p.span.line).collect();
    assert_eq!(lines, vec![1, 2, 3, 5]);
    assert_eq!(c.effective("timeout").unwrap().value, "5");
    assert_eq!(c.effective("maxmemory").unwrap().value, "1048576");
    assert_eq!(c.effective("port").unwrap().value, "6379");
}

#[test]
fn problems_never_contain_secrets() {
    let secret = "S3cr3t-Passw0rd";
    let text = format!(
        "requirepass {secret} extra\nmasterauth \"{secret}\nrequirepass \"{secret}\"x\nuser\nsentinel auth-pass m {secret}\n\
         tls-key-file-pass {secret} 2\nmasteruser {secret} x\nprimaryauth {secret}\n"
    );
    let c = Config::parse_str(Path::new("redis.conf"), &text, &LoadOptions::default());
    assert!(c.problems.len() >= 6, "{:?}", c.problems);
    for p in &c.problems {
        assert!(!p.to_string().contains(secret), "{p}");
        assert!(!format!("{p:?}").contains(secret), "{p:?}");
    }
    let c = Config::parse_str(
        Path::new("r"),
        &format!("requirepass {secret}\n"),
        &LoadOptions::default(),
    );
    assert!(!format!("{c:?}").contains(secret));
    // A password pasted on a line of its own is an unknown directive: its
    // problem names the line, not the word.
    let c = Config::parse_str(
        Path::new("r"),
        &format!("{secret}\n{secret} x\n"),
        &LoadOptions::default(),
    );
    assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
    for p in &c.problems {
        // Directive names are lower-cased: compare without case.
        let shown = p.to_string().to_ascii_lowercase();
        assert!(!shown.contains(&secret.to_ascii_lowercase()), "{p}");
    }
}

#[test]
fn nul_in_text_does_not_panic() {
    let c = Config::parse_str(
        Path::new("r"),
        "port 7000\0garbage\ntimeout 3\n",
        &LoadOptions::default(),
    );
    assert_eq!(c.effective("port").unwrap().value, "7000");
    assert!(c.problems.iter().any(|p| p.kind == ProblemKind::Warning));
}

#[test]
fn glob_include_spans_point_into_the_right_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("conf.d")).unwrap();
    // a.conf lacks a final newline: Redis merges its last line with b.conf's first.
    std::fs::write(d.path().join("conf.d/a.conf"), "timeout 1\nport 7000").unwrap();
    std::fs::write(d.path().join("conf.d/b.conf"), "\nloglevel loud\n").unwrap();
    std::fs::write(d.path().join("redis.conf"), "include conf.d/*.conf\n").unwrap();
    let c = Config::load(&d.path().join("redis.conf"), &opts_in(d.path())).unwrap();
    let p = c
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Fatal)
        .unwrap();
    assert!(p.span.file.ends_with("conf.d/b.conf"), "{p}");
    assert_eq!(p.span.line, 2);
    assert_eq!(c.last("port").unwrap().span.line, 2);
}

#[test]
fn dir_changes_where_includes_resolve() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("data")).unwrap();
    std::fs::write(d.path().join("data/inc.conf"), "timeout 9\n").unwrap();
    let c = Config::parse_str(
        Path::new("redis.conf"),
        "dir data\ninclude inc.conf\n",
        &opts_in(d.path()),
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.effective("timeout").unwrap().value, "9");
    let dir = c.effective("dir").unwrap().value;
    assert!(dir.ends_with("/data"), "{dir}");
}
