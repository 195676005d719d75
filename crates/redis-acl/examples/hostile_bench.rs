//! Benchmark (not a test) of the hostile sizes of issue 11, item 12:
//! 100k ACL users, 40k key patterns on one user, and an include glob of 32
//! links to one 16 MiB file. Prints the figures; asserts nothing.
//!
//! `cargo run --release -p redis-acl --example hostile_bench [USERS] [PATTERNS] [LINKS]`
//! (or `bench/hostile.sh`, which also times the rampart binary).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use redis_acl::review::Reviewer;
use redis_acl::{AclFile, CommandTable, Engine};

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn acl_figures(label: &str, path: &Path, text: &str, table: &CommandTable) {
    let t = Instant::now();
    let file = AclFile::parse_with(path, text, table);
    let parse = t.elapsed();
    let t = Instant::now();
    let users: Vec<_> = file
        .users
        .iter()
        .map(|d| d.to_user_with(table).unwrap())
        .collect();
    let build = t.elapsed();
    let engine = Engine::new(table);
    let t = Instant::now();
    let compiled = engine.compile_all(users.iter());
    let compile = t.elapsed();
    let t = Instant::now();
    let mut reviewer = Reviewer::new(&engine);
    let grants: usize = compiled
        .iter()
        .map(|u| reviewer.review(u).dangerous.len())
        .sum();
    let review = t.elapsed();
    println!(
        "{label}: parse {parse:?}, users {build:?}, compile {compile:?}, review {review:?} ({} users, {grants} dangerous grants, {} problems)",
        users.len(),
        file.problems.len()
    );
}

fn main() {
    let arg = |i: usize, d: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (n_users, n_patterns, n_links) = (arg(1, 100_000), arg(2, 40_000), arg(3, 32));
    let table = CommandTable::redis_7_0();
    let dir = tempfile::tempdir().unwrap();

    // First, so that its peak memory is its own.
    // An include glob of N links to one 16 MiB file.
    let big = dir.path().join("big.conf");
    let mut content = String::from("port 7000\n");
    let pad = "# padding ..........................................................\n";
    while content.len() < 16 * 1024 * 1024 - pad.len() {
        content.push_str(pad);
    }
    std::fs::write(&big, &content).unwrap();
    drop(content);
    let links = dir.path().join("links");
    std::fs::create_dir(&links).unwrap();
    for i in 0..n_links {
        std::os::unix::fs::symlink(&big, links.join(format!("{i:03}.conf"))).unwrap();
    }
    let main = dir.path().join("redis.conf");
    std::fs::write(
        &main,
        format!("include {}/*.conf\nbind 127.0.0.1\n", links.display()),
    )
    .unwrap();
    let before = peak_mib();
    let t = Instant::now();
    let cfg = redis_conf::Config::load(&main, &redis_conf::LoadOptions::for_dialect("redis-7.0"))
        .unwrap();
    let took = t.elapsed();
    println!(
        "include glob of {n_links} links to one 16 MiB file: {took:?}, peak memory {:.0} MiB (was {before:.0} MiB), {} files read, {} not read",
        peak_mib(),
        cfg.files.len(),
        cfg.unread.len()
    );

    // 100k users, one line each.
    let mut text = String::from("user default on nopass ~* +@all\n");
    for i in 0..n_users {
        text.push_str(&format!(
            "user u{i} on >pw{i} ~app:{i}:* &ch:{i} +@read -@dangerous\n"
        ));
    }
    let p = dir.path().join("users.acl");
    acl_figures(&format!("{n_users} users"), &p, &text, table);

    // 40k key patterns (and as many channels) on one user.
    let mut line = String::from("user default off\nuser big on >pw");
    for i in 0..n_patterns {
        line.push_str(&format!(" ~k{i}:* &c{i}"));
    }
    line.push_str(" +@read\n");
    acl_figures(&format!("{n_patterns} key patterns"), &p, &line, table);
}
