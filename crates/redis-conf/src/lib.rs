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

mod loader;
mod secret;
mod split;
mod table;
mod value;
pub use secret::Secret;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// Names of directives whose arguments are secrets (passwords or ACL
/// rules that may carry `>password`). Their arguments never appear in
/// `Debug` output; callers must not print them either.
pub const SENSITIVE_DIRECTIVES: &[&str] = &[
    "requirepass",
    "masterauth",
    "primaryauth",
    "user",
    "tls-key-file-pass",
    "tls-client-key-file-pass",
    // sentinel.conf
    "sentinel",
];

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
pub enum Dialect {
    #[default]
    Server,
    Sentinel,
}

/// Limits and options for loading.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub dialect: Dialect,
    /// Files larger than this are refused with a problem (not read).
    pub max_file_bytes: u64,
    /// Maximum nesting of `include`.
    pub max_include_depth: usize,
    /// Maximum number of files read in total (includes and globs).
    pub max_files: usize,
    /// The server's working directory when it reads the file: relative
    /// `include` and `dir` paths resolve against it (and against every
    /// `dir` line before them, as Redis `chdir`s while loading). `None`:
    /// this process's current directory.
    pub working_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            dialect: Dialect::Server,
            max_file_bytes: 16 * 1024 * 1024,
            max_include_depth: 16,
            max_files: 1024,
            working_dir: None,
        }
    }
}

/// A file that was read (the main file or an include).
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// The `include` directive that pulled it in; `None` for the main file.
    pub included_from: Option<Span>,
}

/// An error that prevents reading the main file at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path} is not a text file (it contains NUL bytes)")]
    Binary { path: PathBuf },
}

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
}

/// Split one line the way Redis's `sdssplitargs()` does.
/// Returns `None` for unbalanced quotes (or a closing quote not followed by a space).
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    split::split_args(line)
}

/// The Redis version whose behaviour this crate models (names, defaults,
/// validation rules and messages).
pub const MODELLED_REDIS_VERSION: &str = "7.0.15";

/// Directives that are not config parameters but that Redis 7.0 accepts in
/// a config file.
pub const SPECIAL_DIRECTIVES: &[&str] = &[
    "include",
    "rename-command",
    "user",
    "loadmodule",
    "sentinel",
];

/// Every name `CONFIG GET *` lists on Redis 7.0.15 (aliases included),
/// sorted. Generated from a real server: `data/config-defaults-7.0.txt`.
pub fn config_names() -> Vec<&'static str> {
    table::listed_names().collect()
}

/// The canonical name of a config parameter or alias (`slaveof` →
/// `replicaof`, `Slave-Read-Only` → `replica-read-only`); `None` when the
/// name is not a config parameter of Redis 7.0 (hidden ones included).
pub fn canonical_name(name: &str) -> Option<&'static str> {
    table::lookup(&name.to_ascii_lowercase()).map(|s| s.name)
}

/// The value type of a config parameter: `bool`, `enum`, `flags`,
/// `string`, `integer`, `octal`, `memory` or `special`.
pub fn config_type(name: &str) -> Option<&'static str> {
    table::lookup(&name.to_ascii_lowercase()).map(|s| s.kind.type_name())
}

/// The built-in default of a config parameter as `CONFIG GET` prints it on
/// Redis 7.0.15 (`dir` is empty: it is the server's startup directory).
pub fn default_value(name: &str) -> Option<&'static str> {
    table::lookup(&name.to_ascii_lowercase()).map(table::default_of)
}

/// True when Redis 7.0 accepts `name` as the first word of a config line
/// (config parameters, aliases, hidden and deprecated names, special
/// directives). Module configs (`module.name`) are not included.
pub fn is_known_directive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    table::lookup(&n).is_some()
        || table::DEPRECATED.contains(&n.as_str())
        || SPECIAL_DIRECTIVES.contains(&n.as_str())
}

/// Top-level command names of Redis 7.0.15 (`COMMAND LIST`), as used to
/// check `rename-command`.
pub fn known_commands() -> Vec<&'static str> {
    table::commands().collect()
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
        self.effective_for(name, Dialect::Server)
    }

    /// Like [`Config::effective`], with the defaults of `dialect`
    /// (Sentinel listens on 26379 with protected mode off).
    pub fn effective_for(&self, name: &str, dialect: Dialect) -> Option<Effective> {
        use table::{Kind, Special};
        let spec = table::lookup(&name.to_ascii_lowercase())?;
        let lines: Vec<&Directive> = self
            .directives
            .iter()
            .filter(|d| table::lookup(&d.name).is_some_and(|s| std::ptr::eq(s, spec)))
            .collect();
        let default = match (dialect, spec.name) {
            (Dialect::Sentinel, "port") => "26379",
            (Dialect::Sentinel, "protected-mode") => "no",
            _ => table::default_of(spec),
        };
        let span = lines.last().map(|d| d.span.clone());
        let Some(last) = lines.last() else {
            return Some(Effective {
                value: default.to_string(),
                span: None,
            });
        };
        let value = match spec.kind {
            Kind::Special(Special::Save) => {
                value::replay_save(default, lines.iter().map(|d| d.args.as_slice()))
            }
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

    /// True when any problem would stop Redis from starting.
    pub fn has_fatal(&self) -> bool {
        self.problems.iter().any(|p| p.kind == ProblemKind::Fatal)
    }
}
