//! The embedded client-library data (VER002): generated, dated, valid;
//! registries that were not reachable carry no versions; bad files are
//! refused with every problem.
#![allow(clippy::unwrap_used)]

use redis_advisories::{embedded_clients, ClientData, RegistryStatus, CLIENTS_JSON};

#[test]
fn shipped_client_data_is_valid_and_covers_the_common_clients() {
    let d = embedded_clients();
    assert!(redis_advisories::parse_date(&d.generated, false).is_some());
    for lib in [
        "redis-py",
        "node-redis",
        "ioredis",
        "go-redis",
        "rueidis",
        "GlidePy",
        "jedis",
        "Lettuce",
        "SE.Redis",
        "redis-rs",
        "predis",
        "phpredis",
    ] {
        assert!(d.library(lib).is_some(), "{lib}");
    }
    for l in &d.libraries {
        match l.status {
            RegistryStatus::Ok => {
                assert!(
                    l.latest.is_some() && !l.maintained.is_empty() && l.source.is_some(),
                    "{}",
                    l.name
                )
            }
            RegistryStatus::Unreachable => {
                assert!(
                    l.latest.is_none() && l.maintained.is_empty() && l.unreachable.is_some(),
                    "{}",
                    l.name
                )
            }
        }
        assert!(
            l.policy_source.is_some() || l.policy_rule.contains("latest major line only"),
            "{}: a policy needs its source, else the stated rule",
            l.name
        );
    }
}

#[test]
fn bad_client_data_is_refused_with_every_problem() {
    let mut v: serde_json::Value = serde_json::from_str(CLIENTS_JSON).unwrap();
    v["generated"] = "yesterday".into();
    let libs = v["libraries"].as_array_mut().unwrap();
    let ok = libs.iter().position(|l| l["status"] == "ok").unwrap();
    libs[ok]["maintained"][0]["latest"] = "not-a-version".into();
    if let Some(u) = libs.iter().position(|l| l["status"] == "unreachable") {
        libs[u]["latest"] = "1.2.3".into();
    }
    let e = ClientData::from_json(&v.to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("generated"), "{e}");
    assert!(e.contains("not-a-version"), "{e}");
    assert!(ClientData::from_json("{\"schema\": 1").is_err());
}
