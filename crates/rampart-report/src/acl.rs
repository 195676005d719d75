//! Text and JSON of `rampart acl`'s answers (`can`, `who-can`, `review`,
//! `diff`): the renderers decide nothing. `problems` are an ACL source's
//! `(file:line, Redis's message)` pairs.

use rampart_checks::least_privilege::Reviewed;
use redis_acl::diff::UserChange;
use redis_acl::query::WhoRow;
use redis_acl::{Decision, Denial, GrantKind};
use serde_json::{json, Value};
use std::fmt::Write as _;

fn clean(s: &str) -> String {
    crate::sanitize::for_terminal(s)
}

/// The source's problems, a line each (for standard error beside an answer).
pub fn problems_text(problems: &[(String, String)]) -> String {
    let mut s = String::new();
    for (loc, msg) in problems {
        let _ = writeln!(s, "problem: {}: {}", clean(loc), clean(msg));
    }
    s
}

fn problems_json(problems: &[(String, String)]) -> Value {
    Value::Array(
        problems
            .iter()
            .map(|(l, m)| json!({"location": l, "message": m}))
            .collect(),
    )
}

/// A document and its newline (not copied again by `format!`: 100 MB for
/// 100k users).
fn pretty(v: &impl serde::Serialize) -> serde_json::Result<String> {
    let mut t = serde_json::to_string_pretty(v)?;
    t.push('\n');
    Ok(t)
}

/// `acl can -f json` (and one line of `--batch`): the decision, or why
/// there is none.
pub fn decision_json(user: &str, r: Result<Decision, String>) -> Value {
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

/// One line of `acl can --batch FILE`: the decision (or the line's error)
/// with the line it answers.
pub fn batch_line_json(
    loc: &str,
    r: Result<(String, Result<Decision, String>), &str>,
) -> serde_json::Result<String> {
    let mut v = match r {
        Ok((user, d)) => decision_json(&user, d),
        Err(e) => json!({"allowed": false, "error": e, "reason": e}),
    };
    v["line"] = json!(loc);
    serde_json::to_string(&v)
}

/// `acl can`'s text: allowed or denied, in which database when its rules
/// took part, and (`elsewhere`) a database where it would be allowed.
pub fn decision_text(d: &Decision, elsewhere: Option<u32>) -> String {
    let db_denial = denied_by_db(d);
    let in_db =
        d.db.filter(|_| db_denial || !d.dbs.is_empty())
            .map(|n| format!(" in database {n}"))
            .unwrap_or_default();
    let mut s = format!(
        "{}{in_db}: {}\n",
        if d.allowed { "allowed" } else { "denied" },
        clean(&d.reason())
    );
    if let Some(n) = elsewhere {
        let _ = writeln!(s, "note: allowed in database {n} (--db {n})");
    }
    s
}

/// Whether [`decision_text`] wants the database it would be allowed in.
pub fn denied_by_db(d: &Decision) -> bool {
    matches!(d.denial, Some(Denial::Db { .. }))
}

/// `acl who-can -f json`.
pub fn who_can_json(
    origin: &str,
    what: &str,
    rows: &[WhoRow],
    problems: &[(String, String)],
) -> serde_json::Result<String> {
    pretty(&json!({
        "source": origin,
        "query": what,
        "users": rows.iter().map(|r| json!({"user": r.user, "enabled": r.enabled, "reason": r.how})).collect::<Vec<_>>(),
        "problems": problems_json(problems),
    }))
}

/// `acl who-can`'s text.
pub fn who_can_text(what: &str, rows: &[WhoRow]) -> String {
    let mut s = format!("{} user(s) can {}:\n", rows.len(), clean(what));
    for r in rows {
        let _ = writeln!(
            s,
            "  {}{}: {}",
            clean(&r.user),
            if r.enabled { "" } else { " (off)" },
            clean(&r.how)
        );
    }
    s
}

/// `acl review -f json`: the document `json!` would build (its keys in
/// order), written one user at a time: no tree of 100k users copied into a
/// `Value` and dropped again.
pub fn review_json(
    origin: &str,
    problems: &[(String, String)],
    reviews: &[Reviewed],
) -> serde_json::Result<String> {
    pretty(&ReviewDoc {
        problems: problems_json(problems),
        source: json!(origin),
        users: ReviewUsers(reviews),
    })
}

/// [`review_json`] of `count` reviews made as they are written (each
/// written and dropped: not 100k reviews held beside the document).
pub fn review_json_each(
    origin: &str,
    problems: &[(String, String)],
    count: usize,
    reviews: impl Iterator<Item = Reviewed>,
) -> serde_json::Result<String> {
    pretty(&ReviewDoc {
        problems: problems_json(problems),
        source: json!(origin),
        users: ReviewStream {
            count,
            reviews: std::cell::RefCell::new(Some(reviews)),
        },
    })
}

/// `acl review -f json`: the keys in the order a `Value` sorts them.
#[derive(serde::Serialize)]
struct ReviewDoc<U> {
    problems: Value,
    source: Value,
    users: U,
}

/// Reviews written as an iterator makes them (once: a second write
/// would find it spent and fail).
struct ReviewStream<I> {
    count: usize,
    reviews: std::cell::RefCell<Option<I>>,
}

impl<I: Iterator<Item = Reviewed>> serde::Serialize for ReviewStream<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let reviews = self
            .reviews
            .borrow_mut()
            .take()
            .ok_or_else(|| serde::ser::Error::custom("reviews already written"))?;
        let mut seq = s.serialize_seq(Some(self.count))?;
        for r in reviews {
            seq.serialize_element(&ReviewUser::of(&r))?;
        }
        seq.end()
    }
}

