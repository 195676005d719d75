//! What a stored value looks like, for DATA003: plaintext that reads as a
//! secret or as personal data, as opposed to ciphertext (client-side
//! encryption) or ordinary data. The value itself is never kept: only the
//! kinds found.
//!
//! Patterns, each chosen to keep false positives low:
//! - a PEM private key (`-----BEGIN ... PRIVATE KEY-----`);
//! - a payment card number: 13–19 digits (single spaces or dashes
//!   between groups allowed) with a known issuer prefix and a valid Luhn
//!   check digit;
//! - an e-mail address;
//! - a JSON Web Token (`eyJ...` header, three base64url parts);
//! - an AWS access key id (`AKIA`/`ASIA` + 16);
//! - a password in clear: a hash field or JSON key named like a password
//!   or secret whose value is short printable text and not a password
//!   hash (bcrypt, argon2, scrypt, PBKDF2, SHA-crypt, 64 hex digits).

use regex::Regex;
use std::sync::OnceLock;

/// One kind of sensitive plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    PrivateKey,
    CardNumber,
    Email,
    Jwt,
    AwsKey,
    Password,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private key (PEM)",
            Kind::CardNumber => "payment card number",
            Kind::Email => "e-mail address",
            Kind::Jwt => "JSON Web Token",
            Kind::AwsKey => "AWS access key id",
            Kind::Password => "password in clear",
        }
    }
}

struct Patterns {
    card: Regex,
    email: Regex,
    jwt: Regex,
    aws: Regex,
    json_secret: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).unwrap_or_else(|e| panic!("built-in pattern {s}: {e}"));
        Patterns {
            card: re(r"(?:^|[^0-9])([0-9](?:[ -]?[0-9]){12,18})(?:$|[^0-9])"),
            email: re(r"(?i)(?:^|[^a-z0-9._%+-])[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}(?:$|[^a-z0-9-])"),
            jwt: re(r"(?:^|[^A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
            aws: re(r"(?:^|[^A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?:$|[^A-Z0-9])"),
            json_secret: re(r#"(?i)"(?:[a-z_]*pass(?:word|wd)?|pwd|secret|api[_-]?key|access[_-]?token|token)"\s*:\s*"([^"\\]{1,200})""#),
        }
    })
}

/// A field or key name that holds a password or secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "pwd",
        "secret",
        "apikey",
        "api_key",
        "api-key",
        "token",
        "passphrase",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// A password hash (safe to store), as opposed to a password.
