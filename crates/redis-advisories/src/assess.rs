//! The VER001 decision: which line a version is on, whether that line is
//! supported, whether the version is its latest patch, and which advisories
//! apply, per release line and per build origin.

use std::fmt;

use crate::data::{Advisory, Confidence, Data, LineData, Ranges, Severity, Status};
use crate::debver::DebVersion;
use crate::identify::{BuildHints, Modules, Product};
use crate::version::{classify, Line, Version, VersionKind};

/// Support status of the server's release line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineStatus {
    Supported,
    /// Receives security fixes only.
    SecurityOnly,
    /// End of life; `date` when the data records it.
    Eol {
        date: Option<String>,
    },
    /// Not a line the data knows (newer than the data, a development or
    /// pre-release build, or an unparseable version).
    Unknown,
}

impl fmt::Display for LineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineStatus::Supported => f.write_str("supported"),
            LineStatus::SecurityOnly => f.write_str("security fixes only"),
            LineStatus::Eol { date: Some(d) } => write!(f, "EOL since {d}"),
            LineStatus::Eol { date: None } => f.write_str("EOL"),
            LineStatus::Unknown => f.write_str("unknown"),
        }
    }
}

/// Where the build comes from, as far as the hints tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildOrigin {
    /// A distribution package (the caller passed its package version).
    /// `distro` is `debian`, `ubuntu` or `unknown`; `release` e.g. `12`.
    DistroPackage {
        distro: String,
        release: Option<String>,
        package: String,
    },
    /// Built from a release tarball (git sha1 all zeros) and no package
    /// version given: a distribution package or an upstream tarball build.
    Tarball,
    /// Built from a git checkout (non-zero sha1): upstream source, no
    /// distribution backports expected.
    Git { sha1: String },
    /// Nothing tells.
    Unknown,
}

/// How an advisory applies to this server (a fact of the data and the
/// version; VER001 judges what it means).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// The version is in the affected range on its line.
    Affected,
    /// The distribution package is older than the distribution's fix.
    AffectedPackage { fixed_package: String },
    /// The upstream version is affected but the distribution may have
    /// backported the fix without changing it: verify against the
    /// distribution's security tracker (`tracker`).
    VerifyDistro { tracker: String },
    /// The distribution package carries the fix (upstream version is old).
    FixedByDistro { package: String },
}

impl Exposure {
    /// Whether this counts against the server (affected or to verify).
    pub fn is_open(&self) -> bool {
        !matches!(self, Exposure::FixedByDistro { .. })
    }
}

/// Where the fix is for this server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fix {
    /// Fixed on the server's own line.
    OnLine { version: String },
    /// No fix on this line; the oldest maintained newer line with a fix.
    NoFixOnLine {
        line: String,
        line_status: LineStatus,
        upgrade_line: Option<String>,
        /// First fixed version on `upgrade_line` (`None`: every release of it).
        upgrade_fixed: Option<String>,
        upgrade_latest: Option<String>,
    },
    /// Fixed by a distribution package.
    DistroPackage { package: String },
    /// Fixed in a release of the module itself (`title` `version` or later).
    Module { title: String, version: String },
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fix::OnLine { version } => write!(f, "fixed in {version}"),
            Fix::DistroPackage { package } => write!(f, "fixed in package {package}"),
            Fix::Module { title, version } => write!(f, "fixed in {title} {version}"),
            Fix::NoFixOnLine {
                line,
                line_status,
                upgrade_line,
                upgrade_fixed,
                upgrade_latest,
            } => {
                let st = match line_status {
                    LineStatus::Eol { .. } => " (EOL)".to_string(),
                    LineStatus::Unknown => String::new(),
                    s => format!(" ({s})"),
                };
                write!(f, "no fix on line {line}{st}")?;
                if let Some(u) = upgrade_line {
                    write!(f, ": upgrade to line {u}")?;
                    match (upgrade_fixed, upgrade_latest) {
                        (Some(x), Some(l)) if x != l => write!(f, " ({x} or later; latest {l})")?,
                        (Some(x), _) => write!(f, " ({x} or later)")?,
                        (None, Some(l)) => write!(f, " (latest {l})")?,
                        (None, None) => {}
                    }
                }
                Ok(())
            }
        }
    }
}

/// For an advisory about a module: what is known of that module here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleMatch {
    /// `MODULE LIST` names it: the name and version it reports.
    Loaded {
        title: String,
        name: String,
        /// `major.minor.patch` decoded from `ver`.
        version: String,
        ver: i64,
    },
    /// Whether the module is loaded is not known (`reason`): the advisory
    /// may apply, only if the module is loaded.
    Unknown {
        title: String,
        names: Vec<String>,
        reason: String,
    },
}

