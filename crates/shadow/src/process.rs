//! Starting server processes that cannot outlive us, as an unprivileged user when we are root.

use crate::error::{Error, Result};
use std::ffi::CString;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::OnceLock;

/// The user the server processes run as: PostgreSQL refuses to run as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

/// `None` when we are not root (the server then runs as ourselves); else the `postgres` system
/// user, or `nobody` where there is none.
pub(crate) fn run_as() -> Result<Option<RunAs>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Some(user) = lookup_user(name) {
            return Ok(Some(user));
        }
    }
    Err(Error::NoUnprivilegedUser)
}

fn lookup_user(name: &str) -> Option<RunAs> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: all-zero is a valid `passwd` (null pointers, zero ids); getpwnam_r fills it.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the stated sizes; getpwnam_r is the thread-safe form.
    let rc = unsafe { libc::getpwnam_r(cname.as_ptr(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_uid == 0 {
        return None;
    }
    Some(RunAs { uid: pwd.pw_uid, gid: pwd.pw_gid })
}

/// Gives a path to the server's user (root creates the directories the server writes into).
pub(crate) fn chown(path: &std::path::Path, run_as: Option<RunAs>) -> Result<()> {
    if let Some(user) = run_as {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
            .map_err(|e| Error::io(format!("cannot give {} to uid {}", path.display(), user.uid), e))?;
    }
    Ok(())
}

/// Like [`chown`], for a whole tree.
pub(crate) fn chown_tree(path: &std::path::Path, run_as: Option<RunAs>) -> Result<()> {
    if run_as.is_none() {
        return Ok(());
    }
    chown(path, run_as)?;
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| Error::io(format!("cannot list {}", path.display()), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(format!("cannot list {}", path.display()), e))?;
            chown_tree(&entry.path(), run_as)?;
        }
    }
    Ok(())
}

/// Variables a PostgreSQL server program may get from our environment: where to find programs
/// and shared libraries. Nothing else passes: schema SQL runs in the shadow as superuser and
/// can read the server's environment (`pg_read_file('/proc/<pid>/environ')`), so an inherited
/// `PGPASSWORD` or `DATABASE_URL` would be handed to whoever wrote the schema files.
const PASSED_THROUGH: &[&str] = &["PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"];

/// Gives `cmd` a clean environment: [`PASSED_THROUGH`] from ours, plus a fixed locale and time
/// zone, so the server (and initdb) behave the same whatever the user's settings.
pub(crate) fn sandbox_env(cmd: &mut Command) {
    cmd.env_clear();
    for name in PASSED_THROUGH {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd.env("LC_ALL", "C").env("LANG", "C").env("TZ", "UTC");
}

/// Spawns `cmd` so that the child is killed (SIGKILL) when this process dies, however it dies,
/// switching to `run_as` first. The child gets a clean environment ([`sandbox_env`]).
///
/// Linux delivers the parent-death signal when the *thread* that forked the child exits, not
/// the process. Tokio's blocking threads and test threads come and go, so every spawn goes
/// through one thread that lives as long as the process.
pub(crate) fn spawn_guarded(mut cmd: Command, run_as: Option<RunAs>) -> io::Result<Child> {
    sandbox_env(&mut cmd);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure only makes async-signal-safe system calls and does not allocate.
    unsafe {
        cmd.pre_exec(move || {
            // The credentials change comes first: changing them clears the parent-death signal.
            if let Some(user) = run_as {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(user.gid) != 0
                    || libc::setuid(user.uid) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            }
            #[cfg(target_os = "linux")]
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody would kill us.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner()?
        .send(SpawnRequest { cmd, reply: reply_tx })
        .map_err(|_| io::Error::other("the process spawner thread is gone"))?;
    reply_rx.recv().map_err(|_| io::Error::other("the process spawner thread is gone"))?
}

struct SpawnRequest {
    cmd: Command,
    reply: mpsc::Sender<io::Result<Child>>,
}

fn spawner() -> io::Result<&'static mpsc::Sender<SpawnRequest>> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnRequest>> = OnceLock::new();
    if let Some(tx) = SPAWNER.get() {
        return Ok(tx);
    }
    let (tx, rx) = mpsc::channel::<SpawnRequest>();
    let mut started = false;
    let tx = SPAWNER.get_or_init(|| {
        started = true;
        tx
    });
    if started {
        // The sender lives in a static, so `recv` never fails and the thread never exits.
        std::thread::Builder::new().name("schemactl-spawner".into()).spawn(move || {
            while let Ok(mut request) = rx.recv() {
                let _ = request.reply.send(request.cmd.spawn());
            }
        })?;
    }
    Ok(tx)
}

/// Whether a process exists (a zombie counts as gone: it no longer does anything).
pub(crate) fn is_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    let exists = rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    if !exists {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may contain spaces.
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => true,
    }
}

/// A random-enough number for unique names and ports (not for secrets).
pub(crate) fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    // RandomState is seeded from the operating system's random source.
    std::hash::RandomState::new().hash_one((nanos, std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}

/// `<prefix><pid>_<counter>_<random>`: unique across threads and concurrent processes.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}_{n}_{:08x}", std::process::id(), random_u64() as u32)
}
