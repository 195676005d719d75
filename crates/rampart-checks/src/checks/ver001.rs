use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// The server is the latest patch of a supported line, with no known CVE.
    ///
    /// **What.** The running version (INFO `redis_version`, or
    /// `valkey_version` for Valkey, which reports a fixed `redis_version`)
    /// is matched per release line against advisory data shipped with
    /// rampart (its review date is printed): a patched 7.2.x is not "older
    /// than 8.2". End-of-life lines fail; distribution builds that backport
    /// fixes are flagged "verify".
    ///
    /// **Why.** Redis gets regular security releases (e.g. CVE-2025-49844,
    /// a CVSS 10 Lua use-after-free, fixed in 6.2.20 / 7.2.11 / 7.4.6 /
    /// 8.0.4 / 8.2.2).
    ///
    /// **References.** Redis release notes and security advisories; seed
    /// "Software Maintenance".
    id: "VER001",
    title: "Server version is current with no known CVE",
    severity: High,
    sources: [Live],
    remediation: "Upgrade to the latest patch release of a supported line; until then, deny `@scripting` to users that do not need Lua (most recent CVEs are in Lua).",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    super::live_outcome(s, "the version comes from INFO server")
}
