//! The live collector: one connection per server, read-only commands only
//! (HELLO/AUTH, INFO, CONFIG GET, ACL LIST, CLIENT LIST, CLIENT ID, CLUSTER
//! NODES, MODULE LIST), plus a second connection without credentials for the
//! unauthenticated probe. Secrets in CONFIG GET are replaced by `***` before
//! anything is stored.

use crate::Accounts;
use rampart_checks::{
    AclFacts, AclOrigin, Avail, LiveFacts, ProcFacts, ProcessInfo, Source, UnauthProbe, UserEntry,
};
use rampart_live::reply::{self, ClientList, ClusterNodes, Info};
use rampart_live::{ConnectOptions, Connection, Credentials, Endpoint, LiveError, RawReply, Value};
use redis_acl::User;
use std::collections::BTreeMap;

/// Every command the live audit sends, for the read-only guarantee (a test
/// compares it with the server's command statistics).
pub const COMMANDS_SENT: &[&str] = &[
    "hello",
    "auth",
    "info",
    "config|get",
    "acl|list",
    "client|list",
    "client|id",
    "cluster|nodes",
    "module|list",
    "ping",
    "command",
    "command|list",
    "acl|cat",
    "sentinel|masters",
    "sentinel|replicas",
    "sentinel|sentinels",
];

/// What the live collector gathered.
pub struct LiveCollection {
    pub live: Avail<LiveFacts>,
    pub acl: Avail<AclFacts>,
    pub proc: Avail<ProcFacts>,
    /// INFO server's `config_file`, when the server names one.
    pub config_file: Option<String>,
    /// The servers this one names (cluster nodes, replicas, its master, a
    /// Sentinel's masters, replicas and peers), for topology discovery.
    pub peers: Vec<crate::topology::Peer>,
    /// Nodes it names that discovery does not follow, with why.
    pub skipped: Vec<crate::topology::Skipped>,
}

fn error_text(v: &Value) -> Option<String> {
    v.as_error().map(|e| e.chars().take(200).collect())
}

/// `NOPERM ...`, `ERR unknown command ...` (renamed or disabled), ...
fn why_not(cmd: &str, e: &str) -> String {
    if e.starts_with("ERR unknown command") {
        format!("{cmd} is renamed or disabled on this server ({e})")
    } else {
        format!("{cmd} failed: {e}")
    }
}

/// A reply as JSON, for key specs: RESP3 maps and RESP2 flat pair arrays
/// become objects (`flags` stays a list).
fn spec_json(v: &Value, pairs_mode: bool) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Map(m) => J::Object(
            m.iter()
                .filter_map(|(k, v)| {
                    let k = k.as_text()?;
                    let inner = if k == "flags" {
                        spec_json(v, false)
                    } else {
                        spec_json(v, true)
                    };
                    Some((k, inner))
                })
                .collect(),
        ),
        Value::Array(a) | Value::Set(a)
            if pairs_mode
                && a.len() % 2 == 0
                && a.iter()
                    .step_by(2)
                    .all(|k| matches!(k, Value::Simple(_) | Value::Bulk(_)))
                && !a.is_empty() =>
        {
            J::Object(
                a.chunks(2)
                    .filter_map(|kv| {
                        let k = kv[0].as_text()?;
                        let inner = if k == "flags" {
                            spec_json(&kv[1], false)
                        } else {
                            spec_json(&kv[1], true)
                        };
                        Some((k, inner))
                    })
                    .collect(),
            )
        }
        Value::Array(a) | Value::Set(a) => {
            J::Array(a.iter().map(|x| spec_json(x, false)).collect())
        }
        Value::Int(i) => J::from(*i),
        Value::Nil => J::Null,
        other => J::from(other.as_text().unwrap_or_default()),
    }
}

