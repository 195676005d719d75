use super::users::user_evidence;
use super::{need, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Passwords are stored hashed.
    ///
    /// **What.** In the ACL file and redis.conf `user` lines, passwords are
    /// given as `#<sha256 hex>`, never as `>plaintext`. (`requirepass` and
    /// `masterauth` can only be plaintext: ACL007 and ACL010 deal with them.)
    ///
    /// **Why.** A config or ACL file is copied into backups, tickets,
    /// repositories and support bundles; a hash at least keeps a strong
    /// password secret there. Note that `ACL SAVE` writes hashes anyway, so
    /// plaintext in the file is always a hand-written line.
    ///
    /// **References.** Redis ACL docs "Passwords"; seed checklist "Ensure
    /// that users ... store passwords in hashed format".
    id: "ACL006",
    title: "Passwords are stored hashed",
    severity: High,
    sources: [Conf, Aclfile],
    refs: [Nist80053("IA-5"), Nist80053("IA-5(1)")],
    remediation: "Replace each `>password` with `#<sha256>` (`printf %s 'password' | sha256sum`, or `rampart acl hash`), then `ACL LOAD` or restart.",
    fix: crate::fix::FixRule::DisplayOnly("hashing a password rewrites a line that holds it (`rampart acl migrate-hashes`, `rampart harden`)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    // The files: plaintext in them is the problem, whatever the server holds.
    let a = tri!(need(&s.acl));
    let mut plain = Vec::new();
    let mut hashed = Vec::new();
    for u in &a.users {
        if u.span.is_none() {
            continue; // built-in default user: requirepass, not a rule
        }
        let n_plain = u
            .user
            .passwords
            .iter()
            .filter(|p| p.plaintext.is_some())
            .count();
        let n_hashed = u.user.passwords.len() - n_plain;
        if n_plain > 0 {
            plain.push(user_evidence(
                s,
                a,
                u,
                format!(
                    "user {}: {n_plain} password(s) given as >plaintext",
                    u.user.name
                ),
                "#<sha256> only",
            ));
        } else if n_hashed > 0 {
            hashed.push(user_evidence(
                s,
                a,
                u,
                format!("user {}: {n_hashed} hashed password(s)", u.user.name),
                "#<sha256> only",
            ));
        }
    }
    if !plain.is_empty() {
        return Outcome::fail(
            format!(
                "{} user(s) have plaintext passwords in the file",
                plain.len()
            ),
            plain,
        );
    }
    if hashed.is_empty() {
        return Outcome::skip("no user line in the ACL file or redis.conf sets a password");
    }
    Outcome::pass("every password in user definitions is hashed", hashed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, snapshot_with, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Skip);
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user app on >secretsecretsecret ~* +get\n")
            ),
            Status::Fail
        );
        let h = crate::passwords::sha256_hex(b"whatever");
        assert_eq!(
            status_of(
                &CHECK,
                &snapshot_with(
                    "aclfile users.acl\n",
                    Some(&format!("user default off\nuser app on #{h} ~* +get\n"))
                )
            ),
            Status::Pass
        );
    }
}
