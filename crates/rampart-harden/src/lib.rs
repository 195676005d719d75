//! rampart's hardening and fixing workflows, as a library.
//!
//! [`harden`]: from an existing redis.conf (and ACL file), and optionally
//! a [`Policy`] of roles, plan a hardened redis.conf, an external ACL file
//! and a once-only password file; or, from a sentinel.conf, a hardened
//! sentinel.conf (users kept in it, hashed). [`write()`] writes a plan.
//!
//! The operator's file is the starting point: comments and unrelated lines
//! are kept byte for byte; a setting hardening needs is changed where it
//! wins (its last line in the main file) or appended at the end. Every
//! change is listed with the check ID it satisfies, with the diff of the
//! config. Passwords are generated from the OS RNG, stored hashed in the
//! ACL file and in clear only in `passwords.txt` (mode 0600, created with
//! O_EXCL: never overwritten). Nothing a plan shows ever contains a
//! password: the diff shows secret directives as `***`, and every password
//! the workflow reads or makes is registered with the secret scrubber
//! (`rampart_report::scrub`).
//!
//! [`fix`]: `rampart audit --fix`, the fixes of failing findings applied
//! to the config files in place, with backups.
//!
//! Modules: [`policy`] (the policy file and the roles' ACL rules), `users`
//! (the input's users, hardened, and those of an earlier run), `server`
//! (redis.conf), `sentinel` (sentinel.conf); the names they share live in
//! `common`, which uses neither.
// Libraries never print: they return values and take a progress sink;
// only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod error;
pub mod fix;
pub mod policy;
mod sentinel;
mod server;
mod users;

pub use common::Change;
pub use policy::{Policy, PolicyUser, Role};

pub use error::{Error, Result};
use redis_conf::{Config, Format, LoadOptions, Secret};
use std::path::{Path, PathBuf};

/// The config to harden: its absolute path, its text and its parse.
pub struct Input {
    /// Absolute path of the main file.
    pub path: PathBuf,
    /// The main file's text.
    pub text: String,
    /// The parse (includes read from disk).
    pub config: Config,
    /// How it was read (redis.conf or sentinel.conf).
    pub options: LoadOptions,
}

impl Input {
    /// Read a redis.conf (`Format::Server`) or sentinel.conf: refused
    /// when the server would refuse it, or (redis.conf) when it includes
    /// files rampart did not read.
    pub fn load(path: &Path, format: Format) -> Result<Input> {
        let path = common::absolute(path)?;
        let text = common::read(&path)?;
        let options = load_options(format);
        let config = Config::load(&path, &options).map_err(|source| Error::Load {
            path: path.clone(),
            source,
        })?;
        Input::checked(path, text, config, options)
    }

    /// An input from text (offline: includes are still read from disk).
    pub fn from_text(path: &Path, text: &str, format: Format) -> Result<Input> {
        let options = load_options(format);
        let config = Config::parse_str(path, text, &options);
        Input::checked(path.to_path_buf(), text.to_string(), config, options)
    }

    fn checked(path: PathBuf, text: String, config: Config, options: LoadOptions) -> Result<Input> {
        let sentinel = options.format == Format::Sentinel;
        if let Some(p) = config
            .problems
            .iter()
            .find(|p| p.kind == redis_conf::ProblemKind::Fatal)
        {
            return Err(Error::Refused(format!(
                "{}: {} ({} would refuse this config; fix it first, nothing written)",
                p.span,
                common::clean(&p.message),
                if sentinel { "redis-sentinel" } else { "Redis" }
            )));
        }
        if !sentinel {
            if let Some(why) = config.unread_summary() {
                return Err(Error::Refused(format!(
                    "the config includes files rampart did not read, which may undo what harden writes: {}; nothing written",
                    common::clean(&why)
                )));
            }
        }
        Ok(Input {
            path,
            text,
            config,
            options,
        })
    }
}

fn load_options(format: Format) -> LoadOptions {
    LoadOptions {
        format,
        ..LoadOptions::default()
    }
}

/// Certificates that turn on TLS only.
#[derive(Clone, Debug)]
pub struct Tls {
    /// Server certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// CA that client and peer certificates must chain to.
    pub ca: PathBuf,
}

