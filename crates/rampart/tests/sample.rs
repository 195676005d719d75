//! DATA003, the opt-in sample of values, on real servers: plaintext
//! secrets and personal data are found and named by key, never shown;
//! ciphertext passes; the sample reads only (commandstats, keyspace).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::ServerBuilder;

/// The plaintext values written to the "careless" server.
const PLAIN: &[(&str, &str)] = &[
    ("email", "ann.lee@example.com"),
    ("card", "4111 1111 1111 1111"),
    ("password", "hunter2-plain"),
    (
        "jwt",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJlLXBhcnQ",
    ),
    ("aws", "AKIAIOSFODNN7EXAMPLE"),
];

fn audit(port: u16, extra: &[&str]) -> std::process::Output {
    let target = format!("127.0.0.1:{port}");
    let mut args = vec!["audit", target.as_str(), "--no-tls-scan", "--no-discover"];
    args.extend(extra);
    rampart(&args)
}

fn finding<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap()
}

fn commandstats(n: &redis_fixture::Node) -> Vec<String> {
    n.info("commandstats")
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect()
}

#[test]
fn plaintext_is_found_and_never_shown() {
    let n = ServerBuilder::new().start().unwrap();
    for (k, v) in [
        ("user:1:email", PLAIN[0].1),
        ("token:9", PLAIN[3].1),
        ("cfg:aws", PLAIN[4].1),
        ("note:1", "nothing to see here"),
        ("counter", "42"),
    ] {
        n.cmd(&["SET", k, v]);
    }
    n.cmd(&["HSET", "customer:7", "name", "Ann", "card", PLAIN[1].1]);
    n.cmd(&["HSET", "account:3", "login", "ann", "password", PLAIN[2].1]);
    n.cmd(&["RPUSH", "mails", "x", PLAIN[0].1]);
    let mut c = n.conn();
    c.cmd(&["SELECT", "2"]).unwrap();
    c.cmd(&["SET", "db2:key", PLAIN[0].1]).unwrap();
    let before = format!("{:?}", n.cmd(&["DBSIZE"]));
    n.cmd(&["CONFIG", "RESETSTAT"]);

    let o = audit(
        n.client_port(),
        &["--sample-values", "100", "--format", "json"],
    );
    let r = json(&o);
    let f = finding(&r, "DATA003");
    assert_eq!(f["status"], "fail", "{f}");
    let ev = f["evidence"].to_string();
    for key in [
        "user:1:email",
        "token:9",
        "cfg:aws",
        "customer:7",
        "account:3",
        "mails",
        "db2:key",
    ] {
        assert!(ev.contains(key), "{key} not named: {ev}");
    }
    assert!(!ev.contains("note:1") && !ev.contains("\"counter"), "{ev}");
    for kind in [
        "e-mail address",
        "payment card number",
        "password in clear",
        "JSON Web Token",
        "AWS access key id",
    ] {
        assert!(ev.contains(kind), "{kind}: {ev}");
    }
    assert!(ev.contains("hash field card"), "{ev}");
    assert!(f["message"].as_str().unwrap().contains("NO-TOUCH"), "{f}");

    // No value in any format.
    let mut outputs = String::from_utf8_lossy(&o.stdout).into_owned();
    for fmt in [
        &["--format", "text", "--verbose"][..],
        &["--format", "sarif"][..],
    ] {
        let mut a = vec!["--sample-values", "100"];
        a.extend(fmt);
        let o = audit(n.client_port(), &a);
        outputs.push_str(&stdout(&o));
        outputs.push_str(&stderr(&o));
    }
    outputs.push_str(&stderr(&o));
    for (_, v) in PLAIN {
        assert!(!outputs.contains(v), "a value was printed: {v}");
    }
    assert!(!outputs.contains("4111"), "part of the card number printed");

    // Read-only: the same keys, and only reading commands ran.
    assert_eq!(format!("{:?}", n.cmd(&["DBSIZE"])), before);
    assert_eq!(n.cmd(&["GET", "user:1:email"]).text(), PLAIN[0].1);
    let writes: Vec<String> = commandstats(&n)
        .into_iter()
        .filter(|c| {
            ![
                "scan",
                "type",
                "getrange",
                "hscan",
                "lrange",
                "sscan",
                "zrange",
                "xrange",
                "select",
                "info",
                "config|get",
                "config|resetstat",
                "acl|list",
                "acl|cat",
                "command",
                "client|list",
                "client|id",
                "client|no-touch",
                "client|setname",
                "hello",
                "ping",
                "auth",
                "cluster|nodes",
                "module|list",
                "dbsize",
                "get",
            ]
            .contains(&c.as_str())
        })
        .collect();
    assert!(writes.is_empty(), "commands beyond reads: {writes:?}");
}

