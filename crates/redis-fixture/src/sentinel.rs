//! Sentinels monitoring a [`ReplicaSet`].

use std::sync::Arc;
use std::time::Duration;

use crate::node::{Credentials, Node, ServerBuilder, TlsMode};
use crate::replication::{
    ReplAuth, ReplicaSet, ReplicaSetBuilder, ADMIN_PASSWORD, ADMIN_USER, REQUIREPASS,
    SENTINEL_PASSWORD, SENTINEL_USER,
};
use crate::util::poll;
use crate::{Reply, StartError};

/// Name of the monitored master.
pub const MASTER_NAME: &str = "mymaster";

/// Builds N Sentinels (default 3, quorum 2) over a primary with replicas.
///
/// Each Sentinel gets `sentinel monitor MASTER_NAME 127.0.0.1 PORT QUORUM`,
/// `down-after-milliseconds 5000`, and the data nodes' credentials
/// (`sentinel auth-pass` for [`ReplAuth::Password`]; `sentinel auth-user` +
/// `auth-pass` as [`SENTINEL_USER`] for [`ReplAuth::AclUser`]). With
/// [`sentinel_auth`](Self::sentinel_auth) the Sentinels themselves refuse
/// the default user and talk to each other as [`SENTINEL_USER`]
/// (`sentinel sentinel-user` / `sentinel-pass`); the fixture talks to them as
/// [`ADMIN_USER`]. When the data nodes replicate over TLS, the Sentinels get
/// `tls-replication yes`, a TLS port too, and the client certificate.
pub struct SentinelSetBuilder {
    data: ReplicaSetBuilder,
    sentinels: usize,
    quorum: usize,
    sentinel_auth: bool,
    requirepass: Option<String>,
    config: String,
    timeout: Duration,
}

impl Default for SentinelSetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SentinelSetBuilder {
    pub fn new() -> Self {
        SentinelSetBuilder {
            data: ReplicaSetBuilder::new(),
            sentinels: 3,
            quorum: 2,
            sentinel_auth: false,
            requirepass: None,
            config: String::new(),
            timeout: Duration::from_secs(20),
        }
    }
    /// The data nodes (default: `ReplicaSetBuilder::new()`, 2 replicas).
    pub fn data(mut self, b: ReplicaSetBuilder) -> Self {
        self.data = b;
        self
    }
    pub fn sentinels(mut self, n: usize, quorum: usize) -> Self {
        self.sentinels = n;
        self.quorum = quorum;
        self
    }
    /// ACL on the Sentinels (`user default off`) and `sentinel sentinel-user`.
    pub fn sentinel_auth(mut self, on: bool) -> Self {
        self.sentinel_auth = on;
        self
    }
    /// `requirepass PW` on every Sentinel (no ACL users, no
    /// sentinel-pass: Sentinels log in to each other with it); the fixture
    /// logs in with it.
    pub fn sentinel_requirepass(mut self, pw: &str) -> Self {
        self.requirepass = Some(pw.to_string());
        self
    }
    /// Extra config for every Sentinel.
    pub fn config(mut self, text: &str) -> Self {
        self.config.push_str(text);
        self.config.push('\n');
        self
    }
    /// Bound on the wait for discovery (default 20 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn start(self) -> Result<SentinelSet, StartError> {
        let auth = self.data.auth_mode();
        let tls_repl = self.data.tls_replication_on();
        let data = self.data.start()?;
        let primary_port = if tls_repl {
            data.primary.tls_port.unwrap()
        } else {
            data.primary.port.unwrap()
        };
        let m = MASTER_NAME;
        let mut conf = format!(
            "sentinel monitor {m} 127.0.0.1 {primary_port} {}\n\
             sentinel down-after-milliseconds {m} 5000\n\
             sentinel failover-timeout {m} 10000\n",
            self.quorum
        );
        match auth {
            ReplAuth::None => {}
            ReplAuth::Password => conf.push_str(&format!("sentinel auth-pass {m} {REQUIREPASS}\n")),
            ReplAuth::AclUser => conf.push_str(&format!(
                "sentinel auth-user {m} {SENTINEL_USER}\nsentinel auth-pass {m} {SENTINEL_PASSWORD}\n"
            )),
        }
        if self.sentinel_auth {
            conf.push_str(&format!(
                "user default off\n\
                 user {ADMIN_USER} on >{ADMIN_PASSWORD} ~* &* +@all\n\
                 user {SENTINEL_USER} on >{SENTINEL_PASSWORD} allchannels +@all\n\
                 sentinel sentinel-user {SENTINEL_USER}\n\
                 sentinel sentinel-pass {SENTINEL_PASSWORD}\n"
            ));
        }
        if let Some(pw) = &self.requirepass {
            conf.push_str(&format!("requirepass {pw}\n"));
        }
        if tls_repl {
            conf.push_str("tls-replication yes\n");
        }
        conf.push_str(&self.config);
        let mut sentinels = Vec::new();
        for _ in 0..self.sentinels {
            let mut b = ServerBuilder::new().sentinel(true).config(&conf);
            if tls_repl {
                b = b
                    .tls(TlsMode::Both)
                    .tls_material(Arc::clone(data.material.as_ref().unwrap()));
            }
            if self.sentinel_auth {
                b = b.auth(Credentials::user(ADMIN_USER, ADMIN_PASSWORD));
            } else if let Some(pw) = &self.requirepass {
                b = b.auth(Credentials::password(pw));
            }
            sentinels.push(b.start()?);
        }
        let set = SentinelSet {
            sentinels,
            data,
            master_name: MASTER_NAME.to_string(),
        };
        set.wait_discovered(self.timeout)?;
        Ok(set)
    }
}

/// Sentinels and the replica set they monitor; all killed on drop
/// (Sentinels first).
pub struct SentinelSet {
    pub sentinels: Vec<Node>,
    pub data: ReplicaSet,
    pub master_name: String,
}

impl SentinelSet {
    /// `SENTINEL <sub> <master>` on sentinel `i` → number of entries.
    pub fn count(&self, i: usize, sub: &str) -> Result<usize, String> {
        let r = self.sentinels[i]
            .try_conn()
            .and_then(|mut c| c.cmd(&["SENTINEL", sub, &self.master_name]))
            .map_err(|e| e.to_string())?;
        match r {
            Reply::Array(Some(a)) => Ok(a.len()),
            other => Err(format!("SENTINEL {sub}: {other:?}")),
        }
    }

    /// Wait until every Sentinel lists all the others and every replica.
    pub fn wait_discovered(&self, timeout: Duration) -> Result<(), StartError> {
        let want_s = self.sentinels.len() - 1;
        let want_r = self.data.replicas.len();
        poll(timeout, Duration::from_millis(100), || {
            for i in 0..self.sentinels.len() {
                let s = self.count(i, "SENTINELS")?;
                let r = self.count(i, "REPLICAS")?;
                if s != want_s || r != want_r {
                    return Err(format!(
                        "sentinel {i} sees {s}/{want_s} sentinels, {r}/{want_r} replicas"
                    ));
                }
            }
            Ok(())
        })
        .map_err(|e| StartError {
            output: format!(
                "sentinels did not discover each other: {e}\nsentinel 0 log:\n{}",
                self.sentinels[0].log()
            ),
        })
    }
}
