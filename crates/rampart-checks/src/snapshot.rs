//! The facts a check may look at. Collectors fill these; checks only read.

use redis_acl::User;
use redis_conf::{Config, Effective, Span};
use std::path::{Path, PathBuf};

/// A source of facts: present, not available (with the reason), or failed
/// while collecting (with the error).
#[derive(Clone, Debug)]
pub enum Avail<T> {
    Present(T),
    /// Not collected: why (e.g. "needs a live connection").
    Absent(String),
    /// Collection failed: the error.
    Failed(String),
}

impl<T> Avail<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Avail::Present(t) => Some(t),
            _ => None,
        }
    }
    pub fn absent(reason: impl Into<String>) -> Self {
        Avail::Absent(reason.into())
    }
}

/// Everything known about one target.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Display name of the target (config path, host:port, ...).
    pub target: String,
    pub conf: Avail<ConfFacts>,
    /// Users built from the files.
    pub acl: Avail<AclFacts>,
    /// Users from `ACL LIST` of the running server.
    pub acl_live: Avail<AclFacts>,
    pub sentinel: Avail<SentinelFacts>,
    pub fs: Avail<FsFacts>,
    pub os: Avail<OsFacts>,
    pub proc: Avail<ProcFacts>,
    pub live: Avail<LiveFacts>,
    pub tls: Avail<TlsFacts>,
    /// Set when another target of the same cluster already carries the
    /// topology-wide checks (CLU001, CLU002): its name.
    pub topology_reported_on: Option<String>,
    /// The command table the files' users are judged with (the version's
    /// own, as the config's `rename-command` lines leave it:
    /// [`crate::aclbuild::file_command_table`]); `None`: Redis 7.0.15's.
    /// A live server's own table wins over it.
    pub file_table: Option<std::sync::Arc<redis_acl::CommandTable>>,
    /// The version the target's files and defaults are read for: the live
    /// server's own line (from INFO), else `--server-version`, the local
    /// binary, or the newest line, with the note saying which.
    pub version: Option<redis_conf::Version>,
    /// For a replica whose master was audited too: its masterauth compared
    /// with what the master says of its masteruser (ACL010 decides).
    pub master_auth: Option<MasterAuthProbe>,
    /// rampart's own records for this target: password rotations and ACL
    /// reviews (MNT001, MNT002).
    pub history: Avail<HistoryFacts>,
    /// The audit's time (unix seconds), so VER001 can tell the advisory
    /// data's age and lines whose announced support has ended; `None`
    /// (snapshots built in tests) judges neither.
    pub now: Option<i64>,
    /// The advisory and client-library data to judge with (a stored feed
    /// from `rampart advisories update`, or the embedded copy); `None`:
    /// the embedded copy.
    pub currency: Option<std::sync::Arc<redis_advisories::Currency>>,
}

impl Snapshot {
    /// A snapshot with every source absent, for building in tests.
    pub fn empty(target: impl Into<String>) -> Snapshot {
        let no = |what: &str| format!("{what} was not collected");
        Snapshot {
            target: target.into(),
            conf: Avail::Absent(no("no config file")),
            acl: Avail::Absent(no("no ACL data")),
            acl_live: Avail::Absent(LIVE_ABSENT.into()),
            sentinel: Avail::Absent("no sentinel.conf given".into()),
            fs: Avail::Absent(no("file metadata")),
            os: Avail::Absent(no("host configuration")),
            proc: Avail::Absent(no("process data")),
            live: Avail::Absent(LIVE_ABSENT.into()),
            tls: Avail::Absent(TLS_ABSENT.into()),
            topology_reported_on: None,
            file_table: None,
            version: None,
            master_auth: None,
            history: Avail::Absent(HISTORY_ABSENT.into()),
            now: None,
            currency: None,
        }
    }
}

/// A replica's masterauth held against its master's users: what was
/// compared and what the master's ACL LIST said. A fact, not a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterAuthProbe {
    /// The replica's `masteruser` (`default` when not set).
    pub user: String,
    /// The master, as audited (its target name).
    pub master: String,
    pub outcome: MasterAuthOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MasterAuthOutcome {
    /// The master has the user: its state, and whether the replica's
    /// masterauth (SHA-256) is one of its password hashes.
    Compared {
        enabled: bool,
        nopass: bool,
        masterauth_set: bool,
        hash_matches: bool,
    },
    /// The master has no such user.
    NoSuchUser,
    /// Not compared, and why.
    NotTried(String),
}

