//! One connection to a server, with a deadline, a byte budget and bounded
//! replies. A connection that failed in the middle of an exchange (a
//! timeout, a reply over a limit, garbage) is dead: its socket is shut and
//! every later command on it fails with the first failure, so a late reply
//! can never be read as the answer to a later command.

use crate::resp::{encode, read_raw_budget, read_value_budget, Limits, ReadError, Value};
use crate::target::{Credentials, Endpoint};
use crate::tls::{client_config, server_name, TlsSettings};
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// A TCP or Unix-domain socket (redis-cli's `-s`).
enum Sock {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Sock {
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Sock::Tcp(s) => s.set_read_timeout(t),
            Sock::Unix(s) => s.set_read_timeout(t),
        }
    }
    fn set_write_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Sock::Tcp(s) => s.set_write_timeout(t),
            Sock::Unix(s) => s.set_write_timeout(t),
        }
    }
    fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
        match self {
            Sock::Tcp(s) => s.set_nonblocking(on),
            Sock::Unix(s) => s.set_nonblocking(on),
        }
    }
    /// Whether bytes are waiting (without taking them).
    fn peek(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.peek(buf),
            // std has no peek on Unix streams (and reading would take a
            // byte): said as "nothing seen". A Unix socket is the local
            // server itself; the reply matching of RESP still holds.
            Sock::Unix(_) => Err(std::io::ErrorKind::WouldBlock.into()),
        }
    }
    fn shutdown(&self, how: Shutdown) -> std::io::Result<()> {
        match self {
            Sock::Tcp(s) => s.shutdown(how),
            Sock::Unix(s) => s.shutdown(how),
        }
    }
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.read(buf),
            Sock::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.write(buf),
            Sock::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sock::Tcp(s) => s.flush(),
            Sock::Unix(s) => s.flush(),
        }
    }
}

/// A socket whose every read and write is bounded by the time left
/// before its deadline (and by the per-operation timeout).
struct TimedSock {
    sock: Sock,
    io_timeout: Duration,
    /// The current command's deadline (never later than the target's).
    deadline: Option<Instant>,
}

impl TimedSock {
    /// The time one system call may take now; an error once the deadline passed.
    fn allowance(&self) -> std::io::Result<Duration> {
        let mut t = self.io_timeout;
        if let Some(d) = self.deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    DEADLINE_PASSED,
                ));
            }
            t = t.min(left);
        }
        Ok(t.max(Duration::from_millis(1)))
    }
}

const DEADLINE_PASSED: &str = "the deadline passed";

impl Read for TimedSock {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let t = self.allowance()?;
        self.sock.set_read_timeout(Some(t))?;
        self.sock.read(buf)
    }
}

impl Write for TimedSock {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let t = self.allowance()?;
        self.sock.set_write_timeout(Some(t))?;
        self.sock.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

/// A plaintext or TLS stream.
enum Stream {
    Plain(TimedSock),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TimedSock>>),
}

impl Stream {
    fn sock(&mut self) -> &mut TimedSock {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &mut s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// How to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub connect_timeout: Duration,
    /// Per read and write, and for the whole of one command's exchange.
    pub io_timeout: Duration,
    /// One deadline for everything done with a target (every connection
    /// and command of its audit): past it, connecting and every read and
    /// write fail with [`LiveError::Deadline`].
    pub deadline: Option<Instant>,
    /// The length of the deadline, for messages.
    pub deadline_len: Option<Duration>,
    pub limits: Limits,
    /// TLS settings for `rediss://` / `--tls` endpoints.
    pub tls: TlsSettings,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(5),
            deadline: None,
            deadline_len: None,
            limits: Limits::default(),
            tls: TlsSettings::default(),
        }
    }
}

impl ConnectOptions {
    /// These options with one deadline, `len` from now, for a target.
    pub fn with_deadline(&self, len: Duration) -> ConnectOptions {
        ConnectOptions {
            deadline: Some(Instant::now() + len),
            deadline_len: Some(len),
            ..self.clone()
        }
    }
}

