//! Every SARIF report validates against the SARIF 2.1.0 schema, and points
//! at the config line.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

fn validate(sarif: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-2.1.0-rtm.5.json")).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_and_points_at_lines() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.conf");
    std::fs::write(&broken, "port 70000\nbind 0.0.0.0\n\"unbalanced\n").unwrap();
    let mut configs = vec![
        "examples/insecure/redis.conf".to_string(),
        "examples/hardened/redis.conf".to_string(),
        broken.to_string_lossy().into_owned(),
    ];
    if std::path::Path::new("/etc/redis/redis.conf").exists() {
        configs.push("/etc/redis/redis.conf".into());
    }
    for c in &configs {
        let o = rampart(&["audit", "-c", c, "--format", "sarif", "--no-proc"]);
        assert!(
            matches!(o.status.code(), Some(0) | Some(1)),
            "{c}: {}",
            stderr(&o)
        );
        let s = json(&o);
        validate(&s);
        assert_eq!(s["version"], "2.1.0");
        let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.len() >= rampart_checks::all_checks().len());
    }
    // NET001 on the insecure example points at `bind 0.0.0.0` (line 3).
    let o = rampart(&[
        "audit",
        "-c",
        "examples/insecure/redis.conf",
        "--format",
        "sarif",
    ]);
    let s = json(&o);
    let net001 = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "NET001")
        .unwrap()
        .clone();
    assert_eq!(net001["kind"], "fail");
    let loc = &net001["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "examples/insecure/redis.conf"
    );
    assert_eq!(loc["region"]["startLine"], 3);
}