/// One advisory that applies to the server.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    pub id: String,
    /// `false` for security fixes published without a CVE id.
    pub is_cve: bool,
    pub summary: String,
    pub severity: Severity,
    pub cvss: Option<f32>,
    pub pre_auth: bool,
    pub exposure: Exposure,
    pub fix: Fix,
    pub mitigation: Option<String>,
    /// Uncertain when the advisory or this line's fixed version is.
    pub confidence: Confidence,
    /// Why (advisory-level and line-level reasons).
    pub uncertain: Vec<String>,
    pub sources: Vec<String>,
    /// For a module advisory: the module loaded, or why that is unknown.
    pub module: Option<ModuleMatch>,
}

impl Match {
    /// True when the advisory applies only if a module is loaded and the
    /// server's modules are unknown: it may apply.
    pub fn may_apply(&self) -> bool {
        matches!(self.module, Some(ModuleMatch::Unknown { .. }))
    }
}

/// The whole answer for one server.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub product: Product,
    /// The version as given.
    pub version: String,
    /// The parsed release version (`None` for development, pre-release
    /// numbering or unparseable versions).
    pub parsed: Option<Version>,
    pub line: Option<String>,
    pub line_status: LineStatus,
    /// Whether the line's status (or latest patch) is uncertain in the data.
    pub line_confidence: Confidence,
    pub line_note: Option<String>,
    /// The line's announced end of support (`YYYY-MM-DD`), when the data
    /// has one: a caller that knows today's date fails the line after it.
    pub line_support_ends: Option<String>,
    pub latest_patch_of_line: Option<String>,
    /// `None` when the line is unknown.
    pub is_latest: Option<bool>,
    pub build: BuildOrigin,
    /// Matches, most severe first.
    pub cves: Vec<Match>,
    /// Things a person must verify (distribution builds, lines the data
    /// cannot decide, versions newer than the data).
    pub verify_notes: Vec<String>,
    /// The date the data was last reviewed.
    pub data_reviewed: String,
}

impl Assessment {
    /// Matches that count against the server (affected or to verify).
    pub fn open(&self) -> impl Iterator<Item = &Match> {
        self.cves.iter().filter(|m| m.exposure.is_open())
    }

    /// The most severe open match.
    pub fn worst(&self) -> Option<Severity> {
        self.open().map(|m| m.severity).max()
    }
}

/// What is known of the server beyond its version, for matching.
#[derive(Clone, Copy)]
struct Server<'a> {
    build: &'a BuildOrigin,
    modules: &'a Modules,
}

/// The result of matching one product range against one version.
enum RangeHit {
    NotAffected,
    Fixed {
        version: String,
        uncertain: Option<String>,
    },
    NoFix,
    Unknown(String),
}

fn range_hit(r: &Ranges, v: &Version, known: &[Line]) -> RangeHit {
    let line = v.line();
    let key = line.to_string();
    if Version::parse(&r.introduced).is_ok_and(|i| *v < i) {
        return RangeHit::NotAffected;
    }
    if let Some(fixed) = r.fixed.get(&key) {
        return match Version::parse(fixed) {
            Ok(fv) if *v < fv => RangeHit::Fixed {
                version: fixed.clone(),
                uncertain: r.uncertain_fixes.get(&key).cloned(),
            },
            Ok(_) => RangeHit::NotAffected,
            Err(_) => RangeHit::Unknown(format!("unparseable fixed version {fixed:?} in the data")),
        };
    }
    if r.not_affected_lines.contains(&key) {
        return RangeHit::NotAffected;
    }
    if let Some(why) = r.unknown_lines.get(&key) {
        return RangeHit::Unknown(why.clone());
    }
    let ffl = r
        .first_fixed_line
        .as_deref()
        .and_then(|s| Line::parse(s).ok());
    if ffl.is_some_and(|f| line >= f) {
        return RangeHit::NotAffected;
    }
    if known.last().is_some_and(|max| line > *max) {
        // A line released after the data: assume it carries every fix; the
        // assessment says the data does not know the line.
        return RangeHit::NotAffected;
    }
    RangeHit::NoFix
}

fn status_of(ld: &LineData) -> LineStatus {
    match ld.status {
        Status::Supported => LineStatus::Supported,
        Status::SecurityOnly => LineStatus::SecurityOnly,
        Status::Eol => LineStatus::Eol {
            date: ld.eol.clone(),
        },
    }
}

