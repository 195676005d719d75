//! The advisory data file (`data/advisories.json`): its serde shape and
//! the checks that make it trustworthy (every problem reported, not only
//! the first).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::version::{Line, Version};
use crate::Product;

/// The whole data file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    pub schema: u32,
    /// The date the data was last reviewed (`YYYY-MM-DD`), printed in reports.
    pub reviewed: String,
    /// What the data covers, in one sentence.
    pub coverage: String,
    pub products: Products,
    pub advisories: Vec<Advisory>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Products {
    pub redis: ProductData,
    pub valkey: ProductData,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductData {
    pub lines: Vec<LineData>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Support status of a release line, as recorded in the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Supported,
    SecurityOnly,
    Eol,
}

/// How sure the data is about an entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    #[default]
    Confirmed,
    Uncertain,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineData {
    pub line: String,
    pub status: Status,
    /// Latest patch release known at review time.
    pub latest: String,
    /// Its release date (`YYYY-MM-DD` or `YYYY-MM`).
    pub latest_date: String,
    /// End-of-life date, for `eol` lines.
    #[serde(default)]
    pub eol: Option<String>,
    /// The announced end of support of a line that is not yet `eol`
    /// (`YYYY-MM-DD`): after it the line counts as end of life.
    #[serde(default)]
    pub support_ends: Option<String>,
    #[serde(default)]
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    pub sources: Vec<String>,
}

/// `cve`, or a security fix upstream published without a CVE id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Cve,
    NoCve,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cvss {
    pub score: f32,
    #[serde(default)]
    pub vector: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    pub id: String,
    pub kind: Kind,
    pub summary: String,
    pub severity: Severity,
    #[serde(default)]
    pub cvss: Option<Cvss>,
    pub pre_auth: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub mitigation: Option<String>,
    /// Affected ranges in upstream Redis (absent: not matched on Redis).
    #[serde(default)]
    pub redis: Option<Ranges>,
    /// Affected ranges in Valkey (absent: not matched on Valkey).
    #[serde(default)]
    pub valkey: Option<Ranges>,
    /// Distribution packages that carry the fix.
    #[serde(default)]
    pub distros: Vec<DistroFix>,
    /// A packaging bug: upstream builds are never affected.
    #[serde(default)]
    pub distro_only: bool,
    /// The bug is in a module (RedisBloom, RedisTimeSeries, ...): it
    /// applies only to a server that has the module loaded (`MODULE LIST`).
    #[serde(default)]
    pub module: Option<ModuleGate>,
    #[serde(default)]
    pub confidence: Confidence,
    /// Why the entry is uncertain (required when `confidence` is uncertain).
    #[serde(default)]
    pub uncertain: Option<String>,
    pub sources: Vec<String>,
}

impl Advisory {
    pub fn ranges(&self, product: Product) -> Option<&Ranges> {
        match product {
            Product::Redis => self.redis.as_ref(),
            Product::Valkey => self.valkey.as_ref(),
        }
    }
}

/// Affected versions of one product, per release line.
///
/// A version `v` on line `L` is affected when `v >= introduced` and:
/// `fixed[L]` exists and `v < fixed[L]`; or `L` is in none of `fixed`,
/// `not_affected_lines`, `unknown_lines`, and is older than
/// `first_fixed_line` (or there is none) — then no fix exists on `L`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ranges {
    pub introduced: String,
    /// Line → first fixed version on that line.
    pub fixed: BTreeMap<String, String>,
    /// The first line whose `.0` release already contained the fix.
    #[serde(default)]
    pub first_fixed_line: Option<String>,
    #[serde(default)]
    pub not_affected_lines: Vec<String>,
    /// Line → why it is unknown whether (or where) it was fixed.
    #[serde(default)]
    pub unknown_lines: BTreeMap<String, String>,
    /// Line → why that line's fixed version is uncertain.
    #[serde(default)]
    pub uncertain_fixes: BTreeMap<String, String>,
}