fn looks_hashed(v: &str) -> bool {
    let v = v.trim();
    [
        "$2a$",
        "$2b$",
        "$2y$",
        "$argon2",
        "$scrypt$",
        "$pbkdf2",
        "$5$",
        "$6$",
        "$7$",
        "pbkdf2_sha256$",
    ]
    .iter()
    .any(|p| v.starts_with(p))
        || (v.len() >= 40 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut x = u32::from(*d);
        if i % 2 == 1 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    sum.is_multiple_of(10)
}

/// Known issuer prefixes (Visa, Mastercard, Amex, Discover, JCB, Diners,
/// UnionPay) with their lengths.
fn card_prefix(d: &[u8]) -> bool {
    let n = |k: usize| d.iter().take(k).fold(0u32, |a, x| a * 10 + u32::from(*x));
    let len = d.len();
    match d.first() {
        Some(4) => matches!(len, 13 | 16 | 19),
        Some(5) => (51..=55).contains(&n(2)) && len == 16,
        Some(2) => (2221..=2720).contains(&n(4)) && len == 16,
        Some(3) => {
            (matches!(n(2), 34 | 37) && len == 15)
                || ((3528..=3589).contains(&n(4)) && (16..=19).contains(&len))
                || ((300..=305).contains(&n(3)) || n(2) == 36 || n(2) == 38) && len == 14
        }
        Some(6) => {
            (n(4) == 6011 || n(2) == 65 || (644..=649).contains(&n(3)) || n(2) == 62)
                && (16..=19).contains(&len)
        }
        _ => false,
    }
}

fn has_card(text: &str) -> bool {
    patterns().card.captures_iter(text).any(|c| {
        let Some(m) = c.get(1) else { return false };
        let s = m.as_str();
        // Separators only between groups, and all the same.
        let seps: Vec<char> = s.chars().filter(|c| !c.is_ascii_digit()).collect();
        if seps.windows(2).any(|w| w[0] != w[1]) {
            return false;
        }
        let d: Vec<u8> = s
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        card_prefix(&d) && luhn(&d)
    })
}

/// The kinds of sensitive plaintext in `value` (stored under `field` when
/// it is a hash field). Binary values (ciphertext, compressed data) are
/// only searched for a PEM key.
pub fn classify(field: Option<&[u8]>, value: &[u8]) -> Vec<Kind> {
    let mut out = Vec::new();
    let printable = value
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    let text = String::from_utf8_lossy(value);
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
        out.push(Kind::PrivateKey);
    }
    let is_text = !value.is_empty()
        && printable * 100 >= value.len() * 95
        && std::str::from_utf8(value).is_ok();
    if is_text {
        let p = patterns();
        if has_card(&text) {
            out.push(Kind::CardNumber);
        }
        if p.email.is_match(&text) {
            out.push(Kind::Email);
        }
        if p.jwt.is_match(&text) {
            out.push(Kind::Jwt);
        }
        if p.aws.is_match(&text) {
            out.push(Kind::AwsKey);
        }
        let field_secret = field
            .map(|f| secret_name(&String::from_utf8_lossy(f)))
            .unwrap_or(false);
        let clear = |v: &str| !v.trim().is_empty() && v.len() <= 200 && !looks_hashed(v);
        if (field_secret && clear(&text))
            || p.json_secret
                .captures_iter(&text)
                .any(|c| c.get(1).is_some_and(|m| clear(m.as_str())))
        {
            out.push(Kind::Password);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(v: &str) -> Vec<Kind> {
        classify(None, v.as_bytes())
    }

    #[test]
    fn plaintext_is_found() {
        assert_eq!(kinds("4111 1111 1111 1111"), [Kind::CardNumber]);
        assert_eq!(kinds("card=5500-0000-0000-0004;"), [Kind::CardNumber]);
        assert_eq!(kinds("378282246310005"), [Kind::CardNumber]);
        assert_eq!(kinds("mail me: ann.lee+x@example.co.uk"), [Kind::Email]);
        assert_eq!(
            kinds("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc_DEF-123"),
            [Kind::Jwt]
        );
        assert_eq!(kinds("AKIAIOSFODNN7EXAMPLE"), [Kind::AwsKey]);
        assert_eq!(
            kinds("-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n"),
            [Kind::PrivateKey]
        );
        assert_eq!(
            kinds(r#"{"user":"ann","password":"hunter2"}"#),
            [Kind::Password]
        );
        assert_eq!(
            classify(Some(b"api_key"), b"sk_live_51H8abc"),
            [Kind::Password]
        );
    }

    #[test]
    fn ordinary_and_encrypted_values_are_not() {
        for v in [
            "4111 1111 1111 1112", // Luhn fails
            "1234567890123456",    // no issuer prefix
            "4111-1111 1111-1111", // mixed separators
            "1700000000123",       // a millisecond timestamp
            "user@localhost",      // no domain
            "hello world",
            "eyJub3QiOiJhIGp3dCJ9", // base64 JSON, one part
            r#"{"password":"$2b$12$abcdefghijklmnopqrstuv"}"#, // a bcrypt hash
            "q83v7Jf0aX1kPzR2bTn8+Yw5LmC6dE4hG9sVuQ==", // base64 ciphertext
        ] {
            assert!(kinds(v).is_empty(), "{v}: {:?}", kinds(v));
        }
        // Binary ciphertext that happens to contain digits and an @.
        let mut b = vec![0u8, 0xff, 0x10, 0x80, 0x01];
        b.extend_from_slice(b"4111111111111111 a@b.com");
        b.extend_from_slice(&[0u8; 40]);
        assert!(classify(None, &b).is_empty());
        assert!(classify(Some(b"password"), b"").is_empty());
        assert!(classify(
            Some(b"password_hash"),
            b"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        )
        .is_empty());
    }
}
