//! The commit rampart is built from, for `rampart --version`: `git
//! rev-parse` when the source is a git checkout (and git is there), else
//! nothing (a source tarball, a crate).

use std::process::Command;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(&root)
        .output();
    let commit = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => String::new(),
    };
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(&root)
        .output()
        .map(|o| o.status.success() && !o.stdout.is_empty())
        .unwrap_or(false);
    let commit = if dirty && !commit.is_empty() {
        format!("{commit}, modified")
    } else {
        commit
    };
    println!("cargo:rustc-env=RAMPART_COMMIT={commit}");
    for p in [".git/HEAD", ".git/index"] {
        let path = root.join(p);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    // A branch's ref file moves when HEAD's branch gets a commit.
    if let Ok(head) = std::fs::read_to_string(root.join(".git/HEAD")) {
        if let Some(r) = head.strip_prefix("ref: ") {
            let path = root.join(".git").join(r.trim());
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}
