//! `rampart rotate`: change an ACL user's password on every node of a
//! deployment without a moment where neither password works.
//!
//! Steps, each recorded in a journal (JSON, mode 0600, hashes only):
//! 1. **add**: `ACL SETUSER u #<sha256(new)>` on every node (the plaintext
//!    never crosses the wire for this step);
//! 2. **verify**: a fresh connection `HELLO 3 AUTH u new` on every node;
//! 3. **persist**: `ACL SAVE` (with an aclfile) or `CONFIG REWRITE`;
//! 4. **dependents**: `CONFIG SET masterauth new` on every node whose
//!    `masteruser` is the user (masterauth is SENSITIVE, redacted from
//!    SLOWLOG/MONITOR, but its value does cross the wire), read back,
//!    `CONFIG REWRITE`, and the replication link checked `up`; and, when
//!    TARGET is a Sentinel, `SENTINEL SET <master> auth-pass new` on every
//!    Sentinel that logs in to the master as the user (seen in the master's
//!    CLIENT LIST), checked by waiting for its fresh login;
//! 5. **remove** (`--finish`, or after `--grace`): `ACL SETUSER u !<hash>`
//!    for each hash the node held when the rotation started, then persist.
//!
//! Never `ACL LOAD` (it disconnects clients on ≤7.2), never `RESETPASS`;
//! `CONFIG SET requirepass` (it drops every other password of `default`)
//! only as the removal step itself, when `default` holds nothing but the
//! old and new passwords.
//!
//! Test hook: `RAMPART_ROTATE_CRASH_AFTER=<step>` (add, verify, persist,
//! dependents, remove; `add:N` / `masterauth:N` / `remove:N` after the N-th node of
//! that step) makes rotate exit with status 3 right after that step, to
//! test `--resume`.

use crate::cli::{ConnectionArgs, ListFormat};
use anyhow::{bail, Context, Result};
use clap::Args;
use rampart_live::{ConnectOptions, Connection, Credentials, Endpoint, Value};
use redis_acl::hash_password;
use redis_conf::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(mut_arg("user", |a| a
    .long("login-user")
    .help("ACL user to log in as (default: the user in TARGET, else `default`)")))]
pub struct RotateArgs {
    /// A node of the deployment: `redis://[user@]host:port`, `host:port`.
    /// Replicas and cluster nodes are found from it. A Sentinel as TARGET
    /// brings its masters' groups and every Sentinel (auth-pass) in.
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,

    /// The ACL user whose password is rotated.
    #[arg(long = "user", id = "rotate_user", value_name = "NAME")]
    pub rotate_user: String,

    /// Read the new password from the first line of FILE (`-`: stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "generate")]
    pub new_password_file: Option<PathBuf>,

    /// Generate the new password (32 random bytes from the OS, as 64 hex
    /// digits).
    #[arg(long)]
    pub generate: bool,

    /// Write the generated password to FILE (created with mode 0600). It is
    /// never printed.
    #[arg(long, value_name = "FILE", requires = "generate")]
    pub password_out: Option<PathBuf>,

    /// The old password, for `--rollback` after replicas' masterauth was
    /// changed (masterauth needs the plaintext).
    #[arg(long, value_name = "FILE")]
    pub old_password_file: Option<PathBuf>,

    /// Remove the old password this long after the new one is in place
    /// (`0`, `30s`, `5m`, `1h`). Without it, run again with --finish.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration,
          conflicts_with_all = ["finish", "rollback"])]
    pub grace: Option<Duration>,

    /// Remove the old password everywhere (second half of a rotation).
    #[arg(long, conflicts_with_all = ["resume", "rollback"])]
    pub finish: bool,

    /// Continue an interrupted rotation from its journal.
    #[arg(long, conflicts_with = "rollback")]
    pub resume: bool,

    /// Undo a rotation: the old passwords back, the new one removed.
    #[arg(long)]
    pub rollback: bool,

    /// Show the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not make each replica reconnect with its new masterauth. By
    /// default rampart closes the replica's link to its primary once
    /// (`CLIENT KILL TYPE master` on the replica) and waits for a new link,
    /// so the new credential is proven now, not at the next failover; the
    /// replica continues with a partial resync.
    #[arg(long)]
    pub no_relink: bool,

    /// Rotate the user of the Sentinels' own ACL (TARGET is a Sentinel):
    /// every Sentinel of its masters; where the Sentinels log in to each
    /// other as this user (`sentinel-user`, or `default` through
    /// `requirepass`), `SENTINEL CONFIG SET sentinel-pass` follows. Without
    /// it, a Sentinel TARGET rotates the user on the data nodes it monitors.
    #[arg(long)]
    pub sentinels: bool,

    /// The journal (default: $XDG_STATE_HOME/rampart/rotate-USER-HOST_PORT.json).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// `json`: one JSON object on standard output when the run ends (the
    /// phase reached, each node's state, what to run next, or the error);
    /// the progress lines go to standard error. No password or hash in it.
    #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    /// The history where a finished rotation is recorded (default:
    /// $RAMPART_HISTORY, else $XDG_STATE_HOME/rampart/history.sqlite).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 's')) => (&s[..i], 1),
        Some((i, 'm')) => (&s[..i], 60),
        Some((i, 'h')) => (&s[..i], 3600),
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 0, 30s, 5m, 1h)"))?;
    Ok(Duration::from_secs(n.saturating_mul(mult)))
}

/// How far a rotation got. Ordered: each phase implies the ones before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Phase {
    Planned,
    Added,
    Verified,
    Persisted,
    /// Dependents updated: both passwords work, the old one awaits removal.
    Ready,
    Removed,
    Done,
    RolledBack,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct NodeState {
    host: String,
    port: u16,
    tls: bool,
    role: String,
    /// Password hashes the user held on this node when the rotation began.
    old_hashes: Vec<String>,
    /// `acl-save` or `config-rewrite`.
    persist: String,
    /// This node's masterauth authenticates as the user.
    masterauth: bool,
    /// masterauth was changed to the new password.
    #[serde(default)]
    masterauth_updated: bool,
    /// The user is `default` and the node has `requirepass` (no aclfile).
    #[serde(default)]
    requirepass: bool,
    /// A Sentinel (its own ACL), not a data node.
    #[serde(default)]
    sentinel: bool,
    /// The Sentinel's id: its links are named `sentinel-<first 8>-cmd`.
    #[serde(default)]
    runid: String,
    /// This Sentinel's links to the other Sentinels log in as the user
    /// (`sentinel-user` + `sentinel-pass`, or `default` with `requirepass`).
    #[serde(default)]
    sentinel_pass: bool,
    /// `sentinel-pass` was unset (the links used `requirepass`).
    #[serde(default)]
    sentinel_pass_was_empty: bool,
    /// `sentinel-pass` was changed to the new password.
    #[serde(default)]
    sentinel_pass_updated: bool,
    /// The Sentinels (`host:port`) this one had a link to at the start.
    #[serde(default)]
    peers: Vec<String>,
}

impl NodeState {
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
        }
    }
    fn name(&self) -> String {
        self.endpoint().to_string()
    }
}

/// The journal: no plaintext password, only SHA-256 hashes (as the ACL
/// file itself holds).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Journal {
    version: u32,
    user: String,
    new_hash: String,
    phase: Phase,
    grace_secs: Option<u64>,
    /// When both passwords first worked everywhere (Unix seconds): the
    /// grace period counts from here, also across `--resume`.
    #[serde(default)]
    ready_at: Option<u64>,
    nodes: Vec<NodeState>,
    /// Sentinels monitoring the group (when TARGET is a Sentinel).
    #[serde(default)]
    sentinels: Vec<SentinelState>,
}

impl Journal {
    /// A rotation about to start.
    fn new(
        ctx: &Ctx,
        new_hash: &str,
        grace: Option<Duration>,
        nodes: Vec<NodeState>,
        sentinels: Vec<SentinelState>,
    ) -> Journal {
        Journal {
            version: 1,
            user: ctx.user.clone(),
            new_hash: new_hash.to_string(),
            phase: Phase::Planned,
            grace_secs: grace.map(|d| d.as_secs()),
            ready_at: None,
            nodes,
            sentinels,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SentinelState {
    host: String,
    port: u16,
    tls: bool,
    master: String,
    /// Where the master was when the rotation began.
    #[serde(default)]
    master_host: String,
    #[serde(default)]
    master_port: u16,
    /// The Sentinel's connections to the master are logged in as the user
    /// (its `auth-user`), so its `auth-pass` must follow.
    dependent: bool,
    #[serde(default)]
    updated: bool,
}

impl SentinelState {
    fn master_endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.master_host.clone(),
            port: self.master_port,
            tls: self.tls,
        }
    }
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
        }
    }
}

