//! Temp directories that name their owner, so that those of killed processes can be removed.
//!
//! Every cluster (and initdb run) lives in `<tmp>/schemactl-pg-*` (see [`base_dir`]) holding an `owner.pid` file
//! with the schemactl process id. A process that was SIGKILLed cannot clean up; its server dies
//! with it (parent-death signal) and the next start sweeps the directory away, with the shared
//! memory segment the server left ([`release_shared_memory`], also used when stopping a server).

use crate::error::{Error, Result};
use crate::process;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) const PREFIX: &str = "schemactl-pg-";
const OWNER_FILE: &str = "owner.pid";

/// Memory-backed storage is preferred when it has room: creating and deleting the thousands of
/// relation files of a big schema costs much less on tmpfs than on a journaling file system.
const SHM: &str = "/dev/shm";
const SHM_MIN_FREE: u64 = 1 << 30;

/// Where cluster directories go: `$TMPDIR` when the user set it, else `/dev/shm` if it has at
/// least 1 GiB free, else the system temp dir.
pub(crate) fn base_dir() -> PathBuf {
    if std::env::var_os("TMPDIR").is_some_and(|v| !v.is_empty()) {
        return std::env::temp_dir();
    }
    if free_bytes(Path::new(SHM)).is_some_and(|free| free >= SHM_MIN_FREE) {
        return PathBuf::from(SHM);
    }
    std::env::temp_dir()
}

fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data filled in by the call; the path is NUL-terminated.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    // access(W_OK): a read-only or foreign /dev/shm is no use.
    if unsafe { libc::access(path.as_ptr(), libc::W_OK) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Creates `<base>/<prefix>XXXXXX` (mode 0700) recording our pid; the caller removes it.
pub(crate) fn create_owned_dir(prefix: &str) -> Result<PathBuf> {
    let base = base_dir();
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&base)
        .map_err(|e| Error::io(format!("cannot create a temp directory in {}", base.display()), e))?
        .keep();
    if let Err(e) = std::fs::write(dir.join(OWNER_FILE), std::process::id().to_string()) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(Error::io(format!("cannot write in {}", dir.display()), e));
    }
    Ok(dir)
}

/// Removes leftovers of dead schemactl processes (best effort, once per process).
pub(crate) fn sweep_once() {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| {
        sweep(&std::env::temp_dir());
        sweep(Path::new(SHM));
    });
}

fn sweep(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let dir = entry.path();
        if is_stale(&dir) {
            release_shared_memory(&dir.join("data"));
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// A server that died without shutting down (SIGKILL) leaves its small System V shared memory
/// segment behind; its id is in `postmaster.pid`. Removes it once nothing is attached.
pub(crate) fn release_shared_memory(data_dir: &Path) {
    let Ok(text) = std::fs::read_to_string(data_dir.join("postmaster.pid")) else {
        return;
    };
    // Line 7 is "<key> <shmid>".
    let Some(shmid) = text.lines().nth(6).and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse::<i32>().ok())
    else {
        return;
    };
    // SAFETY: shmid_ds is plain data; IPC_STAT fills it; IPC_RMID takes no buffer.
    unsafe {
        let mut ds: libc::shmid_ds = std::mem::zeroed();
        if libc::shmctl(shmid, libc::IPC_STAT, &mut ds) == 0 && ds.shm_nattch == 0 {
            libc::shmctl(shmid, libc::IPC_RMID, std::ptr::null_mut());
        }
    }
}

fn is_stale(dir: &Path) -> bool {
    match std::fs::read_to_string(dir.join(OWNER_FILE)) {
        Ok(text) => {
            let Ok(owner) = text.trim().parse::<i32>() else {
                return false;
            };
            if owner == std::process::id() as i32 || process::is_alive(owner) {
                return false;
            }
            // The server should have died with its owner; if it still runs, leave it alone.
            !server_alive(&dir.join("data"))
        }
        // Between creating the directory and writing the file, or not ours: only when old.
        Err(_) => {
            let old = std::fs::metadata(dir)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
            old && !server_alive(&dir.join("data"))
        }
    }
}

fn server_alive(data: &Path) -> bool {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<i32>().ok()))
        .is_some_and(process::is_alive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_only_dead_owners() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = tmp.path().join("schemactl-pg-dead");
        let alive = tmp.path().join("schemactl-pg-alive");
        let fresh = tmp.path().join("schemactl-pg-fresh");
        let other = tmp.path().join("unrelated");
        for d in [&dead, &alive, &fresh, &other] {
            std::fs::create_dir(d).unwrap();
        }
        // A pid that cannot exist (above the kernel's pid_max limit of 2^22).
        std::fs::write(dead.join(OWNER_FILE), "99999999").unwrap();
        std::fs::write(alive.join(OWNER_FILE), std::process::id().to_string()).unwrap();
        std::fs::write(other.join(OWNER_FILE), "99999999").unwrap();
        sweep(tmp.path());
        assert!(!dead.exists());
        assert!(alive.exists());
        assert!(fresh.exists(), "no owner file yet and young: kept");
        assert!(other.exists());
    }
}