/// Why talking to a server failed. Never holds a password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LiveError {
    #[error("cannot connect to {endpoint}: {message}")]
    Connect { endpoint: String, message: String },
    #[error("{endpoint}: timed out waiting for the server")]
    Timeout { endpoint: String },
    #[error("{endpoint}: the deadline for this target ({secs:.1} s, --timeout) passed before the server answered")]
    Deadline { endpoint: String, secs: f64 },
    #[error("{endpoint}: {message}")]
    Read { endpoint: String, message: String },
    #[error("{endpoint}: authentication failed: {message}")]
    Auth { endpoint: String, message: String },
    #[error("{endpoint}: TLS: {message}")]
    Tls { endpoint: String, message: String },
    #[error("{endpoint}: the connection was closed after an earlier failure ({first}); no later reply on it is trusted")]
    Dead { endpoint: String, first: String },
}

impl LiveError {
    /// A timeout or a passed deadline.
    pub fn is_timeout(&self) -> bool {
        matches!(self, LiveError::Timeout { .. } | LiveError::Deadline { .. })
    }
}

/// What the server said about itself when the connection opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hello {
    /// 3 when HELLO 3 worked, else 2.
    pub protocol: u8,
    pub server: Option<String>,
    pub version: Option<String>,
    pub mode: Option<String>,
    pub role: Option<String>,
}

/// A reply from [`Connection::cmd_raw`].
#[derive(Debug)]
pub enum RawReply {
    /// An aggregate or bulk reply, exactly as the server sent it.
    Bytes(Vec<u8>),
    /// Any other reply (an error, a status, a number), parsed.
    Value(Value),
}

pub struct Connection {
    stream: BufReader<Stream>,
    endpoint: String,
    limits: Limits,
    io_timeout: Duration,
    deadline: Option<Instant>,
    deadline_len: Option<Duration>,
    /// Bytes (and per-element memory) this connection may still read.
    budget_left: usize,
    /// The failure that killed this connection.
    dead: Option<LiveError>,
    /// Secrets sent on this connection: masked in every error and status
    /// reply before anything (a cut to a length included) can see them.
    secrets: Vec<Vec<u8>>,
}

/// `text` with every one of `secrets` replaced by `***`.
fn mask(text: &str, secrets: &[Vec<u8>]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        let s = String::from_utf8_lossy(s);
        if !s.is_empty() && out.contains(&*s) {
            out = out.replace(&*s, "***");
        }
    }
    out
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

fn deadline_hit(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut && e.to_string() == DEADLINE_PASSED
}

