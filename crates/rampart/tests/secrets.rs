//! No password from any input appears in any output format.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

const SECRETS: &[&str] = &[
    "Req-pass-Sekrit-0001",
    "Master-auth-Sekrit-0002",
    "User-line-Sekrit-0003",
    "Acl-file-Sekrit-0004",
    "Sentinel-auth-Sekrit-0005",
    "Sentinel-pass-Sekrit-0006",
    "Unbalanced-Sekrit-0007",
    "Bad-rule-Sekrit-0008",
    "Extra-arg-Sekrit-0009",
    "Key-pass-Sekrit-0010",
    "weak1",
];

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s}:\n{text}");
    }
}

#[test]
fn no_password_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let conf = d.join("redis.conf");
    let conf2 = d.join("redis2.conf");
    let acl = d.join("users.acl");
    let sentinel = d.join("sentinel.conf");
    std::fs::write(
        &conf,
        format!(
            "requirepass {}\nmasterauth {}\nmasteruser repl\nreplicaof 10.0.0.1 6379\n\
             requirepass \"{}\nmasterauth {} {}\ntls-key-file-pass {}\nuser x on >weak1 ~* +@all\n",
            SECRETS[0], SECRETS[1], SECRETS[6], SECRETS[8], SECRETS[8], SECRETS[9]
        ),
    )
    .unwrap();
    std::fs::write(
        &conf2,
        format!(
            "user default off\nuser app on >{} ~* +@all\nuser bad on >{} +nosuchcommand\n",
            SECRETS[2], SECRETS[7]
        ),
    )
    .unwrap();
    let conf3 = d.join("redis3.conf");
    std::fs::write(&conf3, format!("aclfile {}\n", acl.display())).unwrap();
    std::fs::write(&acl, format!("user default off\nuser svc on >{} ~* +get\nuser weak on >weak1 ~* +get\nuser broken on >{} %~x\n", SECRETS[3], SECRETS[7])).unwrap();
    std::fs::write(
        &sentinel,
        format!(
            "port 26379\nsentinel monitor m 10.0.0.1 6379 2\nsentinel auth-pass m {}\nsentinel sentinel-pass {}\n",
            SECRETS[4], SECRETS[5]
        ),
    )
    .unwrap();
    let out_file = d.join("out");
    for c in [&conf, &conf2, &conf3] {
        for format in ["text", "json", "sarif"] {
            let mut args = vec![
                "audit",
                "-c",
                c.to_str().unwrap(),
                "--sentinel-config",
                sentinel.to_str().unwrap(),
                "--format",
                format,
                "--verbose",
            ];
            let o = rampart(&args);
            assert!(
                matches!(o.status.code(), Some(0) | Some(1)),
                "{}",
                stderr(&o)
            );
            assert_clean(&format!("{format} stdout of {}", c.display()), &stdout(&o));
            assert_clean("stderr", &stderr(&o));
            args.extend(["-o", out_file.to_str().unwrap()]);
            let o = rampart(&args);
            assert_clean("stderr", &stderr(&o));
            assert_clean(
                &format!("{format} file"),
                &std::fs::read_to_string(&out_file).unwrap(),
            );
        }
    }
    // The findings did see those passwords: ACL002 judged them.
    let o = rampart(&["audit", "-c", conf3.to_str().unwrap(), "--format", "json"]);
    let r = json(&o);
    assert_eq!(status(&r, "ACL002"), "fail", "weak1 is weak");
    assert_eq!(status(&r, "ACL006"), "fail", "plaintext in the ACL file");
}