struct Ctx {
    opts: ConnectOptions,
    login: Credentials,
    user: String,
    journal_path: PathBuf,
    new_password: Option<Secret>,
    /// `--history FILE`, if given.
    history: Option<PathBuf>,
    /// `--no-relink`.
    no_relink: bool,
}

fn crash_point(name: &str) {
    if std::env::var("RAMPART_ROTATE_CRASH_AFTER").ok().as_deref() == Some(name) {
        anstream::eprintln!("rampart: test hook: exiting after step {name}");
        std::process::exit(3);
    }
}

/// Progress goes to standard error when standard output carries JSON.
static PROGRESS_TO_STDERR: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn say(line: &str) {
    // Master names, node names and errors come from servers: secrets
    // scrubbed, then made safe for a terminal.
    let line = &rampart_report::sanitize::for_terminal_lines(&rampart_report::scrub::scrub(line));
    if PROGRESS_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        let mut out = anstream::stderr();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    } else {
        let mut out = anstream::stdout();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

fn expect_ok(v: Value, what: &str, node: &str) -> Result<Value> {
    if let Some(e) = v.as_error() {
        bail!("{node}: {what}: {}", e.lines().next().unwrap_or(""));
    }
    Ok(v)
}

fn open(ep: &Endpoint, creds: &Credentials, opts: &ConnectOptions) -> Result<Connection> {
    let mut c = Connection::connect(ep, opts)?;
    c.hello(creds)?;
    Ok(c)
}

impl Ctx {
    /// A logged-in connection. When we log in as the user being rotated,
    /// the new password is tried after the old one.
    fn conn(&self, ep: &Endpoint) -> Result<Connection> {
        match open(ep, &self.login, &self.opts) {
            Ok(c) => Ok(c),
            Err(e) => {
                let me = self.login.user.as_deref().unwrap_or("default") == self.user;
                if let (true, Some(p)) = (me, &self.new_password) {
                    let creds = Credentials {
                        user: self.login.user.clone(),
                        password: Some(p.clone()),
                    };
                    return open(ep, &creds, &self.opts);
                }
                Err(e)
            }
        }
    }

    /// A connection to a Sentinel: the login credentials, or none when the
    /// Sentinel has no such user (a Sentinel without ACLs).
    fn sentinel_conn(&self, ep: &Endpoint) -> Result<Connection> {
        match open(ep, &self.login, &self.opts) {
            Ok(c) => Ok(c),
            Err(_) => open(ep, &Credentials::default(), &self.opts)
                .with_context(|| format!("cannot connect to the Sentinel {ep}")),
        }
    }

    fn save(&self, j: &Journal) -> Result<()> {
        write_private(
            &self.journal_path,
            rampart_report::scrub::scrub(&serde_json::to_string_pretty(j)?).as_bytes(),
        )
        .with_context(|| format!("cannot write the journal {}", self.journal_path.display()))
    }

    fn new_pw(&self) -> Result<&Secret> {
        self.new_password.as_ref().context(
            "this step needs the new password: give it with --new-password-file (or --rollback)",
        )
    }
}

/// Write a file readable by its owner only, atomically (temp + rename).
/// A missing directory is created 0700 (the state directory included).
fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        rampart_fs::create_private_dir(d)?;
    }
    rampart_fs::write_file(
        path,
        data,
        rampart_fs::Mode::Exact(0o600),
        rampart_fs::Owner::Process,
    )
}

/// One rotation at a time per journal: `JOURNAL.lock` holds the pid of
/// the rampart that runs it; a lock whose process is gone (a crash) is
/// taken over.
struct RunLock(PathBuf);

impl RunLock {
    fn take(journal: &Path) -> Result<RunLock> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = journal.with_extension("lock");
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            rampart_fs::create_private_dir(d)?;
        }
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut f) => {
                    write!(f, "{}", std::process::id())?;
                    return Ok(RunLock(path));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = redis_conf::fileio::read_string(&path, 64).unwrap_or_default();
                    let pid = pid.trim();
                    if !pid.is_empty() && Path::new("/proc").join(pid).exists() {
                        bail!(
                            "another rampart rotate (pid {pid}) is running on this journal ({})",
                            path.display()
                        );
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()))
                }
            }
        }
        bail!("cannot take the lock {}", path.display())
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn generate() -> Result<Secret> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
    let s = super::remember(Secret::new(hex::encode(b).into_bytes()));
    b.fill(0);
    Ok(s)
}

fn info_map(c: &mut Connection, section: &str) -> Result<Vec<(String, String)>> {
    let v = c.cmd(&["INFO", section])?;
    let ep = c.endpoint().to_string();
    let text = expect_ok(v, "INFO", &ep)?.as_text().unwrap_or_default();
    Ok(text
        .lines()
        .filter_map(|l| {
            let (k, v) = l.trim_end().split_once(':')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect())
}

fn field<'a>(m: &'a [(String, String)], k: &str) -> Option<&'a str> {
    m.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

fn config_get(c: &mut Connection, name: &str) -> Result<String> {
    let ep = c.endpoint().to_string();
    let v = expect_ok(c.cmd(&["CONFIG", "GET", name])?, "CONFIG GET", &ep)?;
    Ok(v.as_pairs()
        .and_then(|p| p.into_iter().find(|(k, _)| k == name))
        .and_then(|(_, v)| v.as_text())
        .unwrap_or_default())
}

/// The password hashes of `user` on this node (`ACL GETUSER`).
fn user_hashes(c: &mut Connection, user: &str) -> Result<Vec<String>> {
    let ep = c.endpoint().to_string();
    let v = expect_ok(c.cmd(&["ACL", "GETUSER", user])?, "ACL GETUSER", &ep)?;
    if v == Value::Nil {
        bail!("{ep}: there is no ACL user {user:?} on this node");
    }
    let pairs = v
        .as_pairs()
        .with_context(|| format!("{ep}: unexpected ACL GETUSER reply"))?;
    let nopass = pairs.iter().any(|(k, v)| {
        k == "flags"
            && v.as_list()
                .is_some_and(|l| l.iter().any(|f| f.as_text().as_deref() == Some("nopass")))
    });
    if nopass {
        bail!("{ep}: user {user:?} is nopass: adding a password would lock out its clients at once (give it a password first)");
    }
    let pw = pairs
        .into_iter()
        .find(|(k, _)| k == "passwords")
        .map(|(_, v)| v.clone());
    Ok(pw
        .as_ref()
        .and_then(|v| v.as_list())
        .unwrap_or(&[])
        .iter()
        .filter_map(|h| h.as_text())
        .collect())
}

/// Every node reachable from the seed: replicas, masters, cluster nodes.
fn discover(ctx: &Ctx, seed: Endpoint) -> Result<Vec<(Endpoint, String)>> {
    let mut seen = BTreeSet::new();
    let mut queue = vec![seed.clone()];
    let mut out = Vec::new();
    while let Some(ep) = queue.pop() {
        if !seen.insert((ep.host.clone(), ep.port)) {
            continue;
        }
        let mut c = ctx
            .conn(&ep)
            .with_context(|| format!("cannot log in to {ep}"))?;
        let server = info_map(&mut c, "server")?;
        if field(&server, "redis_mode") == Some("sentinel") {
            bail!("{ep} is a Sentinel: only TARGET may be a Sentinel");
        }
        let repl = info_map(&mut c, "replication")?;
        let role = field(&repl, "role").unwrap_or("?").to_string();
        let mut next = Vec::new();
        for (k, v) in &repl {
            if k.starts_with("slave") && k[5..].chars().all(|c| c.is_ascii_digit()) {
                let mut ip = None;
                let mut port = None;
                for kv in v.split(',') {
                    match kv.split_once('=') {
                        Some(("ip", x)) => ip = Some(x.to_string()),
                        Some(("port", x)) => port = x.parse().ok(),
                        _ => {}
                    }
                }
                if let (Some(h), Some(p)) = (ip, port) {
                    next.push((h, p));
                }
            }
        }
        if let (Some(h), Some(p)) = (field(&repl, "master_host"), field(&repl, "master_port")) {
            if let Ok(p) = p.parse() {
                next.push((h.to_string(), p));
            }
        }
        let cluster = info_map(&mut c, "cluster")?;
        if field(&cluster, "cluster_enabled") == Some("1") {
            let v = expect_ok(
                c.cmd(&["CLUSTER", "NODES"])?,
                "CLUSTER NODES",
                &ep.to_string(),
            )?;
            for line in v.as_text().unwrap_or_default().lines() {
                let parts: Vec<&str> = line.split(' ').collect();
                if parts.len() < 3 || parts[2].contains("noaddr") || parts[2].contains("handshake")
                {
                    continue;
                }
                let addr = parts[1].split(['@', ',']).next().unwrap_or("");
                if let Some((h, p)) = addr.rsplit_once(':') {
                    if let Ok(p) = p.parse() {
                        let h = if h.is_empty() { ep.host.as_str() } else { h };
                        next.push((h.to_string(), p));
                    }
                }
            }
        }
        for (h, p) in next {
            queue.push(Endpoint {
                host: h,
                port: p,
                tls: seed.tls,
            });
        }
        out.push((ep, role));
    }
    out.sort_by(|a, b| {
        (a.1 != "master", &a.0.host, a.0.port).cmp(&(b.1 != "master", &b.0.host, b.0.port))
    });
    Ok(out)
}

fn default_journal(user: &str, seed: &Endpoint) -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    let safe: String = format!("rotate-{user}-{}_{}", seed.host, seed.port)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    base.join("rampart").join(format!("{safe}.json"))
}

