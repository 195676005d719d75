//! A primary with replicas, optionally authenticated and over TLS.

use std::sync::Arc;
use std::time::Duration;

use crate::node::{Credentials, Node, ServerBuilder, TlsMode};
use crate::tls::TlsMaterial;
use crate::util::{info_field, poll};
use crate::StartError;

/// Administrator account of authenticated topologies (`~* &* +@all`).
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-test-password-7f3c9a1e";
/// Replication account (`masteruser`): `+psync +replconf +ping`.
pub const REPL_USER: &str = "replicator";
pub const REPL_PASSWORD: &str = "repl-test-password-52d0b6e4";
/// Account Sentinel uses on the data nodes (`sentinel auth-user`), with the
/// permissions the Sentinel documentation lists.
pub const SENTINEL_USER: &str = "sentinel";
pub const SENTINEL_PASSWORD: &str = "sentinel-test-password-c81e4f27";
/// `requirepass` / `masterauth` of [`ReplAuth::Password`].
pub const REQUIREPASS: &str = "requirepass-test-password-9b2d";

/// How data nodes authenticate clients and each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReplAuth {
    /// Default user `nopass`; no `masterauth`.
    #[default]
    None,
    /// `requirepass REQUIREPASS` on every node, `masterauth` on replicas.
    Password,
    /// ACL users on every node: `default` off, [`ADMIN_USER`],
    /// [`REPL_USER`] and [`SENTINEL_USER`]; replicas use `masteruser` /
    /// `masterauth`.
    AclUser,
}

impl ReplAuth {
    /// Config lines every data node gets.
    pub fn server_config(self) -> String {
        match self {
            ReplAuth::None => String::new(),
            ReplAuth::Password => format!("requirepass {REQUIREPASS}\nmasterauth {REQUIREPASS}\n"),
            ReplAuth::AclUser => format!(
                "user default off\n\
                 user {ADMIN_USER} on >{ADMIN_PASSWORD} ~* &* +@all\n\
                 user {REPL_USER} on >{REPL_PASSWORD} +psync +replconf +ping\n\
                 user {SENTINEL_USER} on >{SENTINEL_PASSWORD} allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill\n\
                 masteruser {REPL_USER}\nmasterauth {REPL_PASSWORD}\n"
            ),
        }
    }

    /// What the fixture authenticates with on data nodes.
    pub fn admin(self) -> Option<Credentials> {
        match self {
            ReplAuth::None => None,
            ReplAuth::Password => Some(Credentials::password(REQUIREPASS)),
            ReplAuth::AclUser => Some(Credentials::user(ADMIN_USER, ADMIN_PASSWORD)),
        }
    }
}

/// Builds a primary and N replicas (default 2).
pub struct ReplicaSetBuilder {
    replicas: usize,
    auth: ReplAuth,
    tls: TlsMode,
    tls_replication: bool,
    config: String,
    material: Option<Arc<TlsMaterial>>,
    timeout: Duration,
    valkey: bool,
}

