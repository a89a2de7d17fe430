//! A pristine, freshly initdb'd data directory per PostgreSQL version, cached on disk: copying
//! it (tens of milliseconds) is much cheaper than running initdb (about a second) for every
//! embedded cluster.

use crate::binaries::Installation;
use crate::error::{Error, Result};
use crate::process::{self, RunAs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Bumped whenever the initdb options change, so that old caches are not reused.
const FORMAT: &str = "v1";

/// The superuser the embedded clusters are initialised with.
pub(crate) const SUPERUSER: &str = "schemactl";

/// Returns the cached template data directory for `inst`, creating it if needed.
pub(crate) fn ensure(inst: &Installation, run_as: Option<RunAs>) -> Result<PathBuf> {
    // Concurrent clusters of one process build the template once; other processes racing us
    // are handled by the atomic rename below.
    static BUILDING: Mutex<()> = Mutex::new(());
    let _guard = BUILDING.lock().unwrap_or_else(|e| e.into_inner());

    let key = cache_key(inst);
    let mut last_error = None;
    for base in cache_bases() {
        let target = base.join(&key);
        if is_complete(&target) {
            return Ok(target);
        }
        match build(inst, run_as, &base, &target) {
            Ok(()) => return Ok(target),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        Error::io("no usable cache directory for the template cluster", std::io::Error::other("none writable"))
    }))
}

fn cache_key(inst: &Installation) -> String {
    let version: String =
        inst.version.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    format!("pgdata-{FORMAT}-{version}")
}

/// `$XDG_CACHE_HOME/schemactl`, `~/.cache/schemactl`, then a per-user directory in the system
/// temp dir for machines whose home is read-only or missing.
fn cache_bases() -> Vec<PathBuf> {
    let mut bases = Vec::new();
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(xdg) = env("XDG_CACHE_HOME") {
        bases.push(xdg.join("schemactl"));
    } else if let Some(home) = env("HOME") {
        bases.push(home.join(".cache").join("schemactl"));
    }
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    bases.push(std::env::temp_dir().join(format!("schemactl-cache-{euid}")));
    bases
}

fn is_complete(dir: &Path) -> bool {
    dir.join("PG_VERSION").is_file() && dir.join("global").join("pg_control").is_file()
}

/// Runs initdb in a private temp dir (as the server's user, who may not be able to reach our
/// home directory), then copies the result into the cache under a temporary name and renames it
/// into place: renaming a directory is atomic and fails if another process got there first.
fn build(inst: &Installation, run_as: Option<RunAs>, base: &Path, target: &Path) -> Result<()> {
    std::fs::create_dir_all(base)
        .map_err(|e| Error::io(format!("cannot create cache directory {}", base.display()), e))?;
    check_private_dir(base)?;
    sweep_staging(base);

    let work = crate::stale::create_owned_dir("schemactl-pg-init-")?;
    let result = (|| {
        process::chown(&work, run_as)?;
        let data = work.join("data");
        initdb(inst, run_as, &work, &data)?;
        let staging = base.join(format!(".staging-{}-{:x}", std::process::id(), process::random_u64()));
        copy_tree(&data, &staging)?;
        match std::fs::rename(&staging, target) {
            Ok(()) => Ok(()),
            Err(_) if is_complete(target) => {
                let _ = std::fs::remove_dir_all(&staging);
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                Err(Error::io(format!("cannot store the template cluster in {}", target.display()), e))
            }
        }
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// The temp-dir fallback is shared with other users: refuse one that is not ours.
fn check_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != euid {
        return Err(Error::io(
            format!("cache directory {} is not a directory owned by us", dir.display()),
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        ));
    }
    Ok(())
}

/// Staging directories of processes that died while copying.
fn sweep_staging(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(".staging-") else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()).unwrap_or(0);
        if pid > 0 && pid != std::process::id() as i32 && !process::is_alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn initdb(inst: &Installation, run_as: Option<RunAs>, work: &Path, data: &Path) -> Result<()> {
    let mut cmd = Command::new(inst.bindir.join("initdb"));
    cmd.arg("-D").arg(data);
    // Durability is pointless for a throwaway cluster; trust is safe because the only way in is
    // a socket in a directory only we can reach.
    cmd.args(["--no-sync", "--auth=trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"]);
    if inst.major >= 11 {
        // 1 MB WAL segments instead of 16 MB: less to copy for every new cluster.
        cmd.arg("--wal-segsize=1");
    }
    cmd.current_dir(work).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = process::spawn_guarded(cmd, run_as)
        .map_err(|e| Error::io(format!("cannot run {}", inst.bindir.join("initdb").display()), e))?;
    let out = child.wait_with_output().map_err(|e| Error::io("cannot wait for initdb", e))?;
    if !out.status.success() {
        let mut output = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if output.is_empty() {
            output = String::from_utf8_lossy(&out.stdout).trim().to_string();
        }
        return Err(Error::Initdb { bindir: inst.bindir.clone(), output: format!("{} ({output})", out.status) });
    }
    Ok(())
}

/// Copies a data directory (files, directories, symlinks), keeping permissions.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let io = |what: &str, p: &Path, e| Error::io(format!("cannot {what} {}", p.display()), e);
    std::fs::create_dir(to).map_err(|e| io("create", to, e))?;
    let perms = std::fs::metadata(from).map_err(|e| io("read", from, e))?.permissions();
    std::fs::set_permissions(to, perms).map_err(|e| io("set permissions of", to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| io("list", from, e))? {
        let entry = entry.map_err(|e| io("list", from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(|e| io("read", &src, e))?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(&src).map_err(|e| io("read", &src, e))?;
            std::os::unix::fs::symlink(link, &dst).map_err(|e| io("create", &dst, e))?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| io("copy to", &dst, e))?;
        }
    }
    Ok(())
}
