//! Typed replies: every server reply rampart reads is parsed here, once,
//! and every caller (the audit's collector, topology discovery, rotation,
//! hardening, the ACL workflows) uses these values instead of splitting
//! text itself.
//!
//! Every parser is total: it takes whatever the server sent (a reply comes
//! from a server rampart does not trust), keeps the fields it does not know,
//! skips what it cannot read and never panics. The sizes are already bounded
//! by the codec ([`crate::resp::Limits`]).
//!
//! | command | parser | value |
//! | --- | --- | --- |
//! | `INFO [section]` | [`Info::parse`] | [`Info`]: sections of `field:value`, [`Info::replicas`], [`Info::master`], [`Info::keyspace`] |
//! | `CLIENT LIST` | [`ClientList::parse`] | [`ClientEntry`]: id, addr, name, user, flags, age, ... |
//! | `CLUSTER NODES` | [`ClusterNodes::parse`] | [`ClusterNode`]: id, addr, cport, flags, master, slots |
//! | `CONFIG GET pattern` | [`config_pairs`], [`config_value`] | `(name, value)` pairs |
//! | `ACL LIST` | [`acl_list`] | the `user ...` lines |
//! | `ACL GETUSER name` | [`acl_getuser`] | [`AclUserReply`]: flags, password hashes |
//! | `SENTINEL MASTERS / REPLICAS / SENTINELS` | [`sentinel_entries`] | [`SentinelEntry`]: name, ip, port, flags, ... |
//!
//! Typical use (rotation's `info_map` + `field`, for instance):
//! ```
//! use rampart_live::reply::Info;
//! let info = Info::parse("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6380\r\n");
//! assert_eq!(info.get("role"), Some("slave"));
//! assert_eq!(info.master(), Some(("10.0.0.1".to_string(), 6380)));
//! ```

use crate::resp::Value;
use std::collections::BTreeMap;

/// A reply that is not of the shape a command gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{command} gave an unexpected reply ({got})")]
pub struct ReplyError {
    pub command: &'static str,
    pub got: &'static str,
}

impl ReplyError {
    /// `command`'s reply `v`, which is not of the shape that command gives.
    pub fn of(command: &'static str, v: &Value) -> ReplyError {
        ReplyError {
            command,
            got: kind(v),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Simple(_) => "a simple string",
        Value::Error(_) => "an error",
        Value::Int(_) => "an integer",
        Value::Bulk(_) => "a bulk string",
        Value::Nil => "nil",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Set(_) => "a set",
        Value::Double(_) => "a double",
        Value::Bool(_) => "a boolean",
        Value::BigNumber(_) => "a big number",
        Value::Push(_) => "a push",
    }
}

/// A port as servers write it: a number from 1 to 65535.
fn port(s: &str) -> Option<u16> {
    s.trim().parse::<u16>().ok().filter(|p| *p != 0)
}

// ---------------------------------------------------------------- INFO

/// An `INFO` reply: its sections in order, each with its `field:value`
/// lines in order. Lines outside any section go to a section named `""`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Info {
    pub sections: Vec<InfoSection>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoSection {
    /// As written after `# ` (`Server`, `Replication`, ...).
    pub name: String,
    pub fields: Vec<(String, String)>,
}

/// One `slaveN:ip=...,port=...,state=...` line of INFO replication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfoReplica {
    /// N of `slaveN`.
    pub index: u32,
    pub ip: String,
    pub port: u16,
    /// `online`, `wait_bgsave`, ... when given.
    pub state: Option<String>,
    /// Every `k=v` of the line, unknown ones too.
    pub fields: Vec<(String, String)>,
}

impl Info {
    /// Parse INFO text. A line is `field:value` (split at the first `:`,
    /// the trailing `\r` dropped); `#` starts a section header; anything
    /// else is skipped.
    pub fn parse(text: &str) -> Info {
        let mut info = Info::default();
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if let Some(h) = line.strip_prefix('#') {
                info.sections.push(InfoSection {
                    name: h.trim().to_string(),
                    fields: Vec::new(),
                });
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if info.sections.is_empty() {
                info.sections.push(InfoSection::default());
            }
            if let Some(s) = info.sections.last_mut() {
                s.fields.push((k.to_string(), v.to_string()));
            }
        }
        info
    }

