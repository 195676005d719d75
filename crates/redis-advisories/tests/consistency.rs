//! The embedded advisory data checked against itself (issue 15): no
//! release after its line's end of life, CVSS scores that match their
//! vectors (the base score is computed here from the vector, per the
//! FIRST CVSS v3.1 specification), every fixed version a known release of
//! its line, every entry with a primary source, and the corrections the
//! review asked for.
#![allow(clippy::unwrap_used)]

use redis_advisories::{embedded, parse_date, Confidence, Data, Product, Status, Version};

/// CVSS v3.1 base score of a `CVSS:3.1/...` vector (specification §7.1,
/// Roundup as in Appendix A).
fn cvss31_base(vector: &str) -> Result<f64, String> {
    let rest = vector
        .strip_prefix("CVSS:3.1/")
        .ok_or_else(|| format!("{vector}: not a CVSS:3.1 vector"))?;
    let mut m = std::collections::BTreeMap::new();
    for part in rest.split('/') {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| format!("{vector}: bad metric {part}"))?;
        if m.insert(k, v).is_some() {
            return Err(format!("{vector}: {k} twice"));
        }
    }
    let get = |k: &str| m.get(k).copied().ok_or_else(|| format!("{vector}: no {k}"));
    let scope_changed = match get("S")? {
        "U" => false,
        "C" => true,
        s => return Err(format!("S:{s}")),
    };
    let av = match get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        s => return Err(format!("AV:{s}")),
    };
    let ac = match get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        s => return Err(format!("AC:{s}")),
    };
    let pr = match (get("PR")?, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        (s, _) => return Err(format!("PR:{s}")),
    };
    let ui = match get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        s => return Err(format!("UI:{s}")),
    };
    let cia = |k: &str| -> Result<f64, String> {
        match get(k)? {
            "H" => Ok(0.56),
            "L" => Ok(0.22),
            "N" => Ok(0.0),
            s => Err(format!("{k}:{s}")),
        }
    };
    let iss = 1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?);
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    let roundup = |x: f64| {
        let i = (x * 100_000.0).round() as i64;
        if i % 10_000 == 0 {
            i as f64 / 100_000.0
        } else {
            ((i / 10_000) + 1) as f64 / 10.0
        }
    };
    Ok(if impact <= 0.0 {
        0.0
    } else if scope_changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    })
}

#[test]
fn the_calculator_agrees_with_known_scores() {
    for (v, s) in [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N", 4.3),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ] {
        assert_eq!(cvss31_base(v), Ok(s), "{v}");
    }
    assert!(cvss31_base("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_err());
    assert!(cvss31_base("CVSS:3.0/AV:N").is_err());
}

#[test]
fn every_cvss_score_matches_its_vector() {
    let mut checked = 0;
    for a in &embedded().advisories {
        let Some(c) = &a.cvss else { continue };
        if let Some(v) = &c.vector {
            let s = cvss31_base(v).unwrap_or_else(|e| panic!("{}: {e}", a.id));
            assert!(
                (f64::from(c.score) - s).abs() < 0.01,
                "{}: score {} but its vector {v} gives {s}",
                a.id,
                c.score
            );
            checked += 1;
        }
    }
    assert!(checked >= 1);
}

fn date(s: &str) -> (u32, u32, u32) {
    parse_date(s, true).unwrap_or_else(|| panic!("{s:?} is not a date"))
}

#[test]
fn no_release_after_its_lines_end_of_life() {
    let d = embedded();
    for p in [Product::Redis, Product::Valkey] {
        for l in &d.product(p).lines {
            if let Some(eol) = &l.eol {
                assert!(
                    date(&l.latest_date) <= date(eol),
                    "{} {}: latest {} ({}) after end of life {eol}",
                    p.name(),
                    l.line,
                    l.latest,
                    l.latest_date
                );
                assert!(
                    date(eol) <= date(&d.reviewed),
                    "{} {}: eol in the future",
                    p.name(),
                    l.line
                );
            }
            if let Some(end) = &l.support_ends {
                assert_ne!(l.status, Status::Eol, "{} {}", p.name(), l.line);
                assert!(
                    date(end) > date(&d.reviewed),
                    "{} {}: support ended {end}",
                    p.name(),
                    l.line
                );
            }
            assert!(
                date(&l.latest_date) <= date(&d.reviewed),
                "{} {}",
                p.name(),
                l.line
            );
        }
    }
}

#[test]
fn every_fixed_version_is_a_known_release_of_its_line() {
    let d = embedded();
    let mut n = 0;
    for a in &d.advisories {
        for p in [Product::Redis, Product::Valkey] {
            let Some(r) = a.ranges(p) else { continue };
            for (line, fixed) in &r.fixed {
                let ld = d
                    .product(p)
                    .lines
                    .iter()
                    .find(|l| &l.line == line)
                    .unwrap_or_else(|| panic!("{} {}: line {line} unknown", a.id, p.name()));
                let f = Version::parse(fixed).expect("fixed parses");
                let latest = Version::parse(&ld.latest).expect("latest parses");
                assert!(
                    f <= latest,
                    "{} {}: {fixed} is after {}, the line's latest",
                    a.id,
                    p.name(),
                    ld.latest
                );
                n += 1;
            }
        }
    }
    assert!(n > 50, "{n}");
}

#[test]
fn every_entry_names_a_source_and_uncertain_ones_say_why() {
    let d = embedded();
    for a in &d.advisories {
        assert!(!a.sources.is_empty(), "{}", a.id);
        for s in &a.sources {
            assert!(
                s.starts_with("https://")
                    || s.starts_with("debian/changelog")
                    || s.starts_with("per the issue's review")
                    || s.starts_with("CVSS 3.1"),
                "{}: source {s:?} is not a primary source",
                a.id
            );
        }
        assert_eq!(
            a.confidence == Confidence::Uncertain,
            a.uncertain.is_some(),
            "{}",
            a.id
        );
    }
    for p in [Product::Redis, Product::Valkey] {
        for l in &d.product(p).lines {
            assert!(l.sources.iter().all(|s| !s.trim().is_empty()) && !l.sources.is_empty());
        }
    }
}

fn line<'a>(d: &'a Data, p: Product, l: &str) -> &'a redis_advisories::LineData {
    d.product(p)
        .lines
        .iter()
        .find(|x| x.line == l)
        .expect("line")
}