fn load_journal(path: &Path) -> Result<Option<Journal>> {
    match redis_conf::fileio::read(path, redis_conf::fileio::DEFAULT_LIMIT) {
        Ok(b) => Ok(Some(serde_json::from_slice(&b).with_context(|| {
            format!("the journal {} is not readable", path.display())
        })?)),
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Plan a new rotation: read every node's state.
fn pairs_text(v: &Value) -> Vec<(String, String)> {
    v.as_pairs()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_text()?)))
        .collect()
}

/// When the seed is a Sentinel: its masters (the data seeds) and every
/// Sentinel of each master.
fn sentinel_seed(
    ctx: &Ctx,
    seed: &Endpoint,
) -> Result<Option<(Vec<Endpoint>, Vec<SentinelState>)>> {
    let mut c = ctx.sentinel_conn(seed)?;
    let server = info_map(&mut c, "server")?;
    if field(&server, "redis_mode") != Some("sentinel") {
        return Ok(None);
    }
    let name = seed.to_string();
    let masters = expect_ok(c.cmd(&["SENTINEL", "MASTERS"])?, "SENTINEL MASTERS", &name)?;
    let mut data = Vec::new();
    let mut sentinels = Vec::new();
    for m in masters.as_list().unwrap_or(&[]) {
        let m = pairs_text(m);
        let (Some(mname), Some(ip), Some(port)) =
            (field(&m, "name"), field(&m, "ip"), field(&m, "port"))
        else {
            continue;
        };
        let mport: u16 = port.parse().context("SENTINEL MASTERS port")?;
        data.push(Endpoint {
            host: ip.to_string(),
            port: mport,
            tls: seed.tls,
        });
        sentinels.push(SentinelState {
            host: seed.host.clone(),
            port: seed.port,
            tls: seed.tls,
            master: mname.to_string(),
            master_host: ip.to_string(),
            master_port: mport,
            dependent: false,
            updated: false,
        });
        let others = expect_ok(
            c.cmd(&["SENTINEL", "SENTINELS", mname])?,
            "SENTINEL SENTINELS",
            &name,
        )?;
        for o in others.as_list().unwrap_or(&[]) {
            let o = pairs_text(o);
            if let (Some(sip), Some(Ok(port))) =
                (field(&o, "ip"), field(&o, "port").map(|p| p.parse()))
            {
                sentinels.push(SentinelState {
                    host: sip.to_string(),
                    port,
                    tls: seed.tls,
                    master: mname.to_string(),
                    master_host: ip.to_string(),
                    master_port: mport,
                    dependent: false,
                    updated: false,
                });
            }
        }
    }
    if data.is_empty() {
        bail!("the Sentinel {name} monitors no master");
    }
    Ok(Some((data, sentinels)))
}

/// The user a Sentinel's command connection to `master` is logged in as,
/// from the master's CLIENT LIST (`name=sentinel-<runid[..8]>-cmd`).
fn sentinel_user_on(
    ctx: &Ctx,
    s: &SentinelState,
    master: &mut Connection,
) -> Result<Option<(String, u64)>> {
    let mut c = ctx.sentinel_conn(&s.endpoint())?;
    let name = format!("{}:{}", s.host, s.port);
    let id = expect_ok(c.cmd(&["SENTINEL", "MYID"])?, "SENTINEL MYID", &name)?
        .as_text()
        .unwrap_or_default();
    let want = super::sentinel_link_name(&id);
    Ok(client_names(master)?
        .into_iter()
        .find(|(n, _, _)| *n == want)
        .map(|(_, user, age)| (user, age)))
}

/// A data node's state before the rotation touches it.
fn node_state(ctx: &Ctx, ep: &Endpoint, role: String, new_hash: &str) -> Result<NodeState> {
    let mut c = ctx.conn(ep)?;
    let hashes = user_hashes(&mut c, &ctx.user)?;
    let aclfile = config_get(&mut c, "aclfile")?;
    let masteruser = config_get(&mut c, "masteruser")?;
    let masterauth_set = !config_get(&mut c, "masterauth")?.is_empty();
    let requirepass = ctx.user == "default"
        && aclfile.is_empty()
        && !config_get(&mut c, "requirepass")?.is_empty();
    let mu = if masteruser.is_empty() {
        "default"
    } else {
        masteruser.as_str()
    };
    Ok(NodeState {
        host: ep.host.clone(),
        port: ep.port,
        tls: ep.tls,
        role,
        old_hashes: hashes.into_iter().filter(|h| h != new_hash).collect(),
        persist: if aclfile.is_empty() {
            "config-rewrite"
        } else {
            "acl-save"
        }
        .into(),
        masterauth: masterauth_set && mu == ctx.user,
        requirepass,
        ..NodeState::default()
    })
}

fn plan(ctx: &Ctx, seed: Endpoint, new_hash: &str, grace: Option<Duration>) -> Result<Journal> {
    let mut nodes = Vec::new();
    let (seeds, mut sentinels) = match sentinel_seed(ctx, &seed)? {
        Some((d, s)) => (d, s),
        None => (vec![seed], Vec::new()),
    };
    let mut found = Vec::new();
    for s in seeds {
        for n in discover(ctx, s)? {
            if !found.iter().any(|(e, _): &(Endpoint, String)| e == &n.0) {
                found.push(n);
            }
        }
    }
    for s in sentinels.iter_mut() {
        let m = s.master_endpoint();
        let mut mc = ctx.conn(&m)?;
        match sentinel_user_on(ctx, s, &mut mc)? {
            Some((u, _)) => s.dependent = u == ctx.user,
            None => bail!(
                "{}:{}: no connection of this Sentinel on the master {}; is it monitoring it?",
                s.host,
                s.port,
                m
            ),
        }
    }
    for (ep, role) in found {
        nodes.push(node_state(ctx, &ep, role, new_hash)?);
    }
    Ok(Journal::new(ctx, new_hash, grace, nodes, sentinels))
}

/// `SENTINEL CONFIG GET name` (empty when unset).
fn sentinel_config_get(c: &mut Connection, name: &str) -> Result<String> {
    let ep = c.endpoint().to_string();
    let v = expect_ok(
        c.cmd(&["SENTINEL", "CONFIG", "GET", name])?,
        "SENTINEL CONFIG GET",
        &ep,
    )?;
    Ok(field(&pairs_text(&v), name).unwrap_or_default().to_string())
}

/// The names of the connections in `c`'s CLIENT LIST, with their user and
/// age in seconds.
fn client_names(c: &mut Connection) -> Result<Vec<(String, String, u64)>> {
    let ep = c.endpoint().to_string();
    let list = expect_ok(c.cmd(&["CLIENT", "LIST"])?, "CLIENT LIST", &ep)?;
    Ok(list
        .as_text()
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let get = |k: &str| {
                line.split(' ')
                    .find_map(|f| f.strip_prefix(k))
                    .unwrap_or("")
                    .to_string()
            };
            (
                get("name="),
                get("user="),
                get("age=").parse().unwrap_or(u64::MAX),
            )
        })
        .collect())
}

