//! The team's record in a real PostgreSQL (redis-fixture's `Postgres`):
//! four `rampart audit --shard K/4` processes at once over one targets
//! file of real Redis servers, all writing to one database, then
//! `rampart history` reads the union; PostgreSQL down: the report is
//! printed and the audit exits with the 'could not record' status; the
//! PostgreSQL password shows in no output.
#![allow(clippy::unwrap_used)]

use redis_fixture::{postgres_or_skip, Server, PG_PASSWORD};
use std::path::Path;
use std::process::{Command, Output};

/// The exit status of an audit that could not be recorded.
const COULD_NOT_RECORD: i32 = 4;

fn rampart(state: &Path, history: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_STATE_HOME", state)
        .env("RAMPART_HISTORY", history)
        .env("RAMPART_NO_LOCAL_DISCOVERY", "1");
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn four_shards_at_once_write_one_record_that_history_reads_whole() {
    let Some(pg) = postgres_or_skip("four_shards_at_once") else {
        return;
    };
    let url = pg.url();
    let servers: Vec<Server> = (0..8).map(|_| Server::start("").unwrap()).collect();
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet.txt");
    let lines: Vec<String> = servers
        .iter()
        .map(|s| format!("127.0.0.1:{}", s.port))
        .collect();
    std::fs::write(&fleet, lines.join("\n") + "\n").unwrap();
    let fleet = fleet.to_string_lossy().into_owned();
    // Four writers at once, on a database none of them has seen: the
    // first creates the schema, the others wait for it.
    let children: Vec<_> = (1..=4)
        .map(|k| {
            let shard = format!("{k}/4");
            rampart(
                tmp.path(),
                &url,
                &[
                    "audit",
                    "--targets-file",
                    &fleet,
                    "--shard",
                    &shard,
                    "--no-discover",
                    "--no-tls-scan",
                    "--no-local-files",
                    "--format",
                    "json",
                ],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut audited: Vec<String> = Vec::new();
    for child in children {
        let o = child.wait_with_output().unwrap();
        let all = text(&o);
        assert!(!all.contains(PG_PASSWORD), "{all}");
        assert_ne!(o.status.code(), Some(COULD_NOT_RECORD), "{all}");
        assert!(matches!(o.status.code(), Some(0 | 1 | 3)), "{all}");
        let report: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {all}"));
        for t in report["targets"].as_array().unwrap() {
            audited.push(t["name"].as_str().unwrap().to_string());
        }
    }
    // Every server in exactly one shard.
    audited.sort();
    let mut expected = lines.clone();
    expected.sort();
    assert_eq!(audited, expected);

    let o = rampart(tmp.path(), &url, &["history", "--format", "json"])
        .output()
        .unwrap();
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    assert!(!all.contains(PG_PASSWORD), "{all}");
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let runs = listed
        .as_array()
        .or_else(|| listed["runs"].as_array())
        .unwrap_or_else(|| panic!("{all}"));
    assert_eq!(runs.len(), 4, "{all}");
    let mut shards: Vec<String> = runs
        .iter()
        .map(|r| r["shard"].as_str().unwrap_or("").to_string())
        .collect();
    shards.sort();
    assert_eq!(shards, ["1/4", "2/4", "3/4", "4/4"], "{all}");
    // The union: every server once across the four runs.
    assert_eq!(
        pg.psql("SELECT count(*), count(DISTINCT name) FROM targets")
            .unwrap(),
        "8|8"
    );
    // Each run shows whole.
    let o = rampart(tmp.path(), &url, &["history", "show", "last"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains(PG_PASSWORD));
}

#[test]
fn postgresql_down_the_report_is_printed_and_the_status_says_not_recorded() {
    let Some(mut pg) = postgres_or_skip("postgresql_down") else {
        return;
    };
    let url = pg.url();
    pg.stop();
    let tmp = tempfile::tempdir().unwrap();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/hardened/redis.conf"
    );
    // Judged as files only, counting criticals only: it exits 0 when
    // recorded (MNT001/MNT002 are errors: the history cannot be read).
    let args = [
        "audit",
        "--no-host-checks",
        "--no-proc",
        "--fail-on",
        "critical",
        config,
    ];
    let ok = rampart(tmp.path(), &url, &args)
        .arg("--no-history")
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    for (how, mut cmd) in [
        ("--history", {
            let mut c = rampart(tmp.path(), "", &args);
            c.env_remove("RAMPART_HISTORY").args(["--history", &url]);
            c
        }),
        ("RAMPART_HISTORY", rampart(tmp.path(), &url, &args)),
    ] {
        let o = cmd.output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(COULD_NOT_RECORD), "{how}: {out}{err}");
        // The whole report, as without a history.
        assert_eq!(out, String::from_utf8_lossy(&ok.stdout), "{how}");
        assert!(err.contains("could not record"), "{how}: {err}");
        assert!(
            err.contains("postgres://rampart:***@127.0.0.1"),
            "{how}: {err}"
        );
        assert!(
            !out.contains(PG_PASSWORD) && !err.contains(PG_PASSWORD),
            "{how}: {err}"
        );
    }
}

#[test]
fn an_acl_review_recorded_in_postgresql_is_read_by_mnt001() {
    let Some(pg) = postgres_or_skip("acl_review_in_postgresql") else {
        return;
    };
    let url = pg.url();
    let tmp = tempfile::tempdir().unwrap();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/hardened/redis.conf"
    );
    let o = rampart(
        tmp.path(),
        &url,
        &["acl", "review", "--config", config, "--record"],
    )
    .output()
    .unwrap();
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    assert!(!all.contains(PG_PASSWORD), "{all}");
    assert!(all.contains("postgres://rampart:***@"), "{all}");
    assert_eq!(pg.psql("SELECT count(*) FROM reviews").unwrap(), "1");
    let o = rampart(
        tmp.path(),
        &url,
        &[
            "audit",
            "--no-host-checks",
            "--no-proc",
            "--format",
            "json",
            "--select",
            "MNT001",
            config,
        ],
    )
    .output()
    .unwrap();
    let all = text(&o);
    assert!(!all.contains(PG_PASSWORD), "{all}");
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {all}"));
    let mnt = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "MNT001")
        .unwrap_or_else(|| panic!("{all}"));
    assert_eq!(mnt["status"], "pass", "{all}");
}

/// `--history 'postgres://...?sslmode=verify-full&sslrootcert=CA'` to a
/// PostgreSQL with `ssl = on`: the audit is recorded over TLS and
/// `rampart history` reads it; with a CA that did not sign the server's
/// certificate the report is still printed, the status says "could not
/// record", the message says why, and the password shows nowhere.
#[test]
fn an_audit_is_recorded_over_tls_with_verify_full() {
    if redis_fixture::postgres_bindir().is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("PostgreSQL is not installed and CI is set");
        }
        println!("SKIP audit_over_tls: PostgreSQL is not installed");
        return;
    }
    let m = redis_fixture::TlsMaterial::generate().unwrap();
    let pg = redis_fixture::Postgres::start_tls(&m.server).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/hardened/redis.conf"
    );
    let args = [
        "audit",
        "--no-host-checks",
        "--no-proc",
        "--fail-on",
        "never",
        config,
    ];
    let url = format!(
        "{}&sslmode=verify-full&sslrootcert={}",
        pg.url(),
        m.ca_cert.display()
    );
    let o = rampart(tmp.path(), "", &args)
        .env_remove("RAMPART_HISTORY")
        .args(["--history", &url])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(PG_PASSWORD));
    assert_eq!(pg.psql("SELECT count(*) FROM runs").unwrap(), "1");
    let o = rampart(tmp.path(), &url, &["history"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains(PG_PASSWORD));

    let wrong = format!(
        "{}&sslmode=verify-full&sslrootcert={}",
        pg.url(),
        m.self_signed.cert.display()
    );
    let o = rampart(tmp.path(), &wrong, &args).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(COULD_NOT_RECORD), "{}", text(&o));
    assert!(
        err.contains("the server's certificate is not signed by a CA of sslrootcert"),
        "{err}"
    );
    assert!(!text(&o).contains(PG_PASSWORD), "{}", text(&o));
    assert_eq!(pg.psql("SELECT count(*) FROM runs").unwrap(), "1");
}
