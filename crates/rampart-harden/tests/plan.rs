//! Offline tests of the hardening plan: config text in, plan out (no
//! server, no process). The end-to-end tests with real servers are in
//! crates/rampart/tests/harden.rs.
#![allow(clippy::unwrap_used)]

use rampart_harden::{harden, Input, Kind, Options, Plan, Policy, Role, Tls};
use redis_acl::AclFile;
use redis_conf::Format;
use std::path::{Path, PathBuf};

fn input(text: &str) -> Input {
    Input::from_text(
        Path::new("/nonexistent/in/redis.conf"),
        text,
        Format::Server,
    )
    .unwrap()
}

fn options(out: &Path) -> Options {
    Options {
        out_dir: out.to_path_buf(),
        ..Options::default()
    }
}

fn plan(text: &str) -> Plan {
    harden(&input(text), &options(Path::new("/nonexistent/out"))).unwrap()
}

fn ids(p: &Plan) -> Vec<&str> {
    p.changes.iter().map(|c| c.id).collect()
}

fn acl(p: &Plan) -> &str {
    &p.acl.as_ref().unwrap().text
}

/// Nothing a plan shows holds a password it made or read.
fn shows_no_password(p: &Plan, also: &[&str]) {
    let mut shown = p.diff.clone();
    for c in &p.changes {
        shown.push_str(&c.text);
    }
    shown.push_str(&p.notes.concat());
    for (u, pw) in p.new_passwords() {
        let pw = std::str::from_utf8(pw.expose()).unwrap();
        assert_eq!(pw.len(), 64, "{u}");
        assert!(!shown.contains(pw), "password of {u} shown");
    }
    for s in also {
        assert!(!shown.contains(s), "{s} shown");
    }
}

#[test]
fn a_default_config_gets_users_bind_and_logs() {
    let p = plan("port 6379\nbind * -::*\n# keep me\nprotected-mode no\n");
    assert_eq!(p.kind, Kind::Server);
    let ids = ids(&p);
    for id in [
        "ACL003", "ACL004", "ACL005", "NET001", "NET002", "LOG001", "LOG003",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let conf = &p.conf.text;
    assert!(conf.starts_with("port 6379\nbind 127.0.0.1 -::1\n# keep me\nprotected-mode yes\n"));
    assert!(conf.contains("\naclfile /nonexistent/out/users.acl\n"));
    assert!(conf.contains("\nsyslog-enabled yes\n"));
    assert!(conf.contains("\nenable-debug-command no\n"));
    // The ACL file loads and has the default user off and an admin.
    let a = AclFile::parse(Path::new("users.acl"), acl(&p));
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert!(acl(&p).starts_with("user default off resetpass"));
    let names: Vec<&str> = p.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["default", "admin"]);
    assert_eq!(p.new_passwords().len(), 1);
    assert!(p.notes.iter().any(|n| n.contains("NET003")));
    assert!(p
        .diff
        .starts_with("--- /nonexistent/in/redis.conf\n+++ /nonexistent/out/redis.conf\n"));
    assert_eq!(p.conf.path, PathBuf::from("/nonexistent/out/redis.conf"));
    shows_no_password(&p, &[]);
}

#[test]
fn requirepass_and_config_users_move_out() {
    let strong = "Zq8!vR3#mK9$wL2@pX7";
    let text = format!(
        "requirepass foobared\nuser app on >{strong} ~app:* +@read\nuser weak on >123 ~* +@all\n"
    );
    let p = plan(&text);
    let ids = ids(&p);
    assert!(ids.contains(&"ACL007"), "{ids:?}");
    assert!(ids.contains(&"ACL006"), "{ids:?}");
    assert!(ids.contains(&"ACL002"), "{ids:?}");
    assert!(!p.conf.text.contains("requirepass"));
    assert!(!p.conf.text.contains("\nuser "));
    assert!(p.diff.contains("-requirepass ***\n"), "{}", p.diff);
    assert!(p.diff.contains("-user app ***\n"), "{}", p.diff);
    // The strong password is kept hashed; the weak one is replaced.
    let hash = redis_acl::hash_password(strong.as_bytes());
    assert!(acl(&p).contains(&format!("user app on #{hash}")));
    assert!(acl(&p).contains("-@dangerous"));
    assert!(!acl(&p).contains(strong));
    let weak = p.users.iter().find(|u| u.name == "weak").unwrap();
    assert!(weak.new_password.is_some());
    shows_no_password(&p, &[strong, "foobared"]);
    // The strong plaintext is never printed anywhere: the scrubber knows it.
    assert_eq!(rampart_report::scrub::scrub(strong), "***");
}

