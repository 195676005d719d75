//! `loadServerConfig()` / `loadServerConfigFromString()` of Redis 7.0,
//! reporting every problem instead of stopping at the first.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::table::{self, Kind, Special};
use crate::value::{self, SetResult};
use crate::{
    Config, Directive, Format, LoadError, LoadOptions, LoadedFile, Problem, ProblemKind, Span,
};

/// Maps a line of a (possibly concatenated) text back to its file.
struct Segment {
    first_line: u32,
    file: Arc<Path>,
    local_first: u32,
}

pub(crate) struct Loader<'o> {
    opts: &'o LoadOptions,
    /// The table of the version the file is read for.
    table: Option<&'static table::Table>,
    /// Whether that version is the server's own line.
    exact: bool,
    /// Whether its tokenizer joins `"abc"def` into one word (Valkey 9).
    joined_quotes: bool,
    pub(crate) cfg: Config,
    /// The server's working directory as `dir` lines change it.
    cwd: PathBuf,
    /// Canonical paths of the files being loaded (include stack).
    stack: Vec<PathBuf>,
    files_read: usize,
    /// Bytes read so far, the main file and every include.
    bytes_read: u64,
    /// Current command table (lower-case), as rename-command changes it;
    /// `None` when the dialect has no command table (names unchecked).
    commands: Option<HashSet<String>>,
    module_configs: Vec<Span>,
    sentinel_lines: Vec<(Vec<String>, Span)>,
}

pub(crate) enum ReadError {
    Io(std::io::Error),
    TooLarge(u64),
    Binary,
    NotRegular(&'static str),
    Directory,
}

/// Read a file with the bounded reader ([`crate::fileio`]): regular files
/// only, never more than `limit + 1` bytes, never blocking.
pub(crate) fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use crate::fileio::Why;
    let buf = match crate::fileio::read(path, limit) {
        Ok(b) => b,
        Err(e) => {
            return Err(match e.why {
                Why::Io(e) => ReadError::Io(e),
                Why::TooLarge { size, .. } => ReadError::TooLarge(size),
                Why::Directory => ReadError::Directory,
                Why::NotRegular(what) => ReadError::NotRegular(what),
                Why::NotText => ReadError::Binary,
            })
        }
    };
    if buf.contains(&0) {
        return Err(ReadError::Binary);
    }
    Ok(buf)
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn trim_redis(mut b: &[u8]) -> &[u8] {
    let t = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while let Some((c, rest)) = b.split_first() {
        if t(c) {
            b = rest;
        } else {
            break;
        }
    }
    while let Some((c, rest)) = b.split_last() {
        if t(c) {
            b = rest;
        } else {
            break;
        }
    }
    b
}

impl<'o> Loader<'o> {
    pub(crate) fn new(opts: &'o LoadOptions) -> Self {
        let cwd = match &opts.working_dir {
            Some(w) => w.clone(),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        };
        let version = opts
            .version
            .clone()
            .or_else(|| crate::Version::unknown(crate::Product::Redis))
            .or_else(|| redis_dialects::all().last().map(crate::Version::exact));
        let table = version.as_ref().and_then(|v| table::of(v.dialect));
        let exact = version.as_ref().is_some_and(|v| v.exact);
        Loader {
            opts,
            table,
            exact,
            joined_quotes: table.is_some_and(|t| t.joins_quotes()),
            cfg: Config {
                working_dir: Some(cwd.clone()),
                version,
                ..Config::default()
            },
            cwd,
            stack: Vec::new(),
            files_read: 0,
            bytes_read: 0,
            commands: table
                .and_then(|t| t.commands.as_ref())
                .map(|c| c.iter().map(|n| n.to_ascii_lowercase()).collect()),
            module_configs: Vec::new(),
            sentinel_lines: Vec::new(),
        }
    }

