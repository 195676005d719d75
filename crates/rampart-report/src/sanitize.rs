//! Make untrusted text safe to print on a terminal.

/// Replace control characters (C0, DEL, C1), and Unicode bidi overrides
/// and isolates, with visible escapes (`\x1b`, `\u{202e}`), so a config
/// value or a server reply cannot move the cursor, recolour the screen or
/// reorder what the reader sees. Tabs stay; newlines become `\n`.
pub fn for_terminal(s: &str) -> String {
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
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}' => out.push_str(&format!("\\u{{{:x}}}", ch as u32)),
            c => out.push(c),
        }
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
    }
}
