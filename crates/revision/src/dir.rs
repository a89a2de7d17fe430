//! The revisions directory: loading it (verified against its seal), finding a revision by
//! name, and naming new ones.

use std::path::{Path, PathBuf};

use crate::error::{Error, Fork, Problem, Result};
use crate::format;
use crate::seal::{self, Seal, STATE_FILE};
use crate::Revision;

/// A verified revisions directory.
#[derive(Clone, Debug)]
pub struct Revisions {
    pub dir: PathBuf,
    /// In id order; each one's parent is the one before.
    pub list: Vec<Revision>,
    pub seal: Seal,
}

impl Revisions {
    pub fn head(&self) -> Option<&Revision> {
        self.list.last()
    }

    /// The sealed state cache for the head, if it is there and intact.
    pub fn state_cache(&self) -> Option<String> {
        seal::state_cache(&self.dir, self.head().map(|r| r.id.as_str()))
    }
}

/// Reads every revision file (`*.sql` but the state cache), sorted by file name, without
/// checking the seal. A missing directory has no revisions.
pub fn read_files(dir: &Path) -> Result<Vec<Revision>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::Io { path: dir.to_path_buf(), source }),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".sql") && name != STATE_FILE && entry.path().is_file() {
            names.push(name);
        }
    }
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
        out.push(format::parse(&name, &text)?);
    }
    Ok(out)
}

/// Revisions (files) that share a parent, in id order: what merging two branches that each
/// planned a revision leaves.
pub fn forks(list: &[Revision]) -> Vec<Fork> {
    let mut children: std::collections::BTreeMap<Option<&str>, Vec<&Revision>> = std::collections::BTreeMap::new();
    for r in list {
        children.entry(r.parent.as_deref()).or_default().push(r);
    }
    children
        .into_iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(parent, c)| Fork {
            parent: parent.map(str::to_string),
            children: c.iter().map(|r| r.file_name.clone()).collect(),
        })
        .collect()
}

/// Problems of the chain itself: duplicate ids and parents that are not the previous revision.
/// Where the chain forks ([`forks`]), a parent that is another revision of the directory is not
/// reported here: the fork says more.
pub fn chain_problems(list: &[Revision]) -> Vec<Problem> {
    let forked = !forks(list).is_empty();
    let mut problems = Vec::new();
    let mut previous: Option<&Revision> = None;
    for r in list {
        let known_parent = r.parent.as_deref().is_none_or(|p| list.iter().any(|o| o.id == p));
        if previous.is_some_and(|p| p.id == r.id) {
            problems.push(Problem::DuplicateId { id: r.id.clone() });
        } else if !(forked && known_parent) && r.parent.as_deref() != previous.map(|p| p.id.as_str()) {
            problems.push(Problem::BrokenParent {
                file: r.file_name.clone(),
                expected: previous.map(|p| p.id.clone()),
                found: r.parent.clone(),
            });
        }
        previous = Some(r);
    }
    problems
}

/// Loads the revisions in `dir` and verifies them against `schemactl.sum`. A chain that forks
/// is [`Error::Forked`] (with whatever else is wrong), anything else [`Error::Integrity`].
pub fn load_dir(dir: &Path) -> Result<Revisions> {
    let list = read_files(dir)?;
    let forks = forks(&list);
    let mut problems = chain_problems(&list);
    let seal = match seal::read(dir)? {
        Ok(Some(seal)) => seal,
        Ok(None) => Seal::default(),
        Err(problem) => {
            problems.push(problem);
            return Err(Error::Integrity { problems });
        }
    };
    problems.extend(seal::check(&list, &seal));
    if !forks.is_empty() {
        return Err(Error::Forked { forks, problems });
    }
    if !problems.is_empty() {
        return Err(Error::Integrity { problems });
    }
    Ok(Revisions { dir: dir.to_path_buf(), list, seal })
}

/// Index of the revision `spec` names: `head`, a full id, a unique id prefix, or a file name.
pub fn find(list: &[Revision], spec: &str) -> Result<usize> {
    let unknown = |reason: &str| Error::UnknownRevision { spec: spec.to_string(), reason: reason.to_string() };
    if spec == "head" {
        return list.len().checked_sub(1).ok_or_else(|| unknown("there are no revisions"));
    }
    let matches: Vec<usize> = (0..list.len())
        .filter(|&i| list[i].id == spec || list[i].file_name == spec || list[i].file_name.starts_with(spec))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(unknown("no such revision")),
        _ => match matches.iter().find(|&&i| list[i].id == spec) {
            Some(&exact) => Ok(exact),
            None => Err(unknown(&format!("ambiguous, it could be any of {} revisions", matches.len()))),
        },
    }
}

/// A sortable id for a revision made at `unix_seconds` (UTC), later than `after`.
pub fn new_id(unix_seconds: u64, after: Option<&str>) -> String {
    let mut seconds = unix_seconds;
    loop {
        let id = timestamp(seconds);
        if after.is_none_or(|a| id.as_str() > a) {
            return id;
        }
        seconds += 1;
    }
}

/// `YYYYMMDDHHMMSS` for a unix time, UTC (the civil-from-days algorithm).
fn timestamp(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let rem = unix_seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}{:02}{:02}{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A file-name-safe slug of a message: lowercase words joined by `_`, at most 48 characters.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for word in message.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + word.len() + 1 > 48 {
            break;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() {
        "revision".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_utc_timestamps_after_the_head() {
        assert_eq!(timestamp(0), "19700101000000");
        assert_eq!(timestamp(1_795_656_300), "20261126012500");
        assert_eq!(new_id(0, Some("19700101000000")), "19700101000001");
    }

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slug("Add widgets: owner_id + index!"), "add_widgets_owner_id_index");
        assert_eq!(slug("   "), "revision");
        assert!(slug(&"word ".repeat(40)).len() <= 48);
    }
}
