//! Reads the real `INFO server` of this machine's redis-server (Debian's
//! package on the CI image), assesses it, and checks the verdicts: line 7.0,
//! EOL, several advisories, and a distribution build that gets "verify"
//! notes instead of a bare "vulnerable".
//!
//! The server runs on a free loopback port (never 6379) with `--save ''`,
//! in a temp dir, and is stopped by its pid when the test is done.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis_advisories::{
    assess_identity, identify, identify_version_string, BuildOrigin, Exposure, LineStatus, Product,
};

/// INFO text as `field → value`, read by rampart's one INFO parser.
fn parse_info(text: &str) -> std::collections::BTreeMap<String, String> {
    rampart_live::reply::Info::parse(text).to_map()
}

fn redis_server_bin() -> String {
    std::env::var("RAMPART_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into())
}

/// A redis-server this test started; killed by its pid on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        if port != 6379 {
            return port;
        }
    }
}

/// `INFO server` over a plain RESP connection.
fn info(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")?;
    let mut r = BufReader::new(s);
    let mut head = String::new();
    r.read_line(&mut head)?;
    let len: usize = head
        .trim_end()
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("unexpected reply {head:?}")))?;
    let mut body = vec![0; len + 2];
    r.read_exact(&mut body)?;
    body.truncate(len);
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn info_server() -> Option<String> {
    let dir = std::env::temp_dir().join(format!("redis-advisories-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(redis_server_bin())
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args([
                "--daemonize",
                "no",
                "--logfile",
                "",
                "--dir",
                &dir.to_string_lossy(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            eprintln!("redis-server not installed: skipped");
            return None;
        };
        let mut server = Server(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(text) = info(port) {
                drop(server);
                let _ = std::fs::remove_dir_all(&dir);
                return Some(text);
            }
            if server.0.try_wait().ok().flatten().is_some() {
                break; // port taken meanwhile: retry on another
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("redis-server did not answer INFO on a free port");
}

fn dpkg_version() -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "redis-server"])
        .output()
        .ok()?;
    let v = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !v.trim().is_empty()).then(|| v.trim().to_string())
}

#[test]
fn local_debian_redis_server_is_assessed() {
    let Some(text) = info_server() else { return };
    let info = parse_info(&text);
    let mut id = identify(&info).expect("INFO identifies the server");
    assert_eq!(id.product, Product::Redis);
    let Some(pkg) = dpkg_version() else {
        eprintln!("not a Debian package here: only identification checked");
        return;
    };
    if !id.version.starts_with("7.0.") {
        eprintln!(
            "redis-server {} is not Debian 12's 7.0.x: only identification checked",
            id.version
        );
        return;
    }

    // INFO alone: a tarball build on an EOL line, upstream-affected, with a
    // note that a distribution package may carry backports.
    let a = assess_identity(&id);
    assert_eq!(a.line.as_deref(), Some("7.0"));
    assert!(
        matches!(a.line_status, LineStatus::Eol { .. }),
        "{:?}",
        a.line_status
    );
    assert_eq!(
        a.build,
        BuildOrigin::Tarball,
        "Debian's build reports redis_git_sha1:00000000"
    );
    assert!(
        a.cves.len() >= 5,
        "several advisories expected, got {:#?}",
        a.cves
    );
    assert!(a.cves.iter().any(|m| m.id == "CVE-2025-49844"));
    assert!(
        a.verify_notes
            .iter()
            .any(|n| n.contains("security tracker")),
        "{:#?}",
        a.verify_notes
    );

    // With `redis-server --version` and the dpkg version: Debian's data decides.
    let out = Command::new(redis_server_bin())
        .arg("--version")
        .output()
        .expect("--version");
    let vs = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let from_vs = identify_version_string(&vs).expect("version string parses");
    assert_eq!(from_vs.version, id.version);
    id.hints.version_string = Some(vs);
    id.hints.package_version = Some(pkg.clone());
    let a = assess_identity(&id);
    assert!(
        matches!(&a.build, BuildOrigin::DistroPackage { distro, .. } if distro == "debian"),
        "{:?}",
        a.build
    );
    assert!(a.cves.len() >= 5);
    assert!(matches!(a.line_status, LineStatus::Eol { .. }));
    // Nothing is called plainly vulnerable on the upstream version alone.
    assert!(
        !a.cves.iter().any(|m| m.exposure == Exposure::Affected),
        "{:#?}",
        a.cves
    );
    // Advisories Debian has not patched (or the data cannot tell) are "verify".
    assert!(
        a.cves.iter().any(|m| matches!(
            m.exposure,
            Exposure::VerifyDistro { .. } | Exposure::AffectedPackage { .. }
        )),
        "{:#?}",
        a.cves
    );
    assert!(
        a.verify_notes.iter().any(|n| n.contains("end of life")),
        "{:#?}",
        a.verify_notes
    );
    // The RediShell fix is in bookworm since 5:7.0.15-1~deb12u6.
    let rs = a
        .cves
        .iter()
        .find(|m| m.id == "CVE-2025-49844")
        .expect("matched");
    let fixed = redis_advisories::DebVersion::parse("5:7.0.15-1~deb12u6").expect("version");
    match redis_advisories::DebVersion::parse(&pkg) {
        Some(have) if pkg.contains("deb12u") && have >= fixed => {
            assert!(
                matches!(rs.exposure, Exposure::FixedByDistro { .. }),
                "{:?}",
                rs.exposure
            )
        }
        Some(_) if pkg.contains("deb12u") => {
            assert!(matches!(rs.exposure, Exposure::AffectedPackage { .. }))
        }
        _ => assert!(matches!(rs.exposure, Exposure::VerifyDistro { .. })),
    }
    eprintln!(
        "redis {} (package {pkg}): line {:?} {}, {} advisories ({} open), {} verify notes, data reviewed {}",
        id.version,
        a.line,
        a.line_status,
        a.cves.len(),
        a.open().count(),
        a.verify_notes.len(),
        a.data_reviewed
    );
    for m in a.open() {
        eprintln!(
            "  {} {} {:?}: {}",
            m.id,
            m.severity.as_str(),
            m.exposure,
            m.fix
        );
    }
}
