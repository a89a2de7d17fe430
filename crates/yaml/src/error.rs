//! Errors reported while reading YAML desired-state files.
//!
//! Every variant points into a file with a 1-based line and a 1-based column counted in
//! characters, and names the key path of the node it is about (when there is one):
//! `schema/app.yaml:12:9: tables.users.columns.email.type: missing required key`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong with a YAML desired-state file before any database sees it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not valid YAML (or uses a YAML feature the format refuses: tags, several
    /// documents, duplicate keys, nesting beyond reason).
    #[error("{}:{line}:{column}: {}", file.display(), Located(path, message))]
    Syntax { file: PathBuf, line: usize, column: usize, path: String, message: String },

    /// Valid YAML that does not fit the format: an unknown key, a value of the wrong type, a
    /// missing required key, an invalid name.
    #[error("{}:{line}:{column}: {}", file.display(), Located(path, message))]
    Structure { file: PathBuf, line: usize, column: usize, path: String, message: String },

    /// An SQL text (a type, an expression, a query, a body) that PostgreSQL's parser refuses
    /// where it is used, or that holds more than the one thing it stands for.
    #[error("{}:{line}:{column}: {}", file.display(), Located(path, message))]
    Sql { file: PathBuf, line: usize, column: usize, path: String, message: String },
}

impl Error {
    /// The key path the error is about (empty for the document itself).
    pub fn path(&self) -> &str {
        match self {
            Error::Syntax { path, .. } | Error::Structure { path, .. } | Error::Sql { path, .. } => path,
        }
    }

    /// The 1-based line and column.
    pub fn position(&self) -> (usize, usize) {
        match self {
            Error::Syntax { line, column, .. }
            | Error::Structure { line, column, .. }
            | Error::Sql { line, column, .. } => (*line, *column),
        }
    }

    /// The message without file, position and path.
    pub fn message(&self) -> &str {
        match self {
            Error::Syntax { message, .. } | Error::Structure { message, .. } | Error::Sql { message, .. } => message,
        }
    }
}

/// `path: message`, or only the message at the document's root.
struct Located<'a>(&'a String, &'a String);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str(self.1)
        } else {
            write!(f, "{}: {}", self.0, self.1)
        }
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
