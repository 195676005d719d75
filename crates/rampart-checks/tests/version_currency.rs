//! VER001's data age and announced ends, and VER002's client-library
//! verdicts, on snapshots built here (issue 15). The same checks run
//! against real servers and real clients in crates/rampart/tests.

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
    assert!(f.message.contains("upgrade rampart"), "{}", f.message);
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
