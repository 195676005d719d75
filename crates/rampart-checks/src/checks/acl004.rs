use super::{acl, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// No user holds `@dangerous` commands, except ones granted one by one.
    ///
    /// **What.** For every user (and each of its selectors), the commands
    /// of the `@dangerous` category it can run, computed by applying its
    /// rules in order to the server's command table (so `-@dangerous +@all`
    /// is caught, and `+@all -@dangerous` passes), not by matching text.
    /// Dangerous commands granted explicitly (`+config|get`) are listed but
    /// accepted; ones that come from a category or `+@all` fail.
    ///
    /// **Why.** @dangerous holds FLUSHALL, CONFIG, DEBUG, MODULE, SHUTDOWN,
    /// REPLICAOF, MIGRATE, KEYS and others that destroy data, expose
    /// credentials (`CONFIG GET masterauth`) or lead to code execution.
    ///
    /// **References.** Redis ACL docs "Command categories"; seed checklist
    /// "Ensure the @dangerous command category is excluded from all users".
    id: "ACL004",
    title: "@dangerous commands are not granted wholesale",
    severity: High,
    sources: [Conf, Aclfile, Live],
    remediation: "End each user's command rules with `-@dangerous` (after any `+@all` or category grants) and add back only the dangerous commands that user needs, one by one (`+client|kill`).",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let _ = tri!(acl(s));
    Outcome::skip("needs the ACL permission engine to expand categories against the command table (not in this build); ACL008 lists users with every command")
}
