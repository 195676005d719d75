//! The forward steps: add, verify, persist, dependents (masterauth,
//! Sentinel auth-pass and sentinel-pass), remove. Each reads the node's
//! state back first, so running one again is harmless.

use crate::error::{Error, Result};
use crate::journal::unix_now;
use crate::node::{
    client_names, clients, config_get, expect_ok, expect_text, field, info_map, pairs_text,
    sentinel_config_get, sentinel_link_name, user_hashes, Node,
};
use crate::recover::record_rotation;
use crate::sentinel::sentinel_user_on;
use crate::{Ctx, Journal, NodeState, Phase};
use rampart_live::Credentials;
use redis_acl::hash_password;
use std::time::Duration;

pub(crate) fn step_add(ctx: &Ctx, j: &Journal) -> Result<()> {
    for (i, n) in j.nodes.iter().enumerate() {
        let mut c = ctx.conn(&n.endpoint())?;
        let now = user_hashes(&mut *c, &j.user)?;
        if now.contains(&j.new_hash) {
            ctx.say(&format!("  {}: new password already present", n.name()));
        } else {
            let op = format!("#{}", j.new_hash);
            let v = c.cmd(&["ACL", "SETUSER", &j.user, &op])?;
            expect_ok(v, "ACL SETUSER", &n.name())?;
            if !user_hashes(&mut *c, &j.user)?.contains(&j.new_hash) {
                return Err(Error::Unsafe(format!(
                    "{}: the new password hash is not listed after ACL SETUSER",
                    n.name()
                )));
            }
            ctx.say(&format!("  {}: new password added", n.name()));
        }
        ctx.fault(&format!("add:{}", i + 1))?;
    }
    Ok(())
}

fn step_verify(ctx: &Ctx, j: &Journal) -> Result<()> {
    let pw = ctx.new_pw()?;
    if hash_password(pw.expose()) != j.new_hash {
        return Err(Error::Request(
            "the new password given does not match the journal's hash".to_string(),
        ));
    }
    let creds = Credentials {
        user: Some(j.user.clone()),
        password: Some(pw.clone()),
    };
    for n in &j.nodes {
        ctx.connector
            .open(&n.endpoint(), &creds)
            .map_err(|source| Error::NewPasswordRefused {
                node: n.name(),
                source,
            })?;
        ctx.say(&format!("  {}: AUTH {} <new> accepted", n.name(), j.user));
    }
    Ok(())
}

pub(crate) fn persist(ctx: &Ctx, c: &mut dyn Node, n: &NodeState) -> Result<()> {
    if n.persist == "sentinel" {
        // A Sentinel with an aclfile saves users there; without one,
        // FLUSHCONFIG writes them as `user` lines of sentinel.conf.
        let v = c.cmd(&["ACL", "SAVE"])?;
        let what = match v.as_error() {
            None => "ACL SAVE",
            Some(e) if e.contains("not configured to use an ACL file") => {
                let v = c.cmd(&["SENTINEL", "FLUSHCONFIG"])?;
                expect_ok(v, "SENTINEL FLUSHCONFIG", &n.name()).map_err(Error::NotPersisted)?;
                "SENTINEL FLUSHCONFIG"
            }
            Some(e) => {
                return Err(Error::Unsafe(format!(
                    "{}: ACL SAVE: {}; stopping before the old password is removed",
                    n.name(),
                    e.lines().next().unwrap_or("")
                )))
            }
        };
        ctx.say(&format!("  {}: persisted ({what})", n.name()));
        return Ok(());
    }
    let (cmd, what): (&[&str], &str) = if n.persist == "acl-save" {
        (&["ACL", "SAVE"], "ACL SAVE")
    } else {
        (&["CONFIG", "REWRITE"], "CONFIG REWRITE")
    };
    let v = c.cmd(cmd)?;
    expect_ok(v, what, &n.name()).map_err(Error::NotPersisted)?;
    ctx.say(&format!("  {}: persisted ({what})", n.name()));
    Ok(())
}

fn step_persist(ctx: &Ctx, j: &Journal) -> Result<()> {
    for n in &j.nodes {
        let mut c = ctx.conn(&n.endpoint())?;
        persist(ctx, &mut *c, n)?;
    }
    Ok(())
}

