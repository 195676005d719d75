use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Sensitive data is encrypted on the client side.
    ///
    /// **What.** An opt-in, read-only sample of values on a live server,
    /// flagging plaintext that looks like secrets or personal data (card
    /// numbers, e-mail addresses, tokens). Not run by a files-only audit.
    ///
    /// **Why.** Anyone who gets a copy of an RDB file or a replica reads
    /// every value in clear.
    ///
    /// **References.** Checklist "Consider using client side encryption to
    /// encrypt sensitive data".
    id: "DATA003",
    title: "Sensitive data is encrypted by clients",
    severity: Low,
    sources: [Live],
    remediation: "Encrypt sensitive values in the application before writing them (envelope encryption with a KMS), and keep keys out of Redis.",
    fix: crate::fix::FixRule::DisplayOnly("encrypting values is a change in the client applications"),
    run: run,
}

fn run(_s: &Snapshot) -> Outcome {
    Outcome::skip("needs a live connection and the opt-in value sampling; a files-only audit cannot see values")
}
