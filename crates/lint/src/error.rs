//! Errors of the lint crate.

use std::path::PathBuf;

/// Everything that can stop a lint.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The script does not split into statements (the message has file:line:column).
    #[error("{0}")]
    Source(#[from] schemactl_source::Error),
    /// A statement handed to the linter does not parse on its own.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Parse { file: PathBuf, line: usize, column: usize, message: String },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
