//! Every check names the framework controls it gives evidence for, and
//! every reference is well-formed (a typo in a control ID would send an
//! auditor to the wrong control).
#![allow(clippy::unwrap_used)]

use rampart_checks::{all_checks, framework_refs, Framework};

#[test]
fn every_check_has_a_nist_reference() {
    for c in all_checks() {
        assert!(
            c.refs.iter().any(|r| r.framework == Framework::Nist80053),
            "{} has no NIST SP 800-53 reference",
            c.id
        );
    }
}

#[test]
fn every_reference_is_well_formed_and_unique() {
    let nist = regex::Regex::new(r"^[A-Z]{2}-\d+(\(\d+\))?$").unwrap();
    // DISA STIG IDs of the Redis Enterprise 6.x STIG: RD6X-00-008600.
    let stig = regex::Regex::new(r"^RD6X-\d{2}-\d{6}$").unwrap();
    for c in all_checks() {
        let mut seen = std::collections::BTreeSet::new();
        for r in c.refs {
            let ok = match r.framework {
                Framework::Nist80053 => nist.is_match(r.id),
                Framework::DisaStig => stig.is_match(r.id),
            };
            assert!(
                ok,
                "{}: malformed {} reference {:?}",
                c.id, r.framework, r.id
            );
            assert!(seen.insert((r.framework, r.id)), "{}: {} twice", c.id, r);
        }
    }
}

#[test]
fn lookup_is_by_id_case_insensitive() {
    let refs = framework_refs("acl003");
    assert!(refs.iter().any(|r| r.to_string() == "NIST SP 800-53 AC-2"));
    assert!(framework_refs("NOPE999").is_empty());
    assert_eq!(Framework::Nist80053.key(), "nist-800-53");
    assert_eq!(Framework::DisaStig.key(), "disa-stig");
}
