use super::fsutil::judge_files;
use super::{need, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Configuration files are mode 740 or stricter.
    ///
    /// **What.** redis.conf, its includes, the ACL file and sentinel.conf
    /// have no permission bit outside `0740` (owner rwx, group read).
    ///
    /// **Why.** Config files hold `requirepass`, `masterauth`, Sentinel
    /// passwords and user password hashes; group write or any access for
    /// others lets another account read or change them.
    ///
    /// **References.** Checklist "Ensure Redis configuration files are not
    /// accessible by others, such as 740 permissions".
    id: "OS004",
    title: "Configuration files are mode 740 or stricter",
    severity: High,
    sources: [Conf, Fs],
    refs: [Nist80053("AC-3"), Nist80053("CM-5")],
    remediation: "`chmod 640 /etc/redis/redis.conf /etc/redis/users.acl` (or 600); note that Redis's `ACL SAVE` and `CONFIG REWRITE` write new files with 0644 & ~umask: set `UMask=0027` in the service.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let fs = tri!(need(&s.fs));
    judge_files(
        fs,
        |f| f.role.is_config(),
        "mode 0740 or stricter",
        |_, m| {
            let extra = m.mode & !0o740;
            if extra != 0 {
                Some(format!("bits {extra:04o} beyond 0740"))
            } else {
                None
            }
        },
        "configuration files are mode 0740 or stricter",
        "configuration files are more permissive than 0740",
    )
}

const REASON: &str = "file modes are changed on the host (chmod), not in redis.conf";

fn fix(s: &Snapshot) -> crate::fix::Fix {
    super::fsutil::chmod_fix(
        s.fs.get(),
        |f, m| f.role.is_config().then_some(m.mode & 0o740),
        CHECK.remediation,
        REASON,
    )
}
