//! Per-line matching: the cases issue #3 names, Valkey identity, and
//! distribution builds.

use redis_advisories::{
    assess, assess_identity, identify, identify_version_string, BuildHints, BuildOrigin,
    Confidence, Exposure, Fix, LineStatus, Product,
};

/// INFO text as `field → value`, read by rampart's one INFO parser.
fn parse_info(text: &str) -> std::collections::BTreeMap<String, String> {
    rampart_live::reply::Info::parse(text).to_map()
}

fn none() -> BuildHints {
    BuildHints::default()
}

fn upstream() -> BuildHints {
    BuildHints {
        git_sha1: Some("3f2a76b9".into()),
        ..BuildHints::default()
    }
}

#[test]
fn patched_7_2_11_is_not_flagged_for_redishell() {
    let a = assess(Product::Redis, "7.2.11", &upstream());
    assert_eq!(a.line.as_deref(), Some("7.2"));
    assert!(
        !a.cves.iter().any(|m| m.id == "CVE-2025-49844"),
        "{:#?}",
        a.cves
    );
    // Not the latest patch of 7.2, though, and later advisories still apply.
    assert_eq!(a.is_latest, Some(false));
    assert!(a.cves.iter().any(|m| m.id == "CVE-2026-63639"));
}

#[test]
fn redis_7_2_10_is_flagged_with_fix_7_2_11() {
    let a = assess(Product::Redis, "7.2.10", &upstream());
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-49844")
        .expect("RediShell matched");
    assert_eq!(m.exposure, Exposure::Affected);
    assert_eq!(
        m.fix,
        Fix::OnLine {
            version: "7.2.11".into()
        }
    );
    assert_eq!(m.fix.to_string(), "fixed in 7.2.11");
    assert_eq!(m.cvss, Some(9.9));
    assert!(m
        .mitigation
        .as_deref()
        .is_some_and(|s| s.contains("@scripting")));
    // 7.2.10 itself fixed CVE-2025-32023.
    assert!(!a.cves.iter().any(|m| m.id == "CVE-2025-32023"));
}

#[test]
fn redis_7_0_15_has_no_fix_on_its_eol_line() {
    let a = assess(Product::Redis, "7.0.15", &upstream());
    assert_eq!(
        a.line_status,
        LineStatus::Eol {
            date: Some("2024-07-29".into())
        }
    );
    assert_eq!(a.is_latest, Some(true)); // latest of an EOL line is still EOL
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-49844")
        .expect("matched");
    match &m.fix {
        Fix::NoFixOnLine {
            line,
            upgrade_line,
            upgrade_fixed,
            ..
        } => {
            assert_eq!(line, "7.0");
            assert_eq!(upgrade_line.as_deref(), Some("7.2"));
            assert_eq!(upgrade_fixed.as_deref(), Some("7.2.11"));
        }
        other => panic!("{other:?}"),
    }
    let text = m.fix.to_string();
    assert!(
        text.starts_with("no fix on line 7.0 (EOL): upgrade to line 7.2 (7.2.11 or later"),
        "{text}"
    );
    // CVE-2023-41056 was fixed in 7.0.15 itself; CVE-2026-23479 starts at 7.2.
    assert!(!a
        .cves
        .iter()
        .any(|m| m.id == "CVE-2023-41056" || m.id == "CVE-2026-23479"));
}