/// Why the history checks skip when there is no history file.
pub const HISTORY_ABSENT: &str =
    "no history yet: rampart rotate and rampart acl review --record write it";

/// What rampart's local history (`rampart rotate`, `rampart acl review
/// --record`) says about one target, with the periods to judge it by.
/// Dates only: the history never holds a password or a hash.
#[derive(Clone, Debug)]
pub struct HistoryFacts {
    /// The history file read.
    pub path: PathBuf,
    /// The name the target is recorded under (`host:port`, or the config
    /// file's path for a files-only audit).
    pub server: String,
    /// The audit's time (unix seconds); injected so checks stay pure.
    pub now: i64,
    /// `--rotation-days`: a password older than this is overdue.
    pub rotation_days: u32,
    /// `--review-days`: a review older than this is overdue.
    pub review_days: u32,
    /// Per user: the recorded rotations.
    pub rotations: std::collections::BTreeMap<String, RotationRecord>,
    /// The last recorded ACL review.
    pub last_review: Option<ReviewRecord>,
}

/// The rotations recorded for one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationRecord {
    /// How many were recorded.
    pub count: u32,
    /// When the last one finished (unix seconds).
    pub last: i64,
}

/// One recorded ACL review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewRecord {
    /// When (unix seconds).
    pub at: i64,
    /// How many users were reviewed.
    pub users: u32,
}

impl HistoryFacts {
    /// Whole days from `then` to the audit's time (0 for a future date).
    pub fn age_days(&self, then: i64) -> i64 {
        (self.now - then).max(0) / 86_400
    }
    /// Whether `then` is older than `days` days.
    pub fn older_than(&self, then: i64, days: u32) -> bool {
        self.now - then > i64::from(days) * 86_400
    }
    /// Where the evidence comes from.
    pub fn location(&self) -> String {
        format!("history {} [{}]", self.path.display(), self.server)
    }
}

/// A unix time as a UTC date and time: `2026-11-29 06:04 UTC`.
pub fn utc_datetime(unix: i64) -> String {
    let (y, m, d, h, mi, _) = utc_parts(unix);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// Unix seconds → (year, month, day, hour, minute, second), UTC: the one
/// calendar conversion every report and the history use (Howard Hinnant's
/// `civil_from_days`).
pub fn utc_parts(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Each part is in range by construction (day 1..=31, second < 60).
    let small = |v: i64| u32::try_from(v).unwrap_or(0);
    (
        y,
        small(m),
        small(d),
        small(secs / 3600),
        small(secs % 3600 / 60),
        small(secs % 60),
    )
}

/// Why live checks skip in a files-only audit.
pub const LIVE_ABSENT: &str = "needs a live connection to the server; this audit read files only";
/// Why measured TLS checks skip in a files-only audit.
pub const TLS_ABSENT: &str =
    "needs a TLS handshake with the server (the TLS prober); this audit read files only";

/// A loaded redis.conf.
#[derive(Clone, Debug)]
pub struct ConfFacts {
    pub path: PathBuf,
    pub config: Config,
}

impl ConfFacts {
    /// Effective value (file or Redis default) of a config parameter.
    pub fn effective(&self, name: &str) -> Option<Effective> {
        self.config.effective(name)
    }
    /// Effective value as a string ("" when unknown).
    pub fn value(&self, name: &str) -> String {
        self.effective(name).map(|e| e.value).unwrap_or_default()
    }
    /// True when the effective value of a yes/no parameter is "yes".
    pub fn is_yes(&self, name: &str) -> bool {
        self.value(name).eq_ignore_ascii_case("yes")
    }
    /// Where a parameter was set, or `None` for the built-in default.
    pub fn span(&self, name: &str) -> Option<Span> {
        self.effective(name).and_then(|e| e.span)
    }
    /// Whether the file sets this parameter explicitly.
    pub fn is_set(&self, name: &str) -> bool {
        self.config.last(name).is_some()
    }
    /// A numeric parameter: 0 when unset; a value that is not a number is
    /// noted, and the check that read it becomes an error (see
    /// [`parse_number`]), never a verdict on a made-up 0.
    pub fn number(&self, name: &str) -> i64 {
        parse_number(name, &self.value(name), &self.location(name))
    }
    /// The location to cite for a parameter: its line, or "<path> (default)".
    pub fn location(&self, name: &str) -> String {
        match self.span(name) {
            Some(s) => s.to_string(),
            None => format!("{} ({name} not set: Redis default)", self.path.display()),
        }
    }
    /// Evidence for a parameter: at its line, or at the file when it is the default.
    pub fn evidence(
        &self,
        name: &str,
        observed: impl Into<String>,
        expected: impl Into<String>,
    ) -> crate::Evidence {
        match self.span(name) {
            Some(span) => crate::Evidence::at(crate::Source::Conf, &span, observed, expected),
            None => {
                crate::Evidence::new(crate::Source::Conf, self.location(name), observed, expected)
            }
        }
    }

    /// Whether this server is configured as a replica.
    pub fn replicaof(&self) -> Option<&redis_conf::Directive> {
        self.config
            .last("replicaof")
            .or_else(|| self.config.last("slaveof"))
    }
}

/// Where the users came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclOrigin {
    /// `ACL LIST` of the running server.
    Live(String),
    /// The external ACL file named by `aclfile`.
    AclFile(PathBuf),
    /// `user` lines in redis.conf.
    ConfUserLines,
    /// No users defined: only the built-in default user (with `requirepass`, if set).
    BuiltinDefault,
}

