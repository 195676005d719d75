//! Text and JSON of `rampart acl` answers: the renderers decide nothing.

use super::AclSet;
use anyhow::Result;
use redis_acl::diff::UserChange;
use redis_acl::review::UserReview;
use redis_acl::GrantKind;
use serde_json::{json, Value};
use std::fmt::Write as _;

pub(super) fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

pub(super) fn problems_text(set: &AclSet) -> String {
    let mut s = String::new();
    for (loc, msg) in &set.problems {
        s.push_str(&format!("problem: {}: {}\n", clean(loc), clean(msg)));
    }
    s
}

pub(super) fn problems_json(set: &AclSet) -> Value {
    Value::Array(
        set.problems
            .iter()
            .map(|(l, m)| json!({"location": l, "message": m}))
            .collect(),
    )
}

pub(super) fn decision_json(user: &str, r: Result<redis_acl::Decision, String>) -> Value {
    match r {
        Ok(d) => {
            let mut v = json!({
                "user": user,
                "command": d.command,
                "allowed": d.allowed,
                "reason": d.reason(),
                "selector": d.selector,
                "rule": d.grant.as_ref().map(|g| g.rule.clone()),
                "keys": d.keys,
                "denial": d.denial,
            });
            // Only with a table that has database rules (Valkey 9.1+).
            if let Some(db) = d.db {
                v["db"] = json!(db);
                v["dbs"] = json!(d.dbs);
            }
            v
        }
        Err(e) => json!({"user": user, "allowed": false, "reason": e, "error": e}),
    }
}

/// `rampart acl review`'s text.
pub(super) fn review_text(
    set: &AclSet,
    reviews: &[(UserReview, Option<String>)],
) -> Result<String> {
    let mut s = problems_text(set);
    for (r, loc) in reviews {
        writeln!(
            s,
            "user {} ({}) — {}, password: {}",
            clean(&r.user),
            clean(loc.as_deref().unwrap_or("built-in default user")),
            if r.enabled { "on" } else { "off" },
            serde_json::to_value(r.password)?.as_str().unwrap_or("?"),
        )?;
        writeln!(
            s,
            "  commands: {} allowed{}",
            r.commands_allowed,
            if r.all_commands { " (+@all)" } else { "" }
        )?;
        if !r.dangerous.is_empty() {
            let by = |k: GrantKind| -> Vec<&str> {
                r.dangerous
                    .iter()
                    .filter(|d| d.grant == k)
                    .map(|d| d.command.as_str())
                    .collect()
            };
            for (k, label) in [
                (GrantKind::All, "by +@all"),
                (GrantKind::Category, "by category"),
                (GrantKind::Explicit, "explicitly"),
                (GrantKind::FirstArg, "by first argument"),
            ] {
                let v = by(k);
                if !v.is_empty() {
                    let more = if v.len() > 12 {
                        format!(" … ({} more)", v.len() - 12)
                    } else {
                        String::new()
                    };
                    let shown: Vec<&str> = v.iter().take(12).copied().collect();
                    writeln!(
                        s,
                        "  dangerous {label} ({}): {}{more}",
                        v.len(),
                        shown.join(" ")
                    )?;
                }
            }
        }
        let reach = |r: &redis_acl::review::Reach| -> String {
            if r.patterns.is_empty() {
                return "none".into();
            }
            let p: Vec<String> = r
                .patterns
                .iter()
                .map(|(i, p)| {
                    if *i == 0 {
                        p.clone()
                    } else {
                        format!("({p})#{i}")
                    }
                })
                .collect();
            format!("{}{}", p.join(" "), if r.used { "" } else { " (unused)" })
        };
        writeln!(s, "  keys: {}", clean(&reach(&r.key_reach)))?;
        writeln!(s, "  channels: {}", clean(&reach(&r.channel_reach)))?;
        if let Some(dbs) = &r.databases {
            let d: Vec<String> = dbs
                .iter()
                .map(|(i, rule)| {
                    if *i == 0 {
                        rule.clone()
                    } else {
                        format!("({rule})#{i}")
                    }
                })
                .collect();
            writeln!(s, "  databases: {}", clean(&d.join(" ")))?;
        }
        for f in &r.findings {
            writeln!(
                s,
                "  - {}: {}{}",
                f.code,
                clean(&f.message),
                f.drop
                    .as_ref()
                    .map(|d| format!(" → {}", clean(d)))
                    .unwrap_or_default()
            )?;
        }
        if r.findings.is_empty() {
            s.push_str("  least privilege: nothing to drop found\n");
        }
    }
    Ok(s)
}

