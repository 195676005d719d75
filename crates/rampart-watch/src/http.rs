//! The metrics endpoint: `GET /metrics` (and `/`, a page with a link).
//!
//! Written on `std::net` rather than an HTTP crate on purpose: the job is
//! one fixed page, and what matters is bounding each connection, which the
//! small servers do not let us do (tiny_http 0.12 has no per-connection
//! read timeout: a client that sends nothing holds a worker for ever).
//! Here every connection has a read and a write timeout, a deadline for
//! its whole request, a cap on the request's size, and there is a cap on
//! connections served at once; the page is read from a shared snapshot of
//! the last finished round, so a scrape never waits for an audit and an
//! audit never waits for a scrape.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// Bounds on each connection.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most bytes of request (line and headers) read.
    pub max_request: usize,
    /// Each read and each write.
    pub io_timeout: Duration,
    /// The whole request, however slowly it trickles in.
    pub request_deadline: Duration,
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request: 8 * 1024,
            io_timeout: Duration::from_secs(5),
            request_deadline: Duration::from_secs(10),
            max_connections: 16,
        }
    }
}

/// What the server shows: the metrics text of the last finished round,
/// replaced whole by the round loop.
#[derive(Clone, Debug, Default)]
pub struct Pages(Arc<RwLock<String>>);

impl Pages {
    pub fn new(metrics: String) -> Pages {
        Pages(Arc::new(RwLock::new(metrics)))
    }
    pub fn set(&self, metrics: String) {
        if let Ok(mut m) = self.0.write() {
            *m = metrics;
        }
    }
    pub fn get(&self) -> String {
        self.0.read().map(|m| m.clone()).unwrap_or_default()
    }
}

/// A running endpoint; [`Server::stop`] stops it.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How often the accept loop looks at the stop flag.
const TICK: Duration = Duration::from_millis(50);

impl Server {
    /// Listen on `addr` (`127.0.0.1:9187`) and serve `pages` on a thread.
    pub fn start(addr: &str, pages: Pages, limits: Limits) -> Result<Server, ServeError> {
        let bind_err = |source| ServeError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(bind_err)?;
        listener.set_nonblocking(true).map_err(bind_err)?;
        let local = listener.local_addr().map_err(bind_err)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("rampart-metrics".into())
            .spawn(move || accept_loop(listener, pages, limits, flag))
            .map_err(bind_err)?;
        Ok(Server {
            addr: local,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on (the port chosen when `:0` was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting; connections in flight end within their timeouts.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

// The accept thread owns what it serves for its whole life.
#[allow(clippy::needless_pass_by_value)]
fn accept_loop(listener: TcpListener, pages: Pages, limits: Limits, stop: Arc<AtomicBool>) {
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                if active.load(Ordering::SeqCst) >= limits.max_connections {
                    // Too many at once: close this one rather than queue it.
                    drop(stream);
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let pages = pages.clone();
                let active2 = Arc::clone(&active);
                let spawned = std::thread::Builder::new()
                    .name("rampart-metrics-conn".into())
                    .spawn(move || {
                        serve(stream, &pages, limits);
                        active2.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(TICK),
            // A connection that failed before it was accepted: the next one.
            Err(_) => std::thread::sleep(TICK),
        }
    }
}

/// The request's line and headers, bounded in size and time; `Err` when
/// the client sent too much, too slowly, or hung up, the status to answer.
fn read_head(stream: &mut TcpStream, limits: Limits) -> Result<Vec<u8>, u16> {
    let start = Instant::now();
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if start.elapsed() > limits.request_deadline {
            return Err(408);
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Err(400),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(408),
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find_end(&buf) {
            buf.truncate(end);
            return Ok(buf);
        }
        if buf.len() > limits.max_request {
            return Err(431);
        }
    }
}

fn find_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| buf.windows(2).position(|w| w == b"\n\n"))
}

/// A response: status, content type, body; `head` leaves the body out.
fn respond(stream: &mut TcpStream, status: u16, ctype: &str, body: &str, head: bool) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let allow = if status == 405 {
        "Allow: GET, HEAD\r\n"
    } else {
        ""
    };
    let headers = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{allow}Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(headers.as_bytes());
    if !head {
        let _ = stream.write_all(body.as_bytes());
    }
    let _ = stream.flush();
}

/// The Prometheus text format's content type.
pub const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const INDEX: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rampart watch</title></head>\n<body><h1>rampart watch</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

/// One connection: one request, one answer, closed.
fn serve(mut stream: TcpStream, pages: &Pages, limits: Limits) {
    if stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(limits.io_timeout)).is_err()
        || stream.set_write_timeout(Some(limits.io_timeout)).is_err()
    {
        return;
    }
    let head = match read_head(&mut stream, limits) {
        Ok(h) => h,
        Err(status) => {
            respond(&mut stream, status, "text/plain", "bad request\n", false);
            return;
        }
    };
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split(['?', '#']).next().unwrap_or("");
    let is_head = method == "HEAD";
    if method != "GET" && !is_head {
        respond(&mut stream, 405, "text/plain", "GET or HEAD\n", false);
        return;
    }
    match path {
        "/metrics" => respond(&mut stream, 200, METRICS_TYPE, &pages.get(), is_head),
        "/" => respond(&mut stream, 200, "text/html; charset=utf-8", INDEX, is_head),
        _ => respond(
            &mut stream,
            404,
            "text/plain",
            "not found: try /metrics\n",
            is_head,
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn get(addr: SocketAddr, req: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(req).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn serves_the_page_and_refuses_the_rest() {
        let pages = Pages::new("rampart_up 1\n".into());
        let server = Server::start("127.0.0.1:0", pages.clone(), Limits::default()).unwrap();
        let addr = server.local_addr();
        let r = get(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains(METRICS_TYPE), "{r}");
        assert!(r.ends_with("\r\n\r\nrampart_up 1\n"), "{r}");
        pages.set("rampart_up 2\n".into());
        assert!(get(addr, b"GET /metrics?x=1 HTTP/1.0\r\n\r\n").ends_with("rampart_up 2\n"));
        assert!(get(addr, b"GET / HTTP/1.1\r\n\r\n").contains("href=\"/metrics\""));
        assert!(get(addr, b"GET /etc/passwd HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(get(addr, b"POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
        let head = get(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n");
        assert!(
            head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
            "{head}"
        );
        server.stop();
    }

    #[test]
    fn an_oversized_request_is_refused() {
        let server = Server::start("127.0.0.1:0", Pages::default(), Limits::default()).unwrap();
        let mut req = b"GET /metrics HTTP/1.1\r\n".to_vec();
        req.extend(std::iter::repeat_n(b'a', 20_000));
        let r = get(server.local_addr(), &req);
        assert!(r.starts_with("HTTP/1.1 431"), "{r}");
        server.stop();
    }

    #[test]
    fn a_silent_client_is_dropped_and_others_are_served() {
        let limits = Limits {
            io_timeout: Duration::from_millis(200),
            request_deadline: Duration::from_millis(400),
            ..Limits::default()
        };
        let server = Server::start("127.0.0.1:0", Pages::new("ok\n".into()), limits).unwrap();
        let addr = server.local_addr();
        // Connects and says nothing: the server answers 408 and closes.
        let silent = get(addr, b"");
        assert!(silent.starts_with("HTTP/1.1 408"), "{silent}");
        assert!(get(addr, b"GET /metrics HTTP/1.1\r\n\r\n").ends_with("ok\n"));
        server.stop();
    }
}
