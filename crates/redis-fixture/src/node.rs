//! [`ServerBuilder`]: one redis-server / valkey-server / sentinel process
//! with optional TLS, ACL files and cluster mode, as a [`Node`].

use std::fmt;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::tls::{CertPair, TlsMaterial};
use crate::{free_port, redis_server_bin, util, Conn, Reply, StartError};

/// Which listeners a node has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plaintext `port` only.
    #[default]
    Off,
    /// `port 0`, `tls-port N`, `tls-auth-clients no`.
    TlsOnly,
    /// `port 0`, `tls-port N`, `tls-auth-clients yes` (client cert required).
    Mtls,
    /// Plaintext `port` and `tls-port`, `tls-auth-clients no`.
    Both,
}

impl TlsMode {
    pub fn has_plaintext(self) -> bool {
        matches!(self, TlsMode::Off | TlsMode::Both)
    }
    pub fn has_tls(self) -> bool {
        !matches!(self, TlsMode::Off)
    }
}

/// Which certificate of the [`TlsMaterial`] a server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ServerCert {
    /// `server`: valid, chains to the CA, SAN 127.0.0.1 and localhost.
    #[default]
    Good,
    /// Expired yesterday.
    Expired,
    /// RSA-1024 signed with SHA-1. OpenSSL at security level 2 refuses to
    /// load it, so the server runs with `OPENSSL_CONF` at level 0
    /// ([`TlsMaterial::seclevel0_conf`]).
    Weak,
    /// Self-signed, not from the CA.
    SelfSigned,
}

impl ServerCert {
    pub fn pair(self, m: &TlsMaterial) -> &CertPair {
        match self {
            ServerCert::Good => &m.server,
            ServerCert::Expired => &m.expired,
            ServerCert::Weak => &m.weak,
            ServerCert::SelfSigned => &m.self_signed,
        }
    }
}

/// Credentials the fixture itself uses to talk to a node. Debug never
/// prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `None`: `AUTH password` (requirepass / default user).
    pub user: Option<String>,
    pub password: String,
}

