//! The config parameters of one dialect, read from its `config.json`
//! (generated from a real server by `dialect-gen config`: names, aliases,
//! types, enum values, bounds, defaults as `CONFIG GET` prints them, and
//! the loader's messages).
//!
//! The data says what each config is; this crate's code says how the
//! loader treats each kind (`value.rs`), and models by name the few
//! configs whose parsing is their own (`save`, `bind`, `replicaof`, ...),
//! as Redis's config.c does.

use std::collections::HashMap;
use std::sync::OnceLock;

use redis_dialects::Dialect;
use serde::Deserialize;

/// How a numeric config is parsed and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumFmt {
    Int,
    Memory,
    /// A memory value that may be negative (read with `memtoll`).
    MemorySigned,
    Octal,
    MemoryPercent,
}

/// The checks the loader makes on a string config, each with its message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StrChecks {
    /// Refuses a path (`a/b`): `dbfilename can't be a path, just a filename`.
    pub path: Option<String>,
    /// Refuses the empty string.
    pub empty: Option<String>,
    /// Only letters, digits, `-` and `.` (a hostname).
    pub hostname: Option<String>,
    /// A `proc-title-template`.
    pub template: Option<String>,
    /// Refuses these printable characters (Redis 7.2's
    /// cluster-announce-human-nodename), with the message.
    pub bad_chars: Option<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    Dir,
    Save,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    NotifyKeyspaceEvents,
    Bind,
    ReplicaOf,
    LatencyPercentiles,
}

/// The configs whose parsing is their own, by name.
const SPECIALS: &[(&str, Special)] = &[
    ("dir", Special::Dir),
    ("save", Special::Save),
    (
        "client-output-buffer-limit",
        Special::ClientOutputBufferLimit,
    ),
    ("oom-score-adj-values", Special::OomScoreAdjValues),
    ("notify-keyspace-events", Special::NotifyKeyspaceEvents),
    ("bind", Special::Bind),
    ("replicaof", Special::ReplicaOf),
    // 6.2 lists it apart from its alias replicaof.
    ("slaveof", Special::ReplicaOf),
    (
        "latency-tracking-info-percentiles",
        Special::LatencyPercentiles,
    ),
];

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Bool,
    /// (value, how `CONFIG GET` prints it), in the server's order.
    Enum(Vec<(String, String)>),
    /// A multi-argument enum of flags (shutdown-on-sig*).
    Flags(Vec<(String, String)>),
    Str(StrChecks),
    Num {
        lo: i128,
        hi: i128,
        /// Boundary check as unsigned (the bounds reach past i64::MAX).
        unsigned: bool,
        fmt: NumFmt,
    },
    Special(Special),
    /// Answered by `CONFIG GET`, refused by the file loader (6.2's
    /// `watchdog-period`).
    RuntimeOnly,
    /// A config the generator could not classify and this crate has no
    /// model of: taken as the server printed it, without validation.
    Opaque,
}

impl Kind {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Enum(_) => "enum",
            Kind::Flags(_) => "flags",
            Kind::Str(_) => "string",
            Kind::Num {
                fmt: NumFmt::Int, ..
            } => "integer",
            Kind::Num {
                fmt: NumFmt::Octal, ..
            } => "octal",
            Kind::Num { .. } => "memory",
            Kind::Special(_) | Kind::Opaque | Kind::RuntimeOnly => "special",
        }
    }
}

/// Whether `CONFIG SET` can change a config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetAt {
    Runtime,
    Immutable,
    /// Only with `enable-protected-configs`.
    Protected,
}

#[derive(Debug)]
pub(crate) struct Spec {
    pub name: String,
    pub aliases: Vec<String>,
    pub kind: Kind,
    pub default: String,
    /// Listed by `CONFIG GET *` (else hidden: accepted in a file, answered
    /// by exact name only).
    pub listed: bool,
    pub multi: bool,
    pub set: SetAt,
    /// The server redacts it (it holds a secret); `None` when unknown.
    pub secret: Option<bool>,
    /// The loader's message for a value it cannot parse.
    pub bad_value: Option<String>,
    /// The loader's message for a number out of range.
    pub out_of_range: Option<String>,
    /// The loader's message for a negative number, when it has one of its
    /// own (Redis 8: `argument must be greater or equal to 0`).
    pub negative: Option<String>,
}

