//! The config parameters of Redis 7.0 (`static_configs[]` in src/config.c),
//! with their types and bounds. Defaults come from `data/config-defaults-7.0.txt`,
//! which is `CONFIG GET *` of a real 7.0.15 server (scripts/regen-data.sh).

use std::collections::HashMap;
use std::sync::OnceLock;

const INT_MAX: i128 = i32::MAX as i128;
const INT_MIN: i128 = i32::MIN as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;

/// How a numeric config is parsed and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumFmt {
    Int,
    Memory,
    Octal,
    MemoryPercent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrCheck {
    None,
    BaseName,
    NonEmptyBaseName,
    Hostname,
    ProcTitle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    Dir,
    Save,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    NotifyKeyspaceEvents,
    Bind,
    ReplicaOf,
    LatencyPercentiles,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Bool,
    /// (name, value) pairs; CONFIG GET prints the first name with the value.
    Enum(&'static [(&'static str, u8)]),
    /// A multi-argument enum of flags (shutdown-on-sig*).
    Flags(&'static [(&'static str, u8)]),
    Str(StrCheck),
    Num {
        lo: i128,
        hi: i128,
        /// Boundary check as unsigned (ULL, UINT, SIZE_T in Redis).
        unsigned: bool,
        fmt: NumFmt,
    },
    Special(Special),
}

