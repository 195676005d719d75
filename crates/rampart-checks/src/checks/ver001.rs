use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;
use redis_advisories::{BuildOrigin, Exposure, LineStatus, ModuleMatch};

check! {
    /// The server is the latest patch of a supported line, with no known CVE.
    ///
    /// **What.** The running version (INFO `redis_version`, or
    /// `valkey_version` for Valkey, which reports a fixed `redis_version`)
    /// is matched per release line against advisory data shipped with
    /// rampart (its review date is printed): a patched 7.2.x is not "older
    /// than 8.2". End-of-life lines fail; distribution builds that backport
    /// fixes are flagged "verify". Advisories about a module (RedisBloom,
    /// RedisTimeSeries, ...) apply only when `MODULE LIST` names that
    /// module (its version decides where the data has the module's own
    /// fix); the evidence lists the loaded modules. When MODULE LIST cannot
    /// be read (NOPERM, a Sentinel) the modules are unknown: module
    /// advisories are listed as "may apply" with the reason, and never
    /// let the check pass. A line whose announced end of support (Redis
    /// 6.2: 2027-04-01; 7.2 and 7.4: 2029-12-01) has passed at the audit's
    /// date fails as end of life.
    ///
    /// **How old the data is.** The evidence gives the data's review date
    /// and age (`rampart --version` prints the date too). Data reviewed more
    /// than 90 days before the audit cannot vouch for a server: the check
    /// says so, names what to run to refresh it, and does not pass.
    ///
    /// **Why.** Redis gets regular security releases (e.g. CVE-2025-49844,
    /// a CVSS 9.9 Lua use-after-free, fixed in 6.2.20 / 7.2.11 / 7.4.6 /
    /// 8.0.4 / 8.2.2).
    ///
    /// **References.** Redis release notes and security advisories; seed
    /// "Software Maintenance".
    id: "VER001",
    title: "Server version is current with no known CVE",
    severity: High,
    sources: [Live],
    // DISA STIG V-251253, V-265880 (Redis Enterprise 6.x STIG V2R1): https://github.com/mitre/inspec-profile-update-action/blob/f2c0eb037cdc6cda2b718c3eaa561a870575f776/benchmarks/DISA/U_Redis_Enterprise_6-x_STIG_V2R1_Manual-xccdf.xml
    refs: [Nist80053("SI-2"), Nist80053("RA-5"), DisaStig("RD6X-00-012500"), DisaStig("RD6X-00-007950")],
    remediation: "Upgrade to the latest patch release of a supported line; until then, deny `@scripting` to users that do not need Lua (most recent CVEs are in Lua).",
    fix: crate::fix::FixRule::DisplayOnly("upgrading the server is a package or deployment change"),
    run: run,
}

/// What to run when the advisory data is old.
const REFRESH: &str =
    "run `rampart advisories update --from URL|DIR` (or upgrade rampart) to refresh it";

