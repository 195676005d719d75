//! Snapshots built from text, for check tests.
#![allow(clippy::unwrap_used)]

use crate::aclbuild::{build_acl_facts_with, file_command_table, AclFileInput};
use crate::registry::{run_one, Check};
use crate::snapshot::{Avail, ConfFacts, Snapshot};
use crate::Status;
use redis_conf::{Config, LoadOptions};
use std::path::Path;

/// A snapshot of a config given as text (and its ACL file, if named).
pub fn snapshot_with(conf_text: &str, aclfile: Option<&str>) -> Snapshot {
    let config = Config::parse_str(Path::new("redis.conf"), conf_text, &LoadOptions::default());
    let c = ConfFacts {
        path: "redis.conf".into(),
        config,
    };
    let input = aclfile.map(|text| AclFileInput::Text {
        path: Path::new("users.acl"),
        text,
    });
    let mut s = Snapshot::empty("redis.conf");
    let base = redis_acl::CommandTable::redis_7_0();
    s.file_table = file_command_table(&c, base).map(std::sync::Arc::new);
    s.acl = build_acl_facts_with(&c, input, s.file_table.as_deref().unwrap_or(base));
    s.conf = Avail::Present(c);
    s
}

pub fn conf_snapshot(conf_text: &str) -> Snapshot {
    snapshot_with(conf_text, None)
}

pub fn status_of(check: &Check, s: &Snapshot) -> Status {
    run_one(check, s).status
}

/// The finding's message, for asserting on reasons.
pub fn message_of(check: &Check, s: &Snapshot) -> String {
    run_one(check, s).message
}
