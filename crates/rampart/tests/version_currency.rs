//! Version currency (issue 15): `rampart --version` says how old the
//! advisory data is; VER002 judges real clients of known versions on real
//! servers.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn version_names_the_advisory_data_date() {
    let o = rampart(&["--version"]);
    assert!(o.status.success());
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(format!("rampart {}", env!("CARGO_PKG_VERSION")).as_str()),
        "{out}"
    );
    let reviewed = &redis_advisories::embedded().reviewed;
    assert!(
        out.contains(&format!("advisory data: reviewed {reviewed} (embedded)")),
        "{out}"
    );
}
