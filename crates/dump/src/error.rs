//! Errors of the dump crate.

/// Everything that can stop a dump.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The statements that create the catalog could not be ordered.
    #[error("{0}")]
    Plan(#[from] schemactl_plan::Error),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
