//! A real PostgreSQL server for tests of rampart's shared history.
//!
//! [`Postgres::start`] runs `initdb` into a fresh temp dir (user `rampart`,
//! trust over the Unix socket, SCRAM with a password over TCP, so a test
//! can check that the password never shows), starts `postgres` on a free
//! loopback port with its socket in the temp dir and `fsync=off`, waits
//! until `pg_isready` says it accepts connections, and creates the
//! database `rampart`. Dropping it stops the server by its pid (SIGINT, a
//! fast shutdown, then SIGKILL after 10 s).
//!
//! PostgreSQL refuses to run as root: when this process is root, `initdb`
//! and `postgres` run as the `postgres` system user (Debian's package
//! makes it), and the data dir is handed to that user with mode 0700.
//!
//! [`Postgres::start_tls`] starts it with `ssl = on` and a certificate
//! and key of the caller's (e.g. [`crate::TlsMaterial`]'s server pair,
//! SAN `127.0.0.1`), copied into the temp dir and handed to the server's
//! user with mode 0600 (PostgreSQL refuses a key others can read); plain
//! and TLS connections are then both accepted, as `ssl = on` does.
//!
//! The binaries: env `RAMPART_PG_BINDIR`, else `pg_config --bindir`, else
//! the newest `/usr/lib/postgresql/*/bin`. [`postgres_or_skip`] fails when
//! they are missing and env `CI` is set, and says `SKIP` otherwise.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::output_with_timeout;

/// The user `initdb` makes, and the database [`Postgres::start`] creates.
pub const PG_USER: &str = "rampart";
pub const PG_DATABASE: &str = "rampart";
/// The TCP password of [`PG_USER`]: distinctive, so a test can grep for it.
pub const PG_PASSWORD: &str = "pg-Secret-7f3a9c";

/// The directory holding `initdb`, `postgres`, `pg_isready` and `psql`.
pub fn postgres_bindir() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(d) = std::env::var_os("RAMPART_PG_BINDIR") {
        let d = PathBuf::from(d);
        return has(&d).then_some(d);
    }
    if let Ok(out) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
    {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has(&d) {
            return Some(d);
        }
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| has(d))
        .collect();
    // Newest major version last (numeric, so 9 < 15).
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

/// A server for `test`, or `None` after printing `SKIP` when PostgreSQL is
/// not installed. With env `CI` set a missing PostgreSQL fails the test.
/// A server that is installed but does not start always fails the test.
pub fn postgres_or_skip(test: &str) -> Option<Postgres> {
    if postgres_bindir().is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: PostgreSQL is not installed (initdb, postgres) and CI is set");
        }
        eprintln!("SKIP {test}: PostgreSQL is not installed (apt-get install postgresql)");
        return None;
    }
    match Postgres::start() {
        Ok(pg) => Some(pg),
        Err(e) => panic!("{test}: PostgreSQL did not start: {}", e.output),
    }
}

/// Why PostgreSQL did not start.
#[derive(Debug)]
pub struct PgStartError {
    pub output: String,
}

fn err(output: impl Into<String>) -> PgStartError {
    PgStartError {
        output: output.into(),
    }
}

/// A running PostgreSQL started by this crate.
pub struct Postgres {
    child: Option<Child>,
    pub port: u16,
    bindir: PathBuf,
    /// Holds `data/` (the cluster), `sock/` and the password file.
    dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

/// `uid`, `gid` of the `postgres` system user, read from /etc/passwd.
fn postgres_user() -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() >= 4 && f[0] == "postgres" {
            Some((f[2].parse().ok()?, f[3].parse().ok()?))
        } else {
            None
        }
    })
}

/// Whether this process runs as root (PostgreSQL will not).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to this process's effective uid.
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

impl Postgres {
    pub fn start() -> Result<Postgres, PgStartError> {
        Self::start_with(None)
    }

    /// A server with TLS on (`ssl = on`), presenting `server`.
    pub fn start_tls(server: &crate::CertPair) -> Result<Postgres, PgStartError> {
        Self::start_with(Some(server))
    }

