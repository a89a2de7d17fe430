/// Everything that can stop a command, with the message a user sees.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The workflow failed: files that do not parse or load, a shadow that does not start, a
    /// catalog that cannot be read, a plan that does not apply to a copy or does not verify.
    #[error("{0}")]
    Engine(schemactl_engine::Error),
    /// A database address was malformed or the server unreachable.
    #[error("{0}")]
    Connect(#[from] schemactl_connect::Error),
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
    /// Steps or revisions carry hazards that are not allowed (the message lists them).
    #[error("{0}")]
    HazardsNotAllowed(String),
    /// SQL given to `lint` does not parse (the message has file:line:column).
    #[error("{0}")]
    Lint(#[from] schemactl_lint::Error),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io { path: std::path::PathBuf, source: std::io::Error },
    /// The command was used in a way that cannot work, with what to do instead.
    #[error("{0}")]
    Usage(String),
    /// A fleet's targets could not be read, or a stage or shard does not exist.
    #[error("{0}")]
    Fleet(#[from] schemactl_fleet::Error),
    /// A query that schemactl itself issues failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },
}

impl CliError {
    /// 0 is success; 2 a `--check` disagreement; 3 database unreachable; 4 lock not obtained;
    /// 5 revisions refused (tampered, deleted, inserted); 6 hazards not allowed (plan, apply,
    /// down, lint); 7 drift; 9 the revision chain forks (branches merged: `schemactl rebase`);
    /// 1 everything else. Not errors, so not here: `status` reports 7
    /// (drift) and 8 (pending) itself, and a signal exits 128 + its number (see main.rs).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::CheckFailed(_) => 2,
            CliError::HazardsNotAllowed(_) => 6,
            CliError::Apply(schemactl_apply::Error::Hazards { .. } | schemactl_apply::Error::TooLarge { .. }) => 6,
            CliError::Revision(schemactl_revision::Error::Integrity { .. }) => 5,
            CliError::Revision(schemactl_revision::Error::Forked { .. }) => 9,
            CliError::Engine(schemactl_engine::Error::Rebase(_)) => 9,
            CliError::Apply(schemactl_apply::Error::Unreachable { .. }) => 3,
            CliError::Apply(schemactl_apply::Error::Locked { .. }) => 4,
            CliError::Apply(schemactl_apply::Error::Refused { .. } | schemactl_apply::Error::Unknown { .. }) => 5,
            CliError::Apply(schemactl_apply::Error::Drift { .. }) => 7,
            _ => 1,
        }
    }
}

pub type CliResult<T> = std::result::Result<T, CliError>;

/// What the engine shares with the commands' own errors becomes those, so that exit codes
/// see a lock, a refused history or a bad address however it came up.
impl From<schemactl_engine::Error> for CliError {
    fn from(e: schemactl_engine::Error) -> CliError {
        use schemactl_engine::Error as E;
        match e {
            E::Connect(e) => CliError::Connect(e),
            E::Revision(e) => CliError::Revision(e),
            E::Apply(e) => CliError::Apply(e),
            E::Lint(e) => CliError::Lint(e),
            E::Usage(m) => CliError::Usage(m),
            E::Io { path, source } => CliError::Io { path, source },
            E::Database { context, message } => CliError::Database { context, message },
            e => CliError::Engine(e),
        }
    }
}
