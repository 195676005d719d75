//! `config.json`: the config table, learned from the server's loader.
//!
//! 1. Defaults: `CONFIG GET *` of the binary started on an empty file (in
//!    a network namespace of its own when `unshare` works, so the built-in
//!    `port` is read without listening on this host's 6379).
//! 2. Names: the listed ones, plus every word of the binary, of the stock
//!    config (commented lines too) and of the other dialects' tables that
//!    `CONFIG GET` answers for by exact name (hidden configs); names it does
//!    not answer for but the loader accepts are deprecated (accepted and
//!    ignored).
//! 3. Types, enum values, bounds and messages: each name is loaded with
//!    chosen values and the loader's answer read: `argument must be 'yes'
//!    or 'no'` is a bool, `one of the following: ...` an enum with its
//!    values, `between X and Y inclusive` the bounds, and so on. An accepted
//!    value is read back with `CONFIG GET *`, which also shows aliases (every
//!    name that changed with it); `CONFIG REWRITE` names the canonical one.
//! 4. Run time: `CONFIG SET name <default>` answers OK, immutable or
//!    protected; `SLOWLOG` shows which arguments the server redacts (the
//!    configs that hold secrets).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::probe::{self, Binary, Outcome};
use crate::server::Identity;
use crate::Args;

/// Lines of the probe harness (see [`probe::harness`]): the probed line
/// follows them.
fn probe_line_no(dir: &Path) -> u32 {
    probe::harness(dir, false).len() as u32 + 1
}

/// What the loader did with one probed line.
#[derive(Debug)]
enum Answer {
    /// Accepted; `CONFIG GET *` afterwards.
    Accepted(BTreeMap<String, String>),
    /// Refused at the probed line, with the server's reason.
    Refused(String),
    /// The loader took it but the server stopped later (TLS set-up, no
    /// listener): `reason` is what it printed last.
    Failed,
}

impl Answer {
    fn refused(&self) -> Option<&str> {
        match self {
            Answer::Refused(r) => Some(r),
            _ => None,
        }
    }
    fn accepted(&self) -> bool {
        !matches!(self, Answer::Refused(_))
    }
}

struct Prober {
    bin: Binary,
    probes: usize,
}

impl Prober {
    /// Load `name args...` after the harness.
    fn probe(&mut self, name: &str, args: &[&str]) -> Result<Answer> {
        // A server told to daemonize forks away from its pid: never.
        if name.eq_ignore_ascii_case("daemonize")
            && args.iter().any(|a| a.eq_ignore_ascii_case("yes"))
        {
            return Ok(Answer::Failed);
        }
        self.probes += 1;
        let line = std::iter::once(name.to_string())
            .chain(args.iter().map(|a| quote(a)))
            .collect::<Vec<_>>()
            .join(" ");
        if std::env::var_os("DIALECT_GEN_TRACE").is_some() {
            eprintln!("probe: {line}");
        }
        self.load(std::slice::from_ref(&line))
            .with_context(|| format!("probing `{line}`"))
    }

    fn load(&mut self, lines: &[String]) -> Result<Answer> {
        match probe::start(&self.bin, lines, false)? {
            Outcome::Started(mut s) => {
                // A probed requirepass locks the probe out until it logs in.
                for l in lines {
                    let words: Vec<&str> = l.split_whitespace().collect();
                    if words.len() == 2 && words[0] == "requirepass" {
                        s.cmd(&["AUTH", words[1].trim_matches('"')])?;
                    }
                }
                let all = s.config_all()?;
                Ok(Answer::Accepted(all))
            }
            Outcome::Refused {
                line,
                reason,
                output,
            } => {
                let want = probe_line_no(Path::new("/"));
                match line {
                    Some(l) if l >= want => Ok(Answer::Refused(reason)),
                    Some(l) => bail!("the probe harness itself was refused at line {l}: {reason}"),
                    // Redis 8 keeps unknown names for modules and refuses
                    // them after loading: still the loader's refusal.
                    None if output.contains("Unresolved Configuration") => {
                        Ok(Answer::Refused(reason))
                    }
                    None => Ok(Answer::Failed),
                }
            }
        }
    }
}