fn origin(hints: &BuildHints) -> BuildOrigin {
    if let Some(p) = hints
        .package_version
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (distro, release) = match DebVersion::parse(p) {
            Some(d) if d.is_ubuntu() => ("ubuntu", None),
            Some(d) if d.debian_release().is_some() => ("debian", d.debian_release()),
            // Debian's redis packages carry epoch 5 (`5:7.0.15-1`); without a
            // `debNN` marker the release (unstable, testing) is unknown.
            Some(d) if d.epoch > 0 => ("debian", None),
            _ => ("unknown", None),
        };
        return BuildOrigin::DistroPackage {
            distro: distro.to_string(),
            release,
            package: p.to_string(),
        };
    }
    if hints.tarball_build() {
        return BuildOrigin::Tarball;
    }
    match hints.git_sha1.as_deref() {
        Some(s) if !s.is_empty() => BuildOrigin::Git {
            sha1: s.to_string(),
        },
        _ => BuildOrigin::Unknown,
    }
}

fn tracker(distro: &str, id: &str) -> String {
    if !id.starts_with("CVE-") {
        return format!("{id} has no CVE id: check the {distro} package changelog for the fix");
    }
    match distro {
        "debian" => format!("https://security-tracker.debian.org/tracker/{id}"),
        "ubuntu" => format!("https://ubuntu.com/security/{id}"),
        _ => format!("your distribution's security tracker for {id}"),
    }
}

impl Data {
    /// Assess `version` of `product` with what is known about the build.
    pub fn assess(&self, product: Product, version: &str, hints: &BuildHints) -> Assessment {
        let pd = self.product(product);
        let known: Vec<Line> = pd
            .lines
            .iter()
            .filter_map(|l| Line::parse(&l.line).ok())
            .collect();
        let build = origin(hints);
        let mut a = Assessment {
            product,
            version: version.to_string(),
            parsed: None,
            line: None,
            line_status: LineStatus::Unknown,
            line_confidence: Confidence::Confirmed,
            line_note: None,
            line_support_ends: None,
            latest_patch_of_line: None,
            is_latest: None,
            build: build.clone(),
            cves: Vec::new(),
            verify_notes: Vec::new(),
            data_reviewed: self.reviewed.clone(),
        };
        let v = match classify(version) {
            VersionKind::Release(v) => v,
            VersionKind::PreReleaseNumbering(v) => {
                a.verify_notes.push(format!(
                    "{product} {v} uses pre-release numbering (patch 200 or more, as release candidates report): not assessed; upgrade to a release"
                ));
                return a;
            }
            VersionKind::Development(v) => {
                a.verify_notes.push(format!(
                    "{product} {v} is a development build (unstable branch): not assessed; run a release in production"
                ));
                return a;
            }
            VersionKind::Unparseable(s) => {
                a.verify_notes.push(format!(
                    "{product} version {s:?} cannot be parsed: not assessed"
                ));
                return a;
            }
        };
        let line = v.line();
        a.parsed = Some(v.clone());
        a.line = Some(line.to_string());
        if let Some(ld) = pd
            .lines
            .iter()
            .find(|l| Line::parse(&l.line).is_ok_and(|x| x == line))
        {
            a.line_status = status_of(ld);
            a.line_confidence = ld.confidence;
            a.line_note = ld.note.clone();
            a.line_support_ends = ld.support_ends.clone();
            a.latest_patch_of_line = Some(ld.latest.clone());
            if ld.confidence == Confidence::Uncertain && ld.status != Status::Eol {
                a.verify_notes.push(format!(
                    "the support status of {product} line {line} is not confirmed: {}",
                    ld.note.as_deref().unwrap_or("see the advisory data")
                ));
            }
            if let Ok(latest) = Version::parse(&ld.latest) {
                a.is_latest = Some(v >= latest);
                if v > latest {
                    a.verify_notes.push(format!(
                        "{v} is newer than {latest}, the latest {line} patch known to the advisory data (reviewed {}): advisories published since then are not covered",
                        self.reviewed
                    ));
                }
            }
        } else if known.first().is_some_and(|min| line < *min) {
            a.line_status = LineStatus::Eol { date: None };
            a.line_note = Some(format!(
                "older than every {product} line in the advisory data ({} is the oldest): end of life",
                known.first().map(|l| l.to_string()).unwrap_or_default()
            ));
        } else if known.last().is_some_and(|max| line > *max) {
            a.verify_notes.push(format!(
                "{product} line {line} is newer than the advisory data (reviewed {}): its support status and advisories are not covered",
                self.reviewed
            ));
        } else {
            a.verify_notes.push(format!(
                "{product} has no release line {line} in the advisory data"
            ));
        }

        if let BuildOrigin::Tarball = build {
            a.verify_notes.push(format!(
                "built from a release tarball (git sha1 00000000), as distribution packages are: if this is a distribution package, fixes may be backported without changing the version {v}; pass the package version (e.g. from dpkg-query) or verify against the distribution's security tracker"
            ));
            if product == Product::Redis && v < Version::new(7, 0, 0) {
                a.verify_notes.push(
                    "if this is a Debian/Ubuntu package: check CVE-2022-0543 (EVAL \"return type(package)\" 0 must not return \"table\")".to_string(),
                );
            }
        }

        for adv in &self.advisories {
            if let Some(m) = self.match_one(
                adv,
                product,
                &v,
                &known,
                Server {
                    build: &build,
                    modules: &hints.modules,
                },
                &mut a.verify_notes,
            ) {
                a.cves.push(m);
            }
        }
        if let BuildOrigin::DistroPackage {
            distro, package, ..
        } = &build
        {
            let n = a
                .cves
                .iter()
                .filter(|m| matches!(m.exposure, Exposure::VerifyDistro { .. }))
                .count();
            if n > 0 {
                a.verify_notes.push(format!(
                    "{distro} package {package}: {n} advisory(ies) affect upstream {v} but the data has no {distro} fix version for this package: verify each against the distribution's security tracker (the distribution may have backported the fix)"
                ));
            }
            if matches!(a.line_status, LineStatus::Eol { .. }) {
                a.verify_notes.push(format!(
                    "upstream line {line} is end of life; fixes for this package come only from the distribution ({distro}): confirm it still receives security updates"
                ));
            }
        }
        a.cves.sort_by(|x, y| {
            y.exposure
                .is_open()
                .cmp(&x.exposure.is_open())
                .then(y.severity.cmp(&x.severity))
                .then(x.id.cmp(&y.id))
        });
        a
    }

