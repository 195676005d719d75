use super::users::user_evidence;
use super::{acl, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::passwords::{weakness_hash, weakness_plain, MIN_LENGTH};
use crate::registry::check;
use crate::snapshot::{AclOrigin, Avail, Snapshot};

check! {
    /// Every password is strong.
    ///
    /// **What.** Every password rampart can see: each user's passwords (ACL
    /// file, redis.conf `user` lines, `requirepass`), `masterauth`, and
    /// Sentinel's `auth-pass` / `sentinel-pass`. A plaintext password is weak
    /// when it is in a common-password list (John the Ripper's list as
    /// Debian's `john-data` package ships it, plus zxcvbn's 30k list),
    /// shorter than 16 characters, or guessable (zxcvbn score below 4). For
    /// a `#<sha256>` password only the hash is known: it is weak when it is
    /// the hash of a listed password. No password is ever printed.
    ///
    /// **Why.** Redis has no lockout or rate limit on AUTH, and stores
    /// unsalted SHA-256 hashes, which are cheap to brute-force once an ACL
    /// file or `ACL GETUSER` output leaks.
    ///
    /// **References.** Redis ACL docs ("ACL GENPASS"); seed checklist
    /// "Ensure all users have a strong password".
    id: "ACL002",
    title: "Every password is strong",
    severity: High,
    sources: [Conf, Aclfile, Live],
    remediation: "Generate passwords with `ACL GENPASS` (64 hex characters) or `openssl rand -hex 32`, store them hashed (`#<sha256>`) in the ACL file, and rotate the weak ones.",
    fix: crate::fix::FixRule::DisplayOnly("needs a new password (a secret) and every client updated (`rampart rotate`)"),
    run: run,
}

fn run(s: &Snapshot) -> Outcome {
    let a = tri!(acl(s));
    let mut weak = Vec::new();
    let mut ok = Vec::new();
    let mut checked = 0usize;
    let mut hashed_only = 0usize;
    for u in &a.users {
        for (i, p) in u.user.passwords.iter().enumerate() {
            checked += 1;
            let (kind, reason) = match (&p.plaintext, file_plaintext(s, &u.user.name, &p.hash)) {
                (Some(plain), _) => ("plaintext", weakness_plain(plain.expose())),
                (None, Some((plain, from))) => (from, weakness_plain(plain.expose())),
                (None, None) => {
                    hashed_only += 1;
                    ("hashed", weakness_hash(&p.hash))
                }
            };
            let what = format!("user {}: password #{} ({kind})", u.user.name, i + 1);
            match reason {
                Some(r) => weak.push(user_evidence(s, a, u, format!("{what}: {r}"), "a strong password")),
                None => ok.push(user_evidence(s, a, u,
                    if kind == "hashed" {
                        format!("{what}: not the hash of a common password (its strength cannot be measured further)")
                    } else {
                        format!("{what}: strong")
                    },
                    "a strong password",
                )),
            }
        }
    }
    let mut plain_directives: Vec<(&redis_conf::Directive, String)> = Vec::new();
    if let Some(c) = s.conf.get() {
        for name in ["masterauth", "primaryauth"] {
            if let Some(d) = c.config.last(name) {
                plain_directives.push((d, name.to_string()));
            }
        }
        // requirepass that the users above do not reflect: ignored with an
        // aclfile, or overridden by a `user default` line.
        let default_from_requirepass = a.default_user().is_some_and(|d| {
            d.span
                .as_ref()
                .is_some_and(|sp| c.config.last("requirepass").is_some_and(|r| r.span == *sp))
        });
        if !default_from_requirepass {
            if let Some(d) = c.config.last("requirepass") {
                plain_directives.push((
                    d,
                    "requirepass (not in effect: the users come from elsewhere)".to_string(),
                ));
            }
        }
    }
    if let Avail::Present(sf) = &s.sentinel {
        for d in sf.config.all("sentinel") {
            let sub = d
                .args
                .first()
                .map(|x| x.to_ascii_lowercase())
                .unwrap_or_default();
            let pw_index = match sub.as_str() {
                "auth-pass" => 2,
                "sentinel-pass" => 1,
                _ => continue,
            };
            if d.args.len() > pw_index {
                plain_directives.push((d, format!("sentinel {sub}")));
            }
        }
    }
    for (d, label) in plain_directives {
        let pw = match d.name.as_str() {
            "sentinel" => d.args.last().cloned().unwrap_or_default(),
            _ => d.args.first().cloned().unwrap_or_default(),
        };
        if pw.is_empty() {
            continue;
        }
        checked += 1;
        let source = Source::Conf;
        match weakness_plain(pw.as_bytes()) {
            Some(r) => weak.push(Evidence::at(
                source,
                &d.span,
                format!("{label}: {r}"),
                "a strong password",
            )),
            None => ok.push(Evidence::at(
                source,
                &d.span,
                format!("{label}: strong"),
                "a strong password",
            )),
        }
    }
    if checked == 0 {
        return Outcome::skip("no passwords are configured (see ACL001)");
    }
    if weak.is_empty() {
        let rule = if hashed_only == checked {
            "not the hash of a common password; their length and strength cannot be seen"
                .to_string()
        } else if hashed_only > 0 {
            format!("minimum {MIN_LENGTH} characters, not common, zxcvbn 4/4; {hashed_only} known only by hash: not common")
        } else {
            format!("minimum {MIN_LENGTH} characters, not common, zxcvbn 4/4")
        };
        Outcome::pass(
            format!("{checked} password(s) checked, none weak ({rule})"),
            ok,
        )
    } else {
        Outcome::fail(
            format!("{} of {checked} password(s) are weak", weak.len()),
            weak,
        )
    }
}

/// A live user's password (ACL LIST shows only its hash) that the config
/// or ACL file gives the same user in clear: its strength can be measured
/// there, as a files-only audit would. Returns it and how to label it.
fn file_plaintext<'a>(
    s: &'a Snapshot,
    user: &str,
    hash: &str,
) -> Option<(&'a redis_conf::Secret, &'static str)> {
    if !matches!(s.acl_live, Avail::Present(_)) {
        return None;
    }
    let files = s.acl.get()?;
    let from = match files.origin {
        AclOrigin::AclFile(_) => "plaintext, from the ACL file",
        _ => "plaintext, from the config file",
    };
    files
        .users
        .iter()
        .filter(|u| u.user.name == user)
        .flat_map(|u| u.user.passwords.iter())
        .find(|p| p.hash.eq_ignore_ascii_case(hash))
        .and_then(|p| p.plaintext.as_ref())
        .map(|plain| (plain, from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, snapshot_with, status_of};
    use crate::registry::run_one;
    use crate::Status;

    #[test]
    fn verdicts() {
        assert_eq!(status_of(&CHECK, &conf_snapshot("")), Status::Skip);
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("requirepass foobared\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("requirepass 9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3\n")
            ),
            Status::Pass
        );
        let hashed_common = crate::passwords::sha256_hex(b"password");
        let s = snapshot_with(
            "aclfile users.acl\n",
            Some(&format!(
                "user default off\nuser app on #{hashed_common} ~* +get\n"
            )),
        );
        assert_eq!(status_of(&CHECK, &s), Status::Fail);
        assert_eq!(
            status_of(
                &CHECK,
                &conf_snapshot("requirepass 9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3\nmasterauth redis\n")
            ),
            Status::Fail
        );
    }

    #[test]
    fn never_prints_the_password() {
        let f = run_one(&CHECK, &conf_snapshot("requirepass hunter2secret\n"));
        let text = format!("{f:?}");
        assert!(!text.contains("hunter2secret"), "{text}");
    }
}
