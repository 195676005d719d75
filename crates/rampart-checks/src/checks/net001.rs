use super::sentinel_conf::{combine, node_label, sentinel_conf};
use super::{listening_sockets as sockets, settings, Settings};
use crate::fix::{Fix, Safety};
use crate::model::{Evidence, Outcome, Source, Status};
use crate::registry::check;
use crate::snapshot::Snapshot;
use std::net::IpAddr;

check! {
    /// Redis listens only on trusted interfaces.
    ///
    /// **What.** The effective `bind` list: with no `bind` line Redis 7
    /// listens on every interface (`* -::*`), and before 7.0 on all IPv4
    /// and IPv6 addresses. A wildcard (`*`, `0.0.0.0`, `::`, `::*`) or a
    /// public address is a failure; loopback addresses pass; private
    /// (RFC 1918, unique-local, link-local) addresses pass with a note that
    /// the network they belong to must be trusted. A server with `port 0`
    /// and `tls-port 0` has no TCP listener and passes. On a live audit of
    /// a server on this host, the TCP sockets its process listens on are
    /// read from /proc/net/tcp and tcp6 (matched to its file descriptors):
    /// they decide when `CONFIG GET bind` cannot be read (the config file
    /// may not be what the server was started with), and a socket wider
    /// than `bind` fails. With a sentinel.conf (`--sentinel-config`, or
    /// the file a Sentinel on this host names) the Sentinel is judged too:
    /// it listens (port 26379 by default) on its own `bind`, every
    /// interface when it has none; the worse of the two verdicts decides.
    ///
    /// **Why.** Redis is designed for trusted clients inside trusted
    /// networks; exposed instances are found by internet-wide scans within
    /// hours and are a well-known path to data theft and remote code
    /// execution (writing cron files or SSH keys through CONFIG SET dir).
    ///
    /// **References.** Redis security docs ("Network security"); seed
    /// checklist "Ensure Redis is always deployed inside a trusted network".
    id: "NET001",
    title: "Bound only to trusted interfaces",
    severity: High,
    sources: [Conf, Live, Proc],
    refs: [Nist80053("SC-7"), Nist80053("CM-7")],
    remediation: "Set `bind` to the loopback address and the private addresses of the interfaces clients use (e.g. `bind 127.0.0.1 -::1 10.0.0.5`); never `*` or `0.0.0.0` on a host with a public interface.",
    fix: crate::fix::FixRule::Compute(fix),
    run: run,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Reach {
    Loopback,
    Private,
    Unknown,
    Public,
    Wildcard,
}

fn classify(addr: &str) -> Reach {
    let a = addr.trim_start_matches('-');
    match a {
        "*" | "::*" | "0.0.0.0" | "::" => return Reach::Wildcard,
        "localhost" => return Reach::Loopback,
        _ => {}
    }
    match a.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => Reach::Wildcard,
        Ok(ip) if ip.is_loopback() => Reach::Loopback,
        Ok(IpAddr::V4(v4)) if v4.is_private() || v4.is_link_local() => Reach::Private,
        Ok(IpAddr::V6(v6)) => {
            let seg = v6.segments()[0];
            if (seg & 0xfe00) == 0xfc00 || (seg & 0xffc0) == 0xfe80 {
                Reach::Private
            } else if let Some(v4) = v6.to_ipv4_mapped() {
                classify(&v4.to_string())
            } else {
                Reach::Public
            }
        }
        Ok(_) => Reach::Public,
        Err(_) => Reach::Unknown,
    }
}

fn run(s: &Snapshot) -> Outcome {
    combine(node_run(s), &node_label(s), sentinel_part(s))
}

/// The Sentinel's own `bind`, from its sentinel.conf.
fn sentinel_part(s: &Snapshot) -> Option<(String, Outcome)> {
    Some(match sentinel_conf(s)? {
        Ok(sc) => (sc.label(), bind_verdict(&sc.settings()).1),
        Err(o) => ("Sentinel".into(), o),
    })
}

