use super::users::user_evidence;
use super::{acl, tri};
use crate::model::{Evidence, Outcome, Source};
use crate::passwords::{weakness_hash, weakness_plain, MIN_LENGTH};
use crate::registry::check;
use crate::snapshot::{AclFacts, AclOrigin, Avail, Snapshot};

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
    // DISA STIG V-251428 (Redis Enterprise 6.x STIG V2R1): https://github.com/mitre/inspec-profile-update-action/blob/f2c0eb037cdc6cda2b718c3eaa561a870575f776/benchmarks/DISA/U_Redis_Enterprise_6-x_STIG_V2R1_Manual-xccdf.xml
    refs: [Nist80053("IA-5"), Nist80053("IA-5(1)"), DisaStig("RD6X-00-008750")],
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
    // The hash of requirepass, which sets the default user's password.
    let requirepass_hash = s
        .conf
        .get()
        .and_then(|c| c.config.last("requirepass"))
        .and_then(|d| d.args.first())
        .filter(|pw| !pw.is_empty())
        .map(|pw| redis_acl::hash_password(pw.as_bytes()));
    let files = FilePlaintext::new(s, requirepass_hash.as_deref());
    for u in &a.users {
        for (i, p) in u.user.passwords.iter().enumerate() {
            checked += 1;
            let from_requirepass = u.user.name == "default"
                && requirepass_hash
                    .as_ref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&p.hash));
            let in_files = || files.as_ref().and_then(|f| f.get(&u.user.name, &p.hash));
            let (kind, reason) =
                match (&p.plaintext, p.plaintext.is_none().then(in_files).flatten()) {
                    (Some(plain), _) if from_requirepass => (
                        "plaintext, from requirepass",
                        weakness_plain(plain.expose()),
                    ),
                    (Some(plain), _) => ("plaintext", weakness_plain(plain.expose())),
                    (None, Some((plain, from))) => (from, weakness_plain(plain.expose())),
                    (None, None) => {
                        hashed_only += 1;
                        ("hashed", weakness_hash(&p.hash))
                    }
                };
            // `user NAME: password #N (KIND): VERDICT`, written once.
            let mut what = format!("user {}: password #{} ({kind}): ", u.user.name, i + 1);
            match reason {
                Some(r) => {
                    what.push_str(&r);
                    weak.push(user_evidence(s, a, u, what, "a strong password"));
                }
                None => {
                    what.push_str(if kind == "hashed" {
                        "not the hash of a common password (its strength cannot be measured further)"
                    } else {
                        "strong"
                    });
                    ok.push(user_evidence(s, a, u, what, "a strong password"));
                }
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
        // requirepass sets the default user's password (Redis applies it
        // before the users are loaded): when the default user judged above
        // (the running server's, or the one built from the files) holds it,
        // it was counted there. Otherwise it is not in effect (ignored with
        // an aclfile, overridden by a `user default` line, changed at run
        // time) but still a password in the file.
        if let Some(d) = c.config.last("requirepass") {
            if !requirepass_in_effect(a, d) {
                plain_directives.push((
                    d,
                    "requirepass (not in effect: the default user does not have this password)"
                        .to_string(),
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

/// Whether the default user of `a` holds the password `requirepass` sets.
fn requirepass_in_effect(a: &AclFacts, d: &redis_conf::Directive) -> bool {
    let Some(pw) = d.args.first().filter(|p| !p.is_empty()) else {
        return false;
    };
    let hash = redis_acl::hash_password(pw.as_bytes());
    a.default_user().is_some_and(|u| {
        u.user
            .passwords
            .iter()
            .any(|p| p.hash.eq_ignore_ascii_case(&hash))
    })
}

/// The passwords the config or ACL file gives in clear, by user, for a
/// live audit: ACL LIST shows only a live user's hashes, and a hash the
/// files hold in clear for the same user can be measured there, as a
/// files-only audit would. Built once per run: looked up per live user,
/// a scan of the files' users was quadratic (100k users: 40 s).
struct FilePlaintext<'a> {
    by_user: std::collections::HashMap<&'a str, Vec<&'a redis_acl::Password>>,
    /// How a password from the files is labelled (its origin).
    from: &'static str,
    /// The hash of `requirepass`, which sets the default user's password.
    requirepass_hash: Option<&'a str>,
}

impl<'a> FilePlaintext<'a> {
    fn new(s: &'a Snapshot, requirepass_hash: Option<&'a str>) -> Option<FilePlaintext<'a>> {
        if !matches!(s.acl_live, Avail::Present(_)) {
            return None;
        }
        let files = s.acl.get()?;
        let mut by_user: std::collections::HashMap<&str, Vec<&redis_acl::Password>> =
            std::collections::HashMap::new();
        for u in &files.users {
            let plain = u.user.passwords.iter().filter(|p| p.plaintext.is_some());
            by_user
                .entry(u.user.name.as_str())
                .or_default()
                .extend(plain);
        }
        let from = match files.origin {
            AclOrigin::AclFile(_) => "plaintext, from the ACL file",
            _ => "plaintext, from the config file",
        };
        Some(FilePlaintext {
            by_user,
            from,
            requirepass_hash,
        })
    }

    /// `user`'s password of hash `hash` in clear, with how to label it.
    fn get(&self, user: &str, hash: &str) -> Option<(&'a redis_conf::Secret, &'static str)> {
        let from = match self.requirepass_hash {
            Some(h) if user == "default" && h.eq_ignore_ascii_case(hash) => {
                "plaintext, from requirepass"
            }
            _ => self.from,
        };
        self.by_user
            .get(user)?
            .iter()
            .find(|p| p.hash.eq_ignore_ascii_case(hash))
            .and_then(|p| p.plaintext.as_ref())
            .map(|plain| (plain, from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, message_of, snapshot_with, status_of};
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
    fn requirepass_counts_once() {
        let pw = "9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3";
        // It sets the default user's password: counted once, in effect.
        for conf in [
            format!("requirepass {pw}\n"),
            format!("requirepass {pw}\nuser app on >{pw}-app ~* +get\n"),
        ] {
            let f = run_one(&CHECK, &conf_snapshot(&conf));
            let text = format!("{:?}", f.evidence);
            assert!(!text.contains("not in effect"), "{text}");
            assert!(
                text.contains("user default: password #1 (plaintext, from requirepass): strong"),
                "{text}"
            );
            assert_eq!(
                f.evidence
                    .iter()
                    .filter(|e| e.observed.contains("requirepass"))
                    .count(),
                1,
                "{text}"
            );
        }
        assert!(
            message_of(&CHECK, &conf_snapshot(&format!("requirepass {pw}\n")))
                .starts_with("1 password(s)")
        );
        // Overridden by a `user default` line, or ignored with an aclfile.
        for s in [
            conf_snapshot(&format!(
                "requirepass {pw}\nuser default on >{pw}-other ~* +@all\n"
            )),
            snapshot_with(
                &format!("requirepass {pw}\naclfile users.acl\n"),
                Some("user app on >0d9e7f3a2c5e1f0a9c7b3d2e8f4a6c1b ~* +get\n"),
            ),
        ] {
            let f = run_one(&CHECK, &s);
            let text = format!("{:?}", f.evidence);
            assert!(text.contains("requirepass (not in effect"), "{text}");
        }
    }

    #[test]
    fn never_prints_the_password() {
        let f = run_one(&CHECK, &conf_snapshot("requirepass hunter2secret\n"));
        let text = format!("{f:?}");
        assert!(!text.contains("hunter2secret"), "{text}");
    }
}