impl Default for ReplicaSetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplicaSetBuilder {
    pub fn new() -> Self {
        ReplicaSetBuilder {
            replicas: 2,
            auth: ReplAuth::None,
            tls: TlsMode::Off,
            tls_replication: false,
            config: String::new(),
            material: None,
            timeout: Duration::from_secs(20),
            valkey: false,
        }
    }
    /// Every node runs valkey-server (see [`crate::valkey_server_bin`]).
    pub fn valkey(mut self, on: bool) -> Self {
        self.valkey = on;
        self
    }
    pub fn replicas(mut self, n: usize) -> Self {
        self.replicas = n;
        self
    }
    pub fn auth(mut self, auth: ReplAuth) -> Self {
        self.auth = auth;
        self
    }
    /// Listeners of every node (default plaintext only).
    pub fn tls(mut self, mode: TlsMode) -> Self {
        self.tls = mode;
        self
    }
    /// `tls-replication yes`: replicas connect to the primary's TLS port
    /// (with the client certificate). Turns TLS on ([`TlsMode::Both`]) if
    /// [`tls`](Self::tls) left it off.
    pub fn tls_replication(mut self, on: bool) -> Self {
        self.tls_replication = on;
        self
    }
    pub fn tls_material(mut self, m: Arc<TlsMaterial>) -> Self {
        self.material = Some(m);
        self
    }
    /// Extra config for every node.
    pub fn config(mut self, text: &str) -> Self {
        self.config.push_str(text);
        self.config.push('\n');
        self
    }
    /// Bound on the wait for `master_link_status:up` (default 20 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub(crate) fn auth_mode(&self) -> ReplAuth {
        self.auth
    }

    pub(crate) fn tls_replication_on(&self) -> bool {
        self.tls_replication
    }

    pub fn start(self) -> Result<ReplicaSet, StartError> {
        let mut tls = self.tls;
        if self.tls_replication && tls == TlsMode::Off {
            tls = TlsMode::Both;
        }
        if !self.tls_replication && !tls.has_plaintext() {
            return Err(StartError {
                output: format!(
                    "{tls:?} has no plaintext port: replication needs tls_replication(true)"
                ),
            });
        }
        let material = match (&self.material, tls.has_tls()) {
            (Some(m), _) => Some(m.clone()),
            (None, true) => Some(Arc::new(TlsMaterial::generate()?)),
            (None, false) => None,
        };
        let node = |extra: &str| {
            let mut b = ServerBuilder::new()
                .tls(tls)
                // replicas sync at once instead of waiting 5 s for others
                .config("repl-diskless-sync-delay 0\nrepl-ping-replica-period 1")
                .config(&self.auth.server_config())
                .config(&self.config)
                .config(extra);
            if self.tls_replication {
                b = b.config("tls-replication yes");
            }
            if let Some(m) = &material {
                b = b.tls_material(m.clone());
            }
            if let Some(a) = self.auth.admin() {
                b = b.auth(a);
            }
            if self.valkey {
                b = b.valkey();
            }
            b.start()
        };
        let primary = node("")?;
        let target = if self.tls_replication {
            primary.tls_port.unwrap()
        } else {
            primary.port.unwrap()
        };
        let mut replicas = Vec::new();
        for _ in 0..self.replicas {
            replicas.push(node(&format!("replicaof 127.0.0.1 {target}"))?);
        }
        let set = ReplicaSet {
            replicas,
            primary,
            material,
            auth: self.auth,
        };
        set.wait_linked(self.timeout)?;
        Ok(set)
    }
}

/// A primary and its replicas; every process is killed on drop.
pub struct ReplicaSet {
    pub replicas: Vec<Node>,
    pub primary: Node,
    pub material: Option<Arc<TlsMaterial>>,
    pub auth: ReplAuth,
}

impl ReplicaSet {
    /// Wait until every replica reports `master_link_status:up` and the
    /// primary counts them all in `connected_slaves`.
    pub fn wait_linked(&self, timeout: Duration) -> Result<(), StartError> {
        poll(timeout, Duration::from_millis(50), || {
            for (i, r) in self.replicas.iter().enumerate() {
                let info = r.try_info("replication")?;
                if info_field(&info, "master_link_status") != Some("up") {
                    return Err(format!("replica {i} ({}): {info}", r.addr()));
                }
            }
            let info = self.primary.try_info("replication")?;
            let n = info_field(&info, "connected_slaves").unwrap_or("0");
            if n != self.replicas.len().to_string() {
                return Err(format!("primary: {info}"));
            }
            Ok(())
        })
        .map_err(|e| StartError {
            output: format!(
                "replication not up: {e}\nprimary log:\n{}\nreplica 0 log:\n{}",
                self.primary.log(),
                self.replicas.first().map(|r| r.log()).unwrap_or_default()
            ),
        })
    }

    /// Primary then replicas.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        std::iter::once(&self.primary).chain(self.replicas.iter())
    }
}
