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
