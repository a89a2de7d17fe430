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
    /// schemactl.toml is unreadable or names something that does not exist.
    #[error("{0}")]
    Config(#[from] schemactl_config::Error),
    /// A revision file is unreadable, or the revisions do not match their seal.
    #[error("{0}")]
    Revision(#[from] schemactl_revision::Error),
    /// Running revisions failed: unreachable database, lock, refused history, a failed statement.
    #[error("{0}")]
    Apply(#[from] schemactl_apply::Error),
    /// `plan --check`: schema/ and the revisions disagree.
    #[error("{0}")]
    CheckFailed(String),
    /// `verify` found revisions that do not replay cleanly or do not produce schema/.
    #[error("verify: {0}")]
    Verify(String),
    /// The plan did not apply to a copy of the current state, or did not reach the desired one.
    #[error("plan: {0}")]
    Diverged(String),
    /// Steps or revisions carry hazards that are not allowed (the message lists them).
    #[error("{0}")]
    HazardsNotAllowed(String),
    /// SQL given to `lint` does not parse (the message has file:line:column).
    #[error("{0}")]
    Lint(#[from] schemactl_lint::Error),
    /// The dump's statements could not be ordered.
    #[error("{0}")]
    Dump(#[from] schemactl_dump::Error),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io { path: std::path::PathBuf, source: std::io::Error },
    /// The command was used in a way that cannot work, with what to do instead.
    #[error("{0}")]
    Usage(String),
    /// A query that schemactl itself issues failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },
}

impl CliError {
    /// 0 is success; 2 a `--check` disagreement; 3 database unreachable; 4 lock not obtained;
    /// 5 revisions refused (tampered, deleted, inserted); 6 hazards not allowed (plan, apply,
    /// down, lint); 7 drift; 1 everything else. Not errors, so not here: `status` reports 7
    /// (drift) and 8 (pending) itself, and a signal exits 128 + its number (see main.rs).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::CheckFailed(_) => 2,
            CliError::HazardsNotAllowed(_) => 6,
            CliError::Apply(schemactl_apply::Error::Hazards { .. }) => 6,
            CliError::Revision(schemactl_revision::Error::Integrity { .. }) => 5,
            CliError::Apply(schemactl_apply::Error::Unreachable { .. }) => 3,
            CliError::Apply(schemactl_apply::Error::Locked { .. }) => 4,
            CliError::Apply(schemactl_apply::Error::Refused { .. }) => 5,
            CliError::Apply(schemactl_apply::Error::Drift { .. }) => 7,
            _ => 1,
        }
    }
}

pub type CliResult<T> = std::result::Result<T, CliError>;