/// One COMMAND entry as the command table's data.
fn command_data(v: &Value) -> Option<redis_acl::CommandData> {
    let a = v.as_list()?;
    let int = |i: usize| match a.get(i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let strings = |i: usize| -> Vec<String> {
        a.get(i)
            .and_then(|x| x.as_list())
            .map(|l| l.iter().filter_map(Value::as_text).collect())
            .unwrap_or_default()
    };
    let mut subcommands: Vec<redis_acl::CommandData> = a
        .get(9)
        .and_then(|x| x.as_list())
        .map(|l| l.iter().filter_map(command_data).collect())
        .unwrap_or_default();
    subcommands.sort_by(|x, y| x.name.cmp(&y.name));
    Some(redis_acl::CommandData {
        name: a.first()?.as_text()?.to_ascii_lowercase(),
        arity: int(1)?,
        flags: strings(2),
        categories: strings(6)
            .into_iter()
            .map(|c| c.trim_start_matches('@').to_string())
            .collect(),
        first_key: int(3)?,
        last_key: int(4)?,
        step: int(5)?,
        key_specs: a
            .get(8)
            .and_then(|x| x.as_list())
            .map(|l| l.iter().map(|x| spec_json(x, true)).collect())
            .unwrap_or_default(),
        subcommands,
    })
}

/// The server's own command table, from COMMAND and ACL CAT.
fn server_table(
    info: &BTreeMap<String, String>,
    commands: &Value,
    categories: Option<&Value>,
) -> Option<redis_acl::CommandTable> {
    let mut cmds: Vec<redis_acl::CommandData> = commands
        .as_list()?
        .iter()
        .filter_map(command_data)
        .collect();
    if cmds.is_empty() {
        return None;
    }
    cmds.sort_by(|x, y| x.name.cmp(&y.name));
    let categories: Vec<String> = match categories.and_then(Value::as_list) {
        Some(l) => l.iter().filter_map(Value::as_text).collect(),
        None => {
            fn walk(c: &redis_acl::CommandData, out: &mut std::collections::BTreeSet<String>) {
                out.extend(c.categories.iter().cloned());
                for s in &c.subcommands {
                    walk(s, out);
                }
            }
            let mut all = std::collections::BTreeSet::new();
            for c in &cmds {
                walk(c, &mut all);
            }
            all.into_iter().collect()
        }
    };
    let (server, version) = product_version(info);
    Some(redis_acl::CommandTable::from_data(
        redis_acl::CommandTableData {
            server: server.into(),
            version,
            categories,
            commands: cmds,
        },
    ))
}

/// Users from ACL LIST lines (`user <name> <rules...>`), judged with the
/// server's own command table when there is one.
pub fn users_from_acl_list_with(
    endpoint: &str,
    lines: &[String],
    table: &redis_acl::CommandTable,
) -> AclFacts {
    users_from_acl_list_impl(endpoint, lines, table)
}

/// Users from ACL LIST lines (`user <name> <rules...>`).
pub fn users_from_acl_list(endpoint: &str, lines: &[String]) -> AclFacts {
    users_from_acl_list_impl(endpoint, lines, redis_acl::CommandTable::redis_7_0())
}

fn users_from_acl_list_impl(
    endpoint: &str,
    lines: &[String],
    table: &redis_acl::CommandTable,
) -> AclFacts {
    let mut users = Vec::new();
    let mut problems = Vec::new();
    for line in lines {
        let mut tokens = line.split(' ').filter(|t| !t.is_empty());
        if tokens.next() != Some("user") {
            continue;
        }
        let Some(name) = tokens.next() else { continue };
        let rules: Vec<&str> = tokens.collect();
        let mut user = User::new(name);
        if let Err(e) = user.apply_tokens_with(table, &rules) {
            let span = redis_conf::Span {
                file: std::path::Path::new(&format!("ACL LIST on {endpoint}")).into(),
                line: 0,
            };
            problems.push((span, format!("user {name}: {e}")));
            continue;
        }
        users.push(UserEntry {
            user,
            span: None,
            source: Source::Live,
        });
    }
    let default_implicit = !users.iter().any(|u| u.user.name == "default");
    AclFacts {
        origin: AclOrigin::Live(endpoint.to_string()),
        users,
        default_implicit,
        problems,
    }
}

/// Try a command with no credentials on a fresh connection.
pub fn unauth_probe(ep: &Endpoint, opts: &ConnectOptions) -> UnauthProbe {
    let mut c = match Connection::connect(ep, opts) {
        Ok(c) => c,
        Err(e) => return UnauthProbe::Failed(e.to_string()),
    };
    match c.cmd(&["PING"]) {
        Ok(Value::Error(e)) => UnauthProbe::Refused(e.chars().take(120).collect()),
        Ok(v) => UnauthProbe::Open(format!(
            "PING answered {}",
            v.as_text().unwrap_or_else(|| "a reply".into())
        )),
        Err(e) => UnauthProbe::Failed(e.to_string()),
    }
}

fn is_local(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The server process on this host, from INFO's process_id.
fn local_process(
    ep: &Endpoint,
    info: &BTreeMap<String, String>,
    accounts: &Accounts,
) -> Avail<ProcFacts> {
    if !is_local(&ep.host) {
        return Avail::absent(format!(
            "{} is not on this host: its process cannot be inspected",
            ep.host
        ));
    }
    let Some(pid) = info.get("process_id").and_then(|p| p.parse::<u32>().ok()) else {
        return Avail::absent("INFO did not give a process_id");
    };
    let dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    let status = match std::fs::read_to_string(dir.join("status")) {
        Ok(s) => s,
        Err(e) => {
            // A container or another PID namespace: the pid is not ours to see.
            return Avail::absent(format!(
                "process {pid} (from INFO) is not visible in /proc here: {e}"
            ));
        }
    };
    let uid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok());
    let Some(uid) = uid else {
        return Avail::Failed(format!("cannot read the uid of process {pid}"));
    };
    let comm = std::fs::read_to_string(dir.join("comm"))
        .unwrap_or_default()
        .trim()
        .to_string();
    Avail::Present(ProcFacts {
        processes: vec![ProcessInfo {
            pid,
            uid,
            user: accounts.user(uid),
            exe: comm,
            cmdline: String::new(),
            listening: crate::procs::listening_of(pid),
        }],
    })
}

/// [`local_process`], remembered for a few seconds per process (its pid
/// and start time): a fleet audit reaches one process through many
/// addresses, and each look re-reads /proc/net/tcp, which is large (and
/// slow for the kernel to write) on a host with thousands of connections.
/// Measured with bench/fleet-silent.sh.
fn local_process_cached(ep: &Endpoint, info: &BTreeMap<String, String>) -> Avail<ProcFacts> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};
    type Cache = HashMap<(u32, String), (Instant, Avail<ProcFacts>)>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    const FRESH: Duration = Duration::from_secs(10);
    let pid = info.get("process_id").and_then(|p| p.parse::<u32>().ok());
    let (Some(pid), true) = (pid, is_local(&ep.host)) else {
        return local_process(ep, info, &Accounts::load(std::path::Path::new("/")));
    };
    // The start time (field 22 of /proc/PID/stat) tells a reused pid apart.
    let start = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(19).map(str::to_string))
        })
        .unwrap_or_default();
    let key = (pid, start);
    let Ok(mut cache) = CACHE.get_or_init(|| Mutex::new(HashMap::new())).lock() else {
        return local_process(ep, info, &Accounts::load(std::path::Path::new("/")));
    };
    if let Some((at, facts)) = cache.get(&key) {
        if at.elapsed() < FRESH {
            return facts.clone();
        }
    }
    let facts = local_process(ep, info, &Accounts::load(std::path::Path::new("/")));
    cache.retain(|_, (at, _)| at.elapsed() < FRESH);
    cache.insert(key, (Instant::now(), facts.clone()));
    facts
}

