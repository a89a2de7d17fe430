//! `schemactl.sum`: one line per revision file with its checksum and a chained checksum (each
//! line's chain covers every line before it), then the checksum of the state cache. Editing,
//! inserting, reordering or deleting a revision, or editing this file, shows up on load.

use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::{sha256_hex, Revision};

pub const SUM_FILE: &str = "schemactl.sum";
pub const STATE_FILE: &str = "state.sql";
const HEADER: &str = "# schemactl.sum: chained checksums of the revisions in this directory.\n\
                      # Written by schemactl; `schemactl reseal` rewrites it after deliberate edits.\n";

/// One sealed revision file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedEntry {
    pub file: String,
    pub checksum: String,
}

/// The parsed seal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seal {
    pub entries: Vec<SealedEntry>,
    /// Checksum of `state.sql` and the revision it is the state after.
    pub state: Option<(String, Option<String>)>,
}

fn chain(previous: &str, entry: &SealedEntry) -> String {
    sha256_hex(format!("{previous} {} {}", entry.file, entry.checksum).as_bytes())
}

/// Writes the seal for `revisions` (in order) and, when given, the state cache text.
pub fn write(dir: &Path, revisions: &[Revision], state: Option<&str>) -> Result<()> {
    let mut text = String::from(HEADER);
    let mut previous = String::new();
    for r in revisions {
        let entry = SealedEntry { file: r.file_name.clone(), checksum: r.checksum.clone() };
        previous = chain(&previous, &entry);
        text.push_str(&format!("{} {} {}\n", entry.file, entry.checksum, previous));
    }
    if let Some(state_text) = state {
        let head = revisions.last().map_or("none", |r| r.id.as_str());
        write_file(&dir.join(STATE_FILE), state_text)?;
        text.push_str(&format!("state {} {head}\n", sha256_hex(state_text.as_bytes())));
    } else if dir.join(STATE_FILE).exists() {
        std::fs::remove_file(dir.join(STATE_FILE))
            .map_err(|source| Error::Io { path: dir.join(STATE_FILE), source })?;
    }
    write_file(&dir.join(SUM_FILE), &text)
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|source| Error::Io { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// Reads the seal; `Ok(None)` when there is no `schemactl.sum`. A chain that does not
/// verify is a [`Problem::SumCorrupt`].
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
    let corrupt = |n: usize, reason: &str| Problem::SumCorrupt { reason: format!("line {n}: {reason}") };
    let mut seal = Seal::default();
    let mut previous = String::new();
    for (index, line) in text.lines().enumerate() {
        let n = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["state", checksum, head] => {
                seal.state = Some((checksum.to_string(), (*head != "none").then(|| head.to_string())));
            }
            [file, checksum, chained] => {
                if seal.state.is_some() {
                    return Err(corrupt(n, "a revision after the state line"));
                }
                let entry = SealedEntry { file: file.to_string(), checksum: checksum.to_string() };
                previous = chain(&previous, &entry);
                if previous != *chained {
                    return Err(corrupt(n, "the chained checksum does not verify (the file was edited by hand)"));
                }
                seal.entries.push(entry);
            }
            _ => return Err(corrupt(n, "not `<file> <checksum> <chain>`")),
        }
    }
    Ok(seal)
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
    let mut sorted = sealed_names.clone();
    sorted.sort_unstable();
    if let Some(i) = (0..sealed_names.len()).find(|&i| sealed_names[i] != sorted[i]) {
        problems.push(Problem::Reordered { file: sealed_names[i].to_string() });
    }
    problems
}

/// The state cache's text when its checksum is the sealed one and it is the state after
/// `head`; `None` otherwise (missing, stale or edited: the caller replays the revisions).
pub fn state_cache(dir: &Path, seal: &Seal, head: Option<&str>) -> Option<String> {
    let (checksum, state_head) = seal.state.as_ref()?;
    if state_head.as_deref() != head {
        return None;
    }
    let text = std::fs::read_to_string(dir.join(STATE_FILE)).ok()?;
    (sha256_hex(text.as_bytes()) == *checksum).then_some(text)
}
