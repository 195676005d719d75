//! Hostile servers against the live audit (issue 11, items 5-8, 13, 14,
//! 18): late replies, drips, silence, huge replies, servers that echo
//! secrets, servers whose CONFIG GET leaves keys out. A real server cannot
//! misbehave this way, so these use the fake in `common/fake.rs`.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/fake.rs"]
mod fake;

use fake::{array, bulk, err, usual, Act};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PW: &str = "Hunter2-s3cret-Pw";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(args)
        .current_dir(common::repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn all_output(o: &Output) -> String {
    format!("{}{}", common::stdout(o), common::stderr(o))
}

fn findings(r: &serde_json::Value) -> Vec<serde_json::Value> {
    r["findings"].as_array().unwrap().clone()
}

/// Item 5: INFO answered after the timeout. The connection is closed at
/// the timeout: the late INFO is never read as CONFIG GET's answer, and
/// nothing passes on a misattributed reply (ACL003 pass "no default user").
#[test]
fn a_late_reply_is_never_read_as_the_next_answer() {
    let port = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "INFO" => Act::Late(Duration::from_millis(1500), fake::info()),
        // What the misattribution used to feed ACL LIST: any array.
        "CONFIG" => Act::Reply(array(&["user", "nobody"])),
        "ACL" => Act::Reply(array(&["user default on nopass ~* &* +@all"])),
        _ => usual(a),
    });
    let o = run(
        &[
            "audit",
            &format!("127.0.0.1:{port}"),
            "--format",
            "json",
            "--timeout",
            "1",
            "--no-discover",
        ],
        &[],
    );
    let r = common::json(&o);
    let f = findings(&r);
    for id in ["ACL001", "ACL003", "NET001"] {
        let st = common::status(&r, id);
        assert_ne!(st, "pass", "{id} passed on a dead connection: {f:?}");
    }
    let text = r.to_string();
    assert!(
        text.contains("deadline") || text.contains("closed after an earlier failure"),
        "{text}"
    );
}

/// Item 6: one deadline per target, whatever the server does: a reply
/// dripped a byte at a time and a silent server both end within the
/// timeout plus a small constant, and the error names the deadline.
#[test]
fn a_dripping_or_silent_server_costs_one_deadline() {
    let drip = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "HELLO" => Act::Drip(Duration::from_millis(100), bulk(&"x".repeat(400))),
        _ => usual(a),
    });
    let silent = fake::start(|_| Act::Silent);
    for (name, port) in [("drip", drip), ("silent", silent)] {
        let t = Instant::now();
        let o = run(
            &[
                "audit",
                &format!("127.0.0.1:{port}"),
                "--format",
                "json",
                "--timeout",
                "2",
                "--no-discover",
            ],
            &[],
        );
        let took = t.elapsed();
        println!("{name}: audit took {took:?} with --timeout 2");
        assert!(took < Duration::from_secs(2 + 5), "{name}: {took:?}");
        let r = common::json(&o);
        let text = r.to_string();
        assert!(
            text.contains("the deadline for this target (2.0 s, --timeout) passed"),
            "{name}: {text}"
        );
        assert_ne!(common::status(&r, "ACL001"), "pass");
    }
    let help = common::stdout(&run(&["audit", "--help"], &[]));
    assert!(help.contains("the deadline for each target"), "{help}");
}

/// Item 7: a reply over the per-target byte budget is a clear error for
/// that target, before more than the budget is read.
#[test]
fn a_huge_reply_is_a_budget_error_for_its_target() {
    // A declared 1 GiB bulk, and a stream of many tiny elements (each
    // costs its memory, not just its 7 bytes).
    let huge = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "INFO" => Act::Reply(b"$1073741824\r\n".to_vec()),
        _ => usual(a),
    });
    let tiny = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        // 1,001,001 elements in 7 MB: under the budget in bytes, over it
        // in the memory they take once parsed.
        "CONFIG" => Act::Stream {
            head: b"*1000\r\n".to_vec(),
            unit: [b"*1000\r\n".to_vec(), b"$1\r\nx\r\n".repeat(1000)].concat(),
            times: 1000,
        },
        _ => usual(a),
    });
    let t = Instant::now();
    let o = run(
        &[
            "audit",
            &format!("127.0.0.1:{huge}"),
            &format!("127.0.0.1:{tiny}"),
            "--format",
            "json",
            "--timeout",
            "20",
            "--no-discover",
        ],
        &[],
    );
    let took = t.elapsed();
    println!("two huge replies audited in {took:?}");
    let r = common::json(&o);
    let text = r.to_string();
    assert!(text.contains("over the limit"), "the 1 GiB bulk is named");
    let at = text.find("budget of 64 MiB");
    assert!(
        at.is_some(),
        "the stream of tiny elements hits the budget: {:?}",
        findings(&r)
            .iter()
            .filter(|f| f["id"] == "NET001")
            .map(|f| f["message"].to_string())
            .collect::<Vec<_>>()
    );
}

