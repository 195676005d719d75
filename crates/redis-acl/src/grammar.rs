//! Tokens → [`Rule`]s: the syntax part of `ACLSetUser` / `ACLSetSelector`,
//! plus Redis's tokenizers (`sdssplitargs`, `ACLMergeSelectorArguments`).

use std::borrow::Cow;

use crate::{Rule, RuleError, Secret};

/// The reason part of a [`RuleError`], mirroring `ACLSetUserStringError()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// EINVAL
    Syntax,
    /// ENOENT
    UnknownCommandOrCategory,
    /// EEXIST
    KeyPatternAfterAllKeys,
    /// EISDIR
    ChannelPatternAfterAllChannels,
    /// ENODEV
    NoSuchPassword,
    /// EBADMSG
    BadHash,
    /// ECHILD
    FirstArgOfSubcommand,
    /// `(` without a closing `)` (ACLMergeSelectorArguments)
    UnmatchedParenthesis,
    /// `db=N` with N outside 0..=INT_MAX (Valkey 9.1+)
    DatabaseOutOfRange,
}

impl RuleErrorKind {
    /// Redis's wording.
    pub fn redis_reason(self) -> &'static str {
        match self {
            RuleErrorKind::Syntax => "Syntax error",
            RuleErrorKind::UnknownCommandOrCategory => "Unknown command or category name in ACL",
            RuleErrorKind::KeyPatternAfterAllKeys => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and \
                 does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleErrorKind::ChannelPatternAfterAllChannels => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid \
                 and does not have any effect. Try 'resetchannels' to start with an empty list \
                 of channels"
            }
            RuleErrorKind::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleErrorKind::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase \
                 hexadecimal characters"
            }
            RuleErrorKind::FirstArgOfSubcommand => {
                "Allowing first-arg of a subcommand is not supported"
            }
            RuleErrorKind::UnmatchedParenthesis => "Unmatched parenthesis in acl selector",
            RuleErrorKind::DatabaseOutOfRange => "The provided database ID is out of range",
        }
    }

    const ALL: [RuleErrorKind; 9] = [
        RuleErrorKind::Syntax,
        RuleErrorKind::UnknownCommandOrCategory,
        RuleErrorKind::KeyPatternAfterAllKeys,
        RuleErrorKind::ChannelPatternAfterAllChannels,
        RuleErrorKind::NoSuchPassword,
        RuleErrorKind::BadHash,
        RuleErrorKind::FirstArgOfSubcommand,
        RuleErrorKind::UnmatchedParenthesis,
        RuleErrorKind::DatabaseOutOfRange,
    ];
}

impl RuleError {
    /// `Error in ACL SETUSER modifier '<op>': <reason>`, with passwords in
    /// `op` replaced by `***`.
    pub fn new(op: &str, kind: RuleErrorKind) -> RuleError {
        if kind == RuleErrorKind::UnmatchedParenthesis {
            return RuleError {
                message: format!(
                    "Unmatched parenthesis in acl selector starting at '{}'.",
                    redact_op(op)
                ),
            };
        }
        RuleError {
            message: format!(
                "Error in ACL SETUSER modifier '{}': {}",
                redact_op(op),
                kind.redis_reason()
            ),
        }
    }

    /// Which of Redis's errors this is (from the message).
    pub fn kind(&self) -> Option<RuleErrorKind> {
        if self.message.starts_with("Unmatched parenthesis") {
            return Some(RuleErrorKind::UnmatchedParenthesis);
        }
        RuleErrorKind::ALL
            .into_iter()
            .find(|k| self.message.ends_with(k.redis_reason()))
    }

    /// The op as echoed in the message (already redacted).
    pub fn op(&self) -> Option<&str> {
        let start = self.message.find('\'')? + 1;
        let end = self
            .message
            .rfind("': ")
            .or_else(|| self.message.rfind("'."))?;
        self.message.get(start..end)
    }
}

