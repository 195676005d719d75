use super::{settings, tri};
use crate::model::Outcome;
use crate::registry::check;
use crate::snapshot::{resolve, Snapshot};

check! {
    /// RDB/AOF files are backed up to a remote location.
    ///
    /// **What.** Always `manual`: rampart cannot see backup jobs. The
    /// report names the files a person must find in the backups (the RDB
    /// file and the AOF directory), and the backups should be tested by
    /// restoring them.
    ///
    /// **Why.** Persistence protects against a restart, not against losing
    /// the host, the disk, or an attacker who runs FLUSHALL and waits for
    /// the next save.
    ///
    /// **References.** Redis persistence docs "Backing up Redis data";
    /// checklist "Consider backing up RDB and AOF files to a remote external
    /// location".
    id: "DATA002",
    title: "RDB/AOF files are backed up remotely",
    severity: Medium,
    sources: [Os],
    refs: [Nist80053("CP-9"), Nist80053("CP-6")],
    remediation: "Copy the RDB file (after BGSAVE, e.g. hourly) and the AOF directory to storage off the host, encrypted, with retention; test a restore regularly.",
    fix: crate::fix::FixRule::DisplayOnly("remote backups need infrastructure rampart cannot see"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let st = tri!(settings(s));
    let dir = st.value("dir");
    let base = if dir.is_empty() { ".".to_string() } else { dir };
    let rdb = resolve(std::path::Path::new(&base), &st.value("dbfilename"));
    let aof = resolve(std::path::Path::new(&base), &st.value("appenddirname"));
    Outcome::manual(
        format!(
            "verify that {} and {} are copied off this host and that restores are tested",
            rdb.display(),
            aof.display()
        ),
        st.evidence(
            "dir",
            format!("data in {base}"),
            "backed up to a remote location",
        ),
    )
}
