//! `docs/CHECKS.md` is the registry rendered: a check added, renamed or
//! re-graded without regenerating it fails here, with the command to run.

use std::path::PathBuf;

fn catalogue_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/CHECKS.md")
}

#[test]
fn docs_catalogue_is_the_registry() {
    let want = rampart_checks::catalogue_markdown();
    let path = catalogue_path();
    if std::env::var_os("RAMPART_BLESS").is_some() {
        if let Err(e) = std::fs::write(&path, &want) {
            panic!("cannot write {}: {e}", path.display());
        }
        return;
    }
    let got = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    assert!(
        got == want,
        "{} differs from the registry: run `RAMPART_BLESS=1 cargo test -p rampart-checks --test catalogue` and commit it",
        path.display()
    );
}

#[test]
fn every_check_is_documented_once() {
    let mut seen = std::collections::BTreeSet::new();
    for c in rampart_checks::all_checks() {
        assert!(seen.insert(c.id), "duplicate ID {}", c.id);
        assert!(c.doc.contains("**What.**"), "{} has no What section", c.id);
        assert!(c.doc.contains("**Why.**"), "{} has no Why section", c.id);
        assert!(!c.remediation.is_empty(), "{} has no remediation", c.id);
        assert!(!c.title.is_empty(), "{} has no title", c.id);
    }
}
