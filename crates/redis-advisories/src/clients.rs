//! Client-library release data (`data/clients.json`, generated from the
//! package registries by `scripts/gen-client-data.py`) and the pure
//! decision behind VER002: is a library a client reports with CLIENT
//! SETINFO (`lib-name`, `lib-ver`) on a maintained line, at its newest
//! patch?

use serde::Deserialize;

use crate::data::parse_date;

/// The whole client data file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientData {
    pub schema: u32,
    /// The date the registries were read (`YYYY-MM-DD`).
    pub generated: String,
    /// How the file was made.
    pub generator: String,
    pub libraries: Vec<Library>,
}

/// Which release lines a project maintains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Redis's client policy: the latest `major.minor` line is maintained.
    Official,
    /// No documented policy found: the latest major line only (rampart's rule).
    LatestMajor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryStatus {
    Ok,
    /// The registry could not be read when the data was generated: no versions.
    Unreachable,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintainedLine {
    /// `8.1` (official policy) or `8` (latest major).
    pub line: String,
    /// The newest patch release of the line.
    pub latest: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    /// What the project is called (`redis-py`).
    pub name: String,
    /// The `lib-name` values the library sends with CLIENT SETINFO.
    pub lib_names: Vec<String>,
    /// `pypi`, `npm`, `crates`, `maven`, `goproxy`, `nuget`, `packagist`, `pecl`.
    pub registry: String,
    pub package: String,
    pub policy: Policy,
    /// The policy in words.
    pub policy_rule: String,
    #[serde(default)]
    pub policy_source: Option<String>,
    /// `false` when the library's `lib-ver` is not its package version.
    #[serde(default = "yes")]
    pub lib_ver_trusted: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub status: RegistryStatus,
    /// Why the registry was not read (for `unreachable`).
    #[serde(default)]
    pub unreachable: Option<String>,
    /// The registry document read.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub latest: Option<String>,
    #[serde(default)]
    pub latest_date: Option<String>,
    #[serde(default)]
    pub maintained: Vec<MaintainedLine>,
}

fn yes() -> bool {
    true
}

/// A client library version: numeric `major.minor[.patch]`.
fn parse(v: &str) -> Option<Vec<u64>> {
    let parts: Vec<u64> = v
        .trim()
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (2..=4).contains(&parts.len()).then_some(parts)
}

fn cmp(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..n)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Where one reported library stands against the client data (a fact:
/// VER002 decides what each case means for the audit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCurrency {
    /// On a maintained line at (or after) its newest patch.
    Current { line: String },
    /// On a maintained line, older than its newest patch.
    Outdated { line: String, move_to: String },
    /// On a line the project no longer maintains.
    DroppedLine { line: String, move_to: String },
    /// Cannot be judged: why (unknown library, registry unreachable,
    /// version not comparable, newer than the data).
    Unjudged(String),
}

impl ClientData {
    /// Parse and validate (every problem reported).
    pub fn from_json(text: &str) -> Result<ClientData, crate::DataError> {
        let d: ClientData = serde_json::from_str(text)?;
        let p = d.problems();
        if p.is_empty() {
            Ok(d)
        } else {
            Err(crate::DataError::Invalid(p))
        }
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.schema != 1 {
            out.push(format!(
                "client data schema {} is not supported (expected 1)",
                self.schema
            ));
        }
        if parse_date(&self.generated, false).is_none() {
            out.push(format!(
                "generated: {:?} is not a YYYY-MM-DD date",
                self.generated
            ));
        }
        for l in &self.libraries {
            let at = &l.name;
            if l.name.trim().is_empty() || l.package.trim().is_empty() {
                out.push(format!("{at:?}: empty name or package"));
            }
            match l.status {
                RegistryStatus::Unreachable => {
                    if l.unreachable.is_none() {
                        out.push(format!("{at}: unreachable without saying why"));
                    }
                    if l.latest.is_some() || !l.maintained.is_empty() {
                        out.push(format!(
                            "{at}: versions recorded for an unreachable registry"
                        ));
                    }
                }
                RegistryStatus::Ok => {
                    let latest = l.latest.as_deref().and_then(parse);
                    if latest.is_none() {
                        out.push(format!("{at}: latest {:?} is not a version", l.latest));
                    }
                    if l.source.is_none() {
                        out.push(format!("{at}: no source"));
                    }
                    if l.maintained.is_empty() {
                        out.push(format!("{at}: no maintained line"));
                    }
                    for m in &l.maintained {
                        let depth = match l.policy {
                            Policy::Official => 2,
                            Policy::LatestMajor => 1,
                        };
                        let line_ok = m.line.split('.').count() == depth
                            && m.line.split('.').all(|p| p.parse::<u64>().is_ok());
                        match parse(&m.latest) {
                            Some(v) if line_ok && line_of(&v, depth) == m.line => {
                                if latest.as_ref().is_some_and(|x| cmp(&v, x).is_gt()) {
                                    out.push(format!("{at}: line {} newer than latest", m.line));
                                }
                            }
                            _ => out.push(format!(
                                "{at}: {:?} is not a release of line {:?}",
                                m.latest, m.line
                            )),
                        }
                    }
                }
            }
            if let Some(d) = &l.latest_date {
                if parse_date(d, false).is_none() {
                    out.push(format!("{at}: latest_date {d:?} is not a date"));
                }
            }
        }
        out
    }

    /// The library that sends `lib_name` (exactly, or followed by a
    /// `(suffix)` as wrappers add: `redis-py(django_v4)`).
    pub fn library(&self, lib_name: &str) -> Option<&Library> {
        let base = lib_name.split('(').next().unwrap_or(lib_name).trim();
        self.libraries
            .iter()
            .find(|l| l.lib_names.iter().any(|n| n.eq_ignore_ascii_case(base)))
    }

    /// Judge one reported library and version.
    pub fn judge(
        &self,
        lib_name: &str,
        lib_ver: Option<&str>,
    ) -> (Option<&Library>, ClientCurrency) {
        let Some(l) = self.library(lib_name) else {
            return (
                None,
                ClientCurrency::Unjudged("not a library in rampart's client data".into()),
            );
        };
        (Some(l), l.judge(lib_ver))
    }
}

fn line_of(v: &[u64], depth: usize) -> String {
    v.iter()
        .take(depth)
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

impl Library {
    pub fn judge(&self, lib_ver: Option<&str>) -> ClientCurrency {
        if self.status == RegistryStatus::Unreachable {
            return ClientCurrency::Unjudged(format!(
                "no release data: {}",
                self.unreachable
                    .as_deref()
                    .unwrap_or("the registry was not reachable")
            ));
        }
        if !self.lib_ver_trusted {
            return ClientCurrency::Unjudged(format!(
                "{}; its latest release is {}",
                self.note
                    .as_deref()
                    .unwrap_or("its lib-ver is not its package version"),
                self.latest.as_deref().unwrap_or("unknown")
            ));
        }
        let Some(ver) = lib_ver.map(str::trim).filter(|v| !v.is_empty()) else {
            return ClientCurrency::Unjudged("it sends no lib-ver".into());
        };
        let Some(v) = parse(ver) else {
            return ClientCurrency::Unjudged(format!("lib-ver {ver:?} is not a release version"));
        };
        let depth = match self.policy {
            Policy::Official => 2,
            Policy::LatestMajor => 1,
        };
        let line = line_of(&v, depth);
        let newest = self.latest.clone().unwrap_or_default();
        if let Some(m) = self.maintained.iter().find(|m| m.line == line) {
            return match parse(&m.latest) {
                Some(l) if cmp(&v, &l).is_lt() => ClientCurrency::Outdated {
                    line,
                    move_to: m.latest.clone(),
                },
                Some(_) => ClientCurrency::Current { line },
                None => ClientCurrency::Unjudged("the data's version is not comparable".into()),
            };
        }
        match parse(&newest) {
            Some(n) if cmp(&v, &n).is_lt() => ClientCurrency::DroppedLine {
                line,
                move_to: newest,
            },
            _ => ClientCurrency::Unjudged(format!(
                "{ver} is newer than {newest}, the latest release the client data knows"
            )),
        }
    }
}

/// The client data file as shipped.
pub const CLIENTS_JSON: &str = include_str!("../data/clients.json");

/// The embedded client data, parsed and validated once.
///
/// # Panics
/// Never in a released build: the crate's tests validate the embedded file.
pub fn embedded_clients() -> &'static ClientData {
    static DATA: std::sync::OnceLock<ClientData> = std::sync::OnceLock::new();
    DATA.get_or_init(|| match ClientData::from_json(CLIENTS_JSON) {
        Ok(d) => d,
        Err(e) => panic!("embedded client data is invalid: {e}"),
    })
}
