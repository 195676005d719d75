//! One secret scrubber between every string a server sent and every output.
//!
//! A hostile or broken server may echo what it was sent (`-ERR invalid
//! password 'xyz'`), so any server string can hold a password rampart sent
//! it. Every secret rampart holds (login passwords from the environment, a
//! file, a prompt or a URI; the new passwords of `rotate`) is registered
//! here once, and every report, error and progress line passes through
//! [`scrub`] before it is shown or stored: each occurrence becomes `***`,
//! in its raw form, as JSON escapes it, and as the terminal sanitiser
//! escapes it.

use std::borrow::Cow;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const MASK: &str = "***";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remember a secret, so that no output shows it. Empty secrets are ignored.
pub fn register(secret: &[u8]) {
    if secret.is_empty() {
        return;
    }
    let raw = String::from_utf8_lossy(secret).into_owned();
    let mut forms = vec![raw.clone()];
    if let Ok(j) = serde_json::to_string(&raw) {
        // Without the quotes.
        forms.push(j[1..j.len() - 1].to_string());
    }
    forms.push(crate::sanitize::for_terminal(&raw));
    let Ok(mut all) = SECRETS.write() else {
        return;
    };
    for f in forms {
        if !f.is_empty() && !all.contains(&f) {
            all.push(f);
        }
    }
    // Longest first, so that a secret holding another is masked whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `s` with every registered secret replaced by `***`.
pub fn scrub(s: &str) -> Cow<'_, str> {
    let Ok(all) = SECRETS.read() else {
        // A poisoned lock: show nothing rather than a secret.
        return Cow::Owned(String::from(
            "(output withheld: the secret scrubber failed)",
        ));
    };
    if !all.iter().any(|x| s.contains(x.as_str())) {
        return Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for x in all.iter() {
        if out.contains(x.as_str()) {
            out = out.replace(x.as_str(), MASK);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_masked() {
        register(b"s3cr\"et\x1b");
        register(b"");
        assert_eq!(
            scrub("ERR invalid password 's3cr\"et\x1b'"),
            "ERR invalid password '***'"
        );
        assert_eq!(scrub(r#"{"m":"s3cr\"et\u001b"}"#), r#"{"m":"***"}"#);
        assert_eq!(scrub("x s3cr\"et\\x1b y"), "x *** y");
        assert_eq!(scrub("nothing here"), "nothing here");
    }
}
