//! Line-preserving edits of a redis.conf: a line is replaced in place
//! (its end of line kept), deleted, or new lines are appended under a
//! comment; every other byte stays. Shared by `rampart harden` (which
//! writes a new file) and `rampart audit --fix` (which edits in place),
//! with the unified diff both print. Secret directives
//! ([`crate::SENSITIVE_DIRECTIVES`]) are shown as `name ***` in the diff.
//!
//! Lines are read with this crate's own tokenizer ([`crate::split_args`]).
//! The diff functions take the caller's terminal sanitiser (`clean`), so
//! that this crate needs no output layer.

use crate::{canonical_name, Config, Directive, SENSITIVE_DIRECTIVES};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Whether two directive names are the same parameter (aliases included).
pub fn same_name(a: &str, b: &str) -> bool {
    let ca = canonical_name(a).unwrap_or(a);
    let cb = canonical_name(b).unwrap_or(b);
    ca.eq_ignore_ascii_case(cb)
}

/// The main file's lines and what happens to them.
pub struct Editor<'a> {
    /// The file being edited.
    pub main: PathBuf,
    pub lines: Vec<&'a str>,
    pub eol: &'static str,
    /// 0-based line index → new text (`None`: deleted).
    pub replaced: BTreeMap<usize, Option<String>>,
    pub appended: Vec<String>,
    /// The comment line written above appended lines.
    pub header: String,
    pub config: &'a Config,
}

impl<'a> Editor<'a> {
    /// An editor of `text`, the content of `path` (one of `config`'s files).
    pub fn new(path: PathBuf, text: &'a str, config: &'a Config, header: &str) -> Editor<'a> {
        Editor {
            main: path,
            lines: text.split_inclusive('\n').collect(),
            eol: if text.contains("\r\n") { "\r\n" } else { "\n" },
            replaced: BTreeMap::new(),
            appended: Vec::new(),
            header: header.to_string(),
            config,
        }
    }

    /// The text of 1-based line `n` without its end of line.
    pub fn line(&self, n: u32) -> Option<&'a str> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        self.lines.get(i).map(|l| l.trim_end_matches(['\n', '\r']))
    }

    /// Replace 1-based line `n` (its end of line is kept).
    pub fn replace_line(&mut self, n: u32, text: String) {
        if let Some(i) = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)) {
            self.replaced.insert(i, Some(text));
        }
    }

    /// What line `n` becomes, if it was changed.
    pub fn replacement(&self, n: u32) -> Option<&Option<String>> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        self.replaced.get(&i)
    }

    /// Whether anything changes.
    pub fn is_changed(&self) -> bool {
        !self.replaced.is_empty() || !self.appended.is_empty()
    }
    pub fn in_main(&self, d: &Directive) -> bool {
        *d.span.file == *self.main
    }

    /// The directive that wins for `name` (aliases included).
    pub fn winner(&self, name: &str) -> Option<&'a Directive> {
        self.config
            .directives
            .iter()
            .rev()
            .find(|d| same_name(&d.name, name))
    }

    /// Set `name args`: replace the winning line when it is in the main
    /// file, else append. Returns false when the value is already so.
    pub fn set(&mut self, name: &str, args: &[&str]) -> bool {
        let line = std::iter::once(name.to_string())
            .chain(args.iter().map(|a| crate::quote_arg(a)))
            .collect::<Vec<_>>()
            .join(" ");
        match self.winner(name) {
            Some(d) if d.args.iter().map(String::as_str).eq(args.iter().copied()) => false,
            Some(d) if self.in_main(d) => {
                self.replaced.insert(d.span.line as usize - 1, Some(line));
                true
            }
            _ => {
                self.appended.push(line);
                true
            }
        }
    }

    pub fn delete(&mut self, d: &Directive) {
        self.replaced.insert(d.span.line as usize - 1, None);
    }

    pub fn new_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            match self.replaced.get(&i) {
                None => out.push(l.to_string()),
                Some(None) => {}
                Some(Some(n)) => {
                    // The line's own end: none on a last line without one.
                    let eol = if l.ends_with("\r\n") {
                        "\r\n"
                    } else if l.ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    out.push(format!("{n}{eol}"));
                }
            }
        }
        if !self.appended.is_empty() {
            if let Some(last) = out.last_mut() {
                if !last.ends_with('\n') {
                    last.push_str(self.eol);
                }
            }
            out.push(self.eol.to_string());
            out.push(format!("{}{}", self.header, self.eol));
            for a in &self.appended {
                out.push(format!("{a}{}", self.eol));
            }
        }
        out
    }

    /// Old/new line ops for the diff: (tag, line) with tag ' ', '-', '+'.
    pub fn ops(&self, new_lines: &[String]) -> Vec<(char, String)> {
        let mut ops = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            match self.replaced.get(&i) {
                None => ops.push((' ', l.to_string())),
                Some(None) => ops.push(('-', l.to_string())),
                Some(Some(n)) => {
                    ops.push(('-', l.to_string()));
                    ops.push(('+', n.clone()));
                }
            }
        }
        let kept = ops.iter().filter(|(t, _)| *t != '-').count();
        for l in &new_lines[kept..] {
            ops.push(('+', l.clone()));
        }
        ops
    }
}

