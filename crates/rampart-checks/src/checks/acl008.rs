use super::users::{describe_into, user_evidence};
use super::{acl, tri};
use crate::least_privilege;
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;
use redis_acl::review::Reviewer;

check! {
    /// Users hold least privilege.
    ///
    /// **What.** Every enabled user is reviewed by the ACL permission
    /// engine (the same review as `rampart acl review`): users holding every
    /// command (`+@all` with no later `-` rule), every key, or every Pub/Sub
    /// channel, and key or channel patterns that no command the user may run
    /// can use, are listed with the rule change that would drop the excess.
    ///
    /// **Why.** A compromised application credential should only reach
    /// that application's keys and commands.
    ///
    /// **References.** Redis ACL docs; seed checklist "Consider if all ACL
    /// users are configured to least privilege".
    id: "ACL008",
    title: "Users hold least privilege",
    severity: Medium,
    sources: [Conf, Aclfile, Live],
    // DISA STIG V-251185, V-251187 (Redis Enterprise 6.x STIG V2R1): https://github.com/mitre/inspec-profile-update-action/blob/f2c0eb037cdc6cda2b718c3eaa561a870575f776/benchmarks/DISA/U_Redis_Enterprise_6-x_STIG_V2R1_Manual-xccdf.xml
    refs: [Nist80053("AC-6"), Nist80053("AC-3"), DisaStig("RD6X-00-000800"), DisaStig("RD6X-00-000950")],
    remediation: "Give each application user only its key prefix (`~app:*`, `%R~` for readers) and the command categories it uses (`+@read +@write -@dangerous`); reserve `+@all ~*` for an administrator user that is not used by applications.",
    fix: crate::fix::FixRule::DisplayOnly("least privilege depends on each user's role"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let a = tri!(acl(s));
    let table = super::command_table(s);
    // One engine for every user: building one is the cost of the table.
    let engine = redis_acl::Engine::new(table);
    let mut broad = Vec::new();
    let mut fine = Vec::new();
    let expected = "only the keys, channels and commands its role needs";
    let enabled: Vec<_> = a.users.iter().filter(|u| u.user.enabled).collect();
    // Compiled together, users with the same rules share a bitmap, and the
    // reviewer scans the command table once per distinct set of them; one
    // at a time, as each is reviewed (not 100k compiled users at once).
    let compiled = engine.compile_each(enabled.iter().map(|u| &u.user));
    let mut reviewer = Reviewer::new(&engine);
    for (u, cu) in enabled.iter().copied().zip(compiled) {
        // The same review as `rampart acl review`.
        let r = reviewer.review(&cu);
        // The evidence is written into one string: `user NAME: DESCRIPTION`,
        // then ` — ` and each excess (with the rule that drops it), `; `
        // between them.
        let mut observed = String::with_capacity(160);
        observed.push_str("user ");
        observed.push_str(&u.user.name);
        observed.push_str(": ");
        describe_into(&mut observed, &u.user);
        let mut excess = 0;
        for f in least_privilege::observe(&r)
            .iter()
            .filter(|f| least_privilege::EXCESS.contains(&f.code))
        {
            observed.push_str(if excess == 0 { " — " } else { "; " });
            observed.push_str(&f.message);
            if let Some(d) = f.drop {
                observed.push_str(" (drop: ");
                observed.push_str(d);
                observed.push(')');
            }
            excess += 1;
        }
        let e = user_evidence(s, a, u, observed, expected);
        if excess == 0 {
            fine.push(e);
        } else {
            broad.push(e);
        }
    }
    if broad.is_empty() {
        if fine.is_empty() {
            return Outcome::skip("no enabled users");
        }
        return Outcome::pass(
            "no enabled user holds more keys, channels or commands than it can use",
            fine,
        );
    }
    Outcome::warn(
        format!("{} user(s) hold more than least privilege", broad.len()),
        broad,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Warn);
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser app on >x ~app:* +@read\n")
            ),
            Status::Pass
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("user default off\nuser app on >x ~* +@all\n")
            ),
            Status::Warn
        );
    }
}
