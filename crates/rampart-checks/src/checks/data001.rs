use super::{conf, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// A persistence method is chosen deliberately.
    ///
    /// **What.** The config says what persistence it wants: RDB snapshots
    /// (`save` lines), AOF (`appendonly yes`), both, or explicitly none
    /// (`save ""` with `appendonly no`). A config with no `save` line and
    /// AOF off relies on Redis's built-in RDB schedule (`save 3600 1 300
    /// 100 60 10000`): that is `manual`, a person must confirm it suits the
    /// use case (stock configs set `appendonly no` but no `save` line).
    /// Whether the last save or rewrite succeeded needs a live connection
    /// (INFO persistence).
    ///
    /// **Why.** The wrong choice loses data on restart (none), loses minutes
    /// of writes (RDB only), or costs I/O nobody asked for; the choice
    /// belongs in the config, not in a default.
    ///
    /// **References.** Redis persistence docs; checklist "Ensure you select
    /// the right persistence method for your use case".
    id: "DATA001",
    title: "Persistence is chosen deliberately",
    severity: Medium,
    sources: [Conf, Live],
    remediation: "State the choice: `appendonly yes` (+ `appendfsync everysec`) for durability, `save <seconds> <changes>` lines for snapshots, or `save \"\"` and `appendonly no` for a pure cache.",
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let c = tri!(conf(s));
    let save_set = c.is_set("save");
    let save = c.value("save");
    let aof = c.value("appendonly");
    let mut ev = Vec::new();
    for (name, shown) in [
        ("save", format!("save {save:?}")),
        ("appendonly", format!("appendonly {aof}")),
    ] {
        ev.push(match c.span(name) {
            Some(span) => Evidence::at(Source::Conf, &span, shown, "set explicitly"),
            None => Evidence::new(Source::Conf, c.location(name), shown, "set explicitly"),
        });
    }
    let method = match (save.trim().is_empty(), aof.eq_ignore_ascii_case("yes")) {
        (false, true) => "RDB snapshots and AOF",
        (false, false) => "RDB snapshots",
        (true, true) => "AOF",
        (true, false) => "no persistence",
    };
    if !save_set && !aof.eq_ignore_ascii_case("yes") {
        return Outcome::manual(
            format!("no save line and AOF off: Redis's built-in RDB schedule applies ({method}, save {save:?}); verify it suits this use case, and state it explicitly"),
            ev,
        );
    }
    Outcome::pass(
        format!("persistence is chosen explicitly: {method} (its health needs a live check)"),
        ev,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Manual);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("appendonly no\n")),
            Status::Manual
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("save 60 1\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("appendonly yes\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("save \"\"\n")),
            Status::Pass
        );
    }
}