/// What to harden, and how.
#[derive(Default)]
pub struct Options {
    /// Where the outputs go (the plan's paths; [`write()`] creates it).
    pub out_dir: PathBuf,
    /// The current external ACL file (default: the config's `aclfile`).
    pub aclfile: Option<PathBuf>,
    /// Users and roles to create (else `admin`, and `replication` for a
    /// replica or with `replication`).
    pub policy: Option<Policy>,
    /// The output directory of an earlier run: its users as they are.
    pub users_from: Option<PathBuf>,
    /// sentinel.conf: the data nodes' output, for `auth-user`/`auth-pass`.
    pub data_users: Option<PathBuf>,
    /// Add the replication user even on a primary.
    pub replication: bool,
    pub tls: Option<Tls>,
    /// The port to listen on (the TLS port with TLS).
    pub port: Option<u16>,
}

/// What is hardened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// redis.conf + users.acl.
    Server,
    /// sentinel.conf (users inside).
    Sentinel,
}

/// A file to write and its content.
pub struct OutFile {
    pub path: PathBuf,
    pub text: String,
}

/// A user of the output, as the report lists it.
pub struct PlanUser {
    pub name: String,
    /// Its role, or where it comes from (`kept from the input`, `shared`).
    pub role: String,
    /// A password generated on this run (goes to passwords.txt only).
    pub new_password: Option<Secret>,
}

/// What hardening would write, and why. No `Debug`: it holds passwords.
pub struct Plan {
    pub kind: Kind,
    /// The output directory (absolute).
    pub out_dir: PathBuf,
    /// The hardened redis.conf or sentinel.conf.
    pub conf: OutFile,
    /// users.acl (redis.conf only).
    pub acl: Option<OutFile>,
    /// Where passwords.txt goes (written only when a password is new).
    pub passwords: PathBuf,
    /// Unified diff of the config against the input (secrets as `***`,
    /// sanitised for a terminal).
    pub diff: String,
    /// Each change with the check it satisfies.
    pub changes: Vec<Change>,
    /// The users of the output.
    pub users: Vec<PlanUser>,
    /// What the operator should know (kept settings, checks that will
    /// still warn).
    pub notes: Vec<String>,
}

impl Plan {
    /// The users given a password on this run, and the passwords.
    pub fn new_passwords(&self) -> Vec<(&str, &Secret)> {
        self.users
            .iter()
            .filter_map(|u| Some((u.name.as_str(), u.new_password.as_ref()?)))
            .collect()
    }
}

/// Plan the hardening of `input` (a redis.conf or, read as one, a
/// sentinel.conf). Reads what the options name (ACL file, earlier runs'
/// outputs); writes nothing.
pub fn harden(input: &Input, options: &Options) -> Result<Plan> {
    match input.options.format {
        Format::Sentinel => sentinel::harden(input, options),
        Format::Server => server::harden(input, options),
    }
}

/// What [`write()`] did.
pub struct Written {
    /// The group the files were given (`redis`/`valkey`), if any.
    pub group: Option<String>,
    /// Whether passwords.txt was written.
    pub passwords: bool,
}

/// Write a plan: passwords.txt first (O_EXCL, only when a password is
/// new), then the configs (mode 0640, in the server's group when root).
/// A config name that is a link (or not a file) stops the run before
/// anything is written. Every write goes through `rampart_fs`.
pub fn write(plan: &Plan) -> Result<Written> {
    common::make_out_dir(&plan.out_dir)?;
    let files: Vec<&OutFile> = plan.acl.iter().chain([&plan.conf]).collect();
    for f in &files {
        rampart_fs::check_target(&f.path)?;
    }
    let fresh = plan.new_passwords();
    let note = match plan.kind {
        Kind::Server => "",
        Kind::Sentinel => " (keep sentinel-peer's until every Sentinel of the group is hardened with --users-from)",
    };
    if !fresh.is_empty() {
        common::write_passwords(&plan.passwords, note, &fresh)?;
    }
    let server_gid = common::server_group();
    for f in &files {
        common::write_0640(&f.path, &f.text, server_gid.as_ref())?;
    }
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    Ok(Written {
        group: common::group_given(server_gid, &paths),
        passwords: !fresh.is_empty(),
    })
}
