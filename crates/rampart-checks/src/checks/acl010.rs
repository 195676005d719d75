use super::{conf, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

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
    remediation: "Create a replication user on the master (`user replica on #<sha256> +psync +replconf +ping`) and set `masteruser replica` and `masterauth <password>` on every replica (also on the master, for after a failover).",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(conf(s));
    let Some(rep) = c.replicaof() else {
        return Outcome::skip(
            "not configured as a replica (no replicaof line); replication links are checked live",
        );
    };
    let mut ev = vec![Evidence::at(
        Source::Conf,
        &rep.span,
        format!("replicaof {}", rep.joined()),
        "a replica",
    )];
    let user = c
        .config
        .last("masteruser")
        .or_else(|| c.config.last("primaryuser"));
    let auth = c
        .config
        .last("masterauth")
        .or_else(|| c.config.last("primaryauth"));
    let has = |d: Option<&redis_conf::Directive>| {
        d.map(|d| d.args.first().is_some_and(|v| !v.is_empty()))
            .unwrap_or(false)
    };
    match (has(user), has(auth)) {
        (true, true) => {
            if let Some(u) = user {
                ev.push(Evidence::at(
                    Source::Conf,
                    &u.span,
                    format!("masteruser {}", u.joined()),
                    "a dedicated user",
                ));
            }
            Outcome::pass("the replica authenticates as a dedicated masteruser", ev)
        }
        (true, false) => {
            if let Some(u) = user {
                ev.push(Evidence::at(
                    Source::Conf,
                    &u.span,
                    format!("masteruser {}", u.joined()),
                    "masteruser with masterauth",
                ));
            }
            Outcome::fail(
                "masteruser is set but masterauth is not: the replica cannot authenticate",
                ev,
            )
        }
        (false, true) => {
            if let Some(a) = auth {
                ev.push(Evidence::at(
                    Source::Conf,
                    &a.span,
                    "masterauth set, masteruser not set",
                    "masteruser <dedicated user>",
                ));
            }
            Outcome::fail("the replica authenticates as the master's default user (masterauth without masteruser)", ev)
        }
        (false, false) => {
            ev.push(Evidence::new(
                Source::Conf,
                c.location("masteruser"),
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
}