/// The module an advisory is about.
///
/// The product ranges (`redis`) give the Redis releases whose bundled
/// module carries the bug (Redis 8 ships the modules in its build); a
/// server is matched only when `MODULE LIST` names one of `names`. When
/// the loaded module's version line (major.minor of MODULE LIST's `ver`,
/// `MMmmpp`) is in `fixed`, the module version decides instead: a module
/// loaded from outside the Redis build (Redis Stack) carries its own fix.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleGate {
    /// The module's name as `MODULE LIST` reports it (`bf`, `timeseries`).
    pub names: Vec<String>,
    /// What the module is called (`RedisBloom`).
    pub title: String,
    /// Module version line → first fixed module version (`1.10` → `1.10.24`).
    #[serde(default)]
    pub fixed: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistroFix {
    /// `debian` (the only one with data today).
    pub distro: String,
    /// The distribution release (`12` for bookworm).
    pub release: String,
    /// First package version carrying the fix.
    pub fixed: String,
    pub source: String,
    #[serde(default)]
    pub confidence: Confidence,
}

/// What is wrong with a data file. All problems are collected.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("advisory data is not valid JSON for the schema: {0}")]
    Json(#[from] serde_json::Error),
    #[error("advisory data has {} problem(s):\n  {}", .0.len(), .0.join("\n  "))]
    Invalid(Vec<String>),
}

/// `YYYY-MM-DD` or (with `allow_month`) `YYYY-MM`, with real month/day values.
pub fn parse_date(s: &str, allow_month: bool) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = s.split('-').collect();
    let num = |p: &str, len: usize| -> Option<u32> {
        (p.len() == len && p.chars().all(|c| c.is_ascii_digit())).then(|| p.parse().ok())?
    };
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (num(y, 4)?, num(m, 2)?, num(d, 2)?),
        [y, m] if allow_month => (num(y, 4)?, num(m, 2)?, 1),
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (d >= 1 && d <= days).then_some((y, m, d))
}

/// Advisory data older than this many days is said to be stale (VER001).
pub const STALE_AFTER_DAYS: i64 = 90;

