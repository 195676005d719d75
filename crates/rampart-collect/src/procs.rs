use crate::Accounts;
use rampart_checks::{ConfFacts, ProcFacts, ProcessInfo};
use std::path::Path;

const SERVER_NAMES: &[&str] = &[
    "redis-server",
    "redis-sentinel",
    "valkey-server",
    "valkey-sentinel",
];
/// Command-line options whose next argument is a secret.
const SECRET_FLAGS: &[&str] = &[
    "--requirepass",
    "--masterauth",
    "--primaryauth",
    "--tls-key-file-pass",
    "--tls-client-key-file-pass",
    "-a",
    "--pass",
    "--user",
];

/// Every process directory under /proc: (pid, path).
fn proc_dirs() -> std::io::Result<Vec<(u32, std::path::PathBuf)>> {
    Ok(std::fs::read_dir("/proc")?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((pid, e.path()))
        })
        .collect())
}

/// Replace the argument after each secret flag with `***`.
pub(crate) fn redact_cmdline(args: &[String]) -> String {
    let mut out = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for a in args {
        if hide_next {
            out.push("***".to_string());
            hide_next = false;
            continue;
        }
        hide_next = SECRET_FLAGS.iter().any(|f| a.eq_ignore_ascii_case(f));
        out.push(a.clone());
    }
    out.join(" ")
}

/// The running server processes that serve this config: a redis/valkey
/// process whose command line names the config file, or whose process
/// title (`redis-server 127.0.0.1:6380`, Redis's default `set-proc-title`)
/// shows the config's port or tls-port.
pub fn find_server_processes(c: &ConfFacts, accounts: &Accounts) -> std::io::Result<ProcFacts> {
    let conf_path = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
    let conf_str = conf_path.to_string_lossy().into_owned();
    let ports: Vec<String> = ["port", "tls-port"]
        .iter()
        .map(|n| c.number(n))
        .filter(|p| *p != 0)
        .map(|p| format!(":{p}"))
        .collect();
    let mut found = Vec::new();
    for (pid, dir) in proc_dirs()? {
        let Ok(raw) = std::fs::read(dir.join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        // With set-proc-title the title is one space-separated string.
        let words: Vec<String> = args
            .iter()
            .flat_map(|a| a.split(' ').map(str::to_string))
            .collect();
        let Some(first) = words.first() else { continue };
        let exe_name = Path::new(first)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !SERVER_NAMES.iter().any(|n| exe_name.starts_with(n)) {
            continue;
        }
        let names_conf = words.iter().any(|w| {
            std::fs::canonicalize(w)
                .map(|p| p.to_string_lossy() == conf_str)
                .unwrap_or(false)
        });
        let title_port = words
            .iter()
            .skip(1)
            .any(|w| ports.iter().any(|p| w.ends_with(p.as_str())));
        if !(names_conf || title_port) {
            continue;
        }
        let Some(uid) = read_uid(&dir) else { continue };
        found.push(ProcessInfo {
            pid,
            uid,
            user: accounts.user(uid),
            exe: exe_name,
            cmdline: redact_cmdline(&words),
            // A files-only audit judges the files, not the running sockets.
            listening: None,
        });
    }
    found.sort_by_key(|p| p.pid);
    Ok(ProcFacts { processes: found })
}

fn read_uid(dir: &Path) -> Option<u32> {
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secrets() {
        let args: Vec<String> = [
            "redis-server",
            "--port",
            "7000",
            "--requirepass",
            "hunter2",
            "--masterauth",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = redact_cmdline(&args);
        assert!(!r.contains("hunter2"));
        assert_eq!(
            r,
            "redis-server --port 7000 --requirepass *** --masterauth ***"
        );
    }
}

/// A Redis, Valkey or Sentinel process on this host and the TCP ports it listens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalServer {
    pub pid: u32,
    pub exe: String,
    /// (address, port) of each listening socket, lowest port first;
    /// `None` when its file descriptors cannot be read (another user's
    /// process, for a non-root auditor).
    pub listening: Option<Vec<(std::net::IpAddr, u16)>>,
}

/// Listening TCP sockets: inode → (address, port).
type SocketTable = std::collections::HashMap<u64, (std::net::IpAddr, u16)>;

/// [`read_listening_sockets`], shared for a few seconds by every look.
///
/// The kernel writes /proc/net/tcp a line per socket on every read, walking
/// its hash tables from the start for each chunk; on a host running 1,000
/// servers a fleet audit read it once per target, which was quadratic in the
/// fleet (3.3 s of kernel time for 200 local servers, measured with perf in
/// `bench/live-audit.sh`). Read under the lock, so concurrent workers wait
/// for one read instead of each making their own.
fn listening_sockets() -> std::sync::Arc<SocketTable> {
    use std::sync::{Arc, Mutex, OnceLock};
    use std::time::{Duration, Instant};
    type Snapshot = Option<(Instant, Arc<SocketTable>)>;
    static SNAPSHOT: OnceLock<Mutex<Snapshot>> = OnceLock::new();
    // Fresh enough for one audit's view of the host; a watch run minutes
    // later reads again.
    const FRESH: Duration = Duration::from_secs(3);
    let Ok(mut snap) = SNAPSHOT.get_or_init(|| Mutex::new(None)).lock() else {
        return Arc::new(read_listening_sockets());
    };
    if let Some((at, table)) = snap.as_ref() {
        if at.elapsed() < FRESH {
            return Arc::clone(table);
        }
    }
    let table = Arc::new(read_listening_sockets());
    *snap = Some((Instant::now(), Arc::clone(&table)));
    table
}

/// Listening TCP sockets from /proc/net/tcp{,6}, read now.
fn read_listening_sockets() -> SocketTable {
    use std::io::Read;
    let mut out = std::collections::HashMap::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        // Large reads: the kernel restarts its walk for each read call.
        let mut text = String::with_capacity(1 << 20);
        let Ok(()) = std::fs::File::open(file)
            .and_then(|f| f.take(256 << 20).read_to_string(&mut text))
            .map(drop)
        else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ... inode (field 9)
            if f.len() < 10 || f[3] != "0A" {
                continue;
            }
            let Some((ip_hex, port_hex)) = f[1].split_once(':') else {
                continue;
            };
            let Ok(port) = u16::from_str_radix(port_hex, 16) else {
                continue;
            };
            let Ok(inode) = f[9].parse::<u64>() else {
                continue;
            };
            let ip = if v6 {
                let Some(bytes) = hex_words(ip_hex, 4) else {
                    continue;
                };
                let mut b = [0u8; 16];
                for (i, w) in bytes.iter().enumerate() {
                    b[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
                }
                std::net::IpAddr::V6(std::net::Ipv6Addr::from(b))
            } else {
                let Some(w) = hex_words(ip_hex, 1) else {
                    continue;
                };
                std::net::IpAddr::V4(std::net::Ipv4Addr::from(w[0].to_le_bytes()))
            };
            out.insert(inode, (ip, port));
        }
    }
    out
}