#[test]
fn a_replica_gets_a_replication_user_and_masterauth() {
    let p = plan("replicaof 10.0.0.1 6379\nmasterauth oldsecret\nbind 10.0.0.2\n");
    let repl = p.users.iter().find(|u| u.name == "replication").unwrap();
    let pw = std::str::from_utf8(repl.new_password.as_ref().unwrap().expose()).unwrap();
    assert!(p.conf.text.contains(&format!("masterauth {pw}\n")));
    assert!(p.conf.text.contains("\nmasteruser replication\n"));
    assert!(ids(&p).contains(&"ACL010"));
    // A private address stays; nothing to change.
    assert!(!ids(&p).contains(&"NET001"));
    assert!(p.diff.contains("masterauth ***"));
    shows_no_password(&p, &["oldsecret"]);
    assert!(p.notes.iter().any(|n| n.contains("TLS006")));
}

#[test]
fn a_policy_makes_its_roles() {
    let pol = Policy::parse(
        Path::new("p.toml"),
        "[[user]]\nname = \"web\"\nrole = \"app\"\nkeys = [\"web:*\"]\nchannels = [\"news\"]\n\n[[user]]\nname = \"ops\"\nrole = \"admin\"\n",
    )
    .unwrap();
    let o = Options {
        policy: Some(pol),
        ..options(Path::new("/nonexistent/out"))
    };
    let p = harden(&input("port 7000\n"), &o).unwrap();
    let names: Vec<&str> = p.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["default", "web", "ops"]);
    assert!(acl(&p).contains(" ~web:* resetchannels &news -@all +@read +@write"));
    assert_eq!(p.new_passwords().len(), 2);
    // Port 7000 is kept: no NET003 note.
    assert!(!p.notes.iter().any(|n| n.contains("NET003")));
}

#[test]
fn bad_policies_are_refused() {
    for (text, want) in [
        ("[[user]]\nname = \"default\"\nrole = \"admin\"\n", "not allowed"),
        ("[[user]]\nname = \"a b\"\nrole = \"admin\"\n", "not allowed"),
        (
            "[[user]]\nname = \"a\"\nrole = \"admin\"\n[[user]]\nname = \"a\"\nrole = \"auditor\"\n",
            "defined twice",
        ),
        ("[[user]]\nname = \"a\"\nrole = \"app\"\n", "needs `keys`"),
        ("[[user]]\nname = \"a\"\nrole = \"app\"\nkeys = [\"\"]\n", "non-empty"),
        ("[[user]]\nname = \"a\"\nrole = \"root\"\n", "p.toml"),
        ("[[user]]\nname = \"a\"\nrole = \"admin\"\nextra = 1\n", "p.toml"),
    ] {
        let e = Policy::parse(Path::new("p.toml"), text).err().unwrap();
        assert!(e.to_string().contains(want), "{text}: {e}");
    }
}

#[test]
fn every_role_loads_as_an_acl_line() {
    for r in Role::ALL {
        let line = format!(
            "user u on {}\n",
            rampart_harden::policy::role_rules(r, &["app:*".into()], &["ch".into()])
        );
        let f = AclFile::parse(Path::new("t.acl"), &line);
        assert!(f.problems.is_empty(), "{r:?}: {:?}", f.problems);
    }
}

#[test]
fn quoting_of_new_values() {
    use redis_conf::quote_arg as quote;
    assert_eq!(quote("TLSv1.2 TLSv1.3"), "\"TLSv1.2 TLSv1.3\"");
    assert_eq!(quote(""), "\"\"");
    assert_eq!(quote("/a/b"), "/a/b");
}