/// One user, as Redis would hold it after startup.
#[derive(Clone, Debug)]
pub struct UserEntry {
    pub user: User,
    /// The line that defined it; `None` for the built-in default user.
    pub span: Option<Span>,
    /// `aclfile`, or `conf` for redis.conf `user` lines and requirepass.
    pub source: crate::Source,
}

/// The users of a server as built from its files.
#[derive(Clone, Debug)]
pub struct AclFacts {
    pub origin: AclOrigin,
    pub users: Vec<UserEntry>,
    /// True when no `user default` line exists, so Redis created the
    /// default user itself (`on nopass ~* &* +@all`, or with requirepass).
    pub default_implicit: bool,
    /// Lines Redis would reject (the other users are still here).
    pub problems: Vec<(Span, String)>,
}

impl AclFacts {
    pub fn user(&self, name: &str) -> Option<&UserEntry> {
        self.users.iter().find(|u| u.user.name == name)
    }
    pub fn default_user(&self) -> Option<&UserEntry> {
        self.user("default")
    }
}

/// A loaded sentinel.conf.
#[derive(Clone, Debug)]
pub struct SentinelFacts {
    pub path: PathBuf,
    pub config: Config,
}

/// What a file is to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileRole {
    Config,
    Include,
    AclFile,
    SentinelConfig,
    DataDir,
    Rdb,
    AofDir,
    Aof,
    Log,
    TlsKey,
    TlsCert,
    TlsCa,
}

impl FileRole {
    pub fn describe(self) -> &'static str {
        match self {
            FileRole::Config => "config file",
            FileRole::Include => "included config file",
            FileRole::AclFile => "ACL file",
            FileRole::SentinelConfig => "sentinel config file",
            FileRole::DataDir => "data directory",
            FileRole::Rdb => "RDB file",
            FileRole::AofDir => "AOF directory",
            FileRole::Aof => "AOF file",
            FileRole::Log => "log file",
            FileRole::TlsKey => "TLS private key",
            FileRole::TlsCert => "TLS certificate",
            FileRole::TlsCa => "TLS CA file",
        }
    }
    /// Configuration files (OS004: mode 740 or stricter).
    pub fn is_config(self) -> bool {
        matches!(
            self,
            FileRole::Config | FileRole::Include | FileRole::AclFile | FileRole::SentinelConfig
        )
    }
}

/// Owner, group and mode of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub is_dir: bool,
    /// Neither a regular file nor a directory (a device, FIFO or socket):
    /// rampart refuses to read it, and no chmod is suggested for it.
    pub is_special: bool,
}

impl FileMeta {
    pub fn owner_name(&self) -> String {
        self.owner.clone().unwrap_or_else(|| self.uid.to_string())
    }
    pub fn group_name(&self) -> String {
        self.group.clone().unwrap_or_else(|| self.gid.to_string())
    }
    /// `redis:redis 0640`
    pub fn describe(&self) -> String {
        format!(
            "{}:{} {:04o}",
            self.owner_name(),
            self.group_name(),
            self.mode
        )
    }
}

