use super::{settings, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{AclOrigin, Snapshot};

check! {
    /// Users are kept in an external ACL file.
    ///
    /// **What.** `aclfile` is set, and redis.conf has no `user` lines
    /// (Redis refuses to start with both). A config with neither has only
    /// the built-in default user and fails too.
    ///
    /// **Why.** An ACL file can be reloaded (`ACL LOAD`) and saved
    /// (`ACL SAVE`) without touching redis.conf, keeps credentials out of
    /// the main config (which is copied, diffed and backed up far more
    /// often), and gets its own strict permissions.
    ///
    /// **References.** Redis ACL docs "Use an external ACL file"; seed
    /// checklist "Ensure that an external ACL file is used".
    id: "ACL005",
    title: "Users are kept in an external ACL file",
    severity: Medium,
    sources: [Conf],
    refs: [Nist80053("AC-2"), Nist80053("CM-6")],
    remediation: "Move the users to a file (`aclfile /etc/redis/users.acl`), one `user` line each, with hashed passwords; remove the `user` lines and `requirepass` from redis.conf; restart, then use ACL SAVE / ACL LOAD.",
    fix: crate::fix::FixRule::DisplayOnly("moving users to an ACL file moves their passwords (`rampart harden` does it)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    // `aclfile` as the server runs it (CONFIG GET) or as the file sets it;
    // `user` lines can only be seen in the file.
    let st = tri!(settings(s));
    let aclfile = match (&s.acl, st.value("aclfile")) {
        (crate::Avail::Present(a), v) if v.is_empty() => match &a.origin {
            AclOrigin::AclFile(p) => p.display().to_string(),
            _ => v,
        },
        (_, v) => v,
    };
    let user_lines: Vec<_> = st
        .conf()
        .map(|c| c.config.all("user").collect())
        .unwrap_or_default();
    if !aclfile.is_empty() {
        let mut ev = st.evidence(
            "aclfile",
            format!("aclfile {aclfile}"),
            "aclfile set, no user lines",
        );
        if let Some(first) = user_lines.first() {
            ev.push(Evidence::at(
                Source::Conf,
                &first.span,
                "user line in redis.conf",
                "no user lines with aclfile",
            ));
            return Outcome::fail(
                "both aclfile and `user` lines are configured: Redis refuses to start",
                ev,
            );
        }
        return Outcome::pass("users are kept in the ACL file", ev);
    }
    if !user_lines.is_empty() {
        let ev = user_lines
            .iter()
            .map(|d| {
                let name = d.args.first().map(String::as_str).unwrap_or("?");
                Evidence::at(
                    Source::Conf,
                    &d.span,
                    format!("user {name} defined in redis.conf"),
                    "users in an aclfile",
                )
            })
            .collect();
        return Outcome::fail(
            format!(
                "{} user(s) are defined in redis.conf instead of an ACL file",
                user_lines.len()
            ),
            ev,
        );
    }
    Outcome::fail(
        "no ACL file is configured (users, if any, live only in the running server or redis.conf)",
        st.evidence("aclfile", "aclfile not set", "aclfile /path/to/users.acl"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, snapshot_with, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Fail);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("user default off\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &snapshot_with("aclfile users.acl\n", Some("user default off\n"))
            ),
            Status::Pass
        );
    }
}
