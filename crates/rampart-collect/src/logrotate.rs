use rampart_checks::{LogrotateRule, OsFacts};
use std::path::{Path, PathBuf};

/// Path patterns of a logrotate config file. A rule is one or more path
/// patterns (space-separated, optionally quoted) followed by a `{ ... }`
/// block; directives outside blocks (`weekly`, `include`) are ignored.
pub fn parse_logrotate(file: &Path, text: &str) -> Vec<LogrotateRule> {
    let mut rules = Vec::new();
    let mut depth = 0usize;
    let mut pending: Vec<(String, u32)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if depth > 0 {
            depth += line.matches('{').count();
            depth = depth.saturating_sub(line.matches('}').count());
            continue;
        }
        let (head, opens) = match line.find('{') {
            Some(i) => (&line[..i], true),
            None => (line, false),
        };
        for tok in split_patterns(head) {
            if tok.starts_with('/') || tok.starts_with('~') {
                pending.push((tok, line_no));
            }
        }
        if opens {
            for (pattern, line) in pending.drain(..) {
                rules.push(LogrotateRule {
                    pattern,
                    file: file.to_path_buf(),
                    line,
                });
            }
            depth = line
                .matches('{')
                .count()
                .saturating_sub(line.matches('}').count());
        } else if !head.trim_start().starts_with('/') && !head.trim_start().starts_with('"') {
            // A directive line (weekly, include, ...) ends any pending path list.
            pending.clear();
        }
    }
    rules
}

fn split_patterns(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for ch in s.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"') | (None, '\'') => quote = Some(ch),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Read `<root>/etc/logrotate.conf` and `<root>/etc/logrotate.d/*`, and
/// find the logrotate program.
pub fn read_logrotate(root: &Path) -> OsFacts {
    let logrotate_binary = [
        "usr/sbin/logrotate",
        "sbin/logrotate",
        "usr/bin/logrotate",
        "usr/local/sbin/logrotate",
    ]
    .iter()
    .map(|p| root.join(p))
    .find(|p| p.is_file());
    OsFacts {
        logrotate_binary,
        ..read_rules(root)
    }
}

fn read_rules(root: &Path) -> OsFacts {
    let main = root.join("etc/logrotate.conf");
    let dir = root.join("etc/logrotate.d");
    let mut files: Vec<PathBuf> = Vec::new();
    if main.is_file() {
        files.push(main);
    }
    match std::fs::read_dir(&dir) {
        Ok(rd) => {
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    // logrotate's default tabooext list.
                    let n = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    !(n.starts_with('.')
                        || n.ends_with('~')
                        || [
                            ".dpkg-old",
                            ".dpkg-dist",
                            ".dpkg-new",
                            ".disabled",
                            ".rpmsave",
                            ".rpmorig",
                            ".rpmnew",
                            ".swp",
                            ".bak",
                            ",v",
                        ]
                        .iter()
                        .any(|ext| n.ends_with(ext)))
                })
                .collect();
            v.sort();
            files.extend(v);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return OsFacts {
                logrotate: Err(format!("{}: {e}", dir.display())),
                logrotate_files: files,
                logrotate_binary: None,
            }
        }
    }
    if files.is_empty() {
        return OsFacts {
            logrotate: Err(format!(
                "logrotate is not configured on this host ({} and {} are missing)",
                root.join("etc/logrotate.conf").display(),
                dir.display()
            )),
            logrotate_files: files,
            logrotate_binary: None,
        };
    }
    let mut rules = Vec::new();
    for f in &files {
        if let Ok(text) = crate::read_text(f, 4 * 1024 * 1024) {
            rules.extend(parse_logrotate(f, &text));
        }
    }
    OsFacts {
        logrotate: Ok(rules),
        logrotate_files: files,
        logrotate_binary: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_redis_rule() {
        let text = "/var/log/redis/redis-server*.log {\n\tweekly\n\tmissingok\n\trotate 12\n\tcompress\n\tnotifempty\n}\n";
        let r = parse_logrotate(Path::new("/etc/logrotate.d/redis-server"), text);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].pattern, "/var/log/redis/redis-server*.log");
        assert_eq!(r[0].line, 1);
    }

    #[test]
    fn several_paths_quotes_and_nested_blocks() {
        let text = "weekly\ninclude /etc/logrotate.d\n/var/log/a.log\n\"/var/log/b c.log\" /var/log/d.log {\n postrotate\n  kill -HUP x\n endscript\n}\n/var/log/e.log { daily }\n";
        let r = parse_logrotate(Path::new("x"), text);
        let p: Vec<_> = r.iter().map(|r| r.pattern.as_str()).collect();
        assert_eq!(
            p,
            [
                "/var/log/a.log",
                "/var/log/b c.log",
                "/var/log/d.log",
                "/var/log/e.log"
            ]
        );
    }
}
