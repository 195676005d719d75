use crate::{server_path, Accounts};
use rampart_checks::{ConfFacts, FileFact, FileMeta, FileRole, FsFacts};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Owner, group and mode of a file (`Ok(None)` when it does not exist).
/// Symlinks are followed, as the server does.
pub fn file_meta(p: &Path, accounts: &Accounts) -> Result<Option<FileMeta>, String> {
    match std::fs::metadata(p) {
        Ok(m) => Ok(Some(FileMeta {
            uid: m.uid(),
            gid: m.gid(),
            mode: m.mode() & 0o7777,
            owner: accounts.user(m.uid()),
            group: accounts.group(m.gid()),
            is_dir: m.is_dir(),
            is_special: !m.is_file() && !m.is_dir(),
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Every file the config names, with its metadata.
pub(crate) fn collect_fs(
    c: &ConfFacts,
    aclfile: Option<&Path>,
    sentinel: Option<&Path>,
    accounts: &Accounts,
) -> FsFacts {
    let mut fs = FsFacts::default();
    let mut add = |path: std::path::PathBuf, role: FileRole, named_at: Option<redis_conf::Span>| {
        if fs.files.iter().any(|f| f.path == path) {
            return;
        }
        let meta = file_meta(&path, accounts);
        fs.files.push(FileFact {
            path,
            role,
            named_at,
            meta,
        });
    };
    for (i, f) in c.config.files.iter().enumerate() {
        let role = if i == 0 {
            FileRole::Config
        } else {
            FileRole::Include
        };
        add(f.path.clone(), role, f.included_from.clone());
    }
    if let Some(p) = aclfile {
        add(p.to_path_buf(), FileRole::AclFile, c.span("aclfile"));
    }
    if let Some(p) = sentinel {
        add(p.to_path_buf(), FileRole::SentinelConfig, None);
    }
    let dir = c.value("dir");
    if Path::new(&dir).is_absolute() {
        add(dir.clone().into(), FileRole::DataDir, c.span("dir"));
    }
    let named = |name: &str| {
        let v = c.value(name);
        (!v.is_empty()).then(|| (server_path(c, &v), c.span(name)))
    };
    if let Some((p, span)) = named("dbfilename") {
        add(p, FileRole::Rdb, span);
    }
    if let Some((p, span)) = named("appenddirname") {
        // The AOF directory and the files in it (Redis 7 multi-part AOF).
        if let Ok(rd) = std::fs::read_dir(&p) {
            let mut inner: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            inner.sort();
            for f in inner.into_iter().take(64) {
                add(f, FileRole::Aof, span.clone());
            }
        }
        add(p, FileRole::AofDir, span);
    }
    let log = c.value("logfile");
    if !log.is_empty() && log != "/dev/null" {
        add(server_path(c, &log), FileRole::Log, c.span("logfile"));
    }
    for name in ["tls-key-file", "tls-client-key-file"] {
        if let Some((p, span)) = named(name) {
            add(p, FileRole::TlsKey, span);
        }
    }
    for name in ["tls-cert-file", "tls-client-cert-file"] {
        if let Some((p, span)) = named(name) {
            add(p, FileRole::TlsCert, span);
        }
    }
    if let Some((p, span)) = named("tls-ca-cert-file") {
        add(p, FileRole::TlsCa, span);
    }
    fs
}
