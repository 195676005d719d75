//! An in-memory deployment for offline tests of the rotation state
//! machine: a primary, replicas and Sentinels that answer the commands
//! rotation sends (INFO, ACL GETUSER/SETUSER/SAVE, CONFIG GET/SET/REWRITE,
//! CLIENT LIST/KILL, SENTINEL MASTERS/SENTINELS/REPLICAS/MYID/SET/MASTER),
//! with a persisted copy of each node's users and config (what a restart
//! brings back), and links that authenticate only when (re)made: a replica
//! to its primary with masterauth, a Sentinel to its master with auth-pass.
#![allow(dead_code, clippy::unwrap_used)]

use rampart_live::{Credentials, Endpoint, LiveError, Value};
use rampart_rotate::{Connector, Node};
use redis_acl::hash_password;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const ADMIN: &str = "admin";
pub const ADMIN_PW: &str = "admin-password-fake";

#[derive(Clone, Default)]
pub struct State {
    pub users: BTreeMap<String, Vec<String>>,
    pub config: BTreeMap<String, String>,
}

#[derive(Clone)]
pub struct SentinelCfg {
    pub runid: String,
    pub master_name: String,
    /// Index of the master node.
    pub master: usize,
    pub auth_user: String,
    pub auth_pass: String,
    /// The link to the master logged in (checked when it was made).
    pub linked: bool,
    /// Seconds since the link was made.
    pub age: u64,
    /// How this Sentinel logs in to the other Sentinels.
    pub sentinel_user: String,
    pub sentinel_pass: String,
    /// Its links to the other Sentinels: (node, logged in, age).
    pub peers: Vec<(usize, bool, u64)>,
}

#[derive(Clone)]
pub struct FakeServer {
    pub port: u16,
    pub up: bool,
    pub aclfile: bool,
    pub live: State,
    pub saved: State,
    /// A replica: the index of its primary.
    pub replica_of: Option<usize>,
    /// The replica's link to its primary logged in.
    pub linked: bool,
    pub link_gen: u32,
    pub sentinel: Option<SentinelCfg>,
}

impl FakeServer {
    fn data(port: u16) -> FakeServer {
        let mut s = FakeServer {
            port,
            up: true,
            aclfile: false,
            live: State::default(),
            saved: State::default(),
            replica_of: None,
            linked: true,
            link_gen: 0,
            sentinel: None,
        };
        s.live
            .users
            .insert(ADMIN.into(), vec![hash_password(ADMIN_PW.as_bytes())]);
        s.saved = s.live.clone();
        s
    }
    pub fn hashes(&self, user: &str) -> Vec<String> {
        self.live.users.get(user).cloned().unwrap_or_default()
    }
    pub fn conf(&self, k: &str) -> String {
        self.live.config.get(k).cloned().unwrap_or_default()
    }
}

pub struct Cluster {
    pub nodes: Vec<FakeServer>,
    /// Every command sent, `port: ARGS` (passwords included: test only).
    pub log: Vec<String>,
    /// A hostile or broken peer: (port, the command's words in capitals
    /// joined by spaces, the reply it gives instead of the real one).
    pub odd_replies: Vec<(u16, String, Value)>,
}

pub type Shared = Arc<Mutex<Cluster>>;

impl Cluster {
    /// A primary and `replicas` replicas, each with `user` holding `old`;
    /// with `masteruser`, the replicas replicate as `user` (masterauth
    /// `old`); `sentinels` Sentinels log in to the master as `user` when
    /// `sentinel_auth`.
    pub fn new(
        user: &str,
        old: &str,
        replicas: usize,
        masteruser: bool,
        sentinels: usize,
        sentinel_auth: bool,
    ) -> Shared {
        let mut nodes = Vec::new();
        for i in 0..=replicas {
            let mut n = FakeServer::data(7000 + i as u16);
            n.aclfile = i % 2 == 1;
            n.live
                .users
                .insert(user.into(), vec![hash_password(old.as_bytes())]);
            if i > 0 {
                n.replica_of = Some(0);
                if masteruser {
                    n.live.config.insert("masteruser".into(), user.into());
                    n.live.config.insert("masterauth".into(), old.into());
                }
            }
            n.saved = n.live.clone();
            nodes.push(n);
        }
        for k in 0..sentinels {
            let mut s = FakeServer::data(27000 + k as u16);
            s.sentinel = Some(SentinelCfg {
                runid: format!("{:x}{:032x}", 0xabc0 + k, k),
                master_name: "mymaster".into(),
                master: 0,
                auth_user: if sentinel_auth { user } else { ADMIN }.into(),
                auth_pass: if sentinel_auth { old } else { ADMIN_PW }.into(),
                linked: true,
                age: 100,
                sentinel_user: String::new(),
                sentinel_pass: String::new(),
                peers: Vec::new(),
            });
            s.saved = s.live.clone();
            nodes.push(s);
        }
        Arc::new(Mutex::new(Cluster {
            nodes,
            log: Vec::new(),
            odd_replies: Vec::new(),
        }))
    }

