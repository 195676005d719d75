//! Which arguments of a command are keys (and how they are accessed) and
//! which are Pub/Sub channels: `getKeysFromCommandWithSpecs()` with
//! `GET_KEYSPEC_DEFAULT` and `getChannelsFromCommand()` of `src/db.c`,
//! driven by the key specs of the [`CommandTable`] plus the getkeys
//! procedures Redis falls back to (SORT, MIGRATE, EVAL, SET, BITFIELD, ...).

use crate::table::{Command, CommandTable};

/// Key-spec flags (`CMD_KEY_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyFlags(pub u16);

impl KeyFlags {
    pub const RO: u16 = 1 << 0;
    pub const RW: u16 = 1 << 1;
    pub const OW: u16 = 1 << 2;
    pub const RM: u16 = 1 << 3;
    pub const ACCESS: u16 = 1 << 4;
    pub const UPDATE: u16 = 1 << 5;
    pub const INSERT: u16 = 1 << 6;
    pub const DELETE: u16 = 1 << 7;
    pub const NOT_KEY: u16 = 1 << 8;
    pub const INCOMPLETE: u16 = 1 << 9;
    pub const VARIABLE_FLAGS: u16 = 1 << 10;

    pub fn has(self, f: u16) -> bool {
        self.0 & f != 0
    }

    fn from_names(names: &[String]) -> KeyFlags {
        let mut f = 0;
        for n in names {
            f |= match n.to_ascii_lowercase().as_str() {
                "ro" => Self::RO,
                "rw" => Self::RW,
                "ow" => Self::OW,
                "rm" => Self::RM,
                "access" => Self::ACCESS,
                "update" => Self::UPDATE,
                "insert" => Self::INSERT,
                "delete" => Self::DELETE,
                "not_key" => Self::NOT_KEY,
                "incomplete" => Self::INCOMPLETE,
                "variable_flags" => Self::VARIABLE_FLAGS,
                _ => 0,
            };
        }
        KeyFlags(f)
    }

    /// What an ACL key pattern must grant (`ACLSelectorCheckKey`):
    /// ACCESS needs read; INSERT, DELETE, UPDATE need write; a key with
    /// none of these passes with either.
    pub fn needs(self) -> Access {
        Access {
            read: self.has(Self::ACCESS),
            write: self.has(Self::INSERT | Self::DELETE | Self::UPDATE),
        }
    }
}

/// Read/write permission (of a key pattern, or needed by a key).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Access {
    pub read: bool,
    pub write: bool,
}

impl Access {
    /// `%R`, `%W`, `%RW`, or `any` when neither is needed.
    pub fn label(self) -> &'static str {
        match (self.read, self.write) {
            (true, true) => "read+write",
            (true, false) => "read",
            (false, true) => "write",
            (false, false) => "read or write",
        }
    }
}

/// One key argument found in a command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    /// Index in argv (0 is the command name).
    pub pos: usize,
    pub flags: KeyFlags,
}

