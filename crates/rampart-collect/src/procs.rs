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
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
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