    fn match_one(
        &self,
        adv: &Advisory,
        product: Product,
        v: &Version,
        known: &[Line],
        server: Server<'_>,
        notes: &mut Vec<String>,
    ) -> Option<Match> {
        let Server { build, modules } = server;
        let line = v.line();
        let mut uncertain: Vec<String> = adv.uncertain.iter().cloned().collect();
        // A module advisory: only where the module is loaded; its own
        // version decides when the data has a fix for its line.
        let mut module = None;
        let mut module_fix: Option<Fix> = None;
        if let Some(g) = &adv.module {
            match modules {
                Modules::Listed(list) => {
                    let m = list
                        .iter()
                        .find(|m| g.names.iter().any(|n| n.eq_ignore_ascii_case(&m.name)))?;
                    let mv = m.version();
                    if let Some(fixed) = g.fixed.get(&mv.line().to_string()) {
                        match Version::parse(fixed) {
                            Ok(fv) if mv < fv => {
                                module_fix = Some(Fix::Module {
                                    title: g.title.clone(),
                                    version: fixed.clone(),
                                })
                            }
                            Ok(_) => return None,
                            Err(_) => notes.push(format!(
                                "{}: unparseable module fixed version {fixed:?} in the data",
                                adv.id
                            )),
                        }
                    }
                    module = Some(ModuleMatch::Loaded {
                        title: g.title.clone(),
                        name: m.name.clone(),
                        version: mv.to_string(),
                        ver: m.ver,
                    });
                }
                Modules::NotRead => {
                    module = Some(ModuleMatch::Unknown {
                        title: g.title.clone(),
                        names: g.names.clone(),
                        reason: "the server's modules were not read (MODULE LIST)".into(),
                    })
                }
                Modules::Unreadable(why) => {
                    module = Some(ModuleMatch::Unknown {
                        title: g.title.clone(),
                        names: g.names.clone(),
                        reason: format!("MODULE LIST could not be read ({why})"),
                    })
                }
            }
        }
        // Upstream range.
        let upstream_fix: Option<Fix> = match adv.ranges(product) {
            _ if module_fix.is_some() => module_fix,
            None => None,
            Some(r) => match range_hit(r, v, known) {
                RangeHit::NotAffected => None,
                RangeHit::Unknown(why) => {
                    notes.push(format!(
                        "{}: the advisory data cannot tell whether line {line} is affected ({why})",
                        adv.id
                    ));
                    None
                }
                RangeHit::Fixed {
                    version,
                    uncertain: u,
                } => {
                    uncertain.extend(u);
                    Some(Fix::OnLine { version })
                }
                RangeHit::NoFix => Some(self.no_fix(product, line, adv)),
            },
        };
        // Distribution data for this package, when we have a package.
        // (Distribution data describes the `redis` source package.)
        let distro_fix = match build {
            _ if product != Product::Redis => None,
            BuildOrigin::DistroPackage {
                distro,
                release: Some(rel),
                package,
            } => adv
                .distros
                .iter()
                .find(|d| &d.distro == distro && &d.release == rel)
                .map(|d| (d, package.as_str())),
            _ => None,
        };
        if upstream_fix.is_none() && !(adv.distro_only || adv.ranges(product).is_none()) {
            return None;
        }
        if upstream_fix.is_none() && distro_fix.is_none() {
            return None; // distro-only entry and no package to compare
        }
        let (exposure, fix) = match (build, distro_fix) {
            (_, Some((d, package))) => {
                if d.confidence == Confidence::Uncertain {
                    uncertain.push(format!(
                        "the {} {} fixed package version is uncertain",
                        d.distro, d.release
                    ));
                }
                match (DebVersion::parse(package), DebVersion::parse(&d.fixed)) {
                    (Some(have), Some(fixed)) if have >= fixed => (
                        Exposure::FixedByDistro {
                            package: package.to_string(),
                        },
                        Fix::DistroPackage {
                            package: d.fixed.clone(),
                        },
                    ),
                    (Some(_), Some(_)) => (
                        Exposure::AffectedPackage {
                            fixed_package: d.fixed.clone(),
                        },
                        Fix::DistroPackage {
                            package: d.fixed.clone(),
                        },
                    ),
                    _ => (
                        Exposure::VerifyDistro {
                            tracker: tracker(&d.distro, &adv.id),
                        },
                        upstream_fix.clone().unwrap_or(Fix::DistroPackage {
                            package: d.fixed.clone(),
                        }),
                    ),
                }
            }
            (BuildOrigin::DistroPackage { distro, .. }, None) => (
                Exposure::VerifyDistro {
                    tracker: tracker(distro, &adv.id),
                },
                upstream_fix.clone()?,
            ),
            (_, None) => (Exposure::Affected, upstream_fix.clone()?),
        };
        let confidence = if uncertain.is_empty() {
            Confidence::Confirmed
        } else {
            Confidence::Uncertain
        };
        Some(Match {
            id: adv.id.clone(),
            is_cve: adv.kind == crate::data::Kind::Cve,
            summary: adv.summary.clone(),
            severity: adv.severity,
            cvss: adv.cvss.as_ref().map(|c| c.score),
            pre_auth: adv.pre_auth,
            exposure,
            fix,
            mitigation: adv.mitigation.clone(),
            confidence,
            uncertain,
            sources: adv.sources.clone(),
            module,
        })
    }