/// A line as it may be shown: secret directives become `name ***`
/// (`user NAME ***`), and every shown part passes through `clean` (the
/// caller's terminal sanitiser: control characters escaped).
pub fn display_line(l: &str, clean: &dyn Fn(&str) -> String) -> String {
    let t = l.trim_end_matches(['\n', '\r']);
    if let Some(words) = crate::split_args(t.as_bytes()) {
        let words: Vec<String> = words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        if let Some(first) = words.first() {
            let name = first.to_ascii_lowercase();
            if SENSITIVE_DIRECTIVES.contains(&name.as_str()) {
                let sub = words.get(1).map(|s| s.to_ascii_lowercase());
                return match (name.as_str(), words.get(1), sub.as_deref()) {
                    ("user", Some(u), _) => format!("user {} ***", clean(u)),
                    // sentinel.conf: only the passwords are secret.
                    ("sentinel", Some(s), Some("auth-pass")) => format!(
                        "sentinel {} {} ***",
                        clean(s),
                        clean(words.get(2).map(String::as_str).unwrap_or(""))
                    ),
                    ("sentinel", Some(s), Some("sentinel-pass")) => {
                        format!("sentinel {} ***", clean(s))
                    }
                    ("sentinel", Some(_), Some(_)) => clean(t),
                    _ => format!("{} ***", clean(first)),
                };
            }
        }
    } else {
        // Unbalanced quotes: Redis rejects the line; show only its name.
        let name = t.split_whitespace().next().unwrap_or("");
        if SENSITIVE_DIRECTIVES.contains(&name.to_ascii_lowercase().as_str()) {
            return format!("{} ***", clean(name));
        }
    }
    clean(t)
}

/// A unified diff with 3 lines of context; each line as [`display_line`]
/// shows it (`from` and `to` are printed as given).
pub fn unified(
    ops: &[(char, String)],
    from: &str,
    to: &str,
    clean: &dyn Fn(&str) -> String,
) -> String {
    const CTX: usize = 3;
    let changed: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].0 != ' ').collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut s = format!("--- {from}\n+++ {to}\n");
    // Group changes whose contexts touch.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let lo = i.saturating_sub(CTX);
        let hi = (i + CTX + 1).min(ops.len());
        match groups.last_mut() {
            Some(g) if lo <= g.1 => g.1 = hi,
            _ => groups.push((lo, hi)),
        }
    }
    // Line numbers at each op index.
    let (mut o, mut n) = (1usize, 1usize);
    let mut pos = Vec::with_capacity(ops.len());
    for (t, _) in ops {
        pos.push((o, n));
        match t {
            ' ' => {
                o += 1;
                n += 1;
            }
            '-' => o += 1,
            _ => n += 1,
        }
    }
    for (lo, hi) in groups {
        let slice = &ops[lo..hi];
        let oc = slice.iter().filter(|(t, _)| *t != '+').count();
        let nc = slice.iter().filter(|(t, _)| *t != '-').count();
        let (os, ns) = pos[lo];
        let os = if oc == 0 { os - 1 } else { os };
        let ns = if nc == 0 { ns - 1 } else { ns };
        s.push_str(&format!("@@ -{os},{oc} +{ns},{nc} @@\n"));
        for (t, l) in slice {
            s.push_str(&format!("{t}{}\n", display_line(l, clean)));
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn same(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn secret_lines_are_hidden_in_the_diff() {
        let d = |l: &str| display_line(l, &same);
        assert_eq!(d("masterauth hunter2\n"), "masterauth ***");
        assert_eq!(d("user app on >pw ~*\n"), "user app ***");
        assert_eq!(d("requirepass \"a b\n"), "requirepass ***");
        assert_eq!(d("port 6379\n"), "port 6379");
        assert_eq!(
            d("sentinel auth-pass mymaster s3cret\n"),
            "sentinel auth-pass mymaster ***"
        );
        assert_eq!(
            d("sentinel sentinel-pass s3cret"),
            "sentinel sentinel-pass ***"
        );
        assert_eq!(d("sentinel monitor m 1 2 3"), "sentinel monitor m 1 2 3");
        // The sanitiser is applied to what is shown.
        let upper = |s: &str| s.to_ascii_uppercase();
        assert_eq!(display_line("user app >pw", &upper), "user APP ***");
    }

    #[test]
    fn diff_hunks() {
        let ops: Vec<(char, String)> = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .map(|l| (' ', l.to_string()))
            .chain([('+', "x".to_string())])
            .collect();
        let d = unified(&ops, "A", "B", &same);
        assert_eq!(d, "--- A\n+++ B\n@@ -7,3 +7,4 @@\n g\n h\n i\n+x\n");
    }

    #[test]
    fn every_other_byte_is_kept() {
        let text = "# c\r\nport 1\r\n\tbind  x\r\nlast";
        let cfg = Config::default();
        let mut ed = Editor::new("f".into(), text, &cfg, "# added");
        ed.replace_line(2, "port 0".into());
        ed.appended.push("syslog-enabled yes".into());
        assert_eq!(
            ed.new_lines().concat(),
            "# c\r\nport 0\r\n\tbind  x\r\nlast\r\n\r\n# added\r\nsyslog-enabled yes\r\n"
        );
        assert_eq!(ed.line(3), Some("\tbind  x"));
        // A last line without an end of line keeps having none.
        let mut ed = Editor::new("f".into(), "a\nport 1", &cfg, "# added");
        ed.replace_line(2, "port 0".into());
        assert_eq!(ed.new_lines().concat(), "a\nport 0");
        assert_eq!(ed.line(9), None);
    }
}