    /// A field's value; when a field appears twice, the later one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields()
            .filter(|(k, _)| *k == field)
            .last()
            .map(|(_, v)| v)
    }

    /// Every field of every section, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sections
            .iter()
            .flat_map(|s| s.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// A section by name (ASCII case-insensitive: `replication`).
    pub fn section(&self, name: &str) -> Option<&InfoSection> {
        self.sections
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// `field → value` over all sections (later duplicates win): the form
    /// the audit's facts keep.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.fields()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// `role` (`master`, `slave`; Sentinel has none in INFO replication).
    pub fn role(&self) -> Option<&str> {
        self.get("role")
    }

    /// The replicas a master lists (`slaveN:` lines with an ip and a port;
    /// a line without a usable address is skipped).
    pub fn replicas(&self) -> Vec<InfoReplica> {
        let mut out = Vec::new();
        for (k, v) in self.fields() {
            let Some(n) = k.strip_prefix("slave") else {
                continue;
            };
            let Ok(index) = n.parse::<u32>() else {
                continue;
            };
            if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let fields: Vec<(String, String)> = v
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            let get = |f: &str| fields.iter().find(|(a, _)| a == f).map(|(_, b)| b.as_str());
            let (Some(ip), Some(p)) = (get("ip"), get("port").and_then(port)) else {
                continue;
            };
            if ip.is_empty() || ip == "?" {
                continue;
            }
            out.push(InfoReplica {
                index,
                ip: ip.to_string(),
                port: p,
                state: get("state").map(str::to_string),
                fields: fields.clone(),
            });
        }
        out
    }

    /// INFO keyspace: each `dbN:keys=..,expires=..` line's N and its fields.
    pub fn keyspace(&self) -> Vec<(u32, Vec<(String, String)>)> {
        self.fields()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix("db")?;
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                let fields = v
                    .split(',')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect();
                Some((n.parse().ok()?, fields))
            })
            .collect()
    }

    /// A replica's master (`role:slave`, `master_host`, `master_port`).
    pub fn master(&self) -> Option<(String, u16)> {
        if self.role() != Some("slave") {
            return None;
        }
        let h = self
            .get("master_host")
            .filter(|h| !h.is_empty() && *h != "?")?;
        Some((h.to_string(), port(self.get("master_port")?)?))
    }
}

// --------------------------------------------------------- CLIENT LIST

/// A `CLIENT LIST` reply: one entry a line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientList {
    pub entries: Vec<ClientEntry>,
}

/// One client: every `k=v` of its line, in order (unknown fields kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientEntry {
    pub fields: Vec<(String, String)>,
}

impl ClientList {
    /// Parse CLIENT LIST text (blank lines skipped; a word without `=` is
    /// skipped).
    pub fn parse(text: &str) -> ClientList {
        ClientList {
            entries: text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| ClientEntry {
                    fields: l
                        .trim_end_matches('\r')
                        .split(' ')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                })
                .collect(),
        }
    }
}

impl ClientEntry {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }
    pub fn id(&self) -> Option<u64> {
        self.get("id")?.parse().ok()
    }
    /// `ip:port` of the client.
    pub fn addr(&self) -> Option<&str> {
        self.get("addr")
    }
    /// `CLIENT SETNAME`'s name; `""` when none.
    pub fn name(&self) -> &str {
        self.get("name").unwrap_or("")
    }
    /// The ACL user (Redis 6+); `""` when not given.
    pub fn user(&self) -> &str {
        self.get("user").unwrap_or("")
    }
    /// The flag letters (`N`, `S`, `M`, `P`, ...).
    pub fn flags(&self) -> &str {
        self.get("flags").unwrap_or("")
    }
    /// Seconds since the connection opened.
    pub fn age(&self) -> Option<u64> {
        self.get("age")?.parse().ok()
    }
    /// `field → value`: the form the audit's facts keep.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.fields.iter().cloned().collect()
    }
}

// ------------------------------------------------------- CLUSTER NODES

/// A `CLUSTER NODES` reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterNodes {
    pub nodes: Vec<ClusterNode>,
}

/// One line of CLUSTER NODES:
/// `<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link-state> <slot>...`
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterNode {
    pub id: String,
    /// The address as written (empty before the node learnt its own IP).
    pub host: String,
    /// 0 when the line gives none (`noaddr` nodes write `:0@0`).
    pub port: u16,
    pub cport: Option<u16>,
    /// Redis 7 `,hostname` after the address.
    pub hostname: Option<String>,
    /// `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`, `noaddr`,
    /// `nofailover`, `noflags`, ... (unknown ones kept).
    pub flags: Vec<String>,
    /// The master's id for a replica; `None` for `-`.
    pub master: Option<String>,
    pub link_state: String,
    /// Slot ranges and migrating/importing markers, as written.
    pub slots: Vec<String>,
}

