//! The ordered registry of every check in CHECKLIST.md.

use crate::fix::{Fix, FixRule};
use crate::model::{Finding, Outcome, Severity, Source, Status};
use crate::snapshot::Snapshot;

/// One check: its stable ID, documentation and the function that decides it.
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Where its facts come from (CHECKLIST.md "sources").
    pub sources: &'static [Source],
    /// What it checks, why it matters, how to fix it, references: the doc
    /// comment of the check's definition, so there is one text only.
    pub doc: &'static str,
    /// The fix, in one paragraph.
    pub remediation: &'static str,
    /// How a failing finding's fix is decided (and how safe it is).
    pub fix: crate::fix::FixRule,
    /// The framework controls and rules this check gives evidence for
    /// (NIST SP 800-53 Rev. 5 always; the DISA Redis Enterprise STIG rule
    /// where one corresponds and was verified).
    pub refs: &'static [FrameworkRef],
    pub run: fn(&Snapshot) -> Outcome,
}

/// A control framework a check maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Framework {
    /// NIST SP 800-53 Rev. 5 (control IDs such as `AC-3`, `IA-5(1)`).
    Nist80053,
    /// The DISA Redis Enterprise 6.x STIG (STIG IDs such as `RD6X-00-000100`).
    DisaStig,
}

impl Framework {
    pub const ALL: [Framework; 2] = [Framework::Nist80053, Framework::DisaStig];
    /// The stable machine key (JSON, SARIF tags, HTML): `nist-800-53`,
    /// `disa-stig`. Never changes once shipped.
    pub fn key(self) -> &'static str {
        match self {
            Framework::Nist80053 => "nist-800-53",
            Framework::DisaStig => "disa-stig",
        }
    }
    /// The name people read: `NIST SP 800-53`, `DISA STIG`.
    pub fn display_name(self) -> &'static str {
        match self {
            Framework::Nist80053 => "NIST SP 800-53",
            Framework::DisaStig => "DISA STIG",
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// One reference of a check into a framework: `NIST SP 800-53 AC-3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameworkRef {
    pub framework: Framework,
    pub id: &'static str,
}

impl std::fmt::Display for FrameworkRef {
    /// `NIST SP 800-53 AC-3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.framework.display_name(), self.id)
    }
}

/// The framework references of a check by ID (case-insensitive); empty for
/// an unknown ID.
pub fn framework_refs(check_id: &str) -> &'static [FrameworkRef] {
    find_check(check_id).map_or(&[], |c| c.refs)
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}

/// Define a check. The doc comment becomes [`Check::doc`].
macro_rules! check {
    (
        $(#[doc = $doc:literal])*
        id: $id:literal,
        title: $title:literal,
        severity: $sev:ident,
        sources: [$($src:ident),* $(,)?],
        refs: [$($fw:ident($rid:literal)),* $(,)?],
        remediation: $rem:literal,
        fix: $fix:expr,
        run: $run:path $(,)?
    ) => {
        $(#[doc = $doc])*
        pub static CHECK: $crate::registry::Check = $crate::registry::Check {
            id: $id,
            title: $title,
            severity: $crate::Severity::$sev,
            sources: &[$($crate::Source::$src),*],
            doc: concat!($($doc, "\n"),*),
            remediation: $rem,
            fix: $fix,
            refs: &[$($crate::registry::FrameworkRef {
                framework: $crate::registry::Framework::$fw,
                id: $rid,
            }),*],
            run: $run,
        };
    };
}
pub(crate) use check;

/// Every check, in catalogue order.
pub fn all_checks() -> &'static [&'static Check] {
    crate::checks::REGISTRY
}

/// Look a check up by ID (case-insensitive).
pub fn find_check(id: &str) -> Option<&'static Check> {
    all_checks()
        .iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(id))
}

/// Run every check on a snapshot: exactly one finding per check.
pub fn run_all(snapshot: &Snapshot) -> Vec<Finding> {
    all_checks().iter().map(|c| run_one(c, snapshot)).collect()
}

/// Why a pass cannot stand: it rests on a config file (or sentinel.conf)
/// that includes a file rampart did not read, which may set what the check
/// read. A pass from the running server alone (every piece of evidence
/// live, none from the file) stands.
fn incomplete_pass(check: &Check, s: &Snapshot, out: &Outcome) -> Option<String> {
    if out.status != Status::Pass || !check.sources.contains(&Source::Conf) {
        return None;
    }
    let mut why: Vec<String> = Vec::new();
    if let Some(c) = s.conf.get() {
        why.extend(c.config.unread_summary());
    }
    if let Some(sf) = s.sentinel.get() {
        why.extend(sf.config.unread_summary());
    }
    if why.is_empty() {
        return None;
    }
    let from_file = out.evidence.iter().any(|e| e.source == Source::Conf)
        || !out.evidence.iter().any(|e| e.source == Source::Live);
    from_file.then(|| why.join("; "))
}