/// An argument as a config line must spell it.
fn quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\'' && c != '\\');
    if plain {
        a.to_string()
    } else {
        format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[derive(Serialize, Default, Debug)]
struct Entry {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    /// bool, enum, flags, string, integer, octal, memory, memory-percent,
    /// special.
    #[serde(rename = "type")]
    kind: String,
    /// enum/flags: each accepted value and how `CONFIG GET` prints it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    values: Vec<(String, String)>,
    /// Numeric bounds, as decimal strings (they reach u64::MAX).
    #[serde(skip_serializing_if = "Option::is_none")]
    lo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hi: Option<String>,
    /// `CONFIG GET` on an empty config (`dir` and `unixsocket` blank).
    default: String,
    /// Listed by `CONFIG GET *` (else hidden: answered by exact name only).
    listed: bool,
    /// Takes more than one argument.
    multi: bool,
    /// `runtime`, `immutable` or `protected` (`CONFIG SET`).
    set: String,
    /// The server redacts it in SLOWLOG (it holds a secret); `null` when
    /// the server has no redaction (6.2) or it cannot be set at run time.
    secret: Option<bool>,
    /// For a string checked character by character: the printable
    /// characters it refuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    refused_chars: Option<String>,
    /// The loader's answers to probe values that it refused, by value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    refuses: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Table {
    generated_from: String,
    /// The loader's message for a line it does not know.
    unknown_directive: String,
    /// Names the loader accepts with one argument and ignores.
    deprecated: Vec<String>,
    configs: Vec<Entry>,
    behaviors: BTreeMap<String, Behavior>,
    stock: Option<Stock>,
}

/// The stock config of the release, as its server loaded it: the active
/// lines (the harness lines that keep the probe off the host's ports and
/// files come after them) and `CONFIG GET *` afterwards.
#[derive(Serialize, Debug)]
struct Stock {
    file: String,
    lines: Vec<String>,
    harness: Vec<String>,
    started: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    values: BTreeMap<String, String>,
}

fn stock(p: &mut Prober, path: &Path) -> Result<Stock> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let dir = tempfile::tempdir()?;
    let mut harness = probe::harness(dir.path(), false);
    harness.push(format!("pidfile {}/p.pid", dir.path().display()));
    harness.push(format!("dir {}", dir.path().display()));
    let mut conf = lines.join("\n");
    conf.push('\n');
    conf.push_str(&harness.join("\n"));
    conf.push('\n');
    let d = dir.path().display().to_string();
    let harness: Vec<String> = harness.iter().map(|l| l.replace(&d, "{dir}")).collect();
    p.probes += 1;
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(match probe::spawn(&p.bin, dir, &conf, &[], false)? {
        Outcome::Started(mut s) => {
            let mut values = s.config_all()?;
            for v in values.values_mut() {
                *v = v.replace(&d, "{dir}");
            }
            Stock {
                file,
                lines,
                harness,
                started: true,
                message: None,
                values,
            }
        }
        Outcome::Refused { reason, .. } => Stock {
            file,
            lines,
            harness,
            started: false,
            message: Some(reason),
            values: BTreeMap::new(),
        },
    })
}

/// What the loader did with one fixed probe (a question about how it
/// reads files, which differs between versions).
#[derive(Serialize, Debug)]
struct Behavior {
    lines: Vec<String>,
    accepted: bool,
    /// The refusal, when refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// `CONFIG GET` of the names asked about, when accepted.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, String>,
}

/// (name, lines, files written beside the config, names read back).
type BehaviorProbe = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

