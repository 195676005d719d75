//! Every version CI can run (Redis 6.2.14, 7.0.15, 8.2.3; Valkey 9.0.0,
//! 9.1.2): a config that sets every config the version has (to its own
//! default, as `CONFIG GET` prints it) loads in the real server, and then
//! a live audit of that server, and a files audit with `--server-version`,
//! report no input problem and read it as the server's own line.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::ServerBuilder;

/// Settings a test must not copy from the defaults: where the server
/// listens, runs and writes (the fixture sets those), and what only the
/// command line or a running server decides.
const LEAVE: &[&str] = &[
    "bind",
    "port",
    "dir",
    "unixsocket",
    "unixsocketperm",
    "daemonize",
    "logfile",
    "pidfile",
    "replicaof",
    "slaveof",
    "save",
    "cluster-enabled",
    "cluster-config-file",
    "supervised",
    "aclfile",
    "tls-port",
    "io-threads",
];

/// `name value` for every config of `dialect` whose value is known, from
/// the version's own CONFIG GET of a default server.
fn every_default(server: &redis_fixture::Node, dialect: &redis_dialects::Dialect) -> String {
    let mut c = server.conn();
    let all = c.cmd(&["CONFIG", "GET", "*"]).unwrap();
    let mut lines = Vec::new();
    for kv in all.array().chunks(2) {
        let (name, value) = (kv[0].text(), kv[1].text());
        if LEAVE.contains(&name.as_str())
            || name.starts_with("tls-")
            || !redis_conf::in_files(dialect, &name)
            || !redis_conf::is_modelled(dialect, &name)
        {
            continue;
        }
        if name == "client-output-buffer-limit" {
            // One class a line: every version takes that (6.2 only that).
            let words: Vec<&str> = value.split(' ').collect();
            for class in words.chunks(4) {
                lines.push(redis_conf::render_line(&name, class));
            }
            continue;
        }
        let args: Vec<&str> = if redis_conf::takes_many(dialect, &name) {
            value.split(' ').filter(|a| !a.is_empty()).collect()
        } else {
            vec![value.as_str()]
        };
        lines.push(redis_conf::render_line(&name, &args));
    }
    lines.join("\n") + "\n"
}

#[test]
fn every_version_loads_its_own_settings_with_no_input_problem() {
    let mut checked = Vec::new();
    for v in redis_fixture::versions_or_skip("versions") {
        // The version's defaults, as its own server prints them.
        let dialect = redis_dialects::by_name(v.dialect).unwrap();
        let plain = ServerBuilder::new().binary(&v.path).start().unwrap();
        let text = every_default(&plain, dialect);
        drop(plain);
        let server = ServerBuilder::new()
            .binary(&v.path)
            .config(&text)
            .start()
            .unwrap_or_else(|e| panic!("{} refused its own defaults: {}", v.dialect, e.output));
        let target = format!("127.0.0.1:{}", server.client_port());
        let o = rampart(&["audit", &target, "--format", "json", "--fail-on", "never"]);
        let r = json(&o);
        assert_eq!(
            r["targets"][0]["version"]["dialect"], v.dialect,
            "{}: {}",
            v.dialect, r["targets"]
        );
        assert_eq!(r["targets"][0]["version"]["exact"], true);
        let problems = r["problems"].as_array().cloned().unwrap_or_default();
        assert!(
            problems.is_empty(),
            "{}: a live audit of a server that loaded the file reports input problems: {problems:#?}",
            v.dialect
        );
        // The same file, offline, read for that version.
        let path = server.path().join("redis.conf");
        let path = path.to_string_lossy();
        let o = rampart(&[
            "audit",
            "--config",
            &path,
            "--server-version",
            v.dialect,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-proc",
        ]);
        let r = json(&o);
        let problems = r["problems"].as_array().cloned().unwrap_or_default();
        let fatal: Vec<_> = problems.iter().filter(|p| p["fatal"] == true).collect();
        assert!(fatal.is_empty(), "{}: files audit: {fatal:#?}", v.dialect);
        assert_eq!(r["targets"][0]["version"]["dialect"], v.dialect);
        checked.push(v.dialect);
    }
    eprintln!("versions checked: {checked:?}");
    assert!(checked.contains(&"redis-7.0"));
}

/// `--server-version` takes a line, a full version, or a future one (read
/// as the newest line, with a note); a garbled one is a clear error.
#[test]
fn server_version_names() {
    let conf = repo_root().join("examples/insecure/redis.conf");
    let conf = conf.to_string_lossy();
    let run = |v: &str| {
        rampart(&[
            "audit",
            "--config",
            &conf,
            "--server-version",
            v,
            "--format",
            "json",
            "--no-proc",
        ])
    };
    let r = json(&run("redis-7.2.6"));
    assert_eq!(r["targets"][0]["version"]["dialect"], "redis-7.2");
    let r = json(&run("redis-99.0"));
    let v = &r["targets"][0]["version"];
    assert_eq!(v["exact"], false);
    assert!(v["note"].as_str().unwrap().contains("newer"), "{v}");
    let o = run("redis-latest");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("redis-7.2"), "{}", stderr(&o));
    // And `rampart versions` lists every line.
    let o = rampart(&["versions"]);
    for line in redis_fixture::LINES {
        assert!(stdout(&o).contains(line), "{}", stdout(&o));
    }
}
