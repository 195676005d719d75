//! Redis and Valkey advisories, and the decision behind check VER001: "the
//! server version is the latest patch of a supported line and has no known
//! CVE".
//!
//! The data (`data/advisories.json`) is embedded at build time and carries
//! the date it was last reviewed ([`Data::reviewed`]), which reports print.
//! This crate does no I/O and knows nothing about checks: give it a product,
//! a version and what is known about the build, get an [`Assessment`].
//!
//! Matching is **per release line**: a patched 7.2.11 is not "older than
//! 8.2.2". Valkey is judged by its own version (`valkey_version`; its
//! `redis_version` is always 7.2.4). Distribution builds are not called
//! vulnerable on the upstream version alone: Debian backports fixes without
//! changing it, so with a Debian package version the embedded Debian data
//! decides, and without one the match says "verify against the distribution
//! security tracker".
//!
//! ```
//! use redis_advisories::{assess, BuildHints, Product};
//! let a = assess(Product::Redis, "7.2.10", &BuildHints::default());
//! assert_eq!(a.line.as_deref(), Some("7.2"));
//! assert!(a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
//! ```
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::sync::OnceLock;

mod assess;
mod clients;
mod currency;
pub mod cvss;
mod data;
mod debver;
pub mod feed;
mod identify;
mod version;

pub use assess::{Assessment, BuildOrigin, Exposure, Fix, LineStatus, Match, ModuleMatch};
pub use clients::{
    embedded_clients, ClientCurrency, ClientData, Library, MaintainedLine, Policy, RegistryStatus,
    CLIENTS_JSON,
};
pub use currency::{load_stored, stored_bundle, Currency, STORED_BYTES};
pub use data::{
    date_days, parse_date, Advisory, Confidence, Cvss, Data, DataError, DistroFix, Kind, LineData,
    ModuleGate, ProductData, Ranges, Severity, Status, STALE_AFTER_DAYS,
};
pub use debver::DebVersion;
pub use identify::{
    identify, identify_version_string, BuildHints, IdentifyError, Identity, LoadedModule, Modules,
    Product,
};
pub use version::{classify, Line, PreRelease, Version, VersionError, VersionKind};

/// The advisory data file as shipped.
pub const DATA_JSON: &str = include_str!("../data/advisories.json");

/// The embedded advisory data, parsed and validated once.
///
/// # Panics
/// Never in a released build: the crate's tests validate the embedded file.
pub fn embedded() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| match Data::from_json(DATA_JSON) {
        Ok(d) => d,
        Err(e) => panic!("embedded advisory data is invalid: {e}"),
    })
}

/// Assess `version` of `product` against the embedded data.
pub fn assess(product: Product, version: &str, hints: &BuildHints) -> Assessment {
    embedded().assess(product, version, hints)
}

/// Assess an identified server (see [`identify`]).
pub fn assess_identity(id: &Identity) -> Assessment {
    assess(id.product, &id.version, &id.hints)
}
