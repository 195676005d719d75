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

/// A plausible INFO all of a Redis 7.0 Sentinel.
fn sentinel_info() -> Vec<u8> {
    fake::bulk("# Server\r\nredis_version:7.0.15\r\nredis_mode:sentinel\r\nos:Linux\r\nprocess_id:1\r\ntcp_port:26379\r\nconfig_file:\r\n# Sentinel\r\nsentinel_masters:1\r\n")
}

/// A Sentinel whose SENTINEL MASTERS, MYID and `sentinel-pass` replies are
/// of another shape (no real Sentinel can be made to answer so): CLU001
/// is an error and ACL011 a question for a person, never "monitors no
/// master" or "sentinel-user without sentinel-pass" on replies not read.
#[test]
fn a_sentinel_reply_of_another_shape_is_said_not_read_as_empty() {
    let port = fake::start(|a| {
        let up: Vec<String> = a.iter().map(|x| x.to_ascii_uppercase()).collect();
        let up: Vec<&str> = up.iter().map(String::as_str).collect();
        match up.as_slice() {
            ["INFO", ..] => Act::Reply(sentinel_info()),
            ["SENTINEL", "MASTERS"] => Act::Reply(b":1\r\n".to_vec()),
            ["SENTINEL", "MYID"] => Act::Reply(b"*0\r\n".to_vec()),
            ["SENTINEL", "CONFIG", "GET", "SENTINEL-USER"] => {
                Act::Reply(array(&["sentinel-user", "sentinel"]))
            }
            ["SENTINEL", "CONFIG", "GET", "SENTINEL-PASS"] => Act::Reply(b":1\r\n".to_vec()),
            ["MODULE", ..] => Act::Reply(fake::err("ERR unknown command 'MODULE'")),
            _ => usual(a),
        }
    });
    let o = audit_json(port);
    let r = common::json(&o);
    let finding = |id: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {r:#}"))
    };
    let clu = finding("CLU001");
    assert_eq!(clu["status"], "error", "{clu:#}");
    assert!(
        clu["message"]
            .as_str()
            .unwrap()
            .contains("SENTINEL MASTERS"),
        "{clu:#}"
    );
    let acl = finding("ACL011");
    assert_eq!(acl["status"], "manual", "{acl:#}");
    let ev = acl["evidence"].to_string();
    assert!(ev.contains("sentinel-pass not readable"), "{ev}");
    assert!(
        ev.contains("SENTINEL MASTERS gave an unexpected reply"),
        "{ev}"
    );
}

/// A module whose `ver` is not a number is no module of version 0.0.0:
/// the module list is unreadable, and VER001 says so.
#[test]
fn a_module_without_a_readable_version_is_no_version_zero() {
    let port = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "MODULE" => Act::Reply(
            b"*1\r\n*4\r\n$4\r\nname\r\n$6\r\nsearch\r\n$3\r\nver\r\n$2\r\nxx\r\n".to_vec(),
        ),
        _ => usual(a),
    });
    let o = audit_json(port);
    let out = common::stdout(&o);
    assert!(!out.contains("search ver 0"), "{out}");
    assert!(
        out.contains("MODULE LIST gives module search no readable ver"),
        "{out}"
    );
}