#[test]
fn ciphertext_passes_and_sampling_is_opt_in() {
    let n = ServerBuilder::new().start().unwrap();
    // What client-side encryption stores: random bytes, or their base64.
    for i in 0..30u8 {
        let raw: Vec<u8> = (0..48u8)
            .map(|j| j.wrapping_mul(37).wrapping_add(i.wrapping_mul(101)) ^ 0xa5)
            .collect();
        let key = format!("enc:{i}");
        n.conn()
            .cmd(&[b"SET".as_slice(), key.as_bytes(), &raw])
            .unwrap();
        n.cmd(&[
            "HSET",
            &format!("encd:{i}"),
            "email",
            "q83v7Jf0aX1kPzR2bTn8+Yw5LmC6dE4hG9sVuQ==",
        ]);
    }
    let r = json(&audit(
        n.client_port(),
        &["--sample-values", "1000", "--format", "json"],
    ));
    let f = finding(&r, "DATA003");
    assert_eq!(f["status"], "pass", "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("of 60 key(s)"),
        "{f}"
    );

    // A limit below the keyspace says the sample is partial.
    let r = json(&audit(
        n.client_port(),
        &["--sample-values", "5", "--format", "json"],
    ));
    let f = finding(&r, "DATA003");
    assert!(
        f["message"].as_str().unwrap().contains("of 5 key(s)"),
        "{f}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("raise --sample-values"),
        "{f}"
    );

    // Without the flag: skipped, and not one key read.
    n.cmd(&["CONFIG", "RESETSTAT"]);
    let r = json(&audit(n.client_port(), &["--format", "json"]));
    assert_eq!(status(&r, "DATA003"), "skip");
    assert!(!commandstats(&n)
        .iter()
        .any(|c| c == "scan" || c == "getrange"));
}

/// A user that may not read keys: a clear error, never a pass.
#[test]
fn no_read_permission_is_an_error() {
    let n = ServerBuilder::new()
        .config("user default on nopass ~* +@all\nuser auditor on >auditor-pw-1234567 -@all +info +config|get +acl|list +acl|cat +command +client|list +client|id +scan +type")
        .start()
        .unwrap();
    n.cmd(&["SET", "k", "ann.lee@example.com"]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            &format!("127.0.0.1:{}", n.client_port()),
            "--user",
            "auditor",
            "--sample-values",
            "10",
            "--format",
            "json",
            "--no-tls-scan",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDISCLI_AUTH", "auditor-pw-1234567")
        .output()
        .unwrap();
    let r = json(&o);
    let f = finding(&r, "DATA003");
    assert_eq!(f["status"], "error", "{f}");
    assert!(f["message"].as_str().unwrap().contains("NOPERM"), "{f}");
}

/// Valkey has CLIENT NO-TOUCH: the sample leaves LRU/LFU data alone, and
/// the report does not carry the caveat.
#[test]
fn valkey_sample_does_not_touch_keys() {
    let Some(_) = redis_fixture::valkey_server_bin() else {
        eprintln!("SKIP: no valkey-server (scripts/install-valkey.sh installs one)");
        return;
    };
    let n = ServerBuilder::new().valkey().start().unwrap();
    n.cmd(&["SET", "k", "ann.lee@example.com"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let idle = || match n.cmd(&["OBJECT", "IDLETIME", "k"]) {
        redis_fixture::Reply::Int(i) => i,
        other => panic!("{other:?}"),
    };
    let idle_before = idle();
    let r = json(&audit(
        n.client_port(),
        &["--sample-values", "10", "--format", "json"],
    ));
    let f = finding(&r, "DATA003");
    assert_eq!(f["status"], "fail", "{f}");
    assert!(!f["message"].as_str().unwrap().contains("NO-TOUCH"), "{f}");
    let idle_after = idle();
    assert!(idle_after >= idle_before, "the read touched the key");
}
