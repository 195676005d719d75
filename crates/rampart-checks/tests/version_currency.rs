//! VER001's data age and announced ends, and VER002's client-library
//! verdicts, on snapshots built here (issue 15). The same checks run
//! against real servers and real clients in crates/rampart/tests.
#![allow(clippy::unwrap_used)]

use rampart_checks::{find_check, Avail, Finding, LiveFacts, Snapshot, Status};
use std::collections::BTreeMap;

fn live(info: &[(&str, &str)], clients: Vec<BTreeMap<String, String>>) -> LiveFacts {
    LiveFacts {
        endpoint: "127.0.0.1:7000".into(),
        protocol: 2,
        info: info
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        config: Ok(BTreeMap::new()),
        acl_list: Ok(Vec::new()),
        clients: Ok(clients),
        cluster_nodes: None,
        unauth: None,
        plaintext_probes: Vec::new(),
        command_table: None,
        modules: Ok(Vec::new()),
        masterauth_sha256: None,
        peers: Vec::new(),
        package_version: None,
        value_sample: None,
        sentinel: None,
    }
}

fn redis(version: &str) -> LiveFacts {
    live(
        &[
            ("redis_version", version),
            ("redis_git_sha1", "1a2b3c4d"),
            ("redis_mode", "standalone"),
        ],
        Vec::new(),
    )
}

fn run(id: &str, l: LiveFacts, now: Option<i64>) -> Finding {
    let mut s = Snapshot::empty("test");
    s.live = Avail::Present(l);
    s.now = now;
    let c = find_check(id).expect("check");
    rampart_checks::registry::run_one(c, &s)
}

/// Unix seconds of a date at noon.
fn at(date: &str) -> i64 {
    redis_advisories::date_days(date).expect("date") * 86_400 + 43_200
}

fn evidence(f: &Finding) -> String {
    format!("{:?}", f.evidence)
}

#[test]
fn ver001_names_the_data_date_and_age() {
    let reviewed = redis_advisories::embedded().reviewed.clone();
    let now = redis_advisories::date_days(&reviewed).expect("date") * 86_400 + 10 * 86_400;
    let f = run("VER001", redis("8.2.10"), Some(now));
    assert_eq!(f.status, Status::Pass, "{f:#?}");
    let ev = evidence(&f);
    assert!(
        ev.contains(&format!(
            "reviewed {reviewed} (10 day(s) before this audit)"
        )),
        "{ev}"
    );
}

#[test]
fn ver001_does_not_pass_on_data_older_than_90_days() {
    let reviewed = redis_advisories::embedded().reviewed.clone();
    let now = redis_advisories::date_days(&reviewed).expect("date") * 86_400 + 91 * 86_400;
    let f = run("VER001", redis("8.2.10"), Some(now));
    assert_eq!(f.status, Status::Manual, "{f:#?}");
    assert!(f.message.contains("91 days old"), "{}", f.message);
    assert!(
        f.message.contains("rampart advisories update"),
        "{}",
        f.message
    );
    // A failing server still fails, and says the data is old too.
    let f = run("VER001", redis("8.2.1"), Some(now));
    assert_eq!(f.status, Status::Fail);
    assert!(f.message.contains("days old"), "{}", f.message);
    // 90 days is not yet stale.
    let now = redis_advisories::date_days(&reviewed).expect("date") * 86_400 + 90 * 86_400;
    assert_eq!(
        run("VER001", redis("8.2.10"), Some(now)).status,
        Status::Pass
    );
}

#[test]
fn ver001_fails_a_line_after_its_announced_end() {
    // Redis 6.2: security fixes until 2027-04-01 (Redis's version-management page).
    let before = run("VER001", redis("6.2.24"), Some(at("2027-03-31")));
    assert!(!before.message.contains("end of life"), "{before:#?}");
    let after = run("VER001", redis("6.2.24"), Some(at("2027-04-02")));
    assert_eq!(after.status, Status::Fail, "{after:#?}");
    assert!(
        after.message.contains("end of life since 2027-04-01"),
        "{}",
        after.message
    );
}

#[test]
fn ver001_asks_to_verify_redis_8_4() {
    let f = run("VER001", redis("8.4.6"), None);
    assert_eq!(f.status, Status::Manual, "{f:#?}");
    assert!(evidence(&f).contains("support status of Redis line 8.4 is not confirmed"));
}

