//! A fake RESP server for what a real one cannot be made to do: answer
//! late, drip a reply, stay silent, echo what it was sent, leave keys out
//! of CONFIG GET. Each connection is served on its own thread; `handler`
//! decides what each command gets.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// What the fake does with one command.
pub enum Act {
    /// Send these bytes.
    Reply(Vec<u8>),
    /// Wait, then send.
    Late(Duration, Vec<u8>),
    /// Send one byte every `Duration`.
    Drip(Duration, Vec<u8>),
    /// Send nothing, ever (the connection stays open).
    Silent,
    /// Stream `head` then `unit` up to `times` times (a huge reply).
    Stream {
        head: Vec<u8>,
        unit: Vec<u8>,
        times: usize,
    },
}

pub fn bulk(s: &str) -> Vec<u8> {
    format!("${}\r\n{s}\r\n", s.len()).into_bytes()
}

pub fn array(items: &[&str]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", items.len()).into_bytes();
    for i in items {
        v.extend(bulk(i));
    }
    v
}

pub fn err(s: &str) -> Vec<u8> {
    format!("-{s}\r\n").into_bytes()
}

/// A plausible INFO all of a Redis 7.0 standalone server.
pub fn info() -> Vec<u8> {
    bulk("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nos:Linux\r\nprocess_id:1\r\ntcp_port:6379\r\nconfig_file:\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n# Cluster\r\ncluster_enabled:0\r\n")
}

/// Read one command (a RESP array of bulk strings).
fn read_cmd(r: &mut BufReader<TcpStream>) -> Option<Vec<Vec<u8>>> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let n: usize = line.trim_end().strip_prefix('*')?.parse().ok()?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        line.clear();
        r.read_line(&mut line).ok()?;
        let len: usize = line.trim_end().strip_prefix('$')?.parse().ok()?;
        let mut b = vec![0u8; len + 2];
        r.read_exact(&mut b).ok()?;
        b.truncate(len);
        args.push(b);
    }
    Some(args)
}

/// What answers each command.
type Handler = Arc<dyn Fn(&[String]) -> Act + Send + Sync>;

// Each connection's thread owns its handler.
#[allow(clippy::needless_pass_by_value)]
fn serve(s: TcpStream, handler: Handler) {
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    while let Some(args) = read_cmd(&mut r) {
        let args: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let ok = match handler(&args) {
            Act::Reply(b) => w.write_all(&b).is_ok(),
            Act::Late(d, b) => {
                std::thread::sleep(d);
                w.write_all(&b).is_ok()
            }
            Act::Drip(d, b) => b.iter().all(|c| {
                std::thread::sleep(d);
                w.write_all(&[*c]).is_ok()
            }),
            Act::Silent => {
                // Hold the connection until the client goes away.
                let mut sink = [0u8; 1024];
                while matches!(r.read(&mut sink), Ok(n) if n > 0) {}
                false
            }
            Act::Stream { head, unit, times } => {
                let mut ok = w.write_all(&head).is_ok();
                let chunk: Vec<u8> = unit.repeat((64 * 1024 / unit.len().max(1)).max(1));
                let per = chunk.len() / unit.len().max(1);
                let mut sent = 0;
                while ok && sent < times {
                    let k = per.min(times - sent);
                    ok = w.write_all(&chunk[..k * unit.len()]).is_ok();
                    sent += k;
                }
                ok
            }
        };
        if !ok {
            break;
        }
    }
}

/// Start a fake on a free loopback port; returns the port.
pub fn start(handler: impl Fn(&[String]) -> Act + Send + Sync + 'static) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let handler: Handler = Arc::new(handler);
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let h = handler.clone();
            std::thread::spawn(move || serve(s, h));
        }
    });
    port
}

/// The usual answers of a plain Redis 7.0 with no password, for the
/// commands a test does not care about; `None` for the rest.
pub fn usual(args: &[String]) -> Act {
    let cmd = args
        .first()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    let sub = args
        .get(1)
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    match (cmd.as_str(), sub.as_str()) {
        ("HELLO", _) => Act::Reply(err("ERR unknown command 'HELLO'")),
        ("AUTH", _) => Act::Reply(b"+OK\r\n".to_vec()),
        ("PING", _) => Act::Reply(err("NOAUTH Authentication required.")),
        ("INFO", _) => Act::Reply(info()),
        ("CONFIG", "GET") => Act::Reply(array(&[
            "protected-mode",
            "yes",
            "bind",
            "127.0.0.1",
            "port",
            "6379",
        ])),
        ("ACL", "LIST") => Act::Reply(array(&["user default on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~* &* +@all"])),
        ("CLIENT", "ID") => Act::Reply(b":7\r\n".to_vec()),
        ("CLIENT", "LIST") => Act::Reply(bulk("id=7 addr=127.0.0.1:1 name= user=default cmd=client|list\n")),
        ("MODULE", "LIST") => Act::Reply(b"*0\r\n".to_vec()),
        _ => Act::Reply(err(&format!("ERR unknown command '{}'", cmd))),
    }
}
