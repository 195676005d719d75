use super::{settings, tri};
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
    refs: [Nist80053("CP-9"), Nist80053("CP-10")],
    remediation: "State the choice: `appendonly yes` (+ `appendfsync everysec`) for durability, `save <seconds> <changes>` lines for snapshots, or `save \"\"` and `appendonly no` for a pure cache.",
    fix: crate::fix::FixRule::DisplayOnly("the persistence method decides what data survives a restart: a person must choose it"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let save = st.value("save");
    let aof = st.value("appendonly");
    let mut ev = st.evidence("save", format!("save {save:?}"), "set explicitly");
    ev.extend(st.evidence("appendonly", format!("appendonly {aof}"), "set explicitly"));
    let method = match (save.trim().is_empty(), aof.eq_ignore_ascii_case("yes")) {
        (false, true) => "RDB snapshots and AOF",
        (false, false) => "RDB snapshots",
        (true, true) => "AOF",
        (true, false) => "no persistence",
    };
    // Health, from INFO persistence on a live server.
    if let Some(l) = s.live.get() {
        let mut broken = Vec::new();
        for field in [
            "rdb_last_bgsave_status",
            "aof_last_bgrewrite_status",
            "aof_last_write_status",
        ] {
            if let Some(v) = l.info(field) {
                if v != "ok" {
                    broken.push(format!("{field}:{v}"));
                }
            }
        }
        let observed = [
            "rdb_last_bgsave_status",
            "aof_last_write_status",
            "rdb_changes_since_last_save",
        ]
        .iter()
        .filter_map(|f| l.info(f).map(|v| format!("{f}:{v}")))
        .collect::<Vec<_>>()
        .join(", ");
        ev.push(Evidence::new(
            Source::Live,
            format!("INFO persistence on {}", l.endpoint),
            observed,
            "last save and AOF writes ok",
        ));
        if !broken.is_empty() {
            return Outcome::fail(
                format!(
                    "persistence is failing on the server: {}",
                    broken.join(", ")
                ),
                ev,
            );
        }
    }
    // Without the file, a running schedule other than Redis's default was
    // evidently chosen; the default itself may just be left alone.
    let default_save = s
        .conf
        .get()
        .and_then(|c| c.config.default_of("save"))
        .or_else(|| {
            s.version
                .as_ref()
                .and_then(|v| redis_conf::default_value_in(v.dialect, "save"))
        })
        .unwrap_or_default();
    let explicit_save = st.set_in_file("save")
        || (st.conf().is_none() && st.is_live("save") && save != default_save);
    if !explicit_save && !aof.eq_ignore_ascii_case("yes") {
        return Outcome::manual(
            format!("no save line and AOF off: Redis's built-in RDB schedule applies ({method}, save {save:?}); verify it suits this use case, and state it explicitly"),
            ev,
        );
    }
    Outcome::pass(format!("persistence is chosen explicitly: {method}"), ev)
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
