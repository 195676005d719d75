//! The users `rampart acl` reads: an ACL file, a redis.conf (its `user`
//! lines, `requirepass`, or the `aclfile` it names), or a live server's
//! `ACL LIST` judged with its own command table. I/O and loading only; the
//! permission questions are `redis_acl`'s, the verdicts the checks'.

use redis_acl::{AclFile, CommandTable, Rule, User, UserDef};
use redis_conf::{Config, LoadOptions};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AclSourceError {
    #[error("cannot read {}", .0.display())]
    Io(PathBuf, #[source] std::io::Error),
    #[error("{}: {size} bytes, over the limit of {MAX_BYTES}", .path.display())]
    TooBig { path: PathBuf, size: u64 },
    #[error("{}: binary file (NUL bytes)", .0.display())]
    Binary(PathBuf),
    #[error(transparent)]
    Read(#[from] redis_conf::fileio::ReadFileError),
    #[error(transparent)]
    Config(#[from] redis_conf::LoadError),
    /// No file given, or the live server did not answer.
    #[error("{0}")]
    Other(String),
}

type Result<T> = std::result::Result<T, AclSourceError>;

/// One user as loaded, with where it was defined.
pub struct LoadedUser {
    pub user: User,
    /// `file:line`, or `None` for the built-in default user.
    pub location: Option<String>,
}

/// A set of users and the lines Redis would reject.
pub struct AclSet {
    /// What was read (`users.acl`, `redis.conf`, `ACL LIST on host:port`).
    pub origin: String,
    pub users: Vec<LoadedUser>,
    /// `(file:line, Redis's message)`.
    pub problems: Vec<(String, String)>,
    /// The server's `databases`, when the source says (config, live server).
    pub databases: Option<u32>,
}

impl AclSet {
    /// The problems on one line: `loc: message; loc: message`.
    pub fn problems_line(&self) -> String {
        self.problems
            .iter()
            .map(|(l, m)| format!("{l}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The largest file read (16 MiB).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// A file's bytes, at most [`MAX_BYTES`] and without NUL bytes.
pub fn read_bytes(p: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(p).map_err(|e| AclSourceError::Io(p.to_path_buf(), e))?;
    if meta.len() > MAX_BYTES {
        return Err(AclSourceError::TooBig {
            path: p.to_path_buf(),
            size: meta.len(),
        });
    }
    let b = redis_conf::fileio::read(p, MAX_BYTES)?;
    if b.contains(&0) {
        return Err(AclSourceError::Binary(p.to_path_buf()));
    }
    Ok(b)
}

/// [`read_bytes`] as text (lossy where not UTF-8).
pub fn read_text(p: &Path) -> Result<String> {
    Ok(String::from_utf8_lossy(&read_bytes(p)?).into_owned())
}

/// An ACL file's users (the built-in default added when not defined).
pub fn aclset_from_aclfile(path: &Path, text: &str, table: &CommandTable) -> AclSet {
    let parsed = AclFile::parse_built_with(path, text, table);
    // The users the parse built (applying each line's rules again was a
    // quarter of loading 100k users).
    let mut users: Vec<LoadedUser> = parsed
        .users
        .iter()
        .zip(parsed.built)
        .map(|(d, user)| LoadedUser {
            user,
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
pub fn aclset_from_config(path: &Path, config: &Config, table: &CommandTable) -> AclSet {
    let mut users: Vec<LoadedUser> = Vec::new();
    let mut names = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for d in config.all("user") {
        match UserDef::from_config_args_with(&d.args, d.span.clone(), table) {
            Ok(def) => {
                if def.name != "default" && names.contains(&def.name) {
                    problems.push((
                        d.span.to_string(),
                        format!("Duplicate user '{}' found", def.name),
                    ));
                    continue;
                }
                match def.to_user_from_config_with(table) {
                    Ok(user) => {
                        if !names.insert(def.name.clone()) {
                            users.retain(|u| u.user.name != def.name);
                        }
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

/// A text holds an ACL file when every non-blank line starts with `user `.
pub fn is_aclfile(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .all(|l| l.starts_with("user "))
}

/// Users of an ACL file or a redis.conf, from its text.
pub fn load_text(p: &Path, text: &str, table: &CommandTable) -> AclSet {
    if is_aclfile(text) {
        aclset_from_aclfile(p, text, table)
    } else {
        let config = Config::parse_str(p, text, &LoadOptions::default());
        aclset_from_config(p, &config, table)
    }
}

/// Users of the ACL file or redis.conf at `p`.
pub fn load_path(p: &Path, table: &CommandTable) -> Result<AclSet> {
    Ok(load_text(p, &read_text(p)?, table))
}

/// Files: `aclfile`, or `config` (its `aclfile`, or its `user` lines).
pub struct FileSource<'a> {
    pub config: Option<&'a Path>,
    pub aclfile: Option<&'a Path>,
}

/// `table` as the config's `rename-command` lines leave it (a command
/// renamed to `""` is unknown, one renamed to NAME is called as NAME), as
/// the server started on that file has it. A config that cannot be read
/// changes nothing here: loading the users reports it.
pub fn renamed_by_config<'t>(
    config: Option<&Path>,
    table: &'t CommandTable,
) -> Cow<'t, CommandTable> {
    let Some(conf) = config else {
        return Cow::Borrowed(table);
    };
    let Ok(config) = Config::load(conf, &LoadOptions::default()) else {
        return Cow::Borrowed(table);
    };
    let c = rampart_checks::ConfFacts {
        path: conf.to_path_buf(),
        config,
    };
    match rampart_checks::aclbuild::file_command_table(&c, table) {
        Some(renamed) => Cow::Owned(renamed),
        None => Cow::Borrowed(table),
    }
}

impl FileSource<'_> {
    pub fn load(&self, table: &CommandTable) -> Result<AclSet> {
        if let Some(p) = self.aclfile {
            return Ok(aclset_from_aclfile(p, &read_text(p)?, table));
        }
        let Some(conf) = self.config else {
            return Err(AclSourceError::Other("give --aclfile FILE or --config FILE (a live server comes with the live-connection layer)".into()));
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
                aclset_from_aclfile(&p, &read_text(&p)?, table)
            }
            None => aclset_from_config(conf, &config, table),
        };
        set.databases = databases;
        Ok(set)
    }
}

/// A live server's users (`ACL LIST`) and its own command table (COMMAND;
/// `None` when it may not be read).
pub struct LiveAcl {
    pub set: AclSet,
    pub table: Option<CommandTable>,
}

/// Read the users of the server at `endpoint`.
pub fn load_live(
    endpoint: &rampart_live::Endpoint,
    creds: &rampart_live::Credentials,
    opts: &rampart_live::ConnectOptions,
) -> Result<LiveAcl> {
    let coll = crate::live::collect_live(endpoint, creds, opts);
    let live = match coll.live {
        rampart_checks::Avail::Present(l) => l,
        rampart_checks::Avail::Failed(e) | rampart_checks::Avail::Absent(e) => {
            return Err(AclSourceError::Other(e))
        }
    };
    let facts = match coll.acl {
        rampart_checks::Avail::Present(f) => f,
        rampart_checks::Avail::Failed(e) | rampart_checks::Avail::Absent(e) => {
            return Err(AclSourceError::Other(e))
        }
    };
    let databases = live
        .config
        .as_ref()
        .ok()
        .and_then(|c| c.get("databases"))
        .and_then(|v| v.parse::<u32>().ok());
    let origin = format!("ACL LIST on {endpoint}");
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
    Ok(LiveAcl {
        set: AclSet {
            origin,
            users,
            problems,
            databases,
        },
        table: live.command_table.map(|t| (*t).clone()),
    })
}

/// What `migrate-hashes` did.
pub struct MigrateOutcome {
    /// Password rules rewritten.
    pub changed: usize,
    /// Plaintext passwords left (not representable as a hash rule).
    pub remaining: usize,
    /// Whether a file was written.
    pub written: bool,
}

/// Options of [`migrate_hashes`].
pub struct MigrateOptions<'a> {
    pub file: &'a Path,
    /// Write here instead of in place.
    pub output: Option<&'a Path>,
    pub dry_run: bool,
}

/// Rewrite `>password` rules to `#<sha256>` (and `<password` to
/// `!<sha256>`) in an ACL file or redis.conf, keeping every other byte
/// ([`redis_acl::migrate`]). Nothing is written unless the file loads as
/// it is and the result loads with the same users, hashes and permissions;
/// the write goes through `rampart_fs` (in place: owner, group and mode kept).
pub fn migrate_hashes(o: &MigrateOptions<'_>, table: &CommandTable) -> Result<MigrateOutcome> {
    // Bytes in, bytes out: the text (lossy where not UTF-8) is only
    // what the before/after comparison loads.
    let bytes = read_bytes(o.file)?;
    let text = String::from_utf8_lossy(&bytes);
    let before = load_text(o.file, &text, table);
    let aclfile = is_aclfile(&text);
    if !before.problems.is_empty() {
        return Err(AclSourceError::Other(format!(
            "{} does not load as it is, nothing written: {}",
            o.file.display(),
            before.problems_line()
        )));
    }
    let kind = if aclfile {
        redis_acl::migrate::FileKind::AclFile
    } else {
        redis_acl::migrate::FileKind::Config
    };
    let (new, changed) = redis_acl::migrate::hash_passwords(&bytes, kind);
    // The result must load, with the same users, hashes and permissions.
    let new_text = String::from_utf8_lossy(&new);
    let after = if aclfile {
        aclset_from_aclfile(o.file, &new_text, table)
    } else {
        aclset_from_config(
            o.file,
            &Config::parse_str(o.file, &new_text, &LoadOptions::default()),
            table,
        )
    };
    if !after.problems.is_empty() {
        return Err(AclSourceError::Other(format!(
            "the rewritten file would not load, nothing written: {}",
            after.problems_line()
        )));
    }
    let lines =
        |s: &AclSet| -> Vec<String> { s.users.iter().map(|u| u.user.acl_list_line()).collect() };
    if lines(&before) != lines(&after) {
        return Err(AclSourceError::Other(
            "the rewritten file would not hold the same users and passwords; nothing written"
                .into(),
        ));
    }
    let remaining = after
        .users
        .iter()
        .flat_map(|u| u.user.passwords.iter())
        .filter(|p| p.plaintext.is_some())
        .count();
    let written = !o.dry_run && changed > 0;
    if written {
        // In place: the file keeps its owner, group and mode. A new
        // --output file gets the source's mode.
        use std::os::unix::fs::MetadataExt;
        let dest = o.output.unwrap_or(o.file);
        let src_mode = std::fs::metadata(o.file)
            .map(|m| m.mode() & 0o7777)
            .unwrap_or(0o600);
        rampart_fs::replace_keeping(dest, &new, rampart_fs::Mode::Exact(src_mode))
            .map_err(|e| AclSourceError::Other(rampart_fs::with_causes(&e)))?;
    }
    Ok(MigrateOutcome {
        changed,
        remaining,
        written,
    })
}
