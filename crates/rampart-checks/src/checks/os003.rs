use super::fsutil::judge_files;
use super::{need, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{FileRole, Snapshot};

check! {
    /// Logs, data and configuration are not accessible to others.
    ///
    /// **What.** No file the server uses (config, includes, ACL file, data
    /// dir, RDB, AOF, logs, TLS keys) grants read or write to "others"
    /// (`o+r`, `o+w`). Public certificates and CA files may be readable.
    ///
    /// **Why.** The RDB/AOF files are the data; configs and ACL files hold
    /// passwords or their unsalted hashes; logs reveal clients and commands.
    ///
    /// **References.** Checklist "Ensure Redis logs, files and configurations
    /// are not readable or writable by others".
    id: "OS003",
    title: "Files are not readable or writable by others",
    severity: High,
    sources: [Conf, Fs],
    refs: [Nist80053("AC-3"), Nist80053("AC-6")],
    remediation: "`chmod o-rwx` the config, ACL file, data directory and its files, and logs (e.g. `chmod 640 /etc/redis/redis.conf`, `chmod 750 /var/lib/redis`).",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let fs = tri!(need(&s.fs));
    judge_files(
        fs,
        |_| true,
        "no permission for others (o-rw)",
        |f, m| {
            let public = matches!(f.role, FileRole::TlsCert | FileRole::TlsCa);
            match (m.mode & 0o004 != 0 && !public, m.mode & 0o002 != 0) {
                (true, true) => Some("readable and writable by others".into()),
                (true, false) => Some("readable by others".into()),
                (false, true) => Some("writable by others".into()),
                (false, false) => None,
            }
        },
        "no file is readable or writable by others",
        "files are accessible to others",
    )
}

const REASON: &str = "file modes are changed on the host (chmod), not in redis.conf";

fn fix(s: &Snapshot) -> crate::fix::Fix {
    super::fsutil::chmod_fix(
        s.fs.get(),
        |f, m| {
            let public = matches!(f.role, FileRole::TlsCert | FileRole::TlsCa);
            let allowed = if public { !0o002 } else { !0o006 };
            Some(m.mode & allowed)
        },
        CHECK.remediation,
        REASON,
    )
}
