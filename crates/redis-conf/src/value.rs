//! Value parsing and rendering, following Redis 7.0's config.c and util.c.

use crate::table::{Kind, NumFmt, Spec, Special};

/// Redis's `string2ll()`: strict decimal, no spaces, no '+', no leading zeros.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// C `strtoll(s, &end, base)` → (value, whole string consumed, overflow).
pub(crate) fn strtoll(s: &[u8], base: u32) -> (i64, bool, bool) {
    let mut i = 0;
    while i < s.len() && crate::split::is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    let mut overflow = false;
    while i < s.len() {
        let Some(d) = (s[i] as char).to_digit(base) else {
            break;
        };
        v = v * i128::from(base) + i128::from(d);
        if v > i128::from(i64::MAX) + 1 {
            overflow = true;
            v = i128::from(i64::MAX) + 1;
        }
        i += 1;
    }
    if i == start {
        // No conversion: end = the start of the string.
        return (0, s.is_empty(), false);
    }
    let v = if neg { -v } else { v };
    let (v, of2) = if v > i128::from(i64::MAX) {
        (i64::MAX, true)
    } else if v < i128::from(i64::MIN) {
        (i64::MIN, true)
    } else {
        (v as i64, false)
    };
    (v, i == s.len(), overflow || of2)
}

/// Redis's `memtoull()`: digits then an optional unit (b, k, kb, m, mb, g, gb).
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = String::from_utf8_lossy(&s[digits..]).to_ascii_lowercase();
    let mul: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    // strtoull on the digits: saturates on overflow (errno is not checked).
    let mut v: u64 = 0;
    for &d in &s[..digits] {
        v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    Some(v.wrapping_mul(mul))
}

fn parse_numeric(fmt: NumFmt, v: &[u8]) -> Result<i64, &'static str> {
    match fmt {
        NumFmt::Memory => memtoull(v)
            .map(|x| x as i64)
            .ok_or("argument must be a memory value"),
        NumFmt::MemorySigned => {
            let (neg, digits) = match v.split_first() {
                Some((b'-', rest)) => (true, rest),
                _ => (false, v),
            };
            let x = memtoull(digits).ok_or("argument must be a memory value")? as i64;
            Ok(if neg { x.wrapping_neg() } else { x })
        }
        NumFmt::MemoryPercent => {
            if let Some(x) = memtoull(v) {
                return Ok(x as i64);
            }
            if v.len() > 1 && v.last() == Some(&b'%') {
                if let Some(p) = string2ll(&v[..v.len() - 1]) {
                    if p >= 0 {
                        return Ok(-p);
                    }
                }
            }
            Err("argument must be a memory or percent value")
        }
        NumFmt::Octal => {
            let (x, full, overflow) = strtoll(v, 8);
            if full && !overflow {
                Ok(x)
            } else {
                Err("argument couldn't be parsed as an octal number")
            }
        }
        NumFmt::Int => string2ll(v).ok_or("argument couldn't be parsed into an integer"),
    }
}

fn check_bounds(spec: &Spec, ll: i64) -> Result<(), String> {
    let Kind::Num {
        lo,
        hi,
        unsigned,
        fmt,
    } = spec.kind
    else {
        return Ok(());
    };
    check_range(lo, hi, unsigned, fmt, ll).map_err(|m| spec.out_of_range.clone().unwrap_or(m))
}

fn check_range(lo: i128, hi: i128, unsigned: bool, fmt: NumFmt, ll: i64) -> Result<(), String> {
    if unsigned {
        let x = ll as u64 as i128;
        if x > hi || x < lo {
            return Err(if fmt == NumFmt::Octal {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            });
        }
    } else if fmt == NumFmt::MemoryPercent && ll < 0 {
        if i128::from(ll) < lo {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -lo
            ));
        }
    } else if i128::from(ll) > hi || i128::from(ll) < lo {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(())
}

fn enum_error(spec: &Spec, names: &[(String, String)]) -> String {
    if let Some(m) = &spec.bad_value {
        return m.clone();
    }
    let list: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "argument(s) must be one of the following: {}",
        list.join(", ")
    )
}

