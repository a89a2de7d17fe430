//! Errors of the fleet crate: a target list that cannot be read, a stage or shard that does
//! not exist. What happens to one target is not an error of the run: it is in its report.

/// Everything that stops a fleet command before any target runs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A targets file or command output has a line that is not a target (`origin:line:col`).
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax { origin: String, line: usize, column: usize, message: String },
    /// The targets could not be read (file, query, command), or they make no fleet.
    #[error("{0}")]
    Targets(String),
    /// A flag or setting that cannot work (the message says why and what to do).
    #[error("{0}")]
    Usage(String),
    /// A manifest could not be written.
    #[error("{0}")]
    Render(String),
    #[error("{0}")]
    Engine(#[from] schemactl_engine::Error),
    #[error("{0}")]
    Apply(#[from] schemactl_apply::Error),
    #[error("{0}")]
    Connect(#[from] schemactl_connect::Error),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
