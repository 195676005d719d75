use super::users::{describe, user_evidence};
use super::{acl, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Users hold least privilege.
    ///
    /// **What.** Users (other than a disabled one) that hold every command
    /// on every key (`+@all` with no later `-` rule, and `~*`/`allkeys`),
    /// every command in a selector on every key, or every Pub/Sub channel
    /// (`&*`) are listed with what could be dropped. This build judges the
    /// rules themselves; the per-command reach of each user ("what could be
    /// dropped" against the command table) needs the ACL permission engine.
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
    remediation: "Give each application user only its key prefix (`~app:*`, `%R~` for readers) and the command categories it uses (`+@read +@write -@dangerous`); reserve `+@all ~*` for an administrator user that is not used by applications.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let a = tri!(acl(s));
    let mut broad = Vec::new();
    let mut fine = Vec::new();
    for u in a.users.iter().filter(|u| u.user.enabled) {
        let user = &u.user;
        let mut why = Vec::new();
        if user.has_all_commands() && user.root.all_keys {
            why.push("every command on every key (+@all ~*): could drop -@dangerous and limit keys to the application's prefix");
        } else if user.selectors.iter().any(|s| {
            s.all_keys && s.all_commands_base && s.command_rules.iter().all(|r| r.starts_with('+'))
        }) {
            why.push("a selector grants every command on every key");
        }
        if user.root.all_channels && !user.has_all_commands() {
            why.push("every Pub/Sub channel (&*): could limit to the channels it uses");
        }
        let observed = format!("user {}: {}", user.name, describe(user));
        if why.is_empty() {
            fine.push(user_evidence(
                s,
                a,
                u,
                observed,
                "only the keys, channels and commands its role needs",
            ));
        } else {
            broad.push(user_evidence(
                s,
                a,
                u,
                format!("{observed} — {}", why.join("; ")),
                "only the keys, channels and commands its role needs",
            ));
        }
    }
    if broad.is_empty() {
        if fine.is_empty() {
            return Outcome::skip("no enabled users");
        }
        return Outcome::pass(
            "no enabled user holds every command on every key or every channel",
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