    /// A primary and `n` Sentinels whose own ACL holds `user` with `old`,
    /// which they log in to each other as (`sentinel-user`/`sentinel-pass`).
    pub fn sentinels_own(user: &str, old: &str, n: usize) -> Shared {
        let c = Cluster::new(user, old, 0, false, n, false);
        {
            let mut g = c.lock().unwrap();
            let ids: Vec<usize> = (1..=n).collect();
            for &i in &ids {
                let node = &mut g.nodes[i];
                node.live
                    .users
                    .insert(user.into(), vec![hash_password(old.as_bytes())]);
                node.saved = node.live.clone();
                let s = node.sentinel.as_mut().unwrap();
                s.sentinel_user = user.into();
                s.sentinel_pass = old.into();
                s.peers = ids
                    .iter()
                    .filter(|&&k| k != i)
                    .map(|&k| (k, true, 100))
                    .collect();
            }
        }
        c
    }

    /// A primary and `replicas` replicas with `requirepass old` (the
    /// `default` user) and, on replicas, `masterauth old`: no ACL file.
    pub fn requirepass(old: &str, replicas: usize) -> Shared {
        let c = Cluster::new("default", old, replicas, false, 0, false);
        {
            let mut g = c.lock().unwrap();
            for n in g.nodes.iter_mut() {
                n.aclfile = false;
                n.live.config.insert("requirepass".into(), old.into());
                if n.replica_of.is_some() {
                    n.live.config.insert("masterauth".into(), old.into());
                }
                n.saved = n.live.clone();
            }
        }
        c
    }

    pub fn idx(&self, port: u16) -> Option<usize> {
        self.nodes.iter().position(|n| n.port == port)
    }

    fn accepts(&self, i: usize, user: &str, pw: &str) -> bool {
        let n = &self.nodes[i];
        n.up && n
            .live
            .users
            .get(user)
            .is_some_and(|h| h.contains(&hash_password(pw.as_bytes())))
    }

    /// Re-make node `i`'s outgoing links (replication, Sentinel).
    fn relink(&mut self, i: usize) {
        if let Some(m) = self.nodes[i].replica_of {
            let n = &self.nodes[i];
            let mu = match n.conf("masteruser") {
                u if u.is_empty() => "default".to_string(),
                u => u,
            };
            // No masterauth: the fake primary needs none from replicas.
            let ok = n.conf("masterauth").is_empty() && self.nodes[m].up
                || self.accepts(m, &mu, &n.conf("masterauth"));
            self.nodes[i].linked = ok;
            self.nodes[i].link_gen += 1;
        }
        if let Some(s) = self.nodes[i].sentinel.clone() {
            let ok = self.accepts(s.master, &s.auth_user, &s.auth_pass);
            let peers: Vec<(usize, bool, u64)> = s
                .peers
                .iter()
                .map(|&(k, _, _)| (k, self.accepts(k, &s.sentinel_user, &s.sentinel_pass), 0))
                .collect();
            let c = self.nodes[i].sentinel.as_mut().unwrap();
            c.linked = ok;
            c.age = 0;
            c.peers = peers;
        }
    }

    /// Stop a node and start it again from what it persisted; every link
    /// to and from it is made again.
    pub fn restart(&mut self, i: usize) {
        self.nodes[i].live = self.nodes[i].saved.clone();
        self.nodes[i].up = true;
        for k in 0..self.nodes.len() {
            if k == i
                || self.nodes[k].replica_of == Some(i)
                || self.nodes[k]
                    .sentinel
                    .as_ref()
                    .is_some_and(|s| s.master == i || s.peers.iter().any(|p| p.0 == i))
            {
                self.relink(k);
            }
        }
    }

