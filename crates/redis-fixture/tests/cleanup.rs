//! A topology that fails midway leaves no process behind. Its own test
//! binary, so the only children of this process are the fixture's.
#![allow(clippy::unwrap_used)]

use redis_fixture::*;

/// Pids whose parent is this process (from /proc/*/stat).
fn children() -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some(rest) = stat.rsplit_once(") ") else {
            continue;
        };
        let ppid = rest.1.split(' ').nth(1);
        if ppid == Some(me.as_str()) {
            v.push(e.file_name().to_string_lossy().parse().unwrap());
        }
    }
    v
}

#[test]
fn failed_startup_kills_what_it_started() {
    // data nodes start, then the first Sentinel refuses its config
    let e = match SentinelSetBuilder::new()
        .config("bogus-directive 1")
        .start()
    {
        Ok(_) => panic!("a bogus sentinel directive was accepted"),
        Err(e) => e,
    };
    assert!(e.output.contains("bogus-directive"), "{}", e.output);
    assert_eq!(children(), Vec::<u32>::new(), "processes left behind");

    // a replica set whose replicas never link (wrong masterauth): a bounded
    // wait, then everything is killed
    let t = std::time::Instant::now();
    let e = match ReplicaSetBuilder::new()
        .config("requirepass right-password-123456\nmasterauth wrong-password-123456")
        .timeout(std::time::Duration::from_secs(2))
        .start()
    {
        Ok(_) => panic!("replicas linked with a wrong masterauth"),
        Err(e) => e,
    };
    assert!(t.elapsed().as_secs() < 10);
    assert!(e.output.contains("replication not up"), "{}", e.output);
    assert_eq!(children(), Vec::<u32>::new(), "processes left behind");

    // and a healthy one is gone after drop
    let set = ReplicaSetBuilder::new().start().unwrap();
    let pids: Vec<u32> = set.nodes().map(|n| n.pid()).collect();
    assert_eq!(pids.len(), 3);
    drop(set);
    assert_eq!(children(), Vec::<u32>::new(), "processes left behind");
}
