//! A Unix-socket server that never accepts cannot hold a connect past its
//! timeout: std has no connect timeout for Unix sockets, and a full
//! listen backlog makes connect() wait. A real server cannot be made to
//! stop accepting on cue, so the listener here is the test's own.
#![allow(clippy::unwrap_used)]

use rampart_live::{ConnectOptions, Connection, Endpoint};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

#[test]
fn a_full_backlog_costs_the_connect_timeout_not_forever() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.sock");
    // A listener with a backlog of one that never accepts (std cannot set
    // the backlog; python's socket module can).
    let mut server = std::process::Command::new("python3")
        .args([
            "-c",
            "import socket,sys,time\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen(0)\nprint('ready',flush=True)\ntime.sleep(60)",
        ])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    assert_eq!(ready.trim(), "ready");
    // Fill the backlog: connects succeed until it is full, then block.
    let p = path.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for _ in 0..64 {
            match UnixStream::connect(&p) {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        drop(held);
    });
    std::thread::sleep(Duration::from_millis(500));
    let opts = ConnectOptions {
        connect_timeout: Duration::from_millis(700),
        ..ConnectOptions::default()
    };
    let ep = Endpoint::unix(path.to_str().unwrap());
    let t = Instant::now();
    let r = Connection::connect(&ep, &opts);
    let took = t.elapsed();
    let e = r.err().expect("the connect cannot succeed");
    assert!(e.to_string().contains("timed out"), "{e}");
    // Not a timed assertion on speed: a bound far above the 0.7 s asked,
    // far below "forever".
    assert!(took < Duration::from_secs(20), "{took:?}");
    let _ = server.kill();
    let _ = server.wait();
}