/// The data node (or the live server) alone.
fn node_run(s: &Snapshot) -> Outcome {
    match (settings(s), sockets(s)) {
        (Err(o), None) => o,
        (Err(_), Some((pid, list))) => socket_verdict(pid, list).1,
        (Ok(st), None) => bind_verdict(&st).1,
        (Ok(st), Some((pid, list))) => {
            let (by_bind, mut from_bind) = bind_verdict(&st);
            let (by_sockets, mut from_sockets) = socket_verdict(pid, list);
            // CONFIG GET bind is what the server runs; without it (denied,
            // or only the file's value) the sockets are the running truth.
            // Either way, sockets wider than bind say fail.
            if st.is_live("bind") && by_bind >= by_sockets {
                from_bind.evidence.push(socket_evidence(pid, list));
                from_bind
            } else {
                from_sockets.evidence.extend(from_bind.evidence);
                from_sockets
            }
        }
    }
}

fn socket_text(list: &[(IpAddr, u16)]) -> String {
    list.iter()
        .map(|(ip, port)| match ip {
            IpAddr::V4(v4) => format!("{v4}:{port}"),
            IpAddr::V6(v6) => format!("[{v6}]:{port}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn socket_evidence(pid: u32, list: &[(IpAddr, u16)]) -> Evidence {
    Evidence::new(
        Source::Proc,
        format!("/proc/net/tcp, tcp6 (process {pid})"),
        if list.is_empty() {
            "no listening TCP socket".to_string()
        } else {
            format!("listening on {}", socket_text(list))
        },
        "loopback or trusted private addresses only",
    )
}

/// The verdict from the sockets the process listens on.
fn socket_verdict(pid: u32, list: &[(IpAddr, u16)]) -> (Reach, Outcome) {
    let ev = vec![socket_evidence(pid, list)];
    let worst = list
        .iter()
        .map(|(ip, _)| classify(&ip.to_string()))
        .max()
        .unwrap_or(Reach::Loopback);
    let matching = |r: Reach| {
        let v: Vec<(IpAddr, u16)> = list
            .iter()
            .copied()
            .filter(|(ip, _)| classify(&ip.to_string()) == r)
            .collect();
        socket_text(&v)
    };
    let outcome = match worst {
        _ if list.is_empty() => Outcome::pass(
            "the server listens on no TCP socket: only the unix socket is open",
            ev,
        ),
        Reach::Wildcard => Outcome::fail(
            format!(
                "the server listens on every interface ({})",
                matching(Reach::Wildcard)
            ),
            ev,
        ),
        Reach::Public => Outcome::fail(
            format!(
                "the server listens on public address(es) {}",
                matching(Reach::Public)
            ),
            ev,
        ),
        Reach::Unknown => Outcome::manual(
            "cannot classify the addresses the server listens on: verify they are trusted interfaces",
            ev,
        ),
        Reach::Private => Outcome::pass(
            format!(
                "the server listens on loopback and private address(es) {}: make sure that network is trusted",
                matching(Reach::Private)
            ),
            ev,
        ),
        Reach::Loopback => Outcome::pass("the server listens on loopback only", ev),
    };
    (worst, outcome)
}

/// The verdict from the effective `bind` (CONFIG GET, else the file).
fn bind_verdict(st: &Settings) -> (Reach, Outcome) {
    if st.number("port") == 0 && st.number("tls-port") == 0 {
        return (
            Reach::Loopback,
            Outcome::pass(
                "no TCP listener (port 0 and tls-port 0): only the unix socket is open",
                st.evidence(
                    "port",
                    "port 0, tls-port 0",
                    "no TCP port, or bind to trusted interfaces",
                ),
            ),
        );
    }
    let bind = st.value("bind");
    let ev = |observed: String| {
        st.evidence(
            "bind",
            observed,
            "loopback or trusted private addresses only",
        )
    };
    let addrs: Vec<&str> = bind.split_whitespace().collect();
    if addrs.is_empty() {
        return (
            Reach::Wildcard,
            Outcome::fail(
                "bind is empty: Redis listens on every interface",
                ev("bind \"\" (every interface)".into()),
            ),
        );
    }
    let worst = addrs
        .iter()
        .map(|a| classify(a))
        .max()
        .unwrap_or(Reach::Loopback);
    let list =
        |r: Reach| -> Vec<&str> { addrs.iter().copied().filter(|a| classify(a) == r).collect() };
    let default_note = if !st.is_live("bind") && !st.set_in_file("bind") {
        " (no bind line: Redis 7 listens on every interface)"
    } else {
        ""
    };
    let outcome = match worst {
        Reach::Wildcard => Outcome::fail(
            format!(
                "listens on every interface via {}{default_note}",
                list(Reach::Wildcard).join(" ")
            ),
            ev(format!("bind {bind}")),
        ),
        Reach::Public => Outcome::fail(
            format!(
                "bound to public address(es) {}",
                list(Reach::Public).join(" ")
            ),
            ev(format!("bind {bind}")),
        ),
        Reach::Unknown => Outcome::manual(
            format!(
                "cannot classify bind address(es) {}: verify they are trusted interfaces",
                list(Reach::Unknown).join(" ")
            ),
            ev(format!("bind {bind}")),
        ),
        Reach::Private => Outcome::pass(
            format!(
                "bound to loopback and private address(es) {}: make sure that network is trusted",
                list(Reach::Private).join(" ")
            ),
            ev(format!("bind {bind}")),
        ),
        Reach::Loopback => Outcome::pass("bound to loopback only", ev(format!("bind {bind}"))),
    };
    (worst, outcome)
}

/// Drop wildcard and public addresses; keep loopback and private ones
/// (or bind to loopback when nothing is left).
fn fix(s: &Snapshot) -> Fix {
    if !matches!(node_run(s).status, Status::Fail | Status::Warn) {
        // Only the Sentinel fails: its file is the Sentinel's to rewrite.
        if let Some(Ok(sc)) = sentinel_conf(s) {
            return Fix::display_only(
                format!(
                    "in {}: bind 127.0.0.1 -::1 (add the private addresses clients and the other Sentinels use)",
                    sc.cf.path.display()
                ),
                "rampart does not edit sentinel.conf, which the Sentinel rewrites itself: change it with the Sentinel stopped, then start it",
            );
        }
    }
    let bind = settings(s).map(|st| st.value("bind")).unwrap_or_default();
    let kept: Vec<&str> = bind
        .split_whitespace()
        .filter(|a| matches!(classify(a), Reach::Loopback | Reach::Private))
        .collect();
    let new: Vec<&str> = if kept.is_empty() {
        vec!["127.0.0.1", "-::1"]
    } else {
        kept
    };
    Fix::builder(
        Safety::Unsafe,
        format!(
            "bind {} (add the private addresses your clients use)",
            new.join(" ")
        ),
        "clients that reach the server on a dropped address are refused",
    )
    .set(s.conf.get(), "bind", &new)
    .build(CHECK.remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{conf_snapshot, status_of};

    #[test]
    fn classify_addresses() {
        assert_eq!(classify("127.0.0.1"), Reach::Loopback);
        assert_eq!(classify("-::1"), Reach::Loopback);
        assert_eq!(classify("10.1.2.3"), Reach::Private);
        assert_eq!(classify("fd00::1"), Reach::Private);
        assert_eq!(classify("8.8.8.8"), Reach::Public);
        assert_eq!(classify("*"), Reach::Wildcard);
        assert_eq!(classify("-::*"), Reach::Wildcard);
        assert_eq!(classify("0.0.0.0"), Reach::Wildcard);
        assert_eq!(classify("redis.example"), Reach::Unknown);
    }

    #[test]
    fn socket_verdicts() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([192, 0, 2, 1]));
        let (r, o) = socket_verdict(7, &[(ip("0.0.0.0"), 7000)]);
        assert_eq!((r, o.status), (Reach::Wildcard, Status::Fail));
        assert!(o.message.contains("0.0.0.0:7000"), "{}", o.message);
        let (r, o) = socket_verdict(7, &[(ip("127.0.0.1"), 7000), (ip("::1"), 7000)]);
        assert_eq!((r, o.status), (Reach::Loopback, Status::Pass));
        assert_eq!(
            o.evidence[0].observed,
            "listening on 127.0.0.1:7000 [::1]:7000"
        );
        let (_, o) = socket_verdict(7, &[(ip("10.0.0.5"), 7000), (ip("203.0.113.9"), 7000)]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(socket_verdict(7, &[]).1.status, Status::Pass);
    }

    #[test]
    fn verdicts() {
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("bind 127.0.0.1 -::1\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("port 6380\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("bind 0.0.0.0\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("bind 10.0.0.1 127.0.0.1\n")),
            Status::Pass
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("bind 203.0.113.9\n")),
            Status::Fail
        );
        assert_eq!(
            status_of(&CHECK, &conf_snapshot("port 0\nunixsocket /tmp/r.sock\n")),
            Status::Pass
        );
    }
}
