//! One COMMAND per server build in a fleet audit.
//!
//! A server builds its COMMAND reply (about 90 KB on 7.0) from its binary's
//! command table, less the commands `rename-command` took away (a renamed
//! command keeps its own name there) and plus the commands of its modules.
//! In a 1,000-server audit, every server building, sending, and rampart
//! reading that reply was most of the servers' CPU and a fifth of rampart's
//! (bench/live-audit.sh, perf, `INFO commandstats`).
//!
//! So the first server of a [`Build`] (product, version, build id, mode,
//! protocol, ACL categories, built-in modules only) sends COMMAND as
//! before; the others of that build wait for its table and send only
//! `COMMAND LIST` (7.0+, about 6 KB), which names every command and
//! subcommand the server has: the same names on the same build is the same
//! COMMAND reply, and so the same table. Any difference (a command renamed
//! away, a module) and the server sends COMMAND itself, as does every
//! server whose build cannot be told (6.x, no build id, a module loaded
//! from a file) or whose user may not run both COMMAND and COMMAND LIST
//! ([`may_list_commands`], from the server's own ACL LIST; rampart never
//! sends a command its user is refused).

use rampart_live::Value;
use redis_acl::CommandTable;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// What decides a server's COMMAND reply besides which commands it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Build {
    product: &'static str,
    version: String,
    build_id: String,
    git_sha1: String,
    git_dirty: String,
    mode: String,
    protocol: u8,
    categories: Option<Vec<String>>,
    /// The built-in modules (`name ver path`, sorted).
    modules: Vec<String>,
}

impl Build {
    /// The build of a server from its INFO, protocol, ACL CAT and MODULE
    /// LIST; `None` when it cannot be told apart from another build.
    pub(crate) fn of(
        info: &BTreeMap<String, String>,
        protocol: u8,
        categories: Option<&[String]>,
        modules: Option<&Value>,
    ) -> Option<Build> {
        let field = |k: &str| info.get(k).cloned().unwrap_or_default();
        let (product, version) = match info.get("valkey_version") {
            Some(v) => ("valkey", v.clone()),
            None => ("redis", info.get("redis_version")?.clone()),
        };
        // COMMAND LIST is 7.0's (every Valkey has it).
        let major: u32 = version.split('.').next()?.parse().ok()?;
        if product == "redis" && major < 7 {
            return None;
        }
        let build_id = info.get("redis_build_id").filter(|b| !b.is_empty())?;
        let mode = info
            .get("redis_mode")
            .or_else(|| info.get("server_mode"))
            .filter(|m| *m != "sentinel")?;
        Some(Build {
            product,
            version,
            build_id: build_id.clone(),
            git_sha1: field("redis_git_sha1"),
            git_dirty: field("redis_git_dirty"),
            mode: mode.clone(),
            protocol,
            categories: categories.map(<[String]>::to_vec),
            modules: builtin_modules(modules?)?,
        })
    }
}

/// MODULE LIST's modules when every one is built into the server (its
/// path no file, no arguments: Valkey's `lua`, Redis 8's `vectorset`), as
/// `name ver path`, sorted; `None` when a module came from a file (a file
/// of one name may hold other commands on another host) or cannot be read.
fn builtin_modules(v: &Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for m in rampart_live::reply::sentinel_entries("MODULE LIST", v).ok()? {
        let (name, ver, path) = (m.get("name")?, m.get("ver")?, m.get("path")?);
        if path.contains('/') || m.get("args") != Some("") {
            return None;
        }
        out.push(format!("{name} {ver} {path}"));
    }
    out.sort();
    Some(out)
}

