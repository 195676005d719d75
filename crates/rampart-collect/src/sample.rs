//! DATA003's opt-in sample of stored values: read-only and bounded.
//!
//! `SCAN` walks each database that INFO keyspace lists (`SELECT` only
//! changes this connection), up to `limit` keys; per key, `TYPE` and one
//! bounded read: `GETRANGE 0 4095` (string), `HSCAN 0 COUNT 20` (hash),
//! `LRANGE 0 9`, `SSCAN 0 COUNT 10`, `ZRANGE 0 9`, `XRANGE - + COUNT 3`;
//! other types (modules) are counted, not read. Each value is classified
//! on the spot ([`rampart_checks::sensitive`]) and dropped: only key names
//! and the kinds found are kept. `CLIENT NO-TOUCH on` (Redis 7.2+, Valkey)
//! keeps the reads from changing LRU/LFU data; where it is refused, the
//! evidence says so.

use rampart_checks::sensitive::{classify, Kind};
use rampart_checks::{SampleHit, ValueSample};
use rampart_live::{ConnectOptions, Connection, Credentials, Endpoint, Value};

/// Bytes of a value looked at.
const MAX_VALUE: usize = 4096;

fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Bulk(b) => Some(b),
        Value::Simple(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// The first line of an error reply.
fn err(v: &Value) -> Option<String> {
    v.as_error()
        .map(|e| e.lines().next().unwrap_or("").to_string())
}

/// The databases INFO keyspace lists, with their key counts.
fn databases(c: &mut Connection) -> Result<Vec<u32>, String> {
    let v = c.cmd(&["INFO", "keyspace"]).map_err(|e| e.to_string())?;
    if let Some(e) = err(&v) {
        return Err(format!("INFO keyspace: {e}"));
    }
    Ok(
        rampart_live::reply::Info::parse(&v.as_text().unwrap_or_default())
            .keyspace()
            .into_iter()
            .map(|(n, _)| n)
            .collect(),
    )
}

/// The values one bounded read of `key` returns, with where each came
/// from (`string`, `hash field NAME`, ...).
fn read_key(c: &mut Connection, key: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let io = |e: rampart_live::LiveError| e.to_string();
    let t = c.cmd_bytes(&[b"TYPE", key]).map_err(io)?;
    if let Some(e) = err(&t) {
        return Err(format!("TYPE: {e}"));
    }
    let ty = t.as_text().unwrap_or_default();
    let reply = match ty.as_str() {
        "string" => c.cmd_bytes(&[
            b"GETRANGE",
            key,
            b"0",
            (MAX_VALUE - 1).to_string().as_bytes(),
        ]),
        "hash" => c.cmd_bytes(&[b"HSCAN", key, b"0", b"COUNT", b"20"]),
        "list" => c.cmd_bytes(&[b"LRANGE", key, b"0", b"9"]),
        "set" => c.cmd_bytes(&[b"SSCAN", key, b"0", b"COUNT", b"10"]),
        "zset" => c.cmd_bytes(&[b"ZRANGE", key, b"0", b"9"]),
        "stream" => c.cmd_bytes(&[b"XRANGE", key, b"-", b"+", b"COUNT", b"3"]),
        _ => return Ok(Vec::new()),
    }
    .map_err(io)?;
    if let Some(e) = err(&reply) {
        return Err(format!("{ty}: {e}"));
    }
    let cut = |b: &[u8]| b[..b.len().min(MAX_VALUE)].to_vec();
    let mut out = Vec::new();
    match ty.as_str() {
        "string" => {
            if let Some(b) = bytes(&reply) {
                out.push(("string".to_string(), cut(b)));
            }
        }
        "hash" | "set" => {
            let items = reply
                .as_list()
                .and_then(|l| l.get(1))
                .and_then(Value::as_list)
                .unwrap_or(&[]);
            if ty == "hash" {
                for pair in items.chunks(2) {
                    if let [f, v] = pair {
                        let name = String::from_utf8_lossy(bytes(f).unwrap_or(b"")).into_owned();
                        if let Some(v) = bytes(v) {
                            out.push((format!("hash field {name}"), cut(v)));
                        }
                    }
                }
            } else {
                out.extend(
                    items
                        .iter()
                        .filter_map(bytes)
                        .map(|b| ("set member".to_string(), cut(b))),
                );
            }
        }
        "list" | "zset" => out.extend(
            reply
                .as_list()
                .unwrap_or(&[])
                .iter()
                .filter_map(bytes)
                .map(|b| (format!("{ty} element"), cut(b))),
        ),
        "stream" => {
            for entry in reply.as_list().unwrap_or(&[]) {
                let fields = entry
                    .as_list()
                    .and_then(|e| e.get(1))
                    .and_then(Value::as_list)
                    .unwrap_or(&[]);
                for pair in fields.chunks(2) {
                    if let [f, v] = pair {
                        let name = String::from_utf8_lossy(bytes(f).unwrap_or(b"")).into_owned();
                        if let Some(v) = bytes(v) {
                            out.push((format!("stream field {name}"), cut(v)));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Sample up to `limit` keys of the server at `ep`.
pub fn sample_values(
    ep: &Endpoint,
    creds: &Credentials,
    opts: &ConnectOptions,
    limit: usize,
) -> Result<ValueSample, String> {
    let mut c = Connection::connect(ep, opts).map_err(|e| e.to_string())?;
    c.hello(creds).map_err(|e| e.to_string())?;
    let mut s = ValueSample {
        no_touch: c
            .cmd(&["CLIENT", "NO-TOUCH", "ON"])
            .is_ok_and(|v| err(&v).is_none()),
        ..ValueSample::default()
    };
    'dbs: for db in databases(&mut c)? {
        if db != 0 {
            let v = c
                .cmd(&["SELECT", &db.to_string()])
                .map_err(|e| e.to_string())?;
            if err(&v).is_some() {
                continue;
            }
        }
        let mut cursor = b"0".to_vec();
        loop {
            let v = c
                .cmd_bytes(&[b"SCAN", &cursor, b"COUNT", b"100"])
                .map_err(|e| e.to_string())?;
            if let Some(e) = err(&v) {
                return Err(format!("SCAN: {e}"));
            }
            let parts = v.as_list().unwrap_or(&[]);
            let next = parts.first().and_then(bytes).unwrap_or(b"0").to_vec();
            let keys = parts.get(1).and_then(Value::as_list).unwrap_or(&[]);
            for k in keys.iter().filter_map(bytes) {
                if s.keys >= limit {
                    s.truncated = true;
                    break 'dbs;
                }
                s.keys += 1;
                let values = match read_key(&mut c, k) {
                    Ok(v) => v,
                    // The audit user may not read keys: the whole sample
                    // is void, never a pass.
                    Err(e) if e.contains("NOPERM") => return Err(format!("reading values: {e}")),
                    // A key that changed type meanwhile, a module type
                    // that refuses the read: counted and said.
                    Err(e) => {
                        s.unreadable += 1;
                        s.first_error.get_or_insert(e);
                        continue;
                    }
                };
                let mut kinds: Vec<Kind> = Vec::new();
                let mut places: Vec<String> = Vec::new();
                for (place, v) in values {
                    s.values += 1;
                    let field = place
                        .strip_prefix("hash field ")
                        .or_else(|| place.strip_prefix("stream field "))
                        .map(str::as_bytes);
                    let found = classify(field, &v);
                    if !found.is_empty() && !places.contains(&place) {
                        places.push(place);
                    }
                    kinds.extend(found);
                }
                kinds.sort();
                kinds.dedup();
                if !kinds.is_empty() {
                    s.hits.push(SampleHit {
                        db,
                        key: String::from_utf8_lossy(k).into_owned(),
                        place: places.join(", "),
                        kinds,
                    });
                }
            }
            if next == b"0" {
                break;
            }
            cursor = next;
        }
    }
    Ok(s)
}