/// The loader questions whose answers differ between versions; redis-conf
/// reads each by its name.
fn behaviors(p: &mut Prober) -> Result<BTreeMap<String, Behavior>> {
    // (name, lines ({dir} is the probe's directory), files, names to read)
    let probes: &[BehaviorProbe] = &[
        (
            "include-glob",
            &["include {dir}/inc-*.conf"],
            &[("inc-a.conf", "maxclients 99\n")],
            &["maxclients"],
        ),
        (
            "closing-quote",
            &["masterauth \"abc\"def"],
            &[],
            &["masterauth"],
        ),
        ("module-config", &["rampartmod.opt 1"], &[], &[]),
        ("module-config-argc", &["rampartmod.opt"], &[], &[]),
        (
            "multi-arg-one-string",
            &["client-output-buffer-limit \"normal 1mb 1mb 1\""],
            &[],
            &["client-output-buffer-limit"],
        ),
        ("save-odd", &["save 10"], &[], &["save"]),
        (
            "save-append",
            &["save 3600 1 300 100", "save 5 1"],
            &[],
            &["save"],
        ),
        (
            "octal-partial",
            &["unixsocketperm 800"],
            &[],
            &["unixsocketperm"],
        ),
        (
            "cluster-databases",
            &["cluster-enabled yes"],
            &[],
            &["databases"],
        ),
    ];
    let mut out = BTreeMap::new();
    for (name, lines, files, read) in probes {
        p.probes += 1;
        let dir = tempfile::tempdir()?;
        for (f, text) in *files {
            std::fs::write(dir.path().join(f), text)?;
        }
        let lines: Vec<String> = lines
            .iter()
            .map(|l| l.replace("{dir}", &dir.path().display().to_string()))
            .collect();
        let mut text = probe::harness(dir.path(), false).join("\n");
        for l in &lines {
            text.push('\n');
            text.push_str(l);
        }
        text.push('\n');
        let b = match probe::spawn(&p.bin, dir, &text, &[], false)? {
            Outcome::Started(mut s) => {
                let all = s.config_all()?;
                Behavior {
                    lines: lines
                        .iter()
                        .map(|l| l.replace(&*s.dir.path().display().to_string(), "{dir}"))
                        .collect(),
                    accepted: true,
                    message: None,
                    values: read
                        .iter()
                        .filter_map(|n| all.get(*n).map(|v| (n.to_string(), v.clone())))
                        .collect(),
                }
            }
            Outcome::Refused { reason, .. } => Behavior {
                lines: Vec::new(),
                accepted: false,
                message: Some(reason),
                values: BTreeMap::new(),
            },
        };
        out.insert(name.to_string(), b);
    }
    Ok(out)
}

/// Every word of `bytes` that could be a config name: lower-case letters,
/// digits, `-` and `_`, with a `-`, 4 to 64 bytes.
fn words(bytes: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for w in
        bytes.split(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_'))
    {
        if (4..=64).contains(&w.len())
            && w.contains(&b'-')
            && w[0].is_ascii_lowercase()
            && !w.ends_with(b"-")
        {
            if let Ok(s) = std::str::from_utf8(w) {
                out.insert(s.to_string());
            }
        }
    }
    out
}

/// Directive names of a stock config, commented-out ones included.
fn stock_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            let w = l.split_whitespace().next()?;
            (l.len() > w.len()
                && w.len() >= 3
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
            .then(|| w.to_string())
        })
        .collect()
}

/// Names in the other dialects' tables (the data directory beside `out`).
fn other_dialect_names(out: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Some(parent) = out.parent() else {
        return names;
    };
    let Ok(rd) = std::fs::read_dir(parent) else {
        return names;
    };
    for e in rd.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("config.json")) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        for c in v["configs"].as_array().into_iter().flatten() {
            if let Some(n) = c["name"].as_str() {
                names.insert(n.to_string());
            }
            for a in c["aliases"].as_array().into_iter().flatten() {
                if let Some(n) = a.as_str() {
                    names.insert(n.to_string());
                }
            }
        }
        for d in v["deprecated"].as_array().into_iter().flatten() {
            if let Some(n) = d.as_str() {
                names.insert(n.to_string());
            }
        }
    }
    names
}

