//! The config Debian's redis-server package installs, audited as installed:
//! every check has a known, justified verdict.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::Path;

#[test]
fn debian_packaged_config_verdicts() {
    let conf = Path::new("/etc/redis/redis.conf");
    if !conf.exists() {
        panic!("redis-server is not installed: .ci/run installs it (apt-get install redis-server)");
    }
    let o = rampart(&[
        "audit",
        "-c",
        "/etc/redis/redis.conf",
        "--format",
        "json",
        "--no-proc",
    ]);
    let r = json(&o);
    let logrotate = Path::new("/usr/sbin/logrotate").exists();
    let expected: &[(&str, &str)] = &[
        ("NET001", "pass"),   // bind 127.0.0.1 -::1
        ("NET002", "pass"),   // protected-mode yes
        ("NET003", "warn"),   // port 6379
        ("NET004", "skip"),   // live only
        ("NET005", "manual"), // firewall rules unknown
        ("ACL001", "fail"),   // no requirepass, no users: default on nopass
        ("ACL002", "skip"),   // no passwords at all
        ("ACL003", "fail"),   // default user on, nopass
        ("ACL004", "fail"),   // default holds +@all, so every @dangerous command
        ("ACL005", "fail"),   // no aclfile
        ("ACL006", "skip"),   // no user lines
        ("ACL007", "pass"),   // requirepass unset
        ("ACL008", "warn"),   // default has +@all ~*
        ("ACL009", "warn"),   // no ACL users and nothing renamed
        ("ACL010", "skip"),   // not a replica
        ("ACL011", "skip"),   // no sentinel.conf given
        ("TLS001", "warn"),   // no TLS
        ("TLS002", "skip"),
        ("TLS003", "skip"),
        ("TLS004", "skip"),
        ("TLS005", "skip"),
        ("TLS006", "skip"),
        ("TLS007", "skip"), // no key files
        ("TLS008", "skip"),
        ("TLS009", "skip"), // not a cluster
        ("TLS010", "skip"),
        ("OS001", "skip"),                                   // process scan off
        ("OS002", "pass"),                                   // redis:redis
        ("OS003", "pass"),                                   // 640 / 750
        ("OS004", "pass"),                                   // 640
        ("LOG001", "pass"), // logfile /var/log/redis/redis-server.log
        ("LOG002", if logrotate { "pass" } else { "fail" }), // the package ships the rule, not logrotate
        ("LOG003", "warn"),                                  // syslog off
        ("DATA001", "manual"), // no save line, appendonly no: default RDB schedule
        ("DATA002", "manual"),
        ("DATA003", "skip"),
        ("CLU001", "skip"),
        ("CLU002", "skip"),
        ("VER001", "skip"),
        ("VER002", "skip"),
        ("MNT001", "skip"),
        ("MNT002", "skip"),
    ];
    let mut wrong = Vec::new();
    for (id, want) in expected {
        let got = status(&r, id);
        if got != *want {
            wrong.push(format!("{id}: {got}, expected {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(expected.len(), r["findings"].as_array().unwrap().len());
    assert!(
        r["problems"].as_array().unwrap().is_empty(),
        "Debian's config parses cleanly: {}",
        r["problems"]
    );
}
