use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Connected client libraries are current and maintained.
    ///
    /// **What.** CLIENT LIST's `lib-name` and `lib-ver` (Redis 7.2+ and
    /// Valkey; set by clients with CLIENT SETINFO) compared with known
    /// maintained libraries and their current versions; clients that set
    /// nothing are counted. A server without CLIENT SETINFO (not in its
    /// COMMAND table: Redis before 7.2) is said to be unable to name them.
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
    fix: crate::fix::FixRule::DisplayOnly("upgrading client libraries is a change in the applications"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let l = match &s.live {
        crate::Avail::Present(l) => l,
        _ => return super::live_outcome(s, "client libraries come from CLIENT LIST"),
    };
    let clients = match &l.clients {
        Ok(c) => c,
        Err(e) => return Outcome::skip(format!("CLIENT LIST is not available: {e}")),
    };
    let mut libs: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut unnamed = 0usize;
    for c in clients {
        // The audit's own connection is not an application.
        if c.get("name").is_some_and(|n| n == "rampart") {
            continue;
        }
        match (
            c.get("lib-name").filter(|v| !v.is_empty()),
            c.get("lib-ver"),
        ) {
            (Some(n), v) => {
                *libs
                    .entry(format!("{n} {}", v.map(String::as_str).unwrap_or("?")))
                    .or_default() += 1
            }
            (None, _) => unnamed += 1,
        }
    }
    let mut observed: Vec<String> = libs.iter().map(|(k, n)| format!("{k} ({n})")).collect();
    // Whether the server has CLIENT SETINFO at all (its own command table).
    let no_setinfo = l
        .command_table
        .as_deref()
        .is_some_and(|t| t.lookup("client|setinfo").is_none());
    if unnamed > 0 {
        observed.push(if no_setinfo {
            format!("{unnamed} client(s); this server has no CLIENT SETINFO (Redis 7.2+ and Valkey have it), so no client can name its library")
        } else {
            format!("{unnamed} client(s) without CLIENT SETINFO")
        });
    }
    if observed.is_empty() {
        return Outcome::skip("no application clients are connected");
    }
    Outcome::manual(
        if no_setinfo {
            "this server cannot name its clients' libraries (no CLIENT SETINFO): verify the applications' client libraries are current and maintained"
        } else {
            "verify these client libraries are current and maintained (rampart has no client-library release data yet)"
        },
        vec![Evidence::new(
            Source::Live,
            format!("CLIENT LIST on {}", l.endpoint),
            observed.join(", "),
            "maintained libraries at their current version",
        )],
    )
}