/// `n` 32-bit words of hex as the kernel prints them (host order).
fn hex_words(s: &str, n: usize) -> Option<Vec<u32>> {
    if s.len() != n * 8 {
        return None;
    }
    (0..n)
        .map(|i| u32::from_str_radix(&s[i * 8..i * 8 + 8], 16).ok())
        .collect()
}

/// The listening sockets among the open files of the process at `dir`
/// (`/proc/PID`), lowest port first; `None` when its file descriptors
/// cannot be read (another user's process, without privileges).
fn listening_in(dir: &Path, sockets: &SocketTable) -> Option<Vec<(std::net::IpAddr, u16)>> {
    let mut listening = Vec::new();
    for fd in std::fs::read_dir(dir.join("fd")).ok()?.flatten() {
        let Ok(target) = std::fs::read_link(fd.path()) else {
            continue;
        };
        let t = target.to_string_lossy();
        let Some(inode) = t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) else {
            continue;
        };
        if let Some(s) = inode.parse::<u64>().ok().and_then(|i| sockets.get(&i)) {
            listening.push(*s);
        }
    }
    listening.sort_by_key(|(a, p)| (*p, *a));
    listening.dedup();
    Some(listening)
}

/// The TCP sockets process `pid` listens on (its socket inodes matched in
/// /proc/net/tcp and tcp6); `None` when its file descriptors cannot be read.
pub fn listening_of(pid: u32) -> Option<Vec<(std::net::IpAddr, u16)>> {
    listening_in(Path::new(&format!("/proc/{pid}")), &listening_sockets())
}

/// Every Redis/Valkey/Sentinel process on this host with its listening ports.
pub fn local_servers() -> std::io::Result<Vec<LocalServer>> {
    let sockets = listening_sockets();
    let mut found = Vec::new();
    for (pid, dir) in proc_dirs()? {
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let comm = comm.trim();
        if !SERVER_NAMES
            .iter()
            .any(|n| comm.starts_with(&n[..n.len().min(15)]))
        {
            continue;
        }
        // A process that ended between the listing and here has no comm
        // and was skipped above; one whose fds cannot be read is kept.
        let listening = listening_in(&dir, &sockets);
        found.push(LocalServer {
            pid,
            exe: comm.to_string(),
            listening,
        });
    }
    found.sort_by_key(|s| s.pid);
    Ok(found)
}

#[cfg(test)]
mod local_tests {
    use super::*;

    #[test]
    fn hex_addresses() {
        // 127.0.0.1 as /proc/net/tcp prints it on little-endian hosts.
        let w = hex_words("0100007F", 1).unwrap_or_default();
        assert_eq!(
            std::net::Ipv4Addr::from(w[0].to_le_bytes()),
            std::net::Ipv4Addr::LOCALHOST
        );
        assert!(hex_words("XYZ", 1).is_none());
    }
}