/// `op` for messages: password-like tokens (`>pw`, `<pw`, `#hash`, `!hash`)
/// become `>***`; inside a selector each such token is redacted.
pub fn redact_op(op: &str) -> String {
    fn one(t: &str) -> String {
        match t.as_bytes().first() {
            Some(b'>' | b'<' | b'#' | b'!') => format!("{}***", &t[..1]),
            _ => t.to_string(),
        }
    }
    if let Some(inner) = op.strip_prefix('(') {
        // Keep the separators as they were, redact token by token.
        let mut out = String::from("(");
        let mut tok = String::new();
        for ch in inner.chars() {
            if ch.is_ascii_whitespace() {
                out.push_str(&one_in_selector(&tok));
                tok.clear();
                out.push(ch);
            } else {
                tok.push(ch);
            }
        }
        out.push_str(&one_in_selector(&tok));
        return out;
    }
    fn one_in_selector(t: &str) -> String {
        // A quoted token ('">pw"') is redacted too.
        let s = t.trim_start_matches(['"', '\'']);
        match s.as_bytes().first() {
            Some(b'>' | b'<' | b'#' | b'!') => "***".to_string(),
            _ => t.to_string(),
        }
    }
    one(op)
}

/// A C string's view of `s`: up to the first NUL (`strcasecmp`, `sdsnew`).
pub(crate) fn cstr(s: &str) -> &str {
    match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    }
}

/// C `isspace` in the C locale.
pub(crate) fn c_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `ACLStringHasSpaces`: whitespace or NUL.
pub(crate) fn has_spaces(s: &str) -> bool {
    s.bytes().any(|b| c_isspace(b) || b == 0)
}

/// `strcasecmp(op, word)` == 0: `cstr(op)` equals `word` (which has no
/// NUL), without scanning all of `op` for a NUL first (a rule token is
/// compared with some twenty keywords).
fn kw(op: &str, word: &str) -> bool {
    let (b, w) = (op.as_bytes(), word.as_bytes());
    b.len() >= w.len()
        && b[..w.len()].eq_ignore_ascii_case(w)
        && b.get(w.len()).is_none_or(|&c| c == 0)
}

/// Parse one rule token (see [`crate::parse_rule`]).
pub(crate) fn parse_rule_impl(token: &str) -> Result<Rule, RuleError> {
    let op = token;
    let err = |k| Err(RuleError::new(op, k));
    if op.is_empty() {
        return err(RuleErrorKind::Syntax);
    }
    if kw(op, "on") {
        return Ok(Rule::On);
    }
    if kw(op, "off") {
        return Ok(Rule::Off);
    }
    if kw(op, "skip-sanitize-payload") {
        return Ok(Rule::SkipSanitizePayload);
    }
    if kw(op, "sanitize-payload") {
        return Ok(Rule::SanitizePayload);
    }
    if kw(op, "nopass") {
        return Ok(Rule::NoPass);
    }
    if kw(op, "resetpass") {
        return Ok(Rule::ResetPass);
    }
    let first = op.as_bytes()[0];
    match first {
        b'>' => return Ok(Rule::AddPassword(Secret::new(&op.as_bytes()[1..]))),
        b'<' => return Ok(Rule::RemovePassword(Secret::new(&op.as_bytes()[1..]))),
        b'#' | b'!' => {
            let h = &op[1..];
            if !is_valid_hash(h) {
                return err(RuleErrorKind::BadHash);
            }
            return Ok(if first == b'#' {
                Rule::AddHash(h.to_string())
            } else {
                Rule::RemoveHash(h.to_string())
            });
        }
        b'(' if op.ends_with(')') => {
            let inner = &op[1..op.len() - 1];
            let mut rules = Vec::new();
            // sdssplitargs failing (unbalanced quotes) yields an empty selector.
            for t in sdssplitargs(inner).unwrap_or_default() {
                match parse_selector_op(&t) {
                    Ok(r) => rules.push(r),
                    Err(_) => return err(RuleErrorKind::Syntax),
                }
            }
            return Ok(Rule::Selector(rules));
        }
        _ => {}
    }
    if kw(op, "clearselectors") {
        return Ok(Rule::ClearSelectors);
    }
    if kw(op, "reset") {
        return Ok(Rule::Reset);
    }
    parse_selector_op(op)
}

