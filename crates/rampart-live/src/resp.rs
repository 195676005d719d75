//! RESP2 and RESP3 replies, read with hard limits.

use std::io::{BufRead, Read};

/// Caps on what one reply may contain.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest simple line (`+`, `-`, `:`, headers).
    pub max_line: usize,
    /// Largest bulk string.
    pub max_bulk: usize,
    /// Most elements in one aggregate.
    pub max_elements: usize,
    /// Deepest nesting of aggregates.
    pub max_depth: usize,
    /// Most bytes in one whole reply.
    pub max_total: usize,
    /// Most bytes one connection reads over all its replies (each element
    /// also counts the memory it takes once parsed, [`ELEMENT_COST`]).
    pub max_connection: usize,
}

/// What one parsed element costs in memory beyond its bytes (the `Value`
/// and its allocation), charged to the byte budget: a reply of millions of
/// tiny elements must not take ten times the memory of its bytes.
pub const ELEMENT_COST: usize = std::mem::size_of::<Value>() + 32;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 64 * 1024,
            max_bulk: 64 * 1024 * 1024,
            max_elements: 1 << 20,
            max_depth: 16,
            max_total: 64 * 1024 * 1024,
            max_connection: 64 * 1024 * 1024,
        }
    }
}

/// A reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
    Double(String),
    Bool(bool),
    BigNumber(String),
    Push(Vec<Value>),
}

impl Value {
    /// The text of an error reply (`-ERR ...`, `-NOPERM ...`).
    pub fn as_error(&self) -> Option<&str> {
        match self {
            Value::Error(e) => Some(e),
            _ => None,
        }
    }
    /// A string reply (simple, bulk, verbatim) as text, lossy.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Simple(s) | Value::Double(s) | Value::BigNumber(s) => Some(s.clone()),
            Value::Bulk(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }
    /// A string reply as text, without a copy when it is valid UTF-8 (a
    /// large reply is not held twice).
    pub fn into_text(self) -> Option<String> {
        match self {
            Value::Simple(s) | Value::Double(s) | Value::BigNumber(s) => Some(s),
            Value::Bulk(b) => Some(match String::from_utf8(b) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
            Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }
    /// Elements of an array, set or push reply.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::Array(v) | Value::Set(v) | Value::Push(v) => Some(v),
            _ => None,
        }
    }
    /// Key/value pairs: a RESP3 map, or a RESP2 flat array of pairs.
    pub fn as_pairs(&self) -> Option<Vec<(String, &Value)>> {
        match self {
            Value::Map(m) => Some(
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_text()?, v)))
                    .collect(),
            ),
            Value::Array(a) if a.len() % 2 == 0 => Some(
                a.chunks(2)
                    .filter_map(|p| Some((p[0].as_text()?, &p[1])))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Why a reply could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("connection closed by the server")]
    Closed,
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("reply over the limit: {0}")]
    TooLarge(String),
    #[error("the replies exceed the byte budget")]
    Budget,
}

struct Budget<'a> {
    left: &'a mut usize,
}

impl Budget<'_> {
    fn take(&mut self, n: usize) -> Result<(), ReadError> {
        if n > *self.left {
            return Err(ReadError::Budget);
        }
        *self.left -= n;
        Ok(())
    }
}

/// Read one reply (at most `max_total` bytes).
pub fn read_value<R: BufRead>(r: &mut R, limits: &Limits) -> Result<Value, ReadError> {
    let mut left = limits.max_total;
    read_value_budget(r, limits, &mut left)
}

/// Read one reply, taking its bytes (and [`ELEMENT_COST`] per element)
/// from `left`; [`ReadError::Budget`] before reading past it.
pub fn read_value_budget<R: BufRead>(
    r: &mut R,
    limits: &Limits,
    left: &mut usize,
) -> Result<Value, ReadError> {
    let mut budget = Budget { left };
    read_inner(r, limits, 0, &mut budget)
}

