use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;
use redis_advisories::ClientCurrency;

check! {
    /// Connected client libraries are current and maintained.
    ///
    /// **What.** CLIENT LIST's `lib-name` and `lib-ver` (Redis 7.2+ and
    /// Valkey; set by clients with CLIENT SETINFO) are compared with
    /// client-library data shipped with rampart, generated from the
    /// package registries (PyPI, npm, crates.io; its date is printed):
    /// redis-py, node-redis, ioredis, go-redis, rueidis, valkey-glide,
    /// Jedis, Lettuce, StackExchange.Redis, redis-rs, predis, phpredis.
    /// A library older than the newest patch of its maintained line, or on
    /// a line its maintainers no longer maintain, fails with the version to
    /// move to. The maintained lines follow the project's documented policy
    /// (Redis's official clients: the latest `major.minor` line), else
    /// rampart's rule, the latest major line only. Libraries not in the
    /// data, libraries whose registry could not be read when the data was
    /// generated, and clients that set no name (counted, and shown by
    /// address and user) are left to verify by hand. A server without
    /// CLIENT SETINFO (not in its COMMAND table: Redis before 7.2) is said
    /// to be unable to name them.
    ///
    /// **Why.** Client libraries have their own security fixes (TLS
    /// verification, RESP parsing) and abandoned ones never get them.
    ///
    /// **References.** Seed "Software Maintenance": keep the client current
    /// and actively maintained; Redis's client library support and
    /// versioning policy (redis.io/docs/latest/develop/clients/version-support).
    id: "VER002",
    title: "Client libraries are current",
    severity: Low,
    sources: [Live],
    refs: [Nist80053("SI-2"), Nist80053("SA-22")],
    remediation: "Upgrade the application's client library to the version named; replace unmaintained ones.",
    fix: crate::fix::FixRule::DisplayOnly("upgrading client libraries is a change in the applications"),
    run: run,
}

/// Unnamed clients shown by address and user, at most.
const SHOW_UNNAMED: usize = 10;