    fn problem(&mut self, kind: ProblemKind, span: &Span, message: impl Into<String>) {
        self.cfg.problems.push(Problem {
            kind,
            span: span.clone(),
            message: message.into(),
        });
    }

    fn fatal(&mut self, span: &Span, message: impl Into<String>) {
        self.problem(ProblemKind::Fatal, span, message);
    }

    /// Load the main file.
    pub(crate) fn load_main(&mut self, path: &Path) -> Result<(), LoadError> {
        let bytes = match read_capped(path, self.opts.max_file_bytes) {
            Ok(b) => b,
            Err(ReadError::Io(source)) => {
                return Err(LoadError::Io {
                    path: path.into(),
                    source,
                })
            }
            Err(ReadError::TooLarge(size)) => {
                return Err(LoadError::TooLarge {
                    path: path.into(),
                    size,
                    limit: self.opts.max_file_bytes,
                })
            }
            Err(ReadError::Binary) => return Err(LoadError::Binary { path: path.into() }),
            Err(ReadError::Directory) => {
                return Err(LoadError::Io {
                    path: path.into(),
                    source: std::io::Error::other("is a directory"),
                })
            }
            Err(ReadError::NotRegular(what)) => {
                return Err(LoadError::Io {
                    path: path.into(),
                    source: std::io::Error::other(format!("is {what}, not a regular file")),
                })
            }
        };
        self.files_read = 1;
        self.bytes_read = bytes.len() as u64;
        self.parse_main(path, &bytes);
        Ok(())
    }

    pub(crate) fn parse_main(&mut self, path: &Path, bytes: &[u8]) {
        let file: Arc<Path> = Arc::from(path);
        self.cfg.files.push(LoadedFile {
            path: path.to_path_buf(),
            included_from: None,
            lines: newline_count(bytes),
        });
        if let Ok(c) = std::fs::canonicalize(path) {
            self.stack.push(c);
        } else {
            self.stack.push(path.to_path_buf());
        }
        let segs = [Segment {
            first_line: 1,
            file,
            local_first: 1,
        }];
        self.parse_text(bytes, &segs);
        self.stack.pop();
        self.finish();
    }

    fn span_of(segs: &[Segment], line: u32) -> Span {
        let seg = segs
            .iter()
            .rev()
            .find(|s| s.first_line <= line)
            .or_else(|| segs.first());
        match seg {
            Some(s) => Span {
                file: s.file.clone(),
                line: s.local_first + (line - s.first_line.min(line)),
            },
            None => Span {
                file: Arc::from(Path::new("")),
                line,
            },
        }
    }

