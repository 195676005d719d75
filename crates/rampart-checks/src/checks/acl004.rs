use super::users::user_evidence;
use super::{acl, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;
use redis_acl::{CommandTable, Selector};

check! {
    /// No user holds `@dangerous` commands, except ones granted one by one.
    ///
    /// **What.** For every enabled user (and each of its selectors), the
    /// commands of the `@dangerous` category it can run, computed by
    /// applying its rules in order to the server's command table (so
    /// `-@dangerous +@all` is caught, and `+@all -@dangerous` passes), not by
    /// matching text. Dangerous commands granted explicitly (`+client|kill`,
    /// or `+config` for its subcommands) are listed but accepted; ones that
    /// come from a category or `+@all` fail. A live audit uses the server's
    /// own command table (COMMAND: its version, its modules); a files-only
    /// audit, or a user that may not run COMMAND, uses Redis 7.0.15's.
    ///
    /// **Why.** @dangerous holds FLUSHALL, CONFIG, DEBUG, MODULE, SHUTDOWN,
    /// REPLICAOF, MIGRATE, KEYS and others that destroy data, expose
    /// credentials (`CONFIG GET masterauth`) or lead to code execution.
    ///
    /// **References.** Redis ACL docs "Command categories"; seed checklist
    /// "Ensure the @dangerous command category is excluded from all users
    /// and dangerous commands are given on a case by case basis".
    id: "ACL004",
    title: "@dangerous commands are not granted wholesale",
    severity: High,
    sources: [Conf, Aclfile, Live],
    remediation: "End each user's command rules with `-@dangerous` (after any `+@all` or category grants) and add back only the dangerous commands that user needs, one by one (`+client|kill`).",
    fix: crate::fix::FixRule::DisplayOnly("which commands a user needs is a decision about its application"),
    run: run,
}

/// Dangerous commands a selector allows: (explicitly granted, from a category or +@all).
fn dangerous(sel: &Selector, table: &CommandTable) -> (Vec<String>, Vec<String>) {
    let bits = sel.command_bits(table);
    let mut explicit = Vec::new();
    let mut wholesale = Vec::new();
    for cmd in table.category_members("dangerous") {
        if !bits.allows(cmd) {
            continue;
        }
        let parent = cmd
            .parent
            .and_then(|p| table.get(p))
            .map(|p| p.name.as_str());
        let named = sel.command_rules.iter().any(|r| {
            r.strip_prefix('+')
                .is_some_and(|n| n.eq_ignore_ascii_case(&cmd.name) || Some(n) == parent)
        });
        if named {
            explicit.push(cmd.name.clone());
        } else {
            wholesale.push(cmd.name.clone());
        }
    }
    (explicit, wholesale)
}

fn sample(v: &[String]) -> String {
    let mut s = v.iter().take(8).cloned().collect::<Vec<_>>().join(" ");
    if v.len() > 8 {
        s.push_str(&format!(" (+{} more)", v.len() - 8));
    }
    s
}

fn run(s: &Snapshot) -> Outcome {
    let a = tri!(acl(s));
    let table = super::command_table(s);
    let mut bad = Vec::new();
    let mut ok = Vec::new();
    for u in a.users.iter().filter(|u| u.user.enabled) {
        let sels = std::iter::once(("", &u.user.root))
            .chain(u.user.selectors.iter().map(|s| (" (selector)", s)));
        for (which, sel) in sels {
            let (explicit, wholesale) = dangerous(sel, table);
            let expected = "no @dangerous command except ones granted one by one";
            if !wholesale.is_empty() {
                bad.push(user_evidence(
                    s,
                    a,
                    u,
                    format!(
                        "user {}{which}: {} @dangerous command(s) not granted one by one: {}",
                        u.user.name,
                        wholesale.len(),
                        sample(&wholesale)
                    ),
                    expected,
                ));
            } else if !explicit.is_empty() {
                ok.push(user_evidence(
                    s,
                    a,
                    u,
                    format!(
                        "user {}{which}: granted one by one: {}",
                        u.user.name,
                        sample(&explicit)
                    ),
                    expected,
                ));
            } else if which.is_empty() {
                ok.push(user_evidence(
                    s,
                    a,
                    u,
                    format!("user {}: no @dangerous command", u.user.name),
                    expected,
                ));
            }
        }
    }
    if ok.is_empty() && bad.is_empty() {
        return Outcome::skip("no enabled users");
    }
    if bad.is_empty() {
        Outcome::pass("no user holds @dangerous commands wholesale", ok)
    } else {
        Outcome::fail(
            format!(
                "{} user selector(s) hold @dangerous commands from a category or +@all",
                bad.len()
            ),
            bad,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, message_of, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Fail);
        // Order matters: +@all after -@dangerous gives everything back.
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser a on >x ~* -@dangerous +@all\n")
            ),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser a on >x ~* +@all -@dangerous\n")
            ),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot(
                    "user default off\nuser a on >x ~* +@all -@dangerous +client|kill +config\n"
                )
            ),
            Status::Pass
        );
        // @admin covers most of @dangerous, not all of it: KEYS and FLUSHALL stay.
        let s = conf_snapshot("user default off\nuser a on >x ~* +@all -@admin\n");
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        let m = message_of(&CHECK, &s);
        assert!(m.contains("1 user selector"), "{m}");
        // A selector counts too.
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser a on >x ~* +get (~tmp:* +@all)\n")
            ),
            Status::Fail
        );
    }
}
