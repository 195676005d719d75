//! Real Redis servers for tests.
//!
//! [`Server::start`] writes a config into a fresh temp dir, picks a free
//! loopback port (never 6379), starts `redis-server` and waits until it
//! answers PING. Dropping the [`Server`] kills the process by its pid.
//! [`try_config`] runs `redis-server` on a config and reports whether it
//! started or which line it refused, for differential tests of parsers.
//!
//! The RESP client here is deliberately tiny: it serves tests against
//! servers this crate started, nothing else. [`Conn::connect_tls`] carries
//! it over TLS through an `openssl s_client` subprocess.
//!
//! Topologies for live audits, each a builder whose `start()` returns
//! `Result<_, StartError>` after a bounded wait for health, with every
//! process killed by its pid on drop (also when startup fails midway):
//! - [`TlsMaterial`]: CA, server (SAN 127.0.0.1, localhost), client,
//!   expired, weak (RSA-1024/SHA-1) and self-signed certificates;
//! - [`ServerBuilder`] → [`Node`]: one server with [`TlsMode`] (plaintext,
//!   TLS-only, mTLS, both), ACL files, cluster or Sentinel mode, Valkey;
//! - [`ReplicaSetBuilder`] → [`ReplicaSet`]: a primary and replicas, with
//!   [`ReplAuth`] (none, requirepass, ACL `masteruser`) and TLS replication;
//! - [`SentinelSetBuilder`] → [`SentinelSet`]: Sentinels over a replica set;
//! - [`ClusterBuilder`] → [`Cluster`]: masters and replicas, `tls-cluster`.
//! - [`Postgres`]: a PostgreSQL server (initdb in a temp dir, loopback port)
//!   for the shared history.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod cluster;
mod node;
mod postgres;
mod replication;
mod sentinel;
mod tls;
mod util;
mod valkey;
mod versions;

pub use cluster::{Cluster, ClusterBuilder};
pub use node::{
    redis_cli, redis_cli_bin, CliOutput, Credentials, Node, ServerBuilder, ServerCert, TlsMode,
};
pub use postgres::{
    postgres_bindir, postgres_or_skip, PgStartError, Postgres, PG_DATABASE, PG_PASSWORD, PG_USER,
};
pub use replication::{
    ReplAuth, ReplicaSet, ReplicaSetBuilder, ADMIN_PASSWORD, ADMIN_USER, REPL_PASSWORD, REPL_USER,
    REQUIREPASS, SENTINEL_PASSWORD, SENTINEL_USER,
};
pub use sentinel::{SentinelSet, SentinelSetBuilder, MASTER_NAME};
pub use tls::{openssl_bin, CertPair, TlsMaterial};
pub use util::info_field;
pub use valkey::valkey_server_bin;
pub use versions::{version, versions, versions_or_skip, ServerVersion, LINES};

/// Path of the `redis-server` binary (env `RAMPART_REDIS_SERVER` overrides).
pub fn redis_server_bin() -> PathBuf {
    std::env::var_os("RAMPART_REDIS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"))
}

/// Whether a redis-server binary can be run here.
pub fn available() -> bool {
    Command::new(redis_server_bin())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A free loopback TCP port: never 6379, 16379 (its cluster bus) or 26379
/// (Sentinel's), and below 55536 so that port+10000 is a valid port.
pub fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().unwrap().port();
        drop(l);
        if ![6379, 16379, 26379].contains(&port) && port < 55535 {
            return port;
        }
    }
}

/// A RESP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// Bulk or status as a string (lossy); panics on other types.
    pub fn text(&self) -> String {
        match self {
            Reply::Status(s) | Reply::Error(s) => s.clone(),
            Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string reply: {other:?}"),
        }
    }
    /// Array elements; panics on other types.
    pub fn array(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(a)) => a,
            other => panic!("not an array reply: {other:?}"),
        }
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

/// A blocking RESP2 connection: plain TCP ([`Conn::connect`]) or TLS
/// through an `openssl s_client` subprocess ([`Conn::connect_tls`]).
pub struct Conn {
    r: BufReader<Box<dyn Read + Send>>,
    w: Box<dyn Write + Send>,
    /// The `openssl s_client` carrying a TLS connection, and its stderr.
    tls: Option<(util::ChildGuard, std::sync::Arc<std::sync::Mutex<String>>)>,
}