/// Plan a rotation of the Sentinels' own ACL user: every Sentinel of the
/// seed's masters, what each persists with, and whether its links to the
/// other Sentinels log in as the user.
fn plan_sentinels(
    ctx: &Ctx,
    seed: Endpoint,
    new_hash: &str,
    grace: Option<Duration>,
) -> Result<Journal> {
    let Some((_, found)) = sentinel_seed(ctx, &seed)? else {
        bail!("--sentinels needs a Sentinel as TARGET; {seed} is not one");
    };
    let mut eps: Vec<Endpoint> = Vec::new();
    for s in found {
        let ep = s.endpoint();
        if !eps.contains(&ep) {
            eps.push(ep);
        }
    }
    let mut nodes = Vec::new();
    for ep in &eps {
        let mut c = ctx
            .conn(ep)
            .with_context(|| format!("cannot log in to the Sentinel {ep}"))?;
        let hashes = user_hashes(&mut c, &ctx.user)?;
        let runid = expect_ok(
            c.cmd(&["SENTINEL", "MYID"])?,
            "SENTINEL MYID",
            &ep.to_string(),
        )?
        .as_text()
        .unwrap_or_default();
        let su = sentinel_config_get(&mut c, "sentinel-user")?;
        // The cleartext sentinel-pass: only whether it is set is kept.
        let sp_set = !sentinel_config_get(&mut c, "sentinel-pass")?.is_empty();
        // Outgoing Sentinel links: AUTH sentinel-user sentinel-pass when
        // sentinel-pass is set, else AUTH <requirepass> as `default`.
        let dependent = if sp_set {
            (if su.is_empty() { "default" } else { &su }) == ctx.user
        } else {
            ctx.user == "default"
        };
        nodes.push(NodeState {
            host: ep.host.clone(),
            port: ep.port,
            tls: ep.tls,
            role: "sentinel".into(),
            old_hashes: hashes.into_iter().filter(|h| h != new_hash).collect(),
            persist: "sentinel".into(),
            sentinel: true,
            runid,
            sentinel_pass: dependent,
            sentinel_pass_was_empty: !sp_set,
            ..NodeState::default()
        });
    }
    // Which Sentinel has a link to which: seen in the peer's CLIENT LIST
    // (read once per Sentinel).
    for k in 0..nodes.len() {
        let mut c = ctx.conn(&nodes[k].endpoint())?;
        let clients = client_names(&mut c)?;
        let peer = nodes[k].name();
        for i in (0..nodes.len()).filter(|&i| i != k) {
            let want = super::sentinel_link_name(&nodes[i].runid);
            if clients.iter().any(|(n, _, _)| *n == want) {
                nodes[i].peers.push(peer.clone());
            }
        }
    }
    Ok(Journal::new(ctx, new_hash, grace, nodes, Vec::new()))
}

fn show_plan(j: &Journal, journal: &Path) {
    say(&format!(
        "Rotation plan for ACL user {:?} on {} node(s) (journal {}):",
        j.user,
        j.nodes.len(),
        journal.display()
    ));
    for n in &j.nodes {
        say(&format!(
            "  {} ({}): {} password(s) now; persist with {}{}",
            n.name(),
            n.role,
            n.old_hashes.len(),
            match n.persist.as_str() {
                "acl-save" => "ACL SAVE",
                "sentinel" => "ACL SAVE, or SENTINEL FLUSHCONFIG without an aclfile",
                _ => "CONFIG REWRITE",
            },
            if n.masterauth {
                "; masterauth uses this user"
            } else if n.sentinel_pass {
                "; its links to the other Sentinels log in as this user (sentinel-pass follows)"
            } else {
                ""
            }
        ));
    }
    if j.nodes.iter().any(|n| n.requirepass) {
        say("  (requirepass is set: the new password is added beside the old one with ACL SETUSER, since CONFIG SET requirepass drops every other password of `default`; that drop is used as the last step only, when the new password is given then: CONFIG SET requirepass <new> removes the old one and CONFIG REWRITE writes the new value; without it, the old one is removed with ACL SETUSER and the requirepass line keeps the old value, overridden at startup by the `user default` line CONFIG REWRITE writes)");
    }
    for s in &j.sentinels {
        say(&format!(
            "  Sentinel {}:{} (master {}): {}",
            s.host,
            s.port,
            s.master,
            if s.dependent {
                "auth-user is this user: SENTINEL SET auth-pass"
            } else {
                "uses another user: unchanged"
            }
        ));
    }
    say("  1. add the new password as a hash (ACL SETUSER #<sha256>) on every node");
    say("  2. verify AUTH with the new password on every node (fresh connections)");
    say("  3. persist on every node");
    if j.nodes.iter().any(|n| n.masterauth) {
        say("  4. CONFIG SET masterauth on the nodes above (the value crosses the wire; SLOWLOG/MONITOR redact it), read it back, CONFIG REWRITE, check the replication link");
    } else if j.nodes.iter().any(|n| n.sentinel_pass) {
        say("  4. SENTINEL CONFIG SET sentinel-pass on the Sentinels above (the value crosses the wire; Sentinel writes it to its config), read it back, wait for each link to the other Sentinels to log in again");
    } else if j.nodes.iter().all(|n| n.sentinel) {
        say("  4. no dependent settings (no Sentinel logs in to the others as this user)");
    } else {
        say("  4. no dependent settings (no node's masteruser is this user)");
    }
    match j.grace_secs {
        Some(0) => {
            say("  5. then at once: remove the passwords listed above (old) on every node, persist")
        }
        Some(s) => say(&format!(
            "  5. after {s}s: remove the old passwords on every node, persist"
        )),
        None => say("  5. later, with --finish: remove the old passwords on every node, persist"),
    }
}

fn step_add(ctx: &Ctx, j: &Journal) -> Result<()> {
    for (i, n) in j.nodes.iter().enumerate() {
        let mut c = ctx.conn(&n.endpoint())?;
        let now = user_hashes(&mut c, &j.user)?;
        if now.contains(&j.new_hash) {
            say(&format!("  {}: new password already present", n.name()));
        } else {
            let op = format!("#{}", j.new_hash);
            let v = c.cmd(&["ACL", "SETUSER", &j.user, &op])?;
            expect_ok(v, "ACL SETUSER", &n.name())?;
            if !user_hashes(&mut c, &j.user)?.contains(&j.new_hash) {
                bail!(
                    "{}: the new password hash is not listed after ACL SETUSER",
                    n.name()
                );
            }
            say(&format!("  {}: new password added", n.name()));
        }
        crash_point(&format!("add:{}", i + 1));
    }
    Ok(())
}

fn step_verify(ctx: &Ctx, j: &Journal) -> Result<()> {
    let pw = ctx.new_pw()?;
    if hash_password(pw.expose()) != j.new_hash {
        bail!("the new password given does not match the journal's hash");
    }
    let creds = Credentials {
        user: Some(j.user.clone()),
        password: Some(pw.clone()),
    };
    for n in &j.nodes {
        open(&n.endpoint(), &creds, &ctx.opts)
            .with_context(|| format!("{}: AUTH with the new password failed", n.name()))?;
        say(&format!("  {}: AUTH {} <new> accepted", n.name(), j.user));
    }
    Ok(())
}

fn persist(c: &mut Connection, n: &NodeState) -> Result<()> {
    if n.persist == "sentinel" {
        // A Sentinel with an aclfile saves users there; without one,
        // FLUSHCONFIG writes them as `user` lines of sentinel.conf.
        let v = c.cmd(&["ACL", "SAVE"])?;
        let what = match v.as_error() {
            None => "ACL SAVE",
            Some(e) if e.contains("not configured to use an ACL file") => {
                let v = c.cmd(&["SENTINEL", "FLUSHCONFIG"])?;
                expect_ok(v, "SENTINEL FLUSHCONFIG", &n.name()).context(
                    "cannot persist: the change would be lost at the next restart; stopping before the old password is removed",
                )?;
                "SENTINEL FLUSHCONFIG"
            }
            Some(e) => bail!(
                "{}: ACL SAVE: {}; stopping before the old password is removed",
                n.name(),
                e.lines().next().unwrap_or("")
            ),
        };
        say(&format!("  {}: persisted ({what})", n.name()));
        return Ok(());
    }
    let (cmd, what): (&[&str], &str) = if n.persist == "acl-save" {
        (&["ACL", "SAVE"], "ACL SAVE")
    } else {
        (&["CONFIG", "REWRITE"], "CONFIG REWRITE")
    };
    let v = c.cmd(cmd)?;
    expect_ok(v, what, &n.name()).with_context(|| {
        "cannot persist: the change would be lost at the next restart; stopping before the old password is removed"
    })?;
    say(&format!("  {}: persisted ({what})", n.name()));
    Ok(())
}

fn step_persist(ctx: &Ctx, j: &Journal) -> Result<()> {
    for n in &j.nodes {
        let mut c = ctx.conn(&n.endpoint())?;
        persist(&mut c, n)?;
    }
    Ok(())
}

