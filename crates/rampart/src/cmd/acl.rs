//! `rampart acl`: effective ACL permissions from the ACL file or redis.conf
//! `user` lines: `can`, `who-can`, `review`, `diff`, `hash`,
//! `migrate-hashes`. The permission logic lives in `redis_acl::engine`;
//! this module loads users ([`UserSource`]), asks, and renders.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use redis_acl::review::{Reviewer, UserReview};
use redis_acl::{
    hash_password, sdssplitargs, AclFile, CommandTable, CompiledUser, Engine, GrantKind, Rule,
    User, UserDef,
};
use redis_conf::{Config, LoadOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `rampart acl [--server-version NAME] <subcommand>`.
#[derive(Debug, Args)]
pub struct AclArgs {
    /// The server the rules are for (`--table` is the older spelling).
    #[arg(
        long = "server-version",
        visible_alias = "table",
        global = true,
        value_name = "NAME",
        default_value = "redis-7.0",
        long_help = server_version_help()
    )]
    pub table: String,
    #[command(subcommand)]
    pub command: AclCommand,
}

#[derive(Debug, Subcommand)]
pub enum AclCommand {
    /// May USER run COMMAND ARGS...? Allowed or denied, and why (exit 0 allowed, 1 denied).
    Can(CanArgs),
    /// Which users can run COMMAND ARGS..., reach a key or channel, or hold a category.
    WhoCan(WhoCanArgs),
    /// Per user: state, password kind, dangerous commands, key/channel reach, what could be dropped.
    Review(ReviewArgs),
    /// What each user gains or loses between two ACL sets (files), in permissions.
    Diff(DiffArgs),
    /// Read a password without echo and print its `#<sha256>` rule.
    Hash,
    /// Rewrite `>password` rules to `#<sha256>` (and `<password` to `!<sha256>`), keeping every other byte.
    MigrateHashes(MigrateArgs),
}

/// Where the users come from.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// redis.conf: its `user` lines, `requirepass`, or the `aclfile` it names.
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// External ACL file (wins over the config's `aclfile`).
    #[arg(long, value_name = "FILE")]
    pub aclfile: Option<PathBuf>,
    /// A live server instead of files: its `ACL LIST`, judged with its own
    /// command table (COMMAND). `redis://[user@]host:port` or `rediss://`;
    /// the password from REDISCLI_AUTH or --pass-file.
    #[arg(long, value_name = "URI", conflicts_with_all = ["config", "aclfile"])]
    pub target: Option<String>,
    /// Read the live server's password from the first line of FILE.
    #[arg(long, value_name = "FILE", requires = "target")]
    pub pass_file: Option<PathBuf>,
    /// With a `rediss://` target: CA bundle to verify the server with.
    #[arg(long, value_name = "FILE", requires = "target")]
    pub cacert: Option<PathBuf>,
    /// With a `rediss://` target: do not verify its certificate.
    #[arg(long, requires = "target")]
    pub insecure: bool,
    /// The server's `databases` setting, for Valkey's database rules
    /// (FLUSHALL needs every database; a db argument past it is not
    /// checked). Default: the config's or live server's `databases`, else 16.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub databases: Option<u32>,
}

/// `--db N` or `--db any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbArg {
    Id(u32),
    Any,
}

fn parse_db(s: &str) -> std::result::Result<DbArg, String> {
    if s.eq_ignore_ascii_case("any") {
        return Ok(DbArg::Any);
    }
    s.parse::<u32>()
        .map(DbArg::Id)
        .map_err(|_| format!("'{s}' is not a database number or 'any'"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AclFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Many queries: one `USER COMMAND ARGS...` per line, quoted as in redis.conf; one JSON object per line out.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["user", "command"])]
    pub batch: Option<PathBuf>,
    /// The connection's current database, for Valkey's `db=` rules: a
    /// number (default 0, where every connection starts and what ACL
    /// DRYRUN on a fresh connection answers) or `any` (allowed in some
    /// database). Tables without database rules (Redis) ignore it.
    #[arg(long, value_name = "N|any", value_parser = parse_db, default_value = "0")]
    pub db: DbArg,
    #[arg(short = 'f', long, value_enum, default_value_t = AclFormat::Text)]
    pub format: AclFormat,
    /// The user.
    #[arg(required_unless_present = "batch")]
    pub user: Option<String>,
    /// The command and its arguments (`GET key`, `CONFIG SET x y`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required_unless_present = "batch"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Users that can read (or, with --write, write) this key with some command.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// With --key: write access.
    #[arg(long, requires = "key")]
    pub write: bool,
    /// Users that can publish or subscribe to this channel.
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Users that can run commands of this category (`@dangerous`).
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,
    /// For Valkey's `db=` rules: who can in this database (the
    /// connection's current one), or `any` (default: in some database).
    #[arg(long, value_name = "N|any", value_parser = parse_db, default_value = "any")]
    pub db: DbArg,
    #[arg(short = 'f', long, value_enum, default_value_t = AclFormat::Text)]
    pub format: AclFormat,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[arg(short = 'f', long, value_enum, default_value_t = AclFormat::Text)]
    pub format: AclFormat,
    /// Record in rampart's history that the users were reviewed now (MNT001
    /// in the audit reads it).
    #[arg(long)]
    pub record: bool,
    /// The name the review is recorded under: `host:port` as the audit
    /// names a live server (default: the --config file's path, the name of
    /// a files-only audit).
    #[arg(long, value_name = "NAME", requires = "record")]
    pub server: Option<String>,
    /// The history file (default: $RAMPART_HISTORY, else
    /// $XDG_STATE_HOME/rampart/history.sqlite, else
    /// ~/.local/state/rampart/history.sqlite).
    #[arg(long, value_name = "FILE", requires = "record")]
    pub history: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old ACL set: an ACL file or a redis.conf.
    pub a: PathBuf,
    /// The new ACL set.
    pub b: PathBuf,
    #[arg(short = 'f', long, value_enum, default_value_t = AclFormat::Text)]
    pub format: AclFormat,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The ACL file or redis.conf to rewrite (in place, unless --output).
    pub file: PathBuf,
    /// Write the result here instead.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only report what would change.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: AclArgs) -> Result<ExitCode> {
    let t = table_by_name(&args.table)?;
    match args.command {
        AclCommand::Can(a) => can(a, t),
        AclCommand::WhoCan(a) => who_can(a, t),
        AclCommand::Review(a) => review(a, t),
        AclCommand::Diff(a) => diff(a, t),
        AclCommand::Hash => hash(),
        AclCommand::MigrateHashes(a) => migrate(a, t),
    }
}