/// The reviews, each written as the `Value` it always was (keys sorted,
/// with its observations as `findings` and its location) without making
/// that `Value`: [`ReviewUser`] borrows the review, its fields in the
/// order a `Value` sorts them.
struct ReviewUsers<'a>(&'a [Reviewed]);

impl serde::Serialize for ReviewUsers<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ReviewUser::of))
    }
}

/// One user of `acl review -f json`: [`redis_acl::review::UserReview`]'s
/// serialised fields plus `findings` and `location`, sorted by name (as a
/// `serde_json::Map` orders them). `plaintext_count` is not in it (the
/// review skips it); `databases` only when some selector is restricted.
#[derive(serde::Serialize)]
struct ReviewUser<'a> {
    all_commands: bool,
    channel_reach: &'a redis_acl::review::Reach,
    commands_allowed: usize,
    dangerous: &'a [redis_acl::review::DangerousGrant],
    #[serde(skip_serializing_if = "Option::is_none")]
    databases: Option<&'a [(redis_acl::engine::SelectorIndex, String)]>,
    enabled: bool,
    findings: Vec<Finding<'a>>,
    key_reach: &'a redis_acl::review::Reach,
    location: Option<&'a str>,
    password: redis_acl::review::PasswordKind,
    password_count: usize,
    user: &'a str,
}

/// An observation with its keys sorted (`code`, `drop`, `message`).
#[derive(serde::Serialize)]
struct Finding<'a> {
    code: &'a str,
    drop: Option<&'a str>,
    message: &'a str,
}

impl<'a> ReviewUser<'a> {
    fn of(r: &'a Reviewed) -> ReviewUser<'a> {
        let v = &r.review;
        ReviewUser {
            all_commands: v.all_commands,
            channel_reach: &v.channel_reach,
            commands_allowed: v.commands_allowed,
            dangerous: &v.dangerous,
            databases: v.databases.as_deref(),
            enabled: v.enabled,
            findings: r
                .observations
                .iter()
                .map(|o| Finding {
                    code: o.code,
                    drop: o.drop,
                    message: &o.message,
                })
                .collect(),
            key_reach: &v.key_reach,
            location: r.location.as_deref(),
            password: v.password,
            password_count: v.password_count,
            user: &v.user,
        }
    }
}

/// `rampart acl review`'s text.
pub fn review_text(problems: &[(String, String)], reviews: &[Reviewed]) -> String {
    let mut s = problems_text(problems);
    for Reviewed {
        review: r,
        observations,
        location: loc,
    } in reviews
    {
        let _ = writeln!(
            s,
            "user {} ({}) — {}, password: {}",
            clean(&r.user),
            clean(loc.as_deref().unwrap_or("built-in default user")),
            if r.enabled { "on" } else { "off" },
            serde_json::to_value(r.password)
                .ok()
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or("?"),
        );
        let _ = writeln!(
            s,
            "  commands: {} allowed{}",
            r.commands_allowed,
            if r.all_commands { " (+@all)" } else { "" }
        );
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
                    let _ = writeln!(
                        s,
                        "  dangerous {label} ({}): {}{more}",
                        v.len(),
                        shown.join(" ")
                    );
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
        let _ = writeln!(s, "  keys: {}", clean(&reach(&r.key_reach)));
        let _ = writeln!(s, "  channels: {}", clean(&reach(&r.channel_reach)));
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
            let _ = writeln!(s, "  databases: {}", clean(&d.join(" ")));
        }
        for f in observations {
            let _ = writeln!(
                s,
                "  - {}: {}{}",
                f.code,
                clean(&f.message),
                f.drop
                    .map(|d| format!(" → {}", clean(d)))
                    .unwrap_or_default()
            );
        }
        if observations.is_empty() {
            s.push_str("  least privilege: nothing to drop found\n");
        }
    }
    s
}