fn run(s: &Snapshot) -> Outcome {
    let l = match &s.live {
        crate::Avail::Present(l) => l,
        _ => return super::live_outcome(s, "client libraries come from CLIENT LIST"),
    };
    let clients = match &l.clients {
        Ok(c) => c,
        Err(e) => return Outcome::skip(format!("CLIENT LIST is not available: {e}")),
    };
    let embedded;
    let (data, origin) = match &s.currency {
        Some(c) => (&c.clients, c.origin.clone()),
        None => {
            embedded = redis_advisories::Currency::embedded();
            (&embedded.clients, embedded.origin.clone())
        }
    };
    // (lib-name, lib-ver) → connections.
    let mut libs: std::collections::BTreeMap<(String, Option<String>), usize> =
        std::collections::BTreeMap::new();
    let mut unnamed: Vec<String> = Vec::new();
    for c in clients {
        // The audit's own connection is not an application.
        if c.get("name").is_some_and(|n| n == "rampart") {
            continue;
        }
        match c.get("lib-name").filter(|v| !v.is_empty()) {
            Some(n) => {
                *libs
                    .entry((
                        n.clone(),
                        c.get("lib-ver").filter(|v| !v.is_empty()).cloned(),
                    ))
                    .or_default() += 1
            }
            None => unnamed.push(format!(
                "{} (user {})",
                c.get("addr").map(String::as_str).unwrap_or("?"),
                c.get("user").map(String::as_str).unwrap_or("?")
            )),
        }
    }
    let mut observed: Vec<String> = libs
        .iter()
        .map(|((n, v), k)| format!("{n} {} ({k})", v.as_deref().unwrap_or("?")))
        .collect();
    // Whether the server has CLIENT SETINFO at all (its own command table).
    let no_setinfo = l
        .command_table
        .as_deref()
        .is_some_and(|t| t.lookup("client|setinfo").is_none());
    if !unnamed.is_empty() {
        let n = unnamed.len();
        observed.push(if no_setinfo {
            format!("{n} client(s); this server has no CLIENT SETINFO (Redis 7.2+ and Valkey have it), so no client can name its library")
        } else {
            format!("{n} client(s) without CLIENT SETINFO")
        });
    }
    if observed.is_empty() {
        return Outcome::skip("no application clients are connected");
    }
    let loc = format!("CLIENT LIST on {}", l.endpoint);
    let mut ev = vec![Evidence::new(
        Source::Live,
        loc.clone(),
        observed.join(", "),
        "maintained libraries at their current version",
    )];
    ev.push(Evidence::new(
        Source::Live,
        "rampart client-library data".to_string(),
        format!(
            "generated {} from the package registries ({}), {origin}",
            data.generated, data.generator
        ),
        "release data of the libraries seen",
    ));
    let mut failing = Vec::new();
    let mut unjudged = 0usize;
    for ((name, ver), n) in &libs {
        let seen = format!(
            "{name} {} ({n} connection(s))",
            ver.as_deref().unwrap_or("?")
        );
        let (lib, verdict) = data.judge(name, ver.as_deref());
        let policy = lib
            .map(|l| format!(" ({}: {})", l.name, l.policy_rule))
            .unwrap_or_default();
        let (observed, expected) = match &verdict {
            ClientCurrency::Current { line } => (
                format!("{seen}: current on maintained line {line}"),
                "the newest patch of a maintained line".to_string(),
            ),
            ClientCurrency::Outdated { line, move_to } => {
                failing.push(format!(
                    "{name} {} → {move_to}",
                    ver.as_deref().unwrap_or("?")
                ));
                (
                    format!("{seen}: older than {move_to}, the newest patch of maintained line {line}{policy}"),
                    format!("{name} {move_to} or later"),
                )
            }
            ClientCurrency::DroppedLine { line, move_to } => {
                failing.push(format!(
                    "{name} {} → {move_to}",
                    ver.as_deref().unwrap_or("?")
                ));
                (
                    format!("{seen}: line {line} is no longer maintained{policy}"),
                    format!("move to {name} {move_to}"),
                )
            }
            ClientCurrency::Unjudged(why) => {
                unjudged += 1;
                (
                    format!("{seen}: verify by hand: {why}"),
                    "a library rampart has release data for".to_string(),
                )
            }
        };
        ev.push(Evidence::new(Source::Live, loc.clone(), observed, expected));
    }
    if !unnamed.is_empty() && !no_setinfo {
        let shown: Vec<&str> = unnamed
            .iter()
            .take(SHOW_UNNAMED)
            .map(String::as_str)
            .collect();
        ev.push(Evidence::new(
            Source::Live,
            loc.clone(),
            format!(
                "{} client(s) send no lib-name: {}{}",
                unnamed.len(),
                shown.join(", "),
                if unnamed.len() > SHOW_UNNAMED {
                    format!(" (+{} more)", unnamed.len() - SHOW_UNNAMED)
                } else {
                    String::new()
                }
            ),
            "every client names its library (CLIENT SETINFO LIB-NAME / LIB-VER)",
        ));
    }
    if !failing.is_empty() {
        return Outcome::fail(
            format!("client libraries to upgrade: {}", failing.join(", ")),
            ev,
        );
    }
    if no_setinfo && libs.is_empty() {
        return Outcome::manual(
            "this server cannot name its clients' libraries (no CLIENT SETINFO): verify the applications' client libraries are current and maintained",
            ev,
        );
    }
    if unjudged > 0 || !unnamed.is_empty() {
        return Outcome::manual(
            format!(
                "verify by hand: {}{}",
                if unjudged > 0 {
                    format!("{unjudged} library version(s) rampart cannot judge")
                } else {
                    String::new()
                },
                if unnamed.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{}{} client(s) that send no library name",
                        if unjudged > 0 { "; " } else { "" },
                        unnamed.len()
                    )
                }
            ),
            ev,
        );
    }
    Outcome::pass(
        format!(
            "every client library seen is on a maintained line at its newest patch (client data generated {})",
            data.generated
        ),
        ev,
    )
}