impl Kind {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Enum(_) => "enum",
            Kind::Flags(_) => "flags",
            Kind::Str(_) => "string",
            Kind::Num {
                fmt: NumFmt::Int, ..
            } => "integer",
            Kind::Num {
                fmt: NumFmt::Octal, ..
            } => "octal",
            Kind::Num { .. } => "memory",
            Kind::Special(_) => "special",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Spec {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
    /// Accepted in the file but not listed by `CONFIG GET *`.
    pub hidden: Option<&'static str>,
}

const fn n(lo: i128, hi: i128) -> Kind {
    Kind::Num {
        lo,
        hi,
        unsigned: false,
        fmt: NumFmt::Int,
    }
}
const fn u(lo: i128, hi: i128) -> Kind {
    Kind::Num {
        lo,
        hi,
        unsigned: true,
        fmt: NumFmt::Int,
    }
}
const fn mem(lo: i128, hi: i128, unsigned: bool) -> Kind {
    Kind::Num {
        lo,
        hi,
        unsigned,
        fmt: NumFmt::Memory,
    }
}
const fn s(name: &'static str, kind: Kind) -> Spec {
    Spec {
        name,
        alias: None,
        kind,
        hidden: None,
    }
}
const fn a(name: &'static str, alias: &'static str, kind: Kind) -> Spec {
    Spec {
        name,
        alias: Some(alias),
        kind,
        hidden: None,
    }
}
const fn h(name: &'static str, kind: Kind, default: &'static str) -> Spec {
    Spec {
        name,
        alias: None,
        kind,
        hidden: Some(default),
    }
}

const B: Kind = Kind::Bool;
const S: Kind = Kind::Str(StrCheck::None);

const PROTECTED_ACTION: &[(&str, u8)] = &[("no", 0), ("yes", 1), ("local", 2)];
const SHUTDOWN_FLAGS: &[(&str, u8)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

pub(crate) static SPECS: &[Spec] = &[
    // Bool configs
    s("rdbchecksum", B),
    s("daemonize", B),
    s("io-threads-do-reads", B),
    s("always-show-logo", B),
    s("protected-mode", B),
    s("rdbcompression", B),
    s("rdb-del-sync-files", B),
    s("activerehashing", B),
    s("stop-writes-on-bgsave-error", B),
    s("set-proc-title", B),
    s("dynamic-hz", B),
    s("lazyfree-lazy-eviction", B),
    s("lazyfree-lazy-expire", B),
    s("lazyfree-lazy-server-del", B),
    s("lazyfree-lazy-user-del", B),
    s("lazyfree-lazy-user-flush", B),
    s("repl-disable-tcp-nodelay", B),
    s("repl-diskless-sync", B),
    s("aof-rewrite-incremental-fsync", B),
    s("no-appendfsync-on-rewrite", B),
    s("cluster-require-full-coverage", B),
    s("rdb-save-incremental-fsync", B),
    s("aof-load-truncated", B),
    s("aof-use-rdb-preamble", B),
    s("aof-timestamp-enabled", B),
    a(
        "cluster-replica-no-failover",
        "cluster-slave-no-failover",
        B,
    ),
    a("replica-lazy-flush", "slave-lazy-flush", B),
    a("replica-serve-stale-data", "slave-serve-stale-data", B),
    a("replica-read-only", "slave-read-only", B),
    a("replica-ignore-maxmemory", "slave-ignore-maxmemory", B),
    s("jemalloc-bg-thread", B),
    s("activedefrag", B),
    s("syslog-enabled", B),
    s("cluster-enabled", B),
    s("appendonly", B),
    s("cluster-allow-reads-when-down", B),
    s("cluster-allow-pubsubshard-when-down", B),
    s("crash-log-enabled", B),
    s("crash-memcheck-enabled", B),
    h("use-exit-on-panic", B, "no"),
    s("disable-thp", B),
    s("cluster-allow-replica-migration", B),
    s("replica-announced", B),
    s("latency-tracking", B),
    s("aof-disable-auto-gc", B),
    s("replica-ignore-disk-write-errors", B),
    // String configs
    s("aclfile", S),
    s("unixsocket", S),
    s("pidfile", S),
    a("replica-announce-ip", "slave-announce-ip", S),
    s("masteruser", S),
    s("cluster-announce-ip", S),
    s("cluster-config-file", S),
    s("cluster-announce-hostname", Kind::Str(StrCheck::Hostname)),
    s("syslog-ident", S),
    s("dbfilename", Kind::Str(StrCheck::BaseName)),
    s("appendfilename", Kind::Str(StrCheck::NonEmptyBaseName)),
    s("appenddirname", Kind::Str(StrCheck::NonEmptyBaseName)),
    s("server_cpulist", S),
    s("bio_cpulist", S),
    s("aof_rewrite_cpulist", S),
    s("bgsave_cpulist", S),
    s("ignore-warnings", S),
    s("proc-title-template", Kind::Str(StrCheck::ProcTitle)),
    s("bind-source-addr", S),
    s("logfile", S),
    s("masterauth", S),
    s("requirepass", S),
    // Enum configs
    s(
        "supervised",
        Kind::Enum(&[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)]),
    ),
    s(
        "syslog-facility",
        Kind::Enum(&[
            ("user", 0),
            ("local0", 1),
            ("local1", 2),
            ("local2", 3),
            ("local3", 4),
            ("local4", 5),
            ("local5", 6),
            ("local6", 7),
            ("local7", 8),
        ]),
    ),
    s(
        "repl-diskless-load",
        Kind::Enum(&[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)]),
    ),
    s(
        "loglevel",
        Kind::Enum(&[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)]),
    ),
    s(
        "maxmemory-policy",
        Kind::Enum(&[
            ("volatile-lru", 0),
            ("volatile-lfu", 1),
            ("volatile-random", 2),
            ("volatile-ttl", 3),
            ("allkeys-lru", 4),
            ("allkeys-lfu", 5),
            ("allkeys-random", 6),
            ("noeviction", 7),
        ]),
    ),
    s(
        "appendfsync",
        Kind::Enum(&[("everysec", 0), ("always", 1), ("no", 2)]),
    ),
    s(
        "oom-score-adj",
        Kind::Enum(&[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)]),
    ),
    s(
        "acl-pubsub-default",
        Kind::Enum(&[("allchannels", 0), ("resetchannels", 1)]),
    ),
    s(
        "sanitize-dump-payload",
        Kind::Enum(&[("no", 0), ("yes", 1), ("clients", 2)]),
    ),
    s("enable-protected-configs", Kind::Enum(PROTECTED_ACTION)),
    s("enable-debug-command", Kind::Enum(PROTECTED_ACTION)),
    s("enable-module-command", Kind::Enum(PROTECTED_ACTION)),
    s(
        "cluster-preferred-endpoint-type",
        Kind::Enum(&[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)]),
    ),
    s(
        "propagation-error-behavior",
        Kind::Enum(&[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)]),
    ),
    s("shutdown-on-sigint", Kind::Flags(SHUTDOWN_FLAGS)),
    s("shutdown-on-sigterm", Kind::Flags(SHUTDOWN_FLAGS)),
    // Integer configs
    s("databases", n(1, INT_MAX)),
    s("port", n(0, 65535)),
    s("io-threads", n(1, 128)),
    s("auto-aof-rewrite-percentage", n(0, INT_MAX)),
    a(
        "cluster-replica-validity-factor",
        "cluster-slave-validity-factor",
        n(0, INT_MAX),
    ),
    a(
        "list-max-listpack-size",
        "list-max-ziplist-size",
        n(INT_MIN, INT_MAX),
    ),
    s("tcp-keepalive", n(0, INT_MAX)),
    s("cluster-migration-barrier", n(0, INT_MAX)),
    s("active-defrag-cycle-min", n(1, 99)),
    s("active-defrag-cycle-max", n(1, 99)),
    s("active-defrag-threshold-lower", n(0, 1000)),
    s("active-defrag-threshold-upper", n(0, 1000)),
    s("lfu-log-factor", n(0, INT_MAX)),
    s("lfu-decay-time", n(0, INT_MAX)),
    a("replica-priority", "slave-priority", n(0, INT_MAX)),
    s("repl-diskless-sync-delay", n(0, INT_MAX)),
    s("maxmemory-samples", n(1, INT_MAX)),
    s("maxmemory-eviction-tenacity", n(0, 100)),
    s("timeout", n(0, INT_MAX)),
    a("replica-announce-port", "slave-announce-port", n(0, 65535)),
    s("tcp-backlog", n(0, INT_MAX)),
    s("cluster-port", n(0, 65535)),
    s("cluster-announce-bus-port", n(0, 65535)),
    s("cluster-announce-port", n(0, 65535)),
    s("cluster-announce-tls-port", n(0, 65535)),
    s("repl-timeout", n(1, INT_MAX)),
    a(
        "repl-ping-replica-period",
        "repl-ping-slave-period",
        n(1, INT_MAX),
    ),
    s("list-compress-depth", n(0, INT_MAX)),
    h("rdb-key-save-delay", n(INT_MIN, INT_MAX), "0"),
    h("key-load-delay", n(INT_MIN, INT_MAX), "0"),
    s("active-expire-effort", n(1, 10)),
    s("hz", n(0, INT_MAX)),
    a(
        "min-replicas-to-write",
        "min-slaves-to-write",
        n(0, INT_MAX),
    ),
    a("min-replicas-max-lag", "min-slaves-max-lag", n(0, INT_MAX)),
    h("watchdog-period", n(0, INT_MAX), "0"),
    s("shutdown-timeout", n(0, INT_MAX)),
    s("repl-diskless-sync-max-replicas", n(0, INT_MAX)),
    // Unsigned int configs
    s("maxclients", u(1, UINT_MAX)),
    s(
        "unixsocketperm",
        Kind::Num {
            lo: 0,
            hi: 0o777,
            unsigned: true,
            fmt: NumFmt::Octal,
        },
    ),
    s("socket-mark-id", u(0, UINT_MAX)),
    // Unsigned long configs (bounds checked as signed, like Redis)
    s("active-defrag-max-scan-fields", n(1, LONG_MAX)),
    s("slowlog-max-len", n(0, LONG_MAX)),
    s("acllog-max-len", n(0, LONG_MAX)),
    // Long long configs
    a("busy-reply-threshold", "lua-time-limit", n(0, LONG_MAX)),
    s("cluster-node-timeout", n(0, LONG_MAX)),
    s("slowlog-log-slower-than", n(-1, LONG_MAX)),
    s("latency-monitor-threshold", n(0, LONG_MAX)),
    s("proto-max-bulk-len", mem(1024 * 1024, LONG_MAX, false)),
    s("stream-node-max-entries", n(0, LONG_MAX)),
    s("repl-backlog-size", mem(1, LONG_MAX, false)),
    // Unsigned long long configs
    s("maxmemory", mem(0, ULLONG_MAX, true)),
    s("cluster-link-sendbuf-limit", mem(0, ULLONG_MAX, true)),
    // size_t configs
    a(
        "hash-max-listpack-entries",
        "hash-max-ziplist-entries",
        u(0, LONG_MAX),
    ),
    s("set-max-intset-entries", u(0, LONG_MAX)),
    a(
        "zset-max-listpack-entries",
        "zset-max-ziplist-entries",
        u(0, LONG_MAX),
    ),
    s("active-defrag-ignore-bytes", mem(1, LONG_MAX, true)),
    a(
        "hash-max-listpack-value",
        "hash-max-ziplist-value",
        mem(0, LONG_MAX, true),
    ),
    s("stream-node-max-bytes", mem(0, LONG_MAX, true)),
    a(
        "zset-max-listpack-value",
        "zset-max-ziplist-value",
        mem(0, LONG_MAX, true),
    ),
    s("hll-sparse-max-bytes", mem(0, LONG_MAX, true)),
    s("tracking-table-max-keys", u(0, LONG_MAX)),
    s(
        "client-query-buffer-limit",
        mem(1024 * 1024, LONG_MAX, true),
    ),
    s(
        "maxmemory-clients",
        Kind::Num {
            lo: -100,
            hi: LONG_MAX,
            unsigned: false,
            fmt: NumFmt::MemoryPercent,
        },
    ),
    // time_t / off_t configs
    s("repl-backlog-ttl", n(0, LONG_MAX)),
    s("auto-aof-rewrite-min-size", mem(0, LONG_MAX, false)),
    h(
        "loading-process-events-interval-bytes",
        n(1024, INT_MAX),
        "2097152",
    ),
    // TLS (the Debian build has TLS)
    s("tls-port", n(0, 65535)),
    s("tls-session-cache-size", n(0, INT_MAX)),
    s("tls-session-cache-timeout", n(0, INT_MAX)),
    s("tls-cluster", B),
    s("tls-replication", B),
    s(
        "tls-auth-clients",
        Kind::Enum(&[("no", 0), ("yes", 1), ("optional", 2)]),
    ),
    s("tls-prefer-server-ciphers", B),
    s("tls-session-caching", B),
    s("tls-cert-file", S),
    s("tls-key-file", S),
    s("tls-key-file-pass", S),
    s("tls-client-cert-file", S),
    s("tls-client-key-file", S),
    s("tls-client-key-file-pass", S),
    s("tls-dh-params-file", S),
    s("tls-ca-cert-file", S),
    s("tls-ca-cert-dir", S),
    s("tls-protocols", S),
    s("tls-ciphers", S),
    s("tls-ciphersuites", S),
    // Special configs
    s("dir", Kind::Special(Special::Dir)),
    s("save", Kind::Special(Special::Save)),
    s(
        "client-output-buffer-limit",
        Kind::Special(Special::ClientOutputBufferLimit),
    ),
    s(
        "oom-score-adj-values",
        Kind::Special(Special::OomScoreAdjValues),
    ),
    s(
        "notify-keyspace-events",
        Kind::Special(Special::NotifyKeyspaceEvents),
    ),
    s("bind", Kind::Special(Special::Bind)),
    a("replicaof", "slaveof", Kind::Special(Special::ReplicaOf)),
    s(
        "latency-tracking-info-percentiles",
        Kind::Special(Special::LatencyPercentiles),
    ),
];