/// One file the server uses, with its metadata (or why it could not be read).
#[derive(Clone, Debug)]
pub struct FileFact {
    pub path: PathBuf,
    pub role: FileRole,
    /// The config line that names it, if any.
    pub named_at: Option<Span>,
    /// `Ok(None)` when the file does not exist (yet).
    pub meta: Result<Option<FileMeta>, String>,
}

/// Metadata of every file the config names.
#[derive(Clone, Debug, Default)]
pub struct FsFacts {
    pub files: Vec<FileFact>,
}

impl FsFacts {
    pub fn with_role(&self, role: FileRole) -> impl Iterator<Item = &FileFact> {
        self.files.iter().filter(move |f| f.role == role)
    }
}

/// One logrotate rule: a path pattern and where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogrotateRule {
    pub pattern: String,
    pub file: PathBuf,
    pub line: u32,
}

/// Host configuration relevant to the checks.
#[derive(Clone, Debug)]
pub struct OsFacts {
    /// Logrotate rules on this host; `Err` when logrotate's config could not be read.
    pub logrotate: Result<Vec<LogrotateRule>, String>,
    /// Files read for `logrotate`.
    pub logrotate_files: Vec<PathBuf>,
    /// The logrotate program, if installed (rules do nothing without it).
    pub logrotate_binary: Option<PathBuf>,
}

/// A running server process on this host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: u32,
    pub uid: u32,
    pub user: Option<String>,
    pub exe: String,
    /// Command line with secret arguments replaced by `***`.
    pub cmdline: String,
    /// The TCP sockets it listens on (/proc/net/tcp, tcp6), for the server
    /// of a live audit on this host; `None` when not read (a files-only
    /// audit) or not readable (another user's process).
    pub listening: Option<Vec<(std::net::IpAddr, u16)>>,
}

/// Processes on this host that serve the audited config.
#[derive(Clone, Debug, Default)]
pub struct ProcFacts {
    pub processes: Vec<ProcessInfo>,
}

/// What happened when rampart connected with no credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnauthProbe {
    /// The server refused: the error it gave (`NOAUTH ...`, `DENIED ...`).
    Refused(String),
    /// The server ran a command for a stranger: which one and what it said.
    Open(String),
    /// The probe itself failed (connection refused, timeout, ...).
    Failed(String),
}

/// Facts from a live connection (collected by the live audit). Secret
/// config values (requirepass, masterauth, ...) are never stored in
/// `config`: their value there is `***` when set.
#[derive(Clone, Debug)]
pub struct LiveFacts {
    /// `host:port` as connected.
    pub endpoint: String,
    /// RESP protocol version in use (2 or 3).
    pub protocol: u8,
    /// INFO (every section), field → value.
    pub info: std::collections::BTreeMap<String, String>,
    /// CONFIG GET *: name → value, or why it could not be read (NOPERM,
    /// CONFIG renamed or disabled).
    pub config: Result<std::collections::BTreeMap<String, String>, String>,
    /// ACL LIST lines, or why not.
    pub acl_list: Result<Vec<String>, String>,
    /// CLIENT LIST entries (field → value), or why not.
    pub clients: Result<Vec<std::collections::BTreeMap<String, String>>, String>,
    /// CLUSTER NODES text when cluster mode is on.
    pub cluster_nodes: Option<Result<String, String>>,
    /// The unauthenticated probe.
    pub unauth: Option<UnauthProbe>,
    /// Plaintext connection attempts on ports that should be TLS-only:
    /// (port, what happened).
    pub plaintext_probes: Vec<(u16, UnauthProbe)>,
    /// The server's own command table (COMMAND + ACL CAT: its version and
    /// modules), when the audit user may read it.
    pub command_table: Option<std::sync::Arc<redis_acl::CommandTable>>,
    /// MODULE LIST: the loaded modules (name and `ver`), or why it could
    /// not be read (NOPERM, a Sentinel, MODULE renamed).
    pub modules: Result<Vec<redis_advisories::LoadedModule>, String>,
    /// SHA-256 of the replica's `masterauth` (what Redis stores for a
    /// password), to check it against the master's users. Never shown.
    pub masterauth_sha256: Option<String>,
    /// Other servers this one knows (`host:port`): cluster nodes, its
    /// replicas or master, a Sentinel's masters, replicas and peers.
    pub peers: Vec<String>,
    /// The distribution package version of the server binary, when the
    /// server runs on this host and a package owns it (dpkg).
    pub package_version: Option<String>,
    /// DATA003's opt-in sample of values (`--sample-values N`): `None`
    /// when not asked for.
    pub value_sample: Option<Result<ValueSample, String>>,
    /// What a Sentinel says of itself (SENTINEL MYID, CONFIG GET, MASTERS).
    pub sentinel: Option<LiveSentinel>,
}

