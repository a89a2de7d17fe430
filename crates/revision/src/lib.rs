//! Revisions: what `schemactl plan` writes and `schemactl apply` runs.
//!
//! A revision is plain data (id, parent, message, schema fingerprints, hazards, up and down
//! SQL) stored as one `.sql` file in the revisions directory. [`format`] reads and writes
//! that file; [`seal`] keeps `schemactl.sum`, a chained checksum over all revision files that
//! detects any edited, inserted, reordered or deleted revision; [`dir`] loads a directory and
//! names new revisions.

pub mod dir;
mod error;
pub mod format;
pub mod seal;

use std::path::Path;

pub use dir::{find, load_dir, new_id, read_files, slug, Revisions};
pub use error::{Error, Problem, Result};
use schemactl_source::Statement;
use sha2::{Digest, Sha256};

/// One revision, as stored in `<id>_<slug>.sql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// Sortable id: the UTC time it was made, `YYYYMMDDHHMMSS`.
    pub id: String,
    /// The file name (`<id>_<slug>.sql`), without directory.
    pub file_name: String,
    /// The revision it follows; `None` for the first.
    pub parent: Option<String>,
    pub message: String,
    pub kind: RevisionKind,
    /// Fingerprint of the schema the revision expects before it runs.
    pub before: String,
    /// Fingerprint of the schema after it ran (equal to `before` for data-only revisions).
    pub after: String,
    /// Hazard kinds of its steps, as named in plan output (`data-loss`, `index-build`...).
    pub hazards: Vec<String>,
    /// The objects the up section changes, as they were when it was planned: `apply` refuses
    /// to run it on a database where they differ (drift), unless forced.
    pub expects: Vec<Expectation>,
    pub up: String,
    pub down: String,
    /// sha256 (hex) of the file's bytes: what the history table records and `apply` compares.
    pub checksum: String,
    /// The file's text exactly (what `checksum` covers).
    pub text: String,
}

/// One object a planned revision changes, with its fingerprint in the state it was planned
/// against (`absent` when it did not exist).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expectation {
    /// What the fingerprint query looks up: `relation`, `type`, `function` or `schema`.
    pub kind: String,
    /// Empty for schemas.
    pub schema: String,
    pub name: String,
    pub fingerprint: String,
}

impl Expectation {
    /// `portal.users` (schemas: just the name).
    pub fn display_name(&self) -> String {
        if self.schema.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.schema, self.name)
        }
    }
}

/// Who wrote the revision's SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RevisionKind {
    /// Made by `schemactl plan` from the difference between revisions and `schema/`.
    Planned,
    /// Made by `schemactl revision`, written by hand (data migrations).
    Manual,
}

impl RevisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionKind::Planned => "planned",
            RevisionKind::Manual => "manual",
        }
    }
}

/// Statements that run together: one transaction, or one statement that cannot run in one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub statements: Vec<Statement>,
    /// False for a single statement PostgreSQL refuses inside a transaction block.
    pub transactional: bool,
}

impl Revision {
    /// The up section, split into segments (positions point into the revision file).
    pub fn up_segments(&self, dir: &Path) -> Result<Vec<Segment>> {
        segments(&dir.join(&self.file_name), &self.text, format::Section::Up)
    }

    /// The down section, split into segments.
    pub fn down_segments(&self, dir: &Path) -> Result<Vec<Segment>> {
        segments(&dir.join(&self.file_name), &self.text, format::Section::Down)
    }
}

fn segments(path: &Path, text: &str, section: format::Section) -> Result<Vec<Segment>> {
    // Everything outside the section is blanked out, newlines kept, so that statement
    // positions are those of the file.
    let masked = format::mask_except(text, section);
    let statements =
        schemactl_source::split_script(path, &masked).map_err(|e| Error::Statement { message: e.to_string() })?;
    let mut out: Vec<Segment> = Vec::new();
    for statement in statements {
        match out.last_mut() {
            Some(last) if last.transactional && statement.transactional => last.statements.push(statement),
            _ => {
                let transactional = statement.transactional;
                out.push(Segment { statements: vec![statement], transactional });
            }
        }
    }
    Ok(out)
}

/// sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