/// One change as `rampart acl diff -f json` prints it.
pub(super) fn change_json(c: &UserChange) -> Value {
    match c {
        UserChange::Added { user, perms: b } => {
            json!({"user": user, "change": "added", "enabled": b.enabled, "commands": b.commands.len(), "keys": b.keys, "channels": b.channels})
        }
        UserChange::Removed { user } => json!({"user": user, "change": "removed"}),
        UserChange::Changed {
            user,
            enabled,
            nopass,
            passwords_added,
            passwords_removed,
            commands: (cg, cl),
            keys: (kg, kl),
            channels: (hg, hl),
            databases: (dg, dl),
        } => {
            let mut v = json!({
                "user": user, "change": "changed",
                "enabled": enabled, "nopass": nopass,
                "passwords_added": passwords_added, "passwords_removed": passwords_removed,
                "commands_gained": cg, "commands_lost": cl,
                "keys_gained": kg, "keys_lost": kl,
                "channels_gained": hg, "channels_lost": hl,
            });
            // Only when Valkey database rules changed.
            if !dg.is_empty() || !dl.is_empty() {
                v["databases_gained"] = json!(dg);
                v["databases_lost"] = json!(dl);
            }
            v
        }
    }
}

/// `rampart acl diff`'s text, from the changes' JSON.
pub(super) fn diff_text(sa: &AclSet, sb: &AclSet, out: &[Value]) -> String {
    let mut s = problems_text(sa);
    s.push_str(&problems_text(sb));
    if out.is_empty() {
        s.push_str("no permission changes\n");
    }
    for v in out {
        let name = clean(v["user"].as_str().unwrap_or(""));
        match v["change"].as_str() {
            Some("added") => s.push_str(&format!(
                "+ user {name}: new ({} commands)\n",
                v["commands"]
            )),
            Some("removed") => s.push_str(&format!("- user {name}: removed\n")),
            _ => {
                s.push_str(&format!("~ user {name}\n"));
                if v["enabled"][0] != v["enabled"][1] {
                    s.push_str(&format!(
                        "    {}\n",
                        if v["enabled"][1] == true {
                            "now on"
                        } else {
                            "now off"
                        }
                    ));
                }
                if v["nopass"][0] != v["nopass"][1] {
                    s.push_str(&format!(
                        "    {}\n",
                        if v["nopass"][1] == true {
                            "now nopass"
                        } else {
                            "no longer nopass"
                        }
                    ));
                }
                let (pa, pr) = (
                    v["passwords_added"].as_u64().unwrap_or(0),
                    v["passwords_removed"].as_u64().unwrap_or(0),
                );
                if pa + pr > 0 {
                    s.push_str(&format!("    passwords: {pa} added, {pr} removed\n"));
                }
                for (k, label) in [
                    ("commands_gained", "+ commands"),
                    ("commands_lost", "- commands"),
                    ("keys_gained", "+ keys"),
                    ("keys_lost", "- keys"),
                    ("channels_gained", "+ channels"),
                    ("channels_lost", "- channels"),
                    ("databases_gained", "+ databases"),
                    ("databases_lost", "- databases"),
                ] {
                    let items: Vec<String> = v[k]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str()).map(clean).collect())
                        .unwrap_or_default();
                    if !items.is_empty() {
                        let shown: Vec<&str> = items.iter().take(20).map(String::as_str).collect();
                        s.push_str(&format!(
                            "    {label} ({}): {}{}\n",
                            items.len(),
                            shown.join(" "),
                            if items.len() > shown.len() {
                                " …"
                            } else {
                                ""
                            }
                        ));
                    }
                }
            }
        }
    }
    s
}