/// The value's index in the server's list (case-insensitive).
fn enum_value(names: &[(String, String)], v: &str) -> Option<usize> {
    names.iter().position(|(n, _)| n.eq_ignore_ascii_case(v))
}

fn base_name(v: &str) -> bool {
    !v.contains('/') && !v.contains('\\')
}

/// Template variables `{name}` accepted by proc-title-template.
fn valid_proc_title(v: &str) -> bool {
    const VARS: &[&str] = &[
        "title",
        "listen-addr",
        "server-mode",
        "port",
        "tls-port",
        "unixsocket",
        "config-file",
    ];
    let b = v.as_bytes();
    let mut out_len = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' if b.get(i + 1) == Some(&b'{') => {
                out_len += 1;
                i += 2;
            }
            b'}' if b.get(i + 1) == Some(&b'}') => {
                out_len += 1;
                i += 2;
            }
            b'{' => {
                let Some(end) = b[i + 1..].iter().position(|&c| c == b'}') else {
                    return false;
                };
                let var = &v[i + 1..i + 1 + end];
                if !VARS.contains(&var) {
                    return false;
                }
                out_len += 1;
                i += end + 2;
            }
            b'}' => return false,
            _ => {
                out_len += 1;
                i += 1;
            }
        }
    }
    out_len > 0
}

const KEYSPACE_CHARS: &str = "Ag$lshzxeKEtmdn";

fn keyspace_flags(v: &str) -> Option<u32> {
    let mut f = 0u32;
    for c in v.chars() {
        f |= match c {
            'A' => 0x1FF | (1 << 12),
            'g' => 1 << 0,
            '$' => 1 << 1,
            'l' => 1 << 2,
            's' => 1 << 3,
            'h' => 1 << 4,
            'z' => 1 << 5,
            'x' => 1 << 6,
            'e' => 1 << 7,
            'K' => 1 << 9,
            'E' => 1 << 10,
            't' => 1 << 8,
            'm' => 1 << 11,
            'd' => 1 << 12,
            'n' => 1 << 13,
            _ => return None,
        };
    }
    Some(f)
}

fn keyspace_string(f: u32) -> String {
    // NOTIFY_ALL = g$lshzxetd
    let all: u32 = 0b1_1111_1111 | (1 << 12);
    let mut s = String::new();
    if f & all == all {
        s.push('A');
    } else {
        for (bit, c) in [
            (0, 'g'),
            (1, '$'),
            (2, 'l'),
            (3, 's'),
            (4, 'h'),
            (5, 'z'),
            (6, 'x'),
            (7, 'e'),
            (8, 't'),
            (12, 'd'),
            (13, 'n'),
        ] {
            if f & (1 << bit) != 0 {
                s.push(c);
            }
        }
    }
    if f & (1 << 9) != 0 {
        s.push('K');
    }
    if f & (1 << 10) != 0 {
        s.push('E');
    }
    if f & (1 << 11) != 0 {
        s.push('m');
    }
    s
}

/// Does the standard loader enforce exactly one argument for this config?
pub(crate) fn single_arg(spec: &Spec) -> bool {
    match spec.kind {
        Kind::Flags(_) | Kind::Opaque | Kind::RuntimeOnly => false,
        Kind::Special(
            Special::Save
            | Special::ClientOutputBufferLimit
            | Special::OomScoreAdjValues
            | Special::Bind
            | Special::ReplicaOf
            | Special::LatencyPercentiles,
        ) => false,
        Kind::Special(_) => true,
        _ => !spec.multi,
    }
}