/// A live Sentinel's own view, for ACL011 when its sentinel.conf cannot be
/// read (a remote Sentinel).
#[derive(Clone, Debug)]
pub struct LiveSentinel {
    /// `SENTINEL MYID`, or why it could not be read.
    pub myid: Result<String, String>,
    /// `SENTINEL CONFIG GET sentinel-user` (empty: unset), or why not.
    pub sentinel_user: Result<String, String>,
    /// Whether `sentinel-pass` is set (its value is never kept), or why
    /// that could not be read.
    pub sentinel_pass_set: Result<bool, String>,
    /// `SENTINEL MASTERS`, or why it could not be read (never an empty
    /// list for a reply that failed).
    pub masters: Result<Vec<SentinelMaster>, String>,
}

/// One master a Sentinel monitors.
#[derive(Clone, Debug, Default)]
pub struct SentinelMaster {
    pub name: String,
    /// `ip:port` as the Sentinel reports it.
    pub addr: String,
    /// The user this Sentinel's command link is logged in as on the master
    /// (the master's CLIENT LIST, `name=sentinel-<id>-cmd`), when the
    /// master was audited in the same run and listed its clients.
    pub login_user: Option<String>,
    /// `quorum` from SENTINEL MASTERS.
    pub quorum: Option<u32>,
    /// The other Sentinels this one knows for the master (SENTINEL
    /// SENTINELS: `ip:port`), or why they could not be read; `None` when
    /// not asked.
    pub sentinels: Option<Result<Vec<String>, String>>,
}

/// What a read-only sample of stored values showed. No value is kept.
#[derive(Clone, Debug, Default)]
pub struct ValueSample {
    /// Keys looked at, and values (strings, fields, elements) read.
    pub keys: usize,
    pub values: usize,
    /// The keyspace had more keys than the limit.
    pub truncated: bool,
    /// `CLIENT NO-TOUCH on` was accepted (7.2+, Valkey): the reads did not
    /// change the keys' LRU/LFU access data.
    pub no_touch: bool,
    /// Keys whose values look like sensitive plaintext.
    pub hits: Vec<SampleHit>,
    /// Keys whose read failed, and the first reason.
    pub unreadable: usize,
    pub first_error: Option<String>,
}

/// One key with sensitive-looking plaintext.
#[derive(Clone, Debug)]
pub struct SampleHit {
    /// The database number and key name (as stored; sanitised when shown).
    pub db: u32,
    pub key: String,
    /// The key's type and where in it (`string`, `hash field email`, ...).
    pub place: String,
    pub kinds: Vec<crate::sensitive::Kind>,
}

impl LiveFacts {
    /// The command table to judge this server's users with: its own, else
    /// the shipped table of its version's line (INFO).
    pub fn table(&self) -> &redis_acl::CommandTable {
        match self.command_table.as_deref() {
            Some(t) => t,
            None => {
                let (product, version) = self.product();
                redis_acl::CommandTable::builtin(&product, &version).table
            }
        }
    }
    /// An INFO field.
    pub fn info(&self, name: &str) -> Option<&str> {
        self.info.get(name).map(String::as_str)
    }
    /// A CONFIG GET value, if CONFIG GET worked and knows the name. A name
    /// the server's CONFIG GET answer lacks is noted for the check running
    /// (see [`crate::registry::run_one`]), so that a verdict without
    /// evidence says what was missing.
    pub fn config(&self, name: &str) -> Option<&str> {
        let v = self.config.as_ref().ok()?.get(name).map(String::as_str);
        if v.is_none() {
            note_missing_config(name);
        }
        v
    }
    /// "Redis 7.0.15" / "Valkey 8.0.1" (Valkey's own version, not its `redis_version`).
    pub fn product(&self) -> (String, String) {
        if let Some(v) = self.info("valkey_version") {
            return ("valkey".into(), v.to_string());
        }
        let name = self.info("server_name").unwrap_or("redis").to_string();
        (
            name,
            self.info("redis_version").unwrap_or("unknown").to_string(),
        )
    }
}

