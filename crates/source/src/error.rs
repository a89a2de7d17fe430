//! Errors reported while reading schema files.
//!
//! Every variant that points into a file carries a 1-based line and a 1-based
//! column counted in characters, and displays as `path:line:col: message` so
//! editors and terminals can jump to it.

use std::path::PathBuf;

/// Everything that can go wrong while loading schema files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read (including a path that does not exist).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A directory was given but it holds no `.sql` file, at any depth.
    #[error("{}: no .sql files found (schemactl reads every *.sql file below a directory)", path.display())]
    NoSqlFiles { path: PathBuf },

    /// A directory read for SQL only holds a YAML schema file, which would be left out.
    #[error("{}: a YAML schema file where only SQL is read (schemactl_yaml::load_schema_files reads both)", path.display())]
    UnreadFormat { path: PathBuf },

    /// A file is not valid UTF-8; the position is that of the first invalid byte.
    #[error("{}:{line}:{column}: file is not valid UTF-8 (schema files must be UTF-8 encoded)", file.display())]
    NotUtf8 { file: PathBuf, line: usize, column: usize },

    /// PostgreSQL's parser rejected the file; the position is where it stopped.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax { file: PathBuf, line: usize, column: usize, message: String },

    /// A psql meta-command line (`\i`, `\set`, `\connect`...): psql runs those, schemactl
    /// does not, so the file would not mean what it says.
    #[error("{}:{line}:{column}: {message}", file.display())]
    MetaCommand { file: PathBuf, line: usize, column: usize, message: String },

    /// A statement that changes data or drops objects instead of declaring them.
    #[error(
        "{}:{line}:{column}: {statement} is not a schema statement; schema files declare the desired state ({})",
        file.display(),
        not_schema_hint(statement)
    )]
    NotSchema { file: PathBuf, line: usize, column: usize, statement: String },

    /// A statement that is valid in a schema but that schemactl refuses, with the reason.
    #[error("{}:{line}:{column}: {statement} is not supported in schema files: {reason}", file.display())]
    Unsupported { file: PathBuf, line: usize, column: usize, statement: String, reason: String },

    /// A `-- schemactl:renamed-from` annotation that is malformed, conflicts with another, or
    /// does not directly precede something renamable; the position is the comment's.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Annotation { file: PathBuf, line: usize, column: usize, message: String },

    /// A file of another format (see [`crate::Format`]) was refused by that format's reader;
    /// its message already names the file and position.
    #[error(transparent)]
    Format(crate::FormatError),

    /// A migration script holds a statement the runner must control itself (`BEGIN`, `COMMIT`).
    #[error("{}:{line}:{column}: {statement} is not allowed in a revision: {reason}", file.display())]
    NotInScript { file: PathBuf, line: usize, column: usize, statement: String, reason: String },
}

/// What to do instead, depending on what kind of statement was refused.
fn not_schema_hint(statement: &str) -> &'static str {
    if statement.starts_with("DROP") {
        "to drop an object, delete its CREATE statement; schemactl plans the DROP"
    } else {
        "data changes belong in a migration revision"
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