/// The long help of `--server-version`, naming every dialect with data.
fn server_version_help() -> String {
    format!(
        "The server the rules are checked and decided against: its command \
         table, categories and ACL grammar (what its ACL SETUSER accepts: \
         selectors and %R~/%W~ from Redis 7.0, db=/alldbs/resetdbs from Valkey \
         9.1), generated from that server. One of: {}. A full version \
         (redis-7.2.6, valkey-8.1.1) picks its line, or the nearest older \
         one with a note. `--table` is the older spelling. A live --target is \
         judged with the server's own COMMAND table instead.",
        CommandTable::builtin_names().join(", ")
    )
}

/// A shipped command table by dialect name or `product-version`; a
/// version with no data of its own gets the nearest line, with a note on
/// stderr; an unknown name lists the known ones.
fn table_by_name(name: &str) -> Result<&'static CommandTable> {
    if let Some(t) = CommandTable::by_name(name) {
        return Ok(t);
    }
    // The dialects of redis-dialects, as redis-acl ships them.
    let known = || CommandTable::builtin_names().join(", ");
    let Some((product, version)) = name.trim().split_once('-') else {
        bail!(
            "unknown server version '{}' for --server-version; known: {}",
            clean(name),
            known()
        );
    };
    let product = product.to_ascii_lowercase();
    if !matches!(product.as_str(), "redis" | "valkey")
        || !version.starts_with(|c: char| c.is_ascii_digit())
    {
        bail!(
            "unknown server version '{}' for --server-version; known: {}",
            clean(name),
            known()
        );
    }
    let choice = CommandTable::builtin(&product, version);
    if let Some(note) = &choice.note {
        anstream::eprintln!("rampart: note: {}", clean(note));
    }
    Ok(choice.table)
}

// ------------------------------------------------------------------ loading

/// One user as loaded, with where it was defined.
pub(crate) struct LoadedUser {
    pub user: User,
    /// `file:line`, or `None` for the built-in default user.
    pub location: Option<String>,
}

/// A set of users and the lines Redis would reject.
pub(crate) struct AclSet {
    /// What was read (`users.acl`, `redis.conf`; later `redis://host:port`).
    pub origin: String,
    pub users: Vec<LoadedUser>,
    /// `(file:line, Redis's message)`.
    pub problems: Vec<(String, String)>,
    /// The server's `databases`, when the source says (config, live server).
    pub databases: Option<u32>,
}

/// Where users come from. Files today; the live-connection layer adds a
/// source that reads `ACL LIST` (its lines parse with [`AclFile::parse`]).
pub(crate) trait UserSource {
    fn load(&self) -> Result<AclSet>;
}

/// Files: `--aclfile`, or `--config` (its `aclfile`, or its `user` lines).
pub(crate) struct FileSource {
    pub config: Option<PathBuf>,
    pub aclfile: Option<PathBuf>,
    pub table: &'static CommandTable,
}

const MAX_BYTES: u64 = 16 * 1024 * 1024;

fn read(p: &Path) -> Result<String> {
    let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
    if meta.len() > MAX_BYTES {
        bail!(
            "{}: {} bytes, over the limit of {MAX_BYTES}",
            p.display(),
            meta.len()
        );
    }
    let b = redis_conf::fileio::read(p, MAX_BYTES)?;
    if b.contains(&0) {
        bail!("{}: binary file (NUL bytes)", p.display());
    }
    Ok(String::from_utf8_lossy(&b).into_owned())
}

/// An ACL file's users (the built-in default added when not defined).
pub(crate) fn aclset_from_aclfile(path: &Path, text: &str, table: &CommandTable) -> AclSet {
    let parsed = AclFile::parse_with(path, text, table);
    let mut users: Vec<LoadedUser> = parsed
        .users
        .iter()
        .map(|d| LoadedUser {
            user: d.to_user_with(table).unwrap_or_else(|_| User::new(&d.name)),
            location: Some(d.span.to_string()),
        })
        .collect();
    if !users.iter().any(|u| u.user.name == "default") {
        users.insert(
            0,
            LoadedUser {
                user: User::default_user(),
                location: None,
            },
        );
    }
    AclSet {
        origin: path.display().to_string(),
        users,
        problems: parsed
            .problems
            .iter()
            .map(|p| (p.span.to_string(), p.message.clone()))
            .collect(),
        databases: None,
    }
}

