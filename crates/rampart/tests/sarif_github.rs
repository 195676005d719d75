//! GitHub code scanning accepts rampart's SARIF: Microsoft's own validator
//! (`sarif-multitool validate --rule-kind Sarif;Gh`, the rules GitHub
//! applies on upload) reports no error on a file audit and on a live audit
//! of a real server. scripts/install-sarif-validator.sh installs the
//! validator; without it this says SKIP, except under CI, where it fails.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::Server;
use std::path::PathBuf;
use std::process::Command;

fn validator() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RAMPART_SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let p =
        target.join("tools/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    p.is_file().then_some(p)
}

/// The validator's errors on a SARIF log (its warnings are not GitHub's
/// rejections and are left out).
fn gh_errors(tool: &PathBuf, sarif: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.sarif");
    std::fs::write(&input, sarif).unwrap();
    let out = dir.path().join("out.sarif");
    let o = Command::new(tool)
        .arg("validate")
        .args(["--rule-kind", "Sarif;Gh"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--log", "ForceOverwrite"])
        // .NET needs a writable home and no globalization data here.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains("Analysis completed successfully"),
        "the validator did not run: {text}"
    );
    text.lines()
        .filter(|l| l.contains(": error "))
        .map(str::to_string)
        .collect()
}

#[test]
fn github_accepts_file_and_live_sarif() {
    let Some(tool) = validator() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the SARIF validator (scripts/install-sarif-validator.sh)"
        );
        eprintln!(
            "SKIP: the SARIF validator is not installed (scripts/install-sarif-validator.sh)"
        );
        return;
    };
    let mut logs: Vec<(String, Vec<u8>)> = Vec::new();
    for c in [
        "examples/insecure/redis.conf",
        "examples/hardened/redis.conf",
    ] {
        let o = rampart(&["audit", "-c", c, "--format", "sarif", "--no-proc"]);
        assert!(
            matches!(o.status.code(), Some(0) | Some(1)),
            "{c}: {}",
            stderr(&o)
        );
        logs.push((c.to_string(), o.stdout));
    }
    // Input problems (a line Redis rejects, a suppression without reason)
    // have their own rule, documented as GitHub requires.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.conf");
    std::fs::write(
        &broken,
        "port 70000\n# rampart: ignore[NET003]\nbind 0.0.0.0\n",
    )
    .unwrap();
    let o = rampart(&[
        "audit",
        "-c",
        &broken.to_string_lossy(),
        "--format",
        "sarif",
        "--no-proc",
    ]);
    logs.push(("broken.conf".into(), o.stdout));
    let s = Server::start("").unwrap();
    let t = format!("127.0.0.1:{}", s.port);
    let o = rampart(&["audit", &t, "--format", "sarif", "--no-proc"]);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{t}: {}",
        stderr(&o)
    );
    logs.push((t, o.stdout));
    for (what, log) in &logs {
        let v: serde_json::Value = serde_json::from_slice(log).unwrap();
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{what}: no results");
        for r in results {
            assert!(
                r["locations"].as_array().is_some_and(|l| !l.is_empty()),
                "{what}: {r}"
            );
            assert!(r["partialFingerprints"].is_object(), "{what}: {r}");
        }
        assert!(
            v["runs"][0]["automationDetails"]["id"].is_string(),
            "{what}"
        );
        let errors = gh_errors(&tool, log);
        assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
    }
}

/// A fingerprint does not move with the line: the same finding on a file
/// with a comment added above it keeps its fingerprint.
#[test]
fn fingerprints_survive_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    let fp = |text: &str| {
        std::fs::write(&a, text).unwrap();
        let o = rampart(&[
            "audit",
            "-c",
            &a.to_string_lossy(),
            "--format",
            "sarif",
            "--no-proc",
        ]);
        let v = json(&o);
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "NET001")
            .unwrap()["partialFingerprints"]
            .clone()
    };
    let before = fp("bind 0.0.0.0\nprotected-mode no\n");
    let after = fp("# a comment\n\n# another\nbind 0.0.0.0\nprotected-mode no\n");
    assert!(before.is_object());
    assert_eq!(before, after);
}
