//! Revisions: what `schemactl plan` writes and `schemactl apply` runs.
//!
//! A revision is plain data (id, parent, message, schema fingerprints, hazards, up and down
//! SQL) stored as one `.sql` file in the revisions directory. [`format`] reads and writes
//! that file; [`seal`] keeps `schemactl.sum`, a checksum per revision file that detects any
//! edited, inserted or deleted revision (and merges in git without conflicts); [`dir`] loads a
//! directory, checks the chain of parents (a fork is two branches merged), and names new
//! revisions.

pub mod dir;
mod error;
pub mod format;
pub mod seal;

use std::fmt;
use std::path::Path;

pub use dir::{find, forks, load_dir, new_id, read_files, slug, Revisions};
pub use error::{Error, Fork, Problem, Result};
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
    /// For a baseline taking over from another migration tool: the revision of that tool's
    /// history the database must be at (`-- replaces: alembic a1b2c3d4e5f6`).
    pub replaces: Option<Replaced>,
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

/// Another migration tool's revision that a baseline takes over from: the database must be at
/// exactly that revision of the tool's history when the baseline is stamped or applied.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Replaced {
    /// The tool, lowercase (`alembic`; see [`Replaced::TOOLS`]).
    pub tool: String,
    /// Its revision id, as the tool's bookkeeping table holds it.
    pub revision: String,
}

impl Replaced {
    /// The tools a baseline can replace: `(name, bookkeeping table, its revision column)`.
    /// The table is looked up unqualified (on the search path), as the tool itself does by
    /// default.
    pub const TOOLS: &'static [(&'static str, &'static str, &'static str)] =
        &[("alembic", "alembic_version", "version_num")];

    /// `alembic` and a revision id. The id must be printable and without whitespace, so that
    /// it stays one header line and reads back unchanged.
    pub fn new(tool: &str, revision: &str) -> std::result::Result<Replaced, String> {
        let tool = tool.trim().to_ascii_lowercase();
        if !Self::TOOLS.iter().any(|(name, _, _)| *name == tool) {
            let known: Vec<&str> = Self::TOOLS.iter().map(|(name, _, _)| *name).collect();
            return Err(format!(
                "unknown tool `{}` to replace (known: {})",
                schemactl_sqltext::visible(&tool),
                known.join(", ")
            ));
        }
        if revision.is_empty() || revision.chars().any(|c| c.is_whitespace() || schemactl_sqltext::is_unsafe_char(c)) {
            return Err(format!(
                "`{}` is not a {tool} revision id (it must be non-empty, printable and without spaces)",
                schemactl_sqltext::visible(revision)
            ));
        }
        Ok(Replaced { tool, revision: revision.to_string() })
    }

    /// The tool's bookkeeping table and the column holding its revision.
    pub fn table(&self) -> (&'static str, &'static str) {
        Self::TOOLS.iter().find(|(name, _, _)| *name == self.tool).map_or(("", ""), |(_, t, c)| (*t, *c))
    }

    /// `Alembic`: the tool as prose names it.
    pub fn tool_name(&self) -> String {
        let mut chars = self.tool.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }
}

/// `alembic a1b2c3d4e5f6`: what the header line and the history's `replaces` column hold.
impl fmt::Display for Replaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tool, self.revision)
    }
}

impl std::str::FromStr for Replaced {
    type Err = String;

    /// The header's form (`alembic a1b2c3d4e5f6`).
    fn from_str(text: &str) -> std::result::Result<Replaced, String> {
        match text.trim().split_once(' ') {
            Some((tool, revision)) => Replaced::new(tool, revision.trim()),
            None => Err(format!(
                "`-- replaces:` needs a tool and a revision (`alembic a1b2c3d4e5f6`), not `{}`",
                schemactl_sqltext::visible(text)
            )),
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
    Ok(group_segments(statements))
}

/// Statements as the applier runs them: consecutive transactional ones together, each other
/// one alone.
pub fn group_segments(statements: Vec<schemactl_source::Statement>) -> Vec<Segment> {
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
    out
}

/// sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
