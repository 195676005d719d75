//! Which data the checks judge with: the embedded copy, or a stored feed
//! bundle (`rampart advisories update`) when it is valid and newer.

use serde_json::Value;

use crate::clients::{embedded_clients, ClientData};
use crate::data::{parse_date, Data};
use crate::feed::{self, Bundle, FeedError, Limits};

/// The data in use, and where it comes from.
#[derive(Clone, Debug)]
pub struct Currency {
    pub advisories: Data,
    pub clients: ClientData,
    /// `embedded in rampart 0.1.0`, or `stored at PATH, fetched ... from ...`.
    pub origin: String,
    pub stored: bool,
}

impl Currency {
    /// The embedded data.
    pub fn embedded() -> Currency {
        Currency {
            advisories: crate::embedded().clone(),
            clients: embedded_clients().clone(),
            origin: format!("embedded in rampart {}", env!("CARGO_PKG_VERSION")),
            stored: false,
        }
    }
}

/// The stored bundle: what `update` fetched, verbatim, with when and
/// where from. Merged again onto the embedded data at every load.
pub fn stored_bundle(fetched: &str, from: &str, b: &Bundle) -> Value {
    serde_json::json!({
        "rampart_stored": 1,
        "fetched": fetched,
        "from": from,
        "feed": b.feed,
        "osv": b.osv,
    })
}

/// Cap on a stored bundle.
pub const STORED_BYTES: usize = 64 << 20;

/// Read a stored bundle and merge it onto the embedded data. `Ok(None)`
/// when it is valid but not newer than the embedded data (a rampart
/// upgrade brought newer data): the embedded copy is used.
pub fn load_stored(bytes: &[u8], path: &str) -> Result<Option<Currency>, FeedError> {
    let limits = Limits {
        depth: Limits::default().depth + 2,
        ..Limits::default()
    };
    let v = feed::parse_capped("the stored advisory data", bytes, STORED_BYTES, &limits)?;
    let bad = |e: &str| FeedError::Shape {
        what: "the stored advisory data".into(),
        err: e.into(),
    };
    if v["rampart_stored"] != 1 {
        return Err(bad("not a rampart_stored 1 document"));
    }
    let fetched = v["fetched"]
        .as_str()
        .ok_or_else(|| bad("no fetched date"))?
        .to_string();
    let from = v["from"]
        .as_str()
        .ok_or_else(|| bad("no source"))?
        .to_string();
    let osv = v["osv"]
        .as_array()
        .ok_or_else(|| bad("no osv list"))?
        .clone();
    let b = Bundle {
        feed: v["feed"].clone(),
        osv,
    };
    let base = crate::embedded();
    let base_clients = embedded_clients();
    let reviewed = b.feed["reviewed"].as_str().unwrap_or("").to_string();
    if parse_date(&reviewed, false) <= parse_date(&base.reviewed, false) {
        let clients_newer = b.feed["clients"]["generated"]
            .as_str()
            .is_some_and(|g| parse_date(g, false) > parse_date(&base_clients.generated, false));
        if !clients_newer {
            return Ok(None);
        }
    }
    let m = feed::merge(base, base_clients, &b)?;
    Ok(Some(Currency {
        advisories: m.data,
        clients: m.clients.unwrap_or_else(|| base_clients.clone()),
        origin: format!("stored at {path}, fetched {fetched} from {from}"),
        stored: true,
    }))
}
