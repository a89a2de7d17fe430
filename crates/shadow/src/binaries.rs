//! Finding PostgreSQL server binaries (`initdb` + `postgres`) on this machine.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Server binaries found in one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Installation {
    pub bindir: PathBuf,
    pub major: u32,
    /// The full `postgres --version` number, e.g. `15.18` (keys the template cache).
    pub version: String,
}

/// The variable naming a directory of server binaries, searched before anything else.
pub const BINDIR_ENV: &str = "SCHEMACTL_PG_BINDIR";
/// The variable naming the cache of server binaries by major (`<cache>/<major>/bin`).
pub const CACHE_ENV: &str = "SCHEMACTL_PG_CACHE";

/// The project's `[shadow] bindir`, once the binary has read it.
static CONFIGURED_BINDIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Names a directory of server binaries (the project's `[shadow] bindir`) to search right
/// after [`BINDIR_ENV`]: the environment of one run overrides the project's file.
pub fn set_bindir(dir: PathBuf) {
    *CONFIGURED_BINDIR.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir);
}

/// Finds a directory holding both `initdb` and `postgres` and returns it with its major version.
///
/// Looks in `$SCHEMACTL_PG_BINDIR`, the project's `[shadow] bindir`, `PATH`, `pg_config --bindir`, `/usr/lib/postgresql/*/bin`,
/// `/usr/pgsql-*/bin`, `/usr/local/pgsql/bin`, then the cache `tools/pg-matrix.sh` fills
/// ([`cache_dir`], one `<major>/bin` per major). With `prefer_major` (the target's major) only
/// an installation of that major will do: a shadow of another major would print the same
/// schema differently. Without it, the newest found is taken.
pub fn find_server_binaries(prefer_major: Option<u32>) -> Result<(PathBuf, u32)> {
    let found = search(prefer_major)?;
    Ok((found.bindir, found.major))
}

/// Like [`find_server_binaries`], remembered per process: the search runs `pg_config` and
/// `postgres --version`, which is worth doing once, not for every cluster.
pub(crate) fn find_installation(prefer_major: Option<u32>) -> Result<Installation> {
    static FOUND: Mutex<BTreeMap<Option<u32>, Installation>> = Mutex::new(BTreeMap::new());
    if let Some(hit) = FOUND.lock().unwrap_or_else(|e| e.into_inner()).get(&prefer_major) {
        return Ok(hit.clone());
    }
    let found = search(prefer_major)?;
    FOUND.lock().unwrap_or_else(|e| e.into_inner()).insert(prefer_major, found.clone());
    Ok(found)
}

fn search(prefer_major: Option<u32>) -> Result<Installation> {
    let (candidates, looked) = candidate_dirs();
    let mut found: Vec<Installation> = Vec::new();
    for dir in candidates {
        let Some(bindir) = resolve_bindir(&dir) else {
            continue;
        };
        if found.iter().any(|f| f.bindir == bindir) {
            continue;
        }
        if let Some(version) = postgres_version(&bindir) {
            if let Some(major) = major_of(&version) {
                found.push(Installation { bindir, major, version });
            }
        }
    }
    if let Some(major) = prefer_major {
        if !found.iter().any(|f| f.major == major) {
            let mut majors: Vec<String> =
                found.iter().map(|f| format!("{} in {}", f.version, f.bindir.display())).collect();
            if majors.is_empty() {
                majors.push("none".to_string());
            }
            return Err(Error::NoBinariesOfMajor {
                major,
                looked: looked.join(", "),
                found: majors.join(", "),
                cache: cache_dir().display().to_string(),
            });
        }
    }
    // The cache is the last resort even for "the newest": installed binaries are what the
    // machine's user chose, the cache only what a matrix run left behind.
    let cache = cache_dir();
    let (cached, installed): (Vec<Installation>, Vec<Installation>) =
        found.into_iter().partition(|f| f.bindir.starts_with(&cache));
    let wanted = |list: &[Installation]| prefer_major.is_none_or(|m| list.iter().any(|f| f.major == m));
    let found = if !installed.is_empty() && wanted(&installed) { installed } else { cached };
    pick(found, prefer_major).ok_or(Error::NoBinaries { looked: looked.join(", ") })
}

/// Where `tools/pg-matrix.sh` caches server binaries: `$SCHEMACTL_PG_CACHE`, else
/// `/var/cache/schemactl/pg` for root (the server runs as `postgres`, who cannot enter
/// `/root`), else `$XDG_CACHE_HOME/schemactl/pg` or `~/.cache/schemactl/pg`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/cache/schemactl/pg");
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("schemactl").join("pg")
}