impl Credentials {
    pub fn user(user: &str, password: &str) -> Credentials {
        Credentials {
            user: Some(user.to_string()),
            password: password.to_string(),
        }
    }
    pub fn password(password: &str) -> Credentials {
        Credentials {
            user: None,
            password: password.to_string(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// What a `redis-cli` run printed.
#[derive(Clone, Debug)]
pub struct CliOutput {
    /// Exit status 0.
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// stdout then stderr, for assertions on either.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Path of `redis-cli` (env `RAMPART_REDIS_CLI` overrides).
pub fn redis_cli_bin() -> PathBuf {
    std::env::var_os("RAMPART_REDIS_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-cli"))
}

/// Run `redis-cli ARGS` (bounded to 30 s), with `REDISCLI_AUTH` set to
/// `password` when given (so no password is on the command line).
pub fn redis_cli(args: &[String], password: Option<&str>) -> CliOutput {
    let mut cmd = Command::new(redis_cli_bin());
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("REDISCLI_AUTH");
    if let Some(p) = password {
        cmd.env("REDISCLI_AUTH", p);
    }
    match util::output_with_timeout(cmd, Duration::from_secs(30)) {
        Ok(o) => CliOutput {
            success: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        },
        Err(e) => CliOutput {
            success: false,
            stdout: String::new(),
            stderr: format!("redis-cli: {e}"),
        },
    }
}

/// Builds and starts one server process. Defaults: redis-server, no TLS,
/// no auth, bound to 127.0.0.1, no persistence, in a fresh temp dir.
///
/// The config file it writes is, in order: the harness's defaults (`bind
/// 127.0.0.1`, `dir`, `logfile ""`, `save ""`, TLS files and
/// `tls-auth-clients` when TLS is on, cluster settings), then the caller's
/// [`config`](ServerBuilder::config) (which may override any of those),
/// then the ports (`port`, `tls-port`, `cluster-port`), which are always the
/// harness's. The process runs in the temp dir, so relative paths (e.g.
/// `aclfile users.acl` written with [`file`](ServerBuilder::file)) land there.
pub struct ServerBuilder {
    config: String,
    files: Vec<(String, String)>,
    args: Vec<String>,
    env: Vec<(String, std::ffi::OsString)>,
    tls: TlsMode,
    material: Option<Arc<TlsMaterial>>,
    server_cert: ServerCert,
    auth: Option<Credentials>,
    binary: Result<PathBuf, String>,
    sentinel: bool,
    cluster: bool,
    timeout: Duration,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerBuilder {
    pub fn new() -> ServerBuilder {
        ServerBuilder {
            config: String::new(),
            files: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            tls: TlsMode::Off,
            material: None,
            server_cert: ServerCert::Good,
            auth: None,
            binary: Ok(redis_server_bin()),
            sentinel: false,
            cluster: false,
            timeout: Duration::from_secs(10),
        }
    }

    /// Append config text (one or more lines).
    pub fn config(mut self, text: &str) -> Self {
        self.config.push_str(text);
        if !text.ends_with('\n') {
            self.config.push('\n');
        }
        self
    }

    /// Write `content` to `name` (relative to the temp dir) before start.
    pub fn file(mut self, name: &str, content: &str) -> Self {
        self.files.push((name.to_string(), content.to_string()));
        self
    }

    pub fn files(mut self, files: &[(&str, &str)]) -> Self {
        for (n, c) in files {
            self.files.push((n.to_string(), c.to_string()));
        }
        self
    }

    /// Extra command-line arguments (applied after the config file).
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    /// An environment variable for the server process.
    pub fn env(mut self, key: &str, value: impl Into<std::ffi::OsString>) -> Self {
        self.env.push((key.to_string(), value.into()));
        self
    }

    pub fn tls(mut self, mode: TlsMode) -> Self {
        self.tls = mode;
        self
    }

    /// Use this TLS material (default: generate a fresh one when TLS is on).
    pub fn tls_material(mut self, material: Arc<TlsMaterial>) -> Self {
        self.material = Some(material);
        self
    }

    /// Present this certificate instead of the good one (readiness is then
    /// probed without verifying it).
    pub fn server_cert(mut self, which: ServerCert) -> Self {
        self.server_cert = which;
        self
    }

    /// Credentials the fixture uses for its readiness check and for
    /// [`Node::conn`] / [`Node::cli`]. They must match what the config sets.
    pub fn auth(mut self, creds: Credentials) -> Self {
        self.auth = Some(creds);
        self
    }

    /// Run this binary instead of redis-server.
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Ok(path.into());
        self
    }

    /// Run valkey-server (see [`crate::valkey_server_bin`]); `start` fails
    /// with a clear error when none is installed.
    pub fn valkey(mut self) -> Self {
        self.binary = crate::valkey_server_bin().ok_or_else(|| {
            "no valkey-server: set RAMPART_VALKEY_SERVER or run scripts/install-valkey.sh".into()
        });
        self
    }

    /// Start in Sentinel mode (`--sentinel`); the config must contain the
    /// `sentinel monitor` lines. The config file stays writable (Sentinel
    /// rewrites it).
    pub fn sentinel(mut self, on: bool) -> Self {
        self.sentinel = on;
        self
    }

    /// `cluster-enabled yes` with `nodes.conf` in the temp dir and an
    /// explicit free `cluster-port`.
    pub fn cluster(mut self, on: bool) -> Self {
        self.cluster = on;
        self
    }

    /// How long to wait for the server to answer (default 10 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn start(self) -> Result<Node, StartError> {
        let err = |output: String| StartError { output };
        let binary = self.binary.clone().map_err(err)?;
        let material = match (self.tls.has_tls(), &self.material) {
            (false, _) => self.material.clone(),
            (true, Some(m)) => Some(m.clone()),
            (true, None) => Some(Arc::new(TlsMaterial::generate()?)),
        };
        let mut last = String::new();
        for _attempt in 0..5 {
            match self.attempt(&binary, &material)? {
                Ok(node) => return Ok(node),
                Err(log) => last = log,
            }
        }
        Err(err(format!(
            "no free port after 5 attempts; last log:\n{last}"
        )))
    }

    /// One start: `Ok(Err(log))` when a port was taken meanwhile.
    fn attempt(
        &self,
        binary: &Path,
        material: &Option<Arc<TlsMaterial>>,
    ) -> Result<Result<Node, String>, StartError> {
        let err = |output: String| StartError { output };
        let dir = tempfile::Builder::new()
            .prefix("rampart-node-")
            .tempdir()
            .map_err(|e| err(format!("temp dir: {e}")))?;
        for (name, content) in &self.files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
            }
            std::fs::write(&path, content).map_err(|e| err(e.to_string()))?;
        }
        let config_path = dir.path().join(if self.sentinel {
            "sentinel.conf"
        } else {
            "redis.conf"
        });
        let log_path = dir.path().join("server.log");

        let mut head = format!(
            "# written by redis-fixture\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\ndir {}\n",
            dir.path().display()
        );
        if !self.sentinel {
            head.push_str("save \"\"\nappendonly no\n");
        }
        if let (true, Some(m)) = (self.tls.has_tls(), &material) {
            head.push_str(&m.server_config());
            if self.server_cert != ServerCert::Good {
                let p = self.server_cert.pair(m);
                head.push_str(&format!(
                    "tls-cert-file {}\ntls-key-file {}\n",
                    p.cert.display(),
                    p.key.display()
                ));
            }
            let auth_clients = if self.tls == TlsMode::Mtls {
                "yes"
            } else {
                "no"
            };
            head.push_str(&format!("tls-auth-clients {auth_clients}\n"));
        }
        if self.cluster {
            head.push_str("cluster-enabled yes\ncluster-config-file nodes.conf\n");
            head.push_str("cluster-node-timeout 5000\n");
        }

        {
            let mut used = Vec::new();
            let mut pick = || loop {
                let p = free_port();
                if !used.contains(&p) {
                    used.push(p);
                    return p;
                }
            };
            let port = self.tls.has_plaintext().then(&mut pick);
            let tls_port = self.tls.has_tls().then(&mut pick);
            let cluster_port = self.cluster.then(&mut pick);
            let mut text = head.clone();
            text.push_str("# caller's config\n");
            text.push_str(&self.config);
            text.push_str("# ports chosen by the harness\n");
            text.push_str(&format!("port {}\n", port.unwrap_or(0)));
            if let Some(t) = tls_port {
                text.push_str(&format!("tls-port {t}\n"));
            }
            if let Some(c) = cluster_port {
                text.push_str(&format!("cluster-port {c}\n"));
            }
            std::fs::write(&config_path, &text).map_err(|e| err(e.to_string()))?;

            let mut env = self.env.clone();
            if let (ServerCert::Weak, Some(m)) = (self.server_cert, material) {
                env.push(("OPENSSL_CONF".into(), m.seclevel0_conf.clone().into()));
            }
            let recipe = Recipe {
                binary: binary.to_path_buf(),
                args: self.args.clone(),
                env,
            };
            let child = recipe.spawn(&config_path, &log_path, dir.path(), self.sentinel)?;
            let mut node = Node {
                child: Some(child),
                port,
                tls_port,
                cluster_port,
                tls_mode: self.tls,
                server_cert: self.server_cert,
                tls: material.clone(),
                auth: self.auth.clone(),
                sentinel: self.sentinel,
                config_path: config_path.clone(),
                log_path: log_path.clone(),
                dir,
                recipe,
            };
            match node.wait_ready(self.timeout) {
                Ok(()) => Ok(Ok(node)),
                Err(Retry::Port(log)) => Ok(Err(log)),
                Err(Retry::Fatal(msg)) => Err(err(msg)),
            }
        }
    }
}

enum Retry {
    /// Address already in use: try other ports.
    Port(String),
    Fatal(String),
}

/// A running server started by [`ServerBuilder`]; killed (by pid) on drop.
pub struct Node {
    child: Option<Child>,
    /// Plaintext port; `None` when `port 0`.
    pub port: Option<u16>,
    /// TLS port; `None` without TLS.
    pub tls_port: Option<u16>,
    /// Cluster bus port (cluster mode only).
    pub cluster_port: Option<u16>,
    pub tls_mode: TlsMode,
    /// The certificate the TLS port presents.
    pub server_cert: ServerCert,
    /// The certificates this node uses (TLS modes only).
    pub tls: Option<Arc<TlsMaterial>>,
    auth: Option<Credentials>,
    sentinel: bool,
    pub config_path: PathBuf,
    /// stdout and stderr of the process (the server's log).
    pub log_path: PathBuf,
    pub dir: tempfile::TempDir,
    /// How the process was started, for [`Node::restart`].
    recipe: Recipe,
}

/// The command line of a node's process.
#[derive(Clone)]
struct Recipe {
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(String, std::ffi::OsString)>,
}

impl Recipe {
    fn spawn(
        &self,
        config_path: &Path,
        log_path: &Path,
        dir: &Path,
        sentinel: bool,
    ) -> Result<Child, StartError> {
        let err = |output: String| StartError { output };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .map_err(|e| err(e.to_string()))?;
        let log2 = log.try_clone().map_err(|e| err(e.to_string()))?;
        let mut cmd = Command::new(&self.binary);
        cmd.arg(config_path);
        if sentinel {
            cmd.arg("--sentinel");
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.args(&self.args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        cmd.spawn()
            .map_err(|e| err(format!("cannot run {}: {e}", self.binary.display())))
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("pid", &self.pid())
            .field("port", &self.port)
            .field("tls_port", &self.tls_port)
            .field("cluster_port", &self.cluster_port)
            .field("tls_mode", &self.tls_mode)
            .field("sentinel", &self.sentinel)
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl Node {
    fn wait_ready(&mut self, timeout: Duration) -> Result<(), Retry> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                let log = self.log();
                if log.contains("Address already in use") {
                    return Err(Retry::Port(log));
                }
                return Err(Retry::Fatal(format!(
                    "server exited ({status}) during startup; config {}:\n{}\nlog:\n{log}",
                    self.config_path.display(),
                    std::fs::read_to_string(&self.config_path).unwrap_or_default()
                )));
            }
            // Without the ownership check a PING could reach another
            // process's server that took the port first (while this one is
            // failing to bind it).
            if self.probe() && util::listens_on(self.pid(), self.client_port()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Retry::Fatal(format!(
                    "server did not answer within {timeout:?}; log:\n{}",
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// One readiness probe: any reply to PING but `-LOADING`.
    fn probe(&self) -> bool {
        let port = self.client_port();
        if TcpStream::connect(("127.0.0.1", port)).is_err() {
            return false;
        }
        let conn = if self.port.is_some() {
            Conn::connect(port)
        } else {
            let m = self.tls.as_ref().unwrap();
            Conn::connect_tls_with(
                port,
                m,
                Some(&m.client),
                self.server_cert == ServerCert::Good,
            )
        };
        match conn.and_then(|mut c| c.cmd(&["PING"])) {
            Ok(Reply::Error(e)) => !e.starts_with("LOADING"),
            Ok(_) => true,
            Err(_) => false,
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kill the process now (SIGKILL) and reap it; Drop does the same.
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Start the process again (after [`stop`](Node::stop), or kill it
    /// first) with the same ports, directory and config file, as the server
    /// left it (a `CONFIG REWRITE` or `ACL SAVE` before the stop is kept,
    /// anything else is lost, as in a real crash). The log is appended to.
    pub fn restart(&mut self) -> Result<(), StartError> {
        self.kill();
        let child = self.recipe.spawn(
            &self.config_path,
            &self.log_path,
            self.dir.path(),
            self.sentinel,
        )?;
        self.child = Some(child);
        match self.wait_ready(Duration::from_secs(20)) {
            Ok(()) => Ok(()),
            Err(Retry::Port(log)) | Err(Retry::Fatal(log)) => Err(StartError {
                output: format!("restart failed: {log}"),
            }),
        }
    }

    /// The process has exited (or was stopped).
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The port a client should use: the plaintext one when there is one,
    /// else the TLS one.
    pub fn client_port(&self) -> u16 {
        self.port.or(self.tls_port).unwrap()
    }

    /// `127.0.0.1:PORT` for [`Node::client_port`].
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.client_port())
    }

    /// The TLS material; panics on a node without TLS.
    pub fn tls(&self) -> &TlsMaterial {
        self.tls.as_deref().expect("node has no TLS material")
    }

    pub fn credentials(&self) -> Option<&Credentials> {
        self.auth.as_ref()
    }

    pub fn is_sentinel(&self) -> bool {
        self.sentinel
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A connection, authenticated with the node's credentials: plaintext
    /// when the node has a plaintext port, else TLS with the client cert.
    pub fn try_conn(&self) -> std::io::Result<Conn> {
        let mut c = match self.port {
            Some(p) => Conn::connect(p)?,
            None => {
                let m = self.tls();
                Conn::connect_tls(self.tls_port.unwrap(), m, Some(&m.client))?
            }
        };
        if let Some(a) = &self.auth {
            c.auth(a)?;
        }
        Ok(c)
    }

    /// [`Node::try_conn`], panicking with the node's address on failure.
    pub fn conn(&self) -> Conn {
        self.try_conn()
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.addr()))
    }

    /// An unauthenticated TLS connection to the TLS port, presenting
    /// `client_cert` when given (e.g. `Some(&node.tls().client)`).
    pub fn conn_tls(&self, client_cert: Option<&CertPair>) -> std::io::Result<Conn> {
        let port = self.tls_port.expect("node has no tls-port");
        Conn::connect_tls(port, self.tls(), client_cert)
    }

    /// Run one command on a fresh [`Node::conn`]; panics on I/O errors.
    pub fn cmd(&self, args: &[&str]) -> Reply {
        self.conn()
            .cmd(args)
            .unwrap_or_else(|e| panic!("{} on {}: {e}", args.join(" "), self.addr()))
    }

    /// `CONFIG GET name` → the first value, or `None`.
    pub fn config_get(&self, name: &str) -> Option<String> {
        let r = self.try_conn().ok()?.cmd(&["CONFIG", "GET", name]).ok()?;
        match r {
            Reply::Array(Some(a)) => a.get(1).map(|v| v.text()),
            _ => None,
        }
    }

    /// `INFO section` text.
    pub fn info(&self, section: &str) -> String {
        self.try_info(section)
            .unwrap_or_else(|e| panic!("INFO {section} on {}: {e}", self.addr()))
    }

    pub fn try_info(&self, section: &str) -> Result<String, String> {
        let r = self
            .try_conn()
            .and_then(|mut c| c.cmd(&["INFO", section]))
            .map_err(|e| e.to_string())?;
        match r {
            Reply::Bulk(Some(_)) => Ok(r.text()),
            other => Err(format!("{other:?}")),
        }
    }

    /// `redis-cli` connection arguments for this node (`-h -p`, TLS flags
    /// with the client cert when the node has no plaintext port, `--user`).
    /// The password goes in `REDISCLI_AUTH`, see [`Node::cli`].
    pub fn cli_args(&self) -> Vec<String> {
        let mut v = vec![
            "-h".to_string(),
            "127.0.0.1".to_string(),
            "-p".to_string(),
            self.client_port().to_string(),
        ];
        if self.port.is_none() {
            v.extend(self.tls().cli_args(true));
        }
        if let Some(Credentials { user: Some(u), .. }) = &self.auth {
            v.extend(["--user".to_string(), u.clone()]);
        }
        v
    }

    /// `redis-cli` TLS connection arguments for the TLS port, with or
    /// without the client certificate; no credentials.
    pub fn cli_tls_args(&self, client_cert: bool) -> Vec<String> {
        let mut v = vec![
            "-h".to_string(),
            "127.0.0.1".to_string(),
            "-p".to_string(),
            self.tls_port.expect("node has no tls-port").to_string(),
        ];
        v.extend(self.tls().cli_args(client_cert));
        v
    }

    /// Run `redis-cli <connection args> ARGS` as the node's credentials.
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        let mut v = self.cli_args();
        v.extend(args.iter().map(|s| s.to_string()));
        redis_cli(&v, self.auth.as_ref().map(|a| a.password.as_str()))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}