/// Facts measured by the TLS prober.
#[derive(Clone, Debug)]
pub struct TlsFacts {
    /// `host:port` scanned.
    pub endpoint: String,
    pub scan: tls_probe::ScanReport,
}

impl TlsFacts {
    /// Where the evidence comes from.
    pub fn location(&self) -> String {
        format!(
            "TLS scan of {} ({} handshakes)",
            self.endpoint, self.scan.handshakes
        )
    }
}

/// Resolve `p` the way the server would: absolute stays, relative is
/// taken from `base`.
pub fn resolve(base: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// A line of an input file that Redis would reject (or warn about),
/// reported beside the checks: the rest of the file is still audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    pub source: crate::Source,
    pub location: String,
    pub file: PathBuf,
    pub line: u32,
    pub message: String,
    /// Redis would refuse to start (or to load the ACL file).
    pub fatal: bool,
}

impl InputProblem {
    fn at(source: crate::Source, span: &Span, message: &str, fatal: bool) -> InputProblem {
        InputProblem {
            source,
            location: span.to_string(),
            file: span.file.to_path_buf(),
            line: span.line,
            message: message.to_string(),
            fatal,
        }
    }
}

impl Snapshot {
    /// Every problem the parsers found in the config, ACL file and sentinel.conf.
    pub fn input_problems(&self) -> Vec<InputProblem> {
        use redis_conf::ProblemKind;
        let mut out = Vec::new();
        if let Avail::Present(c) = &self.conf {
            for p in &c.config.problems {
                out.push(InputProblem::at(
                    crate::Source::Conf,
                    &p.span,
                    &p.message,
                    p.kind == ProblemKind::Fatal,
                ));
            }
        }
        if let Avail::Present(a) = &self.acl {
            let source = match a.origin {
                AclOrigin::AclFile(_) => crate::Source::Aclfile,
                _ => crate::Source::Conf,
            };
            for (span, msg) in &a.problems {
                // The config parser already reports user lines it rejects.
                if out
                    .iter()
                    .any(|p: &InputProblem| p.location == span.to_string())
                {
                    continue;
                }
                out.push(InputProblem::at(source, span, msg, true));
            }
        }
        if let Avail::Present(sf) = &self.sentinel {
            for p in &sf.config.problems {
                out.push(InputProblem::at(
                    crate::Source::Conf,
                    &p.span,
                    &p.message,
                    p.kind == ProblemKind::Fatal,
                ));
            }
        }
        out
    }
}

thread_local! {
    /// CONFIG GET names a check asked for that the server did not return.
    static MISSING_CONFIG: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn note_missing_config(name: &str) {
    MISSING_CONFIG.with(|m| {
        let mut m = m.borrow_mut();
        if !m.iter().any(|n| n == name) {
            m.push(name.to_string());
        }
    });
}

thread_local! {
    /// Numeric settings a check read whose value is not a number.
    static UNREADABLE: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A numeric setting's value: "" (unset: the default applies) is 0; a value
/// that is not a number is recorded for [`take_unreadable`] and read as 0,
/// so `run_one` can turn the check's verdict into an error naming it.
pub(crate) fn parse_number(name: &str, value: &str, location: &str) -> i64 {
    let v = value.trim();
    if v.is_empty() {
        return 0;
    }
    match v.parse() {
        Ok(n) => n,
        Err(_) => {
            let what = format!("{name} = {v:?} at {location} is not a number");
            UNREADABLE.with(|u| {
                let mut u = u.borrow_mut();
                if !u.contains(&what) {
                    u.push(what);
                }
            });
            0
        }
    }
}

/// Take (and clear) the numeric settings read that were not numbers.
pub(crate) fn take_unreadable() -> Vec<String> {
    UNREADABLE.with(|u| std::mem::take(&mut *u.borrow_mut()))
}

/// Take (and clear) the CONFIG GET names asked for and not returned.
pub(crate) fn take_missing_config() -> Vec<String> {
    MISSING_CONFIG.with(|m| std::mem::take(&mut *m.borrow_mut()))
}
