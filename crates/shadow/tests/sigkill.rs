//! The embedded server must not outlive schemactl, even when schemactl is SIGKILLed, and the
//! files it leaves are swept by the next start. (A file of its own: the sweep runs once per
//! process, so no other test may start a cluster in this process first.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "SCHEMACTL_SHADOW_SIGKILL_CHILD";

fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

#[test]
fn server_dies_with_a_killed_owner() {
    if std::env::var_os(CHILD_ENV).is_some() {
        // The child: start a cluster from a short-lived thread (the parent-death signal must
        // not fire when that thread ends), report it, and wait to be killed.
        let cluster = std::thread::spawn(|| schemactl_shadow::EmbeddedCluster::start(None).unwrap()).join().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        println!("READY {} {}", cluster.pid(), cluster.dir().display());
        std::thread::sleep(Duration::from_secs(120));
        return;
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["server_dies_with_a_killed_owner", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    // libtest may print "test <name> ... " on the same line first.
    let line = stdout.lines().map_while(Result::ok).find(|l| l.contains("READY ")).expect("child reported READY");
    let mut parts = line.split("READY ").nth(1).unwrap().split_whitespace();
    let pid: u32 = parts.next().unwrap().parse().unwrap();
    let dir = std::path::PathBuf::from(parts.next().unwrap());
    assert!(alive(pid), "the server survived its starting thread");

    child.kill().unwrap(); // SIGKILL: no destructor, no atexit, no signal handler runs
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "postmaster {pid} outlived its killed owner");
    assert!(dir.exists(), "nobody could remove it yet");

    // The next start in another process sweeps the dead owner's directory.
    let cluster = schemactl_shadow::EmbeddedCluster::start(None).unwrap();
    assert!(!dir.exists(), "{} should have been swept", dir.display());
    cluster.stop();
}
