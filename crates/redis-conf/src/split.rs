//! Redis's `sdssplitargs()` (src/sds.c), byte for byte.

/// `isspace()` in the C locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// See [`crate::split_args`]. The input is treated as a C string: a NUL
/// byte ends it, as it does for Redis.
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    split_args_with(line, false)
}

/// With `joined_quotes`, a closing quote followed by more text goes on
/// with the same word (`"abc"def` is `abcdef`), as Valkey 9 reads it;
/// else such a line is refused, as Redis reads it.
pub(crate) fn split_args_with(line: &[u8], joined_quotes: bool) -> Option<Vec<Vec<u8>>> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(n) => &line[..n],
        None => line,
    };
    // `at(i)` is the C view: 0 past the end.
    let at = |i: usize| -> u8 { line.get(i).copied().unwrap_or(0) };
    let mut p = 0usize;
    let mut out = Vec::new();
    loop {
        while p < line.len() && is_c_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(out);
        }
        let mut inq = false;
        let mut insq = false;
        let mut cur = Vec::new();
        loop {
            let c = at(p);
            if inq {
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(p + 2)), hex_val(at(p + 3))) {
                        cur.push(h * 16 + l);
                        p += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    cur.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    // A closing quote must be followed by a space or nothing.
                    if at(p + 1) != 0 && !is_c_space(at(p + 1)) {
                        if !joined_quotes {
                            return None;
                        }
                        inq = false;
                        p += 1;
                        continue;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None; // unterminated quotes
                } else {
                    cur.push(c);
                }
            } else if insq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_c_space(at(p + 1)) {
                        if !joined_quotes {
                            return None;
                        }
                        insq = false;
                        p += 1;
                        continue;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    other => cur.push(other),
                }
            }
            p += 1;
        }
        out.push(cur);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::split_args;

    fn s(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn plain_words() {
        assert_eq!(s("a b  c"), Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(s("   "), Some(vec![]));
        assert_eq!(s(""), Some(vec![]));
        assert_eq!(s("\ta\r\n"), Some(vec!["a".into()]));
    }

    #[test]
    fn double_quote_escapes() {
        let v = split_args(br#""\n\r\t\b\a\\\"\x41\x4a\q""#).unwrap();
        assert_eq!(v, vec![b"\n\r\t\x08\x07\\\"AJq".to_vec()]);
        // \x with a non-hex digit is just "x".
        assert_eq!(split_args(br#""\xZZ""#).unwrap(), vec![b"xZZ".to_vec()]);
        assert_eq!(split_args(br#""\x4""#).unwrap(), vec![b"x4".to_vec()]);
        assert_eq!(split_args(br#""\xff""#).unwrap(), vec![vec![0xff]]);
        assert_eq!(s(r#""a b" c"#), Some(vec!["a b".into(), "c".into()]));
        assert_eq!(s(r#""""#), Some(vec!["".into()]));
    }

    #[test]
    fn single_quotes() {
        assert_eq!(s(r#"'a\'b'"#), Some(vec!["a'b".into()]));
        assert_eq!(s(r#"'a\nb'"#), Some(vec!["a\\nb".into()]));
        assert_eq!(s(r#"'a"b'"#), Some(vec!["a\"b".into()]));
        assert_eq!(s("''"), Some(vec!["".into()]));
    }

    #[test]
    fn quotes_inside_words() {
        assert_eq!(s(r#"ab"c d""#), Some(vec!["abc d".into()]));
        assert_eq!(s(r#"a'b c'"#), Some(vec!["ab c".into()]));
    }

    #[test]
    fn errors() {
        assert_eq!(s(r#""abc"#), None);
        assert_eq!(s("'abc"), None);
        assert_eq!(s(r#""a"b"#), None);
        assert_eq!(s("'a'b"), None);
        assert_eq!(s(r#""a\"#), None);
        // A closing quote followed by \v or \f is fine (isspace).
        assert_eq!(s("\"a\"\x0bb"), Some(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn vertical_tab_does_not_end_a_word() {
        // Unquoted words end only at ' ', \n, \r, \t (not \v or \f).
        assert_eq!(s("a\x0bb"), Some(vec!["a\x0bb".into()]));
        assert_eq!(s("\x0ba"), Some(vec!["a".into()]));
    }

    #[test]
    fn nul_ends_the_string() {
        assert_eq!(split_args(b"a\0b"), Some(vec![b"a".to_vec()]));
        assert_eq!(split_args(b"\"a\0\""), None);
    }

    #[test]
    fn every_prefix_is_safe() {
        let samples: &[&[u8]] = &[
            br#"user "al ice" on '>p\'w' "\x41\x" ~* +@all"#,
            b"rename-command CONFIG \"\" \t# x",
            b"\"\\",
            b"'\\",
            b"\"\\x4",
        ];
        for sample in samples {
            for n in 0..=sample.len() {
                let _ = split_args(&sample[..n]);
            }
        }
    }
}