impl ClusterNodes {
    /// Parse CLUSTER NODES text; a line with fewer than three words is skipped.
    pub fn parse(text: &str) -> ClusterNodes {
        ClusterNodes {
            nodes: text.lines().filter_map(ClusterNode::parse).collect(),
        }
    }

    /// The node ids, sorted (one cluster, whoever is asked).
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.nodes.iter().map(|n| n.id.clone()).collect();
        ids.sort();
        ids
    }
}

impl ClusterNode {
    pub fn parse(line: &str) -> Option<ClusterNode> {
        let mut w = line.trim_end_matches('\r').split_whitespace();
        let id = w.next()?.to_string();
        let addr = w.next()?;
        let flags: Vec<String> = w
            .next()?
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        let master = w.next().filter(|m| *m != "-").map(str::to_string);
        let _ping_sent = w.next();
        let _pong_recv = w.next();
        let _epoch = w.next();
        let link_state = w.next().unwrap_or("").to_string();
        let slots = w.map(str::to_string).collect();
        let (hp, hostname) = match addr.split_once(',') {
            Some((a, h)) => (a, Some(h.to_string()).filter(|h| !h.is_empty())),
            None => (addr, None),
        };
        let (hp, cport) = match hp.split_once('@') {
            Some((a, c)) => (a, port(c)),
            None => (hp, None),
        };
        let (host, p) = match hp.rsplit_once(':') {
            Some((h, p)) => (
                h.trim_start_matches('[').trim_end_matches(']').to_string(),
                port(p).unwrap_or(0),
            ),
            None => (String::new(), 0),
        };
        Some(ClusterNode {
            id,
            host,
            port: p,
            cport,
            hostname,
            flags,
            master,
            link_state,
            slots,
        })
    }
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }
    pub fn is_myself(&self) -> bool {
        self.has_flag("myself")
    }
    pub fn is_master(&self) -> bool {
        self.has_flag("master")
    }
    /// `noaddr`: no known address for the node.
    pub fn noaddr(&self) -> bool {
        self.has_flag("noaddr")
    }
    /// `handshake`: not yet a member (a MEET in progress, a temporary id).
    pub fn handshake(&self) -> bool {
        self.has_flag("handshake")
    }
    /// `fail` or `fail?`: the node is (thought) down.
    pub fn failing(&self) -> bool {
        self.has_flag("fail") || self.has_flag("fail?")
    }
}

// ---------------------------------------------------------- CONFIG GET

/// `CONFIG GET` pairs, in the server's order (a RESP3 map or a RESP2 flat
/// array; a value that is not a string becomes `""`).
pub fn config_pairs(v: &Value) -> Result<Vec<(String, String)>, ReplyError> {
    v.as_pairs()
        .map(|p| {
            p.into_iter()
                .map(|(k, v)| (k, v.as_text().unwrap_or_default()))
                .collect()
        })
        .ok_or(ReplyError {
            command: "CONFIG GET",
            got: kind(v),
        })
}

/// The value of `name` in a `CONFIG GET name` reply: `Ok(None)` when the
/// server did not list it (an unknown parameter), `Err` when the reply is
/// not CONFIG GET-shaped.
pub fn config_lookup(v: &Value, name: &str) -> Result<Option<String>, ReplyError> {
    Ok(config_pairs(v)?
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v))
}

/// [`config_lookup`], a reply of another shape read as not listed.
pub fn config_value(v: &Value, name: &str) -> Option<String> {
    config_lookup(v, name).ok().flatten()
}

// ------------------------------------------------------------- ACL LIST

/// The lines of an `ACL LIST` reply (`user <name> <rules...>`).
pub fn acl_list(v: &Value) -> Result<Vec<String>, ReplyError> {
    v.as_list()
        .map(|l| l.iter().filter_map(Value::as_text).collect())
        .ok_or(ReplyError {
            command: "ACL LIST",
            got: kind(v),
        })
}

/// An `ACL GETUSER` reply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AclUserReply {
    /// `on`/`off`, `nopass`, `allkeys`, ... as the server lists them.
    pub flags: Vec<String>,
    /// The SHA-256 hex of each password (what Redis stores).
    pub passwords: Vec<String>,
    /// Every field (`commands`, `keys`, `channels`, `selectors`, ...).
    pub fields: Vec<(String, Value)>,
}

