//! Refreshing the data without a release (`rampart advisories update`):
//! the rampart feed format, OSV records, their validation, and the merge
//! onto the embedded data. Pure: the caller fetches the bytes (HTTP or a
//! directory) and stores the bundle; this module never does I/O.
//!
//! **The rampart feed** (`rampart-feed.json` at the feed's base URL or in
//! its directory):
//!
//! ```json
//! {
//!   "rampart_feed": 1,
//!   "reviewed": "2026-12-15",
//!   "products": { "redis": { "lines": [ ... ] }, "valkey": { "lines": [ ... ] } },
//!   "clients": { ... the format of data/clients.json ... },
//!   "osv": [ "osv/GHSA-xxxx-xxxx-xxxx.json", "debian/CVE-2026-0001.json" ]
//! }
//! ```
//!
//! `products` (optional) replaces the release lines (same fields as
//! `data/advisories.json`: line, status, latest, latest_date, eol,
//! support_ends, confidence, note, sources); every embedded line must still
//! be there and no line's latest patch may be older than the embedded one.
//! `clients` (optional) replaces the client-library data. `osv` lists OSV
//! records (<https://ossf.github.io/osv-schema/>) relative to the feed, as
//! osv.dev serves GitHub's advisories for redis/redis and valkey-io/valkey
//! and Debian's: their `ECOSYSTEM`/`SEMVER` ranges give fixed versions per
//! line, `Debian:NN` packages named `redis` give Debian fixes, a
//! `CVSS_V3` severity gives the score. A record matching an embedded
//! advisory (by id or alias) adds what the embedded one lacks; a new one is
//! added as uncertain ("from the OSV feed, not reviewed").
//!
//! **Validation before use**: sizes capped ([`Limits`]), JSON nesting
//! bounded, every version parsed, the merged data passes
//! [`Data::problems`], and data older than the embedded copy is refused.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::clients::ClientData;
use crate::data::{
    parse_date, Advisory, Confidence, Cvss, Data, DistroFix, Kind, LineData, Ranges, Severity,
};
use crate::version::{Line, Version};
use crate::Product;

/// Caps on what a feed may be.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The rampart feed document, bytes.
    pub feed_bytes: usize,
    /// One OSV record, bytes.
    pub osv_bytes: usize,
    /// OSV records in one feed.
    pub osv_records: usize,
    /// JSON nesting depth (objects and arrays).
    pub depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            feed_bytes: 2 << 20,
            osv_bytes: 256 << 10,
            osv_records: 1000,
            depth: 32,
        }
    }
}

/// Why a feed was refused.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{what} is {size} bytes, more than the {cap} allowed")]
    TooLarge {
        what: String,
        size: usize,
        cap: usize,
    },
    #[error("{what} nests deeper than {cap} levels")]
    TooDeep { what: String, cap: usize },
    #[error("{what} is not valid JSON (truncated or broken?): {err}")]
    Json { what: String, err: String },
    #[error("{what} does not have the expected shape: {err}")]
    Shape { what: String, err: String },
    #[error("the feed lists {n} OSV records, more than the {cap} allowed")]
    TooMany { n: usize, cap: usize },
    #[error("the feed (reviewed {feed}) is older than the data embedded in rampart (reviewed {embedded}): refused")]
    Older { feed: String, embedded: String },
    #[error("the feed's data is inconsistent, refused:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