fn defaults_server(bin: &Binary) -> Result<Box<probe::Running>> {
    let dir = tempfile::tempdir()?;
    let sock = dir.path().join("s.sock");
    let args = vec!["--unixsocket".to_string(), sock.display().to_string()];
    let private = probe::can_unshare();
    if !private {
        bail!("`unshare --net` does not work here (run as root): the built-in port cannot be read without listening on this host's 6379");
    }
    match probe::spawn_in(bin, dir, "", &args, false, true)? {
        Outcome::Started(s) => Ok(s),
        Outcome::Refused { output, .. } => {
            bail!("the server did not start on an empty config:\n{output}")
        }
    }
}

const LLONG_MIN: &str = "-9223372036854775808";
const LLONG_MAX: &str = "9223372036854775807";
const ULLONG_MAX: &str = "18446744073709551615";

/// `argument must be between X and Y inclusive` → (X, Y), as printed.
fn bounds(msg: &str) -> Option<(String, String)> {
    let rest = &msg[msg.find("between ")? + 8..];
    let (lo, rest) = rest.split_once(" and ")?;
    let hi = rest.split_whitespace().next()?;
    Some((lo.to_string(), hi.to_string()))
}

fn classify(p: &mut Prober, name: &str, unknown: &str, e: &mut Entry) -> Result<()> {
    let word = "rampart-probe";
    let a = p.probe(name, &[word])?;
    let msg = match &a {
        Answer::Refused(m) => m.clone(),
        Answer::Accepted(all) => {
            let back = all.get(name).cloned().unwrap_or_default();
            e.kind = if back == word { "string" } else { "special" }.into();
            // String checks the loader makes: each refusal is data.
            for v in ["a/b", "", "a_b", "{rampart}"] {
                if let Answer::Refused(m) = p.probe(name, &[v])? {
                    e.refuses.insert(v.to_string(), m);
                }
            }
            // A check on characters that is neither a hostname's nor a
            // template's: which printable characters it refuses.
            if e.refuses.contains_key("{rampart}")
                && !e.refuses.contains_key("")
                && !e.refuses.contains_key("a_b")
            {
                let mut bad = String::new();
                for c in (0x21u8..0x7f).map(char::from) {
                    if c == '"' || c == '\'' || c == '\\' {
                        continue;
                    }
                    let v = format!("a{c}b");
                    if p.probe(name, &[&v])?.refused().is_some() {
                        bad.push(c);
                    }
                }
                e.refused_chars = Some(bad);
            }
            e.multi = p.probe(name, &["a", "b"])?.accepted();
            return Ok(());
        }
        Answer::Failed => {
            e.kind = "string".into();
            e.multi = p.probe(name, &["a", "b"])?.accepted();
            return Ok(());
        }
    };
    e.refuses.insert(word.to_string(), msg.clone());
    if !unknown.is_empty() && msg == unknown {
        // CONFIG GET knows it, the file loader does not (6.2's
        // watchdog-period): a run-time-only config, if no value loads.
        // Legacy directives check their argument count themselves (6.2's
        // `slaveof HOST PORT`): try one to three arguments.
        let tries: [&[&str]; 5] = [&["1"], &["yes"], &["0"], &["1", "1"], &["1", "1", "1"]];
        let mut loads = false;
        for v in tries {
            if p.probe(name, v)?.refused() != Some(unknown) {
                loads = true;
                break;
            }
        }
        if !loads {
            e.kind = "runtime-only".into();
            return Ok(());
        }
    }
    if msg.contains("'yes' or 'no'") {
        e.kind = "bool".into();
    } else if let Some(i) = msg.find("one of the following:") {
        let list: Vec<String> = msg[i + 21..]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let multi = list.len() >= 2 && p.probe(name, &[&list[0], &list[1]])?.accepted();
        e.kind = if multi { "flags" } else { "enum" }.into();
        e.multi = multi;
        for v in list {
            let back = match p.probe(name, &[&v])? {
                Answer::Accepted(all) => all.get(name).cloned().unwrap_or_else(|| v.clone()),
                _ => v.clone(),
            };
            e.values.push((v, back));
        }
    } else if msg.contains("memory or percent") {
        // Negative values are percentages: `N%` is stored as -N, bounded by
        // `percentage argument must be less or equal to N`; bytes up to
        // LLONG_MAX.
        e.kind = "memory-percent".into();
        if let Answer::Refused(m) = p.probe(name, &["100000%"])? {
            let n: Option<i128> = m.split_whitespace().last().and_then(|w| w.parse().ok());
            e.lo = n.map(|n| (-n).to_string());
            e.refuses.insert("100000%".into(), m);
        }
        e.hi = Some(LLONG_MAX.into());
        if e.lo.is_none() {
            e.lo = Some("0".into());
        }
        e.multi = p.probe(name, &["1", "2"])?.accepted();
    } else if msg.contains("memory value") {
        // A memory config that takes negative values is read signed
        // (Valkey 9.1's slot-migration-max-failover-repl-bytes).
        let signed = p.probe(name, &["-1"])?.accepted();
        e.kind = if signed { "memory-signed" } else { "memory" }.into();
        if signed {
            numeric_bounds(p, name, e, &[LLONG_MIN, "-9223372036854775807", LLONG_MAX])?;
        } else {
            numeric_bounds(p, name, e, &["0", LLONG_MAX, ULLONG_MAX])?;
        }
    } else if msg.contains("octal") {
        e.kind = "octal".into();
        numeric_bounds(p, name, e, &["0", "7777777777"])?;
    } else if msg.contains("integer") {
        e.kind = "integer".into();
        numeric_bounds(p, name, e, &[LLONG_MIN, LLONG_MAX, "0", "-1"])?;
    } else {
        e.kind = "special".into();
        e.multi = true;
    }
    Ok(())
}