/// What identifies a replica's TCP link to its primary: the local address
/// of `CLIENT LIST TYPE master` (after a partial resync the client keeps
/// its id and age; the new connection has a new local port).
fn master_link_id(c: &mut dyn Node) -> Result<Option<String>> {
    let v = c.cmd(&["CLIENT", "LIST", "TYPE", "master"])?;
    if v.as_error().is_some() {
        return Ok(None);
    }
    let list = expect_text(v, "CLIENT LIST", &c.name())?;
    Ok(list.lines().find_map(|l| {
        let f: Vec<&str> = l.split(' ').collect();
        let get = |k: &str| f.iter().find_map(|x| x.strip_prefix(k));
        Some(format!("{} {}", get("laddr=")?, get("fd=").unwrap_or("")))
    }))
}

/// On a replica: close its link to the primary once and wait (10 s) for a
/// new one, made with the current masterauth. `false` when the node is not
/// a replica with a link up, or may not run CLIENT KILL (then the check is
/// the link staying up, as with --no-relink).
fn relink(ctx: &Ctx, c: &mut dyn Node, node: &str) -> Result<bool> {
    let repl = info_map(c, "replication")?;
    if field(&repl, "role") != Some("slave") || field(&repl, "master_link_status") != Some("up") {
        return Ok(false);
    }
    let Some(before) = master_link_id(c)? else {
        return Ok(false);
    };
    let v = c.cmd(&["CLIENT", "KILL", "TYPE", "master"])?;
    if let Some(e) = v.as_error() {
        ctx.warn(&format!(
            "{node}: CLIENT KILL TYPE master refused ({}): the new masterauth is used at the next reconnect, not proven now",
            e.lines().next().unwrap_or("")
        ));
        return Ok(false);
    }
    std::thread::sleep(Duration::from_millis(100));
    if wait_for(10, || {
        Ok(link_up(c)? && master_link_id(c)?.is_some_and(|now| now != before))
    })? {
        return Ok(true);
    }
    Err(Error::Unsafe(format!(
        "{node}: the replica did not link to its primary again within 10 s with the new masterauth (see its log); the old password still works everywhere and nothing was removed: fix it, then --resume, or --rollback"
    )))
}

