//! `commands.json` and `acl.json`: the command table and the ACL rule
//! grammar, from the server itself.
//!
//! `commands.json` is `COMMAND` (every command, its subcommands, arity,
//! flags, key positions, key specs) and `ACL CAT` (the categories, in the
//! server's order), in the schema `redis_acl::CommandTableData` reads. It
//! is written one command a line, so that ten dialects stay small in the
//! binary and a diff between two lines reads command by command.
//!
//! `acl.json` is what `ACL SETUSER` takes and how `ACL LIST` renders it:
//! every probe rule is tried on a scratch user (accepted, or the server's
//! error), a fixed list of rule sets is rendered by `ACL LIST` and `ACL
//! GETUSER`, and `ACL DRYRUN`'s denial wording is recorded when the server
//! has it. See [`acl`]. Redis 7.0 recomputes the command part of `ACL
//! LIST` from its bitmap and prints subcommands in its dict's order, which
//! changes from run to run (`+config|get +config|set` or the reverse): a
//! regenerated 7.0 `acl.json` may differ in that order alone.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::probe::{self, Outcome, Running};
use crate::resp::Reply;
use crate::server::Identity;
use crate::{write_file, Args};

pub fn generate(_a: &Args, id: &Identity, out: &Path) -> Result<()> {
    let mut s = match probe::start(&id.bin, &[], false)? {
        Outcome::Started(s) => s,
        Outcome::Refused { output, .. } => bail!("the server did not start:\n{output}"),
    };
    let table = command_table(&mut s, id)?;
    write_file(&out.join("commands.json"), &compact(&table)?)?;
    let facts = acl(&mut s, id)?;
    let mut text = serde_json::to_string_pretty(&facts)?;
    text.push('\n');
    write_file(&out.join("acl.json"), &text)?;
    Ok(())
}

fn int(r: &Reply) -> Result<i64> {
    match r {
        Reply::Int(i) => Ok(*i),
        other => bail!("COMMAND: expected an integer, got {other:?}"),
    }
}

fn strings(r: &Reply) -> Vec<String> {
    r.array().iter().map(Reply::text).collect()
}

fn scalar(r: &Reply) -> Value {
    match r {
        Reply::Int(i) => Value::from(*i),
        Reply::Array(Some(_)) => Value::Array(r.array().iter().map(scalar).collect()),
        Reply::Array(None) | Reply::Bulk(None) => Value::Null,
        other => Value::from(other.text()),
    }
}

/// A RESP2 flat `[k, v, k, v…]` array as a JSON object; `flags` stays a list.
fn pairs(r: &Reply) -> Value {
    let mut m = Map::new();
    for kv in r.array().chunks(2) {
        let [k, v] = kv else { continue };
        let k = k.text();
        let val = match (k.as_str(), v) {
            ("flags", _) => scalar(v),
            (_, Reply::Array(Some(_))) => pairs(v),
            _ => scalar(v),
        };
        m.insert(k, val);
    }
    Value::Object(m)
}

