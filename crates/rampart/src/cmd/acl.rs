//! `rampart acl`: effective ACL permissions from the ACL file, redis.conf
//! `user` lines or a live server: `can`, `who-can`, `review`, `diff`,
//! `hash`, `migrate-hashes`. The sources are `rampart_collect::acl_source`,
//! the questions `redis_acl` (`query`, `review`, `diff`, `migrate`); this
//! module maps arguments to them, renders ([`render`]) and picks the exit code.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use rampart_checks::least_privilege::Reviewed;
use rampart_collect::acl_source::{self, AclSet, FileSource};
use rampart_report::acl as render;
use rampart_report::sanitize::for_terminal as clean;
use redis_acl::query::{self, WhoCan};
use redis_acl::review::Reviewer;
use redis_acl::{hash_password, CommandTable, Engine};
use render::problems_text;
use serde_json::Value;
use std::borrow::Cow;
use std::path::PathBuf;
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
pub use redis_acl::query::DbChoice as DbArg;

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
    #[arg(short = 'n', long, value_name = "N|any", value_parser = parse_db, default_value = "0")]
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
    #[arg(short = 'n', long, value_name = "N|any", value_parser = parse_db, default_value = "any")]
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
        AclCommand::WhoCan(a) => who_can(&a, t),
        AclCommand::Review(a) => review(&a, t),
        AclCommand::Diff(a) => diff(&a, t),
        AclCommand::Hash => hash(),
        AclCommand::MigrateHashes(a) => migrate(&a, t),
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
    let Some((table, note)) = query::table_by_name(name) else {
        bail!(
            "unknown server version '{}' for --server-version; known: {}",
            clean(name),
            CommandTable::builtin_names().join(", ")
        );
    };
    if let Some(note) = &note {
        anstream::eprintln!("rampart: note: {}", clean(note));
    }
    Ok(table)
}

// ------------------------------------------------------------------ loading

/// The users and the table to judge them with: a live server's own
/// (ACL LIST + COMMAND), or the files' with `--table` as the config's
/// `rename-command` lines leave it.
fn load(
    a: &SourceArgs,
    table: &'static CommandTable,
) -> Result<(AclSet, Cow<'static, CommandTable>)> {
    let Some(target) = &a.target else {
        let table = acl_source::renamed_by_config(a.config.as_deref(), table);
        let files = FileSource {
            config: a.config.as_deref(),
            aclfile: a.aclfile.as_deref(),
        };
        return Ok((files.load(&table)?, table));
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
            acl_source::read_text(f)?
                .lines()
                .next()
                .unwrap_or("")
                .as_bytes()
                .to_vec(),
        )),
        (None, None, Some(v)) => Some(redis_acl::Secret::new(v.into_encoded_bytes())),
        _ => None,
    };
    let creds = rampart_live::Credentials {
        user: t.credentials.user.clone(),
        password: password.map(super::remember),
    };
    let opts = rampart_live::ConnectOptions {
        tls: rampart_live::TlsSettings {
            cacert: a.cacert.clone(),
            insecure: a.insecure,
            ..Default::default()
        },
        ..Default::default()
    };
    let live = acl_source::load_live(&t.endpoint, &creds, &opts)?;
    // The server's own table, kept for the rest of this command.
    let table = match live.table {
        Some(t) => Cow::Owned(t),
        None => {
            anstream::eprintln!(
                "rampart: note: COMMAND is not readable here; judging with the {} table",
                table.line_name()
            );
            Cow::Borrowed(table)
        }
    };
    Ok((live.set, table))
}

/// The engine for `table`, with the server's `databases`.
fn engine_for<'t>(a: &SourceArgs, set: &AclSet, table: &'t CommandTable) -> Engine<'t> {
    Engine::new(table).with_databases(
        a.databases
            .or(set.databases)
            .unwrap_or(redis_acl::dbs::DEFAULT_DATABASES),
    )
}

// ---------------------------------------------------------------------- can

/// `acl can USER CMD ARGS...` takes everything after USER as the command:
/// an option of `acl can` there (`-f json`) would silently become a
/// command argument, so it is refused with a hint, unless `--` on the
/// command line says the words are meant literally.
fn refuse_trailing_options(command: &[String]) -> Result<()> {
    use clap::Args as _;
    if std::env::args().any(|a| a == "--") {
        return Ok(());
    }
    let cmd = CanArgs::augment_args(clap::Command::new("can"));
    for word in command {
        let Some(name) = word.split('=').next() else {
            continue;
        };
        let known = cmd.get_arguments().any(|arg| {
            arg.get_long().is_some_and(|l| name == format!("--{l}"))
                || arg.get_short().is_some_and(|c| name == format!("-{c}"))
        });
        if known {
            bail!(
                "{name} after the command is read as one of its arguments: put rampart's options before USER (or write `--` before USER to pass {name} to the command literally)"
            );
        }
    }
    Ok(())
}

