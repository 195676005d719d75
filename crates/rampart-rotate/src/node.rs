//! How rotation talks to a node: a small [`Node`] trait (one command, one
//! reply) and a [`Connector`] that opens a logged-in one for an endpoint.
//! [`LiveConnector`] is the real one over `rampart_live::Connection`; the
//! offline tests plug in an in-memory cluster. The reply readers below
//! (INFO, CONFIG GET, ACL GETUSER, CLIENT LIST) parse each reply once.

use crate::error::{Error, ReplyError, Result};
use rampart_live::{reply, ConnectOptions, Connection, Credentials, Endpoint, LiveError, Value};

/// One logged-in connection to a node.
pub trait Node {
    /// Send a command whose arguments are text.
    fn cmd(&mut self, args: &[&str]) -> Result<Value, LiveError>;
    /// Send a command with binary arguments (a password).
    fn cmd_bytes(&mut self, args: &[&[u8]]) -> Result<Value, LiveError>;
    /// `host:port`, for messages.
    fn name(&self) -> String;
}

/// Opens a connection to an endpoint and logs in with `creds` (no
/// password: no AUTH). A refused login is an error.
pub trait Connector {
    fn open(&self, ep: &Endpoint, creds: &Credentials) -> Result<Box<dyn Node>, LiveError>;
}

impl Node for Connection {
    fn cmd(&mut self, args: &[&str]) -> Result<Value, LiveError> {
        Connection::cmd(self, args)
    }
    fn cmd_bytes(&mut self, args: &[&[u8]]) -> Result<Value, LiveError> {
        Connection::cmd_bytes(self, args)
    }
    fn name(&self) -> String {
        self.endpoint().to_string()
    }
}

/// The real servers: `HELLO 3 [AUTH ..]` (RESP2 fallback) over
/// `rampart_live`, with its caps and deadlines.
pub struct LiveConnector {
    pub opts: ConnectOptions,
}

impl Connector for LiveConnector {
    fn open(&self, ep: &Endpoint, creds: &Credentials) -> Result<Box<dyn Node>, LiveError> {
        let mut c = Connection::connect(ep, &self.opts)?;
        c.hello(creds)?;
        Ok(Box::new(c))
    }
}

pub use rampart_live::reply::sentinel_link_name;

/// The runid prefix of a Sentinel's link name (`sentinel-<8 hex>-cmd` or
/// `-pubsub`); `None` for any other name (a name is what a client chose).
pub(crate) fn sentinel_link_prefix(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("sentinel-")?;
    let (prefix, kind) = rest.split_once('-')?;
    let hex = prefix.len() == 8 && prefix.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && matches!(kind, "cmd" | "pubsub")).then_some(prefix)
}

pub(crate) fn expect_ok(v: Value, what: &str, node: &str) -> Result<Value, ReplyError> {
    if let Some(e) = v.as_error() {
        return Err(ReplyError {
            node: node.to_string(),
            command: what.to_string(),
            message: e.lines().next().unwrap_or("").to_string(),
        });
    }
    Ok(v)
}

/// A reply of a shape `command` does not give: the rotation stops (a write
/// workflow never reads it as empty: an unset masterauth, no Sentinels).
fn unexpected(v: &Value, command: &'static str, node: &str) -> Error {
    Error::UnexpectedReply {
        node: node.to_string(),
        command,
        source: reply::ReplyError::of(command, v),
    }
}

/// `command`'s reply as text (an error reply or another shape: an error).
pub(crate) fn expect_text(v: Value, command: &'static str, node: &str) -> Result<String> {
    let v = expect_ok(v, command, node)?;
    v.as_text().ok_or_else(|| unexpected(&v, command, node))
}

/// `command`'s reply as a list (an error reply or another shape: an error).
pub(crate) fn expect_list(v: Value, command: &'static str, node: &str) -> Result<Vec<Value>> {
    match expect_ok(v, command, node)? {
        Value::Array(items) | Value::Set(items) | Value::Push(items) => Ok(items),
        other => Err(unexpected(&other, command, node)),
    }
}