/// The dpkg version of the package that owns the server's executable, for
/// servers on this host (Debian backports fixes without changing the
/// upstream version, so VER001 needs it). `None` when not a dpkg system.
/// Reads dpkg's database files directly (no `dpkg-query` process) and
/// caches per executable: a fleet on one host shares one binary.
fn local_package_version(ep: &Endpoint, info: &BTreeMap<String, String>) -> Option<String> {
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<BTreeMap<String, Option<String>>>> = OnceLock::new();
    if !is_local(&ep.host) {
        return None;
    }
    // /proc/<pid>/exe is the binary really running; INFO's `executable` is
    // argv[0] joined to the start directory, which may not exist.
    let from_proc = info
        .get("process_id")
        .and_then(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok());
    let exe = match from_proc {
        Some(p) => p,
        None => std::path::PathBuf::from(info.get("executable").filter(|e| e.starts_with('/'))?),
    };
    let real = std::fs::canonicalize(&exe).unwrap_or(exe);
    let key = real.to_string_lossy().into_owned();
    // Looked up under the lock: a fleet's workers asking at once wait for
    // one look instead of each reading dpkg's file lists.
    let Ok(mut c) = CACHE.get_or_init(|| Mutex::new(BTreeMap::new())).lock() else {
        return dpkg_owner_version(&real);
    };
    if let Some(v) = c.get(&key) {
        return v.clone();
    }
    let v = dpkg_owner_version(&real);
    c.insert(key, v.clone());
    v
}