/// How `table`'s loader takes the line `name args...` of the config
/// `spec`: the arguments as it splits them and its verdict, or its reason
/// for refusing the line. The one place the loader and the question
/// "which other version accepts this line" ask it.
pub(crate) fn load_line(
    table: &crate::table::Table,
    spec: &Spec,
    name: &str,
    args: &[String],
) -> Result<(Vec<String>, SetResult), String> {
    if matches!(spec.kind, Kind::Special(Special::Save)) && table.legacy_save() {
        legacy_save_pair(args).map_err(|reason| format!("{name}: {reason}"))?;
        return Ok((args.to_vec(), SetResult::Ok));
    }
    let splits = table.splits_one_argument();
    let args: Vec<String> = if splits && !single_arg(spec) && args.len() == 1 && !args[0].is_empty()
    {
        // A multi-argument config given one non-empty argument has it
        // split on single spaces (`bind "a b"`), like Redis 7.0.
        args[0].split(' ').map(str::to_string).collect()
    } else {
        args.to_vec()
    };
    if !splits
        && matches!(spec.kind, Kind::Special(Special::ClientOutputBufferLimit))
        && args.len() != 4
    {
        // 6.2 takes one class a line, as separate arguments.
        return Err(spec
            .bad_value
            .clone()
            .unwrap_or_else(|| table.unknown_message().to_string()));
    }
    if single_arg(spec) && args.len() != 1 {
        return Err(format!("{name}: wrong number of arguments"));
    }
    let verdict = validate(spec, &args).map_err(|reason| format!("{name}: {reason}"))?;
    Ok((args, verdict))
}

