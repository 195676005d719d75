//! Version currency (issue 15): `rampart --version` says how old the
//! advisory data is; VER002 judges real clients of known versions on real
//! servers.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn version_names_the_advisory_data_date() {
    let o = rampart(&["--version"]);
    assert!(o.status.success());
    let out = stdout(&o);
    let mut lines = out.lines();
    // The version line first, with the commit when built from a checkout.
    let first = lines.next().unwrap_or("");
    let want = format!("rampart {}", env!("CARGO_PKG_VERSION"));
    assert!(
        first == want || first.starts_with(&format!("{want} (commit ")),
        "{out}"
    );
    if std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.git")).exists() {
        assert!(first.contains("(commit "), "{out}");
    }
    let reviewed = &redis_advisories::embedded().reviewed;
    assert!(
        out.contains(&format!("advisory data: reviewed {reviewed} (embedded)")),
        "{out}"
    );
    let generated = &redis_advisories::embedded_clients().generated;
    assert!(
        out.contains(&format!(
            "client-library data: generated {generated} (embedded)"
        )),
        "{out}"
    );
}

use redis_fixture::{Node, ServerBuilder};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Where scripts/install-clients.sh put the clients.
fn clients_dir() -> PathBuf {
    std::env::var_os("RAMPART_CLIENTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/clients"))
}

/// A client process holding one connection until it is dropped.
struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start a real client of `lib` `version` connected to `port`; `None`
/// (with SKIP) when that client is not installed.
fn app(lib: &str, version: &str, port: u16) -> Option<App> {
    let dir = clients_dir().join(format!("{lib}-{version}"));
    if !dir.join(".installed").is_file() {
        eprintln!(
            "SKIP: {lib} {version} is not installed in {} (scripts/install-clients.sh)",
            dir.display()
        );
        return None;
    }
    let mut c = match lib {
        "redis-py" => {
            let mut c = Command::new("python3");
            c.env("PYTHONPATH", &dir).args([
                "-c",
                &format!(
                    "import sys, redis\nr = redis.Redis(host='127.0.0.1', port={port})\nr.ping()\nprint('ready', flush=True)\nsys.stdin.read()\n"
                ),
            ]);
            c
        }
        "node-redis" => {
            let mut c = Command::new("node");
            c.args([
                "-e",
                &format!(
                    "const {{ createClient }} = require({:?});\n(async () => {{ const c = createClient({{ url: 'redis://127.0.0.1:{port}' }}); c.on('error', () => {{}}); await c.connect(); await c.ping(); console.log('ready'); process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); }})();",
                    dir.join("node_modules/redis").display().to_string()
                ),
            ]);
            c
        }
        _ => unreachable!("{lib}"),
    };
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    let mut line = String::new();
    let out = child.stdout.take()?;
    BufReader::new(out).read_line(&mut line).ok()?;
    let app = App(child);
    assert_eq!(line.trim(), "ready", "{lib} {version} did not connect");
    Some(app)
}

fn audit(node: &Node) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            &node.addr(),
            "--format",
            "json",
            "--no-tls-scan",
            "--no-discover",
        ])
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "RAMPART_HISTORY",
            "/nonexistent/rampart-version-currency/history",
        )
        // Nothing recorded (the audit records itself unless told not to).
        .env("RAMPART_NO_HISTORY", "1")
        .output()
        .unwrap();
    json(&o)
}

fn ver002(r: &Value) -> Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "VER002")
        .unwrap()
        .clone()
}

/// The servers to run on: Redis 8.2.3 and Valkey 9.1, when installed.
fn servers() -> Vec<(&'static str, Node)> {
    let mut out = Vec::new();
    for d in ["redis-8.2", "valkey-9.1"] {
        match redis_fixture::version(d) {
            Some(v) => out.push((d, ServerBuilder::new().binary(v.path).start().unwrap())),
            None => eprintln!("SKIP: {d} is not installed (scripts/install-servers.sh)"),
        }
    }
    out
}

/// What the data says of a client version (the expectation follows the
/// data, so regenerating it does not break the test).
fn verdict(lib: &str, version: &str) -> redis_advisories::ClientCurrency {
    redis_advisories::embedded_clients()
        .judge(lib, Some(version))
        .1
}

#[test]
fn ver002_passes_and_fails_real_clients_on_real_servers() {
    use redis_advisories::ClientCurrency::*;
    for (dialect, node) in servers() {
        let port: u16 = node.addr().rsplit(':').next().unwrap().parse().unwrap();
        // Current clients only: pass.
        let current: Vec<App> = [("redis-py", "8.1.0"), ("node-redis", "6.3.1")]
            .iter()
            .filter_map(|(l, v)| app(l, v, port))
            .collect();
        if !current.is_empty() {
            let r = audit(&node);
            let f = ver002(&r);
            let all_current = [("redis-py", "8.1.0"), ("node-redis", "6.3.1")]
                .iter()
                .all(|(l, v)| matches!(verdict(l, v), Current { .. }));
            let ev = f["evidence"].to_string();
            assert!(
                ev.contains("redis-py 8.1.0") || ev.contains("node-redis 6.3.1"),
                "{dialect}: {f:#}"
            );
            if all_current {
                assert_eq!(f["status"], "pass", "{dialect}: {f:#}");
            } else {
                eprintln!("note: the client data no longer calls 8.1.0 / 6.3.1 current");
            }
        }
        // An old redis-py and an old node-redis join: fail, naming the version to move to.
        let old: Vec<App> = [("redis-py", "5.0.1"), ("node-redis", "5.0.0")]
            .iter()
            .filter_map(|(l, v)| app(l, v, port))
            .collect();
        if old.is_empty() {
            continue;
        }
        let r = audit(&node);
        let f = ver002(&r);
        assert_eq!(f["status"], "fail", "{dialect}: {f:#}");
        let msg = f["message"].as_str().unwrap();
        let installed =
            |l: &str, v: &str| clients_dir().join(format!("{l}-{v}/.installed")).is_file();
        if installed("redis-py", "5.0.1") {
            if let DroppedLine { move_to, .. } | Outdated { move_to, .. } =
                verdict("redis-py", "5.0.1")
            {
                assert!(
                    msg.contains(&format!("redis-py 5.0.1 → {move_to}")),
                    "{dialect}: {f:#}"
                );
            }
        }
        // node-redis 5.0.0 sends no CLIENT SETINFO: counted and shown by
        // address and user, never judged.
        if installed("node-redis", "5.0.0") {
            let ev = f["evidence"].to_string();
            assert!(
                ev.contains("client(s) send no lib-name: 127.0.0.1:")
                    && ev.contains("(user default)"),
                "{dialect}: {f:#}"
            );
        }
        drop(old);
        drop(current);
    }
}
