//! Password strength (ACL002).
//!
//! A plaintext password is weak when it is in a common-password list
//! (John the Ripper's list as Debian's `john-data` ships it, and zxcvbn's
//! 30,000-entry list), shorter than [`MIN_LENGTH`], or guessable by
//! zxcvbn (score below 4). Redis stores unsalted SHA-256, which is fast to
//! brute-force offline, so the bar is high: Redis's own `ACL GENPASS`
//! makes 64 hex characters. For a `#<sha256>` password only the hash is
//! known: it is weak when it equals the hash of a listed password.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Minimum length of a strong password.
pub const MIN_LENGTH: usize = 16;

static JOHN: &str = include_str!("../data/john-password.lst");

/// Passwords shown in Redis's own documentation and shipped configs, which
/// scanners try first. A supplement to the packaged list, not a substitute.
const REDIS_EXAMPLES: &[&str] = &[
    "foobared",
    "redis",
    "redispassword",
    "redis123",
    "p1pp0",
    "password",
    "mypassword",
    "secret",
];

fn list() -> impl Iterator<Item = &'static str> {
    JOHN.lines()
        .filter(|l| !l.starts_with("#!comment"))
        .filter(|l| !l.is_empty())
        .chain(REDIS_EXAMPLES.iter().copied())
}

fn common_plain() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| list().collect())
}

fn common_hashes() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| list().map(|p| sha256_hex(p.as_bytes())).collect())
}

/// SHA-256 hex, as Redis stores passwords.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Number of entries in the common-password list.
pub fn list_len() -> usize {
    common_plain().len()
}

/// Why a plaintext password is weak, or `None` when it is strong. The
/// reason never contains the password.
pub fn weakness_plain(pw: &[u8]) -> Option<String> {
    if pw.is_empty() {
        return Some("empty password".into());
    }
    let text = String::from_utf8_lossy(pw);
    if common_plain().contains(text.as_ref()) {
        return Some("in the common-password list".into());
    }
    let len = text.chars().count();
    if len < MIN_LENGTH {
        return Some(format!(
            "only {len} characters (at least {MIN_LENGTH} needed)"
        ));
    }
    // zxcvbn's cost grows with length; a long password is judged on its
    // first 100 characters, which is plenty to find a dictionary base.
    let head: String = text.chars().take(100).collect();
    let est = zxcvbn::zxcvbn(&head, &[]);
    let in_dictionary = est.sequence().len() == 1
        && matches!(
            est.sequence()[0].pattern,
            zxcvbn::matching::patterns::MatchPattern::Dictionary(_)
        );
    if in_dictionary {
        return Some("a single dictionary word or common password (zxcvbn)".into());
    }
    let score = u8::from(est.score());
    if score < 4 {
        return Some(format!(
            "guessable: zxcvbn score {score}/4 (about 10^{:.0} guesses)",
            est.guesses_log10()
        ));
    }
    None
}

/// Why a `#<sha256>` password is weak (its hash is that of a listed password).
pub fn weakness_hash(hash_hex: &str) -> Option<String> {
    if common_hashes().contains(&hash_hex.to_ascii_lowercase()) {
        Some("the hash of a password in the common-password list".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_loaded() {
        assert!(list_len() > 3000);
    }

    #[test]
    fn weak_and_strong() {
        assert!(weakness_plain(b"foobared").is_some());
        assert!(weakness_plain(b"123456").is_some());
        assert!(weakness_plain(b"Tr0ub4dor&3").is_some());
        assert!(weakness_plain(b"passwordpassword").is_some());
        assert!(weakness_plain(b"").is_some());
        assert!(weakness_plain(b"9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3").is_none());
        assert!(weakness_plain(b"correct horse battery staple orbit").is_none());
    }

    #[test]
    fn hashes() {
        assert!(weakness_hash(&sha256_hex(b"foobared")).is_some());
        assert!(weakness_hash(&sha256_hex(b"9f2c1e7a4b8d3f60a1e5c9b2d7f4a8e3")).is_none());
    }

    #[test]
    fn reasons_do_not_contain_the_password() {
        for pw in ["hunter2", "Summer2024!", "abcdefghijklmnopqrstu"] {
            if let Some(r) = weakness_plain(pw.as_bytes()) {
                assert!(!r.contains(pw), "{r}");
            }
        }
    }
}
