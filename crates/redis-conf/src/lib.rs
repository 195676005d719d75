//! A lossless, spanned parser for `redis.conf` and `sentinel.conf`.
//!
//! The tokenizer follows Redis's own `sdssplitargs()` rules; the loader
//! follows `loadServerConfig()`: `include` (with glob patterns, as Redis 7
//! accepts them), case-insensitive directive names, repeating directives
//! and last-one-wins scalars. Every directive keeps its `file:line`.
//!
//! Nothing here knows about security checks: the crate turns bytes into
//! [`Config`] and reports every line Redis would reject as a [`Problem`],
//! without stopping at the first one.
//! [`edit`] changes a file line by line (every other byte kept) and shows
//! the unified diff with secret lines ([`SENSITIVE_DIRECTIVES`]) as `***`.
//!
//! Every version is read with its own dialect ([`Version`]): the config
//! table of that Redis or Valkey line, generated from a real server
//! (`redis-dialects`). `tests/differential.rs` checks the loader against
//! every server installed here: a corpus of configs, the stock config of
//! each line, and every config name with invalid values. A line the
//! chosen dialect does not know, but another does, says both; it is fatal
//! only when the version is known. Known differences:
//! - `user` lines are kept but not validated (the ACL crate parses them);
//!   Redis refuses a line with a bad ACL rule.
//! - Checks that depend on the host are approximated: `dir` fails only when
//!   the directory is missing here (not on permissions); log files, ACL
//!   files, TLS certificates and modules are not opened; `maxclients` may be
//!   lowered by Redis at startup to fit `ulimit -n`.
//! - `activedefrag yes` is a Warning: builds without Redis's bundled
//!   jemalloc (Debian's) refuse it, upstream builds accept it.
//! - Redis follows include loops until it crashes; this crate reports a
//!   Fatal problem instead, and caps nesting (16), file count (1,024),
//!   file size (16 MiB) and total bytes (64 MiB). An include over a cap,
//!   or with a NUL byte, is not read although the server reads it: it is
//!   an [`ProblemKind::Unread`] problem and a [`Config::unread`] entry,
//!   and [`Config::is_decided`] says which values it leaves unknown.
//! - Every file is read with [`fileio`]: regular files only (checked on
//!   the opened descriptor), never blocking on a FIFO, bounded.
//! - A NUL byte inside a line: Redis drops the rest of its 1024-byte read
//!   chunk (possibly merging lines); this crate drops the rest of the line.
//! - `effective("dir")` is empty when the file does not set it (the
//!   server's startup directory is unknown to a file parser).
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod edit;
pub mod fileio;
mod loader;
mod secret;
mod split;
mod table;
mod value;
pub use fileio::ReadFileError;
pub use secret::Secret;
pub use value::string2ll;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use redis_dialects::{Dialect, Product};

/// Where a directive (or a problem) comes from.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: Arc<Path>,
    /// 1-based line number.
    pub line: u32,
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The one list of config parameters whose values are secrets
/// (passwords): never shown, logged, compared or written by a fix.
/// Every caller uses this list (or [`SENSITIVE_DIRECTIVES`], made from it).
///
/// The generated tables ([`is_secret_config`]) also flag `masteruser` /
/// `primaryuser`, which Redis redacts but which hold a user name, not a
/// password (checks read it: ACL010); a test keeps the two in step.
pub const SECRET_CONFIGS: &[&str] = &SECRET_CONFIG_NAMES;

const SECRET_CONFIG_NAMES: [&str; 5] = [
    "requirepass",
    "masterauth",
    "primaryauth",
    "tls-key-file-pass",
    "tls-client-key-file-pass",
];

/// Directives that are not config parameters but whose lines may hold a
/// secret: ACL rules with `>password`, sentinel.conf's `auth-pass` and
/// `sentinel-pass`.
const SECRET_LINES: [&str; 2] = ["user", "sentinel"];

/// Names of directives whose arguments are secrets: [`SECRET_CONFIGS`]
/// plus `user` (ACL rules that may carry `>password`) and `sentinel`
/// (sentinel.conf). Their arguments never appear in `Debug` output;
/// callers must not print them either.
pub const SENSITIVE_DIRECTIVES: &[&str] =
    &concat_names::<5, 2, 7>(SECRET_CONFIG_NAMES, SECRET_LINES);