/// redis.conf `user` lines (Redis's errors per line), or requirepass.
fn aclset_from_config(path: &Path, config: &Config, table: &CommandTable) -> AclSet {
    let mut users: Vec<LoadedUser> = Vec::new();
    let mut problems = Vec::new();
    for d in config.all("user") {
        match UserDef::from_config_args_with(&d.args, d.span.clone(), table) {
            Ok(def) => {
                if def.name != "default" && users.iter().any(|u| u.user.name == def.name) {
                    problems.push((
                        d.span.to_string(),
                        format!("Duplicate user '{}' found", def.name),
                    ));
                    continue;
                }
                match def.to_user_from_config_with(table) {
                    Ok(user) => {
                        users.retain(|u| u.user.name != def.name);
                        users.push(LoadedUser {
                            user,
                            location: Some(d.span.to_string()),
                        });
                    }
                    Err(e) => problems.push((d.span.to_string(), e.message)),
                }
            }
            Err(e) => problems.push((d.span.to_string(), e.message)),
        }
    }
    if !users.iter().any(|u| u.user.name == "default") {
        let mut user = User::default_user();
        let mut location = None;
        if let Some(d) = config.last("requirepass") {
            let pw = d.args.first().cloned().unwrap_or_default();
            let rules = if pw.is_empty() {
                vec![Rule::NoPass]
            } else {
                vec![
                    Rule::ResetPass,
                    Rule::AddPassword(redis_acl::Secret::new(pw.into_bytes())),
                ]
            };
            if user.apply_with(table, &rules).is_ok() {
                location = Some(d.span.to_string());
            }
        }
        users.insert(0, LoadedUser { user, location });
    }
    AclSet {
        origin: path.display().to_string(),
        users,
        problems,
        databases: None,
    }
}

impl UserSource for FileSource {
    fn load(&self) -> Result<AclSet> {
        if let Some(p) = &self.aclfile {
            return Ok(aclset_from_aclfile(p, &read(p)?, self.table));
        }
        let Some(conf) = &self.config else {
            bail!("give --aclfile FILE or --config FILE (a live server comes with the live-connection layer)");
        };
        let config = Config::load(conf, &LoadOptions::default())?;
        let databases = config
            .last("databases")
            .and_then(|d| d.args.first())
            .and_then(|v| v.parse::<u32>().ok());
        let aclfile = config.last("aclfile").and_then(|d| d.args.first().cloned());
        let mut set = match aclfile.filter(|a| !a.is_empty()) {
            Some(a) => {
                let p = Path::new(&a);
                let p = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    conf.parent().unwrap_or(Path::new(".")).join(p)
                };
                aclset_from_aclfile(&p, &read(&p)?, self.table)
            }
            None => aclset_from_config(conf, &config, self.table),
        };
        set.databases = databases;
        Ok(set)
    }
}

/// The users and the table to judge them with: a live server's own
/// (ACL LIST + COMMAND), or the files' with `--table`.
fn load(a: &SourceArgs, table: &'static CommandTable) -> Result<(AclSet, &'static CommandTable)> {
    let Some(target) = &a.target else {
        let table = renamed_by_config(a, table);
        return Ok((source(a, table).load()?, table));
    };
    let t = rampart_live::target::parse(target, 6379)?;
    if t.password_in_uri {
        anstream::eprintln!("rampart: warning: a password in the URI is visible to other users of this host; use REDISCLI_AUTH or --pass-file");
    }
    let password = match (
        &t.credentials.password,
        &a.pass_file,
        std::env::var_os("REDISCLI_AUTH"),
    ) {
        (Some(p), _, _) => Some(p.clone()),
        (None, Some(f), _) => Some(redis_acl::Secret::new(
            read(f)?.lines().next().unwrap_or("").as_bytes().to_vec(),
        )),
        (None, None, Some(v)) => Some(redis_acl::Secret::new(v.into_encoded_bytes())),
        _ => None,
    };
    let password = password.map(super::remember);
    let creds = rampart_live::Credentials {
        user: t.credentials.user.clone(),
        password,
    };
    let opts = rampart_live::ConnectOptions {
        tls: rampart_live::TlsSettings {
            cacert: a.cacert.clone(),
            insecure: a.insecure,
            ..Default::default()
        },
        ..Default::default()
    };
    let coll = rampart_collect::live::collect_live(&t.endpoint, &creds, &opts);
    let live = match coll.live {
        rampart_checks::Avail::Present(l) => l,
        rampart_checks::Avail::Failed(e) | rampart_checks::Avail::Absent(e) => bail!("{e}"),
    };
    let facts = match coll.acl {
        rampart_checks::Avail::Present(f) => f,
        rampart_checks::Avail::Failed(e) | rampart_checks::Avail::Absent(e) => bail!("{e}"),
    };
    // The server's own table, kept for the rest of this command.
    let table: &'static CommandTable = match live.command_table {
        Some(t) => Box::leak(Box::new((*t).clone())),
        None => {
            anstream::eprintln!(
                "rampart: note: COMMAND is not readable here; judging with the {} table",
                table.line_name()
            );
            table
        }
    };
    let databases = live
        .config
        .as_ref()
        .ok()
        .and_then(|c| c.get("databases"))
        .and_then(|v| v.parse::<u32>().ok());
    let origin = format!("ACL LIST on {}", t.endpoint);
    let users = facts
        .users
        .into_iter()
        .map(|u| LoadedUser {
            location: Some(format!("{origin} (user {})", u.user.name)),
            user: u.user,
        })
        .collect();
    let problems = facts
        .problems
        .into_iter()
        .map(|(sp, m)| (sp.to_string(), m))
        .collect();
    Ok((
        AclSet {
            origin,
            users,
            problems,
            databases,
        },
        table,
    ))
}

/// `table` as the `--config` file's `rename-command` lines leave it (a
/// command renamed to `""` is unknown, one renamed to NAME is called as
/// NAME), as the server started on that file has it. A config that cannot
/// be read changes nothing here: loading the users reports it.
fn renamed_by_config(a: &SourceArgs, table: &'static CommandTable) -> &'static CommandTable {
    let Some(conf) = &a.config else {
        return table;
    };
    let Ok(config) = Config::load(conf, &LoadOptions::default()) else {
        return table;
    };
    let c = rampart_checks::ConfFacts {
        path: conf.clone(),
        config,
    };
    match rampart_checks::aclbuild::file_command_table(&c, table) {
        // Kept for the rest of this command, like a live server's table.
        Some(renamed) => Box::leak(Box::new(renamed)),
        None => table,
    }
}

/// The engine for `table`, with the server's `databases`.
fn engine_for<'t>(a: &SourceArgs, set: &AclSet, table: &'t CommandTable) -> Engine<'t> {
    Engine::new(table).with_databases(
        a.databases
            .or(set.databases)
            .unwrap_or(redis_acl::dbs::DEFAULT_DATABASES),
    )
}

