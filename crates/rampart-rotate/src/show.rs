//! The plan as the operator reads it.

use crate::{Ctx, Journal};
use std::path::Path;

/// What the rotation will do, node by node, step by step.
pub(crate) fn show_plan(ctx: &Ctx, j: &Journal, journal: &Path) {
    ctx.say(&format!(
        "Rotation plan for ACL user {:?} on {} node(s) (journal {}):",
        j.user,
        j.nodes.len(),
        journal.display()
    ));
    for n in &j.nodes {
        ctx.say(&format!(
            "  {} ({}): {} password(s) now; persist with {}{}",
            n.name(),
            n.role,
            n.old_hashes.len(),
            match n.persist.as_str() {
                "acl-save" => "ACL SAVE",
                "sentinel" => "ACL SAVE, or SENTINEL FLUSHCONFIG without an aclfile",
                _ => "CONFIG REWRITE",
            },
            if n.masterauth {
                "; masterauth uses this user"
            } else if n.sentinel_pass {
                "; its links to the other Sentinels log in as this user (sentinel-pass follows)"
            } else {
                ""
            }
        ));
    }
    if j.nodes.iter().any(|n| n.requirepass) {
        ctx.say("  (requirepass is set: the new password is added beside the old one with ACL SETUSER, since CONFIG SET requirepass drops every other password of `default`; that drop is used as the last step only, when the new password is given then: CONFIG SET requirepass <new> removes the old one and CONFIG REWRITE writes the new value; without it, the old one is removed with ACL SETUSER and the requirepass line keeps the old value, overridden at startup by the `user default` line CONFIG REWRITE writes)");
    }
    for s in &j.sentinels {
        ctx.say(&format!(
            "  Sentinel {}:{} (master {}): {}",
            s.host,
            s.port,
            s.master,
            if s.dependent {
                "auth-user is this user: SENTINEL SET auth-pass"
            } else {
                "uses another user: unchanged"
            }
        ));
    }
    for k in &j.skipped {
        ctx.say(&format!(
            "  {k}: SKIPPED (--skip-node; it does not answer): it will still accept only the old password; when it is back it will fail to relink with WRONGPASS wherever it logs in as {u:?} (masteruser), and refuse clients using the new password, until you add the new password there: ACL SETUSER {u} ><new password> (and CONFIG SET masterauth where its masteruser is {u:?}), then ACL SAVE or CONFIG REWRITE; or run rampart rotate --resume before --finish, which takes it in once it answers",
            u = j.user
        ));
    }
    ctx.say("  1. add the new password as a hash (ACL SETUSER #<sha256>) on every node");
    ctx.say("  2. verify AUTH with the new password on every node (fresh connections)");
    ctx.say("  3. persist on every node");
    if j.nodes.iter().any(|n| n.masterauth) {
        ctx.say("  4. CONFIG SET masterauth on the nodes above (the value crosses the wire; SLOWLOG/MONITOR redact it), read it back, CONFIG REWRITE, check the replication link");
    } else if j.nodes.iter().any(|n| n.sentinel_pass) {
        ctx.say("  4. SENTINEL CONFIG SET sentinel-pass on the Sentinels above (the value crosses the wire; Sentinel writes it to its config), read it back, wait for each link to the other Sentinels to log in again");
    } else if j.nodes.iter().all(|n| n.sentinel) {
        ctx.say("  4. no dependent settings (no Sentinel logs in to the others as this user)");
    } else {
        ctx.say("  4. no dependent settings (no node's masteruser is this user)");
    }
    match j.grace_secs {
        Some(0) => ctx.say(
            "  5. then at once: remove the passwords listed above (old) on every node, persist",
        ),
        Some(s) => ctx.say(&format!(
            "  5. after {s}s: remove the old passwords on every node, persist"
        )),
        None => {
            ctx.say("  5. later, with --finish: remove the old passwords on every node, persist")
        }
    }
}