impl Connection {
    /// Open a TCP connection (no command sent), within the deadline.
    pub fn connect(ep: &Endpoint, opts: &ConnectOptions) -> Result<Connection, LiveError> {
        let endpoint = ep.to_string();
        let deadline_err = || LiveError::Deadline {
            endpoint: endpoint.clone(),
            secs: opts.deadline_len.map(|d| d.as_secs_f64()).unwrap_or(0.0),
        };
        let left = || {
            opts.deadline
                .map(|d| d.saturating_duration_since(Instant::now()))
        };
        if left().is_some_and(|l| l.is_zero()) {
            return Err(deadline_err());
        }
        let cerr = |e: std::io::Error| LiveError::Connect {
            endpoint: endpoint.clone(),
            message: e.to_string(),
        };
        if ep.is_unix() {
            if ep.tls {
                return Err(LiveError::Tls {
                    endpoint,
                    message: "Redis serves no TLS on a Unix socket".into(),
                });
            }
            // std has no connect timeout for Unix sockets, and a listener
            // whose backlog is full makes connect() wait: connect in a
            // thread and give up at the connect timeout (or the target's
            // deadline); a thread left waiting ends with its connect().
            let mut t = opts.connect_timeout;
            if let Some(l) = left() {
                t = t.min(l);
            }
            let (tx, rx) = std::sync::mpsc::channel();
            let path = ep.host.clone();
            std::thread::spawn(move || {
                let _ = tx.send(UnixStream::connect(path));
            });
            let s = match rx.recv_timeout(t.max(Duration::from_millis(1))) {
                Ok(r) => r.map_err(cerr)?,
                Err(_) if left().is_some_and(|l| l.is_zero()) => return Err(deadline_err()),
                Err(_) => {
                    return Err(cerr(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "connection timed out",
                    )))
                }
            };
            let sock = TimedSock {
                sock: Sock::Unix(s),
                io_timeout: opts.io_timeout,
                deadline: Some(earliest(opts.deadline, Instant::now() + opts.io_timeout)),
            };
            return Ok(Connection::over(Stream::Plain(sock), endpoint, opts));
        }
        let addrs: Vec<_> = (ep.host.as_str(), ep.port)
            .to_socket_addrs()
            .map_err(cerr)?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            let mut t = opts.connect_timeout;
            match left() {
                Some(l) if l.is_zero() => return Err(deadline_err()),
                Some(l) => t = t.min(l),
                None => {}
            }
            match TcpStream::connect_timeout(&a, t.max(Duration::from_millis(1))) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let s = match stream {
            Some(s) => s,
            None => {
                if left().is_some_and(|l| l.is_zero()) {
                    return Err(deadline_err());
                }
                return Err(cerr(last.unwrap_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the host name resolves to no address",
                    )
                })));
            }
        };
        let _ = s.set_nodelay(true);
        let sock = TimedSock {
            sock: Sock::Tcp(s),
            io_timeout: opts.io_timeout,
            // The handshake is one exchange: bounded like a command.
            deadline: Some(earliest(opts.deadline, Instant::now() + opts.io_timeout)),
        };
        let stream = if ep.tls {
            let terr = |message: String| LiveError::Tls {
                endpoint: endpoint.clone(),
                message,
            };
            let config = client_config(&opts.tls).map_err(terr)?;
            let name = server_name(&ep.host, opts.tls.sni.as_deref()).map_err(terr)?;
            let conn =
                rustls::ClientConnection::new(config, name).map_err(|e| terr(e.to_string()))?;
            let mut tls = rustls::StreamOwned::new(conn, sock);
            // Finish the handshake now, so that its failure is named as one.
            while tls.conn.is_handshaking() {
                if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                    return Err(if deadline_hit(&e) && left().is_some_and(|l| l.is_zero()) {
                        deadline_err()
                    } else if is_timeout(&e) {
                        LiveError::Timeout { endpoint }
                    } else {
                        terr(format!("handshake failed: {e}"))
                    });
                }
            }
            Stream::Tls(Box::new(tls))
        } else {
            Stream::Plain(sock)
        };
        Ok(Connection::over(stream, endpoint, opts))
    }

    fn over(stream: Stream, endpoint: String, opts: &ConnectOptions) -> Connection {
        Connection {
            stream: BufReader::new(stream),
            endpoint,
            limits: opts.limits,
            io_timeout: opts.io_timeout,
            deadline: opts.deadline,
            deadline_len: opts.deadline_len,
            budget_left: opts.limits.max_connection,
            dead: None,
            secrets: Vec::new(),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A secret about to be sent (a new password): no error reply shows it.
    pub fn add_secret(&mut self, secret: &[u8]) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_vec());
        }
    }

    /// Whether an earlier failure closed this connection.
    pub fn is_dead(&self) -> bool {
        self.dead.is_some()
    }

    fn past_target_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    fn io_err(&self, e: &std::io::Error) -> LiveError {
        if is_timeout(e) && self.past_target_deadline() {
            LiveError::Deadline {
                endpoint: self.endpoint.clone(),
                secs: self.deadline_len.map(|d| d.as_secs_f64()).unwrap_or(0.0),
            }
        } else if is_timeout(e) {
            LiveError::Timeout {
                endpoint: self.endpoint.clone(),
            }
        } else {
            LiveError::Read {
                endpoint: self.endpoint.clone(),
                message: e.to_string(),
            }
        }
    }

    /// Whether bytes wait that no command asked for: each reply must
    /// belong to the command just sent (RESP3 pushes, `>`, are allowed).
    fn unsolicited(&mut self) -> bool {
        let buffered = self.stream.buffer();
        if !buffered.is_empty() {
            return buffered[0] != b'>';
        }
        // Plaintext: peek at the socket without waiting. (Over TLS the
        // socket may hold records that are no reply, such as session tickets.)
        if let Stream::Plain(s) = self.stream.get_mut() {
            let mut b = [0u8; 1];
            if s.sock.set_nonblocking(true).is_ok() {
                let got = s.sock.peek(&mut b);
                let _ = s.sock.set_nonblocking(false);
                return matches!(got, Ok(1)) && b[0] != b'>';
            }
        }
        false
    }

    /// Close the connection for good after `e`; returns `e`.
    fn kill(&mut self, e: LiveError) -> LiveError {
        let _ = self.stream.get_mut().sock().sock.shutdown(Shutdown::Both);
        self.dead = Some(e.clone());
        e
    }

    /// Send a command and read its reply. An error reply is `Ok(Value::Error)`.
    /// The whole exchange must end within the I/O timeout and the target's
    /// deadline; any failure closes the connection.
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Result<Value, LiveError> {
        let v = self.exchange(args, |r, limits, left| {
            read_value_budget(r, limits, left).map(|v| match v {
                // RESP3 out-of-band pushes (invalidations) are not replies.
                Value::Push(_) => None,
                v => Some(v),
            })
        })?;
        Ok(self.masked(v))
    }

    /// [`Self::cmd_bytes`] for a large reply wanted as its bytes: an
    /// aggregate or bulk reply comes back exactly as sent (to be parsed with
    /// [`crate::resp::read_value`] if needed), anything else as a `Value`
    /// with what it echoes masked.
    pub fn cmd_raw(&mut self, args: &[&str]) -> Result<RawReply, LiveError> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let bytes = self.exchange(&args, |r, limits, left| {
            let mut out = Vec::new();
            read_raw_budget(r, limits, left, &mut out)?;
            Ok((out.first() != Some(&b'>')).then_some(out))
        })?;
        match bytes.first() {
            Some(b'*' | b'%' | b'~' | b'$' | b'=') => Ok(RawReply::Bytes(bytes)),
            _ => {
                let v = self.parse_raw(&bytes)?;
                Ok(RawReply::Value(self.masked(v)))
            }
        }
    }

    /// The reply [`Self::cmd_raw`] gave as bytes, parsed (it was read within
    /// this connection's limits and budget already).
    pub fn parse_raw(&self, bytes: &[u8]) -> Result<Value, LiveError> {
        let mut left = usize::MAX;
        read_value_budget(&mut &bytes[..], &self.limits, &mut left).map_err(|e| LiveError::Read {
            endpoint: self.endpoint.clone(),
            message: e.to_string(),
        })
    }

    /// A server may echo what it was sent: secrets in a text reply are masked.
    fn masked(&self, v: Value) -> Value {
        if self.secrets.is_empty() {
            return v;
        }
        match v {
            Value::Error(e) => Value::Error(mask(&e, &self.secrets)),
            Value::Simple(e) => Value::Simple(mask(&e, &self.secrets)),
            v => v,
        }
    }

    /// Send `args`, then read with `read` until it gives a reply (`None`
    /// skips a RESP3 push), charging this connection's byte budget.
    fn exchange<T>(
        &mut self,
        args: &[&[u8]],
        mut read: impl FnMut(
            &mut BufReader<Stream>,
            &Limits,
            &mut usize,
        ) -> Result<Option<T>, ReadError>,
    ) -> Result<T, LiveError> {
        if let Some(first) = &self.dead {
            return Err(LiveError::Dead {
                endpoint: self.endpoint.clone(),
                first: first.to_string(),
            });
        }
        if self.past_target_deadline() {
            let e = self.io_err(&std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                DEADLINE_PASSED,
            ));
            return Err(self.kill(e));
        }
        if self.unsolicited() {
            let e = LiveError::Read {
                endpoint: self.endpoint.clone(),
                message: "protocol error: the server sent data no command asked for (more than one reply to a command)".into(),
            };
            return Err(self.kill(e));
        }
        self.stream.get_mut().sock().deadline =
            Some(earliest(self.deadline, Instant::now() + self.io_timeout));
        let buf = encode(args);
        let w = self.stream.get_mut();
        if let Err(e) = w.write_all(&buf).and_then(|_| w.flush()) {
            let e = self.io_err(&e);
            return Err(self.kill(e));
        }
        loop {
            let mut left = self.budget_left.min(self.limits.max_total);
            let r = read(&mut self.stream, &self.limits, &mut left);
            let used = self.budget_left.min(self.limits.max_total) - left;
            self.budget_left -= used;
            match r {
                Ok(None) => continue,
                Ok(Some(v)) => return Ok(v),
                Err(ReadError::Io(e)) => {
                    let e = self.io_err(&e);
                    return Err(self.kill(e));
                }
                Err(source) => {
                    let message = match source {
                        ReadError::Budget => format!(
                            "the server sent more than this connection's budget of {} MiB (replies, counting each element's memory)",
                            self.limits.max_connection / (1024 * 1024)
                        ),
                        other => other.to_string(),
                    };
                    let e = LiveError::Read {
                        endpoint: self.endpoint.clone(),
                        message,
                    };
                    return Err(self.kill(e));
                }
            }
        }
    }

    pub fn cmd(&mut self, args: &[&str]) -> Result<Value, LiveError> {
        let v: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd_bytes(&v)
    }

    /// Say hello: `HELLO 3 [AUTH user pass]`, falling back to `AUTH` and
    /// RESP2 for servers without HELLO (Redis < 6) or where HELLO is denied.
    pub fn hello(&mut self, creds: &Credentials) -> Result<Hello, LiveError> {
        let user = creds.user.clone().unwrap_or_else(|| "default".to_string());
        let mut args: Vec<&[u8]> = vec![b"HELLO", b"3"];
        if let Some(p) = &creds.password {
            self.add_secret(p.expose());
            args.extend([b"AUTH".as_slice(), user.as_bytes(), p.expose()]);
        }
        let reply = self.cmd_bytes(&args)?;
        match reply {
            Value::Error(e)
                if e.starts_with("WRONGPASS") || e.starts_with("ERR invalid password") =>
            {
                return Err(LiveError::Auth {
                    endpoint: self.endpoint.clone(),
                    message: first_words(&e),
                })
            }
            Value::Error(_) => {}
            ok => {
                let mut h = Hello {
                    protocol: 3,
                    ..Hello::default()
                };
                if let Some(pairs) = ok.as_pairs() {
                    for (k, v) in pairs {
                        let t = v.as_text();
                        match k.as_str() {
                            "server" => h.server = t,
                            "version" => h.version = t,
                            "mode" => h.mode = t,
                            "role" => h.role = t,
                            "proto" => h.protocol = t.and_then(|p| p.parse().ok()).unwrap_or(3),
                            _ => {}
                        }
                    }
                }
                return Ok(h);
            }
        }
        // RESP2 fallback.
        if let Some(p) = &creds.password {
            let mut a: Vec<&[u8]> = vec![b"AUTH"];
            if let Some(u) = &creds.user {
                a.push(u.as_bytes());
            }
            a.push(p.expose());
            if let Value::Error(e) = self.cmd_bytes(&a)? {
                return Err(LiveError::Auth {
                    endpoint: self.endpoint.clone(),
                    message: first_words(&e),
                });
            }
        }
        Ok(Hello {
            protocol: 2,
            ..Hello::default()
        })
    }
}