/// The preferred major if present, else the newest; among equals the first found (PATH first).
fn pick(found: Vec<Installation>, prefer_major: Option<u32>) -> Option<Installation> {
    if let Some(want) = prefer_major {
        if let Some(hit) = found.iter().find(|f| f.major == want) {
            return Some(hit.clone());
        }
    }
    let newest = found.iter().map(|f| f.major).max()?;
    found.into_iter().find(|f| f.major == newest)
}

/// Directories worth checking, in priority order, and a description of where we looked.
fn candidate_dirs() -> (Vec<PathBuf>, Vec<String>) {
    let mut dirs = Vec::new();
    let mut looked = Vec::new();
    if let Some(dir) = std::env::var_os(BINDIR_ENV).filter(|d| !d.is_empty()) {
        looked.push(format!("{BINDIR_ENV}={}", PathBuf::from(&dir).display()));
        dirs.push(PathBuf::from(dir));
    }
    if let Some(dir) = CONFIGURED_BINDIR.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        looked.push(format!("[shadow] bindir = {}", dir.display()));
        dirs.push(dir);
    }
    looked.push("PATH".to_string());
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    looked.push("`pg_config --bindir`".to_string());
    let mut pg_config = Command::new("pg_config");
    crate::process::sandbox_env(&mut pg_config);
    if let Ok(out) = pg_config.arg("--bindir").output() {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !text.is_empty() {
                dirs.push(PathBuf::from(text));
            }
        }
    }
    // Distribution layouts: Debian/Ubuntu, RHEL/PGDG, source builds.
    for (parent, prefix, suffix) in [("/usr/lib/postgresql", "", "bin"), ("/usr", "pgsql-", "bin")] {
        looked.push(format!("{parent}/{prefix}*/{suffix}"));
        let mut versions: Vec<PathBuf> = std::fs::read_dir(parent)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .map(|e| e.path().join(suffix))
            .collect();
        versions.sort();
        dirs.extend(versions);
    }
    looked.push("/usr/local/pgsql/bin".to_string());
    dirs.push(PathBuf::from("/usr/local/pgsql/bin"));
    let cache = cache_dir();
    looked.push(format!("{}/*/bin", cache.display()));
    let mut cached: Vec<PathBuf> =
        std::fs::read_dir(&cache).into_iter().flatten().flatten().map(|e| e.path().join("bin")).collect();
    cached.sort();
    dirs.extend(cached);
    (dirs, looked)
}

/// The real directory of `initdb` (following symlinks such as `/usr/local/bin/initdb`), if it
/// also holds `postgres`: initdb looks for `postgres` next to its own resolved path.
fn resolve_bindir(dir: &Path) -> Option<PathBuf> {
    let initdb = std::fs::canonicalize(dir.join("initdb")).ok()?;
    let postgres = std::fs::canonicalize(dir.join("postgres")).ok()?;
    let bindir = initdb.parent()?.to_path_buf();
    if !is_executable(&initdb) || !is_executable(&postgres) || !is_executable(&bindir.join("postgres")) {
        return None;
    }
    Some(bindir)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// `postgres --version` prints e.g. `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`;
/// returns `15.18`. (`--version` is answered before the server's refusal to run as root.)
fn postgres_version(bindir: &Path) -> Option<String> {
    let mut cmd = Command::new(bindir.join("postgres"));
    crate::process::sandbox_env(&mut cmd);
    let out = cmd.arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    parse_version(&String::from_utf8_lossy(&out.stdout))
}

fn parse_version(text: &str) -> Option<String> {
    let after = text.split(')').nth(1).unwrap_or(text);
    after
        .split_whitespace()
        .next()
        .map(|v| v.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
}

fn major_of(version: &str) -> Option<u32> {
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n").as_deref(), Some("15.18"));
        assert_eq!(parse_version("postgres (PostgreSQL) 17beta1\n").as_deref(), Some("17beta1"));
        assert_eq!(major_of("17beta1"), Some(17));
        assert_eq!(major_of("9.6.24"), Some(9));
    }

    #[test]
    fn picks_preferred_then_newest() {
        let inst = |major: u32| Installation {
            bindir: PathBuf::from(format!("/pg/{major}")),
            major,
            version: format!("{major}.1"),
        };
        let found = vec![inst(14), inst(16), inst(15)];
        assert_eq!(pick(found.clone(), Some(15)).map(|i| i.major), Some(15));
        assert_eq!(pick(found.clone(), Some(12)).map(|i| i.major), Some(16));
        assert_eq!(pick(found, None).map(|i| i.major), Some(16));
        assert_eq!(pick(Vec::new(), None), None);
    }

    #[test]
    fn finds_installed_server() {
        // The machines this project runs on have PostgreSQL installed (the tests need it).
        let (bindir, major) = find_server_binaries(None).expect("PostgreSQL server binaries");
        assert!(bindir.join("initdb").exists());
        assert!(major >= 10);
    }
}