#[derive(Clone, Debug, PartialEq)]
enum BeginSearch {
    Index(i64),
    Keyword { keyword: String, startfrom: i64 },
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
enum FindKeys {
    Range {
        lastkey: i64,
        keystep: i64,
        limit: i64,
    },
    Keynum {
        keynumidx: i64,
        firstkey: i64,
        keystep: i64,
    },
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
struct KeySpec {
    flags: KeyFlags,
    bs: BeginSearch,
    fk: FindKeys,
}

/// The getkeys procedures of Redis 7 built-in commands (`src/db.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GetKeysProc {
    /// `genericGetKeys(storeKeyOfs, keyCountOfs, firstKeyOfs, keyStep)`
    Generic(usize, usize, usize),
    Sort,
    SortRo,
    Migrate,
    /// `georadiusGetKeys`: Redis 7.0 gives both keys no flags (read or
    /// write); Valkey 9.1 the source RO|ACCESS and the STORE key OW|UPDATE.
    Georadius {
        flagged: bool,
    },
    Xread,
    Set,
    Bitfield,
    /// Redis 6.2's `migrateGetKeys`: `KEYS` counts only when the key
    /// argument is empty, and AUTH arguments are not skipped.
    Migrate62,
    /// Redis 6.2's `memoryGetKeys`: `MEMORY USAGE <key>`.
    MemoryUsage,
    /// Redis 6.2's `lcsGetKeys` (`STRALGO LCS KEYS a b`).
    Lcs,
}

/// The getkeys procedures of a table without key specs (Redis 6.2,
/// `src/server.c`); every other command has its first/last/step range.
fn legacy_proc(name: &str) -> Option<GetKeysProc> {
    use GetKeysProc::*;
    Some(match name {
        "zunionstore" | "zinterstore" | "zdiffstore" => Generic(1, 2, 3),
        "zunion" | "zinter" | "zdiff" => Generic(0, 1, 2),
        "eval" | "evalsha" => Generic(0, 2, 3),
        "sort" => Sort,
        "migrate" => Migrate62,
        "georadius" | "georadiusbymember" => Georadius { flagged: false },
        "xread" | "xreadgroup" => Xread,
        "stralgo" => Lcs,
        "memory" => MemoryUsage,
        _ => return None,
    })
}

fn getkeys_proc(name: &str, valkey: bool) -> Option<GetKeysProc> {
    use GetKeysProc::*;
    Some(match name {
        "sintercard" | "zunion" | "zinter" | "zdiff" | "zintercard" | "lmpop" | "zmpop" => {
            Generic(0, 1, 2)
        }
        "zunionstore" | "zinterstore" | "zdiffstore" => Generic(1, 2, 3),
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" | "blmpop"
        | "bzmpop" => Generic(0, 2, 3),
        "sort" => Sort,
        "sort_ro" => SortRo,
        "migrate" => Migrate,
        "georadius" | "georadiusbymember" => Georadius { flagged: valkey },
        "xread" | "xreadgroup" => Xread,
        "set" => Set,
        "bitfield" => Bitfield,
        _ => return None,
    })
}

/// Channel arguments (`commands_with_channels[]` in `src/db.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelSpec {
    /// PUBLISH / SPUBLISH.
    pub publish: bool,
    /// SUBSCRIBE / SSUBSCRIBE / PSUBSCRIBE.
    pub subscribe: bool,
    /// PSUBSCRIBE / PUNSUBSCRIBE: the arguments are patterns, compared literally.
    pub pattern: bool,
    start: usize,
    /// `None`: every remaining argument.
    count: Option<usize>,
}

fn channel_spec(name: &str) -> Option<ChannelSpec> {
    let (publish, subscribe, pattern, count) = match name {
        "subscribe" | "ssubscribe" => (false, true, false, None),
        "unsubscribe" | "sunsubscribe" => (false, false, false, None),
        "psubscribe" => (false, true, true, None),
        "punsubscribe" => (false, false, true, None),
        "publish" | "spublish" => (true, false, false, Some(1)),
        _ => return None,
    };
    Some(ChannelSpec {
        publish,
        subscribe,
        pattern,
        start: 1,
        count,
    })
}

/// Key and channel extraction data for one command.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CmdKeys {
    specs: Vec<KeySpec>,
    /// `(first, last, step)` of a table without key specs (Redis 6.2).
    legacy: Option<(i64, i64, i64)>,
    proc_: Option<GetKeysProc>,
    pub(crate) channels: Option<ChannelSpec>,
    arity: i64,
}

fn num(v: &serde_json::Value, k: &str) -> i64 {
    v.get(k).and_then(|x| x.as_i64()).unwrap_or(0)
}

