use super::{need, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::{FileRole, Snapshot};

check! {
    /// Private key files have mode 400 (or stricter).
    ///
    /// **What.** The files named by `tls-key-file` and
    /// `tls-client-key-file`: no permission beyond owner-read (`0400`; the
    /// check accepts any mode with no bit outside `0400`).
    ///
    /// **Why.** Whoever reads the key can impersonate the server and, with
    /// non-forward-secret suites, decrypt recorded traffic.
    ///
    /// **References.** Redis TLS docs; checklist "Ensure key files are given
    /// 400 permissions".
    id: "TLS007",
    title: "Private key files are mode 400",
    severity: High,
    sources: [Conf, Fs],
    refs: [Nist80053("SC-12"), Nist80053("AC-3")],
    remediation: "`chmod 400 <key file>` (and `chown redis:redis`); keep the key outside world-readable directories.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let fs = tri!(need(&s.fs));
    let keys: Vec<_> = fs.with_role(FileRole::TlsKey).collect();
    if keys.is_empty() {
        return Outcome::skip(
            "no TLS private key is configured (tls-key-file, tls-client-key-file)",
        );
    }
    let mut bad = Vec::new();
    let mut good = Vec::new();
    let mut errors = Vec::new();
    for k in keys {
        match &k.meta {
            Err(e) => errors.push(format!("{}: {e}", k.path.display())),
            Ok(None) => errors.push(format!("{}: does not exist", k.path.display())),
            Ok(Some(m)) => {
                let e = Evidence::file(Source::Fs, &k.path, m.describe(), "mode 0400 or stricter");
                if m.mode & !0o400 == 0 {
                    good.push(e);
                } else {
                    bad.push(e);
                }
            }
        }
    }
    if !bad.is_empty() {
        return Outcome::fail("a private key file is more permissive than 0400", bad);
    }
    if !errors.is_empty() {
        return Outcome::error(format!(
            "cannot read key file metadata: {}",
            errors.join("; ")
        ));
    }
    Outcome::pass("private key files are mode 0400 or stricter", good)
}

const REASON: &str = "a file mode is changed on the host (chmod), not in redis.conf";

fn fix(s: &Snapshot) -> crate::fix::Fix {
    super::fsutil::chmod_fix(
        s.fs.get(),
        |f, m| (f.role == FileRole::TlsKey && m.mode & !0o400 != 0).then_some(m.mode & 0o400),
        CHECK.remediation,
        REASON,
    )
}