/// The error code and message of a server error, cut short (a hostile
/// server could echo anything back).
fn first_words(e: &str) -> String {
    e.chars().take(120).collect()
}

fn earliest(a: Option<Instant>, b: Instant) -> Instant {
    a.map_or(b, |a| a.min(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    fn fake(reply: &'static [u8]) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(reply);
                std::thread::sleep(Duration::from_secs(3));
            }
        });
        port
    }

    fn ep(port: u16) -> Endpoint {
        Endpoint {
            host: "127.0.0.1".into(),
            port,
            tls: false,
        }
    }

    #[test]
    fn hostile_servers_give_clear_errors_in_bounded_time() {
        let opts = ConnectOptions {
            io_timeout: Duration::from_millis(300),
            ..ConnectOptions::default()
        };
        let t = std::time::Instant::now();
        // Says nothing.
        let mut c = Connection::connect(&ep(fake(b"")), &opts).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.cmd(&["PING"]), Err(LiveError::Timeout { .. })));
        // Declares a 1 GB bulk.
        let mut c = Connection::connect(&ep(fake(b"$1073741824\r\n")), &opts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(c.cmd(&["PING"]), Err(LiveError::Read { ref message, .. }) if message.contains("over the limit"))
        );
        // Garbage (an HTTP server).
        let mut c = Connection::connect(&ep(fake(b"HTTP/1.0 400 Bad Request\r\n\r\n")), &opts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(c.cmd(&["PING"]), Err(LiveError::Read { ref message, .. }) if message.contains("protocol error"))
        );
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        // Nobody listening.
        let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
        drop(l);
        assert!(matches!(
            Connection::connect(&ep(port), &opts),
            Err(LiveError::Connect { .. })
        ));
    }
}