/// Poll `cond` every 100 ms for up to `secs` seconds.
fn wait_for(secs: u64, mut cond: impl FnMut() -> Result<bool>) -> Result<bool> {
    for _ in 0..secs * 10 {
        if cond()? {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

fn link_up(c: &mut dyn Node) -> Result<bool> {
    let repl = info_map(c, "replication")?;
    Ok(field(&repl, "role") != Some("slave") || field(&repl, "master_link_status") == Some("up"))
}

fn step_sentinels(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    for i in 0..j.sentinels.len() {
        let mut s = j.sentinels[i].clone();
        if !s.dependent {
            continue;
        }
        let pw = ctx.new_pw()?.clone();
        let master = s.master_endpoint();
        let name = format!("{}:{}", s.host, s.port);
        let mut c = ctx.sentinel_conn(&s.endpoint())?;
        // auth-pass is redacted from SLOWLOG; it crosses the wire.
        let v = c.cmd_bytes(&[
            b"SENTINEL",
            b"SET",
            s.master.as_bytes(),
            b"auth-pass",
            pw.expose(),
        ])?;
        expect_ok(v, "SENTINEL SET auth-pass", &name)?;
        j.sentinels[i].updated = true;
        ctx.save(j)?;
        if s.runid.is_empty() {
            s.runid = expect_text(c.cmd(&["SENTINEL", "MYID"])?, "SENTINEL MYID", &name)?;
            j.sentinels[i].runid = s.runid.clone();
        }
        // SENTINEL SET drops its connections: wait for a fresh command
        // connection logged in as the user, and for the master to answer.
        let mut mc = ctx.conn(&master)?;
        std::thread::sleep(Duration::from_millis(100));
        let ok = wait_for(6, || {
            let Some((u, age)) = sentinel_user_on(ctx, &mut s, &mut *mc)? else {
                return Ok(false);
            };
            if u != j.user || age > 5 {
                return Ok(false);
            }
            let m = expect_ok(
                c.cmd(&["SENTINEL", "MASTER", &s.master])?,
                "SENTINEL MASTER",
                &name,
            )?;
            Ok(field(&pairs_text(&m, "SENTINEL MASTER", &name)?, "flags") == Some("master"))
        })?;
        if !ok {
            return Err(Error::Unsafe(format!("{name}: after SENTINEL SET auth-pass, the Sentinel did not log in to the master {master} as {:?}", j.user)));
        }
        ctx.say(&format!(
            "  Sentinel {name}: auth-pass updated; logged in to the master again as {}",
            j.user
        ));
    }
    Ok(())
}

/// Sentinels whose links to the other Sentinels log in as the user:
/// `SENTINEL CONFIG SET sentinel-pass` (it drops those links), read back,
/// then every peer it had a link to must see a fresh link logged in as
/// the user.
fn step_sentinel_pass(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        if !n.sentinel_pass {
            continue;
        }
        let pw = ctx.new_pw()?.clone();
        let mut c = ctx.conn(&n.endpoint())?;
        let current = sentinel_config_get(&mut *c, "sentinel-pass")?;
        let fresh = hash_password(current.as_bytes()) != j.new_hash;
        let set_at = std::time::Instant::now();
        if fresh {
            let v = c.cmd_bytes(&[
                b"SENTINEL",
                b"CONFIG",
                b"SET",
                b"sentinel-pass",
                pw.expose(),
            ])?;
            expect_ok(v, "SENTINEL CONFIG SET sentinel-pass", &n.name())?;
            let back = sentinel_config_get(&mut *c, "sentinel-pass")?;
            if hash_password(back.as_bytes()) != j.new_hash {
                return Err(Error::Unsafe(format!(
                    "{}: sentinel-pass did not take the new value",
                    n.name()
                )));
            }
        }
        j.nodes[i].sentinel_pass_updated = true;
        ctx.save(j)?;
        let want = sentinel_link_name(&n.runid);
        for peer in &n.peers {
            let Some(p) = j.nodes.iter().find(|m| m.name() == *peer) else {
                continue;
            };
            let mut pc = ctx.conn(&p.endpoint())?;
            let ok = wait_for(30, || {
                let max_age = if fresh {
                    set_at.elapsed().as_secs() + 1
                } else {
                    u64::MAX
                };
                Ok(client_names(&mut *pc)?
                    .iter()
                    .any(|(nm, u, age)| *nm == want && *u == j.user && *age <= max_age))
            })?;
            if !ok {
                return Err(Error::Unsafe(format!(
                    "{}: after SENTINEL CONFIG SET sentinel-pass, no link to the Sentinel {peer} logged in as {:?} within 30 s",
                    n.name(),
                    j.user
                )));
            }
        }
        ctx.say(&format!(
            "  Sentinel {}: sentinel-pass updated, read back; its links to {} Sentinel(s) logged in again as {}",
            n.name(),
            n.peers.len(),
            j.user
        ));
        ctx.fault(&format!("sentinel-pass:{}", i + 1))?;
    }
    Ok(())
}

fn step_dependents(ctx: &Ctx, j: &mut Journal) -> Result<()> {
    step_sentinels(ctx, j)?;
    step_sentinel_pass(ctx, j)?;
    if !j.nodes.iter().any(|n| n.masterauth) {
        return Ok(());
    }
    let pw = ctx.new_pw()?.clone();
    for i in 0..j.nodes.len() {
        let n = j.nodes[i].clone();
        if !n.masterauth {
            continue;
        }
        let mut c = ctx.conn(&n.endpoint())?;
        let current = config_get(&mut *c, "masterauth")?;
        if hash_password(current.as_bytes()) != j.new_hash {
            let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"masterauth", pw.expose()])?;
            expect_ok(v, "CONFIG SET masterauth", &n.name())?;
            let back = config_get(&mut *c, "masterauth")?;
            if hash_password(back.as_bytes()) != j.new_hash {
                return Err(Error::Unsafe(format!(
                    "{}: masterauth did not take the new value",
                    n.name()
                )));
            }
        }
        j.nodes[i].masterauth_updated = true;
        ctx.save(j)?;
        let v = c.cmd(&["CONFIG", "REWRITE"])?;
        expect_ok(v, "CONFIG REWRITE", &n.name()).map_err(Error::MasterauthNotPersisted)?;
        // The new value is used at the next reconnect: make that happen
        // now, so a credential the primary refuses shows up here, while
        // the old password still works everywhere.
        let relinked = if ctx.no_relink {
            false
        } else {
            relink(ctx, &mut *c, &n.name())?
        };
        let up = wait_for(10, || link_up(&mut *c))?;
        if !up {
            return Err(Error::Unsafe(format!(
                "{}: master_link_status is not up{}",
                n.name(),
                if relinked {
                    " after the reconnect with the new masterauth (the old password still works everywhere; nothing was removed)"
                } else {
                    ""
                }
            )));
        }
        ctx.say(&format!(
            "  {}: masterauth updated, read back, persisted (CONFIG REWRITE); {}",
            n.name(),
            if relinked {
                "re-linked to its primary with it"
            } else {
                "link up"
            }
        ));
        ctx.fault(&format!("masterauth:{}", i + 1))?;
    }
    Ok(())
}