fn source(a: &SourceArgs, table: &'static CommandTable) -> FileSource {
    FileSource {
        config: a.config.clone(),
        aclfile: a.aclfile.clone(),
        table,
    }
}

/// A path holds an ACL file when every non-blank line starts with `user `.
fn load_path(p: &Path, table: &CommandTable) -> Result<AclSet> {
    let text = read(p)?;
    let is_acl = text
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .all(|l| l.starts_with("user "));
    if is_acl {
        Ok(aclset_from_aclfile(p, &text, table))
    } else {
        let config = Config::parse_str(p, &text, &LoadOptions::default());
        Ok(aclset_from_config(p, &config, table))
    }
}

fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

fn problems_text(set: &AclSet) -> String {
    let mut s = String::new();
    for (loc, msg) in &set.problems {
        s.push_str(&format!("problem: {}: {}\n", clean(loc), clean(msg)));
    }
    s
}

fn one_line(set: &AclSet) -> String {
    set.problems
        .iter()
        .map(|(l, m)| format!("{l}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn problems_json(set: &AclSet) -> Value {
    Value::Array(
        set.problems
            .iter()
            .map(|(l, m)| json!({"location": l, "message": m}))
            .collect(),
    )
}

// ---------------------------------------------------------------------- can

fn decision_json(user: &str, r: Result<redis_acl::Decision, String>) -> Value {
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

fn ask(
    engine: &Engine<'_>,
    users: &[CompiledUser],
    user: &str,
    argv: &[String],
    db: DbArg,
) -> Result<redis_acl::Decision, String> {
    let u = users
        .iter()
        .find(|u| u.user.name == user)
        .ok_or_else(|| format!("User '{user}' not found"))?;
    match db {
        DbArg::Id(n) => engine.can_in(u, argv, n),
        DbArg::Any => engine.can_in_any_db(u, argv),
    }
    .map_err(|e| e.to_string())
}

/// For a denial in one database: the lowest database that would allow it.
fn allowed_elsewhere(
    engine: &Engine<'_>,
    users: &[CompiledUser],
    user: &str,
    argv: &[String],
) -> Option<u32> {
    ask(engine, users, user, argv, DbArg::Any)
        .ok()
        .filter(|d| d.allowed)
        .and_then(|d| d.db)
}

fn can(a: CanArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let (set, table) = load(&a.source, table)?;
    let engine = engine_for(&a.source, &set, table);
    let users = engine.compile_all(set.users.iter().map(|u| &u.user));
    if let Some(batch) = &a.batch {
        let text = read(batch)?;
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let loc = format!("{}:{}", batch.display(), i + 1);
            let v = match sdssplitargs(t) {
                Some(words) if words.len() >= 2 => {
                    let mut v = decision_json(
                        &words[0],
                        ask(&engine, &users, &words[0], &words[1..], a.db),
                    );
                    v["line"] = json!(loc);
                    v
                }
                Some(_) => {
                    json!({"line": loc, "allowed": false, "error": "expected USER COMMAND [ARGS...]", "reason": "expected USER COMMAND [ARGS...]"})
                }
                None => {
                    json!({"line": loc, "allowed": false, "error": "unbalanced quotes", "reason": "unbalanced quotes"})
                }
            };
            out.push_str(&serde_json::to_string(&v)?);
            out.push('\n');
        }
        super::emit(&out, None)?;
        return Ok(ExitCode::SUCCESS);
    }
    let user = a.user.unwrap_or_default();
    let r = ask(&engine, &users, &user, &a.command, a.db);
    let code = match &r {
        Ok(d) if d.allowed => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(_) => ExitCode::from(2),
    };
    let text = match a.format {
        AclFormat::Json => format!("{}\n", serde_json::to_string(&decision_json(&user, r))?),
        AclFormat::Text => {
            anstream::eprint!("{}", problems_text(&set));
            let mut s = String::new();
            match r {
                Ok(d) => {
                    // The database, when the user's database rules took part.
                    let db_denial = matches!(d.denial, Some(redis_acl::Denial::Db { .. }));
                    let in_db =
                        d.db.filter(|_| db_denial || !d.dbs.is_empty())
                            .map(|n| format!(" in database {n}"))
                            .unwrap_or_default();
                    s.push_str(&format!(
                        "{}{in_db}: {}\n",
                        if d.allowed { "allowed" } else { "denied" },
                        clean(&d.reason())
                    ));
                    if db_denial {
                        if let Some(n) = allowed_elsewhere(&engine, &users, &user, &a.command) {
                            s.push_str(&format!("note: allowed in database {n} (--db {n})\n"));
                        }
                    }
                }
                Err(e) => bail!("{e}"),
            }
            s
        }
    };
    super::emit(&text, None)?;
    Ok(code)
}

// ------------------------------------------------------------------ who-can

fn who_can(a: WhoCanArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let (set, table) = load(&a.source, table)?;
    let engine = engine_for(&a.source, &set, table);
    let db = match a.db {
        DbArg::Id(n) => Some(n),
        DbArg::Any => None,
    };
    let users = engine.compile_all(set.users.iter().map(|u| &u.user));
    let modes = [
        !a.command.is_empty(),
        a.key.is_some(),
        a.channel.is_some(),
        a.category.is_some(),
    ];
    if modes.iter().filter(|m| **m).count() != 1 {
        bail!("give exactly one of: COMMAND [ARGS...], --key KEY [--write], --channel CHANNEL, --category @CATEGORY");
    }
    // (user, enabled, how)
    let mut rows: Vec<(String, bool, String)> = Vec::new();
    let what;
    if !a.command.is_empty() {
        let cmd = engine
            .resolve(&a.command)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        what = format!("run '{}'", cmd.name);
        for u in &users {
            let d = match db {
                Some(n) => engine.decide_in(u, cmd, &a.command, n),
                None => engine.decide_in_any_db(u, cmd, &a.command),
            };
            if d.allowed {
                rows.push((u.user.name.clone(), u.user.enabled, d.reason()));
            }
        }
    } else if let Some(key) = &a.key {
        what = format!("{} the key '{key}'", if a.write { "write" } else { "read" });
        for u in &users {
            if let Some(how) = key_reach(&engine, u, key.as_bytes(), a.write, db) {
                rows.push((u.user.name.clone(), u.user.enabled, how));
            }
        }
    } else if let Some(ch) = &a.channel {
        what = format!("publish or subscribe to '{ch}'");
        for u in &users {
            if let Some(how) = channel_reach(&engine, u, ch.as_bytes()) {
                rows.push((u.user.name.clone(), u.user.enabled, how));
            }
        }
    } else {
        let cat = a.category.clone().unwrap_or_default();
        let cat = cat.trim_start_matches('@').to_ascii_lowercase();
        if !engine.table().is_category(&cat) {
            bail!("Unknown command or category name in ACL: @{cat}");
        }
        what = format!("run @{cat} commands");
        let members: Vec<&redis_acl::Command> = engine
            .table()
            .category_members(&cat)
            .into_iter()
            .filter(|c| c.subcommands.is_empty() && engine.table().is_reachable(c.id))
            .collect();
        for u in &users {
            let mut got: Vec<String> = Vec::new();
            let mut kinds = BTreeSet::new();
            for c in &members {
                if let Some(s) = u
                    .selectors
                    .iter()
                    .find(|s| s.bits.allows(c) && engine.selector_may_run_in(&s.selector, c, db))
                {
                    got.push(c.name.clone());
                    kinds.insert(engine.command_rule(&s.selector, &s.bits, c).rule);
                }
            }
            if !got.is_empty() {
                let shown: Vec<&str> = got.iter().take(8).map(String::as_str).collect();
                rows.push((
                    u.user.name.clone(),
                    u.user.enabled,
                    format!(
                        "{} of {} ({}{}) by {}",
                        got.len(),
                        members.len(),
                        shown.join(", "),
                        if got.len() > shown.len() { ", …" } else { "" },
                        kinds.into_iter().collect::<Vec<_>>().join(" ")
                    ),
                ));
            }
        }
    }
    let text = match a.format {
        AclFormat::Json => {
            let v = json!({
                "source": set.origin,
                "query": what,
                "users": rows.iter().map(|(u, e, how)| json!({"user": u, "enabled": e, "reason": how})).collect::<Vec<_>>(),
                "problems": problems_json(&set),
            });
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        AclFormat::Text => {
            anstream::eprint!("{}", problems_text(&set));
            let mut s = format!("{} user(s) can {}:\n", rows.len(), clean(&what));
            for (u, e, how) in &rows {
                s.push_str(&format!(
                    "  {}{}: {}\n",
                    clean(u),
                    if *e { "" } else { " (off)" },
                    clean(how)
                ));
            }
            s
        }
    };
    super::emit(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

/// A selector that holds a command with keys (in database `db`, or some
/// database) and a pattern granting the access.
fn key_reach(
    engine: &Engine<'_>,
    u: &CompiledUser,
    key: &[u8],
    write: bool,
    db: Option<u32>,
) -> Option<String> {
    let table = engine.table();
    for (si, s) in u.selectors.iter().enumerate() {
        let has_cmd = table.commands().iter().any(|c| {
            c.subcommands.is_empty()
                && engine.command_has_keys(c.id)
                && s.bits.allows(c)
                && engine.selector_may_run_in(&s.selector, c, db)
        });
        if !has_cmd {
            continue;
        }
        let sel = &s.selector;
        let pat = if sel.all_keys {
            Some("allkeys".to_string())
        } else {
            sel.keys
                .iter()
                .find(|p| {
                    (if write { p.write } else { p.read })
                        && redis_acl::glob::stringmatch(p.pattern.as_bytes(), key, false)
                })
                .map(|p| match (p.read, p.write) {
                    (true, true) => format!("~{}", p.pattern),
                    (true, false) => format!("%R~{}", p.pattern),
                    _ => format!("%W~{}", p.pattern),
                })
        };
        if let Some(p) = pat {
            let dbs = if s.selector.dbs.is_some() && table.has_db_rules() {
                format!(" ({})", redis_acl::dbs::db_rule(&s.selector.dbs))
            } else {
                String::new()
            };
            return Some(format!("{} by {p}{dbs}", sel_name(si)));
        }
    }
    None
}

fn channel_reach(engine: &Engine<'_>, u: &CompiledUser, ch: &[u8]) -> Option<String> {
    let table = engine.table();
    for (si, s) in u.selectors.iter().enumerate() {
        let cmds: Vec<&str> = table
            .commands()
            .iter()
            .filter(|c| engine.command_uses_channels(c.id) && s.bits.allows(c))
            .map(|c| c.name.as_str())
            .collect();
        if cmds.is_empty() {
            continue;
        }
        let sel = &s.selector;
        let pat = if sel.all_channels {
            Some("&*".to_string())
        } else {
            sel.channels
                .iter()
                .find(|p| redis_acl::glob::stringmatch(p.as_bytes(), ch, false))
                .map(|p| format!("&{p}"))
        };
        if let Some(p) = pat {
            return Some(format!("{} by {p} ({})", sel_name(si), cmds.join(", ")));
        }
    }
    None
}

fn sel_name(i: usize) -> String {
    if i == 0 {
        "root selector".into()
    } else {
        format!("selector #{i}")
    }
}

// ------------------------------------------------------------------- review

fn review(a: ReviewArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let (set, table) = load(&a.source, table)?;
    let engine = engine_for(&a.source, &set, table);
    let users = engine.compile_all(set.users.iter().map(|u| &u.user));
    let mut reviewer = Reviewer::new(&engine);
    let reviews: Vec<(UserReview, Option<String>)> = users
        .iter()
        .zip(&set.users)
        .map(|(cu, lu)| (reviewer.review(cu), lu.location.clone()))
        .collect();
    let text = match a.format {
        AclFormat::Json => {
            let v = json!({
                "source": set.origin,
                "users": reviews.iter().map(|(r, loc)| {
                    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
                    v["location"] = json!(loc);
                    v
                }).collect::<Vec<_>>(),
                "problems": problems_json(&set),
            });
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        AclFormat::Text => {
            let mut s = problems_text(&set);
            for (r, loc) in &reviews {
                s.push_str(&format!(
                    "user {} ({}) — {}, password: {}\n",
                    clean(&r.user),
                    clean(loc.as_deref().unwrap_or("built-in default user")),
                    if r.enabled { "on" } else { "off" },
                    serde_json::to_value(r.password)?.as_str().unwrap_or("?"),
                ));
                s.push_str(&format!(
                    "  commands: {} allowed{}\n",
                    r.commands_allowed,
                    if r.all_commands { " (+@all)" } else { "" }
                ));
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
                            s.push_str(&format!(
                                "  dangerous {label} ({}): {}{more}\n",
                                v.len(),
                                shown.join(" ")
                            ));
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
                s.push_str(&format!("  keys: {}\n", clean(&reach(&r.key_reach))));
                s.push_str(&format!(
                    "  channels: {}\n",
                    clean(&reach(&r.channel_reach))
                ));
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
                    s.push_str(&format!("  databases: {}\n", clean(&d.join(" "))));
                }
                for f in &r.findings {
                    s.push_str(&format!(
                        "  - {}: {}{}\n",
                        f.code,
                        clean(&f.message),
                        f.drop
                            .as_ref()
                            .map(|d| format!(" → {}", clean(d)))
                            .unwrap_or_default()
                    ));
                }
                if r.findings.is_empty() {
                    s.push_str("  least privilege: nothing to drop found\n");
                }
            }
            s
        }
    };
    super::emit(&text, None)?;
    if a.record {
        record_review(&a, reviews.len())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--record`: one row in the history's `reviews` (name, date, user count).
fn record_review(a: &ReviewArgs, users: usize) -> Result<()> {
    use rampart_collect::history;
    // A live target is recorded under host:port, as the audit looks it up.
    let live_name = a
        .source
        .target
        .as_deref()
        .and_then(|t| rampart_live::target::parse(t, 6379).ok())
        .map(|t| t.endpoint.to_string());
    let server = match (&a.server, &a.source.config) {
        (Some(s), _) => s.clone(),
        (None, _) if live_name.is_some() => live_name.unwrap_or_default(),
        (None, Some(c)) => super::audit::config_history_names(c)
            .into_iter()
            .next()
            .unwrap_or_default(),
        (None, None) => bail!(
            "--record needs --server NAME (host:port as the audit names the server, or the config file's path) when no --config is given"
        ),
    };
    let path = history::resolve_path(a.history.as_deref()).context(
        "no history location: set RAMPART_HISTORY, XDG_STATE_HOME or HOME, or give --history FILE",
    )?;
    let h = history::History::open(&path)?;
    h.record_review(
        &server,
        history::now(),
        u32::try_from(users).unwrap_or(u32::MAX),
    )?;
    anstream::eprintln!(
        "rampart: recorded a review of {users} user(s) of {} in {}",
        clean(&server),
        path.display()
    );
    Ok(())
}

// --------------------------------------------------------------------- diff

struct Perms {
    enabled: bool,
    nopass: bool,
    hashes: BTreeSet<String>,
    commands: BTreeSet<String>,
    keys: BTreeSet<String>,
    channels: BTreeSet<String>,
    /// Valkey's database rule per selector (`db=0,3`, `alldbs`, `resetdbs`).
    databases: BTreeSet<String>,
}

fn perms(engine: &Engine<'_>, u: &CompiledUser) -> Perms {
    let mut commands = BTreeSet::new();
    for c in engine.table().commands() {
        if c.subcommands.is_empty() && u.selectors.iter().any(|s| s.bits.allows(c)) {
            commands.insert(c.name.clone());
        }
        for s in &u.selectors {
            for fa in s.bits.first_args(c.id) {
                commands.insert(format!("{}|{fa} (first arg)", c.name));
            }
        }
    }
    let mut keys = BTreeSet::new();
    let mut channels = BTreeSet::new();
    let mut databases = BTreeSet::new();
    for (i, s) in u.selectors.iter().enumerate() {
        let tag = |p: String| {
            if i == 0 {
                p
            } else {
                format!("{p} (selector #{i})")
            }
        };
        if s.selector.all_keys {
            keys.insert(tag("~*".into()));
        }
        for k in &s.selector.keys {
            let p = match (k.read, k.write) {
                (true, false) => format!("%R~{}", k.pattern),
                (false, true) => format!("%W~{}", k.pattern),
                _ => format!("~{}", k.pattern),
            };
            keys.insert(tag(p));
        }
        if s.selector.all_channels {
            channels.insert(tag("&*".into()));
        }
        for c in &s.selector.channels {
            channels.insert(tag(format!("&{c}")));
        }
        if engine.table().has_db_rules() {
            databases.insert(tag(redis_acl::dbs::db_rule(&s.selector.dbs)));
        }
    }
    Perms {
        enabled: u.user.enabled,
        nopass: u.user.nopass,
        hashes: u.user.passwords.iter().map(|p| p.hash.clone()).collect(),
        commands,
        keys,
        channels,
        databases,
    }
}

fn diff(a: DiffArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let sa = load_path(&a.a, table)?;
    let sb = load_path(&a.b, table)?;
    let engine = Engine::new(table);
    let ua = engine.compile_all(sa.users.iter().map(|u| &u.user));
    let ub = engine.compile_all(sb.users.iter().map(|u| &u.user));
    let names: BTreeSet<&str> = ua
        .iter()
        .chain(ub.iter())
        .map(|u| u.user.name.as_str())
        .collect();
    let mut out: Vec<Value> = Vec::new();
    for name in names {
        let pa = ua
            .iter()
            .find(|u| u.user.name == name)
            .map(|u| perms(&engine, u));
        let pb = ub
            .iter()
            .find(|u| u.user.name == name)
            .map(|u| perms(&engine, u));
        let set_diff = |x: &BTreeSet<String>, y: &BTreeSet<String>| -> (Vec<String>, Vec<String>) {
            (
                y.difference(x).cloned().collect(),
                x.difference(y).cloned().collect(),
            )
        };
        let v = match (pa, pb) {
            (None, Some(b)) => {
                json!({"user": name, "change": "added", "enabled": b.enabled, "commands": b.commands.len(), "keys": b.keys, "channels": b.channels})
            }
            (Some(_), None) => json!({"user": name, "change": "removed"}),
            (Some(x), Some(y)) => {
                let (cg, cl) = set_diff(&x.commands, &y.commands);
                let (kg, kl) = set_diff(&x.keys, &y.keys);
                let (hg, hl) = set_diff(&x.channels, &y.channels);
                let (dg, dl) = set_diff(&x.databases, &y.databases);
                let pw_added = y.hashes.difference(&x.hashes).count();
                let pw_removed = x.hashes.difference(&y.hashes).count();
                if cg.is_empty()
                    && cl.is_empty()
                    && kg.is_empty()
                    && kl.is_empty()
                    && hg.is_empty()
                    && hl.is_empty()
                    && dg.is_empty()
                    && dl.is_empty()
                    && x.enabled == y.enabled
                    && x.nopass == y.nopass
                    && pw_added == 0
                    && pw_removed == 0
                {
                    continue;
                }
                let mut v = json!({
                    "user": name, "change": "changed",
                    "enabled": [x.enabled, y.enabled], "nopass": [x.nopass, y.nopass],
                    "passwords_added": pw_added, "passwords_removed": pw_removed,
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
            (None, None) => continue,
        };
        out.push(v);
    }
    let text = match a.format {
        AclFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(
                &json!({"a": sa.origin, "b": sb.origin, "users": out, "problems_a": problems_json(&sa), "problems_b": problems_json(&sb)})
            )?
        ),
        AclFormat::Text => {
            let mut s = problems_text(&sa);
            s.push_str(&problems_text(&sb));
            if out.is_empty() {
                s.push_str("no permission changes\n");
            }
            for v in &out {
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
                                let shown: Vec<&str> =
                                    items.iter().take(20).map(String::as_str).collect();
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
    };
    super::emit(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

// ------------------------------------------------------------ hash, migrate

fn hash() -> Result<ExitCode> {
    use std::io::IsTerminal;
    let pw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").context("cannot read the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let t = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(t);
        line
    };
    let secret = redis_acl::Secret::new(pw.into_bytes());
    if secret.is_empty() {
        bail!("empty password");
    }
    super::emit(&format!("#{}\n", hash_password(secret.expose())), None)?;
    Ok(ExitCode::SUCCESS)
}

/// `>pw` → `#hash`, `<pw` → `!hash` for one decoded token; `None` otherwise.
fn hashed_token(value: &str) -> Option<String> {
    let (sigil, pw) = match value.as_bytes().first() {
        Some(b'>') => ('#', &value[1..]),
        Some(b'<') => ('!', &value[1..]),
        _ => return None,
    };
    if pw.contains('\u{FFFD}') {
        return None;
    }
    Some(format!("{sigil}{}", hash_password(pw.as_bytes())))
}

/// Byte ranges of the raw tokens of a redis.conf line (sdssplitargs' rules).
fn raw_tokens(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        let mut inq = 0u8;
        while i < b.len() {
            let c = b[i];
            if inq == b'"' {
                if c == b'\\' && i + 1 < b.len() {
                    i += 1;
                } else if c == b'"' {
                    inq = 0;
                }
            } else if inq == b'\'' {
                if c == b'\\' && i + 1 < b.len() && b[i + 1] == b'\'' {
                    i += 1;
                } else if c == b'\'' {
                    inq = 0;
                }
            } else if c == b'"' || c == b'\'' {
                inq = c;
            } else if c.is_ascii_whitespace() {
                break;
            }
            i += 1;
        }
        out.push((start, i));
    }
    out
}

/// Rewrite the bytes; returns the new bytes and how many tokens changed.
/// Only the password tokens change: every other byte (a key pattern that
/// is not UTF-8 included) is kept as it was.
fn migrate_bytes(text: &[u8], aclfile: bool) -> (Vec<u8>, usize) {
    fn utf8(b: &[u8]) -> Option<&str> {
        std::str::from_utf8(b).ok()
    }
    let mut out = Vec::with_capacity(text.len());
    let mut changed = 0;
    for line in text.split_inclusive(|&c| c == b'\n') {
        if aclfile {
            let edge = |c: &u8| matches!(c, b'\t' | b'\r' | b'\n');
            let trim = |p: &[u8]| -> (usize, usize) {
                let lead = p.iter().take_while(|c| edge(c)).count();
                let tail = p[lead..].iter().rev().take_while(|c| edge(c)).count();
                (lead, p.len() - tail)
            };
            let parts: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
            let is_user = parts.first().is_some_and(|p| {
                let (a, b) = trim(p);
                &p[a..b] == b"user"
            });
            if !is_user {
                out.extend_from_slice(line);
                continue;
            }
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                let (a, b) = trim(p);
                match (i >= 2).then(|| utf8(&p[a..b]).and_then(hashed_token)) {
                    Some(Some(h)) => {
                        out.extend_from_slice(&p[..a]);
                        out.extend_from_slice(h.as_bytes());
                        out.extend_from_slice(&p[b..]);
                        changed += 1;
                    }
                    _ => out.extend_from_slice(p),
                }
            }
        } else {
            let toks = raw_tokens(line);
            let first = toks
                .first()
                .and_then(|(s, e)| utf8(&line[*s..*e]))
                .and_then(sdssplitargs)
                .and_then(|v| v.into_iter().next());
            if !first.is_some_and(|f| f.eq_ignore_ascii_case("user")) {
                out.extend_from_slice(line);
                continue;
            }
            let mut last = 0;
            for &(a, b) in toks.iter().skip(2) {
                let value = utf8(&line[a..b])
                    .and_then(sdssplitargs)
                    .and_then(|v| v.into_iter().next());
                if let Some(h) = value.as_deref().and_then(hashed_token) {
                    out.extend_from_slice(&line[last..a]);
                    out.extend_from_slice(h.as_bytes());
                    last = b;
                    changed += 1;
                }
            }
            out.extend_from_slice(&line[last..]);
        }
    }
    (out, changed)
}

/// The file as bytes, with [`read`]'s limits (its size, no NUL byte).
fn read_bytes(p: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
    if meta.len() > MAX_BYTES {
        bail!(
            "{}: {} bytes, over the limit of {MAX_BYTES}",
            p.display(),
            meta.len()
        );
    }
    let b = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
    if b.contains(&0) {
        bail!("{}: binary file (NUL bytes)", p.display());
    }
    Ok(b)
}

/// Users of an ACL file or a redis.conf, from its text (as [`load_path`]).
fn load_text(p: &Path, text: &str, table: &CommandTable) -> AclSet {
    if is_aclfile(text) {
        aclset_from_aclfile(p, text, table)
    } else {
        let config = Config::parse_str(p, text, &LoadOptions::default());
        aclset_from_config(p, &config, table)
    }
}

fn is_aclfile(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .all(|l| l.starts_with("user "))
}

fn migrate(a: MigrateArgs, table: &'static CommandTable) -> Result<ExitCode> {
    // Bytes in, bytes out: the text (lossy where not UTF-8) is only
    // what the before/after comparison loads.
    let bytes = read_bytes(&a.file)?;
    let text = String::from_utf8_lossy(&bytes);
    let before = load_text(&a.file, &text, table);
    let aclfile = is_aclfile(&text);
    if !before.problems.is_empty() {
        bail!(
            "{} does not load as it is, nothing written: {}",
            a.file.display(),
            one_line(&before)
        );
    }
    let (new, changed) = migrate_bytes(&bytes, aclfile);
    // The result must load, with the same users, hashes and permissions.
    let new_text = String::from_utf8_lossy(&new);
    let after = if aclfile {
        aclset_from_aclfile(&a.file, &new_text, table)
    } else {
        aclset_from_config(
            &a.file,
            &Config::parse_str(&a.file, &new_text, &LoadOptions::default()),
            table,
        )
    };
    if !after.problems.is_empty() {
        bail!(
            "the rewritten file would not load, nothing written: {}",
            one_line(&after)
        );
    }
    let lines =
        |s: &AclSet| -> Vec<String> { s.users.iter().map(|u| u.user.acl_list_line()).collect() };
    if lines(&before) != lines(&after) {
        bail!("the rewritten file would not hold the same users and passwords; nothing written");
    }
    let remaining = after
        .users
        .iter()
        .flat_map(|u| u.user.passwords.iter())
        .filter(|p| p.plaintext.is_some())
        .count();
    let summary = format!(
        "{}: {changed} password rule(s) hashed{}{}\n",
        a.file.display(),
        if remaining > 0 {
            format!(", {remaining} left in clear (not representable)")
        } else {
            String::new()
        },
        if a.dry_run {
            " (dry run, nothing written)"
        } else {
            ""
        }
    );
    if !a.dry_run && changed > 0 {
        // In place: the file keeps its owner, group and mode. A new
        // --output file gets the source's mode.
        use std::os::unix::fs::MetadataExt;
        let dest = a.output.clone().unwrap_or_else(|| a.file.clone());
        let src_mode = std::fs::metadata(&a.file)
            .map(|m| m.mode() & 0o7777)
            .unwrap_or(0o600);
        rampart_fs::replace_keeping(&dest, &new, rampart_fs::Mode::Exact(src_mode))?;
    }
    anstream::eprint!("{summary}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn migrate_keeps_bytes() {
        // Redis's ACL file tokenizer splits on single spaces only: double
        // spaces (empty tokens) are kept byte for byte.
        let t = "user a on >pw ~* +@all\r\nuser b on  >x  <pw2 &*\n\nuser c on #0000\n";
        let (n, c) = migrate_bytes(t.as_bytes(), true);
        let n = String::from_utf8(n).unwrap();
        assert_eq!(c, 3);
        assert!(n.contains(&format!("user a on #{} ~* +@all\r\n", hash_password(b"pw"))));
        assert!(n.contains(&format!(
            "  #{}  !{} &*\n\nuser c on #0000\n",
            hash_password(b"x"),
            hash_password(b"pw2")
        )));
        let t = "# c\nuser app on \">p w\" '~a' +get\nrequirepass x\n";
        let (n, c) = migrate_bytes(t.as_bytes(), false);
        let n = String::from_utf8(n).unwrap();
        assert_eq!(c, 1);
        assert_eq!(
            n,
            format!(
                "# c\nuser app on #{} '~a' +get\nrequirepass x\n",
                hash_password(b"p w")
            )
        );
    }
}