fn read_line<R: BufRead>(
    r: &mut R,
    limits: &Limits,
    budget: &mut Budget<'_>,
) -> Result<Vec<u8>, ReadError> {
    let mut line = Vec::new();
    let n = Read::take(&mut *r, (limits.max_line + 2) as u64).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    budget.take(n)?;
    if !line.ends_with(b"\r\n") {
        if line.len() > limits.max_line {
            return Err(ReadError::TooLarge(format!(
                "a line longer than {} bytes",
                limits.max_line
            )));
        }
        return Err(ReadError::Closed);
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn parse_int(b: &[u8]) -> Result<i64, ReadError> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            ReadError::Protocol(format!(
                "bad integer {:?}",
                String::from_utf8_lossy(&b[..b.len().min(32)])
            ))
        })
}

fn count(n: i64, limits: &Limits, what: &str) -> Result<Option<usize>, ReadError> {
    if n < 0 {
        return Ok(None);
    }
    let n = usize::try_from(n).map_err(|_| ReadError::Protocol(format!("bad {what} length")))?;
    if n > limits.max_elements {
        return Err(ReadError::TooLarge(format!(
            "{what} of {n} elements (limit {})",
            limits.max_elements
        )));
    }
    Ok(Some(n))
}

fn read_inner<R: BufRead>(
    r: &mut R,
    limits: &Limits,
    depth: usize,
    budget: &mut Budget<'_>,
) -> Result<Value, ReadError> {
    if depth > limits.max_depth {
        return Err(ReadError::TooLarge(format!(
            "nesting deeper than {}",
            limits.max_depth
        )));
    }
    budget.take(ELEMENT_COST)?;
    let line = read_line(r, limits, budget)?;
    let Some((&kind, rest)) = line.split_first() else {
        return Err(ReadError::Protocol("empty line".into()));
    };
    let text = || String::from_utf8_lossy(rest).into_owned();
    Ok(match kind {
        b'+' => Value::Simple(text()),
        b'-' => Value::Error(text()),
        b':' => Value::Int(parse_int(rest)?),
        b',' => Value::Double(text()),
        b'(' => Value::BigNumber(text()),
        b'_' => Value::Nil,
        b'#' => match rest {
            b"t" => Value::Bool(true),
            b"f" => Value::Bool(false),
            _ => return Err(ReadError::Protocol("bad boolean".into())),
        },
        b'$' | b'=' | b'!' => {
            let n = parse_int(rest)?;
            if n < 0 {
                return Ok(Value::Nil);
            }
            let n =
                usize::try_from(n).map_err(|_| ReadError::Protocol("bad bulk length".into()))?;
            if n > limits.max_bulk {
                return Err(ReadError::TooLarge(format!(
                    "a bulk string of {n} bytes (limit {})",
                    limits.max_bulk
                )));
            }
            budget.take(n + 2)?;
            let mut buf: Vec<u8> = Vec::with_capacity((n + 2).min(64 * 1024));
            append_exact(r, n + 2, &mut buf)?;
            if &buf[n..] != b"\r\n" {
                return Err(ReadError::Protocol(
                    "bulk string not terminated by CRLF".into(),
                ));
            }
            buf.truncate(n);
            match kind {
                b'!' => Value::Error(String::from_utf8_lossy(&buf).into_owned()),
                b'=' => Value::Bulk(buf.get(4..).map(<[u8]>::to_vec).unwrap_or_default()),
                _ => Value::Bulk(buf),
            }
        }
        b'*' | b'~' | b'>' => {
            let Some(n) = count(parse_int(rest)?, limits, "aggregate")? else {
                return Ok(Value::Nil);
            };
            let mut v = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                v.push(read_inner(r, limits, depth + 1, budget)?);
            }
            match kind {
                b'~' => Value::Set(v),
                b'>' => Value::Push(v),
                _ => Value::Array(v),
            }
        }
        b'%' | b'|' => {
            let Some(n) = count(parse_int(rest)?, limits, "map")? else {
                return Ok(Value::Nil);
            };
            let mut m = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let k = read_inner(r, limits, depth + 1, budget)?;
                let v = read_inner(r, limits, depth + 1, budget)?;
                m.push((k, v));
            }
            if kind == b'|' {
                // An attribute precedes the real reply: skip it.
                return read_inner(r, limits, depth, budget);
            }
            Value::Map(m)
        }
        other => {
            return Err(ReadError::Protocol(format!(
                "unexpected reply type byte 0x{other:02x} (is this a Redis server?)"
            )))
        }
    })
}

