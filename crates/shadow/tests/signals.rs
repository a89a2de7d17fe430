//! Ctrl-C, SIGTERM and SIGHUP stop the embedded servers and exit with 128 + the signal when
//! `install_signal_cleanup` was called; a normal exit stops them too (atexit).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "SCHEMACTL_SHADOW_SIGNALS_CHILD";

fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

/// Runs this test binary as a child that starts a cluster in `mode`; returns it, the server's
/// pid and directory.
fn spawn_child(test: &str, mode: &str) -> (std::process::Child, u32, std::path::PathBuf) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let line = stdout.lines().map_while(Result::ok).find(|l| l.contains("READY ")).expect("child reported READY");
    let mut parts = line.split("READY ").nth(1).unwrap().split_whitespace();
    let pid = parts.next().unwrap().parse().unwrap();
    let dir = std::path::PathBuf::from(parts.next().unwrap());
    (child, pid, dir)
}

fn child_body(mode: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async {
        schemactl_shadow::install_signal_cleanup();
        let cluster =
            tokio::task::spawn_blocking(|| schemactl_shadow::EmbeddedCluster::start(None)).await.unwrap().unwrap();
        println!("READY {} {}", cluster.pid(), cluster.dir().display());
        if mode == "exit" {
            // Leaked on purpose: only the atexit hook can stop it.
            std::mem::forget(cluster);
            std::process::exit(0);
        }
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
}

fn check_signal(test: &str, signal: libc::c_int) {
    let (mut child, pid, dir) = spawn_child(test, "signal");
    assert!(alive(pid));
    // SAFETY: sending a signal to our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + signal), "{status}");
    assert!(!alive(pid), "server {pid} still runs");
    assert!(!dir.exists(), "{} still exists", dir.display());
}

#[test]
fn ctrl_c_stops_the_servers() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        return child_body(&mode);
    }
    check_signal("ctrl_c_stops_the_servers", libc::SIGINT);
}

#[test]
fn sigterm_stops_the_servers() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        return child_body(&mode);
    }
    check_signal("sigterm_stops_the_servers", libc::SIGTERM);
}

#[test]
fn sighup_stops_the_servers() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        return child_body(&mode);
    }
    check_signal("sighup_stops_the_servers", libc::SIGHUP);
}

#[test]
fn normal_exit_stops_the_servers() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        return child_body(&mode);
    }
    let (mut child, pid, dir) = spawn_child("normal_exit_stops_the_servers", "exit");
    assert!(child.wait().unwrap().success());
    assert!(!alive(pid), "server {pid} still runs");
    assert!(!dir.exists(), "{} still exists", dir.display());
}
