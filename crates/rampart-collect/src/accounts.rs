use std::collections::HashMap;
use std::path::Path;

/// User and group names from /etc/passwd and /etc/group.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

fn parse(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let _pw = f.next()?;
            let id = f.next()?.parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

impl Accounts {
    /// Read `<root>/etc/passwd` and `<root>/etc/group`; missing files give no names.
    pub fn load(root: &Path) -> Accounts {
        let read = |p: &str| {
            crate::read_text(&root.join(p), redis_conf::fileio::DEFAULT_LIMIT).unwrap_or_default()
        };
        Accounts {
            users: parse(&read("etc/passwd")),
            groups: parse(&read("etc/group")),
        }
    }
    pub fn user(&self, uid: u32) -> Option<String> {
        self.users.get(&uid).cloned()
    }
    pub fn group(&self, gid: u32) -> Option<String> {
        self.groups.get(&gid).cloned()
    }
}
