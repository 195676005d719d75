//! Redis's glob: `stringmatchlen()` from `src/util.c` (7.0.9+, with the
//! CVE-2022-36021 protections), byte for byte.
//!
//! Quirks kept on purpose, because ACL key and channel checks inherit them:
//! * `*` never matches an empty subject (`"*"` vs `""` is no match: the main
//!   loop never runs), so a `%R~*` pattern does not cover the empty key;
//! * `[` without `]` matches as if the class ended at the pattern's end;
//! * ranges compare *signed* chars (bytes ≥ 0x80 sort below ASCII), and
//!   `[z-a]` is the same as `[a-z]`;
//! * `\` escapes the next byte outside and inside a class;
//! * recursion deeper than 1000 `*`s is no match.

/// The byte at `i`, or NUL past the end (Redis reads the sds terminator).
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

/// `stringmatchlen(pattern, string, nocase)`.
pub fn stringmatch(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip = false;
    imp(pattern, string, nocase, &mut skip, 0)
}

fn imp(pattern: &[u8], string: &[u8], nocase: bool, skip_longer: &mut bool, nesting: u32) -> bool {
    if nesting > 1000 {
        return false;
    }
    // Indices into pattern / string; lengths are what remains.
    let (mut p, mut s) = (0usize, 0usize);
    let mut plen = pattern.len();
    let mut slen = string.len();
    while plen > 0 && slen > 0 {
        match at(pattern, p) {
            b'*' => {
                while plen > 0 && at(pattern, p + 1) == b'*' {
                    p += 1;
                    plen -= 1;
                }
                if plen == 1 {
                    return true;
                }
                while slen > 0 {
                    let rest = &pattern[p + 1..p + plen];
                    if imp(rest, &string[s..s + slen], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s += 1;
                    slen -= 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => {
                s += 1;
                slen -= 1;
            }
            b'[' => {
                p += 1;
                plen -= 1;
                let not = at(pattern, p) == b'^';
                if not {
                    p += 1;
                    plen = plen.saturating_sub(1);
                }
                let c0 = at(string, s);
                let mut matched = false;
                loop {
                    let pc = at(pattern, p);
                    if pc == b'\\' && plen >= 2 {
                        p += 1;
                        plen -= 1;
                        if at(pattern, p) == c0 {
                            matched = true;
                        }
                    } else if pc == b']' {
                        break;
                    } else if plen == 0 {
                        p -= 1;
                        plen += 1;
                        break;
                    } else if plen >= 3 && at(pattern, p + 1) == b'-' {
                        // C `char` is signed here: compare as i8.
                        let mut start = i32::from(pc as i8);
                        let mut end = i32::from(at(pattern, p + 2) as i8);
                        let mut c = i32::from(c0 as i8);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = i32::from(lower(start as u8) as i8);
                            end = i32::from(lower(end as u8) as i8);
                            c = i32::from(lower(c as u8) as i8);
                        }
                        p += 2;
                        plen -= 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if nocase {
                        if lower(pc) == lower(c0) {
                            matched = true;
                        }
                    } else if pc == c0 {
                        matched = true;
                    }
                    p += 1;
                    plen -= 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s += 1;
                slen -= 1;
            }
            first => {
                let mut pc = first;
                if first == b'\\' && plen >= 2 {
                    p += 1;
                    plen -= 1;
                    pc = at(pattern, p);
                }
                let sc = at(string, s);
                let eq = if nocase {
                    lower(pc) == lower(sc)
                } else {
                    pc == sc
                };
                if !eq {
                    return false;
                }
                s += 1;
                slen -= 1;
            }
        }
        p += 1;
        plen -= 1;
        if slen == 0 {
            while at(pattern, p) == b'*' && plen > 0 {
                p += 1;
                plen -= 1;
            }
            break;
        }
    }
    plen == 0 && slen == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::stringmatch;

    fn m(p: &str, s: &str) -> bool {
        stringmatch(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn basics() {
        assert!(m("*", "abc"));
        assert!(!m("*", ""), "Redis: * does not match the empty string");
        assert!(m("", ""));
        assert!(m("a*", "a"));
        assert!(m("a*", "abc"));
        assert!(!m("a*", "ba"));
        assert!(m("key:?", "key:1"));
        assert!(!m("key:?", "key:12"));
        assert!(m("[ab]*", "bz"));
        assert!(!m("[ab]*", "cz"));
        assert!(m("[^ab]*", "cz"));
        assert!(m("[a-c]", "b"));
        assert!(m("[c-a]", "b"), "reversed range");
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(m("[\\]]", "]"));
        assert!(m("[abc", "c"), "unterminated class");
        assert!(m("a\\", "a\\"));
        assert!(m("**a**", "xxa"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(!m("a*b*c", "aXbY"));
    }

    #[test]
    fn signed_char_ranges_and_nesting() {
        // 0xC3 is negative as a C char: outside [a-z], inside [\x80-a].
        assert!(!stringmatch(b"[a-z]", &[0xC3], false));
        assert!(stringmatch(&[b'[', 0x80, b'-', b'a', b']'], &[0xC3], false));
        let deep = "*a".repeat(1100);
        assert!(!m(&deep, &"a".repeat(1100)), "nesting limit");
        assert!(m(&"*a".repeat(900), &"a".repeat(900)));
    }
}
