//! What each user gains or loses between two ACL sets, in effective
//! permissions (commands from the bitmaps, not the rules' text).

use std::collections::BTreeSet;

use crate::engine::{CompiledUser, Engine};

/// A user's permissions, as sets of comparable strings.
pub struct Perms {
    pub enabled: bool,
    pub nopass: bool,
    pub hashes: BTreeSet<String>,
    pub commands: BTreeSet<String>,
    pub keys: BTreeSet<String>,
    pub channels: BTreeSet<String>,
    /// Valkey's database rule per selector (`db=0,3`, `alldbs`, `resetdbs`).
    pub databases: BTreeSet<String>,
}

pub fn perms(engine: &Engine<'_>, u: &CompiledUser) -> Perms {
    let mut commands = BTreeSet::new();
    for c in engine.table().commands() {
        if c.subcommands.is_empty() && u.selectors.iter().any(|s| s.bits.allows(c)) {
            commands.insert(c.name.clone());
        }
        for s in &u.selectors {
            for fa in s.bits.first_args(c.id) {
                commands.insert(format!("{}|{fa} (first arg)", c.name));
            }
        }
    }
    let mut keys = BTreeSet::new();
    let mut channels = BTreeSet::new();
    let mut databases = BTreeSet::new();
    for (i, s) in u.selectors.iter().enumerate() {
        let tag = |p: String| {
            if i == 0 {
                p
            } else {
                format!("{p} (selector #{i})")
            }
        };
        if s.selector.all_keys {
            keys.insert(tag("~*".into()));
        }
        for k in &s.selector.keys {
            let p = match (k.read, k.write) {
                (true, false) => format!("%R~{}", k.pattern),
                (false, true) => format!("%W~{}", k.pattern),
                _ => format!("~{}", k.pattern),
            };
            keys.insert(tag(p));
        }
        if s.selector.all_channels {
            channels.insert(tag("&*".into()));
        }
        for c in &s.selector.channels {
            channels.insert(tag(format!("&{c}")));
        }
        if engine.table().has_db_rules() {
            databases.insert(tag(crate::dbs::db_rule(&s.selector.dbs)));
        }
    }
    Perms {
        enabled: u.user.enabled,
        nopass: u.user.nopass,
        hashes: u.user.passwords.iter().map(|p| p.hash.clone()).collect(),
        commands,
        keys,
        channels,
        databases,
    }
}

/// Gained (in the new set only) and lost (in the old only).
pub type GainLoss = (Vec<String>, Vec<String>);

/// One user's change.
pub enum UserChange {
    Added {
        user: String,
        perms: Perms,
    },
    Removed {
        user: String,
    },
    Changed {
        user: String,
        enabled: [bool; 2],
        nopass: [bool; 2],
        passwords_added: usize,
        passwords_removed: usize,
        commands: GainLoss,
        keys: GainLoss,
        channels: GainLoss,
        databases: GainLoss,
    },
}

fn set_diff(x: &BTreeSet<String>, y: &BTreeSet<String>) -> GainLoss {
    (
        y.difference(x).cloned().collect(),
        x.difference(y).cloned().collect(),
    )
}

/// The changes from `a` to `b`, by user name; unchanged users left out.
pub fn diff(engine: &Engine<'_>, a: &[CompiledUser], b: &[CompiledUser]) -> Vec<UserChange> {
    let by_name = |v: &[CompiledUser]| -> std::collections::HashMap<String, usize> {
        // The first user of a name, as a scan would find it.
        let mut m = std::collections::HashMap::new();
        for (i, u) in v.iter().enumerate() {
            m.entry(u.user.name.clone()).or_insert(i);
        }
        m
    };
    let (ia, ib) = (by_name(a), by_name(b));
    let names: BTreeSet<&str> = a
        .iter()
        .chain(b.iter())
        .map(|u| u.user.name.as_str())
        .collect();
    let mut out = Vec::new();
    for name in names {
        let pa = ia.get(name).map(|&i| perms(engine, &a[i]));
        let pb = ib.get(name).map(|&i| perms(engine, &b[i]));
        let user = name.to_string();
        let change = match (pa, pb) {
            (None, Some(perms)) => UserChange::Added { user, perms },
            (Some(_), None) => UserChange::Removed { user },
            (Some(x), Some(y)) => {
                let commands = set_diff(&x.commands, &y.commands);
                let keys = set_diff(&x.keys, &y.keys);
                let channels = set_diff(&x.channels, &y.channels);
                let databases = set_diff(&x.databases, &y.databases);
                let passwords_added = y.hashes.difference(&x.hashes).count();
                let passwords_removed = x.hashes.difference(&y.hashes).count();
                let none = |g: &GainLoss| g.0.is_empty() && g.1.is_empty();
                if none(&commands)
                    && none(&keys)
                    && none(&channels)
                    && none(&databases)
                    && x.enabled == y.enabled
                    && x.nopass == y.nopass
                    && passwords_added == 0
                    && passwords_removed == 0
                {
                    continue;
                }
                UserChange::Changed {
                    user,
                    enabled: [x.enabled, y.enabled],
                    nopass: [x.nopass, y.nopass],
                    passwords_added,
                    passwords_removed,
                    commands,
                    keys,
                    channels,
                    databases,
                }
            }
            (None, None) => continue,
        };
        out.push(change);
    }
    out
}
