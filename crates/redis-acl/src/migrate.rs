//! `rampart acl migrate-hashes`' edit: `>password` → `#<sha256>` and
//! `<password` → `!<sha256>` in the `user` lines of an ACL file or a
//! redis.conf, on bytes. Only the password tokens change: every other byte
//! (a key pattern that is not UTF-8, CRLF line ends, double spaces) is kept
//! as it was. The caller checks that the result loads with the same users.

use crate::{hash_password, sdssplitargs};

/// How the file splits its `user` lines into tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// An external ACL file: split on single spaces (`ACLLoadFromFile`).
    AclFile,
    /// redis.conf: `sdssplitargs` (quotes, escapes).
    Config,
}

/// `>pw` → `#hash`, `<pw` → `!hash` for one decoded token; `None` otherwise.
fn hashed_token(value: &str) -> Option<String> {
    let (sigil, pw) = match value.as_bytes().first() {
        Some(b'>') => ('#', &value[1..]),
        Some(b'<') => ('!', &value[1..]),
        _ => return None,
    };
    if pw.contains('\u{FFFD}') {
        return None;
    }
    Some(format!("{sigil}{}", hash_password(pw.as_bytes())))
}

/// Byte ranges of the raw tokens of a redis.conf line (sdssplitargs' rules).
fn raw_tokens(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        let mut inq = 0u8;
        while i < b.len() {
            let c = b[i];
            if inq == b'"' {
                if c == b'\\' && i + 1 < b.len() {
                    i += 1;
                } else if c == b'"' {
                    inq = 0;
                }
            } else if inq == b'\'' {
                if c == b'\\' && i + 1 < b.len() && b[i + 1] == b'\'' {
                    i += 1;
                } else if c == b'\'' {
                    inq = 0;
                }
            } else if c == b'"' || c == b'\'' {
                inq = c;
            } else if c.is_ascii_whitespace() {
                break;
            }
            i += 1;
        }
        out.push((start, i));
    }
    out
}

fn utf8(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

/// Rewrite the bytes; returns the new bytes and how many tokens changed.
pub fn hash_passwords(text: &[u8], kind: FileKind) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(text.len());
    let mut changed = 0;
    for line in text.split_inclusive(|&c| c == b'\n') {
        match kind {
            FileKind::AclFile => changed += aclfile_line(line, &mut out),
            FileKind::Config => changed += config_line(line, &mut out),
        }
    }
    (out, changed)
}

fn aclfile_line(line: &[u8], out: &mut Vec<u8>) -> usize {
    let edge = |c: &u8| matches!(c, b'\t' | b'\r' | b'\n');
    let trim = |p: &[u8]| -> (usize, usize) {
        let lead = p.iter().take_while(|c| edge(c)).count();
        let tail = p[lead..].iter().rev().take_while(|c| edge(c)).count();
        (lead, p.len() - tail)
    };
    let parts: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
    let is_user = parts.first().is_some_and(|p| {
        let (a, b) = trim(p);
        &p[a..b] == b"user"
    });
    if !is_user {
        out.extend_from_slice(line);
        return 0;
    }
    let mut changed = 0;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let (a, b) = trim(p);
        match (i >= 2).then(|| utf8(&p[a..b]).and_then(hashed_token)) {
            Some(Some(h)) => {
                out.extend_from_slice(&p[..a]);
                out.extend_from_slice(h.as_bytes());
                out.extend_from_slice(&p[b..]);
                changed += 1;
            }
            _ => out.extend_from_slice(p),
        }
    }
    changed
}

fn config_line(line: &[u8], out: &mut Vec<u8>) -> usize {
    let toks = raw_tokens(line);
    let first = toks
        .first()
        .and_then(|(s, e)| utf8(&line[*s..*e]))
        .and_then(sdssplitargs)
        .and_then(|v| v.into_iter().next());
    if !first.is_some_and(|f| f.eq_ignore_ascii_case("user")) {
        out.extend_from_slice(line);
        return 0;
    }
    let mut changed = 0;
    let mut last = 0;
    for &(a, b) in toks.iter().skip(2) {
        let value = utf8(&line[a..b])
            .and_then(sdssplitargs)
            .and_then(|v| v.into_iter().next());
        if let Some(h) = value.as_deref().and_then(hashed_token) {
            out.extend_from_slice(&line[last..a]);
            out.extend_from_slice(h.as_bytes());
            last = b;
            changed += 1;
        }
    }
    out.extend_from_slice(&line[last..]);
    changed
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn migrate_keeps_bytes() {
        // Redis's ACL file tokenizer splits on single spaces only: double
        // spaces (empty tokens) are kept byte for byte.
        let t = "user a on >pw ~* +@all\r\nuser b on  >x  <pw2 &*\n\nuser c on #0000\n";
        let (n, c) = hash_passwords(t.as_bytes(), FileKind::AclFile);
        let n = String::from_utf8(n).unwrap();
        assert_eq!(c, 3);
        assert!(n.contains(&format!("user a on #{} ~* +@all\r\n", hash_password(b"pw"))));
        assert!(n.contains(&format!(
            "  #{}  !{} &*\n\nuser c on #0000\n",
            hash_password(b"x"),
            hash_password(b"pw2")
        )));
        let t = "# c\nuser app on \">p w\" '~a' +get\nrequirepass x\n";
        let (n, c) = hash_passwords(t.as_bytes(), FileKind::Config);
        let n = String::from_utf8(n).unwrap();
        assert_eq!(c, 1);
        assert_eq!(
            n,
            format!(
                "# c\nuser app on #{} '~a' +get\nrequirepass x\n",
                hash_password(b"p w")
            )
        );
    }

    #[test]
    fn invalid_utf8_survives() {
        let mut t = b"user a on >pw ~k\xff\xfe:* +get\n".to_vec();
        t.extend_from_slice(b"user b on >p\xffw ~x\n");
        let (n, c) = hash_passwords(&t, FileKind::AclFile);
        assert_eq!(c, 1);
        let mut want = format!("user a on #{} ~k", hash_password(b"pw")).into_bytes();
        want.extend_from_slice(b"\xff\xfe:* +get\nuser b on >p\xffw ~x\n");
        assert_eq!(n, want);
    }
}
