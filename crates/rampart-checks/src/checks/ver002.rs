use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{Snapshot, LIVE_ABSENT};

check! {
    /// Connected client libraries are current and maintained.
    ///
    /// **What.** CLIENT LIST's `lib-name` and `lib-ver` (Redis 7.2+ and
    /// Valkey; set by clients with CLIENT SETINFO) compared with known
    /// maintained libraries and their current versions; clients that set
    /// nothing are counted.
    ///
    /// **Why.** Client libraries have their own security fixes (TLS
    /// verification, RESP parsing) and abandoned ones never get them.
    ///
    /// **References.** Seed "Software Maintenance": keep the client current
    /// and actively maintained.
    id: "VER002",
    title: "Client libraries are current",
    severity: Low,
    sources: [Live],
    remediation: "Upgrade the application's client library; replace unmaintained ones.",
    run: run,
}

fn run(_s: &Snapshot) -> Outcome {
    Outcome::skip(format!(
        "{LIVE_ABSENT} (client libraries come from CLIENT LIST)"
    ))
}
