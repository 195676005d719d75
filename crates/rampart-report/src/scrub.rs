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
        return Cow::Owned(String::from(WITHHELD));
    };
    scrub_with(s, &all)
}

/// [`scrub`] with these secrets (longest first).
fn scrub_with<'a>(s: &'a str, all: &[String]) -> Cow<'a, str> {
    if !all.iter().any(|x| s.contains(x.as_str())) {
        return Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for x in all {
        if out.contains(x.as_str()) {
            out = out.replace(x.as_str(), MASK);
        }
    }
    Cow::Owned(out)
}

/// A writer that passes what is written through [`scrub`] on its way to
/// `inner`, for an output too large to hold whole (a fleet's JSON report).
///
/// A secret split across two writes is still masked: the bytes that could
/// be the start of a secret (up to the longest one's length, less one) are
/// held back until more come or [`Scrubbing::finish`], and text is passed
/// on only up to a cut no occurrence of a secret spans, at a character
/// boundary. Each piece is scrubbed as [`scrub`] scrubs a whole text, so
/// the output is the same as scrubbing it whole. [`Write::flush`] flushes
/// `inner` only: what is held back waits for `finish`.
pub struct Scrubbing<W: std::io::Write> {
    inner: W,
    held: Vec<u8>,
    /// The registered secrets when this writer was made.
    secrets: Vec<String>,
    longest: usize,
    /// The scrubber's lock was poisoned: nothing passes, `finish` says so.
    withheld: bool,
}

/// Bytes collected before a piece is passed on.
const PIECE: usize = 64 * 1024;

/// `write`'s text, as it is made, through [`Scrubbing`] into `out`,
/// gathered first in pieces of [`PIECE`] bytes (serde_json writes a few
/// bytes at a time): the bytes [`scrub`] gives of the whole text, never
/// the whole text held. Gives `out` back, flushed.
pub fn scrubbed_into<W: std::io::Write>(
    out: W,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<W> {
    let mut gathered = std::io::BufWriter::with_capacity(PIECE, Scrubbing::new(out));
    write(&mut gathered)?;
    let mut out = gathered
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .finish()?;
    out.flush()?;
    Ok(out)
}

impl<W: std::io::Write> Scrubbing<W> {
    pub fn new(inner: W) -> Self {
        let (secrets, withheld) = match SECRETS.read() {
            Ok(all) => (all.clone(), false),
            Err(_) => (Vec::new(), true),
        };
        let longest = secrets.iter().map(String::len).max().unwrap_or(0);
        Scrubbing {
            inner,
            held: Vec::new(),
            secrets,
            longest,
            withheld,
        }
    }

    /// Pass on what is held, flush, and give back the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.withheld {
            self.inner.write_all(WITHHELD.as_bytes())?;
        } else {
            self.pass(self.held.len())?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }

    /// Where held text may be cut at most at `cut`: not inside an
    /// occurrence of a secret, at a character boundary.
    fn safe_cut(&self, mut cut: usize) -> usize {
        let held = &self.held;
        loop {
            let before = cut;
            for x in &self.secrets {
                let x = x.as_bytes();
                // Occurrences starting in (cut - len, cut): they span the cut.
                let from = cut.saturating_sub(x.len() - 1);
                let to = (cut + x.len() - 1).min(held.len());
                if let Some(at) = held[from..to].windows(x.len()).position(|w| w == x) {
                    if from + at < cut {
                        cut = from + at;
                    }
                }
            }
            while cut > 0 && cut < held.len() && held[cut] & 0xC0 == 0x80 {
                cut -= 1;
            }
            if cut == before {
                return cut;
            }
        }
    }

    /// Scrub and pass on the held text up to `cut`.
    fn pass(&mut self, cut: usize) -> std::io::Result<()> {
        if cut == 0 {
            return Ok(());
        }
        if self.secrets.is_empty() {
            // Nothing to mask: the bytes as they are (what scrub gives).
            self.inner.write_all(&self.held[..cut])?;
            self.held.drain(..cut);
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.held[..cut]);
        self.inner
            .write_all(scrub_with(&text, &self.secrets).as_bytes())?;
        self.held.drain(..cut);
        Ok(())
    }
}

/// What stands for an output the scrubber could not check.
const WITHHELD: &str = "(output withheld: the secret scrubber failed)";

impl<W: std::io::Write> std::io::Write for Scrubbing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.withheld {
            return Ok(buf.len());
        }
        self.held.extend_from_slice(buf);
        if self.held.len() >= PIECE + self.longest {
            let cut = self.held.len() - self.longest.saturating_sub(1);
            let cut = self.safe_cut(cut);
            self.pass(cut)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    /// The text through [`Scrubbing`] in pieces of `n` bytes.
    fn streamed(text: &str, n: usize) -> String {
        use std::io::Write;
        let mut w = Scrubbing::new(Vec::new());
        for piece in text.as_bytes().chunks(n) {
            w.write_all(piece).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn a_secret_split_across_writes_is_masked() {
        register(b"p4ss-split-w0rd");
        // Around every piece boundary PIECE can put near a secret, with
        // every write size: the same as scrubbing the text whole.
        for pad in [0, 1, 7, PIECE - 20, PIECE - 8, PIECE - 1, PIECE, PIECE + 3] {
            let text = format!(
                "{}\"m\": \"p4ss-split-w0rd\", é {} p4ss-split-w0rd|p4ss-split-w0rd\n",
                "x".repeat(pad),
                "ü".repeat(PIECE / 2)
            );
            let whole = scrub(&text).into_owned();
            assert!(!whole.contains("p4ss-split-w0rd"));
            for n in [1, 2, 5, 14, 15, 16, 4096, PIECE - 1, PIECE + 1, text.len()] {
                let s = streamed(&text, n);
                assert!(!s.contains("p4ss-split-w0rd"), "pad {pad}, writes of {n}");
                assert_eq!(s, whole, "pad {pad}, writes of {n}");
            }
        }
        let clean = "nothing secret ".repeat(10_000);
        assert_eq!(streamed(&clean, 333), clean);
    }
}
