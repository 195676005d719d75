//! The shipped data file is well-formed: it parses, every fixed version
//! belongs to its line, dates parse, every entry has a source, uncertain
//! entries say why.

use redis_advisories::{embedded, parse_date, Confidence, Data, Line, Product, Version, DATA_JSON};

#[test]
fn shipped_data_has_no_problems() {
    let data: Data = serde_json::from_str(DATA_JSON).expect("data parses");
    let problems = data.problems();
    assert!(problems.is_empty(), "problems:\n{}", problems.join("\n"));
    // And the embedded copy loads.
    assert_eq!(embedded().reviewed, data.reviewed);
}

#[test]
fn reviewed_date_parses() {
    assert!(parse_date(&embedded().reviewed, false).is_some());
}

#[test]
fn every_fixed_version_belongs_to_its_line() {
    for a in &embedded().advisories {
        for p in [Product::Redis, Product::Valkey] {
            let Some(r) = a.ranges(p) else { continue };
            Version::parse(&r.introduced).expect("introduced parses");
            for (line, fixed) in &r.fixed {
                let l = Line::parse(line).expect("line parses");
                let v = Version::parse(fixed).expect("fixed parses");
                assert_eq!(v.line(), l, "{} {p:?}: {fixed} is not on line {line}", a.id);
            }
        }
    }
}

#[test]
fn every_advisory_and_line_has_a_source_and_uncertainty_has_a_reason() {
    let d = embedded();
    for a in &d.advisories {
        assert!(!a.sources.is_empty(), "{} has no source", a.id);
        if a.confidence == Confidence::Uncertain {
            assert!(
                a.uncertain.as_deref().is_some_and(|s| !s.is_empty()),
                "{}",
                a.id
            );
        }
    }
    for p in [Product::Redis, Product::Valkey] {
        for l in &d.product(p).lines {
            assert!(!l.sources.is_empty(), "{p:?} {} has no source", l.line);
            assert!(
                parse_date(&l.latest_date, true).is_some(),
                "{p:?} {}",
                l.line
            );
            if let Some(e) = &l.eol {
                assert!(parse_date(e, true).is_some(), "{p:?} {}: {e}", l.line);
            }
        }
    }
}

#[test]
fn required_entries_are_present() {
    let d = embedded();
    let get = |id: &str| {
        d.advisories
            .iter()
            .find(|a| a.id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    let redishell = get("CVE-2025-49844");
    assert_eq!(redishell.cvss.as_ref().map(|c| c.score), Some(9.9));
    assert!(redishell
        .mitigation
        .as_deref()
        .is_some_and(|m| m.contains("@scripting")));
    let deb = get("CVE-2022-0543");
    assert!(deb.distro_only && deb.redis.is_none() && deb.valkey.is_none());
    assert!(deb
        .distros
        .iter()
        .any(|x| x.distro == "debian" && x.release == "12"));
    assert!(d.advisories.iter().any(|a| a.pre_auth));
}

#[test]
fn problems_are_all_reported() {
    let mut data: Data = serde_json::from_str(DATA_JSON).expect("data parses");
    data.reviewed = "2026-13-01".into();
    let a = data
        .advisories
        .iter_mut()
        .find(|a| a.id == "CVE-2025-49844")
        .expect("present");
    a.sources.clear();
    a.redis
        .as_mut()
        .expect("redis ranges")
        .fixed
        .insert("7.2".into(), "7.4.6".into());
    data.products.redis.lines[0].eol = None;
    let p = data.problems();
    assert!(p.iter().any(|s| s.starts_with("reviewed")), "{p:?}");
    assert!(
        p.iter().any(|s| s.contains("CVE-2025-49844: no source")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|s| s.contains("7.4.6 does not belong to line 7.2")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|s| s.contains("eol line without an eol date")),
        "{p:?}"
    );
    assert!(p.len() >= 4);
}

#[test]
fn date_parser() {
    assert_eq!(parse_date("2026-11-29", false), Some((2026, 11, 29)));
    assert_eq!(parse_date("2024-02-29", false), Some((2024, 2, 29)));
    assert_eq!(parse_date("2026-02-29", false), None);
    assert_eq!(parse_date("2026-11", false), None);
    assert_eq!(parse_date("2026-11", true), Some((2026, 11, 1)));
    assert_eq!(parse_date("26-11-29", false), None);
    assert_eq!(parse_date("2026-1-29", false), None);
}