/// One `COMMAND` entry: 7 fields up to Redis 6.2 (name, arity, flags,
/// first, last, step, categories); 10 from 7.0 (tips, key specs,
/// subcommands).
fn command(r: &Reply) -> Result<Value> {
    let a = r.array();
    if a.len() < 7 {
        bail!("COMMAND: an entry with {} fields", a.len());
    }
    // As the server spells it: lower case, but module commands keep theirs
    // (`VADD`), as ACL DRYRUN prints them.
    let name = a[0].text();
    let mut subcommands = match a.get(9) {
        Some(s) => s.array().iter().map(command).collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    subcommands.sort_by_key(|c| c["name"].as_str().unwrap_or("").to_ascii_lowercase());
    let key_specs: Vec<Value> = a
        .get(8)
        .map(|k| k.array().iter().map(pairs).collect())
        .unwrap_or_default();
    let mut c = json!({
        "name": name,
        "arity": int(&a[1]).with_context(|| format!("arity of {name}"))?,
        "flags": strings(&a[2]),
        "categories": strings(&a[6])
            .into_iter()
            .map(|c| c.trim_start_matches('@').to_string())
            .collect::<Vec<_>>(),
        "first_key": int(&a[3])?,
        "last_key": int(&a[4])?,
        "step": int(&a[5])?,
    });
    // Empty lists are left out (the reader defaults them): a third of the
    // size of a table.
    if let Some(o) = c.as_object_mut() {
        if !key_specs.is_empty() {
            o.insert("key_specs".into(), Value::Array(key_specs));
        }
        if !subcommands.is_empty() {
            o.insert("subcommands".into(), Value::Array(subcommands));
        }
    }
    Ok(c)
}

fn command_table(s: &mut Running, id: &Identity) -> Result<Value> {
    let cats = s.cmd(&["ACL", "CAT"])?;
    if cats.is_error() {
        bail!("ACL CAT: {}", cats.text());
    }
    let reply = s.cmd(&["COMMAND"])?;
    let mut commands = reply
        .array()
        .iter()
        .map(command)
        .collect::<Result<Vec<_>>>()?;
    if commands.is_empty() {
        bail!("COMMAND returned no commands");
    }
    commands.sort_by_key(|c| c["name"].as_str().unwrap_or("").to_ascii_lowercase());
    let count = s.cmd(&["COMMAND", "COUNT"])?.int();
    if usize::try_from(count).ok() != Some(commands.len()) {
        bail!(
            "COMMAND COUNT says {count}, COMMAND listed {}",
            commands.len()
        );
    }
    Ok(json!({
        "server": id.product,
        "version": id.version,
        "line": id.line,
        "categories": strings(&cats),
        "commands": commands,
    }))
}

/// The table as JSON with one top-level command a line.
fn compact(t: &Value) -> Result<String> {
    let mut head = t.clone();
    let commands = head
        .as_object_mut()
        .and_then(|o| o.remove("commands"))
        .context("no commands")?;
    let head = serde_json::to_string(&head)?;
    let mut out = head
        .strip_suffix('}')
        .context("head is not an object")?
        .to_string();
    out.push_str(",\"commands\":[\n");
    let lines = commands
        .as_array()
        .context("commands is not a list")?
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()?;
    out.push_str(&lines.join(",\n"));
    out.push_str("\n]}\n");
    // What was written must read back as what was meant.
    let back: Value = serde_json::from_str(&out)?;
    if &back != t {
        bail!("the compact form does not read back");
    }
    Ok(out)
}

/// Rules tried one at a time on a new scratch user (`ACL SETUSER probe
/// <rule>`; a channel pattern after `resetchannels`, since a new user of
/// 6.2 holds every channel), by the name of the grammar feature each stands
/// for.
pub const RULE_PROBES: &[(&str, &str)] = &[
    ("selectors", "(~sel* +get)"),
    ("clearselectors", "clearselectors"),
    ("key_read", "%R~r*"),
    ("key_write", "%W~w*"),
    ("key_read_write", "%RW~rw*"),
    ("channels", "&ch*"),
    ("allchannels", "allchannels"),
    ("resetchannels", "resetchannels"),
    ("db", "db=0"),
    ("alldbs", "alldbs"),
    ("resetdbs", "resetdbs"),
    ("subcommand_allow", "+config|get"),
    ("subcommand_deny", "-config|get"),
    ("first_arg_allow", "+select|0"),
    ("first_arg_deny", "-select|0"),
    ("sanitize_payload", "sanitize-payload"),
    ("skip_sanitize_payload", "skip-sanitize-payload"),
    (
        "hash",
        "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
    ),
    ("unknown_rule", "bogus-rule"),
    ("unknown_command", "+no-such-command"),
    ("unknown_category", "+@no-such-category"),
];

/// Rule sets rendered by `ACL LIST` (on a new user `probe` made by `ACL
/// SETUSER probe <rules…>`), so that rendering differences between
/// lines are data.
pub const RENDER_PROBES: &[&[&str]] = &[
    &[],
    &["reset"],
    &["nopass"],
    &["on", "nopass", "~*", "&*", "+@all"],
    &["+@all", "-flushall"],
    &["-@dangerous", "+client|list"],
    &["+@read", "-@write", "+set"],
    &["~a*", "~b*", "+get"],
    &["resetchannels"],
    &["allchannels"],
    &["resetchannels", "&ch*", "+publish"],
    &["+select|0", "+select|1"],
    &["+config|get", "+config|set"],
    &["-@all", "+@all", "-get", "+get"],
    &["%R~r*", "%W~w*", "+get"],
    &["(~sel* +get)"],
    &["db=0,1", "+get"],
];

fn ok(r: &Reply) -> bool {
    matches!(r, Reply::Status(s) if s == "OK")
}

/// `ACL SETUSER probe <rules…>` on a new user: `None` when accepted, else
/// the error.
fn try_rules(s: &mut Running, rules: &[&str]) -> Result<Option<String>> {
    s.cmd(&["ACL", "DELUSER", "probe"])?;
    let mut args = vec!["ACL", "SETUSER", "probe"];
    args.extend_from_slice(rules);
    let r = s.cmd(&args)?;
    Ok(if ok(&r) { None } else { Some(r.text()) })
}

/// `ACL LIST`'s line for `probe`.
fn list_line(s: &mut Running, user: &str) -> Result<Option<String>> {
    let r = s.cmd(&["ACL", "LIST"])?;
    let prefix = format!("user {user} ");
    Ok(r.array()
        .iter()
        .map(Reply::text)
        .find(|l| l.starts_with(&prefix)))
}

/// `ACL GETUSER` as a JSON object (selectors as a list of objects).
fn getuser(s: &mut Running, user: &str) -> Result<Value> {
    let r = s.cmd(&["ACL", "GETUSER", user])?;
    Ok(getuser_value(&r))
}

fn getuser_value(r: &Reply) -> Value {
    let mut m = Map::new();
    for kv in r.array().chunks(2) {
        let [k, v] = kv else { continue };
        let k = k.text();
        let val = match (k.as_str(), v) {
            ("selectors", _) => Value::Array(v.array().iter().map(getuser_value).collect()),
            (_, Reply::Array(Some(_))) => scalar(v),
            _ => scalar(v),
        };
        m.insert(k, val);
    }
    Value::Object(m)
}

/// The ACL grammar facts of this server.
fn acl(s: &mut Running, id: &Identity) -> Result<Value> {
    let mut rules = Map::new();
    for (feature, rule) in RULE_PROBES {
        let err = if rule.starts_with('&') {
            try_rules(s, &["resetchannels", rule])?
        } else {
            try_rules(s, &[rule])?
        };
        let mut o = Map::new();
        o.insert("rule".into(), json!(rule));
        o.insert("accepted".into(), json!(err.is_none()));
        if let Some(e) = err {
            o.insert("error".into(), json!(e));
        }
        rules.insert((*feature).into(), Value::Object(o));
    }
    let accepted = |f: &str| {
        rules
            .get(f)
            .and_then(|o| o.get("accepted"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let features = json!({
        "selectors": accepted("selectors"),
        "key_permissions": accepted("key_read") && accepted("key_write"),
        "channels": accepted("channels") && accepted("allchannels") && accepted("resetchannels"),
        "db_rules": accepted("db") && accepted("alldbs") && accepted("resetdbs"),
        "subcommands": accepted("subcommand_deny"),
    });

    let mut render = Vec::new();
    for set in RENDER_PROBES {
        let err = try_rules(s, set)?;
        let mut o = Map::new();
        o.insert("rules".into(), json!(set));
        match err {
            None => {
                o.insert("acl_list".into(), json!(list_line(s, "probe")?));
                o.insert("getuser".into(), getuser(s, "probe")?);
            }
            Some(e) => {
                o.insert("error".into(), json!(e));
            }
        }
        render.push(Value::Object(o));
    }

    // A user made by `ACL SETUSER name` alone: its channels follow
    // `acl-pubsub-default`.
    s.cmd(&["ACL", "DELUSER", "fresh"])?;
    s.cmd(&["ACL", "SETUSER", "fresh"])?;
    let new_user = list_line(s, "fresh")?;
    s.cmd(&["ACL", "DELUSER", "fresh"])?;
    let default_user = list_line(s, "default")?;
    let pubsub = probe::pairs(&s.cmd(&["CONFIG", "GET", "acl-pubsub-default"])?);
    let getuser_fields: Vec<String> = getuser(s, "default")?
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();

    // ACL DRYRUN's wording, with a user that may run GET on `a*` and
    // PUBLISH on `ch*` only.
    let dryrun = if try_rules(
        s,
        &[
            "on",
            "nopass",
            "~a*",
            "resetchannels",
            "&ch*",
            "+get",
            "+publish",
        ],
    )?
    .is_none()
    {
        let mut d = Map::new();
        let probes: [(&str, &[&str]); 4] = [
            ("allowed", &["get", "a1"]),
            ("command", &["set", "a1", "v"]),
            ("key", &["get", "b1"]),
            ("channel", &["publish", "other", "m"]),
        ];
        let mut supported = true;
        for (what, argv) in probes {
            let mut args = vec!["ACL", "DRYRUN", "probe"];
            args.extend_from_slice(argv);
            let r = s.cmd(&args)?;
            if r.is_error() && what == "allowed" {
                supported = false;
                d.insert("error".into(), json!(r.text()));
                break;
            }
            d.insert(what.into(), json!(r.text()));
        }
        d.insert("supported".into(), json!(supported));
        Value::Object(d)
    } else {
        json!({"supported": false})
    };
    s.cmd(&["ACL", "DELUSER", "probe"])?;

    Ok(json!({
        "server": id.product,
        "version": id.version,
        "line": id.line,
        "features": features,
        "acl_pubsub_default": pubsub.get("acl-pubsub-default"),
        "rules": rules,
        "new_user": new_user,
        "default_user": default_user,
        "getuser_fields": getuser_fields,
        "render": render,
        "dryrun": dryrun,
    }))
}