/// Outcome of setting a config from a file line.
pub(crate) enum SetResult {
    Ok,
    /// Redis accepts the line, but it deserves a warning (with why).
    Warn(&'static str),
}

/// Validate the arguments (after the name) the way the config's `set()` does.
/// `Err` holds Redis's reason, which never contains the value.
pub(crate) fn validate(spec: &Spec, args: &[String]) -> Result<SetResult, String> {
    let first = args.first().map(String::as_str).unwrap_or("");
    let bad = |fallback: &str| {
        spec.bad_value
            .clone()
            .unwrap_or_else(|| fallback.to_string())
    };
    match &spec.kind {
        Kind::Bool => {
            if spec.name == "activedefrag" && first.eq_ignore_ascii_case("yes") {
                Ok(SetResult::Warn(
                    "Active defragmentation cannot be enabled on builds without Redis's bundled jemalloc (e.g. Debian's), which refuse this line",
                ))
            } else if first.eq_ignore_ascii_case("yes") || first.eq_ignore_ascii_case("no") {
                Ok(SetResult::Ok)
            } else {
                Err(bad("argument must be 'yes' or 'no'"))
            }
        }
        Kind::Enum(names) => match enum_value(names, first) {
            Some(_) => Ok(SetResult::Ok),
            None => Err(enum_error(spec, names)),
        },
        Kind::Flags(names) => {
            let mut seen = Vec::new();
            for a in args {
                match enum_value(names, a) {
                    Some(i) => seen.push(names[i].0.to_ascii_lowercase()),
                    None => return Err(enum_error(spec, names)),
                }
            }
            if seen.iter().any(|f| f == "save") && seen.iter().any(|f| f == "nosave") {
                return Err("shutdown can't have both 'save' and 'nosave' flags".into());
            }
            Ok(SetResult::Ok)
        }
        Kind::Str(checks) => {
            if let Some(m) = &checks.empty {
                if first.is_empty() {
                    return Err(m.clone());
                }
            }
            if let Some(m) = &checks.path {
                if !base_name(first) {
                    return Err(m.clone());
                }
            }
            if let Some(m) = &checks.hostname {
                if first.len() >= 256 {
                    return Err("Hostnames must be less than 256 characters".into());
                }
                if !first
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
                {
                    return Err(m.clone());
                }
            }
            if let Some((chars, m)) = &checks.bad_chars {
                if first.chars().any(|c| chars.contains(c)) {
                    return Err(m.clone());
                }
            }
            if let Some(m) = &checks.template {
                if !valid_proc_title(first) {
                    return Err(m.clone());
                }
            }
            Ok(SetResult::Ok)
        }
        Kind::Num { fmt, .. } => {
            let ll = parse_numeric(*fmt, first.as_bytes()).map_err(bad)?;
            if let Some(m) = &spec.negative {
                if ll < 0 || first.starts_with('-') {
                    return Err(m.clone());
                }
            }
            check_bounds(spec, ll)?;
            Ok(SetResult::Ok)
        }
        Kind::Special(sp) => validate_special(*sp, args).map_err(|m| {
            // The argument-count errors and keyspace classes are worded by
            // each version its own way: the server's answer to one bad
            // argument is that wording.
            let argc = m.contains("rong number of arguments");
            if argc || *sp == Special::NotifyKeyspaceEvents {
                spec.bad_value.clone().unwrap_or(m)
            } else {
                m
            }
        }),
        Kind::Opaque => Ok(SetResult::Ok),
        Kind::RuntimeOnly => Err("not accepted in a config file".into()),
    }
}

// `is_multiple_of` needs Rust 1.87; the workspace supports 1.80.
#[allow(clippy::manual_is_multiple_of)]
fn validate_special(sp: Special, args: &[String]) -> Result<SetResult, String> {
    match sp {
        Special::Dir => Ok(SetResult::Ok), // chdir is checked by the loader
        Special::Save => {
            let args = if args.len() == 1 && args[0].is_empty() {
                &[][..]
            } else {
                args
            };
            if args.len() % 2 == 1 {
                return Err("Invalid save parameters".into());
            }
            for (j, a) in args.iter().enumerate() {
                let (v, full, _) = strtoll(a.as_bytes(), 10);
                if !full || (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0) {
                    return Err("Invalid save parameters".into());
                }
            }
            Ok(SetResult::Ok)
        }
        Special::ClientOutputBufferLimit => {
            if args.len() % 4 != 0 {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            for chunk in args.chunks(4) {
                if obuf_class(&chunk[0]).is_none() {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    );
                }
                let (secs, full, _) = strtoll(chunk[3].as_bytes(), 10);
                if memtoull(chunk[1].as_bytes()).is_none()
                    || memtoull(chunk[2].as_bytes()).is_none()
                    || secs < 0
                    || !full
                {
                    return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into());
                }
            }
            Ok(SetResult::Ok)
        }
        Special::OomScoreAdjValues => {
            if args.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            if oom_values(args).is_none() {
                return Err(
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into(),
                );
            }
            Ok(SetResult::Ok)
        }
        Special::NotifyKeyspaceEvents => {
            if keyspace_flags(args.first().map_or("", String::as_str)).is_none() {
                return Err(format!(
                    "Invalid event class character. Use '{KEYSPACE_CHARS}'."
                ));
            }
            Ok(SetResult::Ok)
        }
        Special::Bind => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            Ok(SetResult::Ok)
        }
        Special::ReplicaOf => {
            if args.len() != 2 {
                return Err("wrong number of arguments".into());
            }
            if is_no_one(args) {
                return Ok(SetResult::Ok);
            }
            let (p, full, overflow) = strtoll(args[1].as_bytes(), 10);
            if !full || overflow || !(0..=65535).contains(&p) {
                return Err("Invalid master port".into());
            }
            Ok(SetResult::Ok)
        }
        Special::LatencyPercentiles => {
            if args.len() == 1 && args[0].is_empty() {
                return Ok(SetResult::Ok);
            }
            for a in args {
                let Some(p) = string2d(a) else {
                    return Err("Invalid latency-tracking-info-percentiles parameters".into());
                };
                if !(0.0..=100.0).contains(&p) {
                    return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                }
            }
            Ok(SetResult::Ok)
        }
    }
}

fn is_no_one(args: &[String]) -> bool {
    args.len() == 2 && args[0].eq_ignore_ascii_case("no") && args[1].eq_ignore_ascii_case("one")
}

fn string2d(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() || crate::split::is_c_space(b[0]) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    Some(v)
}

fn obuf_class(name: &str) -> Option<usize> {
    match name.to_ascii_lowercase().as_str() {
        "normal" => Some(0),
        "slave" | "replica" => Some(1),
        "pubsub" => Some(2),
        _ => None,
    }
}

fn oom_values(args: &[String]) -> Option<[i64; 3]> {
    let mut out = [0i64; 3];
    for (i, a) in args.iter().take(3).enumerate() {
        let (v, full, _) = strtoll(a.as_bytes(), 10);
        if !full || !(-2000..=2000).contains(&v) {
            return None;
        }
        out[i] = v;
    }
    Some(out)
}