/// The package among the usual Redis/Valkey ones whose file list holds
/// `exe`, and its installed version from /var/lib/dpkg/status.
fn dpkg_owner_version(exe: &std::path::Path) -> Option<String> {
    const CANDIDATES: &[&str] = &[
        "redis-server",
        "redis-sentinel",
        "redis-tools",
        "valkey-server",
        "valkey-sentinel",
        "valkey-tools",
    ];
    let exe = exe.to_string_lossy();
    let pkg = CANDIDATES.iter().find(|p| {
        std::fs::read_to_string(format!("/var/lib/dpkg/info/{p}.list"))
            .map(|l| {
                l.lines().any(|f| {
                    f == exe || std::fs::canonicalize(f).is_ok_and(|c| c.to_string_lossy() == exe)
                })
            })
            .unwrap_or(false)
    })?;
    let status = std::fs::read_to_string("/var/lib/dpkg/status").ok()?;
    let stanza = status
        .split("\n\n")
        .find(|s| s.lines().any(|l| l == format!("Package: {pkg}")))?;
    stanza
        .lines()
        .find_map(|l| l.strip_prefix("Version: "))
        .map(str::to_string)
}

/// A server whose INFO could not be read: nothing of it is judged (an
/// empty INFO would read as "not a replica", "no TLS", ...).
fn info_unread(endpoint: &str, why: &str) -> LiveCollection {
    LiveCollection {
        live: Avail::Failed(format!(
            "{endpoint}: {why}: nothing can be judged without it"
        )),
        acl: Avail::Failed(format!("no users: {why}")),
        proc: Avail::absent("INFO could not be read"),
        config_file: None,
        peers: Vec::new(),
        skipped: Vec::new(),
    }
}

/// Connect, authenticate and collect everything the live checks read.
/// Send `args`; an error reply is `Err` with why (renamed, refused, ...).
fn run(c: &mut Connection, args: &[&str]) -> Result<Value, String> {
    match c.cmd(args) {
        Ok(v) => match error_text(&v) {
            Some(e) => Err(why_not(&args.join(" "), &e)),
            None => Ok(v),
        },
        Err(e) => Err(e.to_string()),
    }
}

/// The server's command table from COMMAND and ACL CAT: the table of
/// another server of its build when its COMMAND LIST names the same
/// commands ([`crate::shared_table`]), else read from its own COMMAND
/// ([`read_command_table`]).
fn command_table(
    c: &mut Connection,
    info: &BTreeMap<String, String>,
    share: &Share<'_>,
) -> Option<std::sync::Arc<redis_acl::CommandTable>> {
    use crate::shared_table::{self, Turn};
    let cats = run(c, &["ACL", "CAT"]).ok();
    let categories: Option<Vec<String>> = cats
        .as_ref()
        .and_then(Value::as_list)
        .map(|l| l.iter().filter_map(Value::as_text).collect());
    // Servers of one build share one COMMAND (crate::shared_table).
    let build = shared_table::Build::of(info, share.protocol, categories.as_deref(), share.modules)
        .filter(|_| {
            share
                .acl_list
                .is_some_and(|l| shared_table::may_list_commands(l, share.user))
        });
    let turn = match &build {
        Some(b) => shared_table::turn(b, share.deadline),
        None => Turn::Alone,
    };
    if let (Turn::Known, Some(b)) = (&turn, &build) {
        let names = run(c, &["COMMAND", "LIST"])
            .ok()
            .and_then(|v| shared_table::listed_names(&v));
        if let Some(t) = names.and_then(|n| shared_table::find(b, &n)) {
            return Some(t);
        }
    }
    let table = read_command_table(c, info, cats.as_ref(), categories);
    match (turn, &table, &build) {
        (Turn::First(claim), Some(t), _) => claim.publish(t),
        (Turn::Known, Some(t), Some(b)) => shared_table::add(b, t),
        _ => {}
    }
    table
}