/// Directives Redis 7.0 accepts and ignores (`deprecated_configs[]`), with
/// exactly one argument.
pub(crate) const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// `CONFIG GET *` of a default 7.0.15 server.
pub(crate) const DEFAULTS_DATA: &str = include_str!("../data/config-defaults-7.0.txt");
/// `COMMAND LIST` (top-level) of 7.0.15.
pub(crate) const COMMANDS_DATA: &str = include_str!("../data/commands-7.0.txt");

fn data_lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
}

struct Tables {
    by_name: HashMap<&'static str, &'static Spec>,
    defaults: HashMap<&'static str, &'static str>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut by_name = HashMap::new();
        for spec in SPECS {
            by_name.insert(spec.name, spec);
            if let Some(al) = spec.alias {
                by_name.insert(al, spec);
            }
        }
        let mut defaults = HashMap::new();
        for line in data_lines(DEFAULTS_DATA) {
            let (k, v) = line.split_once('\t').unwrap_or((line, ""));
            defaults.insert(k, v);
        }
        Tables { by_name, defaults }
    })
}

/// The spec for a (lower-case) config name or alias.
pub(crate) fn lookup(name: &str) -> Option<&'static Spec> {
    tables().by_name.get(name).copied()
}

/// The built-in default as `CONFIG GET` prints it.
pub(crate) fn default_of(spec: &Spec) -> &'static str {
    if let Some(d) = spec.hidden {
        return d;
    }
    tables().defaults.get(spec.name).copied().unwrap_or("")
}

/// Names listed by `CONFIG GET *` (from the data file).
pub(crate) fn listed_names() -> impl Iterator<Item = &'static str> {
    data_lines(DEFAULTS_DATA).map(|l| l.split_once('\t').map_or(l, |(k, _)| k))
}

pub(crate) fn commands() -> impl Iterator<Item = &'static str> {
    data_lines(COMMANDS_DATA)
}