/// What identifies a replica's TCP link to its primary: the local address
/// of `CLIENT LIST TYPE master` (after a partial resync the client keeps
/// its id and age; the new connection has a new local port).
fn master_link_id(c: &mut Connection) -> Result<Option<String>> {
    let v = c.cmd(&["CLIENT", "LIST", "TYPE", "master"])?;
    if v.as_error().is_some() {
        return Ok(None);
    }
    Ok(v.as_text().unwrap_or_default().lines().find_map(|l| {
        let f: Vec<&str> = l.split(' ').collect();
        let get = |k: &str| f.iter().find_map(|x| x.strip_prefix(k));
        Some(format!("{} {}", get("laddr=")?, get("fd=").unwrap_or("")))
    }))
}

/// On a replica: close its link to the primary once and wait (10 s) for a
/// new one, made with the current masterauth. `false` when the node is not
/// a replica with a link up, or may not run CLIENT KILL (then the check is
/// the link staying up, as with --no-relink).
fn relink(c: &mut Connection, node: &str) -> Result<bool> {
    let repl = info_map(c, "replication")?;
    if field(&repl, "role") != Some("slave") || field(&repl, "master_link_status") != Some("up") {
        return Ok(false);
    }
    let Some(before) = master_link_id(c)? else {
        return Ok(false);
    };
    let v = c.cmd(&["CLIENT", "KILL", "TYPE", "master"])?;
    if let Some(e) = v.as_error() {
        anstream::eprintln!(
            "rampart: warning: {node}: CLIENT KILL TYPE master refused ({}): the new masterauth is used at the next reconnect, not proven now",
            e.lines().next().unwrap_or("")
        );
        return Ok(false);
    }
    std::thread::sleep(Duration::from_millis(100));
    if wait_for(10, || {
        Ok(link_up(c)? && master_link_id(c)?.is_some_and(|now| now != before))
    })? {
        return Ok(true);
    }
    bail!(
        "{node}: the replica did not link to its primary again within 10 s with the new masterauth (see its log); the old password still works everywhere and nothing was removed: fix it, then --resume, or --rollback"
    )
}

/// Poll `cond` every 100 ms for up to `secs` seconds.
fn wait_for(secs: u64, mut cond: impl FnMut() -> Result<bool>) -> Result<bool> {
    for _ in 0..secs * 10 {
        if cond()? {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

fn link_up(c: &mut Connection) -> Result<bool> {
    let repl = info_map(c, "replication")?;
    Ok(field(&repl, "role") != Some("slave") || field(&repl, "master_link_status") == Some("up"))
}

fn step_sentinels(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    for i in 0..j.sentinels.len() {
        let s = j.sentinels[i].clone();
        if !s.dependent {
            continue;
        }
        let pw = ctx.new_pw()?.clone();
        let master = s.master_endpoint();
        let name = format!("{}:{}", s.host, s.port);
        let mut c = ctx.sentinel_conn(&s.endpoint())?;
        // auth-pass is redacted from SLOWLOG; it crosses the wire.
        let v = c.cmd_bytes(&[
            b"SENTINEL",
            b"SET",
            s.master.as_bytes(),
            b"auth-pass",
            pw.expose(),
        ])?;
        expect_ok(v, "SENTINEL SET auth-pass", &name)?;
        j.sentinels[i].updated = true;
        ctx.save(j)?;
        // SENTINEL SET drops its connections: wait for a fresh command
        // connection logged in as the user, and for the master to answer.
        let mut mc = ctx.conn(&master)?;
        std::thread::sleep(Duration::from_millis(100));
        let ok = wait_for(6, || {
            let Some((u, age)) = sentinel_user_on(ctx, &s, &mut mc)? else {
                return Ok(false);
            };
            if u != j.user || age > 5 {
                return Ok(false);
            }
            let m = expect_ok(
                c.cmd(&["SENTINEL", "MASTER", &s.master])?,
                "SENTINEL MASTER",
                &name,
            )?;
            Ok(field(&pairs_text(&m), "flags") == Some("master"))
        })?;
        if !ok {
            bail!("{name}: after SENTINEL SET auth-pass, the Sentinel did not log in to the master {master} as {:?}", j.user);
        }
        say(&format!(
            "  Sentinel {name}: auth-pass updated; logged in to the master again as {}",
            j.user
        ));
    }
    Ok(())
}

/// Sentinels whose links to the other Sentinels log in as the user:
/// `SENTINEL CONFIG SET sentinel-pass` (it drops those links), read back,
/// then every peer it had a link to must see a fresh link logged in as
/// the user.
fn step_sentinel_pass(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        if !n.sentinel_pass {
            continue;
        }
        let pw = ctx.new_pw()?.clone();
        let mut c = ctx.conn(&n.endpoint())?;
        let current = sentinel_config_get(&mut c, "sentinel-pass")?;
        let fresh = hash_password(current.as_bytes()) != j.new_hash;
        let set_at = std::time::Instant::now();
        if fresh {
            let v = c.cmd_bytes(&[
                b"SENTINEL",
                b"CONFIG",
                b"SET",
                b"sentinel-pass",
                pw.expose(),
            ])?;
            expect_ok(v, "SENTINEL CONFIG SET sentinel-pass", &n.name())?;
            let back = sentinel_config_get(&mut c, "sentinel-pass")?;
            if hash_password(back.as_bytes()) != j.new_hash {
                bail!("{}: sentinel-pass did not take the new value", n.name());
            }
        }
        j.nodes[i].sentinel_pass_updated = true;
        ctx.save(j)?;
        let want = super::sentinel_link_name(&n.runid);
        for peer in &n.peers {
            let Some(p) = j.nodes.iter().find(|m| m.name() == *peer) else {
                continue;
            };
            let mut pc = ctx.conn(&p.endpoint())?;
            let ok = wait_for(30, || {
                let max_age = if fresh {
                    set_at.elapsed().as_secs() + 1
                } else {
                    u64::MAX
                };
                Ok(client_names(&mut pc)?
                    .iter()
                    .any(|(nm, u, age)| *nm == want && *u == j.user && *age <= max_age))
            })?;
            if !ok {
                bail!(
                    "{}: after SENTINEL CONFIG SET sentinel-pass, no link to the Sentinel {peer} logged in as {:?} within 30 s",
                    n.name(),
                    j.user
                );
            }
        }
        say(&format!(
            "  Sentinel {}: sentinel-pass updated, read back; its links to {} Sentinel(s) logged in again as {}",
            n.name(),
            n.peers.len(),
            j.user
        ));
        crash_point(&format!("sentinel-pass:{}", i + 1));
    }
    Ok(())
}

fn step_dependents(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    step_sentinels(ctx, j)?;
    step_sentinel_pass(ctx, j)?;
    if !j.nodes.iter().any(|n| n.masterauth) {
        return Ok(());
    }
    let pw = ctx.new_pw()?.clone();
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        if !n.masterauth {
            continue;
        }
        let mut c = ctx.conn(&n.endpoint())?;
        let current = config_get(&mut c, "masterauth")?;
        if hash_password(current.as_bytes()) != j.new_hash {
            let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"masterauth", pw.expose()])?;
            expect_ok(v, "CONFIG SET masterauth", &n.name())?;
            let back = config_get(&mut c, "masterauth")?;
            if hash_password(back.as_bytes()) != j.new_hash {
                bail!("{}: masterauth did not take the new value", n.name());
            }
        }
        j.nodes[i].masterauth_updated = true;
        ctx.save(j)?;
        let v = c.cmd(&["CONFIG", "REWRITE"])?;
        expect_ok(v, "CONFIG REWRITE", &n.name())
            .context("cannot persist masterauth; stopping before the old password is removed")?;
        // The new value is used at the next reconnect: make that happen
        // now, so a credential the primary refuses shows up here, while
        // the old password still works everywhere.
        let relinked = if ctx.no_relink {
            false
        } else {
            relink(&mut c, &n.name())?
        };
        let up = wait_for(10, || link_up(&mut c))?;
        if !up {
            bail!(
                "{}: master_link_status is not up{}",
                n.name(),
                if relinked {
                    " after the reconnect with the new masterauth (the old password still works everywhere; nothing was removed)"
                } else {
                    ""
                }
            );
        }
        say(&format!(
            "  {}: masterauth updated, read back, persisted (CONFIG REWRITE); {}",
            n.name(),
            if relinked {
                "re-linked to its primary with it"
            } else {
                "link up"
            }
        ));
        crash_point(&format!("masterauth:{}", i + 1));
    }
    Ok(())
}