fn client(addr: &str, user: &str, lib: Option<(&str, &str)>) -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    c.insert("addr".to_string(), addr.to_string());
    c.insert("user".to_string(), user.to_string());
    if let Some((n, v)) = lib {
        c.insert("lib-name".to_string(), n.to_string());
        c.insert("lib-ver".to_string(), v.to_string());
    }
    c
}

fn with_clients(clients: Vec<BTreeMap<String, String>>) -> LiveFacts {
    live(&[("redis_version", "8.2.3")], clients)
}

fn latest_of(lib: &str) -> String {
    let d = redis_advisories::embedded_clients();
    let l = d.library(lib).expect(lib);
    l.maintained[0].latest.clone()
}

#[test]
fn ver002_passes_current_libraries() {
    let py = latest_of("redis-py");
    let node = latest_of("node-redis");
    let f = run(
        "VER002",
        with_clients(vec![
            client("10.0.0.5:5000", "app", Some(("redis-py", &py))),
            client("10.0.0.6:5000", "app", Some(("node-redis", &node))),
            // A wrapper's suffix is the same library.
            client("10.0.0.7:5000", "app", Some(("redis-py(django_v5)", &py))),
        ]),
        None,
    );
    assert_eq!(f.status, Status::Pass, "{f:#?}");
    assert!(evidence(&f).contains("generated "), "{f:#?}");
}

#[test]
fn ver002_fails_an_old_patch_and_a_dropped_line_with_the_version_to_move_to() {
    let py = latest_of("redis-py");
    let f = run(
        "VER002",
        with_clients(vec![
            client("10.0.0.5:5000", "app", Some(("redis-py", "5.0.1"))),
            client("10.0.0.6:5000", "app", Some(("redis-py", &py))),
        ]),
        None,
    );
    assert_eq!(f.status, Status::Fail, "{f:#?}");
    assert!(
        f.message.contains(&format!("redis-py 5.0.1 → {py}")),
        "{}",
        f.message
    );
    assert!(
        evidence(&f).contains("line 5.0 is no longer maintained"),
        "{f:#?}"
    );
    // An older patch of the maintained line.
    let d = redis_advisories::embedded_clients();
    let l = d.library("redis-py").unwrap();
    let line = &l.maintained[0].line;
    if !l.maintained[0].latest.ends_with(".0") {
        let old = format!("{line}.0");
        let f = run(
            "VER002",
            with_clients(vec![client(
                "10.0.0.5:5000",
                "app",
                Some(("redis-py", &old)),
            )]),
            None,
        );
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert!(
            evidence(&f).contains("newest patch of maintained line"),
            "{f:#?}"
        );
    }
    assert_eq!(
        l.judge(Some("1.0.0")),
        redis_advisories::ClientCurrency::DroppedLine {
            line: "1.0".into(),
            move_to: l.latest.clone().unwrap()
        }
    );
}

#[test]
fn ver002_leaves_unknown_unreachable_and_unnamed_clients_manual() {
    let f = run(
        "VER002",
        with_clients(vec![
            client("10.0.0.5:5000", "app", Some(("my-own-client", "1.0"))),
            client("10.0.0.8:6000", "batch", None),
            client("10.0.0.9:6000", "default", None),
        ]),
        None,
    );
    assert_eq!(f.status, Status::Manual, "{f:#?}");
    let ev = evidence(&f);
    assert!(
        ev.contains("not a library in rampart's client data"),
        "{ev}"
    );
    assert!(ev.contains("2 client(s) send no lib-name: 10.0.0.8:6000 (user batch), 10.0.0.9:6000 (user default)"), "{ev}");
    // Jedis: Maven Central was not reachable when the data was generated.
    let d = redis_advisories::embedded_clients();
    if d.library("jedis")
        .is_some_and(|l| l.status == redis_advisories::RegistryStatus::Unreachable)
    {
        let f = run(
            "VER002",
            with_clients(vec![client(
                "10.0.0.5:5000",
                "app",
                Some(("jedis", "5.1.0")),
            )]),
            None,
        );
        assert_eq!(f.status, Status::Manual, "{f:#?}");
        assert!(evidence(&f).contains("no release data"), "{f:#?}");
    }
    // GLIDE's lib-ver is not its package version: never judged on it.
    let f = run(
        "VER002",
        with_clients(vec![client(
            "10.0.0.5:5000",
            "app",
            Some(("GlidePy", "0.1.0")),
        )]),
        None,
    );
    assert_eq!(f.status, Status::Manual, "{f:#?}");
}
