//! Version parsing and ordering (server versions and Debian package versions).

use redis_advisories::{classify, DebVersion, Line, Version, VersionKind};

fn v(s: &str) -> Version {
    Version::parse(s).expect(s)
}

#[test]
fn parses_releases_and_prereleases() {
    assert_eq!(v("7.2.11"), Version::new(7, 2, 11));
    assert_eq!(v("v8.2.2"), Version::new(8, 2, 2));
    let rc = v("8.0.0-rc1");
    assert_eq!((rc.major, rc.minor, rc.patch), (8, 0, 0));
    assert_eq!(rc.pre.as_ref().map(|p| p.0.as_str()), Some("rc1"));
    assert_eq!(v("7.2-rc3").to_string(), "7.2.0-rc3");
    assert_eq!(v("7.2.11").line(), Line { major: 7, minor: 2 });
}

#[test]
fn rejects_garbage() {
    for s in [
        "",
        "7",
        "7.2",
        "7.2.x",
        "7..1",
        "7.2.1.4",
        "-rc1",
        "7.2.1-",
        "7.2.1-r c",
        "a.b.c",
        "7.2.99999999999",
    ] {
        assert!(Version::parse(s).is_err(), "{s:?} parsed");
        assert!(matches!(classify(s), VersionKind::Unparseable(_)), "{s:?}");
    }
}

#[test]
fn orders_numerically_and_prereleases_first() {
    let mut vs: Vec<Version> = [
        "8.2.2",
        "7.2.11",
        "7.2.9",
        "8.0.0",
        "8.0.0-rc1",
        "8.0.0-rc10",
        "8.0.0-rc2",
        "6.2.20",
        "10.0.0",
    ]
    .iter()
    .map(|s| v(s))
    .collect();
    vs.sort();
    let got: Vec<String> = vs.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        got,
        [
            "6.2.20",
            "7.2.9",
            "7.2.11",
            "8.0.0-rc1",
            "8.0.0-rc2",
            "8.0.0-rc10",
            "8.0.0",
            "8.2.2",
            "10.0.0"
        ]
    );
    assert!(v("7.2.11") < v("8.2.2")); // ordering is global; matching is per line
    assert!(Line::parse("8.10").expect("line") > Line::parse("8.2").expect("line"));
}

#[test]
fn classifies_odd_versions() {
    assert!(matches!(
        classify("255.255.255"),
        VersionKind::Development(_)
    ));
    assert!(matches!(
        classify("7.1.241"),
        VersionKind::PreReleaseNumbering(_)
    ));
    assert!(matches!(classify("7.2.4"), VersionKind::Release(_)));
    assert!(matches!(classify("8.0.0-rc1"), VersionKind::Release(_)));
    assert!(matches!(classify("unknown"), VersionKind::Unparseable(_)));
}

fn d(s: &str) -> DebVersion {
    DebVersion::parse(s).expect(s)
}

#[test]
fn debian_versions_follow_dpkg_ordering() {
    let x = d("5:7.0.15-1~deb12u10");
    assert_eq!(
        (x.epoch, x.upstream.as_str(), x.revision.as_str()),
        (5, "7.0.15", "1~deb12u10")
    );
    assert_eq!(x.debian_release().as_deref(), Some("12"));
    assert_eq!(x.to_string(), "5:7.0.15-1~deb12u10");
    assert!(d("5:7.0.15-1~deb12u10") > d("5:7.0.15-1~deb12u9"));
    assert!(d("5:7.0.15-1~deb12u2") < d("5:7.0.15-1")); // ~ sorts before the end
    assert!(d("5:7.0~rc2-2") < d("5:7.0.11-1+deb12u1"));
    assert!(d("5:6.0.16-1+deb11u2") > d("5:6.0.16-1"));
    assert!(d("5:6.0.16-1+deb11u2") < d("5:6.0.16-1+deb11u10"));
    assert!(d("1:1.0-1") > d("9.9-1")); // epoch wins
    assert_eq!(
        d("5:6.0.16-1+deb11u2").debian_release().as_deref(),
        Some("11")
    );
    assert!(d("5:6.0.16-1ubuntu1").is_ubuntu());
    for bad in ["", "abc", "5:", "5:7.0.15-", "x:1.0"] {
        assert!(DebVersion::parse(bad).is_none(), "{bad:?}");
    }
}
