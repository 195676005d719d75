//! Continuing and undoing: reading every node back before a `--resume`
//! (what a node lost is redone; a node that joined is taken in), the
//! history record of a finished rotation, and `--rollback`.

use crate::discover::discover;
use crate::error::{Error, Result};
use crate::node::{config_get, expect_ok, sentinel_config_get, user_hashes};
use crate::plan::node_state;
use crate::steps::{advance, persist};
use crate::{Ctx, Journal, NodeState, Phase};
use rampart_fs::with_causes;
use rampart_live::Endpoint;
use redis_acl::hash_password;
use redis_conf::Secret;

/// Before continuing a rotation, read every node back: a node restarted
/// since (or changed by hand) may have lost what was not persisted yet.
/// What is missing is redone by moving the journal's phase back (every
/// step is idempotent); a node that does not answer stops the run with
/// the journal unchanged.
pub(crate) fn reconcile(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    if j.phase < Phase::Added || j.phase > Phase::Ready {
        return Ok(());
    }
    let mut lost = Vec::new();
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        let mut c = ctx.conn(&n.endpoint()).map_err(|source| Error::NodeDown {
            node: n.name(),
            phase: j.phase,
            source,
        })?;
        if !user_hashes(&mut *c, &j.user)?.contains(&j.new_hash) {
            ctx.say(&format!(
                "  {}: the new password is missing (restarted before it was persisted?): it is added again",
                n.name()
            ));
            lost.push(Phase::Planned);
        }
        // A dependent changed back (a restart before CONFIG REWRITE, or a
        // person): set again.
        for what in ["masterauth", "sentinel-pass"] {
            let updated = match what {
                "masterauth" => n.masterauth_updated,
                _ => n.sentinel_pass_updated,
            };
            if !updated {
                continue;
            }
            let current = match what {
                "masterauth" => config_get(&mut *c, what)?,
                _ => sentinel_config_get(&mut *c, what)?,
            };
            if hash_password(current.as_bytes()) != j.new_hash {
                ctx.say(&format!(
                    "  {}: {what} is not the new password any more: it is set again",
                    n.name()
                ));
                match what {
                    "masterauth" => j.nodes[i].masterauth_updated = false,
                    _ => j.nodes[i].sentinel_pass_updated = false,
                }
                lost.push(Phase::Persisted);
            }
        }
    }
    // Nodes that joined since the plan (a new replica, a cluster node):
    // they hold only the old password, so the rotation takes them in before
    // anything is removed.
    if !j.nodes.iter().any(|n| n.sentinel) {
        let mut seen: Vec<Endpoint> = Vec::new();
        let known: Vec<Endpoint> = j.nodes.iter().map(NodeState::endpoint).collect();
        for ep in &known {
            if seen.contains(ep) {
                continue;
            }
            let d = discover(ctx, ep)?;
            if let Some((e, err)) = d
                .down
                .iter()
                .find(|(e, _)| !j.skipped.contains(&e.to_string()))
            {
                return Err(Error::Unsafe(format!(
                    "{e} does not answer ({err}): start it, then run again with --resume (the journal keeps phase {:?}), or name it with --skip-node in a new rotation",
                    j.phase
                )));
            }
            for (found, role) in d.nodes {
                if seen.contains(&found) {
                    continue;
                }
                seen.push(found.clone());
                if !known.contains(&found) {
                    let back = found.to_string();
                    if j.skipped.contains(&back) {
                        j.skipped.retain(|s| *s != back);
                        ctx.say(&format!(
                            "  {found} ({role}): skipped at the start, it answers now: the new password is added there too"
                        ));
                    } else {
                        ctx.say(&format!(
                            "  {found} ({role}): joined since the rotation began: the new password is added there too"
                        ));
                    }
                    let n = node_state(ctx, &found, role, &j.new_hash)?;
                    j.nodes.push(n);
                    lost.push(Phase::Planned);
                }
            }
        }
    }
    if let Some(back) = lost.into_iter().min() {
        j.phase = j.phase.min(back);
        ctx.save(j)?;
    }
    Ok(())
}

/// The rotation finished (old passwords removed): one history row per
/// node, for MNT002. Names and the date only. A failure here is a warning:
/// the rotation itself is done.
pub(crate) fn record_rotation(ctx: &Ctx, j: &Journal) {
    use rampart_collect::history;
    let recorded = history::resolve_path(ctx.history.as_deref())
        .ok_or_else(|| "no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history FILE".to_string())
        .and_then(|path| {
            // A file, or the team's record at a postgres:// URL.
            let spec = history::HistorySpec::parse(&path.to_string_lossy());
            let mut h = history::open_store(&spec).map_err(|e| with_causes(&e))?;
            let now = history::now();
            for n in &j.nodes {
                h.record_rotation(&n.name(), &j.user, now, env!("CARGO_PKG_VERSION"))
                    .map_err(|e| with_causes(&e))?;
            }
            // Named without a URL's password.
            Ok(spec.display())
        });
    match recorded {
        Ok(place) => ctx.say(&format!("Recorded in the history {place}.")),
        Err(e) => ctx.warn(&format!(
            "the rotation is done but could not be recorded in the history (MNT002 will not see it): {e}"
        )),
    }
}