/// Bounds from the first `between X and Y` answer; a value of the
/// extremes that is accepted sets that bound. A negative value refused
/// with a message of its own (`argument must be greater or equal to 0`,
/// Redis 8) is kept as the answer to `-1`.
fn numeric_bounds(p: &mut Prober, name: &str, e: &mut Entry, values: &[&str]) -> Result<()> {
    {
        if let Answer::Refused(m) = p.probe(name, &["-1"])? {
            if bounds(&m).is_none() {
                e.refuses.insert("-1".into(), m);
            }
        }
    }
    let mut accepted = Vec::new();
    for v in values {
        match p.probe(name, &[v])? {
            Answer::Refused(m) => {
                if let Some((lo, hi)) = bounds(&m) {
                    e.lo = Some(lo);
                    e.hi = Some(hi);
                    if !e.refuses.contains_key("range") {
                        e.refuses.insert("range".into(), m);
                    }
                } else if m.contains("percentage") {
                    e.refuses.insert((*v).to_string(), m);
                }
            }
            _ => accepted.push(*v),
        }
        if e.lo.is_some() && !e.kind.starts_with("memory-percent") {
            break;
        }
    }
    if e.lo.is_none() {
        // Every probe was taken: the type's own range.
        let no_negative = e.refuses.contains_key("-1");
        let (lo, hi) = match e.kind.as_str() {
            "integer" if no_negative => ("0", LLONG_MAX),
            "integer" | "memory-signed" => (LLONG_MIN, LLONG_MAX),
            _ if accepted.contains(&ULLONG_MAX) => ("0", ULLONG_MAX),
            _ => ("0", LLONG_MAX),
        };
        e.lo = Some(lo.into());
        e.hi = Some(hi.into());
    }
    e.multi = p.probe(name, &["1", "2"])?.accepted();
    Ok(())
}