// The check's verdict cases in order, each with its evidence.
#[allow(clippy::too_many_lines)]
fn run(s: &Snapshot) -> Outcome {
    let Some(l) = s.live.get() else {
        return super::live_outcome(s, "the version comes from INFO server");
    };
    let mut id = match redis_advisories::identify(&l.info) {
        Ok(id) => id,
        Err(e) => {
            return Outcome::error(format!(
                "cannot tell the server's product and version from INFO: {e}"
            ))
        }
    };
    id.hints.package_version = l.package_version.clone();
    id.hints.modules = match &l.modules {
        Ok(list) => redis_advisories::Modules::Listed(list.clone()),
        Err(e) => redis_advisories::Modules::Unreadable(e.clone()),
    };
    let embedded;
    let (data, origin) = match &s.currency {
        Some(c) => (&c.advisories, c.origin.clone()),
        None => {
            embedded = redis_advisories::Currency::embedded();
            (&embedded.advisories, embedded.origin.clone())
        }
    };
    let a = data.assess(id.product, &id.version, &id.hints);
    let product = match a.product {
        redis_advisories::Product::Redis => "Redis",
        redis_advisories::Product::Valkey => "Valkey",
    };
    let line = a.line.clone().unwrap_or_else(|| "unknown".into());
    let status = match &a.line_status {
        LineStatus::Supported => "supported".to_string(),
        LineStatus::SecurityOnly => "security fixes only".to_string(),
        LineStatus::Eol { date } => format!(
            "end of life{}",
            date.as_ref()
                .map(|d| format!(" since {d}"))
                .unwrap_or_default()
        ),
        LineStatus::Unknown => "not in the data".to_string(),
    };
    let build = match &a.build {
        BuildOrigin::DistroPackage { package, .. } => format!(", package {package}"),
        _ => String::new(),
    };
    let expected = format!(
        "the latest patch of a supported line with no open advisory (advisory data reviewed {})",
        a.data_reviewed
    );
    let loc = format!("INFO server on {}", l.endpoint);
    let mut ev = vec![Evidence::new(
        Source::Live,
        loc.clone(),
        format!(
            "{product} {} (line {line}: {status}; latest {}{build})",
            a.version,
            a.latest_patch_of_line
                .clone()
                .unwrap_or_else(|| "unknown".into())
        ),
        expected.clone(),
    )];
    ev.push(Evidence::new(
        Source::Live,
        format!("MODULE LIST on {}", l.endpoint),
        match &l.modules {
            Ok(list) if list.is_empty() => "no module loaded".to_string(),
            Ok(list) => format!(
                "modules loaded: {}",
                list.iter()
                    .map(|m| format!("{} ver {}", m.name, m.ver))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(e) => format!(
                "not readable ({e}): the modules are unknown, so module advisories may apply"
            ),
        },
        "the modules known, to match module advisories",
    ));
    let open: Vec<_> = a.open().collect();
    let affected = open
        .iter()
        .filter(|m| {
            !m.may_apply()
                && matches!(
                    m.exposure,
                    Exposure::Affected | Exposure::AffectedPackage { .. }
                )
        })
        .count();
    for m in open.iter().take(12) {
        let how = match (&m.module, &m.exposure) {
            (
                Some(ModuleMatch::Unknown {
                    title,
                    names,
                    reason,
                }),
                _,
            ) => format!(
                "may apply: only if {title} (MODULE LIST name {}) is loaded, and {reason}",
                names.join(" or ")
            ),
            (_, Exposure::VerifyDistro { .. }) => "verify with the distribution's tracker".into(),
            (
                Some(ModuleMatch::Loaded {
                    title, name, ver, ..
                }),
                _,
            ) => format!("affected: {title} is loaded ({name} ver {ver})"),
            _ => "affected".into(),
        };
        ev.push(Evidence::new(
            Source::Live,
            loc.clone(),
            format!(
                "{} ({}{}): {}; {how}; {}",
                m.id,
                m.severity.as_str(),
                if m.pre_auth { ", pre-auth" } else { "" },
                m.summary,
                m.fix
            ),
            "not affected",
        ));
    }
    if open.len() > 12 {
        ev.push(Evidence::new(
            Source::Live,
            loc.clone(),
            format!("(+{} more advisories)", open.len() - 12),
            "not affected",
        ));
    }
    for n in &a.verify_notes {
        ev.push(Evidence::new(
            Source::Live,
            loc.clone(),
            format!("note: {n}"),
            expected.clone(),
        ));
    }
    let today = s.now.map(|n| n.div_euclid(86_400));
    let ended = a
        .line_support_ends
        .as_deref()
        .filter(|d| today.is_some_and(|t| redis_advisories::date_days(d).is_some_and(|e| e <= t)));
    let status = match ended {
        Some(d) => format!("end of life since {d}, its announced end of support"),
        None => status,
    };
    let age = s.now.and_then(|n| data.age_days(n));
    let stale = age.is_some_and(|d| d > redis_advisories::STALE_AFTER_DAYS);
    ev.push(Evidence::new(
        Source::Live,
        "rampart advisory data".to_string(),
        match age {
            Some(d) => format!(
                "reviewed {} ({d} day(s) before this audit), {origin}",
                data.reviewed
            ),
            None => format!("reviewed {}, {origin}", data.reviewed),
        },
        format!(
            "reviewed within {} days of the audit; {REFRESH}",
            redis_advisories::STALE_AFTER_DAYS
        ),
    ));
    let stale_note = age.filter(|_| stale).map(|d| {
        format!(
            "the advisory data is {d} days old (reviewed {}): {REFRESH}",
            data.reviewed
        )
    });
    let eol = matches!(a.line_status, LineStatus::Eol { .. }) || ended.is_some();
    if affected > 0 || eol {
        let mut why = Vec::new();
        if eol {
            why.push(format!("line {line} is {status}"));
        }
        if affected > 0 {
            why.push(format!("{affected} known advisory(ies) apply"));
        }
        why.extend(stale_note.clone());
        return Outcome::fail(format!("{product} {}: {}", a.version, why.join("; ")), ev);
    }
    if a.is_latest == Some(false) {
        return Outcome::fail(
            format!(
                "{product} {} is not the latest patch of line {line} ({}){}",
                a.version,
                a.latest_patch_of_line.clone().unwrap_or_default(),
                stale_note
                    .as_deref()
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default()
            ),
            ev,
        );
    }
    if let Some(n) = stale_note {
        return Outcome::manual(format!("{product} {}: {n}", a.version), ev);
    }
    if !open.is_empty() || !a.verify_notes.is_empty() || a.is_latest.is_none() {
        return Outcome::manual(
            format!("{product} {}: verify the items below", a.version),
            ev,
        );
    }
    Outcome::pass(
        format!(
            "{product} {} is the latest patch of a supported line, with no known advisory",
            a.version
        ),
        ev,
    )
}
