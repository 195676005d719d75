//! `rampart audit --fix / --diff / --unsafe-fixes`: the fixed file loads in
//! a real redis-server whose CONFIG GET shows the fixed values (the server
//! is the oracle), each applied check passes when audited again, unsafe
//! fixes wait for --unsafe-fixes, --diff changes nothing, the backup is the
//! original, and no password reaches any output.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use redis_fixture::{Reply, Server};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

fn work() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rampart-fix-")
        .tempdir()
        .unwrap()
}

/// Copy `src` into `dir` as redis.conf, mode 0640.
fn copy_conf(src: &Path, dir: &Path) -> PathBuf {
    let to = dir.join("redis.conf");
    std::fs::copy(src, &to).unwrap();
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o640)).unwrap();
    to
}

fn audit(conf: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["audit", "--config", conf.to_str().unwrap(), "--no-proc"];
    args.extend_from_slice(extra);
    rampart(&args)
}

/// The JSON report of a plain audit.
fn report(conf: &Path) -> serde_json::Value {
    json(&audit(conf, &["--format", "json"]))
}

/// IDs of failing/warning findings whose fix has this safety.
fn ids_with(report: &serde_json::Value, safety: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fix"]["safety"] == safety)
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn config_get(s: &Server, name: &str) -> String {
    let r = s.conn().cmd(&["CONFIG", "GET", name]).unwrap();
    r.array()
        .get(1)
        .map(|v| v.text())
        .unwrap_or_else(|| panic!("CONFIG GET {name}: {r:?}"))
}

/// Start the file as written (only --port and --daemonize no on the
/// command line, so its bind, protected-mode, ... are in effect).
fn start_as_written(conf: &Path, extra: &[&str]) -> Server {
    let text = std::fs::read_to_string(conf).unwrap();
    Server::start_bare(&text, &[], extra)
        .unwrap_or_else(|e| panic!("the fixed config does not load: {}\n{text}", e.output))
}

#[test]
fn insecure_example_safe_then_unsafe_fixes() {
    let w = work();
    let conf = copy_conf(&repo_root().join("examples/insecure/redis.conf"), w.path());
    let original = std::fs::read(&conf).unwrap();
    let before = report(&conf);
    let safe = ids_with(&before, "safe");
    let unsafe_ = ids_with(&before, "unsafe");
    assert_eq!(safe, ["LOG001", "LOG003"]);
    assert_eq!(unsafe_, ["NET001", "NET002", "ACL009"]);
    // Display-only fixes name their reason and the remediation.
    let acl002 = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ACL002")
        .unwrap();
    assert_eq!(acl002["fix"]["safety"], "display-only");
    assert!(acl002["fix"]["edits"].as_array().unwrap().is_empty());

    // --fix: the safe ones only.
    let o = audit(&conf, &[]);
    assert!(o.status.code() == Some(1), "{}", stderr(&o));
    let o = audit(&conf, &["--fix"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Fixes applied:"), "{out}");
    assert!(out.contains("use --unsafe-fixes"), "{out}");
    assert!(out.contains("Display-only"), "{out}");
    let backup = w.path().join("redis.conf.rampart-bak");
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        original,
        "backup = original"
    );
    assert_eq!(mode(&conf), 0o640, "mode kept");
    let fixed = std::fs::read(&conf).unwrap();
    assert!(fixed.starts_with(&original), "every other byte kept");
    let fixed_text = String::from_utf8(fixed).unwrap();
    assert!(
        fixed_text.ends_with("\nsyslog-enabled yes\n"),
        "{fixed_text}"
    );
    assert!(fixed_text.contains("bind 0.0.0.0\n"), "unsafe fix applied");
    {
        let s = start_as_written(&conf, &["--replicaof", "no", "one"]);
        assert_eq!(config_get(&s, "syslog-enabled"), "yes");
        assert_eq!(config_get(&s, "protected-mode"), "no", "unsafe not applied");
    }
    let after = report(&conf);
    for id in &safe {
        assert_eq!(status(&after, id), "pass", "{id} after --fix");
    }
    for id in &unsafe_ {
        assert_eq!(
            status(&after, id),
            "fail",
            "{id} must wait for --unsafe-fixes"
        );
    }
    // Nothing safe left: a second --fix changes nothing and backs nothing up.
    let o = audit(&conf, &["--fix"]);
    assert!(stdout(&o).contains("No fix to apply."), "{}", stdout(&o));
    assert!(!w.path().join("redis.conf.rampart-bak.1").exists());

    // --unsafe-fixes: the rest; an earlier backup is never overwritten.
    let o = audit(&conf, &["--fix", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read(&backup).unwrap(), original);
    assert_eq!(
        std::fs::read_to_string(w.path().join("redis.conf.rampart-bak.1")).unwrap(),
        fixed_text
    );
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(
        text.contains("# An insecure Redis deployment"),
        "comments kept"
    );
    assert!(text.contains("\nbind 127.0.0.1 -::1\n"), "{text}");
    {
        let s = start_as_written(&conf, &["--replicaof", "no", "one"]);
        assert_eq!(config_get(&s, "bind"), "127.0.0.1 -::1");
        assert_eq!(config_get(&s, "protected-mode"), "yes");
        assert_eq!(config_get(&s, "enable-debug-command"), "no");
        assert_eq!(config_get(&s, "syslog-enabled"), "yes");
        assert!(s.conn().cmd(&["DEBUG", "SLEEP", "0"]).unwrap().is_error());
    }
    let after = report(&conf);
    for id in safe.iter().chain(&unsafe_) {
        // ACL009: DEBUG is off now, but the default user and app still run
        // FLUSHDB, CONFIG, ... with +@all; with ACL users that is for ACLs
        // to fix (display-only), not for renaming commands away.
        if id == "ACL009" {
            assert_eq!(status(&after, id), "warn", "{id} after --unsafe-fixes");
            let f = after["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["id"] == "ACL009")
                .unwrap();
            assert_eq!(f["fix"]["safety"], "display-only", "{f:#}");
            continue;
        }
        assert_eq!(status(&after, id), "pass", "{id} after --unsafe-fixes");
    }
    // Only display-only fixes are left: --diff has nothing to show.
    let o = audit(&conf, &["--diff", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

#[test]
fn diff_changes_nothing() {
    let w = work();
    let conf = copy_conf(&repo_root().join("examples/insecure/redis.conf"), w.path());
    let original = std::fs::read(&conf).unwrap();
    let o = audit(&conf, &["--diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let d = stdout(&o);
    assert!(d.starts_with("--- "), "{d}");
    assert!(d.contains("\n+syslog-enabled yes\n"), "{d}");
    assert!(!d.contains("+bind"), "unsafe without --unsafe-fixes: {d}");
    assert!(
        stderr(&o).contains("Fixes --fix would apply:"),
        "{}",
        stderr(&o)
    );
    let o = audit(&conf, &["--diff", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(1));
    let d = stdout(&o);
    assert!(d.contains("\n-bind 0.0.0.0\n+bind 127.0.0.1 -::1\n"), "{d}");
    assert!(
        d.contains("\n-protected-mode no\n+protected-mode yes\n"),
        "{d}"
    );
    assert_eq!(std::fs::read(&conf).unwrap(), original, "bytes identical");
    let names: Vec<_> = std::fs::read_dir(w.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["redis.conf"], "no backup, no temp file");
    // The diff applies: patch(1) gives the same bytes as --fix.
    let patched = w.path().join("patched.conf");
    std::fs::copy(&conf, &patched).unwrap();
    let st = std::process::Command::new("patch")
        .arg(&patched)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(d.as_bytes())?;
            c.wait()
        });
    if let Ok(st) = st {
        assert!(st.success(), "patch failed on:\n{d}");
        let o = audit(&conf, &["--fix", "--unsafe-fixes"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(
            std::fs::read(&patched).unwrap(),
            std::fs::read(&conf).unwrap()
        );
    }
}

#[test]
fn debian_config_fixed_loads() {
    let src = Path::new("/etc/redis/redis.conf");
    if !src.exists() {
        eprintln!("no /etc/redis/redis.conf here: skipped");
        return;
    }
    let w = work();
    let conf = copy_conf(src, w.path());
    let original = std::fs::read_to_string(&conf).unwrap();
    let before = report(&conf);
    let safe = ids_with(&before, "safe");
    assert!(safe.contains(&"LOG003".to_string()), "{safe:?}");
    let o = audit(&conf, &["--fix"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.starts_with(&original), "the 2000-line file is kept");
    assert!(text.len() - original.len() < 200);
    let pid = w.path().join("redis.pid");
    let s = Server::start_with(&text, &["--pidfile", pid.to_str().unwrap()])
        .unwrap_or_else(|e| panic!("fixed Debian config does not load: {}", e.output));
    assert_eq!(config_get(&s, "syslog-enabled"), "yes");
    let after = report(&conf);
    for id in &safe {
        assert_eq!(status(&after, id), "pass", "{id}");
    }
    assert_eq!(
        std::fs::read_to_string(w.path().join("redis.conf.rampart-bak")).unwrap(),
        original
    );
    drop(s);

    // --unsafe-fixes: no ACL users, so the dangerous commands are disabled
    // (ACL009); the file still loads and the server refuses them.
    let unsafe_ = ids_with(&after, "unsafe");
    let o = audit(&conf, &["--fix", "--unsafe-fixes"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.contains("\nrename-command flushall \"\"\n"), "{text}");
    let s = Server::start_with(&text, &["--pidfile", pid.to_str().unwrap()])
        .unwrap_or_else(|e| panic!("unsafe-fixed Debian config does not load: {}", e.output));
    for cmd in ["FLUSHALL", "CONFIG", "DEBUG", "KEYS"] {
        let r = s.conn().cmd(&[cmd, "x"]).unwrap();
        assert!(
            matches!(&r, Reply::Error(e) if e.contains("unknown command")),
            "{cmd}: {r:?}"
        );
    }
    let after = report(&conf);
    for id in &unsafe_ {
        assert_eq!(status(&after, id), "pass", "{id} after --unsafe-fixes");
    }
}

/// Settings in an include: the fix edits the include's winning line.
#[test]
fn fixes_edit_the_line_that_wins_in_an_include() {
    let w = work();
    let inc = w.path().join("net.conf");
    std::fs::write(&inc, "# network\nprotected-mode no\nbind * -::*\n").unwrap();
    let conf = w.path().join("redis.conf");
    std::fs::write(
        &conf,
        // An ACL user besides default: ACL009 leaves commands to ACLs
        // (without one, --unsafe-fixes would rename CONFIG away).
        format!(
            "include {}\nsyslog-enabled yes\nport 7777\nuser ops on nopass ~* &* +@all\n",
            inc.display()
        ),
    )
    .unwrap();
    let o = audit(&conf, &["--fix", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&inc).unwrap(),
        "# network\nprotected-mode yes\nbind 127.0.0.1 -::1\n"
    );
    assert!(w.path().join("net.conf.rampart-bak").exists());
    let s = Server::start_bare(
        &std::fs::read_to_string(&conf).unwrap(),
        &[],
        &["--dir", w.path().to_str().unwrap()],
    )
    .unwrap_or_else(|e| panic!("does not load: {}", e.output));
    assert_eq!(config_get(&s, "protected-mode"), "yes");
    assert_eq!(config_get(&s, "bind"), "127.0.0.1 -::1");
}

#[test]
fn refusals_are_clear_and_change_nothing() {
    let w = work();
    // A config Redis would refuse: not fixed.
    let broken = w.path().join("broken.conf");
    std::fs::write(&broken, "port 70000\nbind 0.0.0.0\nprotected-mode no\n").unwrap();
    let o = audit(&broken, &["--fix", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("fix them first"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "port 70000\nbind 0.0.0.0\nprotected-mode no\n"
    );
    // A live target stays read-only.
    let o = rampart(&["audit", "127.0.0.1:1", "--fix"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("live audit stays read-only"),
        "{}",
        stderr(&o)
    );
    // --fix needs a file named on the command line.
    let o = rampart(&["audit", "--fix"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--config FILE"), "{}", stderr(&o));
    let o = rampart(&["audit", "-c", broken.to_str().unwrap(), "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rampart(&["audit", "--help"]);
    let help = stdout(&o);
    assert!(
        help.contains("--unsafe-fixes") && help.contains("read-only"),
        "{help}"
    );
}

/// The runtime commands a fix shows are ones a real server accepts, and
/// give the value the file edit gives.
#[test]
fn runtime_commands_are_accepted_by_a_server() {
    let w = work();
    let conf = w.path().join("redis.conf");
    std::fs::write(
        &conf,
        "bind 0.0.0.0\nprotected-mode no\ntls-protocols \"TLSv1 TLSv1.2\"\ntls-prefer-server-ciphers no\n",
    )
    .unwrap();
    let r = report(&conf);
    let s = Server::start("").unwrap();
    let mut n = 0;
    for f in r["findings"].as_array().unwrap() {
        for cmd in f["fix"]["runtime"].as_array().into_iter().flatten() {
            let words = redis_conf::split_args(cmd.as_str().unwrap().as_bytes()).unwrap();
            let reply = s.conn().cmd(&words).unwrap();
            assert_eq!(reply, Reply::Status("OK".into()), "{cmd}");
            let after = f["fix"]["edits"][0]["after"].as_str().unwrap();
            let file_words = redis_conf::split_args(after.as_bytes()).unwrap();
            let name = String::from_utf8_lossy(&words[2]).into_owned();
            let value: Vec<String> = file_words[1..]
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            assert_eq!(config_get(&s, &name), value.join(" "), "{cmd}");
            n += 1;
        }
    }
    assert!(n >= 2, "{r}");
}

const SECRETS: &[&str] = &[
    "Req-pass-Sekrit-0101",
    "Master-auth-Sekrit-0102",
    "User-line-Sekrit-0103",
    "Key-pass-Sekrit-0104",
    "weak2",
];

/// No password from the config appears in any output of --fix or --diff.
#[test]
fn no_password_in_fix_output() {
    let w = work();
    let conf = w.path().join("redis.conf");
    let text = format!(
        "bind 0.0.0.0\nprotected-mode no\nrequirepass {}\nmasterauth {}\nmasteruser repl\n\
         replicaof 10.0.0.1 6379\nuser app on >{} ~* +@all\nuser weak on >{} ~* +get\n\
         tls-key-file-pass {}\nenable-debug-command yes\nlogfile \"\"\n",
        SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[4], SECRETS[3]
    );
    std::fs::write(&conf, &text).unwrap();
    let c = conf.to_str().unwrap();
    let check = |what: &str, o: &Output| {
        let all = format!("{}{}", stdout(o), stderr(o));
        for s in SECRETS {
            assert!(!all.contains(s), "{what} leaks {s}:\n{all}");
        }
    };
    for format in ["text", "json", "sarif"] {
        let o = rampart(&["audit", "-c", c, "--no-proc", "-f", format, "--verbose"]);
        check(format, &o);
        assert!(
            stdout(&o).contains("protected-mode yes"),
            "{format}: fix shown"
        );
        let o = rampart(&[
            "audit",
            "-c",
            c,
            "--no-proc",
            "-f",
            format,
            "--diff",
            "--unsafe-fixes",
        ]);
        check(&format!("{format} --diff"), &o);
        assert!(stdout(&o).contains("requirepass ***") || !stdout(&o).contains("requirepass"));
    }
    for format in ["text", "json", "sarif"] {
        let o = rampart(&[
            "audit",
            "-c",
            c,
            "--no-proc",
            "-f",
            format,
            "--fix",
            "--unsafe-fixes",
        ]);
        check(&format!("{format} --fix"), &o);
        std::fs::write(&conf, &text).unwrap();
    }
    // The secrets are still in the file, untouched, after a fix.
    let o = rampart(&["audit", "-c", c, "--no-proc", "--fix", "--unsafe-fixes"]);
    check("fix", &o);
    let fixed = std::fs::read_to_string(&conf).unwrap();
    for s in SECRETS {
        assert!(fixed.contains(s), "{s} lost from the file");
    }
}

/// SARIF with fixes still validates against the SARIF 2.1.0 schema.
#[test]
fn sarif_fixes_validate() {
    let w = work();
    let conf = copy_conf(&repo_root().join("examples/insecure/redis.conf"), w.path());
    let o = audit(&conf, &["--format", "sarif"]);
    let s = json(&o);
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-2.1.0-rtm.5.json")).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&s)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let results = s["runs"][0]["results"].as_array().unwrap();
    let net001 = results.iter().find(|r| r["ruleId"] == "NET001").unwrap();
    let fix = &net001["fixes"][0];
    assert_eq!(fix["properties"]["safety"], "unsafe");
    let rep = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(rep["deletedRegion"]["startLine"], 3);
    assert_eq!(rep["insertedContent"]["text"], "bind 127.0.0.1 -::1");
    let log003 = results.iter().find(|r| r["ruleId"] == "LOG003").unwrap();
    assert_eq!(log003["fixes"][0]["properties"]["safety"], "safe");
    let acl002 = results.iter().find(|r| r["ruleId"] == "ACL002").unwrap();
    assert!(acl002.get("fixes").is_none(), "display-only: no SARIF fix");
    assert_eq!(acl002["properties"]["fix"]["safety"], "display-only");
}

/// A redis-server started by hand on a config file as written (TLS only
/// after the fix: the fixture's helpers connect in plaintext).
struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// TLS fixes: TLS005 is safe; TLS001, TLS003 and TLS004 wait for
/// --unsafe-fixes. The result loads and a client with a certificate sees
/// the fixed values over TLS; a plaintext client finds no port.
#[test]
fn tls_fixes_load_and_answer_over_tls() {
    use redis_fixture::{Conn, TlsMaterial};
    use std::time::{Duration, Instant};
    let mat = TlsMaterial::generate().unwrap();
    let w = work();
    let port = redis_fixture::free_port();
    let tls_port = redis_fixture::free_port();
    let conf = w.path().join("redis.conf");
    std::fs::write(
        &conf,
        format!(
            "port {port}\nbind 127.0.0.1\ntls-port {tls_port}\ntls-cert-file {}\n\
             tls-key-file {}\ntls-ca-cert-file {}\ntls-auth-clients no\n\
             tls-prefer-server-ciphers no\ntls-protocols \"TLSv1.1 TLSv1.2\"\n\
             syslog-enabled yes\nuser ops on nopass ~* &* +@all\n",
            mat.server.cert.display(),
            mat.server.key.display(),
            mat.ca_cert.display()
        ),
    )
    .unwrap();
    let before = report(&conf);
    assert_eq!(ids_with(&before, "safe"), ["TLS005"]);
    let unsafe_ = ids_with(&before, "unsafe");
    assert_eq!(unsafe_, ["TLS001", "TLS003", "TLS004"]);
    let o = audit(&conf, &["--fix"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let after = report(&conf);
    assert_eq!(status(&after, "TLS005"), "pass");
    for id in &unsafe_ {
        assert_eq!(status(&after, id), "fail", "{id}");
    }
    let o = audit(&conf, &["--fix", "--unsafe-fixes"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let after = report(&conf);
    for id in unsafe_.iter().chain(["TLS005".to_string()].iter()) {
        assert_eq!(status(&after, id), "pass", "{id}");
    }

    let data = w.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let child = std::process::Command::new(redis_fixture::redis_server_bin())
        .arg(&conf)
        .args(["--daemonize", "no", "--logfile", "", "--save", ""])
        .arg("--dir")
        .arg(&data)
        .arg("--pidfile")
        .arg(w.path().join("redis.pid"))
        .current_dir(&data)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _guard = Child(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut c = loop {
        if let Ok(mut c) = Conn::connect_tls(tls_port, &mat, Some(&mat.client)) {
            if c.cmd(&["PING"]).is_ok() {
                break c;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the TLS-fixed server did not answer"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let get = |c: &mut Conn, name: &str| c.cmd(&["CONFIG", "GET", name]).unwrap().array()[1].text();
    assert_eq!(get(&mut c, "port"), "0");
    assert_eq!(get(&mut c, "tls-auth-clients"), "yes");
    assert_eq!(get(&mut c, "tls-prefer-server-ciphers"), "yes");
    assert_eq!(get(&mut c, "tls-protocols"), "TLSv1.2 TLSv1.3");
    assert!(Conn::connect(port).is_err(), "plaintext port still open");
}

/// A live audit stays read-only: it shows the runtime command, and that
/// command, run by hand on the server, makes the check pass.
#[test]
fn live_audit_shows_runtime_commands_and_changes_nothing() {
    let s = Server::start("protected-mode no\n").unwrap();
    let target = format!("127.0.0.1:{}", s.port);
    let audit_live = || {
        let o = rampart(&["audit", &target, "--format", "json", "--no-tls-scan"]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
        json(&o)
    };
    let r = audit_live();
    let net002 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "NET002")
        .unwrap()
        .clone();
    assert_eq!(net002["status"], "fail");
    assert_eq!(net002["fix"]["safety"], "unsafe");
    let runtime = net002["fix"]["runtime"].as_array().unwrap();
    assert_eq!(runtime[0], "CONFIG SET protected-mode yes");
    assert_eq!(
        config_get(&s, "protected-mode"),
        "no",
        "audit changed nothing"
    );
    let o = rampart(&["audit", &target, "--fix"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(config_get(&s, "protected-mode"), "no");
    // The operator runs it.
    let words = redis_conf::split_args(runtime[0].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(s.conn().cmd(&words).unwrap(), Reply::Status("OK".into()));
    assert_eq!(status(&audit_live(), "NET002"), "pass");
}

/// File modes are display-only, with the exact chmod; --fix keeps the
/// file's mode as it was (changing it is the operator's call).
#[test]
fn file_mode_fixes_are_display_only_with_the_command() {
    let w = work();
    let conf = copy_conf(&repo_root().join("examples/insecure/redis.conf"), w.path());
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = report(&conf);
    let os004 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "OS004")
        .unwrap()
        .clone();
    assert_eq!(os004["fix"]["safety"], "display-only");
    let summary = os004["fix"]["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("chmod 0640 {}", conf.display())),
        "{summary}"
    );
    let o = audit(&conf, &["--fix"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(mode(&conf), 0o666, "--fix keeps the mode");
    assert_eq!(mode(&w.path().join("redis.conf.rampart-bak")), 0o666);
    assert!(stdout(&o).contains("OS004"), "listed as display-only");
}
