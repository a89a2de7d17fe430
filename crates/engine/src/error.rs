/// Everything the workflow can fail with. The command line turns each into its message and
/// exit code; the library errors below it pass through unchanged, so that code can tell a
/// lock from a refused history.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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
    /// A revision file is unreadable, or the revisions do not match their seal.
    #[error("{0}")]
    Revision(#[from] schemactl_revision::Error),
    /// Reading the revision history of a database failed.
    #[error("{0}")]
    Apply(#[from] schemactl_apply::Error),
    /// SQL of a hand-written revision does not parse.
    #[error("{0}")]
    Lint(#[from] schemactl_lint::Error),
    /// The dump's statements could not be ordered.
    #[error("{0}")]
    Dump(#[from] schemactl_dump::Error),
    /// The plan did not apply to a copy of the current state, or did not reach the desired one.
    #[error("plan: {0}")]
    Diverged(String),
    /// The revisions do not replay cleanly, or do not produce schema/.
    #[error("verify: {0}")]
    Verify(String),
    /// What was asked cannot work, with what to do instead.
    #[error("{0}")]
    Usage(String),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io { path: std::path::PathBuf, source: std::io::Error },
    /// A role statement of the schema files cannot be desired state, or did not run.
    #[error("{at}: {message}")]
    Roles { at: String, message: String },
    /// Two merged branches changed the same objects in different ways.
    #[error("{0}")]
    Rebase(crate::rebase::RebaseConflicts),
    /// A post-write hook failed, or left a file that is not the revision written: the
    /// revision is on disk but not sealed.
    #[error(
        "{message}\n{} is written but not sealed: fix it and run `schemactl reseal`, or delete it",
        path.display()
    )]
    Hook { path: std::path::PathBuf, message: String },
    /// A query that schemactl itself issues failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;