/// Append exactly `want` bytes from `r` to `buf`, in chunks: a declared
/// length is not trusted with memory, and the buffer never grows past it
/// (no doubling to 2n).
fn append_exact<R: BufRead>(r: &mut R, want: usize, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    let end = buf.len() + want;
    let mut src = Read::take(&mut *r, want as u64);
    while buf.len() < end {
        if buf.len() == buf.capacity() {
            let grow = buf.capacity().max(64 * 1024).min(end - buf.len());
            buf.reserve_exact(grow);
        }
        let len = buf.len();
        let cap = buf.capacity().min(end);
        buf.resize(cap, 0);
        let got = match src.read(&mut buf[len..cap]) {
            Ok(g) => g,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                buf.truncate(len);
                continue;
            }
            Err(e) => return Err(ReadError::Io(e)),
        };
        buf.truncate(len + got);
        if got == 0 && buf.len() < end {
            return Err(ReadError::Closed);
        }
    }
    Ok(())
}

/// Read one reply without building it: its bytes, exactly as sent, are
/// appended to `out`. The same grammar, limits and budget as
/// [`read_value_budget`] (each element is charged [`ELEMENT_COST`] too), so
/// what this accepts, `read_value` parses. For a large reply that is often
/// the same from server to server (COMMAND), the bytes tell whether it was
/// seen before without allocating a `Value` per element.
pub fn read_raw_budget<R: BufRead>(
    r: &mut R,
    limits: &Limits,
    left: &mut usize,
    out: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let mut budget = Budget { left };
    raw_inner(r, limits, 0, &mut budget, out)
}

/// [`read_line`] appending to `out` (CRLF kept); the line's start.
fn raw_line<R: BufRead>(
    r: &mut R,
    limits: &Limits,
    budget: &mut Budget<'_>,
    out: &mut Vec<u8>,
) -> Result<usize, ReadError> {
    let start = out.len();
    let n = Read::take(&mut *r, (limits.max_line + 2) as u64).read_until(b'\n', out)?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    budget.take(n)?;
    if !out.ends_with(b"\r\n") {
        if n > limits.max_line {
            return Err(ReadError::TooLarge(format!(
                "a line longer than {} bytes",
                limits.max_line
            )));
        }
        return Err(ReadError::Closed);
    }
    Ok(start)
}

fn raw_inner<R: BufRead>(
    r: &mut R,
    limits: &Limits,
    depth: usize,
    budget: &mut Budget<'_>,
    out: &mut Vec<u8>,
) -> Result<(), ReadError> {
    if depth > limits.max_depth {
        return Err(ReadError::TooLarge(format!(
            "nesting deeper than {}",
            limits.max_depth
        )));
    }
    budget.take(ELEMENT_COST)?;
    let start = raw_line(r, limits, budget, out)?;
    let line = &out[start..out.len() - 2];
    let Some((&kind, rest)) = line.split_first() else {
        return Err(ReadError::Protocol("empty line".into()));
    };
    // Lengths and integers are read now, while the line is borrowed.
    let int = match kind {
        b':' | b'$' | b'=' | b'!' | b'*' | b'~' | b'>' | b'%' | b'|' => parse_int(rest)?,
        _ => 0,
    };
    match kind {
        b'+' | b'-' | b',' | b'(' | b'_' | b':' => {}
        b'#' => {
            if rest != b"t" && rest != b"f" {
                return Err(ReadError::Protocol("bad boolean".into()));
            }
        }
        b'$' | b'=' | b'!' => {
            if int < 0 {
                return Ok(());
            }
            let n =
                usize::try_from(int).map_err(|_| ReadError::Protocol("bad bulk length".into()))?;
            if n > limits.max_bulk {
                return Err(ReadError::TooLarge(format!(
                    "a bulk string of {n} bytes (limit {})",
                    limits.max_bulk
                )));
            }
            budget.take(n + 2)?;
            append_exact(r, n + 2, out)?;
            if !out.ends_with(b"\r\n") {
                return Err(ReadError::Protocol(
                    "bulk string not terminated by CRLF".into(),
                ));
            }
        }
        b'*' | b'~' | b'>' => {
            let Some(n) = count(int, limits, "aggregate")? else {
                return Ok(());
            };
            for _ in 0..n {
                raw_inner(r, limits, depth + 1, budget, out)?;
            }
        }
        b'%' | b'|' => {
            let Some(n) = count(int, limits, "map")? else {
                return Ok(());
            };
            for _ in 0..2 * n {
                raw_inner(r, limits, depth + 1, budget, out)?;
            }
            if kind == b'|' {
                return raw_inner(r, limits, depth, budget, out);
            }
        }
        other => {
            return Err(ReadError::Protocol(format!(
                "unexpected reply type byte 0x{other:02x} (is this a Redis server?)"
            )))
        }
    }
    Ok(())
}