/// `INFO section` as (field, value) pairs, read by the one INFO parser
/// (`rampart_live::reply::Info`).
pub(crate) fn info_map(c: &mut dyn Node, section: &str) -> Result<Vec<(String, String)>> {
    let v = c.cmd(&["INFO", section])?;
    let ep = c.name();
    let text = expect_text(v, "INFO", &ep)?;
    Ok(reply::Info::parse(&text)
        .fields()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

pub(crate) fn field<'a>(m: &'a [(String, String)], k: &str) -> Option<&'a str> {
    m.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

/// `CONFIG GET name`: its value, `""` when the server does not list it
/// (unset or unknown there); a reply of another shape is an error.
pub(crate) fn config_get(c: &mut dyn Node, name: &str) -> Result<String> {
    let ep = c.name();
    let v = expect_ok(c.cmd(&["CONFIG", "GET", name])?, "CONFIG GET", &ep)?;
    value_of(&v, name, "CONFIG GET", &ep)
}

/// The value of `name` in a CONFIG GET-shaped reply (`""`: not listed).
fn value_of(v: &Value, name: &str, command: &'static str, node: &str) -> Result<String> {
    Ok(reply::config_lookup(v, name)
        .map_err(|_| unexpected(v, command, node))?
        .unwrap_or_default())
}

/// The password hashes of `user` on this node (`ACL GETUSER`).
pub(crate) fn user_hashes(c: &mut dyn Node, user: &str) -> Result<Vec<String>> {
    let ep = c.name();
    let v = expect_ok(c.cmd(&["ACL", "GETUSER", user])?, "ACL GETUSER", &ep)?;
    let u = reply::acl_getuser(&v).map_err(|source| Error::UnexpectedReply {
        node: ep.clone(),
        command: "ACL GETUSER",
        source,
    })?;
    let Some(u) = u else {
        return Err(Error::Request(format!(
            "{ep}: there is no ACL user {user:?} on this node"
        )));
    };
    if u.nopass() {
        return Err(Error::Unsafe(format!("{ep}: user {user:?} is nopass: adding a password would lock out its clients at once (give it a password first)")));
    }
    Ok(u.passwords)
}

/// A map reply (a SENTINEL MASTER entry, SENTINEL CONFIG GET) as text
/// pairs: through the one CONFIG GET-shaped reader; another shape is an error.
pub(crate) fn pairs_text(
    v: &Value,
    command: &'static str,
    node: &str,
) -> Result<Vec<(String, String)>> {
    reply::config_pairs(v).map_err(|_| unexpected(v, command, node))
}

/// `SENTINEL CONFIG GET name` (empty when unset).
pub(crate) fn sentinel_config_get(c: &mut dyn Node, name: &str) -> Result<String> {
    let ep = c.name();
    let v = expect_ok(
        c.cmd(&["SENTINEL", "CONFIG", "GET", name])?,
        "SENTINEL CONFIG GET",
        &ep,
    )?;
    value_of(&v, name, "SENTINEL CONFIG GET", &ep)
}

/// One connection in a CLIENT LIST.
pub(crate) struct Client {
    pub name: String,
    pub user: String,
    pub age: u64,
    /// `addr=`: the client's ip:port.
    pub addr: String,
}

/// The connections in `c`'s CLIENT LIST: name, user, age, address (the
/// one CLIENT LIST parser, `rampart_live::reply::ClientList`).
pub(crate) fn clients(c: &mut dyn Node) -> Result<Vec<Client>> {
    let ep = c.name();
    let list = expect_text(c.cmd(&["CLIENT", "LIST"])?, "CLIENT LIST", &ep)?;
    Ok(reply::ClientList::parse(&list)
        .entries
        .iter()
        .map(|e| Client {
            name: e.name().to_string(),
            user: e.user().to_string(),
            age: e.age().unwrap_or(u64::MAX),
            addr: e.addr().unwrap_or("").to_string(),
        })
        .collect())
}

/// The names of the connections in `c`'s CLIENT LIST, with their user and
/// age in seconds.
pub(crate) fn client_names(c: &mut dyn Node) -> Result<Vec<(String, String, u64)>> {
    Ok(clients(c)?
        .into_iter()
        .map(|k| (k.name, k.user, k.age))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sentinel_link_names_give_a_runid_prefix() {
        assert_eq!(
            sentinel_link_prefix("sentinel-1a2b3c4d-cmd"),
            Some("1a2b3c4d")
        );
        assert_eq!(
            sentinel_link_prefix("sentinel-1a2b3c4d-pubsub"),
            Some("1a2b3c4d")
        );
        for other in [
            "",
            "sentinel-",
            "sentinel-1a2b3c4d",
            "sentinel-1a2b3c4-cmd",
            "sentinel-1a2b3c4dX-cmd",
            "sentinel-zzzzzzzz-cmd",
            "sentinel-1a2b3c4d-other",
            "app-sentinel-1a2b3c4d-cmd",
        ] {
            assert_eq!(sentinel_link_prefix(other), None, "{other:?}");
        }
        assert_eq!(sentinel_link_name("1a2b3c4d5e6f"), "sentinel-1a2b3c4d-cmd");
    }
}