impl Conn {
    pub fn connect(port: u16) -> std::io::Result<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.set_nodelay(true)?;
        Ok(Conn {
            r: BufReader::new(Box::new(s.try_clone()?)),
            w: Box::new(s),
            tls: None,
        })
    }

    /// A TLS connection to 127.0.0.1:`port`, verifying the server against
    /// `tls.ca_cert` (and its name against `localhost`), presenting
    /// `client_cert` when given (e.g. `Some(&tls.client)`). The TLS stack is
    /// an `openssl s_client` subprocess killed when the `Conn` drops. A
    /// handshake the server refuses shows as an error on the first
    /// [`Conn::cmd`], carrying what s_client printed.
    pub fn connect_tls(
        port: u16,
        tls: &TlsMaterial,
        client_cert: Option<&CertPair>,
    ) -> std::io::Result<Conn> {
        Self::connect_tls_with(port, tls, client_cert, true)
    }

    /// Like [`Conn::connect_tls`]; with `verify` false the server's
    /// certificate is not checked (for servers given a bad one on purpose).
    pub fn connect_tls_with(
        port: u16,
        tls: &TlsMaterial,
        client_cert: Option<&CertPair>,
        verify: bool,
    ) -> std::io::Result<Conn> {
        let mut cmd = Command::new(tls::openssl_bin());
        cmd.args(["s_client", "-quiet", "-nocommands", "-verify_quiet"]);
        if verify {
            cmd.arg("-verify_return_error");
        }
        cmd.args(["-connect", &format!("127.0.0.1:{port}")])
            .args(["-servername", "localhost", "-verify_hostname", "localhost"])
            .arg("-CAfile")
            .arg(&tls.ca_cert);
        if let Some(c) = client_cert {
            cmd.arg("-cert").arg(&c.cert).arg("-key").arg(&c.key);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let errbuf = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let eb = errbuf.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            eb.lock().unwrap().push_str(&s);
        });
        Ok(Conn {
            r: BufReader::new(Box::new(TimeoutReader::new(
                stdout,
                Duration::from_secs(10),
            ))),
            w: Box::new(stdin),
            tls: Some((util::ChildGuard(child), errbuf)),
        })
    }

    /// `AUTH` with `creds`; an error reply becomes an `Err`.
    pub fn auth(&mut self, creds: &Credentials) -> std::io::Result<()> {
        let r = match &creds.user {
            Some(u) => self.cmd(&["AUTH", u.as_str(), creds.password.as_str()])?,
            None => self.cmd(&["AUTH", creds.password.as_str()])?,
        };
        match r {
            Reply::Error(e) => Err(std::io::Error::other(format!("AUTH failed: {e}"))),
            _ => Ok(()),
        }
    }

    /// What the TLS subprocess printed on stderr so far (empty for TCP).
    pub fn tls_diagnostics(&self) -> String {
        match &self.tls {
            Some((_, e)) => e.lock().unwrap().clone(),
            None => String::new(),
        }
    }

    /// Send a command and read one reply.
    pub fn cmd<S: AsRef<[u8]>>(&mut self, args: &[S]) -> std::io::Result<Reply> {
        let mut buf = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            let a = a.as_ref();
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        let res = self
            .w
            .write_all(&buf)
            .and_then(|_| self.w.flush())
            .and_then(|_| self.read_reply());
        match res {
            Err(e) if self.tls.is_some() => {
                // Give s_client a moment to print why it closed.
                std::thread::sleep(Duration::from_millis(50));
                Err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "{e}; openssl s_client said: {}",
                        self.tls_diagnostics().trim()
                    ),
                ))
            }
            other => other,
        }
    }

    fn read_line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        self.r.read_line(&mut line)?;
        if !line.ends_with("\r\n") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        line.truncate(line.len() - 2);
        Ok(line)
    }

    fn read_reply(&mut self) -> std::io::Result<Reply> {
        let line = self.read_line()?;
        let (t, rest) = line.split_at(1);
        let bad = |_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad length");
        Ok(match t {
            "+" => Reply::Status(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(rest.parse().map_err(bad)?),
            "$" => {
                let n: i64 = rest.parse().map_err(bad)?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut b = vec![0u8; n as usize + 2];
                    self.r.read_exact(&mut b)?;
                    b.truncate(n as usize);
                    Reply::Bulk(Some(b))
                }
            }
            "*" => {
                let n: i64 = rest.parse().map_err(bad)?;
                if n < 0 {
                    Reply::Array(None)
                } else {
                    let mut v = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        v.push(self.read_reply()?);
                    }
                    Reply::Array(Some(v))
                }
            }
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("unexpected reply type {t:?}"),
                ))
            }
        })
    }
}