const fn concat_names<const A: usize, const B: usize, const C: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; C] {
    assert!(A + B == C, "C must be A + B");
    let mut out = [""; C];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < C {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

/// One configuration line after tokenizing.
#[derive(Clone)]
pub struct Directive {
    /// Lower-cased directive name (`Port` → `port`).
    pub name: String,
    /// Arguments after unquoting, in order. Arguments are bytes in Redis;
    /// here they are UTF-8 (invalid sequences replaced), which is enough
    /// for every directive a security audit reads.
    pub args: Vec<String>,
    pub span: Span,
}

impl Directive {
    /// True when the arguments may hold a secret (see [`SENSITIVE_DIRECTIVES`]).
    pub fn is_sensitive(&self) -> bool {
        SENSITIVE_DIRECTIVES.contains(&self.name.as_str())
    }
    /// The arguments joined by one space (what `CONFIG GET` shows for most
    /// multi-argument directives).
    pub fn joined(&self) -> String {
        self.args.join(" ")
    }
}

impl fmt::Debug for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Directive");
        d.field("name", &self.name);
        if self.is_sensitive() {
            d.field("args", &"***");
        } else {
            d.field("args", &self.args);
        }
        d.field("span", &self.span).finish()
    }
}

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// Redis would refuse to start with this line (`*** FATAL CONFIG FILE ERROR ***`).
    Fatal,
    /// Redis accepts the line but it is suspicious or ignored.
    Warning,
    /// An included file rampart did not read (over a size, depth or count
    /// limit, or not text) although the server would: every setting it
    /// could change is unknown ([`Config::unread`]).
    Unread,
}

/// A line Redis would reject (or warn about), with where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub span: Span,
    /// Human-readable reason, as close to Redis's own message as possible.
    /// Never contains a secret argument.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.span, self.message)
    }
}

/// Which file format is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Server,
    Sentinel,
}

/// The server version a file is read for: a dialect, and whether it is
/// the server's own line (only then is a line that dialect refuses
/// certain to stop the server).
#[derive(Clone, Debug)]
pub struct Version {
    pub dialect: &'static Dialect,
    /// The data is of the server's own line.
    pub exact: bool,
    /// What the report should say about the choice (unset when exact and
    /// named by the user or the server).
    pub note: Option<String>,
}

impl Version {
    /// The very line of `dialect`.
    pub fn exact(dialect: &'static Dialect) -> Version {
        Version {
            dialect,
            exact: true,
            note: None,
        }
    }
    /// From [`redis_dialects::choose`].
    pub fn from_choice(c: redis_dialects::Choice) -> Version {
        Version {
            dialect: c.dialect,
            exact: c.is_exact(),
            note: c.note,
        }
    }
    /// A dialect by name (`redis-7.2`, `valkey-9.1`, `redis-8.2.3`).
    pub fn named(name: &str) -> Option<Version> {
        redis_dialects::by_name(name).map(Version::exact)
    }
    /// The newest line of `product`, when the version is not known.
    pub fn unknown(product: Product) -> Option<Version> {
        let d = redis_dialects::newest(product)?;
        Some(Version {
            dialect: d,
            exact: false,
            note: Some(format!(
                "the server version is not known: read as {}, the newest line rampart knows (name it with --server-version)",
                d.title()
            )),
        })
    }
}

/// Limits and options for loading.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub format: Format,
    /// The version the file is read for; `None`: not known, read as the
    /// newest Redis line ([`Version::unknown`]).
    pub version: Option<Version>,
    /// Files larger than this are refused with a problem (not read).
    pub max_file_bytes: u64,
    /// Maximum nesting of `include`.
    pub max_include_depth: usize,
    /// Maximum number of files read in total (includes and globs).
    pub max_files: usize,
    /// Maximum bytes read in total, the main file and every include.
    pub max_total_bytes: u64,
    /// The server's working directory when it reads the file: relative
    /// `include` and `dir` paths resolve against it (and against every
    /// `dir` line before them, as Redis `chdir`s while loading). `None`:
    /// this process's current directory.
    pub working_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            format: Format::Server,
            version: None,
            max_file_bytes: 16 * 1024 * 1024,
            max_include_depth: 16,
            max_files: 1024,
            max_total_bytes: 64 * 1024 * 1024,
            working_dir: None,
        }
    }
}

impl LoadOptions {
    /// The defaults, read for `version`.
    pub fn for_version(version: Version) -> LoadOptions {
        LoadOptions {
            version: Some(version),
            ..LoadOptions::default()
        }
    }
    /// The defaults, read for the dialect named `name` (exact), e.g. in tests.
    pub fn for_dialect(name: &str) -> LoadOptions {
        LoadOptions {
            version: Version::named(name),
            ..LoadOptions::default()
        }
    }
}

/// A file that was read (the main file or an include).
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// The `include` directive that pulled it in; `None` for the main file.
    pub included_from: Option<Span>,
    /// How many newline characters it holds: text appended at its end
    /// starts at line `lines + 1`.
    pub lines: u32,
}

