//! Fixes: what a check would change to pass, and how safe that is.
//!
//! A failing (or warning) finding carries a [`Fix`]. Its [`Safety`] says
//! whether `rampart audit --fix` may apply it on its own (`safe`), only
//! with `--unsafe-fixes` (`unsafe`), or never (`display-only`: it needs a
//! person, a secret, a certificate or another host). Config edits point at
//! the line that wins for the setting (in the main file or an include), or
//! are appended to the main file when no line sets it; the runtime
//! equivalent (`CONFIG SET ...`) is shown, never run.
//!
//! No edit ever touches a line whose arguments may be a secret
//! (`requirepass`, `masterauth`, `user`, ...): [`FixBuilder`] turns such a
//! fix into a display-only one, so `before`/`after` never hold a password.

use crate::snapshot::{ConfFacts, Snapshot};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// How safe applying a fix is (ruff's applicability).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Safety {
    /// Cannot refuse a client that works today nor change data semantics.
    Safe,
    /// Correct, but may refuse clients or change behaviour.
    Unsafe,
    /// Needs a person or a secret: rampart prints it and never edits.
    DisplayOnly,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
            Safety::DisplayOnly => "display-only",
        }
    }
}

impl fmt::Display for Safety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an edit does to its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditKind {
    /// Replace the directive on `line` with `after`.
    Replace,
    /// Comment out the directive on `line`.
    Comment,
    /// Add `after` at the end of the file (`line` is where it will start).
    Append,
}

/// One change to one config line. `before` and `after` are directive
/// lines as rampart renders them (never a secret directive).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub file: PathBuf,
    /// 1-based: the line replaced or commented out; for an append, the
    /// line after the file's last one.
    pub line: u32,
    pub kind: EditKind,
    /// The canonical directive name the line must hold (checked before
    /// the file is written).
    pub directive: String,
    /// The line as parsed (`None` for an append).
    pub before: Option<String>,
    /// The new line (`None` never: a commented line is `# before`).
    pub after: String,
}

/// A fix for one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub safety: Safety,
    /// Why this safety level, in one line.
    pub reason: String,
    /// What the fix does, in one line (display-only: the instruction).
    pub summary: String,
    pub edits: Vec<Edit>,
    /// The runtime equivalent, for display only (`CONFIG SET name value`).
    pub runtime: Vec<String>,
}

impl Fix {
    /// A fix rampart only prints.
    pub fn display_only(summary: impl Into<String>, reason: impl Into<String>) -> Fix {
        Fix {
            safety: Safety::DisplayOnly,
            reason: reason.into(),
            summary: summary.into(),
            edits: Vec::new(),
            runtime: Vec::new(),
        }
    }

    /// Start a fix with config edits.
    pub fn builder(
        safety: Safety,
        summary: impl Into<String>,
        reason: impl Into<String>,
    ) -> FixBuilder {
        FixBuilder {
            fix: Fix {
                safety,
                reason: reason.into(),
                summary: summary.into(),
                edits: Vec::new(),
                runtime: Vec::new(),
            },
            refused: None,
            immutable: Vec::new(),
        }
    }
}

/// How a check decides its fix.
#[derive(Clone, Copy)]
pub enum FixRule {
    /// Never an edit: the remediation is printed, with this reason.
    DisplayOnly(&'static str),
    /// Computed from the snapshot of a failing or warning finding.
    Compute(fn(&Snapshot) -> Fix),
}

impl fmt::Debug for FixRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixRule::DisplayOnly(r) => write!(f, "DisplayOnly({r:?})"),
            FixRule::Compute(_) => f.write_str("Compute"),
        }
    }
}

/// Config parameters `CONFIG SET` refuses on Redis 7.0 (immutable or
/// protected): their fix takes effect at the next restart.
const NOT_RUNTIME: &[&str] = &[
    "syslog-enabled",
    "syslog-ident",
    "syslog-facility",
    "logfile",
    "daemonize",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "rename-command",
];

/// Builds a [`Fix`] from settings; refuses secret directives.
pub struct FixBuilder {
    fix: Fix,
    refused: Option<String>,
    immutable: Vec<String>,
}