/// The elements of the aggregate reply `bytes` (as [`read_raw_budget`]
/// gives it): the length of its header line and each element's byte range.
/// `None` when `bytes` is not one whole aggregate (a map counts each key and
/// value as an element).
pub fn elements(bytes: &[u8]) -> Option<(usize, Vec<std::ops::Range<usize>>)> {
    let (kind, n, head) = header(bytes, 0)?;
    let n = match kind {
        b'*' | b'~' | b'>' => n,
        b'%' => n.checked_mul(2)?,
        _ => return None,
    };
    let mut spans = Vec::with_capacity(n.min(1 << 16));
    let mut at = head;
    for _ in 0..n {
        let end = skip(bytes, at, 0)?;
        spans.push(at..end);
        at = end;
    }
    (at == bytes.len()).then_some((head, spans))
}

/// The type byte, the number in the header line (0 when it has none) and
/// where the line ends.
fn header(bytes: &[u8], at: usize) -> Option<(u8, usize, usize)> {
    let rest = bytes.get(at..)?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let line = rest.get(..nl)?.strip_suffix(b"\r")?;
    let (&kind, digits) = line.split_first()?;
    let n = digits.iter().try_fold(0usize, |n, &d| {
        d.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(usize::from(d - b'0')))
            .flatten()
    });
    Some((kind, n.unwrap_or(0), at + nl + 1))
}

/// The end of the element at `at` in bytes already read whole.
fn skip(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    if depth > 64 {
        return None;
    }
    let (kind, n, mut end) = header(bytes, at)?;
    match kind {
        b'$' | b'=' | b'!' if bytes.get(at + 1) != Some(&b'-') => {
            end = end.checked_add(n)?.checked_add(2)?;
            (end <= bytes.len()).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' if bytes.get(at + 1) != Some(&b'-') => {
            let count = if matches!(kind, b'%' | b'|') {
                n.checked_mul(2)?
            } else {
                n
            };
            for _ in 0..count {
                end = skip(bytes, end, depth + 1)?;
            }
            if kind == b'|' {
                return skip(bytes, end, depth);
            }
            Some(end)
        }
        _ => Some(end),
    }
}