fn parse_spec(v: &serde_json::Value) -> KeySpec {
    let flags: Vec<String> = v
        .get("flags")
        .and_then(|f| f.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let bs = v.get("begin_search").cloned().unwrap_or_default();
    let bspec = bs.get("spec").cloned().unwrap_or_default();
    let bs = match bs.get("type").and_then(|t| t.as_str()) {
        Some("index") => BeginSearch::Index(num(&bspec, "index")),
        Some("keyword") => BeginSearch::Keyword {
            keyword: bspec
                .get("keyword")
                .and_then(|k| k.as_str())
                .unwrap_or("")
                .to_string(),
            startfrom: num(&bspec, "startfrom"),
        },
        _ => BeginSearch::Unknown,
    };
    let fk = v.get("find_keys").cloned().unwrap_or_default();
    let fspec = fk.get("spec").cloned().unwrap_or_default();
    let fk = match fk.get("type").and_then(|t| t.as_str()) {
        Some("range") => FindKeys::Range {
            lastkey: num(&fspec, "lastkey"),
            keystep: num(&fspec, "keystep"),
            limit: num(&fspec, "limit"),
        },
        Some("keynum") => FindKeys::Keynum {
            keynumidx: num(&fspec, "keynumidx"),
            firstkey: num(&fspec, "firstkey"),
            keystep: num(&fspec, "keystep"),
        },
        _ => FindKeys::Unknown,
    };
    KeySpec {
        flags: KeyFlags::from_names(&flags),
        bs,
        fk,
    }
}

impl CmdKeys {
    /// `valkey`: the command is Valkey's (whose getkeys procedures differ).
    /// `legacy`: the table has no key specs (Redis 6.2).
    pub(crate) fn new(cmd: &Command, valkey: bool, legacy: bool) -> CmdKeys {
        CmdKeys {
            specs: cmd.key_specs.iter().map(parse_spec).collect(),
            legacy: legacy.then_some((cmd.first_key, cmd.last_key, cmd.step)),
            proc_: if legacy {
                legacy_proc(&cmd.name)
            } else {
                getkeys_proc(&cmd.name, valkey)
            },
            channels: channel_spec(&cmd.name),
            arity: cmd.arity,
        }
    }

    /// `doesCommandHaveKeys()`.
    pub(crate) fn has_keys(&self) -> bool {
        if let Some((first, _, _)) = self.legacy {
            // 6.2: `c->cmd->getkeys_proc || c->cmd->firstkey`.
            return self.proc_.is_some() || first != 0;
        }
        self.proc_.is_some() || self.specs.iter().any(|s| !s.flags.has(KeyFlags::NOT_KEY))
    }

    /// `getKeysFromCommandWithSpecs(cmd, argv, argc, GET_KEYSPEC_DEFAULT)`.
    pub(crate) fn keys<A: AsRef<[u8]>>(&self, argv: &[A]) -> Vec<KeyRef> {
        if let Some(range) = self.legacy {
            return match self.proc_ {
                Some(p) => run_proc(p, argv),
                None => self.legacy_range(range, argv.len()),
            };
        }
        let has_keyspec = self.specs.iter().any(|s| !s.flags.has(KeyFlags::NOT_KEY));
        let has_varflags = self
            .specs
            .iter()
            .any(|s| s.flags.has(KeyFlags::VARIABLE_FLAGS));
        if has_keyspec && !has_varflags {
            if let Some(k) = self.keys_from_specs(argv) {
                return k;
            }
        }
        match self.proc_ {
            Some(p) => run_proc(p, argv),
            None => Vec::new(),
        }
    }

    /// Redis 6.2's `getKeysUsingCommandTable`: `first..=last` by `step`
    /// (`last` < 0 counts from the end); none when a position is past the
    /// arguments of a variadic command.
    fn legacy_range(&self, (first, last, step): (i64, i64, i64), argc: usize) -> Vec<KeyRef> {
        if first == 0 {
            return Vec::new();
        }
        let argc = argc as i64;
        let last = if last < 0 { argc + last } else { last };
        let step = step.max(1);
        let mut out = Vec::new();
        let mut j = first;
        while j <= last {
            if j >= argc {
                return Vec::new();
            }
            out.push(KeyRef {
                pos: j as usize,
                flags: KeyFlags::default(),
            });
            j += step;
        }
        out
    }

    /// `getKeysUsingKeySpecs`; `None` for `-1` (invalid or incomplete spec).
    fn keys_from_specs<A: AsRef<[u8]>>(&self, argv: &[A]) -> Option<Vec<KeyRef>> {
        let argc = argv.len() as i64;
        let mut out = Vec::new();
        for spec in &self.specs {
            if spec.flags.has(KeyFlags::NOT_KEY) {
                continue;
            }
            let mut first: i64 = 0;
            match &spec.bs {
                BeginSearch::Index(pos) => first = *pos,
                BeginSearch::Keyword { keyword, startfrom } => {
                    let start = if *startfrom > 0 {
                        *startfrom
                    } else {
                        argc + startfrom
                    };
                    let end = if *startfrom > 0 { argc - 1 } else { 1 };
                    let mut i = start;
                    while i != end {
                        if i >= argc || i < 1 {
                            break;
                        }
                        if argv[i as usize]
                            .as_ref()
                            .eq_ignore_ascii_case(keyword.as_bytes())
                        {
                            first = i + 1;
                            break;
                        }
                        i = if start <= end { i + 1 } else { i - 1 };
                    }
                    if first == 0 {
                        continue;
                    }
                }
                BeginSearch::Unknown => return None,
            }
            let (last, step);
            match &spec.fk {
                FindKeys::Range {
                    lastkey,
                    keystep,
                    limit,
                } => {
                    step = *keystep;
                    last = if *lastkey >= 0 {
                        first + lastkey
                    } else if *limit == 0 {
                        argc + lastkey
                    } else {
                        first + ((argc - first) / limit + lastkey)
                    };
                }
                FindKeys::Keynum {
                    keynumidx,
                    firstkey,
                    keystep,
                } => {
                    step = *keystep;
                    if *keynumidx >= argc {
                        return None;
                    }
                    let idx = first + keynumidx;
                    let s = argv.get(usize::try_from(idx).ok()?)?.as_ref();
                    let n = string2ll(s).filter(|n| *n >= 0)?;
                    first += firstkey;
                    // C: `last = first + ((int)numkeys - 1) * step` (the
                    // same as Redis 7.0's `first + numkeys - 1` for the
                    // step-1 specs it has; Valkey's MSETEX steps by 2).
                    last = first + (i64::from(n as i32) - 1) * step;
                }
                FindKeys::Unknown => return None,
            }
            if last >= argc || last < first || first >= argc {
                return None;
            }
            let mut i = first;
            while i <= last {
                if i >= argc || i < first {
                    // Only commands with negative arity get here (no arity check).
                    if self.arity < 0 {
                        i += step.max(1);
                        continue;
                    }
                    break;
                }
                out.push(KeyRef {
                    pos: i as usize,
                    flags: spec.flags,
                });
                if step <= 0 {
                    break;
                }
                i += step;
            }
            if spec.flags.has(KeyFlags::INCOMPLETE) {
                return None;
            }
        }
        Some(out)
    }

    /// Channel arguments with their spec, `getChannelsFromCommand`.
    pub(crate) fn channel_positions(&self, argc: usize) -> std::ops::Range<usize> {
        match &self.channels {
            Some(c) => {
                let stop = match c.count {
                    Some(n) => (c.start + n).min(argc),
                    None => argc,
                };
                c.start..stop.max(c.start)
            }
            None => 0..0,
        }
    }
}

/// Redis's `string2ll` (one implementation, shared with the config parser).
pub(crate) use redis_conf::string2ll;

/// C `atoi` (glibc `strtol` truncated to int): leading whitespace, sign, digits.
fn atoi(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    let v = if neg { -v } else { v };
    // strtol clamps to LONG_MIN/MAX, then the cast to int truncates.
    i64::from(v as i32)
}

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

fn run_proc<A: AsRef<[u8]>>(p: GetKeysProc, argv: &[A]) -> Vec<KeyRef> {
    let argc = argv.len();
    let arg = |i: usize| argv.get(i).map(|a| a.as_ref()).unwrap_or(b"");
    let k = |pos: usize, f: u16| KeyRef {
        pos,
        flags: KeyFlags(f),
    };
    match p {
        GetKeysProc::Generic(store, count, first) => {
            if count >= argc {
                return Vec::new();
            }
            let n = atoi(arg(count));
            if n < 1 || n > (argc as i64 - first as i64) {
                return Vec::new();
            }
            let mut out: Vec<KeyRef> = (0..n as usize).map(|i| k(first + i, 0)).collect();
            if store > 0 {
                out.push(k(store, 0));
            }
            out
        }
        GetKeysProc::Migrate62 => {
            let (mut first, mut n) = (3usize, 1usize);
            if argc > 6 {
                for i in 6..argc {
                    if eq(arg(i), "keys") && arg(3).is_empty() {
                        first = i + 1;
                        n = argc - first;
                        break;
                    }
                }
            }
            (0..n).map(|i| k(first + i, 0)).collect()
        }
        GetKeysProc::MemoryUsage => {
            if argc >= 3 && eq(arg(1), "usage") {
                vec![k(2, 0)]
            } else {
                Vec::new()
            }
        }
        GetKeysProc::Lcs => {
            for i in 1..argc {
                let more = argc - 1 - i;
                if eq(arg(i), "strings") {
                    break;
                } else if eq(arg(i), "keys") && more >= 2 {
                    return vec![k(i + 1, 0), k(i + 2, 0)];
                }
            }
            Vec::new()
        }
        GetKeysProc::SortRo => vec![k(1, KeyFlags::RO | KeyFlags::ACCESS)],
        GetKeysProc::Sort => {
            let mut out = vec![k(1, KeyFlags::RO | KeyFlags::ACCESS)];
            let mut store = None;
            let skiplist: [(&str, usize); 3] = [("limit", 2), ("get", 1), ("by", 1)];
            let mut i = 2;
            while i < argc {
                for (name, skip) in skiplist {
                    if eq(arg(i), name) {
                        i += skip;
                        break;
                    } else if eq(arg(i), "store") && i + 1 < argc {
                        store = Some(i + 1);
                        break;
                    }
                }
                i += 1;
            }
            if let Some(s) = store {
                out.push(k(s, KeyFlags::OW | KeyFlags::UPDATE));
            }
            out
        }
        GetKeysProc::Migrate => {
            let (mut first, mut n) = (3usize, 1usize);
            if argc > 6 {
                let mut i = 6;
                while i < argc {
                    if eq(arg(i), "keys") {
                        if !arg(3).is_empty() {
                            n = 0;
                        } else {
                            first = i + 1;
                            n = argc - first;
                        }
                        break;
                    }
                    for (name, skip) in [("copy", 0), ("replace", 0), ("auth", 1), ("auth2", 2)] {
                        if eq(arg(i), name) {
                            i += skip;
                            break;
                        }
                    }
                    i += 1;
                }
            }
            let f = KeyFlags::RW | KeyFlags::ACCESS | KeyFlags::DELETE;
            (0..n).map(|i| k(first + i, f)).collect()
        }
        GetKeysProc::Georadius { flagged } => {
            let mut stored = None;
            let mut i = 5;
            while i < argc {
                if (eq(arg(i), "store") || eq(arg(i), "storedist")) && i + 1 < argc {
                    stored = Some(i + 1);
                    i += 1;
                }
                i += 1;
            }
            let (src, dst) = if flagged {
                (
                    KeyFlags::RO | KeyFlags::ACCESS,
                    KeyFlags::OW | KeyFlags::UPDATE,
                )
            } else {
                (0, 0)
            };
            let mut out = vec![k(1, src)];
            if let Some(s) = stored {
                out.push(k(s, dst));
            }
            out
        }
        GetKeysProc::Xread => {
            let mut streams = None;
            let mut i = 1;
            while i < argc {
                let a = arg(i);
                if eq(a, "block") || eq(a, "count") {
                    i += 1;
                } else if eq(a, "group") {
                    i += 2;
                } else if eq(a, "noack") {
                } else if eq(a, "streams") {
                    streams = Some(i);
                    break;
                } else {
                    break;
                }
                i += 1;
            }
            let Some(sp) = streams else {
                return Vec::new();
            };
            let n = argc - sp - 1;
            if n == 0 || n & 1 == 1 {
                return Vec::new();
            }
            let n = n / 2;
            (sp + 1..argc - n).map(|i| k(i, 0)).collect()
        }
        GetKeysProc::Set => {
            // `arg[0..3] == "get"` compared as a C string: the argument must be exactly GET.
            let get = (3..argc).any(|i| {
                let a = arg(i);
                a.len() >= 3
                    && a[..3].eq_ignore_ascii_case(b"get")
                    && a.get(3).is_none_or(|&b| b == 0)
            });
            if get {
                vec![k(1, KeyFlags::RW | KeyFlags::ACCESS | KeyFlags::UPDATE)]
            } else {
                vec![k(1, KeyFlags::OW | KeyFlags::UPDATE)]
            }
        }
        GetKeysProc::Bitfield => {
            let mut readonly = true;
            let mut i = 2;
            while i < argc {
                let rem = argc - i - 1;
                let a = arg(i);
                if eq(a, "get") && rem >= 2 {
                    i += 2;
                } else if (eq(a, "set") || eq(a, "incrby")) && rem >= 3 {
                    readonly = false;
                    break;
                } else if eq(a, "overflow") && rem >= 1 {
                    i += 1;
                } else {
                    readonly = false;
                    break;
                }
                i += 1;
            }
            if readonly {
                vec![k(1, KeyFlags::RO | KeyFlags::ACCESS)]
            } else {
                vec![k(1, KeyFlags::RW | KeyFlags::ACCESS | KeyFlags::UPDATE)]
            }
        }
    }
}

/// Key and channel data for every command of a table, by command id.
#[derive(Clone, Debug)]
pub(crate) struct KeyModel {
    pub(crate) cmds: Vec<CmdKeys>,
}

impl KeyModel {
    pub(crate) fn new(table: &CommandTable) -> KeyModel {
        KeyModel {
            cmds: {
                let valkey = table.server().eq_ignore_ascii_case("valkey");
                let legacy = table.legacy_keys();
                table
                    .commands()
                    .iter()
                    .map(|c| CmdKeys::new(c, valkey, legacy))
                    .collect()
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(cmd: &str, argv: &[&str]) -> Vec<(usize, KeyFlags)> {
        let t = CommandTable::redis_7_0();
        let c = t.lookup(cmd).unwrap_or_else(|| panic!("{cmd}"));
        CmdKeys::new(c, false, false)
            .keys(argv)
            .into_iter()
            .map(|k| (k.pos, k.flags))
            .collect()
    }

    #[test]
    fn string2ll_like_redis() {
        assert_eq!(string2ll(b"12"), Some(12));
        assert_eq!(string2ll(b"-3"), Some(-3));
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"01"), None);
        assert_eq!(string2ll(b"+1"), None);
        assert_eq!(string2ll(b" 1"), None);
        assert_eq!(string2ll(b"1abc"), None);
        assert_eq!(atoi(b" +7x"), 7);
    }

    #[test]
    fn extraction() {
        let pos = |v: Vec<(usize, KeyFlags)>| v.into_iter().map(|x| x.0).collect::<Vec<_>>();
        assert_eq!(pos(keys("get", &["get", "a"])), vec![1]);
        assert_eq!(pos(keys("mset", &["mset", "a", "1", "b", "2"])), vec![1, 3]);
        assert_eq!(
            pos(keys("eval", &["eval", "s", "2", "a", "b", "c"])),
            vec![3, 4]
        );
        // string2ll fails, the fallback's atoi reads 1.
        assert_eq!(pos(keys("eval", &["eval", "s", "1abc", "x"])), vec![3]);
        assert_eq!(
            pos(keys("zunionstore", &["zunionstore", "d", "2", "a", "b"])),
            vec![1, 3, 4]
        );
        assert_eq!(
            pos(keys("sort", &["sort", "k", "by", "store", "store", "d"])),
            vec![1, 5]
        );
        assert_eq!(
            pos(keys(
                "xread",
                &["xread", "count", "1", "streams", "a", "b", "0", "0"]
            )),
            vec![4, 5]
        );
        assert_eq!(
            pos(keys(
                "migrate",
                &["migrate", "h", "p", "", "0", "5", "keys", "a", "b"]
            )),
            vec![7, 8]
        );
        let set = keys("set", &["set", "k", "v", "GET"]);
        assert!(set[0].1.needs().read);
        let set = keys("set", &["set", "k", "v"]);
        assert!(!set[0].1.needs().read);
        assert!(keys("exists", &["exists", "a"])[0].1.needs() == Access::default());
    }
}
