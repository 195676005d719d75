use super::{need, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{Avail, FileRole, Snapshot};

check! {
    /// Private key files are owned by the user the server runs as.
    ///
    /// **What.** The owner of each `tls-key-file` / `tls-client-key-file`
    /// equals the uid of the running server process (from /proc, when the
    /// server runs on this host). Without a process, the owner of the data
    /// directory (`dir`, which the server must own to write) stands in, and
    /// the evidence says so.
    ///
    /// **Why.** A key owned by another account (often root) has to be made
    /// group- or world-readable for the server to load it, or stays
    /// writable by an account the server does not control.
    ///
    /// **References.** Checklist "Ensure key files are owned by the Redis user".
    id: "TLS008",
    title: "Private key files are owned by the server user",
    severity: Medium,
    sources: [Conf, Fs, Proc],
    refs: [Nist80053("SC-12"), Nist80053("AC-3")],
    remediation: "`chown redis:redis <key file>` (the account the server runs as) and `chmod 400`.",
    fix: crate::fix::FixRule::DisplayOnly("file ownership on the server's host is an administrator's decision (chown)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let fs = tri!(need(&s.fs));
    let keys: Vec<_> = fs.with_role(FileRole::TlsKey).collect();
    if keys.is_empty() {
        return Outcome::skip(
            "no TLS private key is configured (tls-key-file, tls-client-key-file)",
        );
    }
    let proc_uid = match &s.proc {
        Avail::Present(p) => p.processes.first().map(|p| {
            (
                p.uid,
                p.user.clone().unwrap_or_else(|| p.uid.to_string()),
                format!("pid {}", p.pid),
            )
        }),
        _ => None,
    };
    let dir_uid = fs.with_role(FileRole::DataDir).find_map(|d| {
        d.meta.as_ref().ok().and_then(|m| m.as_ref()).map(|m| {
            (
                m.uid,
                m.owner_name(),
                format!("owner of data dir {}", d.path.display()),
            )
        })
    });
    let Some((uid, user, basis)) = proc_uid.or(dir_uid) else {
        return Outcome::manual(
            "the server user is unknown (no running process, no data dir): verify the key files belong to it",
            keys.iter().map(|k| Evidence::file(Source::Fs, &k.path, "owner not compared", "owned by the server user")).collect(),
        );
    };
    let mut bad = Vec::new();
    let mut good = Vec::new();
    for k in keys {
        match &k.meta {
            Ok(Some(m)) => {
                let e = Evidence::file(
                    Source::Fs,
                    &k.path,
                    format!("{} (server user {user}, from {basis})", m.describe()),
                    format!("owned by {user}"),
                );
                if m.uid == uid {
                    good.push(e);
                } else {
                    bad.push(e);
                }
            }
            Ok(None) => return Outcome::error(format!("{}: does not exist", k.path.display())),
            Err(e) => return Outcome::error(format!("{}: {e}", k.path.display())),
        }
    }
    if bad.is_empty() {
        Outcome::pass(
            format!("key files are owned by the server user {user}"),
            good,
        )
    } else {
        Outcome::fail(
            format!("key file(s) not owned by the server user {user}"),
            bad,
        )
    }
}
