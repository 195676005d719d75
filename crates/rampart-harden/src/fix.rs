//! `rampart audit --config FILE --fix | --diff [--unsafe-fixes]`: the
//! workflow (the binary renders [`Plan`]'s entries).
//!
//! The fixes of the failing findings are planned on the files as they are
//! (the line each edit names must still hold its directive; secret lines
//! are never touched; two fixes that disagree on a line: the second is
//! skipped), the result is re-parsed (no new line Redis would reject), and
//! only then written: a backup `FILE.rampart-bak` first (`.1`, `.2`, ...
//! when one exists: a backup is never overwritten; it appears whole or
//! not at all), then a temp file in the same directory with the
//! original's mode and owner, renamed over it (both by
//! `rampart_fs`). A file that is a symbolic link is refused before
//! anything is written.

use crate::error::{Error, Result};
use rampart_checks::{run_all, EditKind, Fix, Safety, Snapshot, Status};
use redis_conf::edit::{same_name, unified, Editor};
use redis_conf::{Config, LoadOptions, ProblemKind};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The comment above the lines `--fix` appends.
const HEADER: &str =
    "# Added by rampart audit --fix (each line satisfies a check: see `rampart explain ID`).";

fn clean(s: &str) -> String {
    rampart_report::sanitize::for_terminal(s)
}

/// One fix in the summary.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The check ID.
    pub id: &'static str,
    pub safety: Safety,
    /// What the fix does (from the check: not yet sanitised).
    pub summary: String,
    /// Why skipped, or the display-only reason (not yet sanitised).
    pub note: String,
}

/// One file and what it becomes.
struct FilePlan {
    path: PathBuf,
    original: String,
    new: String,
    diff: String,
}

/// What `--fix` would do.
pub struct Plan {
    files: Vec<FilePlan>,
    /// Fixes applied (or that would be).
    pub applied: Vec<Entry>,
    /// Fixes not applied, with why.
    pub skipped: Vec<Entry>,
    /// Display-only fixes, left to a person.
    pub display: Vec<Entry>,
}

/// A config file, bounded, valid UTF-8 (an edit must not change other bytes).
fn read_text(p: &Path) -> Result<String> {
    String::from_utf8(crate::common::read_bounded(p)?).map_err(|_| Error::NotUtf8 {
        path: p.to_path_buf(),
    })
}

/// Why an edit cannot be made on this file as it is, if it cannot.
fn refuse(ed: &Editor, e: &rampart_checks::Edit) -> Option<String> {
    if e.kind == EditKind::Append {
        let name = e.after.split(' ').next().unwrap_or("");
        if redis_conf::SENSITIVE_DIRECTIVES.contains(&name) {
            return Some("it would write a secret directive".into());
        }
        let repeating = name == "rename-command";
        let clash = ed.appended.iter().any(|a| {
            *a != e.after && !repeating && a.split(' ').next().is_some_and(|n| same_name(n, name))
        });
        return clash.then(|| format!("another fix appends a different {name} line"));
    }
    let Some(line) = ed.line(e.line) else {
        return Some(format!("{}:{} does not exist", e.file.display(), e.line));
    };
    let words = redis_conf::split_args(line.as_bytes());
    let first = words
        .as_ref()
        .and_then(|w| w.first())
        .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase());
    let Some(first) = first else {
        return Some(format!(
            "{}:{} no longer holds {}",
            e.file.display(),
            e.line,
            e.directive
        ));
    };
    if redis_conf::SENSITIVE_DIRECTIVES.contains(&first.as_str()) {
        return Some(format!(
            "{}:{} holds a secret directive",
            e.file.display(),
            e.line
        ));
    }
    if !same_name(&first, &e.directive) {
        return Some(format!(
            "{}:{} holds {first}, not {}",
            e.file.display(),
            e.line,
            e.directive
        ));
    }
    let new = match e.kind {
        EditKind::Comment => format!("# {line}"),
        _ => e.after.clone(),
    };
    match ed.replacement(e.line) {
        Some(Some(other)) if *other == new => None,
        Some(_) => Some(format!(
            "another fix changes {}:{} differently",
            e.file.display(),
            e.line
        )),
        None => None,
    }
}

fn stage(ed: &mut Editor, e: &rampart_checks::Edit) {
    match e.kind {
        EditKind::Append => {
            if !ed.appended.contains(&e.after) {
                ed.appended.push(e.after.clone());
            }
        }
        EditKind::Comment => {
            let line = ed.line(e.line).unwrap_or("").to_string();
            ed.replace_line(e.line, format!("# {line}"));
        }
        EditKind::Replace => ed.replace_line(e.line, e.after.clone()),
    }
}

/// Fatal problems in `text` parsed as `path` (includes read from disk).
fn fatal_count(path: &Path, text: &str, config: &Config) -> usize {
    let opts = LoadOptions {
        working_dir: config.working_dir.clone(),
        ..LoadOptions::default()
    };
    Config::parse_str(path, text, &opts)
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Fatal)
        .count()
}