#[test]
fn tls_turns_the_clear_port_off() {
    let o = Options {
        tls: Some(Tls {
            cert: "/nonexistent/tls/c.pem".into(),
            key: "/nonexistent/tls/k.pem".into(),
            ca: "/nonexistent/tls/ca.pem".into(),
        }),
        port: Some(7443),
        ..options(Path::new("/nonexistent/out"))
    };
    let p = harden(&input("port 6379\ncluster-enabled yes\n"), &o).unwrap();
    assert!(p.conf.text.starts_with("port 0\n"));
    for l in [
        "tls-port 7443",
        "tls-protocols \"TLSv1.2 TLSv1.3\"",
        "tls-auth-clients yes",
        "tls-replication yes",
        "tls-cluster yes",
    ] {
        assert!(p.conf.text.contains(&format!("\n{l}\n")), "{l}");
    }
    let ids = ids(&p);
    for id in [
        "TLS001", "TLS002", "TLS003", "TLS004", "TLS005", "TLS006", "TLS009",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
}

#[test]
fn inputs_that_cannot_be_hardened_are_refused() {
    // A line Redis refuses.
    let e = Input::from_text(Path::new("/x/redis.conf"), "port nope\n", Format::Server)
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("Redis would refuse this config"),
        "{e}"
    );
    // The output would overwrite the input.
    let e = harden(&input("port 1\n"), &options(Path::new("/nonexistent/in")))
        .err()
        .unwrap();
    assert!(e.to_string().contains("--out-dir holds the input"), "{e}");
    // Users in the config and an ACL file (--aclfile).
    let o = Options {
        aclfile: Some("/nonexistent/users.acl".into()),
        ..options(Path::new("/nonexistent/out"))
    };
    let e = harden(&input("user a on nopass\n"), &o).err().unwrap();
    assert!(e.to_string().contains("Redis refuses both at once"), "{e}");
    // A sentinel.conf without a master.
    let s = Input::from_text(
        Path::new("/x/sentinel.conf"),
        "port 26379\n",
        Format::Sentinel,
    )
    .unwrap();
    let e = harden(&s, &options(Path::new("/nonexistent/out")))
        .err()
        .unwrap();
    assert!(e.to_string().contains("no `sentinel monitor` line"), "{e}");
}

#[test]
fn a_sentinel_gets_its_users_and_peer_password() {
    let s = Input::from_text(
        Path::new("/nonexistent/in/sentinel.conf"),
        "port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel auth-pass mymaster oldpw\nrequirepass x\n",
        Format::Sentinel,
    )
    .unwrap();
    let p = harden(&s, &options(Path::new("/nonexistent/out"))).unwrap();
    assert_eq!(p.kind, Kind::Sentinel);
    assert!(p.acl.is_none());
    let names: Vec<&str> = p.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["default", "admin", "sentinel-peer", "discovery"]);
    let peer = p.users.iter().find(|u| u.name == "sentinel-peer").unwrap();
    let pw = std::str::from_utf8(peer.new_password.as_ref().unwrap().expose()).unwrap();
    assert!(p
        .conf
        .text
        .contains(&format!("\nsentinel sentinel-pass {pw}\n")));
    assert!(p
        .conf
        .text
        .contains("\nsentinel sentinel-user sentinel-peer\n"));
    assert!(p
        .conf
        .text
        .contains("\nsentinel deny-scripts-reconfig yes\n"));
    assert!(!p.conf.text.contains("requirepass"));
    assert!(
        p.diff.contains("+sentinel sentinel-pass ***\n"),
        "{}",
        p.diff
    );
    assert!(p.notes.iter().any(|n| n.contains("requirepass removed")));
    shows_no_password(&p, &["oldpw"]);
}

#[test]
fn users_from_an_earlier_run_are_shared_and_their_password_scrubbed() {
    let first = tempfile::tempdir().unwrap();
    let out1 = first.path().join("out");
    let p1 = harden(&input("replicaof 10.0.0.1 6379\n"), &options(&out1)).unwrap();
    let w = rampart_harden::write(&p1).unwrap();
    assert!(w.passwords);
    let pw_file = std::fs::read_to_string(out1.join("passwords.txt")).unwrap();
    let repl_pw = pw_file
        .lines()
        .find_map(|l| l.strip_prefix("replication "))
        .unwrap()
        .to_string();
    // Written once: a second write refuses to overwrite passwords.txt.
    let e = rampart_harden::write(&p1).err().unwrap();
    assert!(e.to_string().contains("already exists"), "{e}");

    let out2 = first.path().join("out2");
    let o = Options {
        users_from: Some(out1.clone()),
        ..options(&out2)
    };
    let p2 = harden(&input("replicaof 10.0.0.1 6379\n"), &o).unwrap();
    assert!(p2.new_passwords().is_empty());
    assert_eq!(
        acl(&p2),
        std::fs::read_to_string(out1.join("users.acl")).unwrap()
    );
    assert!(p2.conf.text.contains(&format!("masterauth {repl_pw}\n")));
    assert_eq!(rampart_report::scrub::scrub(&repl_pw), "***");
    let w2 = rampart_harden::write(&p2).unwrap();
    assert!(!w2.passwords);
    assert!(!out2.join("passwords.txt").exists());
}
