//! Errors of the revision crate.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong reading, writing or checking revisions.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file in the revisions directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file in the revisions directory is not in the revision format.
    #[error("{file}:{line}: {reason}")]
    Format { file: String, line: usize, reason: String },
    /// A statement of a revision does not parse (the message has file:line:column).
    #[error("{message}")]
    Statement { message: String },
    /// The revision files do not match `schemactl.sum`.
    #[error("the revisions do not match schemactl.sum:\n  {}{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "), edited_advice(problems))]
    Integrity { problems: Vec<Problem> },
    /// Two or more revisions follow the same parent: branches were merged. `schemactl rebase`
    /// re-plans one branch onto the other.
    #[error("{}", forked_message(forks, problems))]
    Forked { forks: Vec<Fork>, problems: Vec<Problem> },
    /// A revision named on the command line matches no revision, or several.
    #[error("revision `{spec}`: {reason}")]
    UnknownRevision { spec: String, reason: String },
}

/// What to do about an edited revision: which way is safe depends on where it already ran,
/// which only the user knows.
fn edited_advice(problems: &[Problem]) -> &'static str {
    if !problems.iter().any(|p| matches!(p, Problem::Edited { .. })) {
        return "";
    }
    "\nIf the edited revision was never applied to any database, accept the edit with `schemactl reseal`. \
     If it was applied anywhere, put the file back as it was (`git checkout -- <file>`) and make the change \
     a new revision (`schemactl plan -m ...` or `schemactl revision -m ...`): databases that ran the old text \
     would never run the edit."
}

/// Revisions that share a parent (files, in id order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fork {
    pub parent: Option<String>,
    pub children: Vec<String>,
}

fn forked_message(forks: &[Fork], problems: &[Problem]) -> String {
    let mut text = String::from("the revision chain forks (branches were merged):");
    for fork in forks {
        let parent = fork.parent.as_deref().unwrap_or("none (the first revision)");
        text.push_str(&format!("\n  {} all follow {parent}", fork.children.join(" and ")));
    }
    for p in problems {
        text.push_str(&format!("\n  {p}"));
    }
    text.push_str("\n  run `schemactl rebase` to keep one branch's revisions and re-plan the other's after them");
    text
}

/// One way the revision files disagree with their seal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file's checksum is not the sealed one.
    Edited { file: String },
    /// A sealed revision's file is gone.
    Deleted { file: String },
    /// A file not in the seal sorts before sealed revisions.
    Inserted { file: String, before: String },
    /// A file newer than every sealed revision, never sealed (copied in, or made by hand).
    Unsealed { file: String },
    /// The sealed order differs from the order of the ids.
    Reordered { file: String },
    /// A revision's `parent` is not the revision before it.
    BrokenParent { file: String, expected: Option<String>, found: Option<String> },
    /// Two files carry the same id.
    DuplicateId { id: String },
    /// schemactl.sum itself was edited or is not in its format.
    SumCorrupt { reason: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let none = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".into());
        match self {
            Problem::Edited { file } => write!(f, "{file}: edited after it was sealed (checksum differs)"),
            Problem::Deleted { file } => write!(f, "{file}: deleted (sealed, but the file is missing)"),
            Problem::Inserted { file, before } => write!(f, "{file}: inserted before the sealed revision {before}"),
            Problem::Unsealed { file } => {
                write!(f, "{file}: not sealed (write revisions with `schemactl plan` or `schemactl revision`)")
            }
            Problem::Reordered { file } => write!(f, "{file}: out of order with respect to the seal"),
            Problem::BrokenParent { file, expected, found } => {
                write!(f, "{file}: its parent is {} but the revision before it is {}", none(found), none(expected))
            }
            Problem::DuplicateId { id } => write!(f, "two revision files have the id {id}"),
            Problem::SumCorrupt { reason } => write!(f, "schemactl.sum: {reason}"),
        }
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