/// Nesting depth of a JSON text, counted without parsing it (strings are
/// skipped), so a hostile document never reaches the parser's recursion.
pub fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Size, depth, then parse.
pub fn parse_capped(
    what: &str,
    bytes: &[u8],
    cap: usize,
    limits: &Limits,
) -> Result<Value, FeedError> {
    if bytes.len() > cap {
        return Err(FeedError::TooLarge {
            what: what.into(),
            size: bytes.len(),
            cap,
        });
    }
    if json_depth(bytes) > limits.depth {
        return Err(FeedError::TooDeep {
            what: what.into(),
            cap: limits.depth,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| FeedError::Json {
        what: what.into(),
        err: e.to_string(),
    })
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedProducts {
    #[serde(default)]
    redis: Option<FeedLines>,
    #[serde(default)]
    valkey: Option<FeedLines>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedLines {
    lines: Vec<LineData>,
}

/// The rampart feed document.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Feed {
    rampart_feed: u32,
    reviewed: String,
    #[serde(default)]
    products: Option<FeedProducts>,
    #[serde(default)]
    clients: Option<Value>,
    #[serde(default)]
    osv: Vec<String>,
}

/// The feed document, checked, with the OSV paths it lists.
#[derive(Clone, Debug)]
pub struct FeedIndex {
    pub value: Value,
    pub reviewed: String,
    /// OSV record paths, relative to the feed.
    pub osv: Vec<String>,
}

/// Read the rampart feed document (caps, shape, date, paths).
pub fn read_feed(bytes: &[u8], limits: &Limits) -> Result<FeedIndex, FeedError> {
    let value = parse_capped("the rampart feed", bytes, limits.feed_bytes, limits)?;
    let feed: Feed = serde_json::from_value(value.clone()).map_err(|e| FeedError::Shape {
        what: "the rampart feed".into(),
        err: e.to_string(),
    })?;
    if feed.rampart_feed != 1 {
        return Err(FeedError::Shape {
            what: "the rampart feed".into(),
            err: format!(
                "rampart_feed {} is not supported (expected 1)",
                feed.rampart_feed
            ),
        });
    }
    if parse_date(&feed.reviewed, false).is_none() {
        return Err(FeedError::Shape {
            what: "the rampart feed".into(),
            err: format!("reviewed {:?} is not a YYYY-MM-DD date", feed.reviewed),
        });
    }
    if feed.osv.len() > limits.osv_records {
        return Err(FeedError::TooMany {
            n: feed.osv.len(),
            cap: limits.osv_records,
        });
    }
    for p in &feed.osv {
        let ok = !p.is_empty()
            && p.len() < 200
            && !p.starts_with('/')
            && p.split('/').all(|c| !c.is_empty() && c != "..")
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        if !ok {
            return Err(FeedError::Shape {
                what: "the rampart feed".into(),
                err: format!("OSV path {p:?} is not a plain relative path"),
            });
        }
    }
    Ok(FeedIndex {
        value,
        reviewed: feed.reviewed,
        osv: feed.osv,
    })
}

/// What a fetched feed holds: stored as is, merged again at every load.
#[derive(Clone, Debug)]
pub struct Bundle {
    pub feed: Value,
    pub osv: Vec<Value>,
}

/// The merged data, with what the merge did.
#[derive(Clone, Debug)]
pub struct Merged {
    pub data: Data,
    pub clients: Option<ClientData>,
    /// One line per change (for the update's report).
    pub changes: Vec<String>,
}

fn shape(what: &str, e: impl std::fmt::Display) -> FeedError {
    FeedError::Shape {
        what: what.into(),
        err: e.to_string(),
    }
}

/// Merge a bundle onto `base` (the embedded data) and validate the result.
pub fn merge(base: &Data, base_clients: &ClientData, b: &Bundle) -> Result<Merged, FeedError> {
    let feed: Feed =
        serde_json::from_value(b.feed.clone()).map_err(|e| shape("the rampart feed", e))?;
    let mut data = base.clone();
    let mut changes = Vec::new();
    let newer = |a: &str, b: &str| parse_date(a, false) >= parse_date(b, false);
    if !newer(&feed.reviewed, &base.reviewed) {
        return Err(FeedError::Older {
            feed: feed.reviewed,
            embedded: base.reviewed.clone(),
        });
    }
    data.reviewed = feed.reviewed.clone();
    let mut problems = Vec::new();
    if let Some(p) = &feed.products {
        for (product, lines) in [(Product::Redis, &p.redis), (Product::Valkey, &p.valkey)] {
            let Some(lines) = lines else { continue };
            let old = base.product(product);
            for ol in &old.lines {
                match lines.lines.iter().find(|l| l.line == ol.line) {
                    None => problems.push(format!(
                        "{} line {} is missing from the feed",
                        product.name(),
                        ol.line
                    )),
                    Some(nl) => match (Version::parse(&nl.latest), Version::parse(&ol.latest)) {
                        (Ok(n), Ok(o)) if n < o => problems.push(format!(
                            "{} line {}: the feed's latest {} is older than the embedded {}",
                            product.name(),
                            ol.line,
                            nl.latest,
                            ol.latest
                        )),
                        (Ok(n), Ok(o)) if n > o => changes.push(format!(
                            "{} {}: latest {} → {}",
                            product.name(),
                            ol.line,
                            ol.latest,
                            nl.latest
                        )),
                        _ => {}
                    },
                }
            }
            let target = match product {
                Product::Redis => &mut data.products.redis,
                Product::Valkey => &mut data.products.valkey,
            };
            target.lines = lines.lines.clone();
        }
    }
    let clients = match &feed.clients {
        None => None,
        Some(v) => {
            let c: ClientData =
                serde_json::from_value(v.clone()).map_err(|e| shape("the feed's clients", e))?;
            problems.extend(c.problems().into_iter().map(|p| format!("clients: {p}")));
            if parse_date(&c.generated, false) < parse_date(&base_clients.generated, false) {
                problems.push(format!(
                    "clients: generated {} is older than the embedded {}",
                    c.generated, base_clients.generated
                ));
            }
            changes.push(format!("client-library data generated {}", c.generated));
            Some(c)
        }
    };
    for (i, rec) in b.osv.iter().enumerate() {
        let what = feed
            .osv
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("OSV record {i}"));
        match osv_apply(&mut data, rec, &what) {
            Ok(Some(c)) => changes.push(c),
            Ok(None) => {}
            Err(e) => problems.push(format!("{what}: {e}")),
        }
    }
    problems.extend(data.problems());
    if problems.is_empty() {
        Ok(Merged {
            data,
            clients,
            changes,
        })
    } else {
        Err(FeedError::Invalid(problems))
    }
}

#[derive(Debug, Deserialize)]
struct Osv {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    #[serde(default)]
    references: Vec<OsvRef>,
}

#[derive(Debug, Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Debug, Deserialize)]
struct OsvRef {
    url: String,
}

#[derive(Debug, Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
}

#[derive(Debug, Deserialize)]
struct OsvPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

fn product_of(a: &OsvAffected, r: &OsvRange) -> Option<Product> {
    let name = a
        .package
        .as_ref()
        .map(|p| p.name.to_ascii_lowercase())
        .unwrap_or_default();
    let repo = r.repo.as_deref().unwrap_or("").to_ascii_lowercase();
    let is =
        |n: &str| name == n || name.ends_with(&format!("/{n}")) || repo.ends_with(&format!("/{n}"));
    if is("valkey") {
        Some(Product::Valkey)
    } else if is("redis") {
        Some(Product::Redis)
    } else {
        None
    }
}

/// Apply one OSV record; `Ok(Some(change))` when it changed the data.
// Validates an OSV record field by field, each refusal with its reason.
#[allow(clippy::too_many_lines)]
fn osv_apply(data: &mut Data, rec: &Value, what: &str) -> Result<Option<String>, String> {
    let o: Osv =
        serde_json::from_value(rec.clone()).map_err(|e| format!("not an OSV record: {e}"))?;
    let id = o
        .aliases
        .iter()
        .chain(std::iter::once(&o.id))
        .find(|a| a.starts_with("CVE-"))
        .cloned()
        .unwrap_or_else(|| o.id.clone());
    if id.len() > 64 || id.trim().is_empty() {
        return Err(format!("id {id:?} is not usable"));
    }
    // Per product: introduced (lowest) and fixed per line.
    let mut ranges: BTreeMap<&'static str, (Option<Version>, BTreeMap<String, String>)> =
        BTreeMap::new();
    let mut distros = Vec::new();
    for a in &o.affected {
        let eco = a
            .package
            .as_ref()
            .map(|p| p.ecosystem.as_str())
            .unwrap_or("");
        if let Some(rel) = eco.strip_prefix("Debian:") {
            if a.package.as_ref().is_some_and(|p| p.name == "redis") {
                for r in &a.ranges {
                    for ev in &r.events {
                        if let Some(f) = ev.get("fixed") {
                            if crate::debver::DebVersion::parse(f).is_none() {
                                return Err(format!("Debian version {f:?} does not parse"));
                            }
                            distros.push(DistroFix {
                                distro: "debian".into(),
                                release: rel.to_string(),
                                fixed: f.clone(),
                                source: format!("OSV record {} ({what})", o.id),
                                confidence: Confidence::Uncertain,
                            });
                        }
                    }
                }
            }
            continue;
        }
        for r in &a.ranges {
            if r.kind != "ECOSYSTEM" && r.kind != "SEMVER" {
                continue;
            }
            let Some(p) = product_of(a, r) else { continue };
            let key = match p {
                Product::Redis => "redis",
                Product::Valkey => "valkey",
            };
            let e = ranges.entry(key).or_default();
            for ev in &r.events {
                if let Some(i) = ev.get("introduced") {
                    let v = if i == "0" {
                        Version::new(0, 0, 0)
                    } else {
                        Version::parse(i).map_err(|e| format!("introduced {i:?}: {e}"))?
                    };
                    if e.0.as_ref().is_none_or(|x| v < *x) {
                        e.0 = Some(v);
                    }
                }
                if let Some(f) = ev.get("fixed") {
                    let v = Version::parse(f).map_err(|e| format!("fixed {f:?}: {e}"))?;
                    e.1.insert(v.line().to_string(), f.clone());
                }
            }
        }
    }
    let score = o
        .severity
        .iter()
        .find(|s| s.kind == "CVSS_V3" && s.score.starts_with("CVSS:3.1/"))
        .map(|s| {
            crate::cvss::base_score(&s.score)
                .map(|x| (x, s.score.clone()))
                .map_err(|e| format!("severity: {e}"))
        })
        .transpose()?;
    let existing = data.advisories.iter().position(|a| {
        a.id == id || a.aliases.contains(&id) || a.id == o.id || a.aliases.contains(&o.id)
    });
    let mut changed = Vec::new();
    let product_lines = |data: &Data, p: Product| -> Vec<Line> {
        data.product(p)
            .lines
            .iter()
            .filter_map(|l| Line::parse(&l.line).ok())
            .collect()
    };
    match existing {
        Some(i) => {
            for (key, (_, fixed)) in &ranges {
                let p = if *key == "redis" {
                    Product::Redis
                } else {
                    Product::Valkey
                };
                let known = product_lines(data, p);
                let a = &mut data.advisories[i];
                let slot = match p {
                    Product::Redis => &mut a.redis,
                    Product::Valkey => &mut a.valkey,
                };
                let Some(r) = slot else { continue };
                for (line, v) in fixed {
                    let Ok(l) = Line::parse(line) else { continue };
                    let covered = r.fixed.contains_key(line)
                        || r.not_affected_lines.contains(line)
                        || r.first_fixed_line
                            .as_deref()
                            .and_then(|f| Line::parse(f).ok())
                            .is_some_and(|f| l >= f);
                    if covered || !known.contains(&l) {
                        continue;
                    }
                    r.unknown_lines.remove(line);
                    r.fixed.insert(line.clone(), v.clone());
                    changed.push(format!("{} {line} fixed in {v}", p.name()));
                }
            }
            let a = &mut data.advisories[i];
            for d in distros {
                if !a
                    .distros
                    .iter()
                    .any(|x| x.distro == d.distro && x.release == d.release)
                {
                    changed.push(format!("Debian {} fixed in {}", d.release, d.fixed));
                    a.distros.push(d);
                }
            }
            Ok((!changed.is_empty()).then(|| format!("{id}: {}", changed.join(", "))))
        }
        None => {
            if ranges.is_empty() && distros.is_empty() {
                return Ok(None);
            }
            let mut adv = Advisory {
                id: id.clone(),
                kind: if id.starts_with("CVE-") {
                    Kind::Cve
                } else {
                    Kind::NoCve
                },
                summary: o
                    .summary
                    .clone()
                    .or_else(|| {
                        o.details
                            .as_deref()
                            .and_then(|d| d.lines().next())
                            .map(str::to_string)
                    })
                    .map(|s| s.chars().take(200).collect())
                    .unwrap_or_else(|| format!("{} (no summary in the OSV record)", o.id)),
                severity: match score.as_ref().map(|s| s.0) {
                    Some(s) if s >= 9.0 => Severity::Critical,
                    Some(s) if s >= 7.0 => Severity::High,
                    Some(s) if s >= 4.0 => Severity::Medium,
                    Some(_) => Severity::Low,
                    None => Severity::Medium,
                },
                cvss: score.map(|(s, v)| Cvss {
                    score: s as f32,
                    vector: Some(v),
                }),
                pre_auth: false,
                aliases: std::iter::once(o.id.clone())
                    .chain(o.aliases.iter().cloned())
                    .filter(|a| *a != id)
                    .take(10)
                    .collect(),
                mitigation: None,
                redis: None,
                valkey: None,
                distros,
                distro_only: false,
                module: None,
                confidence: Confidence::Uncertain,
                uncertain: Some(format!(
                    "from the OSV feed ({what}), not reviewed by rampart"
                )),
                sources: o
                    .references
                    .iter()
                    .map(|r| r.url.clone())
                    .filter(|u| u.starts_with("https://") && u.len() < 300)
                    .take(10)
                    .collect(),
            };
            if adv.sources.is_empty() {
                adv.sources.push(format!("OSV record {} ({what})", o.id));
            }
            for (key, (intro, fixed)) in ranges {
                let p = if key == "redis" {
                    Product::Redis
                } else {
                    Product::Valkey
                };
                let known = product_lines(data, p);
                let intro = intro.unwrap_or(Version::new(0, 0, 0));
                let mut r = Ranges {
                    introduced: intro.to_string(),
                    fixed: fixed
                        .into_iter()
                        .filter(|(l, _)| Line::parse(l).is_ok_and(|l| known.contains(&l)))
                        .collect(),
                    first_fixed_line: None,
                    not_affected_lines: Vec::new(),
                    unknown_lines: BTreeMap::new(),
                    uncertain_fixes: BTreeMap::new(),
                };
                for l in &known {
                    let k = l.to_string();
                    if !r.fixed.contains_key(&k) && *l >= intro.line() {
                        r.unknown_lines
                            .insert(k, "no fixed version for this line in the OSV record".into());
                    }
                }
                match p {
                    Product::Redis => adv.redis = Some(r),
                    Product::Valkey => adv.valkey = Some(r),
                }
            }
            data.advisories.push(adv);
            Ok(Some(format!(
                "{id}: new advisory (uncertain: from the OSV feed)"
            )))
        }
    }
}