    fn start_with(tls: Option<&crate::CertPair>) -> Result<Postgres, PgStartError> {
        let bindir = postgres_bindir().ok_or_else(|| err("PostgreSQL is not installed"))?;
        let mut dir = tempfile::tempdir().map_err(|e| err(e.to_string()))?;
        let base = dir.path().to_path_buf();
        let as_user = if is_root() {
            Some(postgres_user().ok_or_else(|| {
                err("running as root and there is no `postgres` user to run PostgreSQL as")
            })?)
        } else {
            None
        };
        let data = dir.path().join("data");
        let sock = dir.path().join("sock");
        let pwfile = dir.path().join("pwfile");
        std::fs::create_dir(&data).map_err(|e| err(e.to_string()))?;
        std::fs::create_dir(&sock).map_err(|e| err(e.to_string()))?;
        std::fs::write(&pwfile, PG_PASSWORD).map_err(|e| err(e.to_string()))?;
        for p in [&data, &sock] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| err(e.to_string()))?;
        }
        std::fs::set_permissions(&pwfile, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| err(e.to_string()))?;
        let mut owned = vec![data.clone(), sock.clone(), pwfile.clone()];
        let mut ssl_args: Vec<String> = Vec::new();
        if let Some(pair) = tls {
            let (cert, key) = (base.join("server.crt"), base.join("server.key"));
            std::fs::copy(&pair.cert, &cert).map_err(|e| err(format!("copy cert: {e}")))?;
            std::fs::copy(&pair.key, &key).map_err(|e| err(format!("copy key: {e}")))?;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| err(e.to_string()))?;
            ssl_args.extend(["-c".into(), "ssl=on".into()]);
            ssl_args.extend(["-c".into(), format!("ssl_cert_file={}", cert.display())]);
            ssl_args.extend(["-c".into(), format!("ssl_key_file={}", key.display())]);
            owned.extend([cert, key]);
        }
        if let Some((uid, gid)) = as_user {
            // The postgres user must reach its dirs through ours.
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711))
                .map_err(|e| err(e.to_string()))?;
            for p in &owned {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))
                    .map_err(|e| err(format!("chown {}: {e}", p.display())))?;
            }
        }
        let command = |name: &str| {
            let mut c = Command::new(bindir.join(name));
            c.current_dir(&base).env("LC_ALL", "C").env("TZ", "UTC");
            if let Some((uid, gid)) = as_user {
                c.uid(uid).gid(gid);
            }
            c
        };
        let mut initdb = command("initdb");
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", PG_USER, "-E", "UTF8", "--no-locale", "--no-sync"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdin(Stdio::null());
        let out = output_with_timeout(initdb, Duration::from_secs(120))
            .map_err(|e| err(format!("cannot run initdb: {e}")))?;
        if !out.status.success() {
            return Err(err(format!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let mut last = String::new();
        for _attempt in 0..5 {
            let port = crate::free_port();
            let mut cmd = command("postgres");
            cmd.arg("-D")
                .arg(&data)
                .arg("-k")
                .arg(&sock)
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off", "-c", "max_connections=60"])
                .args(&ssl_args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd
                .spawn()
                .map_err(|e| err(format!("cannot run postgres: {e}")))?;
            let log = Arc::new(Mutex::new(String::new()));
            for pipe in [
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ]
            .into_iter()
            .flatten()
            {
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut pipe = pipe;
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = pipe.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        log.lock()
                            .unwrap()
                            .push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                });
            }
            let mut pg = Postgres {
                child: Some(child),
                port,
                bindir: bindir.clone(),
                dir,
                log,
            };
            match pg.wait_ready(Duration::from_secs(60)) {
                Ok(()) => {
                    pg.psql_in("postgres", &format!("CREATE DATABASE {PG_DATABASE}"))
                        .map_err(err)?;
                    return Ok(pg);
                }
                Err(why) => {
                    let log = pg.log();
                    pg.stop();
                    if log.contains("could not bind") || log.contains("already in use") {
                        last = log;
                        dir = pg.into_dir();
                        continue; // another port
                    }
                    return Err(err(format!("{why}; postgres said: {log}")));
                }
            }
        }
        Err(err(format!("no free port after 5 attempts: {last}")))
    }

    fn into_dir(mut self) -> tempfile::TempDir {
        self.stop();
        let placeholder = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, placeholder)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    return Err(format!("postgres exited ({status})"));
                }
            }
            let mut ready = Command::new(self.bindir.join("pg_isready"));
            ready
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", PG_USER, "-d", "postgres", "-t", "2"]);
            if let Ok(out) = output_with_timeout(ready, Duration::from_secs(10)) {
                if out.status.success() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("not ready within {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// `postgres://rampart:PASSWORD@127.0.0.1:PORT/rampart?connect_timeout=5`
    pub fn url(&self) -> String {
        format!(
            "postgres://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{}/{PG_DATABASE}?connect_timeout=5",
            self.port
        )
    }

    /// The same database under another name, made on the fly (a fresh,
    /// empty database per test on one server).
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        self.psql_in("postgres", &format!("CREATE DATABASE {name}"))?;
        Ok(format!(
            "postgres://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{}/{name}?connect_timeout=5",
            self.port
        ))
    }

    /// Run `sql` in the database `rampart` with psql; its unaligned,
    /// tuples-only output.
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        self.psql_in(PG_DATABASE, sql)
    }

    /// Run `sql` in database `db` with psql.
    pub fn psql_in(&self, db: &str, sql: &str) -> Result<String, String> {
        let mut c = Command::new(self.bindir.join("psql"));
        c.args(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", PG_USER, "-d", db, "-c", sql])
            .env("PGPASSWORD", PG_PASSWORD)
            .stdin(Stdio::null());
        let out = output_with_timeout(c, Duration::from_secs(60)).map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(format!(
                "psql {sql:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Stop the server (fast shutdown by its pid, SIGKILL after 10 s). Its
    /// port then refuses connections. Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}