/// Whether `user` may run both COMMAND and COMMAND LIST, from its rules
/// in the server's ACL LIST, read the way Redis applies them in order.
/// Only a sure yes is yes: a category other than `@all`, a selector or an
/// unknown user is no (then COMMAND is sent as before).
pub(crate) fn may_list_commands(acl_list: &[String], user: &str) -> bool {
    let Some(rules) = acl_list.iter().find_map(|l| {
        let mut t = l.split(' ').filter(|t| !t.is_empty());
        (t.next() == Some("user") && t.next() == Some(user)).then_some(t)
    }) else {
        return false;
    };
    let (mut command, mut list) = (false, false);
    for r in rules {
        let r = r.to_ascii_lowercase();
        if r.starts_with('(') {
            return false;
        }
        match r.as_str() {
            "+@all" | "allcommands" | "+command" => (command, list) = (true, true),
            "-@all" | "nocommands" | "reset" | "-command" => (command, list) = (false, false),
            "+command|list" => list = true,
            "-command|list" => list = false,
            r if r.starts_with("+@") || r.starts_with("-@") => return false,
            _ => {}
        }
    }
    command && list
}

/// The names a table holds (every command and subcommand), sorted: what
/// the server's COMMAND LIST says when it is the same table.
fn names_of(table: &CommandTable) -> Vec<String> {
    let mut n: Vec<String> = table
        .commands()
        .iter()
        .map(|c| c.fullname.clone())
        .collect();
    n.sort_unstable();
    n
}

/// COMMAND LIST's names, in the form [`names_of`] gives (the table's names
/// are COMMAND's, lower-cased).
pub(crate) fn listed_names(v: &Value) -> Option<Vec<String>> {
    let mut n = v
        .as_list()?
        .iter()
        .map(|x| x.as_text().map(|t| t.to_ascii_lowercase()))
        .collect::<Option<Vec<String>>>()?;
    n.sort_unstable();
    Some(n)
}

enum State {
    /// One server of the build is reading COMMAND.
    Pending,
    /// The tables read so far, with their names.
    Ready(Vec<(Vec<String>, Arc<CommandTable>)>),
    /// The first server of the build could not read it: each reads its own.
    Off,
}

struct Registry {
    builds: Mutex<Vec<(Build, State)>>,
    changed: Condvar,
}

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry {
        builds: Mutex::new(Vec::new()),
        changed: Condvar::new(),
    })
}

/// At most this many builds (and tables a build) are kept.
const KEPT: usize = 16;
/// The longest a server waits for the first of its build.
const WAIT: Duration = Duration::from_secs(2);

/// What a server of `build` does.
pub(crate) enum Turn {
    /// Tables of the build are known: send COMMAND LIST and [`find`].
    Known,
    /// The first of its build: send COMMAND, then [`Claim::publish`].
    First(Claim),
    /// Send COMMAND; nothing is shared.
    Alone,
}

/// The first server's turn: dropped without a table, the build is off.
pub(crate) struct Claim {
    build: Build,
    published: bool,
}

impl Claim {
    pub(crate) fn publish(mut self, table: &Arc<CommandTable>) {
        self.published = true;
        set(
            &self.build,
            State::Ready(vec![(names_of(table), Arc::clone(table))]),
        );
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.published {
            set(&self.build, State::Off);
        }
    }
}

fn set(build: &Build, state: State) {
    let r = registry();
    if let Ok(mut b) = r.builds.lock() {
        if let Some(e) = b.iter_mut().find(|(k, _)| k == build) {
            e.1 = state;
        }
    }
    r.changed.notify_all();
}

/// This server's turn: waits (until `deadline`, at most [`WAIT`]) while
/// another server of its build reads COMMAND.
pub(crate) fn turn(build: &Build, deadline: Option<Instant>) -> Turn {
    let r = registry();
    let mut until = Instant::now() + WAIT;
    if let Some(d) = deadline {
        until = until.min(d);
    }
    let Ok(mut b) = r.builds.lock() else {
        return Turn::Alone;
    };
    loop {
        match b.iter().find(|(k, _)| k == build).map(|(_, s)| s) {
            None if b.len() < KEPT => {
                b.push((build.clone(), State::Pending));
                return Turn::First(Claim {
                    build: build.clone(),
                    published: false,
                });
            }
            None | Some(State::Off) => return Turn::Alone,
            Some(State::Ready(_)) => return Turn::Known,
            Some(State::Pending) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Turn::Alone;
                }
                b = match r.changed.wait_timeout(b, left) {
                    Ok((g, _)) => g,
                    Err(_) => return Turn::Alone,
                };
            }
        }
    }
}

