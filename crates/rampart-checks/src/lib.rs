//! rampart's checks.
//!
//! Data flows one way: collectors build a [`Snapshot`] (facts only), the
//! checks of the [`registry`] are pure functions of it, and renderers turn
//! the resulting [`Finding`]s into text, JSON or SARIF. Every check of
//! `CHECKLIST.md` is in the registry and yields exactly one finding per
//! target, with a status, even when it cannot decide (`skip` with the
//! reason, or `manual`).
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod aclbuild;
mod checks;
pub mod fix;
pub mod least_privilege;
mod model;
pub mod passwords;
pub mod registry;
pub mod sensitive;
mod snapshot;
pub mod tls_weaknesses;

pub use fix::{Edit, EditKind, Fix, FixRule, Safety};
pub use model::{Evidence, Finding, Outcome, Severity, Source, Status, Summary};
/// A module of `MODULE LIST` (VER001 matches module advisories to it).
pub use redis_advisories::LoadedModule;
pub use registry::{
    all_checks, catalogue_markdown, find_check, framework_refs, refs_compact, refs_line, run_all,
    Check, Framework, FrameworkRef,
};
pub use snapshot::*;