#[derive(Deserialize)]
struct EntryData {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    values: Vec<(String, String)>,
    #[serde(default)]
    lo: Option<String>,
    #[serde(default)]
    hi: Option<String>,
    default: String,
    listed: bool,
    multi: bool,
    set: String,
    #[serde(default)]
    secret: Option<bool>,
    #[serde(default)]
    refuses: HashMap<String, String>,
    #[serde(default)]
    refused_chars: Option<String>,
}

#[derive(Deserialize)]
struct TableData {
    generated_from: String,
    unknown_directive: String,
    #[serde(default)]
    deprecated: Vec<String>,
    configs: Vec<EntryData>,
    #[serde(default)]
    behaviors: HashMap<String, Behavior>,
}

/// What the server's loader did with one fixed probe (`dialect-gen`'s
/// `behaviors`): how it reads files, where versions differ.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Behavior {
    pub accepted: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub values: HashMap<String, String>,
}

#[derive(Deserialize)]
struct CommandsData {
    commands: Vec<CommandName>,
}

#[derive(Deserialize)]
struct CommandName {
    name: String,
}

/// `sentinel.json`: the `sentinel ...` statements Sentinel mode takes.
#[derive(Debug, Deserialize)]
pub(crate) struct SentinelData {
    pub unrecognized: String,
    pub statements: HashMap<String, SentinelStatement>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SentinelStatement {
    /// Argument counts after the statement's name.
    pub takes: Vec<usize>,
    /// Counts it knows but refused the probe's values for (a script that
    /// does not exist), by count.
    #[serde(default)]
    pub refuses: HashMap<String, String>,
}

impl SentinelData {
    /// Whether the statement with `argc` arguments after its name is one
    /// the loader knows (it may still refuse the values).
    pub(crate) fn recognizes(&self, sub: &str, argc: usize) -> bool {
        self.statements
            .get(sub)
            .is_some_and(|s| s.takes.contains(&argc) || s.refuses.contains_key(&argc.to_string()))
    }
}

/// Redis's message for a line it does not know, where the data has none.
pub(crate) const BAD_DIRECTIVE: &str = "Bad directive or wrong number of arguments";

/// One dialect's config table.
#[derive(Debug)]
pub(crate) struct Table {
    pub dialect: &'static Dialect,
    pub generated_from: String,
    pub specs: Vec<Spec>,
    by_name: HashMap<String, usize>,
    pub deprecated: Vec<String>,
    pub unknown_directive: String,
    /// Top-level command names (for `rename-command`); `None` when the
    /// dialect has no command table.
    pub commands: Option<Vec<String>>,
    /// Set when the `tls-*` configs come from another line (the binary
    /// the data came from was built without TLS).
    pub tls_from: Option<String>,
    behaviors: HashMap<String, Behavior>,
    /// The Sentinel statements, when the data has them.
    pub sentinel: Option<SentinelData>,
}

fn spec_of(e: EntryData) -> Spec {
    let special = SPECIALS.iter().find(|(n, _)| *n == e.name).map(|(_, s)| *s);
    let num = |fmt: NumFmt| {
        let parse = |v: &Option<String>, octal: bool| -> Option<i128> {
            let v = v.as_deref()?;
            if octal {
                i128::from_str_radix(v, 8).ok()
            } else {
                v.parse().ok()
            }
        };
        let octal = fmt == NumFmt::Octal;
        let lo = parse(&e.lo, octal).unwrap_or(i128::from(i64::MIN));
        let hi = parse(&e.hi, octal).unwrap_or(i128::from(i64::MAX));
        Kind::Num {
            lo,
            hi,
            unsigned: hi > i128::from(i64::MAX),
            fmt,
        }
    };
    let kind = match (special, e.kind.as_str()) {
        (Some(s), _) => Kind::Special(s),
        (None, "bool") => Kind::Bool,
        (None, "enum") => Kind::Enum(e.values.clone()),
        (None, "flags") => Kind::Flags(e.values.clone()),
        (None, "string") => {
            let hostname = e.refuses.get("a_b").cloned();
            let bad_chars = match (&e.refused_chars, e.refuses.get("{rampart}")) {
                (Some(chars), Some(m)) if hostname.is_none() => Some((chars.clone(), m.clone())),
                _ => None,
            };
            // A template refuses both "" and "{rampart}" (an unknown variable).
            let template =
                if hostname.is_none() && bad_chars.is_none() && e.refuses.contains_key("") {
                    e.refuses.get("{rampart}").cloned()
                } else {
                    None
                };
            let path = if hostname.is_none() {
                e.refuses.get("a/b").cloned()
            } else {
                None
            };
            let empty = if template.is_none() {
                e.refuses.get("").cloned()
            } else {
                None
            };
            Kind::Str(StrChecks {
                path,
                empty,
                hostname,
                template,
                bad_chars,
            })
        }
        (None, "integer") => num(NumFmt::Int),
        (None, "memory") => num(NumFmt::Memory),
        (None, "memory-signed") => num(NumFmt::MemorySigned),
        (None, "octal") => num(NumFmt::Octal),
        (None, "memory-percent") => num(NumFmt::MemoryPercent),
        (_, "runtime-only") => Kind::RuntimeOnly,
        _ => Kind::Opaque,
    };
    let set = match e.set.as_str() {
        "runtime" => SetAt::Runtime,
        "protected" => SetAt::Protected,
        _ => SetAt::Immutable,
    };
    let out_of_range = e
        .refuses
        .get("range")
        .or_else(|| e.refuses.get("100000%"))
        .cloned();
    Spec {
        negative: e.refuses.get("-1").cloned(),
        bad_value: e.refuses.get("rampart-probe").cloned(),
        out_of_range,
        name: e.name,
        aliases: e.aliases,
        kind,
        default: e.default,
        listed: e.listed,
        multi: e.multi,
        set,
        secret: e.secret,
    }
}

fn build(d: &'static Dialect) -> Option<Table> {
    let data: TableData = serde_json::from_str(d.config_data()).ok()?;
    let mut specs: Vec<Spec> = data.configs.into_iter().map(spec_of).collect();
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    let commands = serde_json::from_str::<CommandsData>(d.commands_data())
        .ok()
        .map(|c| c.commands.into_iter().map(|c| c.name).collect());
    let mut t = Table {
        dialect: d,
        generated_from: data.generated_from,
        specs,
        tls_from: None,
        behaviors: data.behaviors,
        sentinel: serde_json::from_str(d.sentinel_data()).ok(),
        by_name: HashMap::new(),
        deprecated: data.deprecated,
        unknown_directive: data.unknown_directive,
        commands,
    };
    t.reindex();
    Some(t)
}

/// The slots of every dialect's table, in [`redis_dialects::all`] order,
/// each built on first use (a run reads one or two).
fn slots() -> &'static [OnceLock<Option<Table>>] {
    static T: OnceLock<Vec<OnceLock<Option<Table>>>> = OnceLock::new();
    T.get_or_init(|| {
        redis_dialects::all()
            .iter()
            .map(|_| OnceLock::new())
            .collect()
    })
}

