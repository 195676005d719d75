//! A small, bounded Redis client for auditing.
//!
//! Why not redis-rs: an auditor talks to servers it does not trust (a
//! honeypot, a broken proxy, a compromised node). Every reply here is read
//! under hard caps on line length, bulk size, element count, nesting depth
//! and total bytes (a byte budget per connection that also counts each
//! parsed element's memory), every read and write is bounded by the time
//! left before the command's and the target's deadline, and a connection
//! that failed once is closed for good, so a server that sends garbage, a
//! 1 GB bulk length, a reply a byte at a time, a late or an extra reply,
//! or nothing at all costs a clear error and bounded time and memory. redis-rs offers a recursion limit but
//! no size caps. The auditor sends a handful of read-only commands, so the
//! codec stays small.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod conn;
pub mod reply;
pub mod resp;
pub mod target;
pub mod tls;

pub use conn::{ConnectOptions, Connection, LiveError, RawReply};
pub use resp::{Limits, Value};
pub use target::{Credentials, Endpoint, TargetError};
pub use tls::TlsSettings;