impl AclUserReply {
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }
    pub fn enabled(&self) -> bool {
        self.has_flag("on")
    }
    pub fn nopass(&self) -> bool {
        self.has_flag("nopass")
    }
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// Parse `ACL GETUSER`: `Ok(None)` when there is no such user (nil).
pub fn acl_getuser(v: &Value) -> Result<Option<AclUserReply>, ReplyError> {
    if *v == Value::Nil {
        return Ok(None);
    }
    let pairs = v.as_pairs().ok_or(ReplyError {
        command: "ACL GETUSER",
        got: kind(v),
    })?;
    let strings = |v: &Value| -> Vec<String> {
        v.as_list()
            .map(|l| l.iter().filter_map(Value::as_text).collect())
            .unwrap_or_default()
    };
    let mut u = AclUserReply::default();
    for (k, v) in pairs {
        match k.as_str() {
            "flags" => u.flags = strings(v),
            "passwords" => u.passwords = strings(v),
            _ => {}
        }
        u.fields.push((k, v.clone()));
    }
    Ok(Some(u))
}

// ------------------------------------------------------------ SENTINEL

/// The name a Sentinel gives its command link to a master, a replica or
/// another Sentinel (`CLIENT SETNAME sentinel-<first 8 of its id>-cmd`),
/// as CLIENT LIST shows it.
pub fn sentinel_link_name(runid: &str) -> String {
    format!("sentinel-{}-cmd", runid.get(..8).unwrap_or(runid))
}

/// One entry of `SENTINEL MASTERS`, `SENTINEL REPLICAS <name>` or
/// `SENTINEL SENTINELS <name>`: its field/value pairs (unknown ones kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SentinelEntry {
    pub fields: Vec<(String, String)>,
}

impl SentinelEntry {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }
    /// The master's name (SENTINEL MASTERS), or the entry's `name` field
    /// (for replicas and Sentinels, `ip:port` or a run id).
    pub fn name(&self) -> Option<&str> {
        self.get("name")
    }
    pub fn ip(&self) -> Option<&str> {
        self.get("ip").filter(|h| !h.is_empty() && *h != "?")
    }
    pub fn port(&self) -> Option<u16> {
        port(self.get("port")?)
    }
    /// `ip` and `port`, when both are usable.
    pub fn addr(&self) -> Option<(String, u16)> {
        Some((self.ip()?.to_string(), self.port()?))
    }
    /// `master`, `slave`, `sentinel`, `s_down`, `o_down`, `disconnected`, ...
    pub fn flags(&self) -> Vec<&str> {
        self.get("flags")
            .map(|f| f.split(',').filter(|x| !x.is_empty()).collect())
            .unwrap_or_default()
    }
    pub fn run_id(&self) -> Option<&str> {
        self.get("runid")
    }
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.fields.iter().cloned().collect()
    }
}

