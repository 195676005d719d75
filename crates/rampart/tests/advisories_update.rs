//! `rampart advisories update` against a local HTTP server started here
//! (a std TcpListener thread serving feed files) and a directory: a good
//! feed is stored and used by the audit; broken, truncated, hostile (huge,
//! deeply nested), older-than-embedded and inconsistent feeds are refused
//! with a clear message, the data in use stays, and no file is half
//! written.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// What the server answers for a path.
#[derive(Clone)]
enum Body {
    Ok(Vec<u8>),
    /// Announce more bytes than are sent, then close.
    Truncated(Vec<u8>),
}

type Files = Arc<Mutex<BTreeMap<String, Body>>>;

/// Serve `files` on a free loopback port; the thread lives as long as the test process.
fn serve(files: Files) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let files = files.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                if r.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                }
                let body = files.lock().unwrap().get(&path).cloned();
                let _ = match body {
                    Some(Body::Ok(b)) => {
                        let _ = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        );
                        s.write_all(&b)
                    }
                    Some(Body::Truncated(b)) => {
                        let _ = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len() + 500
                        );
                        s.write_all(&b)
                    }
                    None => s.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                };
            });
        }
    });
    format!("http://{addr}")
}

fn run_in(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_STATE_HOME", state)
        .env("HOME", state)
        .env(
            "RAMPART_HISTORY",
            "/nonexistent/rampart-advisories-update/history",
        )
        .output()
        .unwrap()
}

/// A date a week after the embedded review (so the feed is newer, and no
/// announced end of support passes).
fn later() -> String {
    let r = &redis_advisories::embedded().reviewed;
    let p: Vec<u32> = r.split('-').map(|x| x.parse().unwrap()).collect();
    let (mut y, mut m, mut d) = (p[0], p[1], p[2]);
    if d <= 21 {
        d += 7;
    } else {
        d = 1;
        m += 1;
        if m == 13 {
            m = 1;
            y += 1;
        }
    }
    format!("{y:04}-{m:02}-{d:02}")
}

/// A good feed: Redis 8.2's latest becomes 8.2.99; one new OSV advisory
/// fixed there; a Debian OSV record for an embedded CVE.
fn good_feed() -> (Value, Vec<(String, Value)>) {
    let d: Value = serde_json::from_str(redis_advisories::DATA_JSON).unwrap();
    let mut redis_lines = d["products"]["redis"]["lines"].clone();
    for l in redis_lines.as_array_mut().unwrap() {
        if l["line"] == "8.2" {
            l["latest"] = "8.2.99".into();
        }
    }
    let mut clients: Value = serde_json::from_str(redis_advisories::CLIENTS_JSON).unwrap();
    clients["generated"] = later().into();
    let feed = json!({
        "rampart_feed": 1,
        "reviewed": later(),
        "products": { "redis": { "lines": redis_lines } },
        "clients": clients,
        "osv": ["osv/GHSA-test-0001.json", "osv/DEBIAN-CVE-2025-49844.json"],
    });
    let ghsa = json!({
        "id": "GHSA-test-0001",
        "aliases": ["CVE-2099-0001"],
        "summary": "A test advisory served by the local feed",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "GitHub", "name": "redis/redis"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "8.2.0"}, {"fixed": "8.2.99"}]}]
        }],
        "references": [{"url": "https://github.com/redis/redis/security/advisories/GHSA-test-0001"}]
    });
    let deb = json!({
        "id": "DEBIAN-CVE-2025-49844",
        "aliases": ["CVE-2025-49844"],
        "affected": [{
            "package": {"ecosystem": "Debian:13", "name": "redis"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5:8.0.2-3+deb13u1"}]}]
        }]
    });
    (
        feed,
        vec![
            ("osv/GHSA-test-0001.json".into(), ghsa),
            ("osv/DEBIAN-CVE-2025-49844.json".into(), deb),
        ],
    )
}

fn files_of(feed: &Value, osv: &[(String, Value)]) -> Files {
    let mut m = BTreeMap::new();
    m.insert(
        "/rampart-feed.json".to_string(),
        Body::Ok(feed.to_string().into_bytes()),
    );
    for (p, v) in osv {
        m.insert(format!("/{p}"), Body::Ok(v.to_string().into_bytes()));
    }
    Arc::new(Mutex::new(m))
}

fn stored(state: &Path) -> Option<Vec<u8>> {
    std::fs::read(state.join("rampart/advisories.json")).ok()
}