/// Encode a command as a RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut buf = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(b: &[u8]) -> Result<Value, ReadError> {
        read_value(&mut std::io::Cursor::new(b), &Limits::default())
    }

    #[test]
    fn resp2_and_resp3() {
        assert_eq!(read(b"+OK\r\n").ok(), Some(Value::Simple("OK".into())));
        assert_eq!(
            read(b"$3\r\nabc\r\n").ok(),
            Some(Value::Bulk(b"abc".to_vec()))
        );
        assert_eq!(read(b"$-1\r\n").ok(), Some(Value::Nil));
        assert_eq!(
            read(b"*2\r\n:1\r\n_\r\n").ok(),
            Some(Value::Array(vec![Value::Int(1), Value::Nil]))
        );
        assert_eq!(
            read(b"%1\r\n+a\r\n#t\r\n").ok(),
            Some(Value::Map(vec![(
                Value::Simple("a".into()),
                Value::Bool(true)
            )]))
        );
        assert_eq!(
            read(b"=7\r\ntxt:abc\r\n").ok(),
            Some(Value::Bulk(b"abc".to_vec()))
        );
        assert_eq!(read(b"|1\r\n+k\r\n+v\r\n:5\r\n").ok(), Some(Value::Int(5)));
    }

    #[test]
    fn hostile_replies_hit_limits() {
        assert!(matches!(
            read(b"$1000000000\r\n"),
            Err(ReadError::TooLarge(_))
        ));
        assert!(matches!(
            read(b"*99999999\r\n"),
            Err(ReadError::TooLarge(_))
        ));
        let deep = "*1\r\n".repeat(100);
        assert!(matches!(read(deep.as_bytes()), Err(ReadError::TooLarge(_))));
        let long = vec![b'+'; 100_000];
        assert!(matches!(read(&long), Err(ReadError::TooLarge(_))));
        assert!(matches!(
            read(b"HTTP/1.1 400 Bad Request\r\n"),
            Err(ReadError::Protocol(_))
        ));
        assert!(matches!(read(b"$5\r\nab"), Err(ReadError::Closed)));
        assert!(matches!(read(b""), Err(ReadError::Closed)));
        assert!(matches!(read(b":x\r\n"), Err(ReadError::Protocol(_))));
    }

    fn raw(b: &[u8]) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut left = Limits::default().max_total;
        read_raw_budget(
            &mut std::io::Cursor::new(b),
            &Limits::default(),
            &mut left,
            &mut out,
        )?;
        Ok(out)
    }

    #[test]
    fn raw_reads_what_read_value_reads_and_keeps_the_bytes() {
        let cases: &[&[u8]] = &[
            b"+OK\r\n",
            b"$3\r\nabc\r\n",
            b"$-1\r\n",
            b"*2\r\n:1\r\n_\r\n",
            b"%1\r\n+a\r\n#t\r\n",
            b"=7\r\ntxt:abc\r\n",
            b"|1\r\n+k\r\n+v\r\n:5\r\n",
            b"*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n~1\r\n,1.5\r\n:7\r\n",
            b"$1000000000\r\n",
            b"*99999999\r\n",
            b"HTTP/1.1 400 Bad Request\r\n",
            b"$5\r\nab",
            b":x\r\n",
            b"#x\r\n",
            b"$3\r\nabcd\r\n",
        ];
        for &c in cases {
            let r = raw(c);
            assert_eq!(
                r.is_ok(),
                read(c).is_ok(),
                "{:?}",
                String::from_utf8_lossy(c)
            );
            if let Ok(bytes) = r {
                assert_eq!(bytes, c);
            }
        }
        let deep = "*1\r\n".repeat(100);
        assert!(matches!(raw(deep.as_bytes()), Err(ReadError::TooLarge(_))));
        let list = b"*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n~1\r\n,1.5\r\n:7\r\n";
        let (head, spans) = elements(list).unwrap_or_default();
        assert_eq!(head, 4);
        let parts: Vec<&[u8]> = spans.iter().map(|r| &list[r.clone()]).collect();
        assert_eq!(
            parts,
            [
                &b"$3\r\nabc\r\n"[..],
                b"%1\r\n+k\r\n~1\r\n,1.5\r\n",
                b":7\r\n"
            ]
        );
        assert!(elements(b"+OK\r\n").is_none());
        assert!(elements(&list[..list.len() - 1]).is_none());
        let full = b"*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n~1\r\n,1.5\r\n:7\r\n";
        for i in 0..full.len() {
            assert!(raw(&full[..i]).is_err(), "prefix {i}");
        }
    }

    #[test]
    fn every_truncated_prefix_is_an_error_not_a_panic() {
        let full = b"*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n~1\r\n,1.5\r\n:7\r\n";
        assert!(read(full).is_ok());
        for i in 0..full.len() {
            assert!(read(&full[..i]).is_err(), "prefix {i}");
        }
    }
}
