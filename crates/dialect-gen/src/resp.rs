//! A minimal RESP2 client for servers this generator started itself (over
//! a Unix socket or loopback TCP), with a read timeout. Not for untrusted
//! peers: rampart-live is the hardened client.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    pub fn text(&self) -> String {
        match self {
            Reply::Status(s) | Reply::Error(s) => s.clone(),
            Reply::Int(i) => i.to_string(),
            Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            Reply::Bulk(None) | Reply::Array(None) => String::new(),
            Reply::Array(Some(_)) => String::new(),
        }
    }
    pub fn int(&self) -> i64 {
        match self {
            Reply::Int(i) => *i,
            _ => 0,
        }
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
    pub fn array(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(a)) => a,
            _ => &[],
        }
    }
}

pub struct Conn {
    r: BufReader<Box<dyn Read + Send>>,
    w: Box<dyn Write + Send>,
}

const TIMEOUT: Duration = Duration::from_secs(20);

impl Conn {
    pub fn unix(path: &Path) -> Result<Conn> {
        let s = UnixStream::connect(path)?;
        s.set_read_timeout(Some(TIMEOUT))?;
        Ok(Conn {
            r: BufReader::new(Box::new(s.try_clone()?)),
            w: Box::new(s),
        })
    }

    pub fn cmd<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Result<Reply> {
        self.send(args)?;
        self.read()
    }

    /// Send many commands, then read every reply (one round trip).
    pub fn pipeline(&mut self, cmds: &[Vec<Vec<u8>>]) -> Result<Vec<Reply>> {
        for c in cmds {
            self.send(c)?;
        }
        cmds.iter().map(|_| self.read()).collect()
    }

    fn send<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Result<()> {
        let mut buf = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            let a = a.as_ref();
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        self.w.write_all(&buf)?;
        Ok(())
    }

    fn line(&mut self) -> Result<String> {
        let mut l = String::new();
        if self.r.read_line(&mut l)? == 0 {
            bail!("connection closed");
        }
        Ok(l.trim_end_matches(['\r', '\n']).to_string())
    }

    pub fn read(&mut self) -> Result<Reply> {
        let l = self.line()?;
        let (t, rest) = l.split_at(l.len().min(1));
        Ok(match t {
            "+" => Reply::Status(rest.into()),
            "-" => Reply::Error(rest.into()),
            ":" => Reply::Int(rest.parse().context("integer reply")?),
            "$" => {
                let n: i64 = rest.parse().context("bulk length")?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut b = vec![0; usize::try_from(n)? + 2];
                    self.r.read_exact(&mut b)?;
                    b.truncate(b.len() - 2);
                    Reply::Bulk(Some(b))
                }
            }
            "*" => {
                let n: i64 = rest.parse().context("array length")?;
                if n < 0 {
                    Reply::Array(None)
                } else {
                    let mut v = Vec::new();
                    for _ in 0..n {
                        v.push(self.read()?);
                    }
                    Reply::Array(Some(v))
                }
            }
            _ => bail!("unexpected reply line {l:?}"),
        })
    }
}
