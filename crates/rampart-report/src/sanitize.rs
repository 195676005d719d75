//! Make untrusted text safe to print on a terminal.

/// Replace control characters (C0, DEL, C1), Unicode bidi overrides,
/// isolates and marks (LRM U+200E, RLM U+200F, ALM U+061C), zero-width
/// and invisible characters (U+200B-U+200D, U+2060, U+FEFF) and the line
/// and paragraph separators (U+2028, U+2029), with visible escapes (`\x1b`, `\u{202e}`), so a config
/// value or a server reply cannot move the cursor, recolour the screen or
/// reorder what the reader sees. Tabs stay; newlines become `\n`.
pub fn for_terminal(s: &str) -> String {
    // Printable ASCII and tabs stay as they are (user names, rules).
    if s.bytes().all(|b| matches!(b, 0x20..=0x7e | b'\t')) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\t' => out.push(ch),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'
            | '\u{feff}'
            | '\u{061c}' => out.push_str(&format!("\\u{{{:x}}}", ch as u32)),
            c => out.push(c),
        }
    }
    out
}

/// [`for_terminal`] line by line: newlines stay (for multi-line text
/// such as a report or a plan), every other character is made safe.
pub fn for_terminal_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&for_terminal(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(for_terminal("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(for_terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(for_terminal("line\nnext"), "line\\nnext");
        assert_eq!(for_terminal("tab\tok é"), "tab\tok é");
        assert_eq!(for_terminal("\u{9b}2J"), "\\u{9b}2J");
        for c in [
            '\u{200e}', '\u{200f}', '\u{061c}', '\u{2067}', '\u{200b}', '\u{feff}',
        ] {
            assert!(!for_terminal(&format!("a{c}b")).contains(c), "{c:?}");
        }
        assert_eq!(
            for_terminal_lines("a\x1b\nb\u{200f}\n"),
            "a\\x1b\nb\\u{200f}\n"
        );
    }
}