/// `#`/`!` payload: exactly 64 characters `[0-9a-f]`.
pub(crate) fn is_valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// The syntax of `ACLSetSelector` (no command table, no state).
pub(crate) fn parse_selector_op(op: &str) -> Result<Rule, RuleError> {
    let err = |k| Err(RuleError::new(op, k));
    if kw(op, "allkeys") || kw(op, "~*") {
        return Ok(Rule::AllKeys);
    }
    if kw(op, "resetkeys") {
        return Ok(Rule::ResetKeys);
    }
    if kw(op, "allchannels") || kw(op, "&*") {
        return Ok(Rule::AllChannels);
    }
    if kw(op, "resetchannels") {
        return Ok(Rule::ResetChannels);
    }
    if kw(op, "allcommands") || kw(op, "+@all") {
        return Ok(Rule::AllCommands);
    }
    if kw(op, "nocommands") || kw(op, "-@all") {
        return Ok(Rule::NoCommands);
    }
    if kw(op, "alldbs") {
        return Ok(Rule::AllDbs);
    }
    if kw(op, "resetdbs") {
        return Ok(Rule::ResetDbs);
    }
    if let Some(list) = db_list(op) {
        return parse_db_list(list).map(Rule::Dbs).or_else(err);
    }
    let b = op.as_bytes();
    match b.first() {
        Some(b'~') => {
            let pat = &op[1..];
            if has_spaces(pat) {
                return err(RuleErrorKind::Syntax);
            }
            Ok(Rule::KeyPattern {
                pattern: pat.to_string(),
                read: true,
                write: true,
            })
        }
        Some(b'%') => {
            // Debian 7.0.15 (CVE-2024-31227 / CVE-2024-51741 fixes): each
            // of R/W at most once, then '~'; no flag at all is an error.
            let (mut read, mut write) = (false, false);
            let mut offset = 1;
            let mut ok = true;
            while offset < b.len() {
                let c = b[offset];
                if c.eq_ignore_ascii_case(&b'r') && !read {
                    read = true;
                } else if c.eq_ignore_ascii_case(&b'w') && !write {
                    write = true;
                } else if c == b'~' {
                    offset += 1;
                    break;
                } else {
                    ok = false;
                    break;
                }
                offset += 1;
            }
            if !ok || !(read || write) {
                return err(RuleErrorKind::Syntax);
            }
            let pat = op.get(offset..).unwrap_or("");
            if has_spaces(pat) {
                return err(RuleErrorKind::Syntax);
            }
            Ok(Rule::KeyPattern {
                pattern: pat.to_string(),
                read,
                write,
            })
        }
        Some(b'&') => {
            let pat = &op[1..];
            if has_spaces(pat) {
                return err(RuleErrorKind::Syntax);
            }
            Ok(Rule::Channel(pat.to_string()))
        }
        Some(b'+') if b.get(1) != Some(&b'@') => {
            Ok(Rule::AllowCommand(op[1..].to_ascii_lowercase()))
        }
        Some(b'-') if b.get(1) != Some(&b'@') => {
            Ok(Rule::DenyCommand(op[1..].to_ascii_lowercase()))
        }
        Some(b'+') => Ok(Rule::AllowCategory(op[2..].to_ascii_lowercase())),
        Some(b'-') => Ok(Rule::DenyCategory(op[2..].to_ascii_lowercase())),
        _ => err(RuleErrorKind::Syntax),
    }
}

/// The list of a `db=` op (case-insensitive prefix).
fn db_list(op: &str) -> Option<&str> {
    let head = op.get(..3)?;
    head.eq_ignore_ascii_case("db=").then(|| &op[3..])
}

/// Whether `op` is one of Valkey 9.1's database selector rules (`alldbs`,
/// `resetdbs`, `db=…`), which older servers reject as syntax errors.
pub(crate) fn is_db_op(op: &str) -> bool {
    kw(op, "alldbs") || kw(op, "resetdbs") || db_list(op).is_some()
}