/// An error that prevents reading the main file at all.
#[derive(Debug)]
pub enum LoadError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    Binary {
        path: PathBuf,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            LoadError::TooLarge { path, size, limit } => write!(
                f,
                "{} is {size} bytes, over the limit of {limit} bytes",
                path.display()
            ),
            LoadError::Binary { path } => {
                write!(
                    f,
                    "{} is not a text file (it contains NUL bytes)",
                    path.display()
                )
            }
        }
    }
}

/// No `source()`: the message holds the cause (reports print the chain,
/// which would say it twice).
impl std::error::Error for LoadError {}

/// The value a directive has once the whole file is loaded, rendered as
/// `CONFIG GET` would show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective {
    pub value: String,
    /// The line that set it; `None` when it is Redis's built-in default.
    pub span: Option<Span>,
}

/// A loaded configuration: every directive from the main file and its
/// includes, in the order Redis applies them, plus every problem found.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub files: Vec<LoadedFile>,
    pub directives: Vec<Directive>,
    pub problems: Vec<Problem>,
    /// The working directory relative paths were resolved against
    /// ([`LoadOptions::working_dir`], else this process's current directory).
    pub working_dir: Option<PathBuf>,
    /// The version the file was read for (`None` only when rampart has no
    /// dialect data at all).
    pub version: Option<Version>,
    /// Included files that were not read although the server reads them:
    /// the configuration is incomplete, and a setting is known only when a
    /// line read after every one of them sets it.
    pub unread: Vec<Unread>,
    /// Comment lines addressed to rampart (`# rampart: ...`), as read with
    /// the directives (the text after `#`, trimmed): rampart's inline
    /// suppressions come from the very bytes the audit judged, never from
    /// a second read of the file.
    pub rampart_comments: Vec<(Span, String)>,
}

/// An included file that was not read (see [`ProblemKind::Unread`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unread {
    /// The `include` line.
    pub span: Span,
    /// The file (or pattern) not read.
    pub path: PathBuf,
    /// Why it was not read.
    pub reason: String,
    /// Its lines would have been applied before `directives[at]`.
    pub at: usize,
}

/// Split one line the way Redis's `sdssplitargs()` does.
/// Returns `None` for unbalanced quotes (or a closing quote not followed by a space).
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    split::split_args(line)
}

/// An argument as a redis.conf line must spell it for `sdssplitargs()` to
/// read it back unchanged: bare when it is plain printable ASCII, else in
/// double quotes with `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH` escapes.
pub fn quote_arg(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\'' && c != '\\');
    if plain {
        return a.to_string();
    }
    let mut s = String::from("\"");
    for c in a.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                s.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// A directive line: the name and its arguments, each quoted as needed.
pub fn render_line(name: &str, args: &[&str]) -> String {
    std::iter::once(name.to_string())
        .chain(args.iter().map(|a| quote_arg(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Directives that are not config parameters but that Redis accepts in a
/// config file (the loader's own keywords).
pub const SPECIAL_DIRECTIVES: &[&str] = &[
    "include",
    "rename-command",
    "user",
    "loadmodule",
    "sentinel",
];

/// Every config table, newest line first (Redis before Valkey at equal
/// age does not matter: names and aliases agree where both know them).
fn newest_first() -> impl Iterator<Item = &'static table::Table> {
    table::tables().rev()
}

/// Every name `CONFIG GET *` lists on `dialect` (aliases included), sorted.
/// Generated from a real server: `redis-dialects/data/<dialect>/config.json`.
pub fn config_names(dialect: &Dialect) -> Vec<&'static str> {
    table::of(dialect)
        .map(|t| t.listed_names())
        .unwrap_or_default()
}

/// The canonical name of a config parameter or alias (`slaveof` →
/// `replicaof`, `Slave-Read-Only` → `replica-read-only`) in any known
/// dialect; `None` when no known version has it.
pub fn canonical_name(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    newest_first().find_map(|t| t.lookup(&n).map(|s| s.name.as_str()))
}

/// The value type of a config parameter in the newest dialect that knows
/// it: `bool`, `enum`, `flags`, `string`, `integer`, `octal`, `memory` or
/// `special`.
pub fn config_type(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    newest_first().find_map(|t| t.lookup(&n).map(|s| s.kind.type_name()))
}

/// The built-in default of a config parameter as `CONFIG GET` prints it
/// on `dialect` (`dir` is empty: it is the server's startup directory).
pub fn default_value_in(dialect: &Dialect, name: &str) -> Option<&'static str> {
    spec_in(dialect, name).map(|s| s.default.as_str())
}

/// The spec of a config parameter or alias (any case) on `dialect`.
fn spec_in(dialect: &Dialect, name: &str) -> Option<&'static table::Spec> {
    table::of(dialect)?.lookup(&name.to_ascii_lowercase())
}

