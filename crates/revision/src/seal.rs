//! `schemactl.sum`: one line per revision file with its checksum, sorted by file name. Editing
//! or deleting a revision, or adding one that sorts before sealed ones, shows up on load; the
//! order of revisions is their `-- parent:` chain, checked by the loader (`dir.rs`).
//!
//! Both files merge in git without conflicts when branches each add revisions
//! (`generated/.gitattributes`, which `schemactl init` writes, unions them): a line per
//! revision, nothing chained across lines. The state cache `state.sql` carries its own seal in
//! its first line (the head it describes and the checksum of the rest), so a cache from the
//! other branch, or two caches unioned by git, read as stale and are rebuilt by a replay.
//!
//! Projects sealed by earlier versions (a chained checksum per line, a `state` line) load: the
//! chain column is not needed any more, and the old cache is rebuilt once.

use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::{sha256_hex, Revision};

pub const SUM_FILE: &str = "schemactl.sum";
pub const STATE_FILE: &str = "state.sql";
/// What `schemactl init` writes as `generated/.gitattributes`.
pub const GITATTRIBUTES: &str =
    "# Written by schemactl init: branches that each add revisions merge without conflicts.\n\
# schemactl.sum is one line per revision; state.sql seals itself and is rebuilt when stale.\n\
schemactl.sum merge=union\n\
state.sql merge=union\n";
const HEADER: &str = "# schemactl.sum: the checksum of each revision file in this directory.\n\
                      # Written by schemactl; `schemactl reseal` rewrites it after deliberate edits.\n";
/// The first line of a sealed state cache: `-- schemactl state after <head> <sha256>`.
const STATE_SEAL: &str = "-- schemactl state after ";

/// One sealed revision file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedEntry {
    pub file: String,
    pub checksum: String,
}

/// The parsed seal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seal {
    /// Sorted by file name.
    pub entries: Vec<SealedEntry>,
}

/// Writes the seal for `revisions` and, when given, the state cache text (the state after the
/// last of them), sealed in its own first line.
pub fn write(dir: &Path, revisions: &[Revision], state: Option<&str>) -> Result<()> {
    let mut text = String::from(HEADER);
    let mut entries: Vec<(&str, &str)> =
        revisions.iter().map(|r| (r.file_name.as_str(), r.checksum.as_str())).collect();
    entries.sort();
    for (file, checksum) in entries {
        text.push_str(&format!("{file} {checksum}\n"));
    }
    if let Some(state_text) = state {
        let head = revisions.last().map_or("none", |r| r.id.as_str());
        let sealed = format!("{STATE_SEAL}{head} {}\n{state_text}", sha256_hex(state_text.as_bytes()));
        write_file(&dir.join(STATE_FILE), &sealed)?;
    } else if dir.join(STATE_FILE).exists() {
        std::fs::remove_file(dir.join(STATE_FILE))
            .map_err(|source| Error::Io { path: dir.join(STATE_FILE), source })?;
    }
    // Projects made before `init` wrote it get it with their next seal.
    let attributes = dir.join(".gitattributes");
    if !attributes.exists() {
        write_file(&attributes, GITATTRIBUTES)?;
    }
    write_file(&dir.join(SUM_FILE), &text)
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|source| Error::Io { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// Reads the seal; `Ok(None)` when there is no `schemactl.sum`. A line that is not a seal
/// line, or a file sealed twice with different checksums (both branches resealed it), is a
/// [`Problem::SumCorrupt`].
pub fn read(dir: &Path) -> Result<std::result::Result<Option<Seal>, Problem>> {
    let path = dir.join(SUM_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(None)),
        Err(source) => return Err(Error::Io { path, source }),
    };
    Ok(parse(&text).map(Some))
}

fn parse(text: &str) -> std::result::Result<Seal, Problem> {
    let corrupt = |n: usize, reason: String| Problem::SumCorrupt { reason: format!("line {n}: {reason}") };
    let mut entries: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let n = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let (file, checksum) = match parts.as_slice() {
            // Earlier versions: the state cache's line (the cache now seals itself).
            ["state", _, _] => continue,
            // Earlier versions chained each line to the ones before it; the chain of parents
            // in the files says the order now.
            [file, checksum] | [file, checksum, _] => (*file, *checksum),
            _ => return Err(corrupt(n, "not `<file> <checksum>`".into())),
        };
        let valid = checksum.len() == 64 && checksum.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid || !file.ends_with(".sql") {
            return Err(corrupt(n, "not `<file> <checksum>`".into()));
        }
        match entries.get(file) {
            Some(other) if other != checksum => {
                return Err(corrupt(
                    n,
                    format!("{file} is sealed twice with different checksums (resealed on two branches?): run `schemactl reseal` once the file is as it should be"),
                ))
            }
            _ => {
                entries.insert(file.to_string(), checksum.to_string());
            }
        }
    }
    Ok(Seal { entries: entries.into_iter().map(|(file, checksum)| SealedEntry { file, checksum }).collect() })
}

/// Compares the revision files (sorted by file name) with the seal.
pub fn check(revisions: &[Revision], seal: &Seal) -> Vec<Problem> {
    let mut problems = Vec::new();
    let sealed_names: Vec<&str> = seal.entries.iter().map(|e| e.file.as_str()).collect();
    for entry in &seal.entries {
        match revisions.iter().find(|r| r.file_name == entry.file) {
            None => problems.push(Problem::Deleted { file: entry.file.clone() }),
            Some(r) if r.checksum != entry.checksum => problems.push(Problem::Edited { file: entry.file.clone() }),
            Some(_) => {}
        }
    }
    let last_sealed = sealed_names.iter().max().copied();
    for r in revisions {
        if sealed_names.contains(&r.file_name.as_str()) {
            continue;
        }
        match sealed_names.iter().filter(|n| **n > r.file_name.as_str()).min() {
            Some(next) if last_sealed.is_some() => {
                problems.push(Problem::Inserted { file: r.file_name.clone(), before: next.to_string() })
            }
            _ => problems.push(Problem::Unsealed { file: r.file_name.clone() }),
        }
    }
    problems
}

/// The state cache's text (without its seal line) when it seals itself as the state after
/// `head` and its checksum holds; `None` otherwise (missing, stale, merged by git or edited:
/// the caller replays the revisions and writes it again).
pub fn state_cache(dir: &Path, head: Option<&str>) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(STATE_FILE)).ok()?;
    let (first, rest) = text.split_once('\n')?;
    let (state_head, checksum) = first.strip_prefix(STATE_SEAL)?.split_once(' ')?;
    let expected = head.unwrap_or("none");
    (state_head == expected && sha256_hex(rest.as_bytes()) == checksum).then(|| rest.to_string())
}
