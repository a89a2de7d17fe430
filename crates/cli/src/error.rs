/// Everything that can stop a command, with the message a user sees.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A schema file could not be read or parsed.
    #[error("{0}")]
    Source(#[from] schemactl_source::Error),
    /// A database address was malformed or the server unreachable.
    #[error("{0}")]
    Connect(#[from] schemactl_connect::Error),
    /// The shadow database could not be started or the schema did not load into it.
    #[error("{0}")]
    Shadow(#[from] schemactl_shadow::Error),
    /// Reading a catalog failed.
    #[error("{0}")]
    Introspect(#[from] schemactl_introspect::Error),
    /// The plan could not be ordered.
    #[error("{0}")]
    Plan(#[from] schemactl_plan::Error),
    /// `--strict` and some objects are not managed.
    #[error("--strict: {} object(s) are not managed by schemactl:\n  {}", .0.len(), .0.join("\n  "))]
    Unmanaged(Vec<String>),
    /// A query that schemactl itself issues failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        1
    }
}

pub type CliResult<T> = std::result::Result<T, CliError>;