fn step_remove(ctx: &Ctx, j: &Journal) -> Result<()> {
    for (i, n) in j.nodes.iter().enumerate() {
        let mut c = ctx.conn(&n.endpoint())?;
        let now = user_hashes(&mut c, &j.user)?;
        if !now.contains(&j.new_hash) {
            bail!(
                "{}: the new password is not present; refusing to remove the old one",
                n.name()
            );
        }
        let ops: Vec<String> = n
            .old_hashes
            .iter()
            .filter(|h| now.contains(h))
            .map(|h| format!("!{h}"))
            .collect();
        // With requirepass, `CONFIG SET requirepass <new>` is the removal:
        // it leaves `default` with the new password only, in one step, and
        // CONFIG REWRITE then writes the new value, not the old one, to the
        // requirepass line. Only when every password it would drop is an
        // old one (nobody added another meanwhile).
        let only_ours = now
            .iter()
            .all(|h| *h == j.new_hash || n.old_hashes.contains(h));
        let mut requirepass_done = false;
        if n.requirepass && only_ours {
            if let Some(pw) = &ctx.new_password {
                let current = config_get(&mut c, "requirepass")?;
                if hash_password(current.as_bytes()) != j.new_hash || !ops.is_empty() {
                    let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"requirepass", pw.expose()])?;
                    expect_ok(v, "CONFIG SET requirepass", &n.name())?;
                }
                if hash_password(config_get(&mut c, "requirepass")?.as_bytes()) != j.new_hash
                    || user_hashes(&mut c, &j.user)? != [j.new_hash.clone()]
                {
                    bail!(
                        "{}: after CONFIG SET requirepass, `default` does not hold the new password alone",
                        n.name()
                    );
                }
                say(&format!(
                    "  {}: requirepass set to the new password (the old one removed with it)",
                    n.name()
                ));
                requirepass_done = true;
            }
        }
        if requirepass_done {
        } else if ops.is_empty() {
            say(&format!("  {}: old password(s) already removed", n.name()));
        } else {
            let mut args = vec!["ACL", "SETUSER", j.user.as_str()];
            args.extend(ops.iter().map(|s| s.as_str()));
            expect_ok(c.cmd(&args)?, "ACL SETUSER", &n.name())?;
            say(&format!(
                "  {}: {} old password(s) removed",
                n.name(),
                ops.len()
            ));
        }
        persist(&mut c, n)?;
        crash_point(&format!("remove:{}", i + 1));
        if n.sentinel && j.user == "default" {
            warn_sentinel_requirepass(&mut c, n, &j.new_hash)?;
        }
        if n.requirepass && !requirepass_done {
            anstream::eprintln!(
                "rampart: warning: {}: the config file still has `requirepass` with the OLD password in clear (and CONFIG GET requirepass returns it); the `user default` line written by CONFIG REWRITE overrides it at startup. Give --new-password-file with --finish to set requirepass too, or remove the requirepass line when you next edit the file.",
                n.name()
            );
        }
    }
    Ok(())
}

/// Before continuing a rotation, read every node back: a node restarted
/// since (or changed by hand) may have lost what was not persisted yet.
/// What is missing is redone by moving the journal's phase back (every
/// step is idempotent); a node that does not answer stops the run with
/// the journal unchanged.
fn reconcile(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    if j.phase < Phase::Added || j.phase > Phase::Ready {
        return Ok(());
    }
    let mut lost = Vec::new();
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        let mut c = ctx.conn(&n.endpoint()).with_context(|| {
            format!(
                "{} does not answer: start it, then run again with --resume (the journal keeps phase {:?})",
                n.name(),
                j.phase
            )
        })?;
        if !user_hashes(&mut c, &j.user)?.contains(&j.new_hash) {
            say(&format!(
                "  {}: the new password is missing (restarted before it was persisted?): it is added again",
                n.name()
            ));
            lost.push(Phase::Planned);
        }
        // A dependent changed back (a restart before CONFIG REWRITE, or a
        // person): set again.
        for what in ["masterauth", "sentinel-pass"] {
            let updated = match what {
                "masterauth" => n.masterauth_updated,
                _ => n.sentinel_pass_updated,
            };
            if !updated {
                continue;
            }
            let current = match what {
                "masterauth" => config_get(&mut c, what)?,
                _ => sentinel_config_get(&mut c, what)?,
            };
            if hash_password(current.as_bytes()) != j.new_hash {
                say(&format!(
                    "  {}: {what} is not the new password any more: it is set again",
                    n.name()
                ));
                match what {
                    "masterauth" => j.nodes[i].masterauth_updated = false,
                    _ => j.nodes[i].sentinel_pass_updated = false,
                }
                lost.push(Phase::Persisted);
            }
        }
    }
    // Nodes that joined since the plan (a new replica, a cluster node):
    // they hold only the old password, so the rotation takes them in before
    // anything is removed.
    if !j.nodes.iter().any(|n| n.sentinel) {
        let mut seen: Vec<Endpoint> = Vec::new();
        let known: Vec<Endpoint> = j.nodes.iter().map(NodeState::endpoint).collect();
        for ep in &known {
            if seen.contains(ep) {
                continue;
            }
            for (found, role) in discover(ctx, ep.clone())? {
                if seen.contains(&found) {
                    continue;
                }
                seen.push(found.clone());
                if !known.contains(&found) {
                    say(&format!(
                        "  {found} ({role}): joined since the rotation began: the new password is added there too"
                    ));
                    let n = node_state(ctx, &found, role, &j.new_hash)?;
                    j.nodes.push(n);
                    lost.push(Phase::Planned);
                }
            }
        }
    }
    if let Some(back) = lost.into_iter().min() {
        j.phase = j.phase.min(back);
        ctx.save(j)?;
    }
    Ok(())
}

/// A Sentinel has no CONFIG SET: a `requirepass` line in sentinel.conf
/// keeps the old password in clear (FLUSHCONFIG writes it back as it was
/// loaded); the `user default` line FLUSHCONFIG writes wins at startup.
/// Said with file:line when the Sentinel runs here and its file is
/// readable; in general terms otherwise.
fn warn_sentinel_requirepass(c: &mut Connection, n: &NodeState, new_hash: &str) -> Result<()> {
    let local = matches!(n.host.as_str(), "127.0.0.1" | "::1" | "localhost");
    let server = info_map(c, "server")?;
    let file = field(&server, "config_file").unwrap_or("").to_string();
    let text = if local && !file.is_empty() {
        redis_conf::fileio::read_string(
            std::path::Path::new(&file),
            redis_conf::fileio::DEFAULT_LIMIT,
        )
        .ok()
    } else {
        None
    };
    let clean = |s: &str| rampart_report::sanitize::for_terminal(s);
    match text {
        Some(t) => {
            for (i, line) in t.lines().enumerate() {
                let parts = redis_conf::split_args(line.as_bytes()).unwrap_or_default();
                if parts
                    .first()
                    .is_some_and(|d| d.eq_ignore_ascii_case(b"requirepass"))
                    && parts.get(1).map(|v| hash_password(v)).as_deref() != Some(new_hash)
                {
                    anstream::eprintln!(
                        "rampart: warning: {}:{}: `requirepass` still holds the OLD password in clear (a Sentinel cannot change it at run time; the `user default` line SENTINEL FLUSHCONFIG wrote wins at startup, and the links use sentinel-pass). Delete that line.",
                        clean(&file),
                        i + 1
                    );
                }
            }
        }
        None => anstream::eprintln!(
            "rampart: warning: Sentinel {}: if its config file ({}) has a `requirepass` line, it still holds the OLD password in clear (the `user default` line wins at startup): delete it",
            n.name(),
            if file.is_empty() { "unknown".to_string() } else { clean(&file) }
        ),
    }
    Ok(())
}

fn advance(ctx: &Ctx, j: &mut Journal, to: Phase) -> Result<()> {
    j.phase = to;
    ctx.save(j)
}