/// True when some known version accepts `name` as the first word of a
/// config line (config parameters, aliases, hidden and deprecated names,
/// the loader's keywords). Module configs (`module.name`) are not included.
pub fn is_known_directive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SPECIAL_DIRECTIVES.contains(&n.as_str())
        || table::tables().any(|t| t.lookup(&n).is_some() || t.is_deprecated(&n))
}

/// True when a config holds a secret on some known version (the server
/// redacts it), or is one of [`SENSITIVE_DIRECTIVES`].
pub fn is_secret_config(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SENSITIVE_DIRECTIVES.contains(&n.as_str())
        || table::tables().any(|t| t.lookup(&n).is_some_and(|s| s.secret == Some(true)))
}

/// Whether `CONFIG SET` can change a config on `dialect`.
pub fn settable_at_runtime(dialect: &Dialect, name: &str) -> Option<table::SetAt> {
    spec_in(dialect, name).map(|s| s.set)
}

pub use table::SetAt;

/// Top-level command names of `dialect` (its command table), as used to
/// check `rename-command`; empty when it has none.
pub fn known_commands(dialect: &Dialect) -> Vec<&'static str> {
    table::of(dialect)
        .and_then(|t| t.commands.as_ref())
        .map(|c| c.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Whether rampart models how `dialect`'s loader reads `name` (its value
/// is known from the file); `false` for the few a generator could not
/// classify, which are accepted but not validated.
pub fn is_modelled(dialect: &Dialect, name: &str) -> bool {
    spec_in(dialect, name).is_some_and(|s| !matches!(s.kind, table::Kind::Opaque))
}

/// Whether `dialect`'s loader takes `name` in a file at all (6.2's
/// `watchdog-period` is answered by `CONFIG GET` but refused in a file).
pub fn in_files(dialect: &Dialect, name: &str) -> bool {
    spec_in(dialect, name).is_some_and(|s| !matches!(s.kind, table::Kind::RuntimeOnly))
}

/// Whether a config of `dialect` takes more than one argument (`save`,
/// `bind`, `client-output-buffer-limit`, ...).
pub fn takes_many(dialect: &Dialect, name: &str) -> bool {
    spec_in(dialect, name).is_some_and(|s| !value::single_arg(s))
}

/// What a dialect's config data came from (`redis-server 7.2.6 (tag
/// 7.2.6)`), for reports.
pub fn generated_from(dialect: &Dialect) -> Option<&'static str> {
    table::of(dialect).map(|t| t.generated_from.as_str())
}

impl Config {
    /// Load a file and its includes. `Err` only when the main file cannot be
    /// read at all; every other problem lands in [`Config::problems`].
    pub fn load(path: &Path, opts: &LoadOptions) -> Result<Config, LoadError> {
        let mut l = loader::Loader::new(opts);
        l.load_main(path)?;
        Ok(l.cfg)
    }

    /// Parse text as if it were the file `name` (includes are resolved
    /// relative to the current directory, as Redis does).
    pub fn parse_str(name: &Path, text: &str, opts: &LoadOptions) -> Config {
        let mut l = loader::Loader::new(opts);
        l.parse_main(name, text.as_bytes());
        l.cfg
    }

    /// The last directive with this (lower-case) name: the one that wins for scalars.
    pub fn last(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().rev().find(|d| d.name == name)
    }

