//! `rampart watch`'s machinery, with no knowledge of audits: a schedule of
//! rounds that never overlap ([`schedule`]) and a small HTTP endpoint that
//! serves the page the last finished round left ([`http`]). The binary
//! supplies the round (collect, assemble, render the metrics) and the
//! stop flag (SIGTERM/SIGINT).
// Libraries never print: they return values; only the binary writes.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod http;
pub mod schedule;

pub use http::{Limits, Pages, ServeError, Server};
pub use schedule::{run_rounds, Round, Stop, Totals};
