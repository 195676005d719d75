//! Build the users a server would hold at startup from its files: the
//! `aclfile`, or redis.conf `user` lines, or the built-in default user with
//! `requirepass`. Pure: the collector reads the files, this decides.

use crate::model::Source;
use crate::snapshot::{AclFacts, AclOrigin, Avail, ConfFacts, UserEntry};
use redis_acl::{AclFile, CommandTable, Rule, User, UserDef};
use redis_conf::{Secret, Span};
use std::path::Path;

/// The ACL file as the collector found it.
pub enum AclFileInput<'a> {
    Text { path: &'a Path, text: &'a str },
    Unreadable { path: &'a Path, error: String },
}

/// `base` as the config's `rename-command FROM TO` lines leave it (a
/// command renamed to `""` is gone for clients, one renamed to NAME is
/// called only as NAME); `None` when the config renames nothing.
pub fn file_command_table(c: &ConfFacts, base: &CommandTable) -> Option<CommandTable> {
    let renames: Vec<(&str, &str)> = c
        .config
        .all("rename-command")
        .filter_map(|d| match d.args.as_slice() {
            [from, to] => Some((from.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    (!renames.is_empty()).then(|| base.with_renames(&renames))
}

/// Build the users. `aclfile` must be given when the config names one.
pub fn build_acl_facts(c: &ConfFacts, aclfile: Option<AclFileInput<'_>>) -> Avail<AclFacts> {
    build_acl_facts_with(c, aclfile, CommandTable::redis_7_0())
}

/// [`build_acl_facts`] against the command table of the server the files
/// belong to (`--table`: a Valkey config's users name Valkey's commands).
pub fn build_acl_facts_with(
    c: &ConfFacts,
    aclfile: Option<AclFileInput<'_>>,
    table: &CommandTable,
) -> Avail<AclFacts> {
    let mut problems: Vec<(Span, String)> = Vec::new();
    let user_lines: Vec<&redis_conf::Directive> = c.config.all("user").collect();
    // `--aclfile` may name the file even when the config does not.
    let aclfile_set = !c.value("aclfile").is_empty() || aclfile.is_some();

    // `built`: per definition, the user the ACL file's parse built (none
    // for redis.conf lines, which are applied here).
    let (origin, defs, mut built, source) = if aclfile_set {
        if let Some(first) = user_lines.first() {
            problems.push((
                first.span.clone(),
                "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid (Redis refuses to start)".into(),
            ));
        }
        match aclfile {
            Some(AclFileInput::Text { path, text }) => {
                let parsed = AclFile::parse_built_with(path, text, table);
                for p in parsed.problems {
                    problems.push((p.span, p.message));
                }
                // The users the parse built, as ACLLoadFromFile makes them
                // (a new user of the table's line): not built twice. The
                // definitions stay where the parse put them, and the built
                // users become `Option`s in their own buffer (same size: no
                // copy of 100k users beside the parse's).
                let built: Vec<Option<User>> = parsed.built.into_iter().map(Some).collect();
                (
                    AclOrigin::AclFile(path.to_path_buf()),
                    parsed.users,
                    built,
                    Source::Aclfile,
                )
            }
            Some(AclFileInput::Unreadable { path, error }) => {
                return Avail::Failed(format!("cannot read ACL file {}: {error}", path.display()));
            }
            None => {
                return Avail::Failed(format!(
                    "the config names aclfile {} but it was not read",
                    c.value("aclfile")
                ))
            }
        }
    } else if !user_lines.is_empty() {
        let mut defs = Vec::new();
        for d in &user_lines {
            let Some(name) = d.args.first() else {
                problems.push((d.span.clone(), "user: missing user name".into()));
                continue;
            };
            match UserDef::from_config_args_with(&d.args, d.span.clone(), table) {
                Ok(def) => defs.push(def),
                Err(e) => problems.push((d.span.clone(), format!("user {name}: {e}"))),
            }
        }
        let built = defs.iter().map(|_| None).collect();
        (AclOrigin::ConfUserLines, defs, built, Source::Conf)
    } else {
        (
            AclOrigin::BuiltinDefault,
            Vec::new(),
            Vec::new(),
            Source::Conf,
        )
    };

    // Sized once (the default user may be added): not grown by doubling
    // to 100k users.
    let mut users: Vec<UserEntry> = Vec::with_capacity(defs.len() + 1);
    let mut default_implicit = true;
    // Names defined so far: one lookup a user, not a scan (100k users),
    // borrowed from the definitions (not a copy of each name).
    let mut names: std::collections::HashSet<&str> =
        std::collections::HashSet::with_capacity(defs.len());
    for (def, built) in defs.iter().zip(built.iter_mut()) {
        let built = built.take();
        let is_default = def.name == "default";
        let existing = names.contains(def.name.as_str());
        let mut user = match (existing, is_default) {
            (true, false) => {
                problems.push((
                    def.span.clone(),
                    format!("Duplicate user '{}' found", def.name),
                ));
                continue;
            }
            // The default user is reset before its line is applied; a
            // repeated `user default` line in redis.conf starts over.
            (_, true) => {
                let mut u = User::default_user();
                if let Err(e) = u.apply_with(table, &[Rule::Reset]) {
                    problems.push((def.span.clone(), e.message));
                    continue;
                }
                u
            }
            (false, false) => match built {
                Some(u) => {
                    names.insert(&def.name);
                    users.push(UserEntry {
                        user: u,
                        span: Some(def.span.clone()),
                        source,
                    });
                    continue;
                }
                None => User::new(&def.name),
            },
        };
        if let Err(e) = user.apply_with(table, &def.rules) {
            problems.push((def.span.clone(), format!("user {}: {e}", def.name)));
            continue;
        }
        let entry = UserEntry {
            user,
            span: Some(def.span.clone()),
            source,
        };
        names.insert(&def.name);
        if is_default {
            default_implicit = false;
            users.retain(|u| u.user.name != "default");
            users.insert(0, entry);
        } else {
            users.push(entry);
        }
    }

    if default_implicit {
        let mut user = User::default_user();
        let mut span = None;
        // requirepass is ignored when an aclfile is used.
        if !aclfile_set {
            if let Some(d) = c.config.last("requirepass") {
                let pw = d.args.first().cloned().unwrap_or_default();
                span = Some(d.span.clone());
                let rules = if pw.is_empty() {
                    vec![Rule::NoPass]
                } else {
                    vec![
                        Rule::ResetPass,
                        Rule::AddPassword(Secret::new(pw.into_bytes())),
                    ]
                };
                if let Err(e) = user.apply(&rules) {
                    problems.push((d.span.clone(), format!("requirepass: {e}")));
                }
            }
        }
        users.insert(
            0,
            UserEntry {
                user,
                span,
                source: Source::Conf,
            },
        );
    }

    Avail::Present(AclFacts {
        origin,
        users,
        default_implicit,
        problems,
    })
}