/// Days since 1970-01-01 of a `YYYY-MM-DD` (or `YYYY-MM`) date.
pub fn date_days(s: &str) -> Option<i64> {
    let (y, m, d) = parse_date(s, true)?;
    // Howard Hinnant's days_from_civil.
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

impl Data {
    /// Whole days between the review date and `now` (unix seconds).
    pub fn age_days(&self, now: i64) -> Option<i64> {
        date_days(&self.reviewed).map(|d| now.div_euclid(86_400) - d)
    }

    /// Parse and validate.
    pub fn from_json(text: &str) -> Result<Data, DataError> {
        let data: Data = serde_json::from_str(text)?;
        let problems = data.problems();
        if problems.is_empty() {
            Ok(data)
        } else {
            Err(DataError::Invalid(problems))
        }
    }

    pub fn product(&self, p: Product) -> &ProductData {
        match p {
            Product::Redis => &self.products.redis,
            Product::Valkey => &self.products.valkey,
        }
    }

    /// Every consistency problem in the data (empty when it is well-formed).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.schema != 1 {
            out.push(format!(
                "schema {} is not supported (expected 1)",
                self.schema
            ));
        }
        if parse_date(&self.reviewed, false).is_none() {
            out.push(format!(
                "reviewed: {:?} is not a YYYY-MM-DD date",
                self.reviewed
            ));
        }
        for product in [Product::Redis, Product::Valkey] {
            let pd = self.product(product);
            let mut seen = Vec::new();
            for l in &pd.lines {
                let at = format!("{} line {}", product.name(), l.line);
                match Line::parse(&l.line) {
                    Ok(line) => {
                        if seen.contains(&line) {
                            out.push(format!("{at}: listed twice"));
                        }
                        if seen.last().is_some_and(|prev| *prev > line) {
                            out.push(format!("{at}: lines must be in ascending order"));
                        }
                        seen.push(line);
                        match Version::parse(&l.latest) {
                            Ok(v) if v.line() == line && v.pre.is_none() => {}
                            _ => out.push(format!(
                                "{at}: latest {:?} is not a release of this line",
                                l.latest
                            )),
                        }
                    }
                    Err(e) => out.push(format!("{at}: {e}")),
                }
                if parse_date(&l.latest_date, true).is_none() {
                    out.push(format!(
                        "{at}: latest_date {:?} is not a date",
                        l.latest_date
                    ));
                }
                match (&l.status, &l.eol) {
                    (Status::Eol, Some(d)) if parse_date(d, true).is_some() => {
                        // No release after the line's end of life.
                        if let (Some(end), Some(last)) =
                            (parse_date(d, true), parse_date(&l.latest_date, true))
                        {
                            if last > end {
                                out.push(format!(
                                    "{at}: latest {} ({}) is after the line's end of life {d}",
                                    l.latest, l.latest_date
                                ));
                            }
                        }
                    }
                    (Status::Eol, Some(d)) => out.push(format!("{at}: eol {d:?} is not a date")),
                    (Status::Eol, None) => out.push(format!("{at}: eol line without an eol date")),
                    (_, Some(_)) => out.push(format!("{at}: eol date on a line that is not eol")),
                    (_, None) => {}
                }
                if let Some(end) = &l.support_ends {
                    match (parse_date(end, false), parse_date(&self.reviewed, false)) {
                        (None, _) => out.push(format!("{at}: support_ends {end:?} is not a date")),
                        (Some(e), Some(r)) if e <= r && l.status != Status::Eol => out.push(format!(
                            "{at}: support ended {end}, before the review date, but the line is not eol"
                        )),
                        _ => {}
                    }
                }
                if l.sources.is_empty() || l.sources.iter().any(|s| s.trim().is_empty()) {
                    out.push(format!("{at}: no source"));
                }
            }
        }
        let mut ids = Vec::new();
        for a in &self.advisories {
            let at = a.id.clone();
            if ids.contains(&a.id) {
                out.push(format!("{at}: duplicate id"));
            }
            ids.push(a.id.clone());
            let looks_cve = a.id.starts_with("CVE-")
                && a.id[4..].split_once('-').is_some_and(|(y, n)| {
                    y.len() == 4
                        && n.len() >= 4
                        && (y.to_owned() + n).chars().all(|c| c.is_ascii_digit())
                });
            match a.kind {
                Kind::Cve if !looks_cve => {
                    out.push(format!("{at}: kind cve but the id is not CVE-YYYY-NNNN"))
                }
                Kind::NoCve if a.id.starts_with("CVE-") => {
                    out.push(format!("{at}: kind no-cve with a CVE id"))
                }
                _ => {}
            }
            if a.sources.is_empty() {
                out.push(format!("{at}: no source"));
            }
            if a.sources.iter().any(|s| s.trim().is_empty()) {
                out.push(format!("{at}: empty source"));
            }
            if a.summary.trim().is_empty() {
                out.push(format!("{at}: empty summary"));
            }
            match (a.confidence, &a.uncertain) {
                (Confidence::Uncertain, None) => {
                    out.push(format!("{at}: uncertain without a reason"))
                }
                (Confidence::Confirmed, Some(_)) => out.push(format!(
                    "{at}: a reason for uncertainty on a confirmed entry"
                )),
                _ => {}
            }
            if let Some(c) = &a.cvss {
                if !(0.0..=10.0).contains(&c.score) {
                    out.push(format!("{at}: cvss {} out of range", c.score));
                }
            }
            if let Some(m) = &a.module {
                if m.names.iter().all(|n| n.trim().is_empty()) {
                    out.push(format!("{at}: module gate without a module name"));
                }
                if m.title.trim().is_empty() {
                    out.push(format!("{at}: module gate without a title"));
                }
                for (line, fixed) in &m.fixed {
                    match (Line::parse(line), Version::parse(fixed)) {
                        (Ok(l), Ok(v)) if v.line() == l => {}
                        _ => out.push(format!(
                            "{at}: module fixed version {fixed:?} does not belong to module line {line:?}"
                        )),
                    }
                }
            }
            if a.distro_only && (a.redis.is_some() || a.valkey.is_some()) {
                out.push(format!("{at}: distro_only but has upstream ranges"));
            }
            if a.redis.is_none() && a.valkey.is_none() && a.distros.is_empty() {
                out.push(format!(
                    "{at}: matches nothing (no ranges, no distro fixes)"
                ));
            }
            for d in &a.distros {
                match crate::debver::DebVersion::parse(&d.fixed) {
                    Some(v) if d.distro == "debian" => {
                        if v.debian_release().is_some_and(|r| r != d.release) {
                            out.push(format!(
                                "{at}: debian {} fix {:?} names another release",
                                d.release, d.fixed
                            ));
                        }
                    }
                    Some(_) => out.push(format!("{at}: unknown distro {:?}", d.distro)),
                    None => out.push(format!("{at}: {:?} is not a package version", d.fixed)),
                }
            }
            for product in [Product::Redis, Product::Valkey] {
                if let Some(r) = a.ranges(product) {
                    self.check_ranges(&format!("{at} ({})", product.name()), product, r, &mut out);
                }
            }
        }
        out
    }

    fn check_ranges(&self, at: &str, product: Product, r: &Ranges, out: &mut Vec<String>) {
        let known: Vec<Line> = self
            .product(product)
            .lines
            .iter()
            .filter_map(|l| Line::parse(&l.line).ok())
            .collect();
        let intro = match Version::parse(&r.introduced) {
            Ok(v) => Some(v),
            Err(e) => {
                out.push(format!("{at}: introduced: {e}"));
                None
            }
        };
        let line_of = |s: &str, what: &str, out: &mut Vec<String>| -> Option<Line> {
            match Line::parse(s) {
                Ok(l) if known.contains(&l) => Some(l),
                Ok(l) => {
                    out.push(format!(
                        "{at}: {what} line {l} is not a line of the product"
                    ));
                    None
                }
                Err(e) => {
                    out.push(format!("{at}: {what}: {e}"));
                    None
                }
            }
        };
        for (line, fixed) in &r.fixed {
            let Some(l) = line_of(line, "fixed", out) else {
                continue;
            };
            match Version::parse(fixed) {
                Ok(v) if v.line() == l => {
                    let latest = self
                        .product(product)
                        .lines
                        .iter()
                        .find(|ld| Line::parse(&ld.line).is_ok_and(|x| x == l))
                        .and_then(|ld| Version::parse(&ld.latest).ok());
                    if latest.as_ref().is_some_and(|latest| v > *latest) {
                        out.push(format!(
                            "{at}: fixed {fixed} is not a known release of line {l} (latest known {})",
                            latest.map(|x| x.to_string()).unwrap_or_default()
                        ));
                    }
                    if intro.as_ref().is_some_and(|i| v <= *i) {
                        out.push(format!(
                            "{at}: fixed {fixed} is not after introduced {}",
                            r.introduced
                        ));
                    }
                }
                Ok(_) => out.push(format!(
                    "{at}: fixed version {fixed} does not belong to line {line}"
                )),
                Err(e) => out.push(format!("{at}: fixed: {e}")),
            }
            if r.not_affected_lines.contains(line) || r.unknown_lines.contains_key(line) {
                out.push(format!(
                    "{at}: line {line} is both fixed and not-affected/unknown"
                ));
            }
        }
        let ffl = r
            .first_fixed_line
            .as_deref()
            .and_then(|s| line_of(s, "first_fixed_line", out));
        for (line, _) in r.fixed.iter() {
            if let (Some(f), Ok(l)) = (ffl, Line::parse(line)) {
                if l >= f {
                    out.push(format!(
                        "{at}: fixed entry for {l} at or after first_fixed_line {f}"
                    ));
                }
            }
        }
        for l in &r.not_affected_lines {
            line_of(l, "not_affected", out);
        }
        for l in r.unknown_lines.keys() {
            line_of(l, "unknown", out);
        }
        for l in r.uncertain_fixes.keys() {
            if !r.fixed.contains_key(l) {
                out.push(format!(
                    "{at}: uncertain_fixes names line {l} without a fixed entry"
                ));
            }
        }
        // A supported line must be resolved: a fix, not affected, unknown
        // (explicitly), or at/after the first fixed line.
        for ld in &self.product(product).lines {
            let Ok(l) = Line::parse(&ld.line) else {
                continue;
            };
            if ld.status == Status::Eol {
                continue;
            }
            let before_intro = intro.as_ref().is_some_and(|i| l < i.line());
            let resolved = before_intro
                || r.fixed.contains_key(&ld.line)
                || r.not_affected_lines.contains(&ld.line)
                || r.unknown_lines.contains_key(&ld.line)
                || ffl.is_some_and(|f| l >= f);
            if !resolved {
                out.push(format!(
                    "{at}: supported line {l} has no fix, no not-affected and no unknown entry"
                ));
            }
        }
    }
}