/// `acl diff -f json`: the two sources, each user's change, the problems.
pub fn diff_json(
    (origin_a, problems_a): (&str, &[(String, String)]),
    (origin_b, problems_b): (&str, &[(String, String)]),
    changes: &[Value],
) -> serde_json::Result<String> {
    pretty(
        &json!({"a": origin_a, "b": origin_b, "users": changes, "problems_a": problems_json(problems_a), "problems_b": problems_json(problems_b)}),
    )
}

/// One change as `rampart acl diff -f json` prints it.
pub fn change_json(c: &UserChange) -> Value {
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
pub fn diff_text(
    problems_a: &[(String, String)],
    problems_b: &[(String, String)],
    out: &[Value],
) -> String {
    let mut s = problems_text(problems_a);
    s.push_str(&problems_text(problems_b));
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use redis_acl::{review::review_user, CommandTable, User};

    /// What `ReviewUsers` wrote before: each review made a `Value`, with
    /// `findings` and `location` added.
    fn as_values(reviews: &[Reviewed]) -> Value {
        Value::Array(
            reviews
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(&r.review).unwrap();
                    v["findings"] = json!(r.observations);
                    v["location"] = json!(r.location);
                    v
                })
                .collect(),
        )
    }

    #[test]
    fn review_users_write_what_their_values_wrote() {
        let cases: [(&CommandTable, &[&str]); 5] = [
            (
                CommandTable::redis_7_0(),
                &["on", ">pw", "~*", "&*", "+@all"],
            ),
            (
                CommandTable::redis_7_0(),
                &[
                    "on",
                    "#0000000000000000000000000000000000000000000000000000000000000000",
                    ">x",
                    "~app:*",
                    "%R~r:*",
                    "&ch",
                    "+@read",
                    "-@dangerous",
                    "+client|kill",
                    "+select|0",
                    "(~b +get)",
                ],
            ),
            (
                CommandTable::redis_7_0(),
                &["off", "nopass", "&*", "~x", "+ping"],
            ),
            (
                CommandTable::valkey_9_1(),
                &[
                    "on",
                    "nopass",
                    "~*",
                    "&*",
                    "+@all",
                    "db=5",
                    "(~k +@admin resetdbs)",
                ],
            ),
            (CommandTable::redis_7_0(), &[]),
        ];
        let reviews: Vec<Reviewed> = cases
            .iter()
            .enumerate()
            .map(|(i, (t, rules))| {
                let mut u = User::new_in(t, &format!("u\"{i}"));
                u.apply_tokens_with(t, rules).unwrap();
                let loc = (i % 2 == 0).then(|| format!("users.acl:{i}"));
                Reviewed::new(review_user(&u, t), loc)
            })
            .collect();
        assert!(reviews.iter().any(|r| r.review.databases.is_some()));
        assert!(reviews
            .iter()
            .any(|r| r.observations.iter().any(|o| o.drop.is_none())));
        let old = pretty(&as_values(&reviews)).unwrap();
        let new = pretty(&ReviewUsers(&reviews)).unwrap();
        assert_eq!(old, new);
        let problems = [("users.acl:3".to_string(), "Syntax error".to_string())];
        let doc = review_json("users.acl", &problems, &reviews).unwrap();
        let want = pretty(&json!({"source": "users.acl", "problems": problems_json(&problems), "users": as_values(&reviews)})).unwrap();
        assert_eq!(doc, want);
        let each = review_json_each(
            "users.acl",
            &problems,
            reviews.len(),
            reviews.iter().cloned(),
        )
        .unwrap();
        assert_eq!(each, want);
        let none = review_json_each("users.acl", &[], 0, std::iter::empty()).unwrap();
        assert_eq!(
            none,
            pretty(&json!({"source": "users.acl", "problems": [], "users": []})).unwrap()
        );
    }
}