/// Plan the fixes of `snapshot`'s failing findings.
pub fn plan(snapshot: &Snapshot, unsafe_fixes: bool) -> Result<Plan> {
    let Some(conf) = snapshot.conf.get() else {
        return Err(Error::Refused(
            "no config file was read: nothing to fix".to_string(),
        ));
    };
    let fatal: Vec<String> = snapshot
        .input_problems()
        .into_iter()
        .filter(|p| p.fatal)
        .map(|p| format!("{}: {}", clean(&p.location), clean(&p.message)))
        .collect();
    if !fatal.is_empty() {
        return Err(Error::Refused(format!(
            "Redis would refuse these lines as they are, so rampart cannot tell whether a fix leaves the config loadable; fix them first (nothing changed):\n  {}",
            fatal.join("\n  ")
        )));
    }
    if let Some(why) = conf.config.unread_summary() {
        return Err(Error::Refused(format!(
            "the config includes files rampart did not read, which may undo any fix: {}; nothing changed",
            clean(&why)
        )));
    }
    let findings = run_all(snapshot);
    let candidates: Vec<(&'static str, &Fix)> = findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
        .filter_map(|f| f.fix.as_ref().map(|x| (f.id, x)))
        .collect();

    // The text of every file an edit names (one of the config's files).
    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (_, fix) in &candidates {
        for e in &fix.edits {
            if texts.contains_key(&e.file) {
                continue;
            }
            if !conf.config.files.iter().any(|f| f.path == e.file) {
                return Err(Error::Internal(format!(
                    "internal error: a fix names {}, which is not one of the config's files; nothing changed",
                    e.file.display()
                )));
            }
            texts.insert(e.file.clone(), read_text(&e.file)?);
        }
    }
    let mut editors: BTreeMap<PathBuf, Editor> = texts
        .iter()
        .map(|(p, t)| (p.clone(), Editor::new(p.clone(), t, &conf.config, HEADER)))
        .collect();

    let mut plan = Plan {
        files: Vec::new(),
        applied: Vec::new(),
        skipped: Vec::new(),
        display: Vec::new(),
    };
    for (id, fix) in candidates {
        let entry = |note: String| Entry {
            id,
            safety: fix.safety,
            summary: fix.summary.clone(),
            note,
        };
        if fix.safety == Safety::DisplayOnly || fix.edits.is_empty() {
            plan.display.push(entry(fix.reason.clone()));
            continue;
        }
        if fix.safety == Safety::Unsafe && !unsafe_fixes {
            plan.skipped.push(entry(format!(
                "unsafe ({}): use --unsafe-fixes",
                fix.reason
            )));
            continue;
        }
        let why_not = fix
            .edits
            .iter()
            .find_map(|e| editors.get(&e.file).and_then(|ed| refuse(ed, e)));
        if let Some(why) = why_not {
            plan.skipped.push(entry(format!("not applied: {why}")));
            continue;
        }
        for e in &fix.edits {
            if let Some(ed) = editors.get_mut(&e.file) {
                stage(ed, e);
            }
        }
        plan.applied.push(entry(String::new()));
    }

    for (path, ed) in &editors {
        if !ed.is_changed() {
            continue;
        }
        let new_lines = ed.new_lines();
        let new: String = new_lines.concat();
        let original = texts.get(path).cloned().unwrap_or_default();
        if fatal_count(path, &new, &conf.config) > fatal_count(path, &original, &conf.config) {
            return Err(Error::Internal(format!(
                "internal error: the fixed {} would not load in Redis; nothing changed",
                path.display()
            )));
        }
        let name = clean(&path.display().to_string());
        plan.files.push(FilePlan {
            path: path.clone(),
            diff: unified(&ed.ops(&new_lines), &name, &name, &clean),
            original,
            new,
        });
    }
    Ok(plan)
}

impl Plan {
    /// Nothing would change.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The unified diff of every file that changes (secret lines as `***`).
    pub fn diff(&self) -> String {
        self.files.iter().map(|f| f.diff.as_str()).collect()
    }

    /// The files that change.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// Back up and rewrite every changed file. Returns (file, backup).
    pub fn write(&self) -> Result<Vec<(PathBuf, PathBuf)>> {
        // Every backup first: a failure leaves the configs untouched.
        // rampart writes no file through a link (a planted link would
        // make it write elsewhere as root): refused before anything.
        for f in &self.files {
            rampart_fs::check_target(&f.path)?;
        }
        let mut backups = Vec::new();
        for f in &self.files {
            let now = read_text(&f.path)?;
            if now != f.original {
                return Err(Error::Refused(format!(
                    "{} changed while rampart was fixing it; nothing changed",
                    f.path.display()
                )));
            }
            backups.push(backup(&f.path, &f.original)?);
        }
        let mut out = Vec::new();
        for (f, b) in self.files.iter().zip(backups) {
            replace_atomically(&f.path, &f.new).map_err(|source| Error::NotReplaced {
                path: f.path.clone(),
                backup: b.clone(),
                source,
            })?;
            out.push((f.path.clone(), b));
        }
        Ok(out)
    }
}

/// `FILE.rampart-bak` (or `.rampart-bak.N`), created new and complete
/// (a crash leaves no half backup), with the original's mode and owner.
/// A name that is taken, by anything, is skipped: a backup is never
/// overwritten.
fn backup(path: &Path, original: &str) -> Result<PathBuf> {
    let meta = rampart_fs::check_target(path)?
        .ok_or_else(|| Error::Refused(format!("{} is gone", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for n in 0..1000 {
        let b = if n == 0 {
            path.with_file_name(format!("{name}.rampart-bak"))
        } else {
            path.with_file_name(format!("{name}.rampart-bak.{n}"))
        };
        let made = rampart_fs::create_new(
            &b,
            original.as_bytes(),
            meta.mode() & 0o7777,
            rampart_fs::Owner::Ids(meta.uid(), meta.gid()),
        )
        .map_err(|source| Error::Backup {
            path: b.clone(),
            source,
        })?;
        if made {
            return Ok(b);
        }
    }
    Err(Error::Refused(format!(
        "{}: too many backups ({name}.rampart-bak.*): remove old ones",
        path.display()
    )))
}

/// Write `body` over `path` keeping its mode and owner (a symbolic link
/// is refused, never written through).
fn replace_atomically(path: &Path, body: &str) -> Result<(), rampart_fs::Error> {
    rampart_fs::replace_keeping(path, body.as_bytes(), rampart_fs::Mode::Exact(0o600))
}
