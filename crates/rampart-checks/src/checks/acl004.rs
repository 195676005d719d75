use super::users::{called, engine, selector_key, user_evidence, ReachCache, SelectorReach};
use super::{acl, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;
use redis_acl::CommandTable;
use std::collections::HashMap;
use std::rc::Rc;

check! {
    /// No user holds `@dangerous` commands, except ones granted one by one.
    ///
    /// **What.** For every enabled user (and each of its selectors), the
    /// commands of the `@dangerous` category it can run, from its
    /// effective permissions: the command bitmap its rules give against
    /// the server's command table (so `-@dangerous +@all` is caught, and
    /// `+@all -@dangerous` passes), never the text of the rules, which
    /// Redis 7.0 rewrites in `ACL LIST` (`-@dangerous +client|list` can come
    /// back as `+@connection -client|kill …`). A dangerous command the user
    /// can run fails when it comes with every command (`+@all`), or with a
    /// category the selector holds: all of the category's other commands and
    /// more than half of its dangerous ones (`+@admin`, `+@admin
    /// -config|set`, `+@keyspace`; not `+@connection` less five of its six
    /// dangerous commands). One the rules name (`+client|kill`, `+config`
    /// for its subcommands, first arguments), or that no such category
    /// brings, was granted one by one and is listed but accepted.
    /// A live audit uses the server's own command table (COMMAND: its
    /// version, its modules); a files-only audit, or a user that may not
    /// run COMMAND, uses Redis 7.0.15's, without the commands the config's
    /// `rename-command NAME ""` removes (a renamed command counts under its
    /// new name).
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
    // DISA STIG V-251188 (Redis Enterprise 6.x STIG V2R1): https://github.com/mitre/inspec-profile-update-action/blob/f2c0eb037cdc6cda2b718c3eaa561a870575f776/benchmarks/DISA/U_Redis_Enterprise_6-x_STIG_V2R1_Manual-xccdf.xml
    refs: [Nist80053("AC-6"), Nist80053("AC-6(10)"), DisaStig("RD6X-00-001000")],
    remediation: "End each user's command rules with `-@dangerous` (after any `+@all` or category grants) and add back only the dangerous commands that user needs, one by one (`+client|kill`).",
    fix: crate::fix::FixRule::DisplayOnly("which commands a user needs is a decision about its application"),
    run: run,
}

/// Dangerous commands a selector can run: (granted one by one, held with a
/// whole category or every command, the categories that brought them).
fn dangerous(
    reach: &SelectorReach<'_>,
    table: &CommandTable,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut explicit = Vec::new();
    let mut wholesale = Vec::new();
    let mut cats: Vec<String> = Vec::new();
    for cmd in table.category_members("dangerous") {
        if !reach.can_run(cmd) {
            continue;
        }
        match reach.wholesale(cmd) {
            Some(held) => {
                wholesale.push(called(table, cmd));
                for c in held {
                    if !cats.contains(&c) {
                        cats.push(c);
                    }
                }
            }
            None => explicit.push(called(table, cmd)),
        }
    }
    (explicit, wholesale, cats)
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
    let engine = engine(s);
    let table = engine.table();
    let mut bad = Vec::new();
    let mut ok = Vec::new();
    let mut holders = Vec::new();
    let enabled: Vec<_> = a.users.iter().filter(|u| u.user.enabled).collect();
    // One bitmap per distinct rule set (generated ACLs repeat them).
    // One at a time (`compile_each`): not 100k compiled users at once.
    let compiled = engine.compile_each(enabled.iter().map(|u| &u.user));
    // What a selector holds depends on its bitmap and database rule alone:
    // judged once per distinct one, not once per user.
    let mut reaches = ReachCache::new(&engine);
    type Held = Rc<(Vec<String>, Vec<String>, Vec<String>)>;
    let mut judged: HashMap<_, Held> = HashMap::new();
    for (u, cu) in enabled.iter().copied().zip(compiled) {
        for (i, sel) in cu.selectors.iter().enumerate() {
            let which = if i == 0 { "" } else { " (selector)" };
            let held = judged
                .entry(selector_key(sel))
                .or_insert_with(|| Rc::new(dangerous(&reaches.reach(sel), table)))
                .clone();
            let (explicit, wholesale, cats) = &*held;
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
                        sample(wholesale)
                    ),
                    expected,
                ));
                let with = if cats.iter().any(|c| c == "@all") {
                    "every command".to_string()
                } else {
                    cats.join(" ")
                };
                holders.push(format!("{}{which} ({with})", u.user.name));
            } else if !explicit.is_empty() {
                ok.push(user_evidence(
                    s,
                    a,
                    u,
                    format!(
                        "user {}{which}: granted one by one: {}",
                        u.user.name,
                        sample(explicit)
                    ),
                    expected,
                ));
            } else if i == 0 {
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
                "{} user selector(s) hold @dangerous commands with a whole category or every command: {}",
                bad.len(),
                holders.join(", ")
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
        // Redis 7.0's ACL LIST for `+@connection -@dangerous +client|list`:
        // CLIENT LIST comes with @connection, which the user does not hold
        // whole (CLIENT KILL and the other dangerous ones are removed).
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser a on >x ~* -@all +@connection -client|no-evict -client|unblock -client|kill -client|unpause -client|pause\n")
            ),
            Status::Pass
        );
        // +@connection whole brings CLIENT KILL with it.
        let s = conf_snapshot("user default off\nuser a on >x ~* +@connection\n");
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        assert!(
            message_of(&CHECK, &s).contains("a (@connection"),
            "{}",
            message_of(&CHECK, &s)
        );
        // Most of a category, less a few: still the category's grant.
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser a on >x ~* +@admin -config|set\n")
            ),
            Status::Fail
        );
        // Containers named one by one (rampart harden's admin role), even
        // where they complete a category (+client: all of @connection).
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser a on >x ~* &* -@all +@all -@dangerous +acl +config +client +info +slowlog +latency +memory +monitor +role +bgsave +bgrewriteaof +save +lastsave +replicaof +slaveof +failover +cluster +shutdown\n")
            ),
            Status::Pass
        );
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
