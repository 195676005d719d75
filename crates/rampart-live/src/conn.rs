//! One connection to a server, with timeouts and bounded replies.

use crate::resp::{encode, read_value, Limits, ReadError, Value};
use crate::target::{Credentials, Endpoint};
use crate::tls::{client_config, server_name, TlsSettings};
use std::io::{BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// A plaintext or TLS stream.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
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
    /// Per read and write.
    pub io_timeout: Duration,
    pub limits: Limits,
    /// TLS settings for `rediss://` / `--tls` endpoints.
    pub tls: TlsSettings,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(5),
            limits: Limits::default(),
            tls: TlsSettings::default(),
        }
    }
}

/// Why talking to a server failed. Never holds a password.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot connect to {endpoint}: {source}")]
    Connect {
        endpoint: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{endpoint}: timed out waiting for the server")]
    Timeout { endpoint: String },
    #[error("{endpoint}: {source}")]
    Read {
        endpoint: String,
        #[source]
        source: ReadError,
    },
    #[error("{endpoint}: authentication failed: {message}")]
    Auth { endpoint: String, message: String },
    #[error("{endpoint}: TLS: {message}")]
    Tls { endpoint: String, message: String },
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

pub struct Connection {
    stream: BufReader<Stream>,
    endpoint: String,
    limits: Limits,
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

impl Connection {
    /// Open a TCP connection (no command sent).
    pub fn connect(ep: &Endpoint, opts: &ConnectOptions) -> Result<Connection, LiveError> {
        let endpoint = ep.to_string();
        let cerr = |source| LiveError::Connect {
            endpoint: endpoint.clone(),
            source,
        };
        let addrs: Vec<_> = (ep.host.as_str(), ep.port)
            .to_socket_addrs()
            .map_err(cerr)?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, opts.connect_timeout) {
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
                return Err(cerr(last.unwrap_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the host name resolves to no address",
                    )
                })))
            }
        };
        s.set_read_timeout(Some(opts.io_timeout)).map_err(cerr)?;
        s.set_write_timeout(Some(opts.io_timeout)).map_err(cerr)?;
        let _ = s.set_nodelay(true);
        let stream = if ep.tls {
            let terr = |message: String| LiveError::Tls {
                endpoint: endpoint.clone(),
                message,
            };
            let config = client_config(&opts.tls).map_err(terr)?;
            let name = server_name(&ep.host, opts.tls.sni.as_deref()).map_err(terr)?;
            let conn =
                rustls::ClientConnection::new(config, name).map_err(|e| terr(e.to_string()))?;
            let mut tls = rustls::StreamOwned::new(conn, s);
            // Finish the handshake now, so that its failure is named as one.
            while tls.conn.is_handshaking() {
                if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                    return Err(if is_timeout(&e) {
                        LiveError::Timeout { endpoint }
                    } else {
                        terr(format!("handshake failed: {e}"))
                    });
                }
            }
            Stream::Tls(Box::new(tls))
        } else {
            Stream::Plain(s)
        };
        Ok(Connection {
            stream: BufReader::new(stream),
            endpoint,
            limits: opts.limits,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn io_err(&self, e: std::io::Error) -> LiveError {
        if is_timeout(&e) {
            LiveError::Timeout {
                endpoint: self.endpoint.clone(),
            }
        } else {
            LiveError::Read {
                endpoint: self.endpoint.clone(),
                source: ReadError::Io(e),
            }
        }
    }

    /// Send a command and read its reply. An error reply is `Ok(Value::Error)`.
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Result<Value, LiveError> {
        let buf = encode(args);
        let w = self.stream.get_mut();
        if let Err(e) = w.write_all(&buf).and_then(|_| w.flush()) {
            return Err(self.io_err(e));
        }
        loop {
            match read_value(&mut self.stream, &self.limits) {
                // RESP3 out-of-band pushes (invalidations) are not replies.
                Ok(Value::Push(_)) => continue,
                Ok(v) => return Ok(v),
                Err(ReadError::Io(e)) => return Err(self.io_err(e)),
                Err(source) => {
                    return Err(LiveError::Read {
                        endpoint: self.endpoint.clone(),
                        source,
                    })
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
        assert!(matches!(
            c.cmd(&["PING"]),
            Err(LiveError::Read {
                source: ReadError::TooLarge(_),
                ..
            })
        ));
        // Garbage (an HTTP server).
        let mut c = Connection::connect(&ep(fake(b"HTTP/1.0 400 Bad Request\r\n\r\n")), &opts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            c.cmd(&["PING"]),
            Err(LiveError::Read {
                source: ReadError::Protocol(_),
                ..
            })
        ));
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
