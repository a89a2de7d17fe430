//! Every live embedded server of this process, so that each exit path can stop them: `stop()`,
//! `Drop`, the process exiting normally (`atexit`) and Ctrl-C/SIGTERM/SIGHUP
//! ([`install_signal_cleanup`]). A SIGKILL of schemactl is covered by the servers'
//! parent-death signal, and the directories it leaves behind by [`crate::stale`]'s
//! directory sweep.

use crate::{dropdb, stale};
use schemactl_connect::DbUrl;
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once, OnceLock};
use std::time::{Duration, Instant};

/// A running server and the directory holding its data, socket and log.
pub(crate) struct Live {
    pub id: u64,
    pub child: Child,
    pub root: PathBuf,
}

static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());

/// Databases created on a `--dev-url` server, dropped by the signal handler if it fires.
static DEV_DATABASES: Mutex<Vec<(u64, DbUrl, String)>> = Mutex::new(Vec::new());

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A poisoned lock only means another thread panicked while holding it; the list is still valid.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn register(child: Child, root: PathBuf) -> u64 {
    static AT_EXIT: Once = Once::new();
    AT_EXIT.call_once(|| {
        // SAFETY: registering a plain `extern "C" fn` that never unwinds.
        unsafe {
            libc::atexit(stop_all_at_exit);
        }
    });
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock(&LIVE).push(Live { id, child, root });
    id
}

/// Removes a server from the registry; whoever takes it is the one who stops it.
pub(crate) fn take(id: u64) -> Option<Live> {
    let mut live = lock(&LIVE);
    let index = live.iter().position(|l| l.id == id)?;
    Some(live.remove(index))
}

/// Runs `f` on a registered server's child (e.g. to see whether it exited).
pub(crate) fn with_child<R>(id: u64, f: impl FnOnce(&mut Child) -> R) -> Option<R> {
    let mut live = lock(&LIVE);
    live.iter_mut().find(|l| l.id == id).map(|l| f(&mut l.child))
}

/// Stops the server (immediate shutdown, then SIGKILL if it lingers) and removes its files.
pub(crate) fn stop(mut live: Live) {
    kill(&mut live);
    stale::release_shared_memory(&live.root.join("data"));
    let _ = std::fs::remove_dir_all(&live.root);
}

/// Stops the server process and reaps it.
pub(crate) fn kill(live: &mut Live) {
    let pid = live.child.id() as libc::pid_t;
    if matches!(live.child.try_wait(), Ok(None)) {
        // SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint (the data is thrown away),
        // but the server still takes its backends and shared memory down with it.
        // SAFETY: the pid is our own unreaped child, so it cannot have been reused.
        unsafe {
            libc::kill(pid, libc::SIGQUIT);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(live.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if matches!(live.child.try_wait(), Ok(None)) {
            let _ = live.child.kill();
            let _ = live.child.wait();
        }
    }
}

/// Stops every embedded server this process started. Safe to call at any time; later `stop()`
/// or `Drop` calls on the clusters then do nothing.
pub fn stop_all_clusters() {
    let all: Vec<Live> = std::mem::take(&mut *lock(&LIVE));
    for live in all {
        stop(live);
    }
}

extern "C" fn stop_all_at_exit() {
    // Unwinding out of an `extern "C"` function aborts; swallow any panic instead.
    let _ = std::panic::catch_unwind(stop_all_clusters);
}

pub(crate) fn register_dev_database(server: &DbUrl, name: &str) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock(&DEV_DATABASES).push((id, server.clone(), name.to_string()));
    id
}

pub(crate) fn forget_dev_database(id: u64) {
    lock(&DEV_DATABASES).retain(|(i, _, _)| *i != id);
}

/// The signal the cleanup handler caught, once it caught one (0: none).
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);
static ON_INTERRUPT: OnceLock<fn(i32)> = OnceLock::new();

/// The signal that interrupted the process, once [`install_signal_cleanup`]'s handler has
/// caught one. Set before any server is stopped, so a command that fails because its shadow
/// went away can tell that this, not the failure, is what to report.
pub fn interrupted() -> Option<i32> {
    Some(INTERRUPTED.load(Ordering::SeqCst)).filter(|&s| s != 0)
}

/// A function the handler calls with the signal number before it cleans up (to say
/// `interrupted`, say). Only the first registration counts.
pub fn on_interrupt(hook: fn(i32)) {
    let _ = ON_INTERRUPT.set(hook);
}

/// On Ctrl-C (SIGINT), SIGTERM or SIGHUP: stops every embedded server, drops the shadow databases
/// created on a `--dev-url` server (best effort, 5 s at most) and exits with 128 + the signal
/// number, as a shell reports a process killed by it (130 for SIGINT, 143 for SIGTERM, 129
/// for SIGHUP).
///
/// Installing it replaces the default handling of those signals for the whole process. Call it
/// once, early; later calls do nothing. Works inside or outside a tokio runtime.
pub fn install_signal_cleanup() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            // Register the handlers now, not when the task first runs, so no signal slips by.
            let _guard = handle.enter();
            if let Some(signals) = Signals::new() {
                handle.spawn(signals.wait_then_clean_up());
            }
        }
        Err(_) => {
            let _ = std::thread::Builder::new().name("schemactl-signals".into()).spawn(|| {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async {
                    if let Some(signals) = Signals::new() {
                        signals.wait_then_clean_up().await;
                    }
                });
            });
        }
    }
}

struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    /// The terminal closed (or an ssh session dropped): by default the process would die on
    /// the spot and leave its servers' directories to the next run's sweep.
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Option<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Some(Signals {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
            hangup: signal(SignalKind::hangup()).ok()?,
        })
    }

    async fn wait_then_clean_up(mut self) {
        let signal = tokio::select! {
            _ = self.interrupt.recv() => libc::SIGINT,
            _ = self.terminate.recv() => libc::SIGTERM,
            _ = self.hangup.recv() => libc::SIGHUP,
        };
        INTERRUPTED.store(signal, Ordering::SeqCst);
        if let Some(hook) = ON_INTERRUPT.get() {
            hook(signal);
        }
        let _ = tokio::task::spawn_blocking(stop_all_clusters).await;
        let dev: Vec<(u64, DbUrl, String)> = std::mem::take(&mut *lock(&DEV_DATABASES));
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            for (_, server, name) in dev {
                let _ = dropdb::drop_database_on(&server, &name).await;
            }
        })
        .await;
        std::process::exit(128 + signal);
    }
}