impl FixBuilder {
    /// Set `name` to `args`: on the line that wins for it (aliases
    /// included), or appended to the main file when no line sets it.
    /// Without a config file only the runtime command is recorded.
    pub fn set(mut self, conf: Option<&ConfFacts>, name: &str, args: &[&str]) -> Self {
        if redis_conf::SENSITIVE_DIRECTIVES.contains(&name) {
            self.refused = Some(format!("{name} holds a secret"));
            return self;
        }
        let after = redis_conf::render_line(name, args);
        if NOT_RUNTIME.contains(&name) {
            self.immutable.push(name.to_string());
        } else {
            // CONFIG SET takes one value: the arguments joined by spaces.
            self.fix.runtime.push(format!(
                "CONFIG SET {name} {}",
                redis_conf::quote_arg(&args.join(" "))
            ));
        }
        let Some(c) = conf else { return self };
        let canonical = redis_conf::canonical_name(name).unwrap_or(name);
        let winner = c
            .config
            .directives
            .iter()
            .rev()
            .find(|d| redis_conf::canonical_name(&d.name).unwrap_or(&d.name) == canonical);
        match winner {
            Some(d) if d.args.iter().map(String::as_str).eq(args.iter().copied()) => {}
            Some(d) => {
                if d.is_sensitive() {
                    self.refused = Some(format!("{} holds a secret", d.name));
                    return self;
                }
                let before_args: Vec<&str> = d.args.iter().map(String::as_str).collect();
                self.fix.edits.push(Edit {
                    file: d.span.file.to_path_buf(),
                    line: d.span.line,
                    kind: EditKind::Replace,
                    directive: canonical.to_string(),
                    before: Some(redis_conf::render_line(&d.name, &before_args)),
                    after,
                });
            }
            None => self = self.append(Some(c), name, args),
        }
        self
    }

    /// Add a line for a repeating directive (`rename-command`) at the end
    /// of the main file.
    pub fn append(mut self, conf: Option<&ConfFacts>, name: &str, args: &[&str]) -> Self {
        if redis_conf::SENSITIVE_DIRECTIVES.contains(&name) {
            self.refused = Some(format!("{name} holds a secret"));
            return self;
        }
        if NOT_RUNTIME.contains(&name) && !self.immutable.iter().any(|n| n == name) {
            self.immutable.push(name.to_string());
        }
        let Some(c) = conf else { return self };
        let lines = c
            .config
            .files
            .iter()
            .find(|f| f.included_from.is_none())
            .map(|f| f.lines)
            .unwrap_or(0);
        self.fix.edits.push(Edit {
            file: c.path.clone(),
            line: lines.saturating_add(1),
            kind: EditKind::Append,
            directive: redis_conf::canonical_name(name).unwrap_or(name).to_string(),
            before: None,
            after: redis_conf::render_line(name, args),
        });
        self
    }

    /// The fix; display-only when a secret line would be touched or when
    /// there is nothing to edit and nothing to run.
    pub fn build(self, remediation: &str) -> Fix {
        let FixBuilder {
            mut fix,
            refused,
            immutable,
        } = self;
        if let Some(why) = refused {
            return Fix::display_only(
                remediation,
                format!("{why}: rampart never edits secret lines"),
            );
        }
        if fix.edits.is_empty() && fix.runtime.is_empty() {
            return Fix::display_only(
                remediation,
                "no config file was read and the setting cannot be changed at runtime: edit the config file and restart",
            );
        }
        if !immutable.is_empty() && !fix.edits.is_empty() {
            fix.summary.push_str(&format!(
                " (a restart applies it: {} cannot be changed at runtime)",
                immutable.join(", ")
            ));
        }
        fix
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::checks::test_support::conf_snapshot;
    use crate::registry::{all_checks, run_one};
    use crate::Status;

    /// Apply edits to the text of `redis.conf` (the test snapshot's file).
    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for e in edits {
            assert_eq!(e.file, PathBuf::from("redis.conf"));
            match e.kind {
                EditKind::Replace => lines[e.line as usize - 1] = e.after.clone(),
                EditKind::Comment => lines[e.line as usize - 1] = format!("# {}", e.after),
                EditKind::Append => lines.push(e.after.clone()),
            }
        }
        lines.join("\n") + "\n"
    }