#[test]
fn the_reviewed_corrections_are_in() {
    let d = embedded();
    for (l, v) in [
        ("9.1", "9.1.2"),
        ("9.0", "9.0.6"),
        ("8.1", "8.1.10"),
        ("8.0", "8.0.11"),
    ] {
        assert_eq!(line(d, Product::Valkey, l).latest, v);
    }
    let r80 = line(d, Product::Redis, "8.0");
    assert_eq!(r80.eol.as_deref(), Some("2026-12-01"));
    assert_eq!(
        line(d, Product::Redis, "6.2").support_ends.as_deref(),
        Some("2027-04-01")
    );
    assert_eq!(
        line(d, Product::Redis, "7.2").support_ends.as_deref(),
        Some("2029-12-01")
    );
    assert_eq!(
        line(d, Product::Redis, "8.4").confidence,
        Confidence::Uncertain
    );
    let get = |id: &str| d.advisories.iter().find(|a| a.id == id).expect(id);
    for id in ["CVE-2026-23479", "CVE-2026-25243", "CVE-2026-23631"] {
        let r = get(id).redis.as_ref().expect("redis");
        assert_eq!(
            r.fixed.get("7.2").map(String::as_str),
            Some("7.2.14"),
            "{id}"
        );
        assert!(!r.uncertain_fixes.contains_key("7.2"), "{id}");
    }
    assert_eq!(
        get("CVE-2026-25243")
            .redis
            .as_ref()
            .and_then(|r| r.fixed.get("6.2"))
            .map(String::as_str),
        Some("6.2.22")
    );
    let pr = get("REDIS-PR-15478").redis.as_ref().expect("redis");
    assert_eq!(pr.first_fixed_line.as_deref(), Some("8.10"));
    assert!(!pr.fixed.contains_key("8.10"));
    let tls = get("CVE-2026-81934")
        .redis
        .as_ref()
        .expect("upstream match");
    assert_eq!(tls.fixed.get("7.4").map(String::as_str), Some("7.4.11"));
    assert_eq!(tls.fixed.get("8.2").map(String::as_str), Some("8.2.9"));
    for id in [
        "CVE-2025-62507",
        "CVE-2026-25588",
        "CVE-2026-25589",
        "CVE-2022-0543",
    ] {
        assert_eq!(get(id).confidence, Confidence::Confirmed, "{id}");
    }
    assert!(get("CVE-2022-0543")
        .distros
        .iter()
        .all(|f| f.confidence == Confidence::Confirmed));
    assert!(get("CVE-2025-67733")
        .uncertain
        .as_deref()
        .is_some_and(|u| u.contains("8.8")));
}

#[test]
fn a_release_after_end_of_life_and_an_unknown_fixed_release_are_refused() {
    let mut v: serde_json::Value = serde_json::from_str(redis_advisories::DATA_JSON).expect("json");
    let lines = v["products"]["redis"]["lines"]
        .as_array_mut()
        .expect("lines");
    let l80 = lines.iter_mut().find(|l| l["line"] == "8.0").expect("8.0");
    l80["eol"] = "2026-01-01".into();
    let e = Data::from_json(&v.to_string())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("after the line's end of life"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(redis_advisories::DATA_JSON).expect("json");
    let a = v["advisories"]
        .as_array_mut()
        .expect("advisories")
        .iter_mut()
        .find(|a| a["id"] == "CVE-2025-49844")
        .expect("entry");
    a["redis"]["fixed"]["7.2"] = "7.2.99".into();
    let e = Data::from_json(&v.to_string())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("not a known release"), "{e}");
}

#[test]
fn the_librarys_calculator_for_feeds_agrees_with_this_one() {
    for v in [
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:L/I:L/A:N",
        "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
    ] {
        assert_eq!(redis_advisories::cvss::base_score(v), cvss31_base(v), "{v}");
    }
    assert!(redis_advisories::cvss::base_score("CVSS:3.1/AV:N").is_err());
}

#[test]
fn json_depth_is_counted_without_parsing() {
    use redis_advisories::feed::json_depth;
    assert_eq!(json_depth(br#"{"a": [1, {"b": "[[[["}]}"#), 3);
    assert_eq!(json_depth(&b"[".repeat(100_000)), 100_000);
    assert_eq!(json_depth(br#""\"[""#), 0);
}