/// Run one check, enforcing the evidence rule: a pass, fail or warn
/// without evidence is turned into an error rather than trusted.
pub fn run_one(check: &Check, snapshot: &Snapshot) -> Finding {
    let _ = crate::snapshot::take_missing_config();
    let _ = crate::snapshot::take_unreadable();
    let mut out = (check.run)(snapshot);
    let missing = crate::snapshot::take_missing_config();
    let unreadable = crate::snapshot::take_unreadable();
    let needs_evidence = matches!(out.status, Status::Pass | Status::Fail | Status::Warn);
    if needs_evidence && !unreadable.is_empty() {
        // A verdict computed on a number that could not be read (read as 0)
        // is not trusted: say which value, where.
        let message = format!(
            "not decided: {}: {} cannot be judged on it",
            unreadable.join("; "),
            check.id
        );
        out = Outcome::new(Status::Error, message, std::mem::take(&mut out.evidence));
    } else if needs_evidence
        && out.evidence.iter().all(|e| e.location.is_empty())
        && !missing.is_empty()
    {
        // A server whose CONFIG GET answer lacks a setting (a proxy, a
        // fork, a fake): say what is missing, never a bare internal error.
        out = Outcome::error(format!(
            "CONFIG GET did not return {} on {}: {} cannot be judged without it",
            missing.join(", "),
            snapshot.target,
            check.id
        ));
    } else if needs_evidence && out.evidence.iter().all(|e| e.location.is_empty()) {
        out = Outcome::error(format!(
            "internal error: {} returned '{}' without evidence ({})",
            check.id, out.status, out.message
        ));
    }
    if let Some(why) = incomplete_pass(check, snapshot, &out) {
        let message = format!(
            "not decided: {} would pass on the files read ({}), but the configuration is incomplete: {why}",
            check.id, out.message
        );
        out = Outcome::new(Status::Error, message, std::mem::take(&mut out.evidence));
    }
    let fix = matches!(out.status, Status::Fail | Status::Warn).then(|| match check.fix {
        FixRule::DisplayOnly(reason) => Fix::display_only(check.remediation, reason),
        FixRule::Compute(f) => f(snapshot),
    });
    Finding {
        id: check.id,
        title: check.title,
        severity: check.severity,
        status: out.status,
        target: snapshot.target.clone(),
        message: out.message,
        evidence: out.evidence,
        remediation: check.remediation,
        fix,
    }
}

/// The check catalogue as Markdown, one table a family, in registry order:
/// what `docs/CHECKS.md` holds (a test keeps the two equal), so the
/// catalogue cannot drift from the code and adding a check is one file and
/// one registry line.
pub fn catalogue_markdown() -> String {
    let mut s = String::from(
        "# rampart check catalogue\n\n\
         Generated from the check registry (`crates/rampart-checks/src/checks/`);\n\
         do not edit by hand: `RAMPART_BLESS=1 cargo test -p rampart-checks --test catalogue`\n\
         rewrites it. `rampart checks` lists the same, `rampart explain ID` prints a\n\
         check's documentation. IDs never change meaning once shipped; a retired\n\
         check keeps its ID reserved.\n\n\
         Statuses: `pass`, `fail`, `warn` (a \"consider\" item not met), `manual`\n\
         (a person must verify what the report says), `skip` (not applicable, or\n\
         the source was not available: the reason is given), `error` (collection\n\
         failed, or a pass rests on input rampart could not read: never a pass).\n\n\
         Sources: `conf` redis.conf / sentinel.conf with includes; `aclfile` the\n\
         external ACL file; `live` the running server; `tls` the TLS prober; `fs`\n\
         owner, group and mode of files on this host; `proc` the local server\n\
         process; `os` logrotate, syslog, firewall configuration; `history`\n\
         rampart's own record of rotations and reviews.\n",
    );
    let mut family = "";
    for c in all_checks() {
        let f = c.id.trim_end_matches(|ch: char| ch.is_ascii_digit());
        if f != family {
            family = f;
            s.push_str(&format!(
                "\n## {f}\n| ID | checks | sources | severity | fix |\n|---|---|---|---|---|\n"
            ));
        }
        let sources: Vec<&str> = c.sources.iter().map(|x| x.as_str()).collect();
        let fix = match c.fix {
            FixRule::DisplayOnly(_) => "shown",
            FixRule::Compute(_) => "computed",
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.id,
            c.title.replace('|', "\\|"),
            sources.join(", "),
            c.severity.as_str(),
            fix
        ));
    }
    s
}