/// The table of the dialect at index `i` of [`redis_dialects::all`].
///
/// A dialect whose data came from a binary built without TLS takes the
/// `tls-*` configs of the nearest line of the same product that was built
/// with TLS: the server it stands for has them.
fn at(i: usize) -> Option<&'static Table> {
    let all = redis_dialects::all();
    slots()
        .get(i)?
        .get_or_init(|| {
            let d = all.get(i)?;
            let mut t = build(d)?;
            if !d.origin.tls {
                let donor = (0..all.len())
                    .filter(|&j| j != i && all[j].origin.tls && all[j].product == d.product)
                    .min_by_key(|&j| {
                        let l = all[j].line;
                        let dist = (i64::from(l.0) * 100 + i64::from(l.1)
                            - (i64::from(d.line.0) * 100 + i64::from(d.line.1)))
                        .abs();
                        (dist, std::cmp::Reverse(l))
                    })
                    .and_then(at);
                if let Some(donor) = donor {
                    let borrowed: Vec<Spec> = donor
                        .specs
                        .iter()
                        .filter(|s| s.name.starts_with("tls-") && t.lookup(&s.name).is_none())
                        .map(Spec::copy)
                        .collect();
                    if !borrowed.is_empty() {
                        t.tls_from = Some(donor.dialect.title());
                        t.specs.extend(borrowed);
                        t.specs.sort_by(|a, b| a.name.cmp(&b.name));
                        t.reindex();
                    }
                }
            }
            Some(t)
        })
        .as_ref()
}

