//! The fleet a `--targets-file` names: a list (one target a line) or a
//! TOML inventory whose targets carry their own credentials by reference
//! (an environment variable or a file), never the password itself.

use rampart_live::{Credentials, Endpoint};
use redis_conf::fileio::{read_string, DEFAULT_LIMIT};
use redis_conf::Secret;
use std::path::{Path, PathBuf};

/// An inventory that cannot be read, with the file (and target) it is about.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InventoryError(String);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Inventory {
    #[serde(default)]
    defaults: Creds,
    #[serde(default)]
    target: Vec<InventoryTarget>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct Creds {
    user: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryTarget {
    url: String,
    #[serde(flatten)]
    creds: Creds,
}

impl Creds {
    fn password(&self, what: &str) -> Result<Option<Secret>, InventoryError> {
        if let Some(var) = &self.password_env {
            let v = std::env::var_os(var).ok_or_else(|| {
                InventoryError(format!("{what}: the environment variable {var} is not set"))
            })?;
            return Ok(Some(Secret::new(v.into_encoded_bytes())));
        }
        if let Some(f) = &self.password_file {
            let text = read_string(f, DEFAULT_LIMIT)
                .map_err(|e| InventoryError(format!("{what}: {}", e.named("the password file"))))?;
            return Ok(Some(Secret::new(
                text.lines().next().unwrap_or("").as_bytes().to_vec(),
            )));
        }
        Ok(None)
    }
}

/// One target of a TOML inventory.
pub struct Entry {
    pub endpoint: Endpoint,
    /// The target's own, else the inventory's defaults, else `default_user`.
    pub credentials: Credentials,
    /// A password written in the url itself: the caller warns.
    pub password_in_url: Option<String>,
}

/// The targets of a TOML inventory with their credentials; `default_user`
/// (`--user`) is the login of a target that names none.
pub fn read_toml(f: &Path, default_user: Option<&str>) -> Result<Vec<Entry>, InventoryError> {
    let text = read_string(f, DEFAULT_LIMIT)
        .map_err(|e| InventoryError(e.named("the inventory").to_string()))?;
    let inv: Inventory = toml::from_str(&text)
        .map_err(|e| InventoryError(format!("{}: {}", f.display(), e.message())))?;
    let mut out = Vec::with_capacity(inv.target.len());
    for (i, t) in inv.target.iter().enumerate() {
        let what = format!(
            "{} target #{} ({})",
            f.display(),
            i + 1,
            rampart_live::target::redact(&t.url)
        );
        let parsed = rampart_live::target::parse(&t.url, 6379)
            .map_err(|e| InventoryError(format!("{what}: {e}")))?;
        let password = match parsed.credentials.password.clone() {
            Some(p) => Some(p),
            None => match t.creds.password(&what)? {
                Some(p) => Some(p),
                None => inv.defaults.password(&what)?,
            },
        };
        let user = parsed
            .credentials
            .user
            .clone()
            .or_else(|| t.creds.user.clone())
            .or_else(|| inv.defaults.user.clone())
            .or_else(|| default_user.map(str::to_string));
        out.push(Entry {
            endpoint: parsed.endpoint,
            credentials: Credentials { user, password },
            password_in_url: parsed.password_in_uri.then_some(what),
        });
    }
    Ok(out)
}

/// The targets of a list file: one a line, `#` comments and blank lines
/// skipped. Every line is parsed here, so a typo stops the run with its
/// line instead of silently dropping a server.
pub fn read_list(f: &Path) -> Result<Vec<String>, InventoryError> {
    let text = read_string(f, DEFAULT_LIMIT)
        .map_err(|e| InventoryError(e.named("the targets file").to_string()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        rampart_live::target::parse(line, 6379)
            .map_err(|e| InventoryError(format!("{}:{}: {e}", f.display(), i + 1)))?;
        out.push(line.to_string());
    }
    Ok(out)
}
