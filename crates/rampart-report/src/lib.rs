//! Renderers. They turn findings into text, JSON or SARIF and decide
//! nothing. Everything that came from a server or a file is sanitised for
//! the terminal in the text renderer; JSON and SARIF escape by construction.

pub mod json;
pub mod sanitize;
pub mod sarif;
pub mod text;

use rampart_checks::{Finding, InputProblem};

/// What was audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    /// `files`, `server`, ...
    pub kind: String,
}

/// A finished audit, ready to render.
#[derive(Clone, Debug)]
pub struct Report {
    pub targets: Vec<Target>,
    pub findings: Vec<Finding>,
    /// Input lines Redis would reject, per target name.
    pub problems: Vec<(String, InputProblem)>,
}

/// rampart's version, as printed in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