/// Before an old password is removed on the data nodes: no Sentinel may
/// still be logged in to them as the user unless its auth-pass was
/// updated (a Sentinel left on the old password would lose the master).
fn check_sentinels_follow(ctx: &Ctx, j: &Journal) -> Result<()> {
    for n in j.nodes.iter().filter(|n| !n.sentinel) {
        let mut c = ctx.conn(&n.endpoint())?;
        for k in clients(&mut *c)? {
            let Some(prefix) = crate::node::sentinel_link_prefix(&k.name) else {
                continue;
            };
            if k.user != j.user {
                continue;
            }
            let followed = j
                .sentinels
                .iter()
                .any(|s| s.updated && s.runid.get(..prefix.len()) == Some(prefix));
            if !followed {
                return Err(Error::Unsafe(format!(
                    "{}: a Sentinel (runid {prefix}…, from {}) is logged in as {:?} but its auth-pass was not updated: removing the old password would cut it off; run again with --sentinel HOST:PORT of that Sentinel's group in a new rotation, or --rollback",
                    n.name(),
                    k.addr,
                    j.user
                )));
            }
        }
    }
    Ok(())
}

fn step_remove(ctx: &Ctx, j: &Journal) -> Result<()> {
    if !j.nodes.iter().all(|n| n.sentinel) {
        check_sentinels_follow(ctx, j)?;
    }
    for (i, n) in j.nodes.iter().enumerate() {
        let mut c = ctx.conn(&n.endpoint())?;
        let now = user_hashes(&mut *c, &j.user)?;
        if !now.contains(&j.new_hash) {
            return Err(Error::Unsafe(format!(
                "{}: the new password is not present; refusing to remove the old one",
                n.name()
            )));
        }
        let ops: Vec<String> = n
            .old_hashes
            .iter()
            .filter(|h| now.contains(h))
            .map(|h| format!("!{h}"))
            .collect();
        // With requirepass, `CONFIG SET requirepass <new>` is the removal:
        // it leaves `default` with the new password only, in one step, and
        // CONFIG REWRITE then writes the new value, not the old one, to the
        // requirepass line. Only when every password it would drop is an
        // old one (nobody added another meanwhile).
        let only_ours = now
            .iter()
            .all(|h| *h == j.new_hash || n.old_hashes.contains(h));
        let mut requirepass_done = false;
        if n.requirepass && only_ours {
            if let Some(pw) = &ctx.new_password {
                let current = config_get(&mut *c, "requirepass")?;
                if hash_password(current.as_bytes()) != j.new_hash || !ops.is_empty() {
                    let v = c.cmd_bytes(&[b"CONFIG", b"SET", b"requirepass", pw.expose()])?;
                    expect_ok(v, "CONFIG SET requirepass", &n.name())?;
                }
                if hash_password(config_get(&mut *c, "requirepass")?.as_bytes()) != j.new_hash
                    || user_hashes(&mut *c, &j.user)? != [j.new_hash.clone()]
                {
                    return Err(Error::Unsafe(format!(
                        "{}: after CONFIG SET requirepass, `default` does not hold the new password alone",
                        n.name()
                    )));
                }
                ctx.say(&format!(
                    "  {}: requirepass set to the new password (the old one removed with it)",
                    n.name()
                ));
                requirepass_done = true;
            }
        }
        if requirepass_done {
        } else if ops.is_empty() {
            ctx.say(&format!("  {}: old password(s) already removed", n.name()));
        } else {
            let mut args = vec!["ACL", "SETUSER", j.user.as_str()];
            args.extend(ops.iter().map(|s| s.as_str()));
            expect_ok(c.cmd(&args)?, "ACL SETUSER", &n.name())?;
            ctx.say(&format!(
                "  {}: {} old password(s) removed",
                n.name(),
                ops.len()
            ));
        }
        persist(ctx, &mut *c, n)?;
        ctx.fault(&format!("remove:{}", i + 1))?;
        if n.sentinel && j.user == "default" {
            warn_sentinel_requirepass(ctx, &mut *c, n, &j.new_hash)?;
        }
        if n.requirepass && !requirepass_done {
            ctx.warn(&format!(
                "{}: the config file still has `requirepass` with the OLD password in clear (and CONFIG GET requirepass returns it); the `user default` line written by CONFIG REWRITE overrides it at startup. Give --new-password-file with --finish to set requirepass too, or remove the requirepass line when you next edit the file.",
                n.name()
            ));
        }
    }
    Ok(())
}