#[test]
fn naive_comparison_false_positives_do_not_happen() {
    // nuclei flags everything below 8.2.2; these are all patched on their line.
    for v in [
        "6.2.20", "7.2.11", "7.4.6", "8.0.4", "8.2.2", "8.4.0", "8.10.2",
    ] {
        let a = assess(Product::Redis, v, &upstream());
        assert!(
            !a.cves.iter().any(|m| m.id == "CVE-2025-49844"),
            "{v} flagged"
        );
    }
    let a = assess(Product::Redis, "8.2.1", &upstream());
    assert!(a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
}

#[test]
fn latest_patches_of_supported_lines_have_no_confirmed_open_cve() {
    for (p, lines) in [
        (
            Product::Redis,
            &["7.4.11", "8.2.10", "8.6.7", "8.8.3", "8.10.2"][..],
        ),
        (
            Product::Valkey,
            &["7.2.14", "8.0.11", "8.1.10", "9.0.6", "9.1.2"][..],
        ),
    ] {
        for v in lines {
            let a = assess(p, v, &upstream());
            assert_eq!(a.is_latest, Some(true), "{p:?} {v}");
            assert!(matches!(a.line_status, LineStatus::Supported), "{p:?} {v}");
            let confirmed: Vec<_> = a
                .open()
                .filter(|m| m.confidence == Confidence::Confirmed)
                .map(|m| &m.id)
                .collect();
            assert!(confirmed.is_empty(), "{p:?} {v}: {confirmed:?}");
        }
    }
}

#[test]
fn valkey_is_judged_by_valkey_data() {
    let a = assess(Product::Valkey, "8.0.6", &upstream());
    assert_eq!(a.line.as_deref(), Some("8.0"));
    assert_eq!(a.latest_patch_of_line.as_deref(), Some("8.0.11"));
    // Valkey 8.0.6 carries the October 2025 Lua fixes...
    assert!(!a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
    // ...but not the 2026 ones, fixed on Valkey's own line.
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2026-23631")
        .expect("matched");
    assert_eq!(
        m.fix,
        Fix::OnLine {
            version: "8.0.8".into()
        }
    );
    // Redis-only advisories never match Valkey.
    assert!(!a
        .cves
        .iter()
        .any(|m| m.id == "CVE-2025-62507" || m.id == "CVE-2022-0543"));
    // Valkey 8.0.5 does have RediShell, fixed in Valkey 8.0.6 (Redis' fix is 8.0.4).
    let b = assess(Product::Valkey, "8.0.5", &upstream());
    let m = b
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-49844")
        .expect("matched");
    assert_eq!(
        m.fix,
        Fix::OnLine {
            version: "8.0.6".into()
        }
    );
}

const VALKEY_INFO: &str = "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.6\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:1b2d3c4e5f6a7b8c\r\nserver_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\n";

#[test]
fn valkey_info_reporting_redis_7_2_4_is_judged_as_valkey() {
    let info = parse_info(VALKEY_INFO);
    let id = identify(&info).expect("identified");
    assert_eq!(id.product, Product::Valkey);
    assert_eq!(id.version, "8.0.6");
    assert_eq!(id.redis_compat_version.as_deref(), Some("7.2.4"));
    let a = assess_identity(&id);
    assert_eq!(a.product, Product::Valkey);
    assert_eq!(a.line.as_deref(), Some("8.0"));
    // Judged as Redis 7.2.4 it would carry RediShell; as Valkey 8.0.6 it does not.
    assert!(!a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
    assert!(assess(Product::Redis, "7.2.4", &none())
        .cves
        .iter()
        .any(|m| m.id == "CVE-2025-49844"));
    // valkey_version alone (no server_name) is enough.
    let mut info = parse_info(VALKEY_INFO);
    info.remove("server_name");
    assert_eq!(
        identify(&info).expect("identified").product,
        Product::Valkey
    );
}

#[test]
fn identify_errors_and_version_strings() {
    assert!(identify(&parse_info("# Server\r\nos:Linux\r\n")).is_err());
    assert!(identify(&parse_info("server_name:keydb\nredis_version:6.3.4\n")).is_err());
    assert!(identify(&parse_info("server_name:valkey\nredis_version:7.2.4\n")).is_err());
    let id = identify_version_string(
        "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0",
    )
    .expect("ok");
    assert_eq!(
        (id.product, id.version.as_str()),
        (Product::Redis, "7.0.15")
    );
    assert_eq!(id.hints.build_id.as_deref(), Some("ae4d7c971a948f0"));
    assert!(id.hints.tarball_build());
    let id = identify_version_string(
        "Valkey server v=8.1.4 sha=a1b2c3d4:0 malloc=jemalloc-5.3.0 bits=64 build=1",
    )
    .expect("ok");
    assert_eq!(
        (id.product, id.version.as_str()),
        (Product::Valkey, "8.1.4")
    );
    assert!(!id.hints.tarball_build());
    assert!(identify_version_string("KeyDB server v=6.3.4").is_err());
}

#[test]
fn debian_package_version_decides_with_debian_data() {
    let hints = |pkg: &str| BuildHints {
        git_sha1: Some("00000000".into()),
        package_version: Some(pkg.into()),
        ..BuildHints::default()
    };
    // deb12u5 predates the October 2025 Lua fixes (deb12u6).
    let a = assess(Product::Redis, "7.0.15", &hints("5:7.0.15-1~deb12u5"));
    assert!(
        matches!(&a.build, BuildOrigin::DistroPackage { distro, release: Some(r), .. } if distro == "debian" && r == "12")
    );
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-49844")
        .expect("matched");
    assert_eq!(
        m.exposure,
        Exposure::AffectedPackage {
            fixed_package: "5:7.0.15-1~deb12u6".into()
        }
    );
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-32023")
        .expect("matched");
    assert!(matches!(m.exposure, Exposure::FixedByDistro { .. }));
    // deb12u10 carries every fix Debian's changelog lists.
    let a = assess(Product::Redis, "7.0.15", &hints("5:7.0.15-1~deb12u10"));
    for id in [
        "CVE-2025-49844",
        "CVE-2024-31449",
        "CVE-2026-23631",
        "CVE-2026-81934",
        "CVE-2022-0543",
    ] {
        let m = a
            .cves
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("{id}"));
        assert!(
            matches!(m.exposure, Exposure::FixedByDistro { .. }),
            "{id}: {:?}",
            m.exposure
        );
    }
    // Advisories without Debian data are "verify", never "vulnerable".
    assert!(
        a.open()
            .all(|m| matches!(m.exposure, Exposure::VerifyDistro { .. })),
        "{:#?}",
        a.open().collect::<Vec<_>>()
    );
    assert!(a.open().count() >= 1);
    // The line is still EOL upstream.
    assert!(matches!(a.line_status, LineStatus::Eol { .. }));
    // An unstable/testing package (no deb12u marker) cannot use the bookworm data.
    let a = assess(Product::Redis, "7.0.15", &hints("5:7.0.15-1"));
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-49844")
        .expect("matched");
    assert!(
        matches!(&m.exposure, Exposure::VerifyDistro { tracker } if tracker.ends_with("/CVE-2025-49844"))
    );
}

#[test]
fn tarball_builds_get_a_verify_note_but_stay_affected() {
    let hints = BuildHints {
        git_sha1: Some("00000000".into()),
        ..BuildHints::default()
    };
    let a = assess(Product::Redis, "6.0.16", &hints);
    assert_eq!(a.build, BuildOrigin::Tarball);
    assert!(a
        .verify_notes
        .iter()
        .any(|n| n.contains("security tracker")));
    assert!(a.verify_notes.iter().any(|n| n.contains("CVE-2022-0543")));
    assert!(a
        .cves
        .iter()
        .any(|m| m.id == "CVE-2025-49844" && m.exposure == Exposure::Affected));
}

#[test]
fn odd_versions_are_unknown_not_judged() {
    for v in ["255.255.255", "7.1.241", "garbage"] {
        let a = assess(Product::Redis, v, &none());
        assert_eq!(a.line_status, LineStatus::Unknown, "{v}");
        assert!(a.cves.is_empty() && a.is_latest.is_none(), "{v}");
        assert!(!a.verify_notes.is_empty(), "{v}");
    }
    // A line newer than the data: unknown, no matches, a note with the review date.
    let a = assess(Product::Redis, "9.0.0", &none());
    assert_eq!(a.line_status, LineStatus::Unknown);
    assert!(a.cves.is_empty());
    assert!(a.verify_notes.iter().any(|n| n.contains(&a.data_reviewed)));
    // A line older than the data: EOL.
    let a = assess(Product::Redis, "3.2.12", &none());
    assert_eq!(a.line_status, LineStatus::Eol { date: None });
    assert!(a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
    // A release candidate sorts before its release.
    let a = assess(Product::Redis, "8.2.0-rc1", &none());
    assert!(a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
}

#[test]
fn uncertain_fixes_are_marked() {
    // Valkey 8.0.8 carried the fix but was revoked: an uncertain fix.
    // (Redis 7.2's fix, 7.2.14, is no longer uncertain since issue 15.)
    let a = assess(Product::Valkey, "8.0.7", &upstream());
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2026-23479")
        .expect("matched");
    assert_eq!(m.confidence, Confidence::Uncertain);
    assert!(!m.uncertain.is_empty());
    let a = assess(Product::Redis, "7.2.13", &upstream());
    let m = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2026-23479")
        .expect("matched");
    assert_eq!(m.fix.to_string(), "fixed in 7.2.14");
    // Lines the data cannot decide become verify notes, not matches.
    let a = assess(Product::Redis, "6.2.21", &upstream());
    assert!(a
        .verify_notes
        .iter()
        .any(|n| n.starts_with("CVE-2025-67733")));
    assert!(!a.cves.iter().any(|m| m.id == "CVE-2025-67733"));
}

#[test]
fn every_assessment_carries_the_review_date() {
    let a = assess(Product::Valkey, "9.1.1", &none());
    assert_eq!(a.data_reviewed, redis_advisories::embedded().reviewed);
    assert_eq!(a.data_reviewed, "2026-12-02");
}