    /// "No fix on this line": find the oldest maintained newer line where
    /// the advisory is fixed.
    fn no_fix(&self, product: Product, line: Line, adv: &Advisory) -> Fix {
        let pd = self.product(product);
        let status = pd
            .lines
            .iter()
            .find(|l| Line::parse(&l.line).is_ok_and(|x| x == line))
            .map(status_of)
            .unwrap_or(
                if pd
                    .lines
                    .first()
                    .and_then(|l| Line::parse(&l.line).ok())
                    .is_some_and(|m| line < m)
                {
                    LineStatus::Eol { date: None }
                } else {
                    LineStatus::Unknown
                },
            );
        let r = adv.ranges(product);
        let ffl = r
            .and_then(|r| r.first_fixed_line.as_deref())
            .and_then(|s| Line::parse(s).ok());
        for ld in &pd.lines {
            let Ok(l) = Line::parse(&ld.line) else {
                continue;
            };
            if l <= line || ld.status == Status::Eol {
                continue;
            }
            let fixed_here = r.and_then(|r| r.fixed.get(&ld.line)).cloned();
            let whole_line = ffl.is_some_and(|f| l >= f)
                || r.is_some_and(|r| r.not_affected_lines.contains(&ld.line));
            if fixed_here.is_some() || whole_line {
                return Fix::NoFixOnLine {
                    line: line.to_string(),
                    line_status: status,
                    upgrade_line: Some(ld.line.clone()),
                    upgrade_fixed: fixed_here,
                    upgrade_latest: Some(ld.latest.clone()),
                };
            }
        }
        Fix::NoFixOnLine {
            line: line.to_string(),
            line_status: status,
            upgrade_line: None,
            upgrade_fixed: None,
            upgrade_latest: None,
        }
    }
}