/// A Sentinel has no CONFIG SET: a `requirepass` line in sentinel.conf
/// keeps the old password in clear (FLUSHCONFIG writes it back as it was
/// loaded); the `user default` line FLUSHCONFIG writes wins at startup.
/// Said with file:line when the Sentinel runs here and its file is
/// readable; in general terms otherwise.
fn warn_sentinel_requirepass(
    ctx: &Ctx,
    c: &mut dyn Node,
    n: &NodeState,
    new_hash: &str,
) -> Result<()> {
    let local = matches!(n.host.as_str(), "127.0.0.1" | "::1" | "localhost");
    let server = info_map(c, "server")?;
    let file = field(&server, "config_file").unwrap_or("").to_string();
    let text = if local && !file.is_empty() {
        redis_conf::fileio::read_string(
            std::path::Path::new(&file),
            redis_conf::fileio::DEFAULT_LIMIT,
        )
        .ok()
    } else {
        None
    };
    let clean = |s: &str| rampart_report::sanitize::for_terminal(s);
    match text {
        Some(t) => {
            for (i, line) in t.lines().enumerate() {
                let parts = redis_conf::split_args(line.as_bytes()).unwrap_or_default();
                if parts
                    .first()
                    .is_some_and(|d| d.eq_ignore_ascii_case(b"requirepass"))
                    && parts.get(1).map(|v| hash_password(v)).as_deref() != Some(new_hash)
                {
                    ctx.warn(&format!(
                        "{}:{}: `requirepass` still holds the OLD password in clear (a Sentinel cannot change it at run time; the `user default` line SENTINEL FLUSHCONFIG wrote wins at startup, and the links use sentinel-pass). Delete that line.",
                        clean(&file),
                        i + 1
                    ));
                }
            }
        }
        None => ctx.warn(&format!(
            "Sentinel {}: if its config file ({}) has a `requirepass` line, it still holds the OLD password in clear (the `user default` line wins at startup): delete it",
            n.name(),
            if file.is_empty() { "unknown".to_string() } else { clean(&file) }
        )),
    }
    Ok(())
}

pub(crate) fn advance(ctx: &Ctx, j: &mut Journal, to: Phase) -> Result<()> {
    j.phase = to;
    ctx.save(j)
}

/// Run the rotation forward from its recorded phase up to `until`.
pub(crate) fn forward(ctx: &Ctx, j: &mut Journal, until: Phase) -> Result<()> {
    if j.phase < Phase::Added && until >= Phase::Added {
        ctx.say("Adding the new password:");
        step_add(ctx, j)?;
        advance(ctx, j, Phase::Added)?;
        ctx.fault("add")?;
    }
    if j.phase < Phase::Verified && until >= Phase::Verified {
        ctx.say("Verifying the new password:");
        step_verify(ctx, j)?;
        advance(ctx, j, Phase::Verified)?;
        ctx.fault("verify")?;
    }
    if j.phase < Phase::Persisted && until >= Phase::Persisted {
        ctx.say("Persisting:");
        step_persist(ctx, j)?;
        advance(ctx, j, Phase::Persisted)?;
        ctx.fault("persist")?;
    }
    if j.phase < Phase::Ready && until >= Phase::Ready {
        if j.nodes.iter().any(|n| n.masterauth || n.sentinel_pass)
            || j.sentinels.iter().any(|s| s.dependent)
        {
            ctx.say("Updating dependent settings:");
        }
        step_dependents(ctx, j)?;
        j.ready_at.get_or_insert_with(unix_now);
        advance(ctx, j, Phase::Ready)?;
        ctx.fault("dependents")?;
    }
    if j.phase < Phase::Removed && until >= Phase::Removed {
        ctx.say("Removing the old password(s):");
        step_remove(ctx, j)?;
        advance(ctx, j, Phase::Done)?;
        record_rotation(ctx, j);
        ctx.fault("remove")?;
    }
    Ok(())
}
