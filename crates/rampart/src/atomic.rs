//! One way to write a file rampart produces: a temp file beside it
//! (created 0600, so nothing reads it half-written), its owner and final
//! mode set, synced, renamed over the target, the directory synced. A
//! failure leaves the target as it was and removes the temp.

use anyhow::{Context, Result};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Write `body` to `path` with `mode`, and `owner` (uid, gid) when given.
pub(crate) fn write_file(
    path: &Path,
    body: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<()> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rampart-tmp.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(body)
            .and_then(|_| f.sync_all())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        drop(f);
        if let Some((uid, gid)) = owner {
            let t = std::fs::metadata(&tmp)?;
            if (t.uid(), t.gid()) != (uid, gid) {
                std::os::unix::fs::chown(&tmp, Some(uid), Some(gid)).with_context(|| {
                    format!(
                        "cannot keep the owner {uid}:{gid} of {} (run as its owner or root)",
                        path.display()
                    )
                })?;
            }
        }
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot chmod {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