/// What decides whether a server's COMMAND may be shared: its protocol,
/// MODULE LIST, the user logged in as and what ACL LIST says it may run,
/// and how long the target may wait for another server's table.
struct Share<'a> {
    protocol: u8,
    modules: Option<&'a Value>,
    user: &'a str,
    acl_list: Option<&'a [String]>,
    deadline: Option<std::time::Instant>,
}

/// The server's command table from its own COMMAND reply (and ACL CAT's
/// `categories`), shared with every other server of this process whose
/// replies are the same bytes.
///
/// A fleet runs a handful of builds: building the table anew for each of
/// 1,000 servers (7,500 reply elements, then the table) was half the CPU
/// and most of the memory of a fleet audit (bench/live-audit.sh, perf). The
/// reply is read as bytes and compared whole, so a server with a module or
/// a renamed command gets a table of its own.
fn read_command_table(
    c: &mut Connection,
    info: &BTreeMap<String, String>,
    cats: Option<&Value>,
    categories: Option<Vec<String>>,
) -> Option<std::sync::Arc<redis_acl::CommandTable>> {
    use std::sync::{Arc, Mutex, OnceLock};
    struct Seen {
        product: String,
        version: String,
        categories: Option<Vec<String>>,
        commands: Vec<u8>,
        table: Arc<redis_acl::CommandTable>,
    }
    static SEEN: OnceLock<Mutex<Vec<Seen>>> = OnceLock::new();
    // A few builds per fleet; a bound on what is kept all the same.
    const KEPT: usize = 8;
    let bytes = match c.cmd_raw(&["COMMAND"]).ok()? {
        RawReply::Bytes(b) => b,
        // An error (refused, renamed) or a reply that is no table.
        RawReply::Value(_) => return None,
    };
    // Servers list their commands (and subcommands) in their dictionaries'
    // order, which a random hash seed decides: compared in a sorted form.
    let key = canonical_commands(&bytes);
    let (product, version) = product_version(info);
    let same = |s: &Seen| {
        s.product == product
            && s.version == version
            && s.categories == categories
            && key.as_ref().is_some_and(|k| *k == s.commands)
    };
    let seen = SEEN.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(list) = seen.lock() {
        if let Some(s) = list.iter().find(|s| same(s)) {
            return Some(Arc::clone(&s.table));
        }
    }
    let cmds = c.parse_raw(&bytes).ok()?;
    let table = Arc::new(server_table(info, &cmds, cats)?);
    drop(cmds);
    let Ok(mut list) = seen.lock() else {
        return Some(table);
    };
    // Another worker may have built the same table meanwhile: one is kept.
    if let Some(s) = list.iter().find(|s| same(s)) {
        return Some(Arc::clone(&s.table));
    }
    let Some(key) = key else {
        return Some(table);
    };
    if list.len() >= KEPT {
        list.remove(0);
    }
    list.push(Seen {
        product: product.to_string(),
        version,
        categories,
        commands: key,
        table: Arc::clone(&table),
    });
    Some(table)
}

/// COMMAND's reply with its entries, and each entry's subcommands (its
/// tenth field), in byte order: the same for two servers with the same
/// commands whatever order their dictionaries gave. `None` when the reply
/// does not have COMMAND's shape (then nothing is shared).
fn canonical_commands(bytes: &[u8]) -> Option<Vec<u8>> {
    use rampart_live::resp::elements;
    let (head, commands) = elements(bytes)?;
    let mut entries: Vec<Vec<u8>> = Vec::with_capacity(commands.len());
    for span in commands {
        let entry = &bytes[span];
        let (entry_head, fields) = elements(entry)?;
        let mut out = entry[..entry_head].to_vec();
        for (i, f) in fields.into_iter().enumerate() {
            let field = &entry[f];
            if i == 9 {
                let (sub_head, subs) = elements(field)?;
                let mut subs: Vec<&[u8]> = subs.into_iter().map(|r| &field[r]).collect();
                subs.sort_unstable();
                out.extend_from_slice(&field[..sub_head]);
                subs.iter().for_each(|s| out.extend_from_slice(s));
            } else {
                out.extend_from_slice(field);
            }
        }
        entries.push(out);
    }
    entries.sort_unstable();
    let mut key = bytes[..head].to_vec();
    entries.iter().for_each(|e| key.extend_from_slice(e));
    Some(key)
}