/// The table of `build` whose names are `names`.
pub(crate) fn find(build: &Build, names: &[String]) -> Option<Arc<CommandTable>> {
    let b = registry().builds.lock().ok()?;
    match b.iter().find(|(k, _)| k == build).map(|(_, s)| s)? {
        State::Ready(tables) => tables
            .iter()
            .find(|(n, _)| n.as_slice() == names)
            .map(|(_, t)| Arc::clone(t)),
        _ => None,
    }
}

/// Another table of `build` (a server whose names differed read its own).
pub(crate) fn add(build: &Build, table: &Arc<CommandTable>) {
    let Ok(mut b) = registry().builds.lock() else {
        return;
    };
    if let Some((_, State::Ready(tables))) = b.iter_mut().find(|(k, _)| k == build) {
        let names = names_of(table);
        if tables.len() < KEPT && !tables.iter().any(|(n, _)| *n == names) {
            tables.push((names, Arc::clone(table)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(rules: &str) -> Vec<String> {
        vec![
            "user default on nopass ~* &* +@all".into(),
            format!("user u {rules}"),
        ]
    }

    #[test]
    fn only_a_sure_yes_is_yes() {
        let may = |r: &str| may_list_commands(&lines(r), "u");
        assert!(may_list_commands(&lines(""), "default"));
        assert!(!may_list_commands(&lines(""), "nobody"));
        assert!(may("on #ab ~* &* +@all"));
        assert!(may(
            "on resetchannels -@all +info +config|get +acl|list +acl|cat +command +client|list"
        ));
        assert!(!may("on -@all +info"));
        assert!(!may("on -@all +command|list"), "COMMAND itself is refused");
        assert!(!may("on +@all -command|list"));
        assert!(!may("on +@all -command"));
        assert!(!may("on +@all -@slow"), "a category: not sure");
        assert!(!may("on -@all +@connection"), "a category: not sure");
        assert!(!may("on -@all (+command ~*)"), "a selector: not sure");
        assert!(may("on +@all -command|docs"));
    }

    #[test]
    fn builds_are_told_apart() {
        let info = |v: &str, id: &str| -> BTreeMap<String, String> {
            [
                ("redis_version", v),
                ("redis_build_id", id),
                ("redis_mode", "standalone"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        let none = Value::Array(Vec::new());
        let b = |v: &str, id: &str| Build::of(&info(v, id), 3, None, Some(&none));
        assert!(b("7.0.15", "abc").is_some());
        assert_ne!(b("7.0.15", "abc"), b("7.0.15", "abd"));
        assert_eq!(b("6.2.14", "abc"), None, "no COMMAND LIST before 7.0");
        assert_eq!(b("7.0.15", ""), None);
        assert_eq!(Build::of(&info("7.0.15", "abc"), 3, None, None), None);
        let module = |path: &str, args: Vec<Value>| {
            Value::Array(vec![Value::Array(vec![
                Value::Bulk(b"name".to_vec()),
                Value::Bulk(b"m".to_vec()),
                Value::Bulk(b"ver".to_vec()),
                Value::Int(1),
                Value::Bulk(b"path".to_vec()),
                Value::Bulk(path.as_bytes().to_vec()),
                Value::Bulk(b"args".to_vec()),
                Value::Array(args),
            ])])
        };
        let with = |m: &Value| Build::of(&info("8.2.3", "abc"), 3, None, Some(m));
        assert!(with(&module("", vec![])).is_some(), "built in");
        assert_eq!(with(&module("/opt/m.so", vec![])), None, "from a file");
        assert_eq!(
            with(&module("", vec![Value::Bulk(b"x".to_vec())])),
            None,
            "with arguments"
        );
    }
}