fn fmt_double(p: f64) -> String {
    let s = format!("{p:.6}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

/// The value `CONFIG GET` prints after this (valid) line alone, for configs
/// where the last line wins.
pub(crate) fn render(spec: &Spec, args: &[String]) -> String {
    let first = args.first().map(String::as_str).unwrap_or("");
    match &spec.kind {
        Kind::Bool => first.to_ascii_lowercase(),
        Kind::Enum(names) => enum_value(names, first).map_or(String::new(), |i| names[i].1.clone()),
        Kind::Flags(names) => {
            let given: Vec<usize> = args.iter().filter_map(|a| enum_value(names, a)).collect();
            let shown: Vec<&str> = names
                .iter()
                .enumerate()
                .filter(|(i, (n, _))| given.contains(i) && !n.eq_ignore_ascii_case("default"))
                .map(|(_, (_, r))| r.as_str())
                .collect();
            if shown.is_empty() {
                "default".into()
            } else {
                shown.join(" ")
            }
        }
        Kind::Str(_) => first.to_string(),
        Kind::Opaque | Kind::RuntimeOnly => args.join(" "),
        Kind::Num { fmt, .. } => {
            let Ok(mut v) = parse_numeric(*fmt, first.as_bytes()) else {
                return String::new();
            };
            if spec.name == "hz" {
                v = v.clamp(1, 500);
            }
            match fmt {
                NumFmt::MemoryPercent if v < 0 => format!("{}%", -v),
                NumFmt::Memory | NumFmt::MemoryPercent => (v as u64).to_string(),
                NumFmt::MemorySigned => v.to_string(),
                NumFmt::Octal => format!("{:o}", v as u64),
                NumFmt::Int => v.to_string(),
            }
        }
        Kind::Special(sp) => match sp {
            Special::Bind => {
                if args.len() == 1 && args[0].is_empty() {
                    String::new()
                } else {
                    args.join(" ")
                }
            }
            Special::ReplicaOf => {
                if is_no_one(args) || args.len() != 2 {
                    String::new()
                } else {
                    let (p, _, _) = strtoll(args[1].as_bytes(), 10);
                    format!("{} {}", args[0], p)
                }
            }
            Special::NotifyKeyspaceEvents => {
                keyspace_flags(first).map_or(String::new(), keyspace_string)
            }
            Special::OomScoreAdjValues => oom_values(args)
                .map(|v| format!("{} {} {}", v[0], v[1], v[2]))
                .unwrap_or_default(),
            Special::LatencyPercentiles => {
                if args.len() == 1 && args[0].is_empty() {
                    String::new()
                } else {
                    args.iter()
                        .filter_map(|a| string2d(a))
                        .map(fmt_double)
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            }
            // Accumulating specials are rendered by the caller.
            Special::Dir | Special::Save | Special::ClientOutputBufferLimit => args.join(" "),
        },
    }
}

/// 6.2's `save`: any line is taken; one `SECONDS CHANGES` pair is
/// appended (as C `atoi` reads them), `save ""` clears, other lines are
/// ignored. `Err` for a pair out of range.
pub(crate) fn legacy_save_pair(args: &[String]) -> Result<Option<(i32, i32)>, String> {
    if args.len() != 2 {
        return Ok(None);
    }
    let atoi = |a: &str| strtoll(a.as_bytes(), 10).0 as i32;
    let (secs, changes) = (atoi(&args[0]), atoi(&args[1]));
    if secs < 1 || changes < 0 {
        return Err("Invalid save parameters".into());
    }
    Ok(Some((secs, changes)))
}

/// [`replay_save`] of 6.2: the first line drops the defaults.
pub(crate) fn replay_save_legacy<'a>(
    default: &str,
    lines: impl Iterator<Item = &'a [String]>,
) -> String {
    let mut params: Vec<String> = default.split_whitespace().map(str::to_string).collect();
    for (i, args) in lines.enumerate() {
        if i == 0 {
            params.clear();
        }
        if args.len() == 1 && args[0].is_empty() {
            params.clear();
        } else if let Ok(Some((a, b))) = legacy_save_pair(args) {
            params.push(a.to_string());
            params.push(b.to_string());
        }
    }
    params.join(" ")
}

/// Replay `save` lines: the first line in the file drops the defaults,
/// `save ""` clears, other lines append.
pub(crate) fn replay_save<'a>(default: &str, lines: impl Iterator<Item = &'a [String]>) -> String {
    let mut params: Vec<String> = default
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let mut first = true;
    for args in lines {
        if first {
            params.clear();
            first = false;
        }
        if args.len() == 1 && args[0].is_empty() {
            params.clear();
            continue;
        }
        for pair in args.chunks(2) {
            if let [secs, changes] = pair {
                let (s, _, _) = strtoll(secs.as_bytes(), 10);
                let (c, _, _) = strtoll(changes.as_bytes(), 10);
                params.push(s.to_string());
                params.push((c as i32).to_string());
            }
        }
    }
    params.join(" ")
}

/// Replay `client-output-buffer-limit` lines on top of the default.
pub(crate) fn replay_obuf<'a>(default: &str, lines: impl Iterator<Item = &'a [String]>) -> String {
    let d: Vec<&str> = default.split(' ').collect();
    let mut classes: [[String; 3]; 3] = Default::default();
    for (i, c) in classes.iter_mut().enumerate() {
        for (k, slot) in c.iter_mut().enumerate() {
            *slot = d.get(i * 4 + 1 + k).copied().unwrap_or("0").to_string();
        }
    }
    for args in lines {
        for chunk in args.chunks(4) {
            if let [class, hard, soft, secs] = chunk {
                if let Some(ci) = obuf_class(class) {
                    let (s, _, _) = strtoll(secs.as_bytes(), 10);
                    classes[ci] = [
                        memtoull(hard.as_bytes()).unwrap_or(0).to_string(),
                        memtoull(soft.as_bytes()).unwrap_or(0).to_string(),
                        (s as i32).to_string(),
                    ];
                }
            }
        }
    }
    ["normal", "slave", "pubsub"]
        .iter()
        .zip(classes.iter())
        .map(|(n, c)| format!("{n} {} {} {}", c[0], c[1], c[2]))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-5"), Some(-5));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"1 ",
            b"0x10",
            b"9223372036854775808",
            b"-",
        ] {
            assert_eq!(string2ll(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn memtoull_units() {
        assert_eq!(memtoull(b"1gb"), Some(1 << 30));
        assert_eq!(memtoull(b"1G"), Some(1_000_000_000));
        assert_eq!(memtoull(b"1K"), Some(1000));
        assert_eq!(memtoull(b"2Mb"), Some(2 << 20));
        assert_eq!(memtoull(b"10b"), Some(10));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"1.5gb"), None);
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b" 1"), None);
        assert_eq!(memtoull(b"1tb"), None);
    }

    #[test]
    fn strtoll_like_c() {
        assert_eq!(strtoll(b" +12", 10), (12, true, false));
        assert_eq!(strtoll(b"12x", 10), (12, false, false));
        assert_eq!(strtoll(b"", 10), (0, true, false));
        assert_eq!(strtoll(b"x", 10), (0, false, false));
        assert_eq!(strtoll(b"777", 8), (0o777, true, false));
        assert!(strtoll(b"99999999999999999999", 10).2);
    }

    #[test]
    fn keyspace_roundtrip() {
        assert_eq!(keyspace_string(keyspace_flags("KEA").unwrap_or(0)), "AKE");
        assert_eq!(keyspace_string(keyspace_flags("Ex").unwrap_or(0)), "xE");
        assert_eq!(keyspace_string(keyspace_flags("").unwrap_or(0)), "");
        assert!(keyspace_flags("Q").is_none());
    }

    #[test]
    fn proc_title() {
        assert!(valid_proc_title("{title} {listen-addr} {server-mode}"));
        assert!(!valid_proc_title("{nope}"));
        assert!(!valid_proc_title(""));
        assert!(!valid_proc_title("{title"));
    }
}
