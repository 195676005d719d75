//! `audit --format html` in a real browser: headless Chromium (Debian's
//! `chromium`) opens the report of a two-target audit offline, takes a
//! screenshot and dumps the DOM it rendered, which must hold the summary
//! and the ID of every failing finding. Chromium can hang: each run is
//! killed after a deadline. Without Chromium the test fails when `CI` is
//! set, else prints SKIP.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

fn chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("chromium"))
            .find(|c| c.is_file())
    })
}

/// Run Chromium headless and offline on `url` with `mode` (`--dump-dom`
/// or `--screenshot=...`), with a fresh profile; its standard output
/// goes to a file (no pipe to fill while we wait). Killed at the deadline.
fn run_chromium(bin: &Path, dir: &Path, name: &str, mode: &str, url: &str) -> String {
    let profile = dir.join(format!("profile-{name}"));
    std::fs::create_dir(&profile).unwrap();
    let out_path = dir.join(format!("{name}.out"));
    let err_path = dir.join(format!("{name}.err"));
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--disable-extensions",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--window-size=1280,2000")
        .arg(mode)
        .arg(url)
        .current_dir(dir)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium {mode} did not finish in {DEADLINE:?}: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "chromium {mode}: {status}: {}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    std::fs::read_to_string(&out_path).unwrap()
}

#[test]
fn the_report_renders_in_chromium() {
    let Some(bin) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is not installed (CI installs Debian's chromium package)");
        }
        println!("SKIP: chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let html_s = html.display().to_string();
    let audit = [
        "audit",
        "examples/insecure",
        "examples/hardened",
        "--no-proc",
        "--server-version",
        "redis-7.2",
    ];
    let mut args = audit.to_vec();
    args.extend(["--format", "html", "--output", &html_s]);
    let o = rampart(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // What must be on the page: every failing finding (from the JSON
    // report of the same audit).
    let mut args = audit.to_vec();
    args.extend(["--format", "json"]);
    let report = json(&rampart(&args));
    let findings = report["findings"].as_array().unwrap();
    let failing: Vec<&str> = findings
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(failing.len() > 5, "{failing:?}");

    let url = format!("file://{}", html.display());
    let dom = run_chromium(&bin, dir.path(), "dom", "--dump-dom", &url);
    assert!(dom.contains("<h2>Summary</h2>"), "{dom}");
    assert!(
        dom.contains(&format!("<b>{}</b> fail", failing.len())),
        "the summary counts {} failures",
        failing.len()
    );
    for id in &failing {
        assert!(dom.contains(&format!("id=\"c-{id}\"")), "{id}: no group");
        // The target's row links to the group.
        assert!(
            dom.contains(&format!("<a href=\"#c-{id}\">{id}</a>")),
            "{id}: no row"
        );
    }
    for t in [
        "examples/insecure/redis.conf",
        "examples/hardened/redis.conf",
    ] {
        assert!(dom.contains(t), "{t}");
    }

    let shot = dir.path().join("shot.png");
    run_chromium(
        &bin,
        dir.path(),
        "shot",
        &format!("--screenshot={}", shot.display()),
        &url,
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // A blank 1280x2000 page compresses to a few kilobytes; the report
    // (text, badges, tables) to far more.
    assert!(png.len() > 50_000, "screenshot of {} bytes", png.len());
}