/// Run the rotation forward from its recorded phase up to `until`.
fn forward(ctx: &Ctx, j: &mut Journal, until: Phase) -> Result<()> {
    if j.phase < Phase::Added && until >= Phase::Added {
        say("Adding the new password:");
        step_add(ctx, j)?;
        advance(ctx, j, Phase::Added)?;
        crash_point("add");
    }
    if j.phase < Phase::Verified && until >= Phase::Verified {
        say("Verifying the new password:");
        step_verify(ctx, j)?;
        advance(ctx, j, Phase::Verified)?;
        crash_point("verify");
    }
    if j.phase < Phase::Persisted && until >= Phase::Persisted {
        say("Persisting:");
        step_persist(ctx, j)?;
        advance(ctx, j, Phase::Persisted)?;
        crash_point("persist");
    }
    if j.phase < Phase::Ready && until >= Phase::Ready {
        if j.nodes.iter().any(|n| n.masterauth || n.sentinel_pass)
            || j.sentinels.iter().any(|s| s.dependent)
        {
            say("Updating dependent settings:");
        }
        step_dependents(ctx, j)?;
        j.ready_at.get_or_insert_with(unix_now);
        advance(ctx, j, Phase::Ready)?;
        crash_point("dependents");
    }
    if j.phase < Phase::Removed && until >= Phase::Removed {
        say("Removing the old password(s):");
        step_remove(ctx, j)?;
        advance(ctx, j, Phase::Done)?;
        record_rotation(ctx, j);
        crash_point("remove");
    }
    Ok(())
}

/// The rotation finished (old passwords removed): one history row per
/// node, for MNT002. Names and the date only. A failure here is a warning:
/// the rotation itself is done.
fn record_rotation(ctx: &Ctx, j: &Journal) {
    use rampart_collect::history;
    let recorded = history::resolve_path(ctx.history.as_deref())
        .context("no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history FILE")
        .and_then(|path| {
            let h = history::History::open(&path)?;
            let now = history::now();
            for n in &j.nodes {
                h.record_rotation(&n.name(), &j.user, now, env!("CARGO_PKG_VERSION"))?;
            }
            Ok(path)
        });
    match recorded {
        Ok(path) => say(&format!("Recorded in the history {}.", path.display())),
        Err(e) => anstream::eprintln!(
            "rampart: warning: the rotation is done but could not be recorded in the history (MNT002 will not see it): {e:#}"
        ),
    }
}

/// Undo, in the order that keeps a working password for everyone: the old
/// hashes back on every node, then masterauth and auth-pass back to the old
/// password, then the new hash removed.
fn rollback(ctx: &Ctx, j: &mut Journal, old: Option<Secret>) -> Result<()> {
    let dependents =
        j.nodes.iter().any(|n| {
            n.masterauth_updated || (n.sentinel_pass_updated && !n.sentinel_pass_was_empty)
        }) || j.sentinels.iter().any(|s| s.updated);
    let old = match (dependents, old) {
        (false, _) => None,
        (true, None) => bail!(
            "masterauth or a Sentinel's auth-pass or sentinel-pass was changed to the new password: give the old one with --old-password-file to roll back"
        ),
        (true, Some(old)) => {
            let h = hash_password(old.expose());
            if !j.nodes.iter().any(|n| n.old_hashes.contains(&h)) {
                bail!("the --old-password-file password is not one of the user's old passwords");
            }
            Some(old)
        }
    };
    say("Restoring the old password(s):");
    for n in &j.nodes {
        let mut c = ctx.conn(&n.endpoint())?;
        let now = user_hashes(&mut c, &j.user)?;
        let ops: Vec<String> = n
            .old_hashes
            .iter()
            .filter(|h| !now.contains(h))
            .map(|h| format!("#{h}"))
            .collect();
        if !ops.is_empty() {
            let mut args = vec!["ACL", "SETUSER", j.user.as_str()];
            args.extend(ops.iter().map(|s| s.as_str()));
            expect_ok(c.cmd(&args)?, "ACL SETUSER", &n.name())?;
            say(&format!(
                "  {}: {} old password(s) restored",
                n.name(),
                ops.len()
            ));
        }
    }
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        if !n.sentinel_pass_updated {
            continue;
        }
        // Unset again when it was unset (the links go back to requirepass).
        let value: &[u8] = match (&old, n.sentinel_pass_was_empty) {
            (_, true) => b"",
            (Some(o), false) => o.expose(),
            (None, false) => bail!("{}: the old sentinel-pass is needed", n.name()),
        };
        let mut c = ctx.conn(&n.endpoint())?;
        let v = c.cmd_bytes(&[b"SENTINEL", b"CONFIG", b"SET", b"sentinel-pass", value])?;
        expect_ok(v, "SENTINEL CONFIG SET sentinel-pass", &n.name())?;
        j.nodes[i].sentinel_pass_updated = false;
        ctx.save(j)?;
        say(&format!("  Sentinel {}: sentinel-pass restored", n.name()));
    }
    if let Some(old) = &old {
        for i in 0..j.sentinels.len() {
            let s = j.sentinels[i].clone();
            if !s.updated {
                continue;
            }
            let mut c = ctx.sentinel_conn(&s.endpoint())?;
            let v = c.cmd_bytes(&[
                b"SENTINEL",
                b"SET",
                s.master.as_bytes(),
                b"auth-pass",
                old.expose(),
            ])?;
            expect_ok(
                v,
                "SENTINEL SET auth-pass",
                &format!("{}:{}", s.host, s.port),
            )?;
            j.sentinels[i].updated = false;
            ctx.save(j)?;
            say(&format!(
                "  Sentinel {}:{}: auth-pass restored",
                s.host, s.port
            ));
        }
        say("Restoring masterauth:");
        for i in 0..j.nodes.len() {
            let n = j.nodes[i].clone();
            if !n.masterauth_updated {
                continue;
            }
            let mut c = ctx.conn(&n.endpoint())?;
            // The old password must work on every node before replicas use it.
            let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"masterauth", old.expose()])?;
            expect_ok(v, "CONFIG SET masterauth", &n.name())?;
            expect_ok(c.cmd(&["CONFIG", "REWRITE"])?, "CONFIG REWRITE", &n.name())?;
            j.nodes[i].masterauth_updated = false;
            ctx.save(j)?;
            say(&format!("  {}: masterauth restored", n.name()));
        }
    }
    say("Removing the new password:");
    for n in &j.nodes {
        let mut c = ctx.conn(&n.endpoint())?;
        if n.requirepass
            && hash_password(config_get(&mut c, "requirepass")?.as_bytes()) == j.new_hash
        {
            // The removal step had set requirepass: set it back.
            match &old {
                Some(o) => {
                    let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"requirepass", o.expose()])?;
                    expect_ok(v, "CONFIG SET requirepass", &n.name())?;
                }
                None => anstream::eprintln!(
                    "rampart: warning: {}: requirepass holds the new password (CONFIG GET shows it; the `user default` line wins at startup): give --old-password-file to set it back",
                    n.name()
                ),
            }
        }
        let now = user_hashes(&mut c, &j.user)?;
        if now.contains(&j.new_hash) && !n.old_hashes.is_empty() {
            let op = format!("!{}", j.new_hash);
            expect_ok(
                c.cmd(&["ACL", "SETUSER", &j.user, &op])?,
                "ACL SETUSER",
                &n.name(),
            )?;
        }
        persist(&mut c, n)?;
    }
    advance(ctx, j, Phase::RolledBack)
}

/// How a run ended, for `--format json`.
struct RunEnd {
    journal_path: Option<PathBuf>,
    journal: Option<Journal>,
    dry_run: bool,
    /// This run wrote (or continues) the journal at `journal_path`.
    touched: bool,
}

pub fn run(args: RotateArgs) -> Result<ExitCode> {
    if args.format == ListFormat::Text {
        return run_inner(args, &mut RunEnd::empty()).map(|()| ExitCode::SUCCESS);
    }
    PROGRESS_TO_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut end = RunEnd::empty();
    let result = run_inner(args, &mut end);
    // The journal on disk is the truth after an error.
    if let (Err(_), Some(p), true) = (&result, &end.journal_path, end.touched) {
        if let Ok(Some(j)) = load_journal(p) {
            end.journal = Some(j);
        }
    }
    let error = result.as_ref().err().map(|e| format!("{e:#}"));
    let mut out = end.json();
    if let Some(e) = &error {
        out["error"] = serde_json::Value::String(e.clone());
    }
    let text = serde_json::to_string_pretty(&out)? + "\n";
    super::emit(&text, None)?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            anstream::eprintln!(
                "rampart: error: {}",
                rampart_report::sanitize::for_terminal(&format!("{e:#}"))
            );
            Ok(ExitCode::from(2))
        }
    }
}

impl RunEnd {
    fn empty() -> RunEnd {
        RunEnd {
            journal_path: None,
            journal: None,
            dry_run: false,
            touched: false,
        }
    }