/// A running redis-server started by this crate.
pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
}

/// Why a server did not start.
#[derive(Debug)]
pub struct StartError {
    /// What redis-server printed (its log goes to stdout).
    pub output: String,
}

impl StartError {
    /// The 1-based line Redis named in `*** FATAL CONFIG FILE ERROR ***`
    /// (`at line N`), if any.
    pub fn fatal_line(&self) -> Option<u32> {
        let i = self.output.find("at line ")?;
        let rest = &self.output[i + 8..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    }
    /// The reason line after the offending line (`>>> '...'` then the reason).
    pub fn fatal_reason(&self) -> Option<String> {
        let i = self.output.find(">>> ")?;
        self.output[i..]
            .lines()
            .nth(1)
            .map(|s| s.trim().to_string())
    }
}

impl Server {
    /// Start redis-server with `config` (the text of redis.conf). The test
    /// harness appends `port`, `dir`, `daemonize no`, `logfile ""` and
    /// `save ""` unless `config` sets them itself before... no: they are
    /// passed as command-line options, which Redis applies after the file.
    pub fn start(config: &str) -> Result<Server, StartError> {
        Self::start_with(config, &[])
    }

    /// Like [`Server::start`], writing `files` (name, content) into the
    /// temp dir first (ACL files, includes) and passing `extra` arguments.
    pub fn start_files(
        config: &str,
        files: &[(&str, &str)],
        extra: &[&str],
    ) -> Result<Server, StartError> {
        let dir = tempfile::tempdir().map_err(|e| StartError {
            output: e.to_string(),
        })?;
        for (name, content) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(path, content).unwrap();
        }
        Self::spawn(dir, config, extra)
    }

    /// Like [`Server::start_files`], but passes only `--port N --daemonize no`
    /// on the command line (plus `extra`), so the config's own `dir`,
    /// `logfile`, `save` and `bind` stay in effect. The server's cwd is the
    /// temp dir, so relative paths in the config land there. The config
    /// must let a client on 127.0.0.1 connect (its `bind` must include it).
    pub fn start_bare(
        config: &str,
        files: &[(&str, &str)],
        extra: &[&str],
    ) -> Result<Server, StartError> {
        Self::start_bare_with(&redis_server_bin(), config, files, extra)
    }