/// `db=` list: comma-separated, each element as C `strtol` reads it whole
/// (leading whitespace and a sign allowed), in `0..=INT_MAX`. The first
/// bad element decides the error. Sorted, duplicates dropped.
fn parse_db_list(list: &str) -> Result<Vec<u32>, RuleErrorKind> {
    let mut ids = Vec::new();
    for el in cstr(list).split(',') {
        let t = el.trim_start_matches(|c: char| c.is_ascii() && c_isspace(c as u8));
        let (neg, digits) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RuleErrorKind::Syntax);
        }
        let v = digits.trim_start_matches('0');
        let n: Option<u32> = if v.is_empty() {
            Some(0)
        } else if neg || v.len() > 10 {
            None
        } else {
            v.parse::<u64>()
                .ok()
                .filter(|&n| n <= i32::MAX as u64)
                .map(|n| n as u32)
        };
        match n {
            Some(n) => ids.push(n),
            None => return Err(RuleErrorKind::DatabaseOutOfRange),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// `ACLMergeSelectorArguments`: selectors split over several tokens are
/// re-joined with single spaces. `Err(index)` names the token that opened
/// an unmatched parenthesis. Empty tokens are kept (they are no-ops).
pub fn merge_selector_args<S: AsRef<str>>(tokens: &[S]) -> Result<Vec<String>, usize> {
    match merge_selector_args_partial(tokens) {
        (out, None) => Ok(out),
        (_, Some(j)) => Err(j),
    }
}

/// Like [`merge_selector_args`], also returning the merged tokens found
/// before an unmatched parenthesis.
pub(crate) fn merge_selector_args_partial<S: AsRef<str>>(
    tokens: &[S],
) -> (Vec<String>, Option<usize>) {
    let tokens: Vec<&str> = tokens.iter().map(AsRef::as_ref).collect();
    let (out, open) = merge_selector_args_cow(&tokens);
    (out.into_iter().map(Cow::into_owned).collect(), open)
}

/// [`merge_selector_args_partial`] over borrowed tokens: a token that is
/// not part of a selector is the token itself (no copy); only a selector
/// spread over tokens is joined into a new string.
pub(crate) fn merge_selector_args_cow<'a>(
    tokens: &[&'a str],
) -> (Vec<Cow<'a, str>>, Option<usize>) {
    let mut out = Vec::with_capacity(tokens.len());
    let mut open: Option<(usize, String)> = None;
    for (j, &op) in tokens.iter().enumerate() {
        if op.starts_with('(') && !op.ends_with(')') {
            // A new '(' restarts the selector, dropping an unfinished one (as Redis does).
            open = Some((j, op.to_string()));
            continue;
        }
        if let Some((_, sel)) = open.as_mut() {
            // sdscatfmt(" %s") stops at a NUL.
            sel.push(' ');
            sel.push_str(cstr(op));
            if op.ends_with(')') {
                if let Some((_, s)) = open.take() {
                    out.push(Cow::Owned(s));
                }
            }
            continue;
        }
        out.push(Cow::Borrowed(op));
    }
    (out, open.map(|(j, _)| j))
}

/// Redis's `sdssplitargs` (quotes, `\xHH` and `\n`-style escapes);
/// `None` on unbalanced quotes. Bytes that are not UTF-8 are replaced.
/// The tokenizer is redis-conf's ([`redis_conf::split_args`], Redis's
/// rules: a closing quote must end the word); this is its `&str` form.
pub fn sdssplitargs(line: &str) -> Option<Vec<String>> {
    redis_conf::split_args(line.as_bytes()).map(|words| {
        words
            .into_iter()
            .map(|w| String::from_utf8_lossy(&w).into_owned())
            .collect()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splitargs() {
        assert_eq!(sdssplitargs("a  b").unwrap(), vec!["a", "b"]);
        assert_eq!(sdssplitargs(" \"x y\" 'z'").unwrap(), vec!["x y", "z"]);
        assert_eq!(sdssplitargs("\"\\x41\\n\"").unwrap(), vec!["A\n"]);
        assert!(sdssplitargs("\"abc").is_none());
        assert!(sdssplitargs("\"a\"b").is_none());
        assert_eq!(sdssplitargs("").unwrap(), Vec::<String>::new());
        assert_eq!(sdssplitargs("\"\"").unwrap(), vec![""]);
    }

    #[test]
    fn merge() {
        assert_eq!(
            merge_selector_args(&["on", "(~a", "+get)", "off"]).unwrap(),
            vec!["on", "(~a +get)", "off"]
        );
        assert_eq!(
            merge_selector_args(&["(a", "(b", "c)"]).unwrap(),
            vec!["(b c)"]
        );
        assert_eq!(merge_selector_args(&["x", "(a", "b"]), Err(1));
        assert_eq!(
            merge_selector_args(&["()", "(", ")"]).unwrap(),
            vec!["()", "( )"]
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_op(">secret"), ">***");
        assert_eq!(redact_op("(~a >secret +get)"), "(~a *** +get)");
        assert_eq!(redact_op("+get"), "+get");
        let e = RuleError::new("<hunter2", RuleErrorKind::NoSuchPassword);
        assert!(!e.message.contains("hunter2"));
        assert_eq!(e.kind(), Some(RuleErrorKind::NoSuchPassword));
        assert_eq!(e.op(), Some("<***"));
    }
}