/// The product and version INFO reports (`valkey_version` first).
fn product_version(info: &BTreeMap<String, String>) -> (&'static str, String) {
    match info.get("valkey_version") {
        Some(v) => ("valkey", v.clone()),
        None => (
            "redis",
            info.get("redis_version").cloned().unwrap_or_default(),
        ),
    }
}

// One connection's questions in the order a server answers them, each
// reply into its fact; split further, the order would be harder to see.
#[allow(clippy::too_many_lines)]
pub fn collect_live(ep: &Endpoint, creds: &Credentials, opts: &ConnectOptions) -> LiveCollection {
    let failed = |e: LiveError| LiveCollection {
        live: Avail::Failed(e.to_string()),
        acl: Avail::Failed(format!("no users: {e}")),
        proc: Avail::absent("the server could not be reached"),
        config_file: None,
        peers: Vec::new(),
        skipped: Vec::new(),
    };
    let mut c = match Connection::connect(ep, opts) {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    let hello = match c.hello(creds) {
        Ok(h) => h,
        Err(e) => return failed(e),
    };
    let endpoint = ep.to_string();
    let info_reply = match run(&mut c, &["INFO", "all"]) {
        Ok(v) => match v.into_text() {
            Some(t) => Info::parse(&t),
            // Nothing is judged on an INFO that could not be read: an
            // empty one would read as "not a replica", "no TLS", ...
            None => return info_unread(&endpoint, "INFO did not answer with text"),
        },
        Err(e) if e.contains("NOAUTH") => {
            return LiveCollection {
                live: Avail::Failed(format!("{endpoint}: authentication required: give --user and a password (REDISCLI_AUTH, --pass-file or --askpass)")),
                acl: Avail::Failed("no users: not authenticated".into()),
                proc: Avail::absent("not authenticated"),
                config_file: None,
                peers: Vec::new(),
                skipped: Vec::new(),
            }
        }
        Err(e) => return info_unread(&endpoint, &format!("INFO failed: {e}")),
    };
    let info = info_reply.to_map();
    let mut masterauth_sha256 = None;
    let sentinel = info.get("redis_mode").map(String::as_str) == Some("sentinel");
    let config = if sentinel {
        Err("a Sentinel has no CONFIG command (its settings are in sentinel.conf and SENTINEL CONFIG GET)".to_string())
    } else {
        run(&mut c, &["CONFIG", "GET", "*"])
    }
    .and_then(|v| {
        let pairs = reply::config_pairs(&v).map_err(|e| e.to_string())?;
        Ok(pairs
            .into_iter()
            .map(|(k, value)| {
                // Kept only as the hash Redis itself would store, to check
                // it against the master's users (ACL010); never shown.
                if (k == "masterauth" || k == "primaryauth") && !value.is_empty() {
                    masterauth_sha256 = Some(redis_acl::hash_password(value.as_bytes()));
                }
                let value = if redis_conf::SECRET_CONFIGS.contains(&k.as_str()) && !value.is_empty() {
                    "***".to_string()
                } else {
                    value
                };
                (k, value)
            })
            .collect::<BTreeMap<_, _>>())
    });
    let acl_list =
        run(&mut c, &["ACL", "LIST"]).and_then(|v| reply::acl_list(&v).map_err(|e| e.to_string()));
    // The loaded modules decide the module advisories (VER001). A
    // Sentinel has no MODULE command: its modules stay unknown, with why.
    // Asked before COMMAND: they decide whether COMMAND can be shared.
    let module_list = run(&mut c, &["MODULE", "LIST"]);
    // The server's own command table (its version and modules) for the
    // ACL checks; without the right to read it, the built-in table is used.
    // ACL CAT may be refused (or ACL disabled with rename-command): the
    // categories the commands carry stand in for its list.
    let user = creds.user.as_deref().unwrap_or("default");
    let command_table = command_table(
        &mut c,
        &info,
        &Share {
            protocol: hello.protocol,
            modules: module_list.as_ref().ok(),
            user,
            acl_list: acl_list.as_deref().ok(),
            deadline: opts.deadline,
        },
    );
    // A module without a name or a readable `ver` makes the list
    // unreadable: never a module of version 0.0.0, never one left out.
    let modules = module_list.and_then(|v| {
        reply::sentinel_entries("MODULE LIST", &v)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|m| {
                let name = m.get("name").filter(|n| !n.is_empty());
                match (name, m.get("ver").and_then(|v| v.parse().ok())) {
                    (Some(name), Some(ver)) => Ok(rampart_checks::LoadedModule {
                        name: name.to_string(),
                        ver,
                    }),
                    (None, _) => Err("MODULE LIST lists a module without a name".to_string()),
                    (Some(name), None) => Err(format!(
                        "MODULE LIST gives module {name} no readable ver ({:?})",
                        m.get("ver").unwrap_or("")
                    )),
                }
            })
            .collect::<Result<Vec<_>, String>>()
    });
    let my_id = run(&mut c, &["CLIENT", "ID"])
        .ok()
        .and_then(|v| v.as_text());
    let clients = run(&mut c, &["CLIENT", "LIST"]).and_then(|v| {
        let text = v
            .into_text()
            .ok_or_else(|| "CLIENT LIST did not answer with text".to_string())?;
        Ok(ClientList::parse(&text)
            .entries
            .into_iter()
            .filter(|c| c.get("id") != my_id.as_deref())
            .map(|c| c.to_map())
            .collect::<Vec<_>>())
    });
    let cluster_nodes = (info.get("cluster_enabled").map(String::as_str) == Some("1")).then(|| {
        run(&mut c, &["CLUSTER", "NODES"]).and_then(|v| {
            v.into_text()
                .ok_or_else(|| "CLUSTER NODES did not answer with text".to_string())
        })
    });
    let mut view = crate::topology::NodeView {
        info: info_reply,
        cluster: cluster_nodes
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|t| ClusterNodes::parse(t)),
        sentinel: Default::default(),
    };
    // A Sentinel: what it monitors, and its peers.
    let mut live_sentinel = None;
    let mut unread = Vec::new();
    if info.get("redis_mode").map(String::as_str) == Some("sentinel") {
        // Unset or unknown there: ""; a reply of another shape: why not.
        let get = |c: &mut Connection, name: &str| {
            let v = run(c, &["SENTINEL", "CONFIG", "GET", name])?;
            reply::config_lookup(&v, name)
                .map(Option::unwrap_or_default)
                .map_err(|e| e.to_string())
        };
        let myid = run(&mut c, &["SENTINEL", "MYID"]).and_then(|v| {
            v.as_text()
                .ok_or_else(|| reply::ReplyError::of("SENTINEL MYID", &v).to_string())
        });
        let sentinel_user = get(&mut c, "sentinel-user");
        // Only whether it is set: the value is a password.
        let sentinel_pass_set = get(&mut c, "sentinel-pass").map(|p| !p.is_empty());
        let entries = |c: &mut Connection, command: &'static str, args: &[&str]| {
            run(c, args)
                .and_then(|v| reply::sentinel_entries(command, &v).map_err(|e| e.to_string()))
        };
        let masters = entries(&mut c, "SENTINEL MASTERS", &["SENTINEL", "MASTERS"]);
        let mut ls = rampart_checks::LiveSentinel {
            myid,
            sentinel_user,
            sentinel_pass_set,
            masters: masters.as_ref().map_err(Clone::clone).map(|list| {
                list.iter()
                    .filter_map(|m| {
                        let (n, ip, port) = (m.name()?, m.get("ip")?, m.get("port")?);
                        Some(rampart_checks::SentinelMaster {
                            name: n.to_string(),
                            addr: format!("{ip}:{port}"),
                            login_user: None,
                            quorum: m.get("quorum").and_then(|q| q.parse().ok()),
                            sentinels: None,
                        })
                    })
                    .collect()
            }),
        };
        let masters = masters.unwrap_or_else(|why| {
            // CLU001 and ACL011 say it too; discovery lists it.
            unread.push(crate::topology::Skipped {
                name: "the masters it monitors".into(),
                from: ep.to_string(),
                via: crate::topology::Via::SentinelMasters,
                why,
            });
            Vec::new()
        });
        for m in &masters {
            let Some(name) = m.name() else { continue };
            match entries(&mut c, "SENTINEL REPLICAS", &["SENTINEL", "REPLICAS", name]) {
                Ok(r) => view.sentinel.replicas.extend(r),
                // Discovery cannot follow them: said beside the peers.
                Err(why) => unread.push(crate::topology::Skipped {
                    name: format!("the replicas of {name}"),
                    from: ep.to_string(),
                    via: crate::topology::Via::SentinelReplicas,
                    why,
                }),
            }
            // The Sentinels this one counts for the master (CLU001).
            let peers = entries(
                &mut c,
                "SENTINEL SENTINELS",
                &["SENTINEL", "SENTINELS", name],
            );
            if let Some(sm) = ls
                .masters
                .as_mut()
                .ok()
                .and_then(|l| l.iter_mut().find(|x| x.name == name))
            {
                sm.sentinels = Some(peers.as_ref().map_err(Clone::clone).map(|l| {
                    l.iter()
                        .map(|p| {
                            format!(
                                "{}:{}",
                                p.get("ip").unwrap_or("?"),
                                p.get("port").unwrap_or("?")
                            )
                        })
                        .collect()
                }));
            }
            if let Ok(l) = peers {
                view.sentinel.sentinels.extend(l);
            }
        }
        view.sentinel.masters = masters;
        live_sentinel = Some(ls);
    }
    let (mut known, mut skipped) = crate::topology::peers(ep, &view);
    skipped.extend(unread);
    known.sort_by_key(|p| p.endpoint.to_string());
    known.dedup_by_key(|p| p.endpoint.to_string());
    let peers: Vec<String> = known.iter().map(|p| p.endpoint.to_string()).collect();
    drop(c);
    let unauth = Some(unauth_probe(ep, opts));
    // TLS001: try plaintext on every port that should not speak it.
    let mut plaintext_probes = Vec::new();
    if let Ok(cfg) = &config {
        let port = cfg
            .get("port")
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(0);
        let tls_port = cfg
            .get("tls-port")
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(0);
        if tls_port != 0 && port != 0 {
            let plain = Endpoint {
                host: ep.host.clone(),
                port,
                tls: false,
            };
            let probe_opts = ConnectOptions {
                tls: Default::default(),
                ..opts.clone()
            };
            plaintext_probes.push((port, unauth_probe(&plain, &probe_opts)));
        }
    }
    let proc = local_process_cached(ep, &info);
    let config_file = info.get("config_file").filter(|f| !f.is_empty()).cloned();
    let info_for_pkg = info.clone();
    let acl = match &acl_list {
        Ok(lines) => Avail::Present(match &command_table {
            Some(t) => users_from_acl_list_with(&endpoint, lines, t),
            // No COMMAND for the auditor: the shipped table of its line.
            None => {
                let (product, version) = product_version(&info);
                let table = redis_acl::CommandTable::builtin(product, &version).table;
                users_from_acl_list_with(&endpoint, lines, table)
            }
        }),
        Err(e) => Avail::Absent(format!(
            "ACL LIST not available ({e}); users come from the files"
        )),
    };
    LiveCollection {
        live: Avail::Present(LiveFacts {
            endpoint,
            protocol: hello.protocol,
            info,
            config,
            acl_list,
            clients,
            cluster_nodes,
            unauth,
            plaintext_probes,
            peers,
            masterauth_sha256,
            command_table,
            modules,
            package_version: local_package_version(ep, &info_for_pkg),
            value_sample: None,
            sentinel: live_sentinel,
        }),
        acl,
        proc,
        config_file,
        peers: known,
        skipped,
    }
}
