//! Module advisories follow MODULE LIST: only a loaded module is matched,
//! and unknown modules leave the advisory as "may apply".

use redis_advisories::{assess, BuildHints, LoadedModule, ModuleMatch, Modules, Product};

fn hints(modules: Modules) -> BuildHints {
    BuildHints {
        git_sha1: Some("b5d43ceb".into()),
        modules,
        ..BuildHints::default()
    }
}

const BLOOM: &str = "CVE-2026-25589";
const SERIES: &str = "CVE-2026-25588";

#[test]
fn module_advisories_need_the_module() {
    // Redis 8.2.3 as it lists its modules without RedisBloom/TimeSeries.
    let none = Modules::Listed(vec![LoadedModule {
        name: "vectorset".into(),
        ver: 1,
    }]);
    let a = assess(Product::Redis, "8.2.3", &hints(none));
    assert!(!a.cves.iter().any(|m| m.id == BLOOM || m.id == SERIES));
    // Non-module advisories still apply.
    assert!(a.cves.iter().any(|m| m.id == "CVE-2026-23479"));

    let bf = Modules::Listed(vec![LoadedModule {
        name: "bf".into(),
        ver: 80203,
    }]);
    let a = assess(Product::Redis, "8.2.3", &hints(bf));
    let m = a.cves.iter().find(|m| m.id == BLOOM).expect("bf loaded");
    assert!(!m.may_apply());
    assert!(
        matches!(&m.module, Some(ModuleMatch::Loaded { name, ver: 80203, .. }) if name == "bf")
    );
    assert!(!a.cves.iter().any(|m| m.id == SERIES));
    // The fix on the line still decides: 8.2.9 carries both RedisBloom fixes.
    let a = assess(
        Product::Redis,
        "8.2.9",
        &hints(Modules::Listed(vec![LoadedModule {
            name: "bf".into(),
            ver: 80209,
        }])),
    );
    assert!(!a.cves.iter().any(|m| m.id == BLOOM));

    for unknown in [
        Modules::NotRead,
        Modules::Unreadable(
            "NOPERM User rampart has no permissions to run the 'module|list' command".into(),
        ),
    ] {
        let a = assess(Product::Redis, "8.2.3", &hints(unknown));
        let m = a.cves.iter().find(|m| m.id == SERIES).expect("may apply");
        assert!(m.may_apply());
        assert!(
            matches!(&m.module, Some(ModuleMatch::Unknown { title, .. }) if title == "RedisTimeSeries")
        );
    }
}

#[test]
fn module_version_decodes() {
    let m = LoadedModule {
        name: "bf".into(),
        ver: 20612,
    };
    assert_eq!(m.version().to_string(), "2.6.12");
    let m = LoadedModule {
        name: "x".into(),
        ver: -5,
    };
    assert_eq!(m.version().to_string(), "0.0.0");
}