    /// [`Server::start_bare`] with another server binary (see [`crate::versions`]).
    pub fn start_bare_with(
        binary: &Path,
        config: &str,
        files: &[(&str, &str)],
        extra: &[&str],
    ) -> Result<Server, StartError> {
        let dir = tempfile::tempdir().map_err(|e| StartError {
            output: e.to_string(),
        })?;
        for (name, content) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(path, content).unwrap();
        }
        Self::spawn_args(binary, dir, config, extra, false)
    }

    pub fn start_with(config: &str, extra: &[&str]) -> Result<Server, StartError> {
        Self::start_files(config, &[], extra)
    }

    fn spawn(dir: tempfile::TempDir, config: &str, extra: &[&str]) -> Result<Server, StartError> {
        Self::spawn_args(&redis_server_bin(), dir, config, extra, true)
    }

    fn spawn_args(
        binary: &Path,
        dir: tempfile::TempDir,
        config: &str,
        extra: &[&str],
        harness_defaults: bool,
    ) -> Result<Server, StartError> {
        let config_path = dir.path().join("redis.conf");
        std::fs::write(&config_path, config).unwrap();
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new(binary);
            cmd.arg(&config_path)
                .current_dir(dir.path())
                .args(["--port", &port.to_string()]);
            if harness_defaults {
                cmd.args(["--dir", &dir.path().to_string_lossy()])
                    .args(["--daemonize", "no", "--logfile", "", "--save", ""])
                    .args(["--bind", "127.0.0.1"]);
            } else {
                cmd.args(["--daemonize", "no"]);
            }
            cmd.args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().map_err(|e| StartError {
                output: format!("cannot run redis-server: {e}"),
            })?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(_status) = child.try_wait().unwrap() {
                    let mut out = String::new();
                    if let Some(mut o) = child.stdout.take() {
                        let _ = o.read_to_string(&mut out);
                    }
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut out);
                    }
                    if out.contains("Address already in use") {
                        break; // retry with another port
                    }
                    return Err(StartError { output: out });
                }
                if let Ok(mut c) = Conn::connect(port) {
                    if let Ok(r) = c.cmd(&["PING"]) {
                        // Only our own process's listener counts: another
                        // test's server may hold this port while ours fails
                        // to bind it.
                        if !matches!(r, Reply::Error(ref e) if e.starts_with("LOADING"))
                            && util::listens_on(child.id(), port)
                        {
                            // Stop reading stdout: let the OS buffer it in a drain thread.
                            if let Some(mut o) = child.stdout.take() {
                                std::thread::spawn(move || {
                                    let mut sink = Vec::new();
                                    let _ = o.read_to_end(&mut sink);
                                });
                            }
                            return Ok(Server {
                                child,
                                port,
                                dir,
                                config_path,
                            });
                        }
                    }
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(StartError {
                        output: "redis-server did not answer PING within 10 s".into(),
                    });
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        Err(StartError {
            output: "no free port after 5 attempts".into(),
        })
    }

    /// A new connection to this server.
    pub fn conn(&self) -> Conn {
        Conn::connect(self.port).expect("connect to test server")
    }

    /// `CONFIG GET name` → the value (first match), or `None`.
    pub fn config_get(&self, name: &str) -> Option<String> {
        let r = self.conn().cmd(&["CONFIG", "GET", name]).ok()?;
        let a = r.array();
        a.get(1).map(|v| v.text())
    }

    /// `CONFIG GET *` on one connection, after `AUTH` when `auth` is given
    /// (`(user, password)`; user `""` sends `AUTH password`). `config_cmd`
    /// is the name CONFIG answers to (it may have been renamed).
    pub fn config_get_all(
        &self,
        config_cmd: &str,
        auth: Option<(&str, &str)>,
    ) -> std::io::Result<Vec<(String, String)>> {
        let mut c = Conn::connect(self.port)?;
        if let Some((user, pass)) = auth {
            let r = if user.is_empty() {
                c.cmd(&["AUTH", pass])?
            } else {
                c.cmd(&["AUTH", user, pass])?
            };
            if let Reply::Error(e) = r {
                return Err(std::io::Error::other(format!("AUTH failed: {e}")));
            }
        }
        let r = c.cmd(&[config_cmd, "GET", "*"])?;
        let items = match r {
            Reply::Array(Some(a)) => a,
            other => return Err(std::io::Error::other(format!("CONFIG GET *: {other:?}"))),
        };
        let text = |r: &Reply| match r {
            Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            Reply::Status(s) => s.clone(),
            _ => String::new(),
        };
        Ok(items
            .chunks(2)
            .filter(|p| p.len() == 2)
            .map(|p| (text(&p[0]), text(&p[1])))
            .collect())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Like [`try_config`] but with only `--port` and `--daemonize no` on the
/// command line (see [`Server::start_bare`]).
pub fn try_config_bare(config: &str, files: &[(&str, &str)]) -> Result<Server, StartError> {
    Server::start_bare(config, files, &[])
}

/// Run redis-server on a config file and report whether it starts.
/// `Ok(server)` when it does; `Err` with Redis's output when it refuses.
pub fn try_config(config: &str, files: &[(&str, &str)]) -> Result<Server, StartError> {
    Server::start_files(config, files, &[])
}

/// A reader over a pipe whose reads give up after a timeout: a thread
/// forwards chunks through a channel.
struct TimeoutReader {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    timeout: Duration,
}

impl TimeoutReader {
    fn new<R: Read + Send + 'static>(mut inner: R, timeout: Duration) -> TimeoutReader {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut b = [0u8; 8192];
            loop {
                match inner.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(b[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        TimeoutReader {
            rx,
            buf: Vec::new(),
            pos: 0,
            timeout,
        }
    }
}

impl Read for TimeoutReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            match self.rx.recv_timeout(self.timeout) {
                Ok(chunk) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(0),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no reply within {:?}", self.timeout),
                    ))
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
