use super::fsutil::judge_files;
use super::{need, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

/// Groups whose members are administrators on common distributions.
const PRIVILEGED_GROUPS: &[&str] = &["root", "wheel", "sudo", "admin", "staff"];

check! {
    /// Server files belong to a non-privileged group.
    ///
    /// **What.** The group of every file the server uses (config and
    /// includes, ACL file, data dir, RDB/AOF, log, TLS files) is not a
    /// privileged group: gid 0 / `root`, `wheel`, `sudo`, `admin`, `staff`.
    /// Group `adm` (log readers on Debian) is accepted unless it can write.
    ///
    /// **Why.** Members of a privileged group are administrators anyway;
    /// giving them the files hides who can really read the data, and a
    /// dedicated group (`redis`) keeps access to the Redis account.
    ///
    /// **References.** Checklist "Ensure Redis files are given a
    /// non-privileged group".
    id: "OS002",
    title: "Files belong to a non-privileged group",
    severity: Medium,
    sources: [Conf, Fs],
    refs: [Nist80053("AC-3"), Nist80053("AC-6")],
    remediation: "`chgrp -R redis` the config, ACL file, data directory, logs and keys (a group holding only the Redis account).",
    fix: crate::fix::FixRule::DisplayOnly("file group ownership on the host is an administrator's decision (chgrp)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let fs = tri!(need(&s.fs));
    judge_files(
        fs,
        |_| true,
        "a dedicated, non-privileged group",
        |_, m| {
            let g = m.group_name();
            if m.gid == 0 || PRIVILEGED_GROUPS.contains(&g.as_str()) {
                Some(format!("privileged group {g}"))
            } else if g == "adm" && m.mode & 0o020 != 0 {
                Some("group adm can write".into())
            } else {
                None
            }
        },
        "every file belongs to a non-privileged group",
        "files belong to a privileged group",
    )
}