/// Undo, in the order that keeps a working password for everyone: the old
/// hashes back on every node, then masterauth and auth-pass back to the old
/// password, then the new hash removed.
pub(crate) fn rollback(ctx: &Ctx, j: &mut Journal, old: Option<Secret>) -> Result<()> {
    let dependents =
        j.nodes.iter().any(|n| {
            n.masterauth_updated || (n.sentinel_pass_updated && !n.sentinel_pass_was_empty)
        }) || j.sentinels.iter().any(|s| s.updated);
    let old = match (dependents, old) {
        (false, _) => None,
        (true, None) => return Err(Error::Request("masterauth or a Sentinel's auth-pass or sentinel-pass was changed to the new password: give the old one with --old-password-file to roll back".to_string())),
        (true, Some(old)) => {
            let h = hash_password(old.expose());
            if !j.nodes.iter().any(|n| n.old_hashes.contains(&h)) {
                return Err(Error::Request("the --old-password-file password is not one of the user's old passwords".to_string()));
            }
            Some(old)
        }
    };
    ctx.say("Restoring the old password(s):");
    for n in &j.nodes {
        let mut c = ctx.conn(&n.endpoint())?;
        let now = user_hashes(&mut *c, &j.user)?;
        let ops: Vec<String> = n
            .old_hashes
            .iter()
            .filter(|h| !now.contains(h))
            .map(|h| format!("#{h}"))
            .collect();
        if !ops.is_empty() {
            let mut args = vec!["ACL", "SETUSER", j.user.as_str()];
            args.extend(ops.iter().map(|s| s.as_str()));
            expect_ok(c.cmd(&args)?, "ACL SETUSER", &n.name())?;
            ctx.say(&format!(
                "  {}: {} old password(s) restored",
                n.name(),
                ops.len()
            ));
        }
    }
    ctx.fault("rollback:restore")?;
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        if !n.sentinel_pass_updated {
            continue;
        }
        // Unset again when it was unset (the links go back to requirepass).
        let value: &[u8] = match (&old, n.sentinel_pass_was_empty) {
            (_, true) => b"",
            (Some(o), false) => o.expose(),
            (None, false) => {
                return Err(Error::Request(format!(
                    "{}: the old sentinel-pass is needed",
                    n.name()
                )))
            }
        };
        let mut c = ctx.conn(&n.endpoint())?;
        let v = c.cmd_bytes(&[b"SENTINEL", b"CONFIG", b"SET", b"sentinel-pass", value])?;
        expect_ok(v, "SENTINEL CONFIG SET sentinel-pass", &n.name())?;
        j.nodes[i].sentinel_pass_updated = false;
        ctx.save(j)?;
        ctx.say(&format!("  Sentinel {}: sentinel-pass restored", n.name()));
    }
    if let Some(old) = &old {
        for i in 0..j.sentinels.len() {
            let s = j.sentinels[i].clone();
            if !s.updated {
                continue;
            }
            let mut c = ctx.sentinel_conn(&s.endpoint())?;
            let v = c.cmd_bytes(&[
                b"SENTINEL",
                b"SET",
                s.master.as_bytes(),
                b"auth-pass",
                old.expose(),
            ])?;
            expect_ok(
                v,
                "SENTINEL SET auth-pass",
                &format!("{}:{}", s.host, s.port),
            )?;
            j.sentinels[i].updated = false;
            ctx.save(j)?;
            ctx.say(&format!(
                "  Sentinel {}:{}: auth-pass restored",
                s.host, s.port
            ));
        }
        ctx.say("Restoring masterauth:");
        for i in 0..j.nodes.len() {
            let n = j.nodes[i].clone();
            if !n.masterauth_updated {
                continue;
            }
            let mut c = ctx.conn(&n.endpoint())?;
            // The old password must work on every node before replicas use it.
            let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"masterauth", old.expose()])?;
            expect_ok(v, "CONFIG SET masterauth", &n.name())?;
            expect_ok(c.cmd(&["CONFIG", "REWRITE"])?, "CONFIG REWRITE", &n.name())?;
            j.nodes[i].masterauth_updated = false;
            ctx.save(j)?;
            ctx.say(&format!("  {}: masterauth restored", n.name()));
        }
    }
    ctx.fault("rollback:dependents")?;
    ctx.say("Removing the new password:");
    for (i, n) in j.nodes.iter().enumerate() {
        let mut c = ctx.conn(&n.endpoint())?;
        if n.requirepass
            && hash_password(config_get(&mut *c, "requirepass")?.as_bytes()) == j.new_hash
        {
            // The removal step had set requirepass: set it back.
            match &old {
                Some(o) => {
                    let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"requirepass", o.expose()])?;
                    expect_ok(v, "CONFIG SET requirepass", &n.name())?;
                }
                None => ctx.warn(&format!(
                    "{}: requirepass holds the new password (CONFIG GET shows it; the `user default` line wins at startup): give --old-password-file to set it back",
                    n.name()
                )),
            }
        }
        let now = user_hashes(&mut *c, &j.user)?;
        if now.contains(&j.new_hash) && !n.old_hashes.is_empty() {
            let op = format!("!{}", j.new_hash);
            expect_ok(
                c.cmd(&["ACL", "SETUSER", &j.user, &op])?,
                "ACL SETUSER",
                &n.name(),
            )?;
        }
        persist(ctx, &mut *c, n)?;
        ctx.fault(&format!("rollback:remove:{}", i + 1))?;
    }
    advance(ctx, j, Phase::RolledBack)
}