    /// Every fix with edits, applied and re-parsed, makes its check pass
    /// (ruff's fix tests: re-parse the result, re-run the rule).
    #[test]
    fn applied_fixes_make_their_check_pass() {
        let confs = [
            "bind 0.0.0.0\nprotected-mode no\nlogfile \"\"\nenable-debug-command yes\n",
            "port 6380\nbind 10.0.0.1 8.8.8.8\n",
            "tls-port 6390\nport 6380\ntls-cert-file /x/s.crt\ntls-key-file /x/s.key\ntls-ca-cert-file /x/ca.crt\ntls-protocols \"TLSv1 TLSv1.2\"\ntls-auth-clients no\ntls-prefer-server-ciphers no\nreplicaof 10.0.0.1 6379\ncluster-enabled yes\n",
            "",
            "slave-read-only yes\nenable-module-command yes\nrename-command KEYS \"\"\n",
        ];
        let mut fixed = std::collections::BTreeSet::new();
        for text in confs {
            let s = conf_snapshot(text);
            for c in all_checks() {
                let f = run_one(c, &s);
                let Some(fix) = &f.fix else { continue };
                assert!(
                    !fix.reason.is_empty() && !fix.summary.is_empty(),
                    "{}",
                    c.id
                );
                if fix.edits.is_empty() {
                    assert_eq!(fix.safety, Safety::DisplayOnly, "{}", c.id);
                    continue;
                }
                let new = apply(text, &fix.edits);
                let s2 = conf_snapshot(&new);
                let fatal = |s: &Snapshot| s.conf.get().unwrap().config.has_fatal();
                assert!(fatal(&s) || !fatal(&s2), "{}: {new}", c.id);
                assert_eq!(
                    run_one(c, &s2).status,
                    Status::Pass,
                    "{} after its fix:\n{new}",
                    c.id
                );
                fixed.insert(c.id);
            }
        }
        for id in [
            "NET001", "NET002", "ACL009", "TLS001", "TLS003", "TLS004", "TLS005", "TLS006",
            "TLS009", "LOG001", "LOG003",
        ] {
            assert!(fixed.contains(id), "{id} was not exercised");
        }
    }

    #[test]
    fn every_check_has_a_fix_rule_with_a_reason() {
        let mut computed = 0;
        for c in all_checks() {
            match c.fix {
                FixRule::DisplayOnly(why) => assert!(why.len() > 10, "{}", c.id),
                FixRule::Compute(_) => computed += 1,
            }
        }
        assert_eq!(computed, 15, "12 with config edits, 3 with a chmod to show");
    }

    #[test]
    fn secret_directives_are_never_edited() {
        let b = Fix::builder(Safety::Safe, "x", "y").set(None, "requirepass", &["new-secret"]);
        let f = b.build("do it by hand");
        assert_eq!(f.safety, Safety::DisplayOnly);
        assert!(f.edits.is_empty() && f.runtime.is_empty());
        // Every check on a config full of passwords: no edit touches them.
        let s = conf_snapshot(
            "requirepass Sekrit-1\nmasterauth Sekrit-2\nuser app on >Sekrit-3 ~* +@all\nreplicaof 10.0.0.1 6379\nbind 0.0.0.0\nprotected-mode no\n",
        );
        for c in all_checks() {
            let f = run_one(c, &s);
            let text = format!("{:?}", f.fix);
            assert!(!text.contains("Sekrit"), "{}: {text}", c.id);
        }
    }

    #[test]
    fn runtime_commands_and_aliases() {
        let s = conf_snapshot("bind 0.0.0.0\n");
        let f = run_one(crate::find_check("NET001").unwrap(), &s)
            .fix
            .unwrap();
        assert_eq!(f.runtime, ["CONFIG SET bind \"127.0.0.1 -::1\""]);
        assert_eq!(f.edits[0].before.as_deref(), Some("bind 0.0.0.0"));
        assert_eq!(f.edits[0].after, "bind 127.0.0.1 -::1");
        assert_eq!(f.edits[0].line, 1);
        // No line sets it: appended after the last line.
        let s = conf_snapshot("port 6380\nbind 0.0.0.0\n");
        let f = run_one(crate::find_check("LOG003").unwrap(), &s)
            .fix
            .unwrap();
        assert_eq!(f.safety, Safety::Safe);
        assert_eq!(f.edits[0].kind, EditKind::Append);
        assert_eq!(f.edits[0].line, 3);
        assert!(f.runtime.is_empty(), "syslog-enabled is immutable");
        assert!(f.summary.contains("a restart applies it"));
    }
}
