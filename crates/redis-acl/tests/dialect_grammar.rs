//! Each dialect's grammar, offline, against what its server answered when
//! the data was generated (`acl.json`, written by `dialect-gen commands`):
//! every probe rule is accepted or refused as that server did (with its
//! error text), a new user is the server's new user, and every probe rule
//! set renders as the server's `ACL LIST` line: exactly on lines that keep
//! the rules as given (7.2+), as the same flags, keys, channels and
//! command bitmap on those that recompute the command part (6.2, 7.0).
#![allow(clippy::unwrap_used)]

mod common;

use redis_acl::{CommandTable, User};
use serde_json::Value;

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// `ACL LIST`'s line split into (the part before the commands, the
/// command part): the command part starts at the first `+`/`-` token.
fn split_line(line: &str) -> (String, String) {
    let toks: Vec<&str> = line.split(' ').collect();
    let i = toks
        .iter()
        .position(|t| t.starts_with('+') || t.starts_with('-') || t.starts_with('('))
        .unwrap_or(toks.len());
    let j = toks[i..]
        .iter()
        .position(|t| t.starts_with('('))
        .map(|k| i + k)
        .unwrap_or(toks.len());
    (toks[..i].join(" "), toks[i..j].join(" "))
}

#[test]
fn grammar_and_rendering_match_each_server() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for d in redis_dialects::all() {
        let name = d.name();
        let table = CommandTable::by_name(&name).unwrap();
        let acl: Value = serde_json::from_str(d.acl_data()).unwrap();

        // Each probe rule, alone on a new user.
        for (feature, p) in acl["rules"].as_object().unwrap() {
            let rule = p["rule"].as_str().unwrap();
            let accepted = p["accepted"].as_bool().unwrap();
            let toks: Vec<&str> = if rule.starts_with('&') {
                vec!["resetchannels", rule]
            } else {
                vec![rule]
            };
            let mut u = User::new_in(table, "probe");
            let ours = u.apply_tokens_with(table, &toks);
            checked += 1;
            match (&ours, accepted) {
                (Ok(()), true) => {}
                (Err(e), false) => {
                    let srv = p["error"].as_str().unwrap_or("");
                    if srv.strip_prefix("ERR ") != Some(e.message.as_str()) {
                        failures.push(format!(
                            "{name}: {feature} {rule:?}: server {srv:?}, ours {:?}",
                            e.message
                        ));
                    }
                }
                (o, a) => failures.push(format!(
                    "{name}: {feature} {rule:?}: server accepted {a}, ours {:?}",
                    o.as_ref().err().map(|e| e.message.clone())
                )),
            }
        }

        // A new user.
        let fresh = User::new_in(table, "fresh").acl_list_line();
        checked += 1;
        if acl["new_user"].as_str() != Some(fresh.as_str()) {
            failures.push(format!(
                "{name}: new user: server {:?}, ours {fresh:?}",
                acl["new_user"]
            ));
        }

        // Whether this line's ACL LIST recomputes the command part from
        // the bitmap (6.2, 7.0) rather than keeping the rules as given:
        // `-@dangerous` is then not printed back.
        let recomputes = acl["render"].as_array().unwrap().iter().any(|p| {
            str_list(&p["rules"]).first().map(String::as_str) == Some("-@dangerous")
                && !p["acl_list"].as_str().unwrap_or("").contains("-@dangerous")
        });
        // Rule sets as ACL LIST renders them.
        for p in acl["render"].as_array().unwrap() {
            let rules = str_list(&p["rules"]);
            let mut u = User::new_in(table, "probe");
            let ours = u.apply_tokens_with(table, &rules);
            checked += 1;
            let Some(line) = p["acl_list"].as_str() else {
                if ours.is_ok() {
                    failures.push(format!(
                        "{name}: {rules:?}: the server refused it ({}), ours accepted",
                        p["error"]
                    ));
                }
                continue;
            };
            if let Err(e) = ours {
                failures.push(format!("{name}: {rules:?}: the server accepted, ours {e}"));
                continue;
            }
            let mine = u.acl_list_line();
            if mine == line {
                continue;
            }
            // Lines that recompute the command part: same everything else,
            // same bitmap.
            let (srv_head, srv_cmds) = split_line(line);
            let (our_head, _) = split_line(&mine);
            let same_bits = common::bits_of(table, &srv_cmds).eq(&{
                let mut b = u.root.command_bits(table);
                b.all_commands_flag = common::bits_of(table, &srv_cmds).all_commands_flag;
                b
            });
            if !(recomputes && srv_head == our_head && same_bits && u.selectors.is_empty()) {
                failures.push(format!(
                    "{name}: {rules:?}: ACL LIST {line:?}, ours {mine:?}"
                ));
            }
        }
    }
    eprintln!(
        "dialect_grammar: {checked} probes over {} dialects, {} disagreements",
        redis_dialects::all().len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
