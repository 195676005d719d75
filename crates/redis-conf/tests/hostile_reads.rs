//! Issue 11 (items 2, 12): includes rampart does not read are recorded,
//! and the bytes read for one config are capped in total.
#![allow(clippy::unwrap_used)]

use redis_conf::{Config, LoadOptions, ProblemKind};

#[test]
fn a_glob_of_links_to_one_file_is_read_up_to_the_total_cap() {
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("big.conf");
    let mut text = String::from("timeout 7\n");
    while text.len() < 1024 * 1024 {
        text.push_str("# padding ....................................\n");
    }
    std::fs::write(&big, &text).unwrap();
    std::fs::create_dir(d.path().join("links")).unwrap();
    for i in 0..8 {
        std::os::unix::fs::symlink(&big, d.path().join(format!("links/{i}.conf"))).unwrap();
    }
    let main = d.path().join("redis.conf");
    std::fs::write(&main, "include links/*.conf\nport 7000\n").unwrap();
    let opts = LoadOptions {
        working_dir: Some(d.path().to_path_buf()),
        max_total_bytes: 3 * 1024 * 1024 + 512 * 1024,
        ..LoadOptions::for_dialect("redis-7.0")
    };
    let c = Config::load(&main, &opts).unwrap();
    // Links to one file are not an include loop: Redis reads each.
    assert!(
        !c.problems.iter().any(|p| p.message.contains("loop")),
        "{:?}",
        c.problems
    );
    assert_eq!(c.files.len(), 1 + 3, "main + 3 of 1 MiB fit in 3.5 MiB");
    assert_eq!(c.unread.len(), 5);
    assert!(c
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Unread)
        .all(|p| p.message.contains("in total")));
    assert!(c.is_decided("port"), "set after the include");
    assert!(!c.is_decided("timeout"), "an unread copy may set it");
    assert!(
        !c.is_decided("save"),
        "accumulating configs are never decided"
    );
}

#[test]
fn an_include_with_a_nul_byte_is_unread_not_fatal() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("evil.conf"), "bind 0.0.0.0\n\0\n").unwrap();
    let main = d.path().join("redis.conf");
    std::fs::write(&main, "bind 127.0.0.1\ninclude evil.conf\n").unwrap();
    let opts = LoadOptions {
        working_dir: Some(d.path().to_path_buf()),
        ..LoadOptions::for_dialect("redis-7.0")
    };
    let c = Config::load(&main, &opts).unwrap();
    assert!(!c.has_fatal(), "{:?}", c.problems);
    assert_eq!(c.unread.len(), 1);
    assert!(!c.is_decided("bind"));
    assert!(c.unread_summary().unwrap().contains("NUL"));
}

#[test]
fn special_files_as_includes_are_refused_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let main = d.path().join("redis.conf");
    std::fs::write(&main, "include /dev/zero\n").unwrap();
    let c = Config::load(&main, &LoadOptions::for_dialect("redis-7.0")).unwrap();
    assert!(
        c.problems
            .iter()
            .any(|p| p.message.contains("not a regular file")),
        "{:?}",
        c.problems
    );
}