/// The entries of a SENTINEL MASTERS / REPLICAS / SENTINELS reply, or of
/// MODULE LIST (`command` names it in the error): an array of RESP3 maps
/// or RESP2 flat arrays. A reply that is not an array, or an entry that is
/// not a map, is an error: never read as "no masters". A field whose value
/// is an array (MODULE LIST's `args`) is its strings joined by spaces
/// (`""` for none); of another shape, `""`.
pub fn sentinel_entries(
    command: &'static str,
    v: &Value,
) -> Result<Vec<SentinelEntry>, ReplyError> {
    let list = v.as_list().ok_or_else(|| ReplyError::of(command, v))?;
    list.iter()
        .map(|e| {
            let pairs = e.as_pairs().ok_or_else(|| ReplyError::of(command, e))?;
            Ok(SentinelEntry {
                fields: pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let text = v.as_text().or_else(|| {
                            v.as_list().map(|l| {
                                l.iter()
                                    .filter_map(Value::as_text)
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                        });
                        (k, text.unwrap_or_default())
                    })
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn info_sections_fields_replicas_master() {
        let text = "# Server\r\nredis_version:7.0.15\r\nweird line\r\n\r\n# Replication\r\nrole:master\r\nslave0:ip=127.0.0.1,port=7001,state=online,offset=1,lag=0\r\nslave1:ip=?,port=0\r\nslavex:ip=1.2.3.4,port=1\r\nslave_read_only:1\r\n";
        let i = Info::parse(text);
        assert_eq!(i.get("redis_version"), Some("7.0.15"));
        assert_eq!(i.section("replication").unwrap().fields.len(), 5);
        let r = i.replicas();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].ip.as_str(), r[0].port), ("127.0.0.1", 7001));
        assert_eq!(r[0].state.as_deref(), Some("online"));
        assert_eq!(i.master(), None);
        let i = Info::parse("role:slave\nmaster_host:h\nmaster_port:70000\n");
        assert_eq!(i.master(), None, "a port out of range is no address");
        assert_eq!(i.to_map().len(), 3);
        let k = Info::parse("# Keyspace\r\ndb0:keys=3,expires=0\r\ndb12:keys=1\r\ndbx:keys=1\r\n");
        let dbs: Vec<u32> = k.keyspace().into_iter().map(|(n, _)| n).collect();
        assert_eq!(dbs, [0, 12]);
    }

    #[test]
    fn client_list() {
        let l = ClientList::parse("id=3 addr=127.0.0.1:5 name=sentinel-ab-cmd user=u age=9 flags=N cmd=client|list x=a=b\n\nid=x\n");
        assert_eq!(l.entries.len(), 2);
        let e = &l.entries[0];
        assert_eq!(e.id(), Some(3));
        assert_eq!(e.name(), "sentinel-ab-cmd");
        assert_eq!(e.user(), "u");
        assert_eq!(e.age(), Some(9));
        assert_eq!(e.get("x"), Some("a=b"));
        assert_eq!(l.entries[1].id(), None);
    }

    #[test]
    fn cluster_nodes() {
        let text = "a1 127.0.0.1:7000@17000,host-a myself,master - 0 0 1 connected 0-5460\n\
                    b2 :0@0 master,noaddr - 0 0 0 disconnected\n\
                    c3 [::1]:7002@17002 slave,fail a1 0 0 1 connected\n\
                    d4 10.0.0.9:7003@17003 handshake - 0 0 0 connected\n\
                    short line\n";
        let c = ClusterNodes::parse(text);
        assert_eq!(c.nodes.len(), 4, "a line of two words is skipped");
        let a = &c.nodes[0];
        assert_eq!(
            (a.host.as_str(), a.port, a.cport),
            ("127.0.0.1", 7000, Some(17000))
        );
        assert_eq!(a.hostname.as_deref(), Some("host-a"));
        assert!(a.is_myself() && a.is_master());
        assert_eq!(a.slots, ["0-5460"]);
        assert!(c.nodes[1].noaddr());
        assert_eq!(c.nodes[1].port, 0);
        assert_eq!(c.nodes[2].host, "::1");
        assert!(c.nodes[2].failing());
        assert_eq!(c.nodes[2].master.as_deref(), Some("a1"));
        assert!(c.nodes[3].handshake());
        assert_eq!(c.ids()[0], "a1");
    }

    #[test]
    fn config_acl_sentinel() {
        let b = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        let v = Value::Array(vec![b("port"), b("7000"), b("bind"), Value::Nil]);
        assert_eq!(config_value(&v, "PORT").as_deref(), Some("7000"));
        assert_eq!(config_pairs(&v).unwrap()[1].1, "");
        assert!(config_pairs(&Value::Int(1)).is_err());
        assert_eq!(
            acl_list(&Value::Array(vec![b("user default on")]))
                .unwrap()
                .len(),
            1
        );
        let u = Value::Map(vec![
            (b("flags"), Value::Array(vec![b("on"), b("nopass")])),
            (b("passwords"), Value::Array(vec![])),
            (b("selectors"), Value::Array(vec![])),
        ]);
        let u = acl_getuser(&u).unwrap().unwrap();
        assert!(u.enabled() && u.nopass());
        assert!(u.field("selectors").is_some());
        assert_eq!(acl_getuser(&Value::Nil), Ok(None));
        let s = Value::Array(vec![Value::Array(vec![
            b("name"),
            b("m"),
            b("ip"),
            b("127.0.0.1"),
            b("port"),
            b("6379"),
            b("flags"),
            b("master,s_down"),
        ])]);
        let e = sentinel_entries("SENTINEL MASTERS", &s).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].addr(), Some(("127.0.0.1".into(), 6379)));
        assert_eq!(e[0].flags(), ["master", "s_down"]);
        // An entry or a reply of another shape is an error, not "none".
        let odd = Value::Array(vec![Value::Array(vec![b("name"), b("m")]), Value::Int(3)]);
        let e = sentinel_entries("SENTINEL MASTERS", &odd).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SENTINEL MASTERS gave an unexpected reply (an integer)"
        );
        assert!(sentinel_entries("SENTINEL MASTERS", &b("x")).is_err());
    }

    /// Arbitrary bytes: never a panic (a cheap stand-in for a fuzz run).
    #[test]
    fn garbage_never_panics() {
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let alphabet = b"ab:=,@ []#\r\n0123456789-?slave";
        for _ in 0..2000 {
            let len = (seed % 64) as usize;
            let mut s = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize] as char);
            }
            let i = Info::parse(&s);
            let _ = (i.replicas(), i.master(), i.to_map());
            let _ = ClientList::parse(&s);
            let _ = ClusterNodes::parse(&s);
        }
    }
}
