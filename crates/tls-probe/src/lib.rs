//! tls-probe: rampart's TLS prober.
//!
//! - [`wire`]: a ClientHello builder that offers anything (RC4, NULL,
//!   EXPORT, anonymous suites, legacy groups, unknown codes) and a reader of
//!   the server's first flight (records, ServerHello/HRR, Certificate,
//!   ServerKeyExchange, CertificateRequest, alerts), with hard caps.
//! - [`ciphers`]: every IANA suite, from `data/ciphers.tsv`.
//! - [`scan()`](scan::scan): versions, suites, preference, groups,
//!   client-certificate policy, chain, weaknesses, in few handshakes.
//! - [`inspect()`](inspect::inspect): one real handshake, explained.
//! - [`json`]: the versioned JSON documents (schema 1).
//!
//! Collect only: judging for the audit belongs to rampart-checks.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cert;
pub mod ciphers;
pub mod groups;
pub mod handshake;
pub mod inspect;
pub mod json;
pub mod probe;
pub mod scan;
pub mod verify;
pub mod wire;

pub use handshake::ClientIdentity;
pub use inspect::{inspect, InspectOptions, InspectReport};
pub use probe::Target;
pub use scan::{scan, ScanOptions, ScanReport};