/// Item 8: a server that echoes what it is sent (the AUTH arguments in
/// its errors, the password as a user name) never gets the password into
/// a report (text, JSON, SARIF), an error or `acl review`.
#[test]
fn echoed_passwords_never_reach_any_output() {
    let port = fake::start(|a| {
        let joined = a.join("' '");
        match a[0].to_ascii_uppercase().as_str() {
            // Redis 5 echoes an unknown command's arguments.
            "HELLO" => Act::Reply(err(&format!(
                "ERR unknown command 'HELLO', with args beginning with: '{joined}'"
            ))),
            "AUTH" => Act::Reply(b"+OK\r\n".to_vec()),
            "INFO" => Act::Reply(bulk(&format!(
                "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nexecutable:/opt/{PW}/redis-server\r\n"
            ))),
            "ACL" if a.get(1).is_some_and(|s| s.eq_ignore_ascii_case("LIST")) => {
                Act::Reply(array(&[&format!("user {PW} on nopass ~* &* +@all")]))
            }
            "CLIENT" => Act::Reply(err(&format!("NOPERM this user has no permissions to run the 'client' command, sent '{joined}' after AUTH {PW}"))),
            _ => Act::Reply(err(&format!("ERR invalid password '{PW}' for '{joined}'"))),
        }
    });
    let target = format!("127.0.0.1:{port}");
    let env = [("REDISCLI_AUTH", PW)];
    let mut seen_mask = false;
    for format in ["text", "json", "sarif"] {
        let o = run(
            &[
                "audit",
                &target,
                "--user",
                "bob",
                "--format",
                format,
                "--timeout",
                "3",
                "--no-discover",
            ],
            &env,
        );
        let out = all_output(&o);
        assert!(!out.contains(PW), "{format}: the password leaked:\n{out}");
        assert!(!out.contains("s3cret"), "{format}: part of it leaked");
        seen_mask |= out.contains("***");
    }
    assert!(seen_mask, "the echoed password is shown masked");
    // Through a file too (stored output).
    let dir = std::env::temp_dir().join(format!("rampart-scrub-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let o = run(
        &[
            "audit",
            &target,
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
            "--timeout",
            "3",
            "--no-discover",
        ],
        &env,
    );
    let stored = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(!stored.is_empty(), "{}", all_output(&o));
    assert!(!stored.contains(PW), "{stored}");
    let _ = std::fs::remove_dir_all(&dir);
    // acl review of the live server, and its errors.
    let uri = format!("redis://bob:{PW}@{target}");
    for args in [
        vec!["acl", "review", "--target", target.as_str()],
        vec!["acl", "review", "--target", uri.as_str()],
    ] {
        let o = run(&args, &env);
        let out = all_output(&o);
        assert!(!out.contains(PW), "{args:?}: the password leaked:\n{out}");
    }
}

/// Item 13: a target without a scheme is shown without its password in
/// the "invalid target" error of every command that takes one.
#[test]
fn invalid_targets_are_shown_without_their_password() {
    let bad = format!("bob:{PW}@host:badport");
    let dir = std::env::temp_dir().join(format!("rampart-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("targets.txt");
    std::fs::write(&list, format!("{bad}\n")).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["audit", &bad],
        vec!["audit", "--targets-file", list.to_str().unwrap()],
        vec!["rotate", "--account", "bob", "--dry-run", &bad],
        vec!["acl", "review", "--target", &bad],
        vec!["audit", "nobody:x@[::1"],
    ];
    for args in cases {
        let o = run(&args, &[]);
        let out = all_output(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {out}");
        assert!(out.contains("invalid target"), "{args:?}: {out}");
        assert!(!out.contains(PW), "{args:?}: the password leaked: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 18: a server whose CONFIG GET leaves settings out: the checks
/// that needed them say which, never "internal error ... without evidence".
#[test]
fn missing_config_keys_are_named() {
    let port = fake::start(|a| match a[0].to_ascii_uppercase().as_str() {
        "CONFIG" => Act::Reply(array(&["port", "6379"])),
        _ => usual(a),
    });
    let o = run(
        &[
            "audit",
            &format!("127.0.0.1:{port}"),
            "--format",
            "json",
            "--timeout",
            "3",
            "--no-discover",
        ],
        &[],
    );
    let r = common::json(&o);
    let f = findings(&r);
    let internal: Vec<_> = f
        .iter()
        .filter(|x| {
            x["message"]
                .as_str()
                .unwrap_or("")
                .contains("internal error")
        })
        .collect();
    assert!(internal.is_empty(), "{internal:#?}");
    assert!(
        f.iter().any(|x| x["message"]
            .as_str()
            .unwrap_or("")
            .contains("CONFIG GET did not return")),
        "{f:#?}"
    );
}

/// Item 14: a Sentinel's master names reach the terminal through the one
/// sanitiser: `rotate` shows escapes, bidi marks and invisible characters
/// as visible escapes, never raw.
#[test]
fn rotate_shows_hostile_sentinel_master_names_escaped() {
    use std::io::{Read, Write};
    let master = redis_fixture::ServerBuilder::new()
        .config("user app on >app-old-password-41 ~* +@all")
        .start()
        .unwrap();
    let mport = master.client_port();
    // The Sentinel's command link on the master, as a Sentinel names it.
    let mut link = std::net::TcpStream::connect(("127.0.0.1", mport)).unwrap();
    link.write_all(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$21\r\nsentinel-abcdef12-cmd\r\n")
        .unwrap();
    let mut ok = [0u8; 5];
    link.read_exact(&mut ok).unwrap();
    let evil = "ev\u{1b}[2Jil\u{202e}\u{200f}\u{061c}\u{200e}name";
    let sentinel = fake::start(move |a| {
        let cmd = a[0].to_ascii_uppercase();
        let sub = a.get(1).map(|s| s.to_ascii_uppercase()).unwrap_or_default();
        match (cmd.as_str(), sub.as_str()) {
            ("INFO", _) => Act::Reply(bulk(
                "# Server\r\nredis_version:7.0.15\r\nredis_mode:sentinel\r\n",
            )),
            ("SENTINEL", "MASTERS") => Act::Reply(
                [
                    b"*1\r\n".to_vec(),
                    array(&["name", evil, "ip", "127.0.0.1", "port", &mport.to_string()]),
                ]
                .concat(),
            ),
            // A real Sentinel answers these too (rotate asks it for the
            // replicas it knows, down ones included).
            ("SENTINEL", "SENTINELS") | ("SENTINEL", "REPLICAS") | ("SENTINEL", "SLAVES") => {
                Act::Reply(b"*0\r\n".to_vec())
            }
            ("SENTINEL", "MYID") => Act::Reply(bulk("abcdef1234567890abcdef1234567890abcdef12")),
            _ => usual(a),
        }
    });
    let dir = std::env::temp_dir().join(format!("rampart-rot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pwfile = dir.join("new");
    std::fs::write(&pwfile, "a-new-password-for-default-1234\n").unwrap();
    let o = run(
        &[
            "rotate",
            &format!("127.0.0.1:{sentinel}"),
            "--account",
            "app",
            "--new-password-file",
            pwfile.to_str().unwrap(),
            "--dry-run",
        ],
        &[("XDG_STATE_HOME", dir.to_str().unwrap())],
    );
    let out = all_output(&o);
    let _ = std::fs::remove_dir_all(&dir);
    drop(link);
    assert!(
        out.contains("\\u{202e}"),
        "the master name is shown, escaped:\n{out}"
    );
    for c in ['\u{1b}', '\u{202e}', '\u{200f}', '\u{061c}', '\u{200e}'] {
        assert!(!out.contains(c), "{c:?} reached the terminal:\n{out}");
    }
}

/// Item 14: `tls inspect` text shows a certificate whose subject holds
/// bidi marks (U+200E, U+200F, U+061C) and an override without them.
/// The server is openssl's own `s_server`; SKIP without openssl.
#[test]
fn tls_text_shows_no_bidi_marks_from_a_certificate() {
    let dir = std::env::temp_dir().join(format!("rampart-bidi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("c.pem"), dir.join("k.pem"));
    let subj = "/CN=ev\u{202e}il\u{200f}\u{061c}\u{200e}x";
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "1", "-utf8", "-subj", subj, "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        println!("SKIP: openssl cannot make a certificate: {made:?}");
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-accept", &port.to_string(), "-cert"])
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        && t.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = run(
        &["tls", "inspect", &format!("127.0.0.1:{port}"), "--insecure"],
        &[],
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let out = all_output(&o);
    assert!(out.contains("ev"), "the subject is shown:\n{out}");
    for c in ['\u{202e}', '\u{200f}', '\u{061c}', '\u{200e}'] {
        assert!(!out.contains(c), "{c:?} reached the terminal:\n{out}");
    }
}

/// Item 6 at fleet scale: 40 targets of which 10 never answer finish in
/// about one deadline (a pool of workers: a silent target holds one
/// worker, not a batch). The figure is printed; the bound is generous.
#[test]
fn a_fleet_with_silent_targets_costs_about_one_deadline() {
    let mut targets = Vec::new();
    for i in 0..40 {
        let port = if i % 4 == 0 {
            fake::start(|_| Act::Silent)
        } else {
            fake::start(usual)
        };
        targets.push(format!("127.0.0.1:{port}"));
    }
    let mut args: Vec<&str> = vec![
        "audit",
        "--format",
        "json",
        "--timeout",
        "1",
        "--no-discover",
    ];
    args.extend(targets.iter().map(String::as_str));
    let t = Instant::now();
    let o = run(&args, &[]);
    let took = t.elapsed();
    println!("40 targets (10 silent), --timeout 1, --concurrency 16: {took:?}");
    let r = common::json(&o);
    assert_eq!(r["targets"].as_array().unwrap().len(), 40);
    assert!(took < Duration::from_secs(1 + 5), "{took:?}");
}
