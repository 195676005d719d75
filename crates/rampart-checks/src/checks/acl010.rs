use super::{replica_of, settings, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{MasterAuthOutcome, Snapshot};

check! {
    /// Replicas authenticate to their master as a dedicated `masteruser`.
    ///
    /// **What.** On a replica (`replicaof`/`slaveof`), `masteruser` names
    /// an ACL user of the master and `masterauth` holds its password.
    /// `masterauth` alone logs in as the master's `default` user, which
    /// then has to stay on; neither means the master must be open.
    /// Not a replica in its config: skip (a live audit checks the links).
    ///
    /// **Why.** A dedicated replication user can be limited to what
    /// replication needs (`+psync +replconf +ping`) and rotated on its own.
    ///
    /// **References.** redis.conf "masteruser"; seed checklist "Ensure that
    /// masteruser is used for authentication to masters".
    id: "ACL010",
    title: "Replicas authenticate with a dedicated masteruser",
    severity: High,
    sources: [Conf, Live],
    refs: [Nist80053("IA-9"), Nist80053("AC-6")],
    remediation: "Create a replication user on the master (`user replica on #<sha256> +psync +replconf +ping`) and set `masteruser replica` and `masterauth <password>` on every replica (also on the master, for after a failover).",
    fix: crate::fix::FixRule::DisplayOnly("needs a dedicated replication user and its password on the master (a secret)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let Some(rep) = replica_of(s) else {
        return Outcome::skip("not a replica (no replicaof line, or INFO says role:master); the master's replicas are audited on their own");
    };
    let mut ev = vec![rep];
    // Across nodes: does the masterauth really open the master? The master
    // accepts the replica when the user is on and either needs no password
    // or has the masterauth among its passwords.
    if let Some(probe) = &s.master_auth {
        let what = format!(
            "masterauth against the passwords of user {} on the master {}",
            probe.user, probe.master
        );
        let expected = "masterauth is a password of masteruser on the master";
        let ok = match &probe.outcome {
            MasterAuthOutcome::Compared {
                enabled,
                nopass,
                hash_matches,
                ..
            } => Ok(*enabled && (*nopass || *hash_matches)),
            MasterAuthOutcome::NoSuchUser => Ok(false),
            MasterAuthOutcome::NotTried(why) => Err(why),
        };
        let observed = match &ok {
            Ok(true) => format!("{what}: matches"),
            Ok(false) => format!("{what}: does not match"),
            Err(why) => format!("{what}: not compared ({why})"),
        };
        ev.push(Evidence::new(
            Source::Live,
            s.target.clone(),
            observed,
            expected,
        ));
        if ok == Ok(false) {
            return Outcome::fail("the replica's masterauth is not a valid password of its masteruser on the master: the next resync will fail", ev);
        }
    }
    let user = st.value("masteruser");
    let auth_set = !st.value("masterauth").is_empty();
    match (!user.is_empty(), auth_set) {
        (true, true) => {
            ev.extend(st.evidence(
                "masteruser",
                format!("masteruser {user}"),
                "a dedicated user",
            ));
            Outcome::pass("the replica authenticates as a dedicated masteruser", ev)
        }
        (true, false) => {
            ev.extend(st.evidence(
                "masteruser",
                format!("masteruser {user}, masterauth not set"),
                "masteruser with masterauth",
            ));
            Outcome::fail(
                "masteruser is set but masterauth is not: the replica cannot authenticate",
                ev,
            )
        }
        (false, true) => {
            ev.extend(st.evidence(
                "masterauth",
                "masterauth set, masteruser not set",
                "masteruser <dedicated user>",
            ));
            Outcome::fail("the replica authenticates as the master's default user (masterauth without masteruser)", ev)
        }
        (false, false) => {
            ev.extend(st.evidence(
                "masteruser",
                "neither masteruser nor masterauth",
                "masteruser and masterauth",
            ));
            Outcome::fail("the replica does not authenticate to its master at all", ev)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Skip);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("replicaof 10.0.0.1 6379\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("replicaof 10.0.0.1 6379\nmasterauth x\n")
            ),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("replicaof 10.0.0.1 6379\nmasteruser r\nmasterauth x\n")
            ),
            Status::Pass
        );
    }

    #[test]
    fn the_master_auth_fact_is_judged_here() {
        let with = |outcome: MasterAuthOutcome| {
            let mut s = conf_snapshot("replicaof 10.0.0.1 6379\nmasteruser r\nmasterauth x\n");
            s.master_auth = Some(crate::MasterAuthProbe {
                user: "r".into(),
                master: "10.0.0.1:6379".into(),
                outcome,
            });
            status_of(&CHECK, &s)
        };
        let compared = |enabled, nopass, hash_matches| MasterAuthOutcome::Compared {
            enabled,
            nopass,
            masterauth_set: true,
            hash_matches,
        };
        assert_eq!(with(compared(true, false, true)), Status::Pass);
        assert_eq!(with(compared(true, true, false)), Status::Pass);
        assert_eq!(with(compared(true, false, false)), Status::Fail);
        assert_eq!(with(compared(false, true, true)), Status::Fail);
        assert_eq!(with(MasterAuthOutcome::NoSuchUser), Status::Fail);
        assert_eq!(
            with(MasterAuthOutcome::NotTried("no users".into())),
            Status::Pass
        );
    }
}