fn can(a: CanArgs, table: &'static CommandTable) -> Result<ExitCode> {
    refuse_trailing_options(&a.command)?;
    let (set, table) = load(&a.source, table)?;
    let engine = engine_for(&a.source, &set, &table);
    // One question compiles one user, not the 100k of a large ACL file.
    let asked = a.user.clone().filter(|_| a.batch.is_none());
    // Borrowed from the set (the others are neither copied nor dropped).
    let users = engine.compile_all(
        set.users
            .iter()
            .map(|u| &u.user)
            .filter(|u| asked.as_ref().is_none_or(|n| *n == u.name)),
    );
    if let Some(batch) = &a.batch {
        let text = acl_source::read_text(batch)?;
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let loc = format!("{}:{}", batch.display(), i + 1);
            let answer = query::ask_line(&engine, &users, t, a.db);
            out.push_str(&render::batch_line_json(&loc, answer)?);
            out.push('\n');
        }
        super::emit(&out, None)?;
        super::exit_now(0);
    }
    let user = a.user.unwrap_or_default();
    let r = query::ask(&engine, &users, &user, &a.command, a.db);
    let code: u8 = match &r {
        Ok(d) if d.allowed => 0,
        Ok(_) => 1,
        Err(_) => 2,
    };
    let text = match a.format {
        AclFormat::Json => format!(
            "{}\n",
            serde_json::to_string(&render::decision_json(&user, r))?
        ),
        AclFormat::Text => {
            anstream::eprint!("{}", problems_text(&set.problems));
            let d = r.map_err(|e| anyhow::anyhow!("{e}"))?;
            let elsewhere = render::denied_by_db(&d)
                .then(|| query::allowed_elsewhere(&engine, &users, &user, &a.command))
                .flatten();
            render::decision_text(&d, elsewhere)
        }
    };
    super::emit(&text, None)?;
    // The users loaded are freed by the exit.
    super::exit_now(code)
}

// ------------------------------------------------------------------ who-can

fn who_can(a: &WhoCanArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let (set, table) = load(&a.source, table)?;
    let engine = engine_for(&a.source, &set, &table);
    let db = match a.db {
        DbArg::Id(n) => Some(n),
        DbArg::Any => None,
    };
    // Borrowed from the set (not copied into the compiled users).
    let users = engine.compile_all(set.users.iter().map(|u| &u.user));
    let q = match (&a.command[..], &a.key, &a.channel, &a.category) {
        ([_, ..], None, None, None) => WhoCan::Command(&a.command),
        ([], Some(key), None, None) => WhoCan::Key {
            key,
            write: a.write,
        },
        ([], None, Some(ch), None) => WhoCan::Channel(ch),
        ([], None, None, Some(cat)) => WhoCan::Category(cat),
        _ => bail!("give exactly one of: COMMAND [ARGS...], --key KEY [--write], --channel CHANNEL, --category @CATEGORY"),
    };
    let (what, rows) =
        query::who_can(&engine, &users, &q, db).map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = match a.format {
        AclFormat::Json => render::who_can_json(&set.origin, &what, &rows, &set.problems)?,
        AclFormat::Text => {
            anstream::eprint!("{}", problems_text(&set.problems));
            render::who_can_text(&what, &rows)
        }
    };
    super::emit(&text, None)?;
    // The users loaded are freed by the exit.
    super::exit_now(0)
}

// ------------------------------------------------------------------- review

fn review(a: &ReviewArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let (mut set, table) = load(&a.source, table)?;
    let engine = engine_for(&a.source, &set, &table);
    let locations: Vec<Option<String>> = set.users.iter_mut().map(|u| u.location.take()).collect();
    // Borrowed from the set (not copied into the compiled users), each
    // compiled as it is reviewed (not 100k compiled users held at once).
    let users = engine.compile_each(set.users.iter().map(|u| &u.user));
    let mut reviewer = Reviewer::new(&engine);
    let count = set.users.len();
    let reviews = users
        .zip(locations)
        .map(|(cu, loc)| Reviewed::new(reviewer.review(&cu), loc));
    let text = match a.format {
        // Each review written as it is made (not 100k held at once).
        AclFormat::Json => render::review_json_each(&set.origin, &set.problems, count, reviews)?,
        AclFormat::Text => render::review_text(&set.problems, &reviews.collect::<Vec<_>>()),
    };
    super::emit(&text, None)?;
    if a.record {
        record_review(a, count)?;
    }
    // The users, compiled users and reviews are freed by the exit.
    super::exit_now(0)
}

/// `--record`: one row in the history's `reviews` (name, date, user count).
fn record_review(a: &ReviewArgs, users: usize) -> Result<()> {
    use rampart_collect::history;
    let server = history::review_name(
        a.server.as_deref(),
        a.source.target.as_deref(),
        a.source.config.as_deref(),
    )
    .context(
        "--record needs --server NAME (host:port as the audit names the server, or the config file's path) when no --config is given",
    )?;
    let place = history::record_review(a.history.as_deref(), &server, users)?;
    anstream::eprintln!(
        "rampart: recorded a review of {users} user(s) of {} in {place}",
        clean(&server)
    );
    Ok(())
}

// --------------------------------------------------------------------- diff

fn diff(a: &DiffArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let sa = acl_source::load_path(&a.a, table)?;
    let sb = acl_source::load_path(&a.b, table)?;
    let engine = Engine::new(table);
    let ua = engine.compile_all(sa.users.iter().map(|u| &u.user));
    let ub = engine.compile_all(sb.users.iter().map(|u| &u.user));
    let out: Vec<Value> = redis_acl::diff::diff(&engine, &ua, &ub)
        .iter()
        .map(render::change_json)
        .collect();
    let text = match a.format {
        AclFormat::Json => {
            render::diff_json((&sa.origin, &sa.problems), (&sb.origin, &sb.problems), &out)?
        }
        AclFormat::Text => render::diff_text(&sa.problems, &sb.problems, &out),
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

fn migrate(a: &MigrateArgs, table: &'static CommandTable) -> Result<ExitCode> {
    let o = acl_source::migrate_hashes(
        &acl_source::MigrateOptions {
            file: &a.file,
            output: a.output.as_deref(),
            dry_run: a.dry_run,
        },
        table,
    )?;
    anstream::eprint!(
        "{}: {} password rule(s) hashed{}{}\n",
        a.file.display(),
        o.changed,
        if o.remaining > 0 {
            format!(", {} left in clear (not representable)", o.remaining)
        } else {
            String::new()
        },
        if a.dry_run {
            " (dry run, nothing written)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}