    /// Every directive with this (lower-case) name, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.directives.iter().filter(move |d| d.name == name)
    }

    /// The effective value of a config parameter, as `CONFIG GET name`
    /// would print it on the Redis version this crate models (7.0), with
    /// the built-in default when the file does not set it. `None` for names
    /// that are not config parameters this crate knows.
    ///
    /// `dir` is resolved against this process's working directory (Redis
    /// resolves it against its own); when the file does not set it the
    /// value is empty, since the server's startup directory is unknown.
    pub fn effective(&self, name: &str) -> Option<Effective> {
        self.effective_for(name, Format::Server)
    }

    /// The dialect the file was read for.
    pub fn dialect(&self) -> Option<&'static Dialect> {
        self.version.as_ref().map(|v| v.dialect)
    }

    fn table(&self) -> Option<&'static table::Table> {
        self.dialect().and_then(table::of)
    }

    /// The built-in default of a config as `CONFIG GET` prints it on the
    /// version the file was read for.
    pub fn default_of(&self, name: &str) -> Option<&'static str> {
        default_value_in(self.dialect()?, name)
    }

    /// Like [`Config::effective`], with the defaults of `format`
    /// (Sentinel listens on 26379 with protected mode off).
    pub fn effective_for(&self, name: &str, format: Format) -> Option<Effective> {
        use table::{Kind, Special};
        let t = self.table()?;
        let spec = t.lookup(&name.to_ascii_lowercase())?;
        let lines: Vec<&Directive> = self
            .directives
            .iter()
            .filter(|d| t.lookup(&d.name).is_some_and(|s| std::ptr::eq(s, spec)))
            .collect();
        let default = match (format, spec.name.as_str()) {
            (Format::Sentinel, "port") => "26379",
            (Format::Sentinel, "protected-mode") => "no",
            _ => spec.default.as_str(),
        };
        let span = lines.last().map(|d| d.span.clone());
        // Cluster mode forces one database on some versions.
        if spec.name == "databases" && lines.is_empty() {
            if let Some(b) = t.behavior("cluster-databases") {
                let cluster = self
                    .effective_for("cluster-enabled", format)
                    .map(|e| e.value);
                if let (Some(v), Some("yes")) = (b.values.get("databases"), cluster.as_deref()) {
                    return Some(Effective {
                        value: v.clone(),
                        span: None,
                    });
                }
            }
        }
        let Some(last) = lines.last() else {
            return Some(Effective {
                value: default.to_string(),
                span: None,
            });
        };
        let value = match spec.kind {
            Kind::Special(Special::Save) if t.legacy_save() => {
                value::replay_save_legacy(default, lines.iter().map(|d| d.args.as_slice()))
            }
            Kind::Special(Special::Save) => {
                value::replay_save(default, lines.iter().map(|d| d.args.as_slice()))
            }
            // Not modelled: the value the server shows is not known here.
            Kind::Opaque => return None,
            Kind::Special(Special::ClientOutputBufferLimit) => {
                value::replay_obuf(default, lines.iter().map(|d| d.args.as_slice()))
            }
            Kind::Special(Special::Dir) => {
                let mut cwd = match &self.working_dir {
                    Some(w) => w.clone(),
                    None => std::env::current_dir().unwrap_or_default(),
                };
                for d in &lines {
                    if let Some(a) = d.args.first() {
                        cwd = cwd.join(a);
                    }
                }
                std::fs::canonicalize(&cwd)
                    .unwrap_or(cwd)
                    .to_string_lossy()
                    .into_owned()
            }
            _ => value::render(spec, &last.args),
        };
        Some(Effective { value, span })
    }

    /// True when some included file was not read: values may be unknown.
    pub fn is_incomplete(&self) -> bool {
        !self.unread.is_empty()
    }

    /// Whether the effective value of `name` is decided by what was read:
    /// always when every file was read; else only when a line read after
    /// the last unread file sets it (a default, or a line before, may be
    /// overridden by the unread file). Accumulating configs (`save`,
    /// `client-output-buffer-limit`) and names no table knows are decided
    /// only when every file was read.
    pub fn is_decided(&self, name: &str) -> bool {
        use table::{Kind, Special};
        let Some(last_unread) = self.unread.iter().map(|u| u.at).max() else {
            return true;
        };
        let Some(t) = self.table() else {
            return false;
        };
        let Some(spec) = t.lookup(&name.to_ascii_lowercase()) else {
            return false;
        };
        if matches!(
            spec.kind,
            Kind::Special(Special::Save) | Kind::Special(Special::ClientOutputBufferLimit)
        ) {
            return false;
        }
        self.directives
            .iter()
            .rposition(|d| t.lookup(&d.name).is_some_and(|s| std::ptr::eq(s, spec)))
            .is_some_and(|i| i >= last_unread)
    }

    /// The unread files, as one sentence for a report.
    pub fn unread_summary(&self) -> Option<String> {
        if self.unread.is_empty() {
            return None;
        }
        let mut parts: Vec<String> = self
            .unread
            .iter()
            .take(3)
            .map(|u| {
                format!(
                    "{} (included at {}): {}",
                    u.path.display(),
                    u.span,
                    u.reason
                )
            })
            .collect();
        if self.unread.len() > 3 {
            parts.push(format!("and {} more", self.unread.len() - 3));
        }
        Some(parts.join("; "))
    }

    /// True when any problem would stop Redis from starting.
    pub fn has_fatal(&self) -> bool {
        self.problems.iter().any(|p| p.kind == ProblemKind::Fatal)
    }
}