    pub fn restart_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.nodes[i].live = self.nodes[i].saved.clone();
            self.nodes[i].up = true;
        }
        for i in 0..self.nodes.len() {
            self.relink(i);
        }
    }

    fn sentinels_of(&self, master: usize) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&k| {
                self.nodes[k]
                    .sentinel
                    .as_ref()
                    .is_some_and(|s| s.master == master)
            })
            .collect()
    }

    fn group_master(&self, i: usize) -> usize {
        self.nodes[i].replica_of.unwrap_or(i)
    }

    fn handle(&mut self, i: usize, args: &[Vec<u8>]) -> Result<Value, LiveError> {
        if !self.nodes[i].up {
            return Err(LiveError::Read {
                endpoint: format!("127.0.0.1:{}", self.nodes[i].port),
                message: "connection reset".into(),
            });
        }
        let a: Vec<String> = args
            .iter()
            .map(|x| String::from_utf8_lossy(x).into_owned())
            .collect();
        self.log
            .push(format!("{}: {}", self.nodes[i].port, a.join(" ")));
        let up: Vec<String> = a.iter().map(|s| s.to_ascii_uppercase()).collect();
        let words = up.join(" ");
        if let Some((_, _, v)) = self
            .odd_replies
            .iter()
            .find(|(p, w, _)| *p == self.nodes[i].port && *w == words)
        {
            return Ok(v.clone());
        }
        let arg = |k: usize| a.get(k).cloned().unwrap_or_default();
        let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        let ok = || Value::Simple("OK".into());
        let is_sentinel = self.nodes[i].sentinel.is_some();
        let v = match up.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["INFO", "SERVER"] => bulk(&format!(
                "redis_mode:{}\r\nconfig_file:\r\n",
                if is_sentinel {
                    "sentinel"
                } else {
                    "standalone"
                }
            )),
            ["INFO", "REPLICATION"] => {
                let n = &self.nodes[i];
                let text = match n.replica_of {
                    Some(m) => format!(
                        "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:{}\r\nmaster_link_status:{}\r\n",
                        self.nodes[m].port,
                        if n.linked && self.nodes[m].up { "up" } else { "down" }
                    ),
                    None => {
                        let mut t = "role:master\r\n".to_string();
                        let reps = (0..self.nodes.len()).filter(|&k| {
                            self.nodes[k].replica_of == Some(i)
                                && self.nodes[k].up
                                && self.nodes[k].linked
                        });
                        for (j, k) in reps.enumerate() {
                            t += &format!(
                                "slave{j}:ip=127.0.0.1,port={},state=online,offset=1,lag=0\r\n",
                                self.nodes[k].port
                            );
                        }
                        t
                    }
                };
                bulk(&text)
            }
            ["INFO", "CLUSTER"] => bulk("cluster_enabled:0\r\n"),
            // INFO all (what discovery reads): the sections above, each
            // under its header, logged as the one command it is.
            ["INFO", "ALL"] => {
                let mut text = String::new();
                for (head, section) in [
                    ("Server", "server"),
                    ("Replication", "replication"),
                    ("Cluster", "cluster"),
                ] {
                    let part = self.handle(i, &[b"INFO".to_vec(), section.as_bytes().to_vec()])?;
                    self.log.pop();
                    text += &format!("# {head}\r\n");
                    text += &part.as_text().unwrap_or_default();
                }
                Value::Bulk(text.into_bytes())
            }
            ["ACL", "GETUSER", ..] => match self.nodes[i].live.users.get(&arg(2)) {
                None => Value::Nil,
                Some(h) => Value::Map(vec![
                    (bulk("flags"), Value::Array(vec![bulk("on")])),
                    (
                        bulk("passwords"),
                        Value::Array(h.iter().map(|x| bulk(x)).collect()),
                    ),
                ]),
            },
            ["ACL", "SETUSER", ..] => {
                let user = arg(2);
                let mut h = self.nodes[i]
                    .live
                    .users
                    .get(&user)
                    .cloned()
                    .unwrap_or_default();
                for op in &a[3..] {
                    if let Some(x) = op.strip_prefix('#') {
                        if !h.iter().any(|y| y == x) {
                            h.push(x.to_string());
                        }
                    } else if let Some(x) = op.strip_prefix('!') {
                        if !h.iter().any(|y| y == x) {
                            return Ok(Value::Error(
                                "ERR no such password hash on this user".into(),
                            ));
                        }
                        h.retain(|y| y != x);
                    } else {
                        return Ok(Value::Error(format!("ERR unknown op {op}")));
                    }
                }
                self.nodes[i].live.users.insert(user, h);
                ok()
            }
            ["ACL", "SAVE"] => {
                if self.nodes[i].aclfile {
                    self.nodes[i].saved.users = self.nodes[i].live.users.clone();
                    ok()
                } else {
                    Value::Error(
                        "ERR This Redis instance is not configured to use an ACL file.".into(),
                    )
                }
            }
            ["CONFIG", "GET", ..] => {
                let k = arg(2).to_ascii_lowercase();
                let v = match k.as_str() {
                    "aclfile" if self.nodes[i].aclfile => "/fake/users.acl".to_string(),
                    _ => self.nodes[i].conf(&k),
                };
                Value::Array(vec![bulk(&k), bulk(&v)])
            }
            ["CONFIG", "SET", ..] => {
                let k = arg(2).to_ascii_lowercase();
                if k == "requirepass" {
                    // Drops every other password of `default`.
                    let h = vec![hash_password(arg(3).as_bytes())];
                    self.nodes[i].live.users.insert("default".into(), h);
                }
                self.nodes[i].live.config.insert(k, arg(3));
                ok()
            }
            ["CONFIG", "REWRITE"] => {
                let n = &mut self.nodes[i];
                n.saved.config = n.live.config.clone();
                if !n.aclfile {
                    n.saved.users = n.live.users.clone();
                }
                ok()
            }
            ["CLIENT", "LIST", "TYPE", "MASTER"] => {
                let n = &self.nodes[i];
                match n.replica_of {
                    Some(m) if n.linked && self.nodes[m].up => bulk(&format!(
                        "id=3 addr=127.0.0.1:{} laddr=127.0.0.1:{} fd=9 name= age=10 flags=M user=default\n",
                        self.nodes[m].port,
                        10000 + n.link_gen
                    )),
                    _ => bulk(""),
                }
            }
            ["CLIENT", "LIST"] => {
                let mut t = String::new();
                for (k, n) in self.nodes.iter().enumerate() {
                    let Some(s) = &n.sentinel else { continue };
                    for &(_, ok, age) in s.peers.iter().filter(|p| p.0 == i) {
                        if ok {
                            t += &format!(
                                "id={k} addr=127.0.0.1:{} laddr=127.0.0.1:{} fd=8 name=sentinel-{}-cmd age={age} flags=N user={}\n",
                                40000 + k,
                                self.nodes[i].port,
                                &s.runid[..8],
                                s.sentinel_user
                            );
                        }
                    }
                }
                if !is_sentinel {
                    let m = self.group_master(i);
                    for k in self.sentinels_of(m) {
                        let s = self.nodes[k].sentinel.as_ref().unwrap();
                        if s.linked {
                            t += &format!(
                                "id={k} addr=127.0.0.1:{} laddr=127.0.0.1:{} fd=8 name=sentinel-{}-cmd age={} flags=N user={}\n",
                                40000 + k,
                                self.nodes[i].port,
                                &s.runid[..8],
                                s.age,
                                s.auth_user
                            );
                        }
                    }
                }
                bulk(&t)
            }
            ["CLIENT", "KILL", "TYPE", "MASTER"] => {
                self.relink(i);
                Value::Int(1)
            }
            ["SENTINEL", rest @ ..] if is_sentinel => self.sentinel_cmd(i, rest, &a)?,
            _ => Value::Error(format!("ERR unknown command {}", a.join(" "))),
        };
        Ok(v)
    }

    fn sentinel_cmd(&mut self, i: usize, up: &[&str], a: &[String]) -> Result<Value, LiveError> {
        let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        let map = |kv: Vec<(&str, String)>| {
            Value::Map(kv.into_iter().map(|(k, v)| (bulk(k), bulk(&v))).collect())
        };
        let me = self.nodes[i].sentinel.clone().unwrap();
        let m = me.master;
        Ok(match up {
            ["MYID"] => bulk(&me.runid),
            ["MASTERS"] => Value::Array(vec![map(vec![
                ("name", me.master_name.clone()),
                ("ip", "127.0.0.1".into()),
                ("port", self.nodes[m].port.to_string()),
                (
                    "flags",
                    if self.nodes[m].up {
                        "master"
                    } else {
                        "s_down,master"
                    }
                    .into(),
                ),
            ])]),
            ["SENTINELS", _] => Value::Array(
                self.sentinels_of(m)
                    .into_iter()
                    .filter(|&k| k != i)
                    .map(|k| {
                        map(vec![
                            ("ip", "127.0.0.1".into()),
                            ("port", self.nodes[k].port.to_string()),
                            (
                                "runid",
                                self.nodes[k].sentinel.as_ref().unwrap().runid.clone(),
                            ),
                        ])
                    })
                    .collect(),
            ),
            ["REPLICAS", _] => Value::Array(
                (0..self.nodes.len())
                    .filter(|&k| self.nodes[k].replica_of == Some(m))
                    .map(|k| {
                        let down = !self.nodes[k].up;
                        map(vec![
                            ("ip", "127.0.0.1".into()),
                            ("port", self.nodes[k].port.to_string()),
                            (
                                "flags",
                                if down {
                                    "s_down,slave,disconnected"
                                } else {
                                    "slave"
                                }
                                .into(),
                            ),
                        ])
                    })
                    .collect(),
            ),
            ["SET", _, "AUTH-PASS", _] => {
                self.nodes[i].sentinel.as_mut().unwrap().auth_pass = a[4].clone();
                self.relink(i);
                Value::Simple("OK".into())
            }
            ["CONFIG", "GET", _] => {
                let k = a[3].to_ascii_lowercase();
                let v = match k.as_str() {
                    "sentinel-user" => me.sentinel_user.clone(),
                    "sentinel-pass" => me.sentinel_pass.clone(),
                    _ => String::new(),
                };
                map(vec![(k.as_str(), v)])
            }
            ["CONFIG", "SET", "SENTINEL-PASS", _] => {
                self.nodes[i].sentinel.as_mut().unwrap().sentinel_pass = a[4].clone();
                self.relink(i);
                Value::Simple("OK".into())
            }
            ["FLUSHCONFIG"] => {
                self.nodes[i].saved.users = self.nodes[i].live.users.clone();
                Value::Simple("OK".into())
            }
            ["MASTER", _] => {
                let s = self.nodes[i].sentinel.as_ref().unwrap();
                map(vec![(
                    "flags",
                    if s.linked && self.nodes[m].up {
                        "master"
                    } else {
                        "s_down,master"
                    }
                    .into(),
                )])
            }
            _ => Value::Error(format!("ERR unknown SENTINEL subcommand {}", a.join(" "))),
        })
    }
}