/// Every dialect's table that has data, in [`redis_dialects::all`] order
/// (builds them all: for the rare questions about every version).
pub(crate) fn tables() -> impl DoubleEndedIterator<Item = &'static Table> {
    (0..redis_dialects::all().len()).filter_map(at)
}

/// The table of one dialect (`None` when it has no readable config data).
pub(crate) fn of(d: &Dialect) -> Option<&'static Table> {
    let i = redis_dialects::all()
        .iter()
        .position(|x| x.product == d.product && x.line == d.line)?;
    at(i)
}

impl Spec {
    fn copy(&self) -> Spec {
        Spec {
            name: self.name.clone(),
            aliases: self.aliases.clone(),
            kind: self.kind.clone(),
            default: self.default.clone(),
            listed: self.listed,
            multi: self.multi,
            set: self.set,
            secret: self.secret,
            bad_value: self.bad_value.clone(),
            out_of_range: self.out_of_range.clone(),
            negative: self.negative.clone(),
        }
    }
}

impl Table {
    fn reindex(&mut self) {
        self.by_name.clear();
        for (i, s) in self.specs.iter().enumerate() {
            self.by_name.insert(s.name.clone(), i);
            for a in &s.aliases {
                self.by_name.insert(a.clone(), i);
            }
        }
    }

    /// The answer to one loader question; `None` when the data has none
    /// (older data: behave as Redis 7.0 does).
    pub(crate) fn behavior(&self, name: &str) -> Option<&Behavior> {
        self.behaviors.get(name)
    }
    /// Whether `save` is 6.2's: odd lines taken and ignored, one pair a line.
    pub(crate) fn legacy_save(&self) -> bool {
        self.behavior("save-odd").is_some_and(|b| b.accepted)
    }
    /// The loader's message for a line it does not know.
    pub(crate) fn unknown_message(&self) -> &str {
        if self.unknown_directive.is_empty() {
            BAD_DIRECTIVE
        } else {
            &self.unknown_directive
        }
    }
    /// Whether the tokenizer goes on with a word after its closing quote
    /// (`"abc"def` is `abcdef`, Valkey 9) instead of refusing the line.
    pub(crate) fn joins_quotes(&self) -> bool {
        self.behavior("closing-quote").is_some_and(|b| b.accepted)
    }
    /// Whether a multi-argument config given one argument has it split on
    /// spaces (`bind "a b"`, 7.0+); 6.2 takes its words as they are.
    pub(crate) fn splits_one_argument(&self) -> bool {
        self.behavior("multi-arg-one-string")
            .is_none_or(|b| b.accepted)
    }
    /// Whether the loader takes `include` glob patterns (7.0+).
    pub(crate) fn include_globs(&self) -> bool {
        self.behavior("include-glob").is_none_or(|b| b.accepted)
    }

    /// The spec for a (lower-case) config name or alias.
    pub(crate) fn lookup(&self, name: &str) -> Option<&Spec> {
        self.by_name.get(name).map(|&i| &self.specs[i])
    }
    pub(crate) fn is_deprecated(&self, name: &str) -> bool {
        self.deprecated.iter().any(|d| d == name)
    }
    /// Names `CONFIG GET *` lists (aliases included), sorted.
    pub(crate) fn listed_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .specs
            .iter()
            .filter(|s| s.listed)
            .flat_map(|s| {
                std::iter::once(s.name.as_str()).chain(s.aliases.iter().map(String::as_str))
            })
            .collect();
        v.sort_unstable();
        v
    }
}
