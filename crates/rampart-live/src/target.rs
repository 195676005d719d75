//! redis-cli style targets: `redis://[user[:pass]@]host[:port][/db]`,
//! `rediss://...` (TLS), `host:port`, `[::1]:port`, `host`.

use redis_conf::Secret;
use std::fmt;

/// Where to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

impl Endpoint {
    /// A Unix-domain socket (redis-cli's `-s PATH`): the path is the host,
    /// the port 0.
    pub fn unix(path: &str) -> Endpoint {
        Endpoint {
            host: path.to_string(),
            port: 0,
            tls: false,
        }
    }
    /// Whether this is a Unix-domain socket (its host is an absolute path).
    pub fn is_unix(&self) -> bool {
        self.host.starts_with('/')
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unix() {
            write!(f, "{}", self.host)
        } else if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Who to authenticate as. `Debug` never shows the password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub user: Option<String>,
    pub password: Option<Secret>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A target that cannot be parsed. Never contains the password.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid target {target:?}: {reason}")]
pub struct TargetError {
    pub target: String,
    pub reason: String,
}

/// A parsed target: endpoint, credentials from the URI (if any), and
/// whether a password came from the URI (which is on the command line).
#[derive(Clone, Debug)]
pub struct Target {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
    pub password_in_uri: bool,
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The target with the password removed, for messages: the userinfo's
/// password (`user:***@`) with or without a scheme, and anything after
/// an `@` that is not the host.
pub fn redact(target: &str) -> String {
    let (scheme, rest) = match target.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), target),
    };
    // The userinfo ends at the last '@' before the path.
    let path_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(path_at);
    if let Some((auth, host)) = authority.rsplit_once('@') {
        let user = auth.split(':').next().unwrap_or("");
        let shown = if auth.contains(':') {
            format!("{user}:***")
        } else {
            user.to_string()
        };
        return format!("{scheme}{shown}@{host}{path}");
    }
    // No '@' in the authority: a password may still follow in the path
    // (`host/db?password=...`): keep only the authority.
    if path.contains('@') {
        return format!("{scheme}{authority}/...");
    }
    target.to_string()
}

/// Parse a target; `default_port` applies when none is given.
pub fn parse(target: &str, default_port: u16) -> Result<Target, TargetError> {
    let err = |reason: &str| TargetError {
        target: redact(target),
        reason: reason.to_string(),
    };
    // A Unix-domain socket: `unix:///run/redis/redis.sock`, or the path.
    let unix = target
        .strip_prefix("unix://")
        .or_else(|| target.strip_prefix("unix:"))
        .or_else(|| target.starts_with('/').then_some(target));
    if let Some(rest) = unix {
        // `unix://[user[:password]@]/path[?db=N]`, as redis-py spells it.
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let (auth, path) = match rest.split_once("@/") {
            Some((a, p)) if !a.contains('/') => (Some(a), format!("/{p}")),
            _ => (None, rest.to_string()),
        };
        if !path.starts_with('/') {
            return Err(err("a Unix socket is named by its absolute path"));
        }
        let mut credentials = Credentials::default();
        let mut password_in_uri = false;
        if let Some(a) = auth {
            let (u, p) = match a.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (a, None),
            };
            if !u.is_empty() {
                let u = percent_decode(u)
                    .ok_or_else(|| err("bad percent-encoding in the user name"))?;
                credentials.user = Some(String::from_utf8_lossy(&u).into_owned());
            }
            if let Some(p) = p {
                let p =
                    percent_decode(p).ok_or_else(|| err("bad percent-encoding in the password"))?;
                credentials.password = Some(Secret::new(p));
                password_in_uri = true;
            }
        }
        return Ok(Target {
            endpoint: Endpoint::unix(&path),
            credentials,
            password_in_uri,
        });
    }
    let (tls, rest) = if let Some(r) = target.strip_prefix("rediss://") {
        (true, r)
    } else if let Some(r) = target.strip_prefix("redis://") {
        (false, r)
    } else if target.contains("://") {
        return Err(err("the scheme must be redis://, rediss:// or unix://"));
    } else {
        (false, target)
    };
    let rest = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (auth, hostport) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let mut credentials = Credentials::default();
    let mut password_in_uri = false;
    if let Some(a) = auth {
        let (u, p) = match a.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (a, None),
        };
        if !u.is_empty() {
            let u =
                percent_decode(u).ok_or_else(|| err("bad percent-encoding in the user name"))?;
            credentials.user = Some(String::from_utf8_lossy(&u).into_owned());
        }
        if let Some(p) = p {
            let p = percent_decode(p).ok_or_else(|| err("bad percent-encoding in the password"))?;
            credentials.password = Some(Secret::new(p));
            password_in_uri = true;
        }
    }
    let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
        let (h, after) = h
            .split_once(']')
            .ok_or_else(|| err("unclosed [ in an IPv6 address"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(err("junk after the IPv6 address")),
        };
        (h.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p)),
            Some(_) => {
                return Err(err(
                    "an IPv6 address must be written in brackets: [::1]:6379",
                ))
            }
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(err("no host"));
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| err("the port must be a number from 1 to 65535"))?,
        None => default_port,
    };
    if port == 0 {
        return Err(err("the port must be a number from 1 to 65535"));
    }
    Ok(Target {
        endpoint: Endpoint { host, port, tls },
        credentials,
        password_in_uri,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = parse("redis://alice:s%40cret@db.example:6380/0", 6379)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.endpoint,
            Endpoint {
                host: "db.example".into(),
                port: 6380,
                tls: false
            }
        );
        assert_eq!(t.credentials.user.as_deref(), Some("alice"));
        assert_eq!(
            t.credentials.password.as_ref().map(|p| p.expose().to_vec()),
            Some(b"s@cret".to_vec())
        );
        assert!(t.password_in_uri);
        let t = parse("rediss://[::1]:7000", 6379).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.endpoint,
            Endpoint {
                host: "::1".into(),
                port: 7000,
                tls: true
            }
        );
        let t = parse("10.0.0.1", 6379).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.endpoint.port, 6379);
        assert_eq!(
            parse("127.0.0.1:6390", 6379).map(|t| t.endpoint.port),
            Ok(6390)
        );
        assert!(parse("http://x", 1).is_err());
        assert!(parse("h:99999", 1).is_err());
        assert!(parse("::1:6379", 1).is_err());
    }

    #[test]
    fn errors_and_debug_hide_the_password() {
        let e = parse("redis://bob:hunter2@host:notaport", 6379)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("bob:***"), "{e}");
        for bad in [
            "bob:hunter2@host:badport",
            "bob:hunter2@",
            "http://bob:hunter2@host",
            "bob:hunter2@[::1",
            "bob:hunter2@::1:6379",
            "rediss://bob:hunter2@host:0/1",
        ] {
            let e = parse(bad, 6379)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(!e.is_empty(), "{bad} parsed");
            assert!(!e.contains("hunter2"), "{e}");
        }
        let t = parse("redis://bob:hunter2@host", 6379).unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{t:?}").contains("hunter2"));
    }
}