/// No temporary file is left next to the stored one.
fn no_leftovers(state: &Path) {
    if let Ok(rd) = std::fs::read_dir(state.join("rampart")) {
        for e in rd {
            let n = e.unwrap().file_name().to_string_lossy().to_string();
            assert_eq!(n, "advisories.json", "left over: {n}");
        }
    }
}

fn show(state: &Path) -> String {
    let o = run_in(state, &["advisories", "show"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn a_good_feed_is_stored_and_used_and_a_bad_one_after_it_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (feed, osv) = good_feed();
    let files = files_of(&feed, &osv);
    let url = serve(files.clone());
    let embedded = redis_advisories::embedded().reviewed.clone();
    assert!(show(state.path()).contains(&format!(
        "advisory data in use: reviewed {embedded} (embedded"
    )));

    let o = run_in(state.path(), &["advisories", "update", "--from", &url]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let l82 = redis_advisories::embedded()
        .products
        .redis
        .lines
        .iter()
        .find(|l| l.line == "8.2")
        .unwrap()
        .latest
        .clone();
    assert!(
        out.contains(&format!("redis 8.2: latest {l82} → 8.2.99")),
        "{out}"
    );
    assert!(out.contains("CVE-2099-0001: new advisory"), "{out}");
    assert!(
        out.contains("CVE-2025-49844: Debian 13 fixed in 5:8.0.2-3+deb13u1"),
        "{out}"
    );
    let s = show(state.path());
    assert!(
        s.contains(&format!(
            "advisory data in use: reviewed {} (stored at",
            later()
        )),
        "{s}"
    );
    assert!(
        s.contains(&format!("embedded fallback: reviewed {embedded}")),
        "{s}"
    );
    no_leftovers(state.path());
    let good = stored(state.path()).unwrap();

    // The audit judges with it: a real Redis 8.2 is told 8.2.99 is the latest.
    if let Some(v) = redis_fixture::version("redis-8.2") {
        let node = redis_fixture::ServerBuilder::new()
            .binary(v.path)
            .start()
            .unwrap();
        let o = run_in(
            state.path(),
            &[
                "audit",
                &node.addr(),
                "--format",
                "json",
                "--no-tls-scan",
                "--no-discover",
            ],
        );
        let r = json(&o);
        let f = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "VER001")
            .unwrap();
        let ev = f["evidence"].to_string();
        assert!(ev.contains("latest 8.2.99"), "{ev}");
        assert!(ev.contains("stored at"), "{ev}");
    } else {
        eprintln!("SKIP: redis-8.2 is not installed (scripts/install-servers.sh)");
    }

    // Now a broken feed: refused, the stored file is byte for byte the same.
    files.lock().unwrap().insert(
        "/rampart-feed.json".into(),
        Body::Ok(b"{\"rampart_feed\": 1, \"reviewed\": ".to_vec()),
    );
    let o = run_in(state.path(), &["advisories", "update", "--from", &url]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("refused") && e.contains("not valid JSON"), "{e}");
    assert!(e.contains("nothing was written"), "{e}");
    assert_eq!(stored(state.path()).unwrap(), good);
    no_leftovers(state.path());
}

/// Run one bad feed; assert refused with `msg`, nothing stored, embedded in use.
fn refused(files: Files, msg: &str) {
    let state = tempfile::tempdir().unwrap();
    let url = serve(files);
    let o = run_in(state.path(), &["advisories", "update", "--from", &url]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let e = stderr(&o);
    assert!(e.contains("advisories update refused"), "{e}");
    assert!(e.contains(msg), "expected {msg:?} in: {e}");
    assert!(stored(state.path()).is_none(), "a file was written");
    no_leftovers(state.path());
    let s = show(state.path());
    assert!(s.contains("(embedded in rampart"), "{s}");
}

#[test]
fn broken_truncated_hostile_older_and_inconsistent_feeds_are_refused() {
    let (feed, osv) = good_feed();
    let set = |f: &Files, p: &str, b: Body| {
        f.lock().unwrap().insert(p.to_string(), b);
    };
    // Broken JSON.
    let f = files_of(&feed, &osv);
    set(
        &f,
        "/rampart-feed.json",
        Body::Ok(b"{ this is not json".to_vec()),
    );
    refused(f, "not valid JSON");
    // Truncated in transit (Content-Length says more than arrives).
    let f = files_of(&feed, &osv);
    let text = feed.to_string().into_bytes();
    set(
        &f,
        "/rampart-feed.json",
        Body::Truncated(text[..text.len() / 2].to_vec()),
    );
    refused(f, "cannot read");
    // Truncated but complete as HTTP: the JSON itself is cut.
    let f = files_of(&feed, &osv);
    let cut = osv[0].1.to_string().into_bytes();
    set(
        &f,
        "/osv/GHSA-test-0001.json",
        Body::Ok(cut[..cut.len() - 10].to_vec()),
    );
    refused(f, "not valid JSON");
    // Huge: 3 MiB of feed.
    let f = files_of(&feed, &osv);
    let mut big = feed.clone();
    big["padding"] = "x".repeat(3 << 20).into();
    set(
        &f,
        "/rampart-feed.json",
        Body::Ok(big.to_string().into_bytes()),
    );
    refused(f, "allowed");
    // Deeply nested.
    let f = files_of(&feed, &osv);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    set(&f, "/osv/GHSA-test-0001.json", Body::Ok(deep.into_bytes()));
    refused(f, "nests deeper than");
    // Client data that does not validate.
    let mut badc = feed.clone();
    badc["clients"]["libraries"][0]["maintained"][0]["latest"] = "not-a-version".into();
    refused(files_of(&badc, &osv), "clients:");
    // Older than the embedded data.
    let mut old = feed.clone();
    old["reviewed"] = "2020-01-01".into();
    refused(files_of(&old, &osv), "older than the data embedded");
    // A line's latest patch older than the embedded one.
    let mut back = feed.clone();
    for l in back["products"]["redis"]["lines"].as_array_mut().unwrap() {
        if l["line"] == "8.2" {
            l["latest"] = "8.2.1".into();
        }
    }
    refused(files_of(&back, &osv), "older than the embedded 8.2.");
    // A version that does not parse in an OSV record.
    let mut bad = osv.clone();
    bad[0].1["affected"][0]["ranges"][0]["events"][1]["fixed"] = "eight".into();
    refused(files_of(&feed, &bad), "fixed \"eight\"");
    // A fixed version no line released (after the line's latest).
    let mut bad = osv.clone();
    bad[0].1["affected"][0]["ranges"][0]["events"][1]["fixed"] = "8.2.100".into();
    refused(files_of(&feed, &bad), "not a known release");
    // A listed OSV record that is missing.
    let f = files_of(&feed, &osv);
    f.lock().unwrap().remove("/osv/GHSA-test-0001.json");
    refused(f, "HTTP 404");
    // A path that climbs out of the feed.
    let mut esc = feed.clone();
    esc["osv"] = json!(["../../etc/passwd"]);
    refused(files_of(&esc, &osv), "not a plain relative path");
}

#[test]
fn a_directory_feed_works_too() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (feed, osv) = good_feed();
    std::fs::write(dir.path().join("rampart-feed.json"), feed.to_string()).unwrap();
    std::fs::create_dir(dir.path().join("osv")).unwrap();
    for (p, v) in &osv {
        std::fs::write(dir.path().join(p), v.to_string()).unwrap();
    }
    let o = run_in(
        state.path(),
        &[
            "advisories",
            "update",
            "--from",
            dir.path().to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(show(state.path()).contains("(stored at"));
    // A stored file damaged afterwards is refused at load: the embedded copy is used.
    std::fs::write(
        state.path().join("rampart/advisories.json"),
        b"{\"rampart_stored\": 1",
    )
    .unwrap();
    let s = show(state.path());
    assert!(
        s.contains("(embedded in rampart") && s.contains("refused"),
        "{s}"
    );
}

/// A FIFO where a feed file or the stored data should be: refused at once
/// (a plain open would wait for a writer forever), the embedded data in use.
#[test]
fn a_fifo_feed_or_stored_file_is_refused_without_blocking() {
    let mkfifo = |p: &Path| {
        std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap()
            .success()
    };
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(mkfifo(&dir.path().join("rampart-feed.json")));
    let o = run_in(
        state.path(),
        &[
            "advisories",
            "update",
            "--from",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let e = stderr(&o);
    assert!(e.contains("refused") && e.contains("a FIFO"), "{e}");
    std::fs::create_dir(state.path().join("rampart")).unwrap();
    assert!(mkfifo(&state.path().join("rampart/advisories.json")));
    let s = show(state.path());
    assert!(
        s.contains("(embedded in rampart") && s.contains("refused") && s.contains("a FIFO"),
        "{s}"
    );
}
