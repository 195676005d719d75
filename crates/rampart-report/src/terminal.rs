//! Text on its way to standard output: which text a terminal stripper
//! (the binary's anstream) would pass unchanged, and a writer that sends
//! such text straight out and the rest through the stripper. The binary
//! owns standard output and the stripper; this only chooses the way.

use std::io::Write;

/// Whether a stripper of escape sequences would pass `b` unchanged: no
/// ASCII control but whitespace, no DEL. Every byte of a multi-byte UTF-8
/// character passes it (a lead byte starts the character, which it keeps
/// whole), C1 controls included. In blocks without early exit, which the
/// compiler vectorises: the byte-by-byte strip cost a tenth of a
/// 100k-user audit.
pub fn is_plain(b: &[u8]) -> bool {
    b.chunks(64).all(|c| {
        c.iter().fold(true, |ok, &b| {
            ok & matches!(b, 0x20..=0x7e | b'\t' | b'\n' | b'\r' | 0x0c | 0x80..)
        })
    })
}

/// A text written piece by piece: straight to `plain` while the pieces
/// are plain ([`is_plain`]), through the stripper `make_strip` makes from
/// the first that is not. The pieces must end at character boundaries
/// (where a stripper is between sequences), so the bytes are those of the
/// whole text through it.
pub struct PlainFirst<P: Write, S: Write> {
    plain: P,
    strip: Option<S>,
    make_strip: fn() -> S,
}

impl<P: Write, S: Write> PlainFirst<P, S> {
    pub fn new(plain: P, make_strip: fn() -> S) -> Self {
        PlainFirst {
            plain,
            strip: None,
            make_strip,
        }
    }
}

impl<P: Write, S: Write> Write for PlainFirst<P, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.strip {
            None if is_plain(buf) => self.plain.write_all(buf)?,
            Some(s) => s.write_all(buf)?,
            None => {
                self.plain.flush()?;
                self.strip.insert((self.make_strip)()).write_all(buf)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.plain.flush()?;
        match &mut self.strip {
            Some(s) => s.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_pieces_go_straight_out_and_the_rest_through_the_stripper() {
        assert!(is_plain("a\tb\n é ✓".as_bytes()));
        assert!(!is_plain(b"a\x1b[31mb"));
        assert!(!is_plain(b"\x7f"));
        let mut w = PlainFirst::new(Vec::new(), Vec::new);
        w.write_all(b"plain ").unwrap();
        w.write_all(b"\x1b[31mred").unwrap();
        w.write_all(b" after").unwrap();
        assert_eq!(w.plain, b"plain ");
        assert_eq!(w.strip.unwrap(), b"\x1b[31mred after");
    }
}
