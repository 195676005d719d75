//! `rampart_harden::fix` as a library: plan the fixes of a snapshot of
//! files, write them with a backup, and the safety rules (no process).
//! The CLI tests are in crates/rampart/tests/fix.rs.
#![allow(clippy::unwrap_used)]

use rampart_collect::{collect_files, FilesTarget};
use rampart_harden::fix;
use std::path::Path;

fn snapshot(conf: &Path) -> rampart_checks::Snapshot {
    collect_files(&FilesTarget {
        config: conf.to_path_buf(),
        aclfile: None,
        sentinel_config: None,
        host_root: None,
        scan_processes: false,
        table: None,
        version: rampart_collect::version::named("redis-7.2").ok(),
    })
}

const INPUT: &str =
    "# mine\nbind * -::*\nport 6390\nprotected-mode no\nrequirepass Zq8!vR3#mK9$wL2@pX7\n";

#[test]
fn safe_fixes_are_planned_written_once_and_backed_up() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("redis.conf");
    std::fs::write(&conf, INPUT).unwrap();
    let plan = fix::plan(&snapshot(&conf), false).unwrap();
    assert!(!plan.is_empty());
    assert!(!plan.applied.is_empty());
    // Unsafe fixes wait for --unsafe-fixes.
    assert!(plan
        .skipped
        .iter()
        .any(|e| e.note.contains("--unsafe-fixes")));
    let diff = plan.diff();
    assert!(diff.contains("+syslog-enabled yes\n"), "{diff}");
    assert!(diff.contains(" requirepass ***\n"), "{diff}");
    assert!(!diff.contains("Zq8!"), "a secret in the diff");
    assert_eq!(plan.files().collect::<Vec<_>>(), [conf.as_path()]);

    let written = plan.write().unwrap();
    assert_eq!(written.len(), 1);
    let (file, backup) = &written[0];
    assert_eq!(file, &conf);
    assert_eq!(std::fs::read_to_string(backup).unwrap(), INPUT);
    let now = std::fs::read_to_string(&conf).unwrap();
    // Every byte of the input is kept (the secret line untouched).
    assert!(now.starts_with(INPUT), "{now}");
    assert!(now.ends_with("\nsyslog-enabled yes\n"), "{now}");

    // Writing the same plan again: the file changed under it, refused.
    let e = plan.write().err().unwrap();
    assert!(
        e.to_string()
            .contains("changed while rampart was fixing it"),
        "{e}"
    );

    // With unsafe fixes too, a second backup does not overwrite the first.
    let plan = fix::plan(&snapshot(&conf), true).unwrap();
    assert!(!plan.is_empty());
    let written = plan.write().unwrap();
    assert!(written[0].1.to_string_lossy().ends_with(".rampart-bak.1"));
    assert_eq!(std::fs::read_to_string(backup).unwrap(), INPUT);
    assert!(std::fs::read_to_string(&conf)
        .unwrap()
        .contains("\nbind 127.0.0.1 -::1\n"));
}

#[test]
fn a_config_that_is_a_link_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.conf");
    std::fs::write(&real, INPUT).unwrap();
    let link = dir.path().join("redis.conf");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let plan = fix::plan(&snapshot(&link), true);
    if let Ok(plan) = plan {
        assert!(plan.write().is_err());
    }
    assert_eq!(std::fs::read_to_string(&real).unwrap(), INPUT);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("rampart-bak")),
        "{names:?}"
    );
}

#[test]
fn a_config_redis_would_refuse_is_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("redis.conf");
    std::fs::write(&conf, "port nope\nprotected-mode no\n").unwrap();
    let e = fix::plan(&snapshot(&conf), true).err().unwrap();
    assert!(
        e.to_string().contains("Redis would refuse these lines"),
        "{e}"
    );
}
