//! A Redis Cluster: N masters with M replicas each, created with
//! `redis-cli --cluster create`.

use std::sync::Arc;
use std::time::Duration;

use crate::node::{redis_cli, Node, ServerBuilder, TlsMode};
use crate::replication::ReplAuth;
use crate::tls::TlsMaterial;
use crate::util::{info_field, poll};
use crate::{Reply, StartError};

/// Builds a cluster (default 3 masters × 1 replica).
///
/// Every node has `cluster-enabled yes`, an explicit free `cluster-port`
/// (so the bus port is free too, not port+10000), `cluster-node-timeout
/// 5000`. With [`tls_cluster`](Self::tls_cluster) the bus and replication
/// use TLS (`tls-cluster yes`, `tls-replication yes`) and the cluster is
/// created over the TLS ports.
pub struct ClusterBuilder {
    masters: usize,
    replicas: usize,
    tls: TlsMode,
    tls_cluster: bool,
    auth: ReplAuth,
    config: String,
    material: Option<Arc<TlsMaterial>>,
    timeout: Duration,
}

impl Default for ClusterBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClusterBuilder {
    pub fn new() -> Self {
        ClusterBuilder {
            masters: 3,
            replicas: 1,
            tls: TlsMode::Off,
            tls_cluster: false,
            auth: ReplAuth::None,
            config: String::new(),
            material: None,
            timeout: Duration::from_secs(30),
        }
    }
    /// `masters` (at least 3) and replicas per master.
    pub fn shape(mut self, masters: usize, replicas_per_master: usize) -> Self {
        self.masters = masters;
        self.replicas = replicas_per_master;
        self
    }
    pub fn tls(mut self, mode: TlsMode) -> Self {
        self.tls = mode;
        self
    }
    /// `tls-cluster yes` + `tls-replication yes`; turns TLS on
    /// ([`TlsMode::Both`]) if [`tls`](Self::tls) left it off.
    pub fn tls_cluster(mut self, on: bool) -> Self {
        self.tls_cluster = on;
        self
    }
    pub fn auth(mut self, auth: ReplAuth) -> Self {
        self.auth = auth;
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
    /// Bound on creation plus the wait for `cluster_state:ok` (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn start(self) -> Result<Cluster, StartError> {
        let err = |output: String| StartError { output };
        let mut tls = self.tls;
        if self.tls_cluster && tls == TlsMode::Off {
            tls = TlsMode::Both;
        }
        if !self.tls_cluster && !tls.has_plaintext() {
            return Err(err(format!(
                "{tls:?} has no plaintext port: the cluster bus needs tls_cluster(true)"
            )));
        }
        let material = match (&self.material, tls.has_tls()) {
            (Some(m), _) => Some(m.clone()),
            (None, true) => Some(Arc::new(TlsMaterial::generate()?)),
            (None, false) => None,
        };
        let total = self.masters * (1 + self.replicas);
        let mut nodes = Vec::with_capacity(total);
        for _ in 0..total {
            let mut b = ServerBuilder::new()
                .cluster(true)
                .tls(tls)
                .config("repl-diskless-sync-delay 0\nrepl-ping-replica-period 1")
                .config(&self.auth.server_config())
                .config(&self.config);
            if self.tls_cluster {
                b = b.config("tls-cluster yes\ntls-replication yes");
            }
            if let Some(m) = &material {
                b = b.tls_material(m.clone());
            }
            if let Some(a) = self.auth.admin() {
                b = b.auth(a);
            }
            nodes.push(b.start()?);
        }
        let cluster = Cluster {
            nodes,
            material,
            tls_cluster: self.tls_cluster,
        };

        let mut args = Vec::new();
        let first = &cluster.nodes[0];
        if self.tls_cluster {
            args.extend(first.tls().cli_args(true));
        }
        if let Some(crate::Credentials { user: Some(u), .. }) = first.credentials() {
            args.extend(["--user".to_string(), u.clone()]);
        }
        args.extend(["--cluster".to_string(), "create".to_string()]);
        args.extend(cluster.nodes.iter().map(|n| cluster.addr_of(n)));
        args.extend([
            "--cluster-replicas".to_string(),
            self.replicas.to_string(),
            "--cluster-yes".to_string(),
        ]);
        let out = redis_cli(&args, first.credentials().map(|c| c.password.as_str()));
        if !out.success || !out.stdout.contains("[OK] All 16384 slots covered") {
            return Err(err(format!(
                "redis-cli {}\n{}\nnode 0 log:\n{}",
                args.join(" "),
                out.all(),
                first.log()
            )));
        }
        cluster.wait_ok(self.timeout)?;
        Ok(cluster)
    }
}

/// Cluster nodes; all killed on drop.
pub struct Cluster {
    /// In creation order; `redis-cli` made the first `masters` of them
    /// masters, but use [`Cluster::masters`] / [`Cluster::replicas`], which
    /// ask the nodes.
    pub nodes: Vec<Node>,
    pub material: Option<Arc<TlsMaterial>>,
    pub tls_cluster: bool,
}

impl Cluster {
    /// The address the cluster knows a node by (its TLS port with
    /// `tls-cluster yes`).
    pub fn addr_of(&self, n: &Node) -> String {
        let port = if self.tls_cluster {
            n.tls_port.unwrap()
        } else {
            n.port.unwrap()
        };
        format!("127.0.0.1:{port}")
    }

    /// `CLUSTER INFO` text of one node.
    pub fn cluster_info(n: &Node) -> Result<String, String> {
        let r = n
            .try_conn()
            .and_then(|mut c| c.cmd(&["CLUSTER", "INFO"]))
            .map_err(|e| e.to_string())?;
        match r {
            Reply::Bulk(Some(_)) => Ok(r.text()),
            other => Err(format!("CLUSTER INFO: {other:?}")),
        }
    }

    fn role(n: &Node) -> Result<String, String> {
        let info = n.try_info("replication")?;
        Ok(info_field(&info, "role").unwrap_or("").to_string())
    }

    pub fn masters(&self) -> Vec<&Node> {
        self.nodes
            .iter()
            .filter(|n| Self::role(n).as_deref() == Ok("master"))
            .collect()
    }

    pub fn replicas(&self) -> Vec<&Node> {
        self.nodes
            .iter()
            .filter(|n| Self::role(n).as_deref() == Ok("slave"))
            .collect()
    }

    /// Wait until every node reports `cluster_state:ok` and knows all
    /// nodes, and every replica's link to its master is up.
    pub fn wait_ok(&self, timeout: Duration) -> Result<(), StartError> {
        let want = self.nodes.len().to_string();
        poll(timeout, Duration::from_millis(50), || {
            for (i, n) in self.nodes.iter().enumerate() {
                let info = Self::cluster_info(n)?;
                if info_field(&info, "cluster_state") != Some("ok")
                    || info_field(&info, "cluster_known_nodes") != Some(want.as_str())
                {
                    return Err(format!("node {i} ({}): {info}", n.addr()));
                }
                let repl = n.try_info("replication")?;
                if info_field(&repl, "role") == Some("slave")
                    && info_field(&repl, "master_link_status") != Some("up")
                {
                    return Err(format!("node {i} ({}): {repl}", n.addr()));
                }
            }
            Ok(())
        })
        .map_err(|e| StartError {
            output: format!("cluster not ok: {e}\nnode 0 log:\n{}", self.nodes[0].log()),
        })
    }
}
