//! Shared logic of the file-permission checks.

use crate::model::{Evidence, Outcome, Source};
use crate::snapshot::{FileFact, FileMeta, FsFacts};

/// Apply `judge` to every existing file the filter selects; `judge`
/// returns `Some(reason)` for a violation.
pub(crate) fn judge_files(
    fs: &FsFacts,
    select: impl Fn(&FileFact) -> bool,
    expected: &str,
    judge: impl Fn(&FileFact, &FileMeta) -> Option<String>,
    pass_msg: &str,
    fail_msg: &str,
) -> Outcome {
    let mut bad = Vec::new();
    let mut good = Vec::new();
    let mut errors = Vec::new();
    for f in fs.files.iter().filter(|f| select(f)) {
        match &f.meta {
            Err(e) => errors.push(format!("{}: {e}", f.path.display())),
            Ok(None) => {}
            Ok(Some(m)) => {
                let what = format!("{} {}", f.role.describe(), m.describe());
                match judge(f, m) {
                    Some(reason) => bad.push(Evidence::file(
                        Source::Fs,
                        &f.path,
                        format!("{what}: {reason}"),
                        expected,
                    )),
                    None => good.push(Evidence::file(Source::Fs, &f.path, what, expected)),
                }
            }
        }
    }
    if !bad.is_empty() {
        return Outcome::fail(format!("{fail_msg} ({} file(s))", bad.len()), bad);
    }
    if !errors.is_empty() {
        return Outcome::error(format!("cannot read file metadata: {}", errors.join("; ")));
    }
    if good.is_empty() {
        return Outcome::skip("none of the files it covers exists on this host");
    }
    Outcome::pass(pass_msg, good)
}

/// A path as a shell word (single-quoted unless plainly safe).
fn shell_word(p: &std::path::Path) -> String {
    let s = p.display().to_string();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c));
    if plain {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A display-only fix naming the exact `chmod` for every file `new_mode`
/// wants changed (`Some(mode)`), or the remediation when none is known.
pub(crate) fn chmod_fix(
    fs: Option<&FsFacts>,
    new_mode: impl Fn(&FileFact, &FileMeta) -> Option<u32>,
    remediation: &str,
    reason: &str,
) -> crate::fix::Fix {
    let cmds: Vec<String> = fs
        .map(|fs| {
            fs.files
                .iter()
                .filter_map(|f| {
                    let m = f.meta.as_ref().ok()?.as_ref()?;
                    // A device (`aclfile /dev/zero`) is no file to chmod.
                    if m.is_special {
                        return None;
                    }
                    let to = new_mode(f, m).filter(|to| *to != m.mode)?;
                    Some(format!("chmod {to:04o} {}", shell_word(&f.path)))
                })
                .collect()
        })
        .unwrap_or_default();
    if cmds.is_empty() {
        return crate::fix::Fix::display_only(remediation, reason);
    }
    crate::fix::Fix::display_only(format!("on the server's host: {}", cmds.join("; ")), reason)
}