    fn parse_text(&mut self, text: &[u8], segs: &[Segment]) {
        for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
            let linenum = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let mut line = trim_redis(raw);
            if line.first() == Some(&b'#') {
                let text = line[1..].trim_ascii();
                if text.starts_with(b"rampart:") {
                    let span = Self::span_of(segs, linenum);
                    self.cfg.rampart_comments.push((span, lossy(text)));
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            let span = Self::span_of(segs, linenum);
            if let Some(nul) = line.iter().position(|&b| b == 0) {
                self.problem(
                    ProblemKind::Warning,
                    &span,
                    "line contains a NUL byte; Redis ignores the rest of the line",
                );
                line = trim_redis(&line[..nul]);
                if line.first() == Some(&b'#') || line.is_empty() {
                    continue;
                }
            }
            let Some(argv) = crate::split::split_args_with(line, self.joined_quotes) else {
                self.fatal(&span, "Unbalanced quotes in configuration line");
                continue;
            };
            if argv.is_empty() {
                continue;
            }
            let name = lossy(&argv[0]).to_ascii_lowercase();
            let args: Vec<String> = argv[1..].iter().map(|a| lossy(a)).collect();
            self.directive(name, args, span);
        }
    }

    fn keep(&mut self, name: String, args: Vec<String>, span: Span) {
        self.cfg.directives.push(Directive { name, args, span });
    }

    /// The dialects (other than the one read for) whose loader takes this
    /// line, as `Redis 7.2, 7.4` / `Valkey 8.0`.
    fn accepted_elsewhere(&self, name: &str, args: &[String]) -> Option<String> {
        let here = self.table.map(|t| t.dialect);
        let mut by_product: Vec<(crate::Product, Vec<String>)> = Vec::new();
        for t in table::tables() {
            if here.is_some_and(|h| std::ptr::eq(h, t.dialect)) {
                continue;
            }
            let ok = match t.lookup(name) {
                Some(spec) => value::load_line(t, spec, name, args).is_ok(),
                None => t.is_deprecated(name) && args.len() == 1,
            };
            if !ok {
                continue;
            }
            let line = format!("{}.{}", t.dialect.line.0, t.dialect.line.1);
            match by_product.iter_mut().find(|(p, _)| *p == t.dialect.product) {
                Some((_, v)) => v.push(line),
                None => by_product.push((t.dialect.product, vec![line])),
            }
        }
        if by_product.is_empty() {
            return None;
        }
        // The version's own product first.
        if let Some(h) = here {
            by_product.sort_by_key(|(p, _)| *p != h.product);
        }
        Some(
            by_product
                .iter()
                .map(|(p, lines)| format!("{} {}", p.title(), lines.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// A line the version read for refuses: fatal, unless another known
    /// version takes it and the version is not known for sure.
    fn refused(&mut self, span: &Span, name: &str, args: &[String], reason: String) {
        let title = self.table.map(|t| t.dialect.title());
        match (self.accepted_elsewhere(name, args), title) {
            (Some(elsewhere), Some(title)) => {
                let named = if reason.starts_with(&format!("{name}:")) {
                    reason
                } else {
                    format!("{name}: {reason}")
                };
                let msg = format!("{named} ({title} refuses this line; {elsewhere} accept it)");
                if self.exact {
                    self.fatal(span, msg);
                } else {
                    self.problem(
                        ProblemKind::Warning,
                        span,
                        format!("{msg}: the server version is not known, so this may be fine"),
                    );
                }
            }
            _ => self.fatal(span, reason),
        }
    }

    fn directive(&mut self, name: String, args: Vec<String>, span: Span) {
        let argc = args.len() + 1;
        let found = self.table.and_then(|t| {
            t.lookup(&name)
                .filter(|s| !matches!(s.kind, Kind::RuntimeOnly))
                .map(|s| (t, s))
        });
        if let Some((t, spec)) = found {
            let args = match value::load_line(t, spec, &name, &args) {
                Err(reason) => {
                    self.refused(&span, &name, &args, reason);
                    return;
                }
                Ok((args, SetResult::Warn(why))) => {
                    self.problem(ProblemKind::Warning, &span, format!("{name}: {why}"));
                    args
                }
                Ok((args, SetResult::Ok)) => args,
            };
            if matches!(spec.kind, Kind::Special(Special::Dir)) {
                let target = self.cwd.join(&args[0]);
                let meta = if args[0].is_empty() {
                    Err(std::io::Error::from(std::io::ErrorKind::NotFound))
                } else {
                    std::fs::metadata(&target)
                };
                match meta {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        self.fatal(&span, "dir: No such file or directory");
                        return;
                    }
                    Ok(m) if !m.is_dir() => {
                        self.fatal(&span, "dir: Not a directory");
                        return;
                    }
                    _ => self.cwd = target,
                }
            }
            self.keep(name, args, span);
            return;
        }
        if self.table.is_some_and(|t| t.is_deprecated(&name)) && argc == 2 {
            let title = self.table.map(|t| t.dialect.title()).unwrap_or_default();
            self.problem(
                ProblemKind::Warning,
                &span,
                format!("{name}: deprecated; {title} accepts and ignores it"),
            );
            self.keep(name, args, span);
            return;
        }
        match name.as_str() {
            "include" if argc == 2 => {
                let pattern = args[0].clone();
                self.keep(name, args, span.clone());
                self.include(&pattern, &span);
            }
            "rename-command" if argc == 3 => {
                let from = args[0].to_ascii_lowercase();
                let to = args[1].to_ascii_lowercase();
                if let Some(commands) = &mut self.commands {
                    if from.contains('|') || !commands.contains(&from) {
                        self.fatal(&span, "rename-command: No such command in rename-command");
                        return;
                    }
                    commands.remove(&from);
                    if !to.is_empty() {
                        if commands.contains(&to) {
                            self.fatal(&span, "rename-command: Target command name already exists");
                            return;
                        }
                        commands.insert(to);
                    }
                }
                self.keep(name, args, span);
            }
            "user" if argc >= 2 => self.keep(name, args, span),
            "loadmodule" if argc >= 2 => self.keep(name, args, span),
            _ if name.contains('.') => {
                if argc != 2 {
                    let msg = self
                        .table
                        .and_then(|t| t.behavior("module-config-argc"))
                        .and_then(|b| b.message.clone())
                        .filter(|m| m != "Module config specified without value")
                        .unwrap_or_else(|| {
                            format!("{name}: Module config specified without value")
                        });
                    self.fatal(&span, msg);
                    return;
                }
                // A version without module configs refuses the line itself.
                let unknown = self.table.map(|t| t.unknown_directive.as_str());
                if let Some(m) = self
                    .table
                    .and_then(|t| t.behavior("module-config"))
                    .and_then(|b| b.message.clone())
                    .filter(|m| Some(m.as_str()) == unknown)
                {
                    self.fatal(&span, m);
                    return;
                }

                self.module_configs.push(span.clone());
                self.keep(name, args, span);
            }
            "sentinel" => {
                if argc == 1 {
                    // Redis accepts a bare `sentinel` line and ignores it.
                    self.keep(name, args, span);
                } else if self.opts.format == Format::Server {
                    self.fatal(&span, "sentinel directive while not in sentinel mode");
                } else {
                    // Processed after the whole file, like Redis's queue.
                    self.sentinel_lines.push((args.clone(), span.clone()));
                    self.keep(name, args, span);
                }
            }
            _ => {
                let reason = self
                    .table
                    .map_or(table::BAD_DIRECTIVE, |t| t.unknown_message());
                // The first word is named only where another version
                // knows it (in `refused`): an unknown one may be a secret
                // pasted on a line of its own.
                let reason = reason.to_string();
                self.refused(&span, &name, &args, reason);
            }
        }
    }

    /// An included file the server reads but rampart does not: recorded
    /// in [`Config::unread`] and as an [`ProblemKind::Unread`] problem.
    fn unread(&mut self, span: &Span, path: &Path, reason: String) {
        let message = format!(
            "include: '{}' was not read: {reason}. The server reads it and starts, so every setting it could change is unknown here (the checks that depend on them are errors)",
            path.display()
        );
        self.problem(ProblemKind::Unread, span, message);
        self.cfg.unread.push(crate::Unread {
            span: span.clone(),
            path: path.to_path_buf(),
            reason,
            at: self.cfg.directives.len(),
        });
    }

    fn include(&mut self, pattern: &str, span: &Span) {
        if self.stack.len() > self.opts.max_include_depth {
            let reason = format!(
                "nested deeper than {} levels, the most rampart follows",
                self.opts.max_include_depth
            );
            self.unread(span, Path::new(pattern), reason);
            return;
        }
        let globs = self.table.is_none_or(|t| t.include_globs());
        let paths: Vec<PathBuf> = if globs && has_glob(pattern) {
            let full = if Path::new(pattern).is_absolute() {
                pattern.to_string()
            } else {
                format!(
                    "{}/{}",
                    glob::Pattern::escape(&self.cwd.to_string_lossy()),
                    pattern
                )
            };
            let opts = glob::MatchOptions {
                case_sensitive: true,
                require_literal_separator: true,
                require_literal_leading_dot: true,
            };
            let mut v: Vec<PathBuf> = match glob::glob_with(&full, opts) {
                Ok(it) => it.filter_map(Result::ok).collect(),
                Err(_) => Vec::new(),
            };
            v.sort_by(|a, b| {
                a.as_os_str()
                    .as_encoded_bytes()
                    .cmp(b.as_os_str().as_encoded_bytes())
            });
            if v.is_empty() {
                self.problem(
                    ProblemKind::Warning,
                    span,
                    "include: the pattern matches no file (Redis skips it silently)",
                );
                return;
            }
            v
        } else {
            vec![self.cwd.join(pattern)]
        };

        // Redis concatenates the contents of every match, then parses the
        // result. Here each file is parsed as it is read (one file in
        // memory at a time): a last line without its newline is carried
        // over and continued by the next file's first line, as in Redis.
        let base = self.stack.len();
        let mut carry: Vec<u8> = Vec::new();
        let mut carry_at: Option<(Arc<Path>, u32)> = None;
        for p in paths {
            if self.files_read >= self.opts.max_files {
                let reason = format!(
                    "more than {} files in total, the most rampart reads",
                    self.opts.max_files
                );
                self.unread(span, &p, reason);
                continue;
            }
            let c = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            // Only the files being loaded above this include: a glob may
            // match two links to one file, which Redis reads twice.
            if self.stack[..base].contains(&c) {
                self.fatal(
                    span,
                    format!(
                        "include loop: '{}' is already being loaded (Redis would recurse until it crashes)",
                        p.display()
                    ),
                );
                continue;
            }
            let display = p.display().to_string();
            let left = self.opts.max_total_bytes.saturating_sub(self.bytes_read);
            let limit = self.opts.max_file_bytes.min(left);
            let bytes = match read_capped(&p, limit) {
                Ok(b) => b,
                Err(ReadError::Io(e)) => {
                    let reason = match e.kind() {
                        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
                        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
                        _ => e.to_string(),
                    };
                    self.fatal(
                        span,
                        format!("Fatal error, can't open config file '{display}': {reason}"),
                    );
                    continue;
                }
                Err(ReadError::TooLarge(size)) => {
                    let reason = if limit < self.opts.max_file_bytes {
                        format!(
                            "the files of this config reach {} bytes in total, the most rampart reads",
                            self.opts.max_total_bytes
                        )
                    } else {
                        format!(
                            "{size} bytes or more, over the limit of {} bytes a file",
                            self.opts.max_file_bytes
                        )
                    };
                    self.unread(span, &p, reason);
                    continue;
                }
                Err(ReadError::Binary) => {
                    self.unread(span, &p, "it contains NUL bytes (not a text file)".into());
                    continue;
                }
                Err(ReadError::NotRegular(what)) => {
                    self.fatal(
                        span,
                        format!("include: '{display}' is {what}, not a regular file (refused)"),
                    );
                    continue;
                }
                Err(ReadError::Directory) => {
                    self.problem(
                        ProblemKind::Warning,
                        span,
                        format!("include: '{display}' is a directory; Redis reads it as empty"),
                    );
                    continue;
                }
            };
            self.files_read += 1;
            self.bytes_read += bytes.len() as u64;
            self.cfg.files.push(LoadedFile {
                path: p.clone(),
                included_from: Some(span.clone()),
                lines: newline_count(&bytes),
            });
            let file: Arc<Path> = Arc::from(p.as_path());
            let segs: Vec<Segment> = match carry_at.take() {
                // The first line continues the previous file's last line.
                Some((prev, line)) => vec![
                    Segment {
                        first_line: 1,
                        file: prev,
                        local_first: line,
                    },
                    Segment {
                        first_line: 2,
                        file,
                        local_first: 2,
                    },
                ],
                None => vec![Segment {
                    first_line: 1,
                    file,
                    local_first: 1,
                }],
            };
            let mut chunk = std::mem::take(&mut carry);
            if chunk.is_empty() {
                chunk = bytes;
            } else {
                chunk.extend_from_slice(&bytes);
                drop(bytes);
            }
            self.stack.push(c);
            match chunk.iter().rposition(|&b| b == b'\n') {
                Some(i) => {
                    carry = chunk[i + 1..].to_vec();
                    if !carry.is_empty() {
                        let nl = newline_count(&chunk[..=i]);
                        let at = Self::span_of(&segs, nl.saturating_add(1));
                        carry_at = Some((at.file, at.line));
                    }
                    chunk.truncate(i);
                    self.parse_text(&chunk, &segs);
                }
                None => {
                    let at = Self::span_of(&segs, 1);
                    carry_at = Some((at.file, at.line));
                    carry = chunk;
                }
            }
        }
        if let Some((file, line)) = carry_at.take() {
            let segs = [Segment {
                first_line: 1,
                file,
                local_first: line,
            }];
            self.parse_text(&carry, &segs);
        }
        self.stack.truncate(base);
    }

    /// Checks Redis makes after reading the file.
    fn finish(&mut self) {
        self.check_sentinel();
        let has_loadmodule = self.cfg.directives.iter().any(|d| d.name == "loadmodule");
        if !has_loadmodule {
            for span in std::mem::take(&mut self.module_configs) {
                let msg = self
                    .table
                    .and_then(|t| t.behavior("module-config"))
                    .and_then(|b| b.message.clone())
                    .unwrap_or_else(|| "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting".into());
                self.fatal(&span, msg);
            }
        }
        let cfg = &self.cfg;
        let value = |n: &str| cfg.effective_for(n, self.opts.format).map(|e| e.value);
        let mut late = Vec::new();
        if self.opts.format == Format::Server {
            if value("cluster-enabled").as_deref() == Some("yes") {
                if let Some(d) = cfg
                    .directives
                    .iter()
                    .rev()
                    .find(|d| d.name == "replicaof" || d.name == "slaveof")
                {
                    if !value("replicaof").unwrap_or_default().is_empty() {
                        late.push((
                            d.span.clone(),
                            "replicaof directive not allowed in cluster mode".to_string(),
                        ));
                    }
                }
            }
            // TLS is set up at start when a TLS port, replication or the
            // cluster bus uses it: without a certificate and key the
            // server exits (`No tls-cert-file configured!`).
            let tls_line = cfg.directives.iter().rev().find(|d| {
                (d.name == "tls-port" && value("tls-port").is_some_and(|p| p != "0"))
                    || (d.name == "tls-replication"
                        && value("tls-replication").as_deref() == Some("yes"))
                    || (d.name == "tls-cluster" && value("tls-cluster").as_deref() == Some("yes"))
            });
            if let Some(d) = tls_line {
                if value("tls-cert-file").unwrap_or_default().is_empty() {
                    late.push((d.span.clone(), "No tls-cert-file configured!".to_string()));
                } else if value("tls-key-file").unwrap_or_default().is_empty() {
                    late.push((d.span.clone(), "No tls-key-file configured!".to_string()));
                }
            }
            let aclfile = value("aclfile").unwrap_or_default();
            if !aclfile.is_empty() {
                if let Some(u) = cfg.directives.iter().find(|d| d.name == "user") {
                    late.push((u.span.clone(), "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid".to_string()));
                }
            }
        }
        // `bind ""` listens nowhere; an unset bind listens everywhere (6.2's
        // default is empty, 7.0's `* -::*`).
        let bind_empty = cfg.directives.iter().any(|d| d.name == "bind")
            && value("bind").unwrap_or_default().is_empty();
        let tcp = value("port").as_deref() != Some("0") && !bind_empty;
        let tls = value("tls-port").as_deref().is_some_and(|p| p != "0") && !bind_empty;
        let unix = !value("unixsocket").unwrap_or_default().is_empty();
        if !tcp && !tls && !unix {
            let d = cfg
                .directives
                .iter()
                .rev()
                .find(|d| d.name == "bind" || d.name == "port");
            if let Some(d) = d {
                late.push((
                    d.span.clone(),
                    "Configured to not listen anywhere, exiting.".to_string(),
                ));
            }
        }
        for (span, msg) in late {
            self.fatal(&span, msg);
        }
    }

    /// `sentinelHandleConfiguration()` of Redis 7.0, for the queued lines.
    fn check_sentinel(&mut self) {
        let mut masters: HashSet<String> = HashSet::new();
        for (args, span) in std::mem::take(&mut self.sentinel_lines) {
            let sub = args[0].to_ascii_lowercase();
            let argc = args.len();
            let needs_master =
                |a: &[String], m: &HashSet<String>| a.get(1).is_some_and(|n| m.contains(n));
            let err: Option<String> = match (sub.as_str(), argc) {
                ("monitor", 5) => {
                    let quorum = value::strtoll(args[4].as_bytes(), 10).0;
                    if quorum <= 0 {
                        Some("Quorum must be 1 or greater.".into())
                    } else if !masters.insert(args[1].clone()) {
                        Some("Duplicate master name.".into())
                    } else {
                        None
                    }
                }
                (
                    "down-after-milliseconds"
                    | "failover-timeout"
                    | "master-reboot-down-after-period",
                    3,
                ) => {
                    if !needs_master(&args, &masters) {
                        Some("No such master with specified name.".into())
                    } else if value::strtoll(args[2].as_bytes(), 10).0 <= 0
                        && sub != "master-reboot-down-after-period"
                    {
                        Some("negative or zero time parameter.".into())
                    } else {
                        None
                    }
                }
                (
                    "parallel-syncs"
                    | "notification-script"
                    | "client-reconfig-script"
                    | "auth-pass"
                    | "auth-user"
                    | "config-epoch"
                    | "leader-epoch",
                    3,
                )
                | ("known-slave" | "known-replica", 4)
                | ("known-sentinel", 4 | 5)
                | ("rename-command", 4) => {
                    if needs_master(&args, &masters) {
                        None
                    } else {
                        Some("No such master with specified name.".into())
                    }
                }
                ("myid", 2) => {
                    (args[1].len() != 40).then(|| "Malformed Sentinel id in myid option.".into())
                }
                ("deny-scripts-reconfig" | "resolve-hostnames" | "announce-hostnames", 2) => {
                    let ok =
                        args[1].eq_ignore_ascii_case("yes") || args[1].eq_ignore_ascii_case("no");
                    let plural = if sub == "deny-scripts-reconfig" {
                        "options"
                    } else {
                        "option"
                    };
                    (!ok).then(|| format!("Please specify yes or no for the {sub} {plural}."))
                }
                (
                    "current-epoch" | "announce-ip" | "announce-port" | "sentinel-user"
                    | "sentinel-pass",
                    2,
                ) => None,
                _ => Some("Unrecognized sentinel configuration statement.".into()),
            };
            // The version's own statements decide what is recognized.
            let err = match self.table.and_then(|t| t.sentinel.as_ref()) {
                Some(data) if !data.recognizes(&sub, argc - 1) => Some(data.unrecognized.clone()),
                Some(_)
                    if err.as_deref() == Some("Unrecognized sentinel configuration statement.") =>
                {
                    None
                }
                _ => err,
            };
            if let Some(e) = err {
                self.fatal(&span, format!("sentinel {sub}: {e}"));
            }
        }
    }
}

/// Newline characters in a file's bytes.
fn newline_count(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|&&b| b == b'\n').count()).unwrap_or(u32::MAX)
}
