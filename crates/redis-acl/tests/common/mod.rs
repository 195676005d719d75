//! Comparing our users with what a live redis-server holds.
#![allow(clippy::unwrap_used, dead_code)]

use redis_acl::{parse_rule, CommandBits, CommandTable, Selector, User};
use redis_fixture::{Conn, Reply};

/// One selector as `ACL GETUSER` shows it.
#[derive(Debug, Clone)]
pub struct ServerSel {
    pub commands: String,
    pub keys: String,
    pub channels: String,
}

/// A user as `ACL GETUSER` shows it.
#[derive(Debug, Clone)]
pub struct ServerUser {
    pub name: String,
    pub flags: Vec<String>,
    pub passwords: Vec<String>,
    pub root: ServerSel,
    pub selectors: Vec<ServerSel>,
}

fn map(r: &Reply) -> Vec<(String, Reply)> {
    r.array()
        .chunks(2)
        .map(|kv| (kv[0].text(), kv[1].clone()))
        .collect()
}

fn get<'a>(m: &'a [(String, Reply)], k: &str) -> &'a Reply {
    &m.iter().find(|(x, _)| x == k).unwrap().1
}

fn sel(m: &[(String, Reply)]) -> ServerSel {
    ServerSel {
        commands: get(m, "commands").text(),
        keys: get(m, "keys").text(),
        channels: get(m, "channels").text(),
    }
}

pub fn getuser(c: &mut Conn, name: &str) -> Option<ServerUser> {
    let r = c.cmd(&["ACL", "GETUSER", name]).unwrap();
    if r.is_error() || matches!(r, Reply::Array(None)) {
        return None;
    }
    let m = map(&r);
    Some(ServerUser {
        name: name.to_string(),
        flags: get(&m, "flags").array().iter().map(|x| x.text()).collect(),
        passwords: get(&m, "passwords")
            .array()
            .iter()
            .map(|x| x.text())
            .collect(),
        root: sel(&m),
        selectors: get(&m, "selectors")
            .array()
            .iter()
            .map(|s| sel(&map(s)))
            .collect(),
    })
}

pub fn server_usernames(c: &mut Conn) -> Vec<String> {
    let mut v: Vec<String> = c
        .cmd(&["ACL", "USERS"])
        .unwrap()
        .array()
        .iter()
        .map(|x| x.text())
        .collect();
    v.sort();
    v
}

/// The bitmap the server's (7.0, recomputed) command string stands for.
pub fn bits_of(table: &CommandTable, commands: &str) -> CommandBits {
    let mut s = Selector::empty();
    for t in commands.split(' ').filter(|t| !t.is_empty()) {
        let r = parse_rule(t).unwrap_or_else(|e| panic!("server rule {t:?}: {e}"));
        s.apply_rule(table, &r)
            .unwrap_or_else(|e| panic!("server rule {t:?}: {e}"));
    }
    s.command_bits(table)
}

fn cmp_sel(
    table: &CommandTable,
    what: &str,
    ours: &Selector,
    srv: &ServerSel,
) -> Result<(), String> {
    if ours.keys_string() != srv.keys {
        return Err(format!(
            "{what} keys: ours {:?} server {:?}",
            ours.keys_string(),
            srv.keys
        ));
    }
    if ours.channels_string() != srv.channels {
        return Err(format!(
            "{what} channels: ours {:?} server {:?}",
            ours.channels_string(),
            srv.channels
        ));
    }
    let a = ours.command_bits(table);
    let mut b = bits_of(table, &srv.commands);
    // ACL LIST cannot express the ALLCOMMANDS flag (`+@all -x +x` clears it
    // in the server, its rendering `+@all` sets it); only module commands
    // could tell, and DRYRUN covers the table's commands.
    b.all_commands_flag = a.all_commands_flag;
    if a != b {
        let diff: Vec<&str> = table
            .commands()
            .iter()
            .filter(|c| a.bit(c.id) != b.bit(c.id))
            .map(|c| c.name.as_str())
            .take(10)
            .collect();
        return Err(format!(
            "{what} commands: ours {:?} server {:?}; differing bits {diff:?}, future {} vs {}",
            ours.commands_string(),
            srv.commands,
            a.future_commands,
            b.future_commands
        ));
    }
    Ok(())
}

/// Everything but the command wording must be equal; commands are compared as bitmaps.
pub fn compare(table: &CommandTable, ours: &User, srv: &ServerUser) -> Result<(), String> {
    let flags: Vec<String> = ours.flags().iter().map(|s| s.to_string()).collect();
    if flags != srv.flags {
        return Err(format!("flags: ours {flags:?} server {:?}", srv.flags));
    }
    let pw: Vec<String> = ours.passwords.iter().map(|p| p.hash.clone()).collect();
    if pw != srv.passwords {
        return Err(format!("passwords: ours {pw:?} server {:?}", srv.passwords));
    }
    cmp_sel(table, "root", &ours.root, &srv.root)?;
    if ours.selectors.len() != srv.selectors.len() {
        return Err(format!(
            "selector count: ours {} server {}",
            ours.selectors.len(),
            srv.selectors.len()
        ));
    }
    for (i, (a, b)) in ours.selectors.iter().zip(&srv.selectors).enumerate() {
        cmp_sel(table, &format!("selector {i}"), a, b)?;
    }
    Ok(())
}

/// `ACL DRYRUN user <cmd> [<sub>]` for every command and subcommand of the
/// table against our [`User::allows_command`]. Returns the disagreements.
pub fn dryrun_sweep(c: &mut Conn, table: &CommandTable, user: &User) -> Vec<String> {
    let mut bad = Vec::new();
    for cmd in table.commands() {
        if !cmd.subcommands.is_empty() {
            // Containers never run themselves (`config x` looks up a subcommand).
            continue;
        }
        let mut args: Vec<String> = vec!["ACL".into(), "DRYRUN".into(), user.name.clone()];
        let words: Vec<String> = cmd.name.split('|').map(String::from).collect();
        let argc = (cmd.arity.unsigned_abs() as usize).max(words.len());
        args.extend(words.iter().cloned());
        args.extend(std::iter::repeat_n(
            "rampart-dummy".to_string(),
            argc - words.len(),
        ));
        let r = c.cmd(&args).unwrap();
        let server = match &r {
            Reply::Status(s) if s == "OK" => true,
            // Denied on a key or channel: the command itself passed.
            Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).contains("to access"),
            other => panic!("DRYRUN {}: {other:?}", cmd.name),
        };
        let ours = user.allows_command(table, &cmd.name);
        if server != ours {
            bad.push(format!("{}: server {server} ours {ours}", cmd.name));
        }
    }
    bad
}

/// A small deterministic PRNG (splitmix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<T: Clone>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())].clone()
    }
}
