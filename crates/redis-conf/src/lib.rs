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

mod secret;
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
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            dialect: Dialect::Server,
            max_file_bytes: 16 * 1024 * 1024,
            max_include_depth: 16,
            max_files: 1024,
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
    TooLarge { path: PathBuf, size: u64, limit: u64 },
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
}

/// Split one line the way Redis's `sdssplitargs()` does.
/// Returns `None` for unbalanced quotes (or a closing quote not followed by a space).
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let _ = line;
    todo!("sdssplitargs")
}

impl Config {
    /// Load a file and its includes. `Err` only when the main file cannot be
    /// read at all; every other problem lands in [`Config::problems`].
    pub fn load(path: &Path, opts: &LoadOptions) -> Result<Config, LoadError> {
        let _ = (path, opts);
        todo!()
    }

    /// Parse text as if it were the file `name` (includes are resolved
    /// relative to the current directory, as Redis does).
    pub fn parse_str(name: &Path, text: &str, opts: &LoadOptions) -> Config {
        let _ = (name, text, opts);
        todo!()
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
    pub fn effective(&self, name: &str) -> Option<Effective> {
        let _ = name;
        todo!()
    }

    /// True when any problem would stop Redis from starting.
    pub fn has_fatal(&self) -> bool {
        self.problems.iter().any(|p| p.kind == ProblemKind::Fatal)
    }
}