/// A value different from the default that the loader takes, to see which
/// names change with it.
fn other_value(e: &Entry, default: &str) -> Option<Vec<String>> {
    if e.kind == "special" && e.multi {
        // Two words, as `replicaof HOST PORT` takes them.
        return Some(vec!["1".into(), "1".into()]);
    }
    let one = |v: String| Some(vec![v]);
    match e.kind.as_str() {
        "bool" => one(if default == "yes" { "no" } else { "yes" }.into()),
        "enum" => e
            .values
            .iter()
            .find(|(_, back)| back != default)
            .map(|(v, _)| vec![v.clone()]),
        "string" => one("rampart-probe".into()),
        "integer" | "memory" | "octal" | "memory-percent" => {
            let lo: i128 = e.lo.as_deref()?.parse().ok()?;
            let hi: i128 = e.hi.as_deref()?.parse().ok()?;
            let d: i128 = default.parse().unwrap_or(lo);
            let mut v = if d != lo { lo } else { lo + 1 };
            if v < 0 {
                v = if d != 1 { 1 } else { 2 };
            }
            (v <= hi).then(|| {
                vec![if e.kind == "octal" {
                    format!("{v:o}")
                } else {
                    v.to_string()
                }]
            })
        }
        _ => None,
    }
}

// One pass over a server's config table, in the order its output is written.
#[allow(clippy::too_many_lines)]
pub fn generate(a: &Args, id: &Identity, out: &Path) -> Result<()> {
    let bin = id.bin.clone();
    let mut defaults_srv = defaults_server(&bin)?;
    let mut defaults = defaults_srv.config_all()?;
    if defaults.is_empty() {
        bail!("CONFIG GET * answered nothing");
    }
    for blank in ["dir", "unixsocket"] {
        if let Some(v) = defaults.get_mut(blank) {
            v.clear();
        }
    }
    let listed: BTreeSet<String> = defaults.keys().cloned().collect();

    // Hidden names: answered by CONFIG GET by exact name.
    let mut candidates = words(&std::fs::read(&bin.path).context("read the binary")?);
    // `words` keeps names with a `-`; the stock config and other tables
    // add the others (`port`, `bind`, `save`, ...).
    let mut probe_for_deprecated = other_dialect_names(out);
    if let Some(p) = &a.stock_config {
        let text = std::fs::read_to_string(p).with_context(|| format!("read {}", p.display()))?;
        probe_for_deprecated.extend(stock_names(&text));
    }
    candidates.extend(probe_for_deprecated.iter().cloned());
    let cmds: Vec<Vec<Vec<u8>>> = candidates
        .iter()
        .filter(|c| !listed.contains(*c))
        .map(|c| vec![b"CONFIG".to_vec(), b"GET".to_vec(), c.as_bytes().to_vec()])
        .collect();
    let names_sent: Vec<&String> = candidates.iter().filter(|c| !listed.contains(*c)).collect();
    let replies = defaults_srv.conn.pipeline(&cmds)?;
    let mut hidden = BTreeMap::new();
    for (n, r) in names_sent.iter().zip(&replies) {
        let m = probe::pairs(r);
        if let Some(v) = m.get(n.as_str()) {
            hidden.insert((*n).clone(), v.clone());
        }
    }

    // Run time, and secrets: CONFIG SET each name to its default, then
    // read which arguments SLOWLOG redacted.
    let mut set_class = BTreeMap::new();
    defaults_srv.cmd(&["CONFIG", "SET", "slowlog-max-len", "100000"])?;
    defaults_srv.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"])?;
    defaults_srv.cmd(&["SLOWLOG", "RESET"])?;
    let all_names: Vec<String> = listed.iter().chain(hidden.keys()).cloned().collect();
    for n in &all_names {
        if n == "slowlog-max-len"
            || n == "slowlog-log-slower-than"
            || n == "dir"
            || n == "port"
            || n == "unixsocket"
            || n == "bind"
        {
            // Changing these would disturb the probe server; try them on a fresh one below.
        }
        let v = defaults
            .get(n)
            .or_else(|| hidden.get(n))
            .cloned()
            .unwrap_or_default();
        let r = match n.as_str() {
            // Keep this server reachable and its slowlog on.
            "unixsocket" | "unixsocketperm" | "slowlog-max-len" | "slowlog-log-slower-than" => {
                let mut s2 = match probe::start(&bin, &[], false)? {
                    Outcome::Started(s) => s,
                    Outcome::Refused { output, .. } => bail!("probe server: {output}"),
                };
                let cur = probe::pairs(&s2.cmd(&["CONFIG", "GET", n])?)
                    .get(n)
                    .cloned()
                    .unwrap_or_default();
                s2.cmd(&["CONFIG", "SET", n, &cur])?
            }
            _ => defaults_srv.cmd(&["CONFIG", "SET", n, &v])?,
        };
        let class = match &r {
            crate::resp::Reply::Error(e) if e.contains("immutable") => "immutable",
            crate::resp::Reply::Error(e) if e.contains("protected") => "protected",
            _ => "runtime",
        };
        set_class.insert(n.clone(), class.to_string());
    }
    let slow = defaults_srv.cmd(&["SLOWLOG", "GET", "100000"])?;
    let mut redacted: BTreeSet<String> = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut has_redaction = false;
    for entry in slow.array() {
        let args: Vec<String> = entry
            .array()
            .get(3)
            .map(|a| a.array().iter().map(|x| x.text()).collect())
            .unwrap_or_default();
        if args.len() >= 4
            && args[0].eq_ignore_ascii_case("config")
            && args[1].eq_ignore_ascii_case("set")
        {
            seen.insert(args[2].clone());
            if args[3].contains("redacted") {
                has_redaction = true;
                redacted.insert(args[2].clone());
            }
        }
    }
    drop(defaults_srv);

    let mut p = Prober {
        bin: bin.clone(),
        probes: 0,
    };
    let unknown = p
        .probe("rampart-no-such-directive", &["1"])?
        .refused()
        .unwrap_or("")
        .to_string();

    // Deprecated names: not answered by CONFIG GET, but loaded. The
    // loader's own keywords (redis-conf models them) are not configs.
    const KEYWORDS: &[&str] = &[
        "include",
        "rename-command",
        "user",
        "loadmodule",
        "sentinel",
    ];
    let mut deprecated = Vec::new();
    for n in candidates.iter() {
        if listed.contains(n) || hidden.contains_key(n) || KEYWORDS.contains(&n.as_str()) {
            continue;
        }
        if p.probe(n, &["1"])?.accepted() {
            deprecated.push(n.clone());
        }
    }

    // Types and aliases.
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut alias_of: BTreeMap<String, String> = BTreeMap::new();
    for n in &all_names {
        if alias_of.contains_key(n) {
            continue;
        }
        let default = defaults
            .get(n)
            .or_else(|| hidden.get(n))
            .cloned()
            .unwrap_or_default();
        let mut e = Entry {
            name: n.clone(),
            default: default.clone(),
            listed: listed.contains(n),
            set: set_class
                .get(n)
                .cloned()
                .unwrap_or_else(|| "immutable".into()),
            secret: if has_redaction && seen.contains(n) {
                Some(redacted.contains(n))
            } else {
                None
            },
            ..Entry::default()
        };
        classify(&mut p, n, &unknown, &mut e)?;
        // Aliases: listed names that change with this one.
        if e.listed {
            if let Some(vals) = other_value(&e, &default) {
                let v: Vec<&str> = vals.iter().map(String::as_str).collect();
                if let Answer::Accepted(all) = p.probe(n, &v)? {
                    let group: Vec<String> = all
                        .iter()
                        .filter(|(k, val)| {
                            *k != n
                                && listed.contains(*k)
                                && defaults.get(*k) != Some(val)
                                && !matches!(k.as_str(), "dir" | "unixsocket")
                        })
                        .filter(|(k, _)| defaults.get(*k) == defaults.get(n))
                        .map(|(k, _)| k.clone())
                        .collect();
                    // An alias changes this one back: side effects do not.
                    let mut verified = Vec::new();
                    for m in group {
                        if let Answer::Accepted(back) = p.probe(&m, &v)? {
                            if back.get(n) != defaults.get(n) {
                                verified.push(m);
                            }
                        }
                    }
                    if !verified.is_empty() {
                        let mut members: Vec<String> = verified;
                        members.push(n.clone());
                        let canonical = canonical_name(&mut p, n, &v.join(" "), &members)?
                            .unwrap_or_else(|| n.clone());
                        members.retain(|m| m != &canonical);
                        for m in &members {
                            alias_of.insert(m.clone(), canonical.clone());
                        }
                        e.name = canonical.clone();
                        e.aliases = members;
                        e.set = set_class.get(&canonical).cloned().unwrap_or(e.set);
                        e.default = defaults.get(&canonical).cloned().unwrap_or(e.default);
                        if has_redaction && seen.contains(&canonical) {
                            e.secret = Some(redacted.contains(&canonical));
                        }
                    }
                }
            }
        }
        entries.insert(e.name.clone(), e);
    }
    // Names that were classified before their group's canonical was known.
    for alias in alias_of.keys() {
        entries.remove(alias);
    }

    let behaviors = behaviors(&mut p)?;
    let stock = match &a.stock_config {
        Some(path) => Some(stock(&mut p, path)?),
        None => None,
    };
    let table = Table {
        generated_from: id.describe(),
        unknown_directive: unknown,
        deprecated,
        configs: entries.into_values().collect(),
        behaviors,
        stock,
    };
    let mut text = String::from("{\n");
    text.push_str(&format!(
        "  \"generated_from\": {},\n",
        serde_json::to_string(&table.generated_from)?
    ));
    text.push_str(&format!(
        "  \"unknown_directive\": {},\n",
        serde_json::to_string(&table.unknown_directive)?
    ));
    text.push_str(&format!(
        "  \"deprecated\": {},\n",
        serde_json::to_string(&table.deprecated)?
    ));
    text.push_str("  \"configs\": [\n");
    let n = table.configs.len();
    for (i, c) in table.configs.iter().enumerate() {
        text.push_str("    ");
        text.push_str(&serde_json::to_string(c)?);
        text.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    text.push_str("  ],\n");
    text.push_str(&format!(
        "  \"behaviors\": {},\n",
        serde_json::to_string(&table.behaviors)?
    ));
    text.push_str(&format!(
        "  \"stock\": {}\n}}\n",
        serde_json::to_string(&table.stock)?
    ));
    eprintln!("dialect-gen: config: {} configs, {} probes", n, p.probes);
    crate::write_file(&out.join("config.json"), &text)
}

/// The name `CONFIG REWRITE` writes for `name value`: the canonical one
/// of `group`.
fn canonical_name(
    p: &mut Prober,
    name: &str,
    value: &str,
    group: &[String],
) -> Result<Option<String>> {
    p.probes += 1;
    let line = format!("{name} {}", quote(value));
    let mut s = match probe::start(&p.bin, &[line], false)? {
        Outcome::Started(s) => s,
        Outcome::Refused { .. } => return Ok(None),
    };
    s.cmd(&["CONFIG", "REWRITE"])?;
    let text = std::fs::read_to_string(s.dir.path().join("probe.conf"))?;
    for l in text.lines() {
        let l = l.trim();
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        let Some(w) = l.split_whitespace().next() else {
            continue;
        };
        let w = w.to_ascii_lowercase();
        if group.contains(&w) {
            return Ok(Some(w));
        }
    }
    Ok(None)
}