    /// Names, roles and flags only: never a password or a hash.
    fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let Some(j) = &self.journal else {
            return json!({
                "schema": 1,
                "journal": self.journal_path.as_ref().map(|p| p.display().to_string()),
                "phase": null,
            });
        };
        let phase = serde_json::to_value(j.phase).unwrap_or_default();
        let next = match j.phase {
            _ if self.dry_run => "run without --dry-run",
            Phase::Ready => "finish",
            Phase::Done | Phase::RolledBack => "none",
            _ => "resume",
        };
        let nodes: Vec<serde_json::Value> = j
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "node": n.name(),
                    "role": n.role,
                    "persist": n.persist,
                    "old_passwords": n.old_hashes.len(),
                    "masterauth": n.masterauth,
                    "masterauth_updated": n.masterauth_updated,
                    "requirepass": n.requirepass,
                    "sentinel_pass": n.sentinel_pass,
                    "sentinel_pass_updated": n.sentinel_pass_updated,
                })
            })
            .collect();
        let sentinels: Vec<serde_json::Value> = j
            .sentinels
            .iter()
            .map(|s| {
                json!({
                    "sentinel": s.endpoint().to_string(),
                    "master": s.master,
                    "auth_pass": s.dependent,
                    "auth_pass_updated": s.updated,
                })
            })
            .collect();
        json!({
            "schema": 1,
            "user": j.user,
            "journal": self.journal_path.as_ref().map(|p| p.display().to_string()),
            "dry_run": self.dry_run,
            "phase": phase,
            "next": next,
            "grace_secs": j.grace_secs,
            "nodes": nodes,
            "sentinels": sentinels,
        })
    }
}

fn run_inner(args: RotateArgs, end: &mut RunEnd) -> Result<()> {
    end.dry_run = args.dry_run;
    let spec = match (&args.target, &args.conn.host, args.conn.port) {
        (Some(t), _, _) => t.clone(),
        (None, None, None) => bail!("give a TARGET (host:port) or -h/-p"),
        (None, h, p) => format!(
            "{}:{}",
            h.clone().unwrap_or_else(|| "127.0.0.1".into()),
            p.unwrap_or(6379)
        ),
    };
    let t = rampart_live::target::parse(&spec, 6379)?;
    let login = Credentials {
        user: t
            .credentials
            .user
            .clone()
            .or_else(|| args.conn.user.clone()),
        password: super::login_password(&args.conn, t.credentials.password.clone())?,
    };
    let mut seed = t.endpoint;
    seed.tls |= args.conn.tls;
    let opts = super::connect_options(&args.conn);
    let journal_path = args.journal.clone().unwrap_or_else(|| {
        let label = if args.sentinels {
            format!("sentinel-acl-{}", args.rotate_user)
        } else {
            args.rotate_user.clone()
        };
        default_journal(&label, &seed)
    });
    end.journal_path = Some(journal_path.clone());
    let _lock = if args.dry_run {
        None
    } else {
        Some(RunLock::take(&journal_path)?)
    };
    let existing = load_journal(&journal_path)?;
    let new_password = match &args.new_password_file {
        Some(f) => Some(super::read_secret_file(f)?),
        None => None,
    };
    let mut ctx = Ctx {
        opts,
        login,
        user: args.rotate_user.clone(),
        journal_path: journal_path.clone(),
        new_password,
        history: args.history.clone(),
        no_relink: args.no_relink,
    };

    let continuing = args.finish || args.resume || args.rollback;
    if continuing {
        let mut j = existing
            .with_context(|| format!("no rotation journal at {}", journal_path.display()))?;
        if j.user != ctx.user {
            bail!("the journal is for user {:?}, not {:?}", j.user, ctx.user);
        }
        let of_sentinels = !j.nodes.is_empty() && j.nodes.iter().all(|n| n.sentinel);
        if of_sentinels != args.sentinels {
            bail!(
                "the journal {} is a rotation of {}: {} --sentinels",
                journal_path.display(),
                if of_sentinels {
                    "the Sentinels' own ACL user"
                } else {
                    "the data nodes' user"
                },
                if of_sentinels { "add" } else { "drop" }
            );
        }
        if let Some(p) = &ctx.new_password {
            if hash_password(p.expose()) != j.new_hash {
                bail!("the new password given does not match the journal's hash");
            }
        }
        if matches!(j.phase, Phase::Done | Phase::RolledBack) {
            say(&format!(
                "The rotation in {} is already {:?}: nothing to do.",
                journal_path.display(),
                j.phase
            ));
            end.journal = Some(j);
            return Ok(());
        }
        if args.dry_run {
            show_plan(&j, &journal_path);
            say(&format!("Recorded phase: {:?}", j.phase));
            end.journal = Some(j);
            return Ok(());
        }
        end.touched = true;
        if args.rollback {
            let old = match &args.old_password_file {
                Some(f) => Some(super::read_secret_file(f)?),
                None => None,
            };
            rollback(&ctx, &mut j, old)?;
            say("Rolled back: every node accepts the old password(s) only.");
            end.journal = Some(j);
            return Ok(());
        }
        if let Some(g) = args.grace {
            j.grace_secs = Some(g.as_secs());
        }
        let finish_now = args.finish || j.grace_secs.is_some();
        say("Reading every node back:");
        reconcile(&ctx, &mut j)?;
        forward(&ctx, &mut j, Phase::Ready).with_context(|| stopped(&j, &journal_path))?;
        if finish_now {
            wait_grace(&j, args.finish);
            forward(&ctx, &mut j, Phase::Done).with_context(|| stopped(&j, &journal_path))?;
            say("Done: every node accepts the new password only.");
        } else {
            say(&format!(
                "Ready: both passwords work. Remove the old one with --finish (journal {}).",
                journal_path.display()
            ));
        }
        end.journal = Some(j);
        return Ok(());
    }

    if let Some(j) = &existing {
        if !matches!(j.phase, Phase::Done | Phase::RolledBack) && !args.dry_run {
            bail!(
                "a rotation of {:?} is in progress (phase {:?}, journal {}): use --resume, --finish or --rollback",
                j.user,
                j.phase,
                journal_path.display()
            );
        }
    }
    let new_password = match (&ctx.new_password, args.generate) {
        (Some(p), _) => p.clone(),
        (None, true) => generate()?,
        (None, false) => bail!("give --new-password-file FILE (or -) or --generate"),
    };
    let new_hash = hash_password(new_password.expose());
    let mut j = if args.sentinels {
        plan_sentinels(&ctx, seed, &new_hash, args.grace)?
    } else {
        plan(&ctx, seed, &new_hash, args.grace)?
    };
    show_plan(&j, &journal_path);
    if args.dry_run {
        say("Dry run: nothing changed.");
        end.journal = Some(j);
        return Ok(());
    }
    if let Some(out) = &args.password_out {
        write_private(out, new_password.expose())
            .with_context(|| format!("cannot write {}", out.display()))?;
        say(&format!(
            "The new password is in {} (mode 600).",
            out.display()
        ));
    } else if args.generate
        && !j.nodes.iter().any(|n| n.masterauth || n.sentinel_pass)
        && !j.sentinels.iter().any(|s| s.dependent)
    {
        anstream::eprintln!("rampart: warning: the generated password is not saved anywhere (--password-out FILE); only rampart's own steps will know it");
    }
    ctx.new_password = Some(new_password);
    ctx.save(&j)?;
    end.touched = true;
    forward(&ctx, &mut j, Phase::Ready).with_context(|| stopped(&j, &journal_path))?;
    if j.grace_secs.is_some() {
        wait_grace(&j, false);
        forward(&ctx, &mut j, Phase::Done).with_context(|| stopped(&j, &journal_path))?;
        say("Done: every node accepts the new password only.");
    } else {
        say(&format!(
            "Ready: both passwords work on every node. Move the clients to the new password, then run again with --finish (journal {}).",
            journal_path.display()
        ));
    }
    end.journal = Some(j);
    Ok(())
}

/// What to do after a step failed: the journal knows where it stopped.
fn stopped(j: &Journal, journal: &Path) -> String {
    format!(
        "the rotation stopped after phase {:?}; the journal {} keeps its state: fix the cause, then run again with --resume (or --rollback)",
        j.phase,
        journal.display()
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The rest of the grace period, counted from when the new password first
/// worked everywhere (so an interrupted wait does not start over).
fn wait_grace(j: &Journal, finish: bool) {
    let grace = if finish { 0 } else { j.grace_secs.unwrap_or(0) };
    let elapsed = j
        .ready_at
        .map(|t| unix_now().saturating_sub(t))
        .unwrap_or(0);
    let secs = grace.saturating_sub(elapsed);
    if secs > 0 {
        say(&format!(
            "Grace period: waiting {secs}s more before removing the old password(s)."
        ));
        std::thread::sleep(Duration::from_secs(secs));
    }
}