pub struct FakeConn {
    cluster: Shared,
    idx: usize,
    port: u16,
}

impl Node for FakeConn {
    fn cmd(&mut self, args: &[&str]) -> Result<Value, LiveError> {
        let v: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        self.cluster.lock().unwrap().handle(self.idx, &v)
    }
    fn cmd_bytes(&mut self, args: &[&[u8]]) -> Result<Value, LiveError> {
        let v: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
        self.cluster.lock().unwrap().handle(self.idx, &v)
    }
    fn name(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

pub struct FakeConnector(pub Shared);

impl Connector for FakeConnector {
    fn open(&self, ep: &Endpoint, creds: &Credentials) -> Result<Box<dyn Node>, LiveError> {
        let c = self.0.lock().unwrap();
        let i = c
            .idx(ep.port)
            .filter(|&i| c.nodes[i].up && ep.host == "127.0.0.1")
            .ok_or_else(|| LiveError::Connect {
                endpoint: ep.to_string(),
                message: "connection refused".into(),
            })?;
        let user = creds.user.clone().unwrap_or_else(|| "default".into());
        match &creds.password {
            Some(p) => {
                let pw = String::from_utf8_lossy(p.expose()).into_owned();
                if !c.accepts(i, &user, &pw) {
                    return Err(LiveError::Auth {
                        endpoint: ep.to_string(),
                        message: "WRONGPASS invalid username-password pair".into(),
                    });
                }
            }
            None if c.nodes[i].sentinel.is_some() => {}
            None => {
                return Err(LiveError::Auth {
                    endpoint: ep.to_string(),
                    message: "NOAUTH Authentication required".into(),
                })
            }
        }
        Ok(Box::new(FakeConn {
            cluster: self.0.clone(),
            idx: i,
            port: ep.port,
        }))
    }
}
