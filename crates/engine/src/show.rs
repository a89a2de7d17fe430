//! One revision and what a database says about it: `show REV` and `current --verbose`.

use crate::error::Result;
use schemactl_apply::{Applied, Event, LogEntry, State};
use schemactl_connect::DbUrl;
use schemactl_revision::Revision;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The revision files of `dir`, in order. Looking at a revision is what one does when something
/// is wrong, so files that do not match their seal are still listed, with the refusal every
/// other command would give as the second value.
pub fn revisions_to_look_at(dir: &Path) -> Result<(Vec<Revision>, Option<schemactl_revision::Error>)> {
    match schemactl_revision::load_dir(dir) {
        Ok(revisions) => Ok((revisions.list, None)),
        Err(e @ schemactl_revision::Error::Integrity { .. }) => Ok((schemactl_revision::read_files(dir)?, Some(e))),
        Err(e) => Err(e.into()),
    }
}

/// What a database's bookkeeping says about one revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// In `schemactl.history`: run by `apply` (`duration_ms` set) or recorded by `stamp`.
    Applied {
        row: Applied,
        /// The file's checksum is not the one recorded when it was applied.
        file_changed: bool,
    },
    /// A run stopped between its non-transactional steps; `apply` resumes it.
    PartWay,
    /// Not applied; `undone` when the latest log entry for it is a `down`.
    Pending { undone: Option<LogEntry> },
}

/// What `state` records about `revision`.
pub fn record(state: &State, revision: &Revision) -> Record {
    if let Some(row) = state.applied(&revision.id) {
        return Record::Applied { row: row.clone(), file_changed: row.checksum != revision.checksum };
    }
    if state.steps.iter().any(|s| s.revision == revision.id) {
        return Record::PartWay;
    }
    let undone = state.last_log.iter().find(|l| l.revision == revision.id && l.action == "down").cloned();
    Record::Pending { undone }
}

/// A revision to show, and the database's word on it when one was asked.
#[derive(Clone, Debug)]
pub struct Shown {
    pub revision: Revision,
    pub path: PathBuf,
    /// `None` without a database.
    pub record: Option<Record>,
    /// The database's current revision (`None` at base), when a database was asked.
    pub current: Option<Option<String>>,
}

/// The revision `spec` names in `list` (an id, a unique prefix, a file name, `head`: as
/// `apply --to` and `stamp` take it), with what `database` says about it. The revision is
/// resolved before connecting, so a wrong one is reported without a database.
pub async fn show(
    list: &[Revision],
    dir: &Path,
    spec: &str,
    database: Option<(&DbUrl, Duration)>,
    on: &mut dyn FnMut(Event),
) -> Result<Shown> {
    let revision = list[schemactl_revision::find(list, spec)?].clone();
    let path = dir.join(&revision.file_name);
    let Some((url, wait)) = database else {
        return Ok(Shown { revision, path, record: None, current: None });
    };
    let state = schemactl_apply::read_state(url, wait, on).await?;
    let record = Some(record(&state, &revision));
    Ok(Shown { revision, path, record, current: Some(state.current().map(str::to_string)) })
}

/// The database's current revision with its history row and its file.
#[derive(Clone, Debug)]
pub struct Current {
    /// `None` at base.
    pub row: Option<Applied>,
    /// The current revision's file, when one has its id.
    pub revision: Option<(Revision, PathBuf)>,
    /// Revisions a run stopped in the middle of.
    pub part_way: BTreeSet<String>,
}

/// Where the database is, with what `current --verbose` says about it.
pub async fn current(
    list: &[Revision],
    dir: &Path,
    url: &DbUrl,
    wait: Duration,
    on: &mut dyn FnMut(Event),
) -> Result<Current> {
    let state = schemactl_apply::read_state(url, wait, on).await?;
    let row = state.current().and_then(|id| state.applied(id)).cloned();
    let revision = row
        .as_ref()
        .and_then(|row| list.iter().find(|r| r.id == row.revision))
        .map(|r| (r.clone(), dir.join(&r.file_name)));
    let part_way = state.steps.iter().map(|s| s.revision.clone()).collect();
    Ok(Current { row, revision, part_way })
}
