//! Starting the server binary on a config and reading what it said: the
//! one way this generator learns anything. Every server runs in its own
//! temp dir, listens on a Unix socket there (TCP port 0, or a loopback
//! port chosen free), and is killed by its pid.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::resp::{Conn, Reply};

/// A server binary and how to run it.
#[derive(Clone, Debug)]
pub struct Binary {
    pub path: PathBuf,
}

/// A running server this generator started; killed on drop.
pub struct Running {
    child: Child,
    pub dir: tempfile::TempDir,
    pub conn: Conn,
}

impl Running {
    pub fn cmd<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Result<Reply> {
        self.conn.cmd(args)
    }
    /// `CONFIG GET *` as a map.
    pub fn config_all(&mut self) -> Result<BTreeMap<String, String>> {
        let r = self.conn.cmd(&["CONFIG", "GET", "*"])?;
        Ok(pairs(&r))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A flat `[k, v, k, v, ...]` reply as a map.
pub fn pairs(r: &Reply) -> BTreeMap<String, String> {
    r.array()
        .chunks(2)
        .filter(|kv| kv.len() == 2)
        .map(|kv| (kv[0].text(), kv[1].text()))
        .collect()
}

/// What the server did with a config.
pub enum Outcome {
    Started(Box<Running>),
    /// It exited. `line` and `reason` come from its
    /// `*** FATAL CONFIG FILE ERROR ***` block when it printed one.
    Refused {
        line: Option<u32>,
        reason: String,
        output: String,
    },
}

/// A free loopback port (never 6379, 16379 or 26379).
pub fn free_port() -> u16 {
    loop {
        let Ok(l) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
        if port != 0 && ![6379, 16379, 26379].contains(&port) && port < 55535 {
            return port;
        }
    }
}

/// The lines every probe config starts with: a Unix socket in the temp
/// dir, no TCP listener, no persistence, the log on stdout.
pub fn harness(dir: &Path, sentinel: bool) -> Vec<String> {
    let sock = dir.join("s.sock");
    let mut v = vec![
        format!("unixsocket {}", sock.display()),
        "daemonize no".to_string(),
        "logfile \"\"".to_string(),
    ];
    if sentinel {
        // Sentinel needs a TCP port and rewrites its file.
        v.push(format!("port {}", free_port()));
        v.push("bind 127.0.0.1".to_string());
    } else {
        v.push("port 0".to_string());
        v.push("bind 127.0.0.1".to_string());
        v.push("save \"\"".to_string());
    }
    v
}

/// Start `bin` on the harness lines followed by `lines` (so the first of
/// `lines` is at line `harness.len() + 1`). With `sentinel`, `--sentinel`.
pub fn start(bin: &Binary, lines: &[String], sentinel: bool) -> Result<Outcome> {
    let dir = tempfile::tempdir().context("temp dir")?;
    let mut text = harness(dir.path(), sentinel).join("\n");
    for l in lines {
        text.push('\n');
        text.push_str(l);
    }
    text.push('\n');
    spawn(bin, dir, &text, &[], sentinel)
}

/// Start `bin` on exactly `text` (no harness), with `args` after the file.
/// The socket must be set by `text` or `args` (`--unixsocket DIR/s.sock`).
pub fn spawn(
    bin: &Binary,
    dir: tempfile::TempDir,
    text: &str,
    args: &[String],
    sentinel: bool,
) -> Result<Outcome> {
    spawn_in(bin, dir, text, args, sentinel, false)
}

/// Like [`spawn`]; with `private_net`, in a network namespace of its own
/// (`unshare --net`), so that a config with no `port` line can listen on
/// its built-in default port without touching this host's.
pub fn spawn_in(
    bin: &Binary,
    dir: tempfile::TempDir,
    text: &str,
    args: &[String],
    sentinel: bool,
    private_net: bool,
) -> Result<Outcome> {
    let conf = dir.path().join("probe.conf");
    std::fs::write(&conf, text)?;
    let sock = dir.path().join("s.sock");
    let mut cmd = if private_net {
        let mut c = Command::new("unshare");
        c.arg("--net").arg(&bin.path);
        c
    } else {
        Command::new(&bin.path)
    };
    cmd.arg(&conf);
    if sentinel {
        cmd.arg("--sentinel");
    }
    cmd.args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", bin.path.display()))?;
    let deadline = Instant::now() + Duration::from_secs(if private_net { 10 } else { 3 });
    loop {
        if child.try_wait()?.is_some() {
            let mut out = String::new();
            if let Some(mut o) = child.stdout.take() {
                let _ = o.read_to_string(&mut out);
            }
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut out);
            }
            let (line, reason) = fatal(&out);
            return Ok(Outcome::Refused {
                line,
                reason,
                output: out,
            });
        }
        if sock.exists() {
            if let Ok(mut c) = Conn::unix(&sock) {
                if let Ok(r) = c.cmd(&["PING"]) {
                    if !matches!(&r, Reply::Error(e) if e.starts_with("LOADING")) {
                        // Drain stdout so the server never blocks on it.
                        if let Some(mut o) = child.stdout.take() {
                            std::thread::spawn(move || {
                                let mut sink = Vec::new();
                                let _ = o.read_to_end(&mut sink);
                            });
                        }
                        if let Some(mut o) = child.stderr.take() {
                            std::thread::spawn(move || {
                                let mut sink = Vec::new();
                                let _ = o.read_to_end(&mut sink);
                            });
                        }
                        return Ok(Outcome::Started(Box::new(Running {
                            child,
                            dir,
                            conn: c,
                        })));
                    }
                }
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            if !private_net && !sock.exists() {
                // It runs, but not where this probe listens (the probed
                // line moved the socket): the loader took the line.
                return Ok(Outcome::Refused {
                    line: None,
                    reason: "started, but not on the probe socket".into(),
                    output: String::new(),
                });
            }
            bail!("{} neither started nor exited in time", bin.path.display());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The line number and reason of a `*** FATAL CONFIG FILE ERROR ***`
/// block; else no line, and the last non-empty output line.
pub fn fatal(out: &str) -> (Option<u32>, String) {
    if let Some(i) = out.find("FATAL CONFIG FILE ERROR") {
        let block = &out[i..];
        let line = block.find("at line ").and_then(|j| {
            let rest = &block[j + 8..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse().ok()
        });
        let reason = block
            .find(">>> ")
            .and_then(|j| block[j..].lines().nth(1))
            .unwrap_or("")
            .trim()
            .to_string();
        return (line, reason);
    }
    let reason = out
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string();
    (None, strip_log_prefix(&reason))
}

/// `12345:M 01 Dec 2026 21:00:00.000 # message` → `message`.
pub fn strip_log_prefix(l: &str) -> String {
    match l.find(" # ").or_else(|| l.find(" * ")) {
        Some(i) if l[..i].contains(':') => l[i + 3..].to_string(),
        _ => l.to_string(),
    }
}

/// Whether `unshare --net` works here (root, or user namespaces).
pub fn can_unshare() -> bool {
    Command::new("unshare")
        .args(["--net", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_blocks() {
        let out = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 7\n>>> 'port x'\nargument couldn't be parsed into an integer\n";
        assert_eq!(
            fatal(out),
            (
                Some(7),
                "argument couldn't be parsed into an integer".into()
            )
        );
        let late = "1:M 01 Dec 2026 22:12:45.808 # Unresolved Configuration(s) Detected:\n1:M 01 Dec 2026 22:12:45.808 # >>> 'x-y 1'\n1:M 01 Dec 2026 22:12:45.808 # Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting\n";
        assert_eq!(
            fatal(late),
            (None, "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting".into())
        );
    }
}
