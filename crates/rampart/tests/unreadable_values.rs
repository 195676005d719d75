//! A number that cannot be read is never judged as 0 (issue 14: silent
//! defaults on external data). A real server always answers CONFIG GET
//! port with a number, so this uses the fake in `common/fake.rs`.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/fake.rs"]
mod fake;

use fake::{array, usual, Act};
use std::process::Command;

/// `rampart audit` of the fake on `port`, as JSON.
fn audit_json(port: u16) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            &format!("127.0.0.1:{port}"),
            "--format",
            "json",
            "--timeout",
            "3",
            "--no-discover",
        ])
        .current_dir(common::repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1")
        .output()
        .unwrap()
}

#[test]
fn a_port_that_is_not_a_number_is_an_error_not_a_verdict() {
    let port = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "CONFIG" => Act::Reply(array(&["port", "63x79", "tls-port", "0"])),
        _ => usual(a),
    });
    let o = audit_json(port);
    let r = common::json(&o);
    let findings = r["findings"].as_array().unwrap();
    let named: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap_or("")
                .contains("port = \"63x79\"")
        })
        .collect();
    assert!(!named.is_empty(), "{findings:#?}");
    for f in &named {
        assert_eq!(f["status"], "error", "{f:#?}");
    }
    // NET003 reads the port: it cannot pass (or fail) on a made-up 0.
    assert_eq!(common::status(&r, "NET003"), "error");
}

/// An INFO that is not text (a proxy, a fake) is not read as an empty INFO
/// ("not a replica", "no TLS"...): the target is not audited, and says why.
#[test]
fn an_info_that_is_not_text_is_not_an_empty_info() {
    let port = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "INFO" => Act::Reply(array(&["redis_version", "7.0.15"])),
        _ => usual(a),
    });
    let o = audit_json(port);
    assert_eq!(o.status.code(), Some(3), "{}", common::stdout(&o));
    let r = common::json(&o);
    for f in r["findings"].as_array().unwrap() {
        assert_ne!(f["status"], "pass", "{f:#}");
    }
    assert!(common::stdout(&o).contains("INFO did not answer with text"));
}
