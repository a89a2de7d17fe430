//! Errors of the shadow crate. Every message says what went wrong and, where the user can do
//! something about it, what to do; none prints a password (addresses go through `DbUrl`'s
//! `Display`).

use std::path::PathBuf;

/// What can go wrong while providing shadow databases or loading schema files into them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No directory holding both `initdb` and `postgres` was found.
    #[error("no PostgreSQL server binaries found (looked in {looked}); install postgresql or pass --dev-url")]
    NoBinaries { looked: String },

    /// The target's major is known, and no server binaries of that major were found. A
    /// shadow of another major would normalise SQL differently from the target (PostgreSQL 18
    /// names NOT NULL constraints, 17 those of domains, ...), so none is started.
    #[error(
        "no PostgreSQL {major} server binaries found (looked in {looked}; found: {found}); the shadow must match \
         the target's major (or the project's `postgres =` pin). Install them (e.g. `apt-get install postgresql-{major}`, or \
         `tools/pg-matrix.sh --fetch-only {major}` to fill {cache}), point `[shadow] bindir` in \
         schemactl.toml or SCHEMACTL_PG_BINDIR at their bin directory, or pass --dev-url with a PostgreSQL {major} server"
    )]
    NoBinariesOfMajor { major: u32, looked: String, found: String, cache: String },

    /// `--dev-url` names a server of another major than the target's (or the project's pin).
    /// Schema files loaded there come back as that major prints them (view text, NOT NULL
    /// constraints of 18, domain constraint names of 17), and syntax of a newer target fails
    /// to load, so the plan would chase differences that are not there.
    #[error(
        "the --dev-url server runs PostgreSQL {dev}, but {why}: schema files loaded into another major \
         come back printed by that major's rules, and the plan would report differences that are not \
         there (or refuse syntax the target accepts). Use a PostgreSQL {wanted} server for --dev-url, \
         leave --dev-url out to start an embedded PostgreSQL {wanted}, or pass --allow-major-mismatch \
         to plan on it anyway"
    )]
    DevMajorMismatch { dev: u32, wanted: u32, why: String },

    /// We run as root but there is no unprivileged user to run the server as.
    #[error("running as root and neither the `postgres` nor the `nobody` user exists to run the embedded server; create a `postgres` system user, run as a normal user, or pass --dev-url")]
    NoUnprivilegedUser,

    /// A file-system or process operation failed.
    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },

    /// `initdb` failed while preparing the embedded cluster's template data directory.
    #[error("initdb ({bindir}) failed: {output}; check the PostgreSQL installation or pass --dev-url", bindir = bindir.display())]
    Initdb { bindir: PathBuf, output: String },

    /// The embedded server exited or did not accept connections in time. Its files are
    /// removed, so the message carries the end of its log.
    #[error("the embedded PostgreSQL server ({bindir}) did not start: {reason}; pass --dev-url to use another server; end of its log:\n{log_tail}", bindir = bindir.display())]
    ServerStart { bindir: PathBuf, reason: String, log_tail: String },

    /// The server (embedded or `--dev-url`) could not be reached.
    #[error(transparent)]
    Connect(#[from] schemactl_connect::Error),

    /// A maintenance statement (CREATE/DROP DATABASE, version query) failed.
    #[error("{action} on {server} failed: {message}{}", hint_suffix(hint))]
    Sql { action: String, server: String, message: String, hint: Option<String> },

    /// A setting (an environment variable) has a value we cannot use.
    #[error("{name}: {reason}")]
    Setting { name: String, reason: String },

    /// A schema statement failed to load; `location` is `file:line:col`.
    #[error("{location}: {message}{}{}", detail_suffix(detail), hint_suffix(hint))]
    Load { location: String, message: String, detail: Option<String>, hint: Option<String> },
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { action: action.into(), source }
    }

    /// A maintenance statement's failure, keeping the server's message and hint.
    pub(crate) fn sql(
        action: impl Into<String>,
        server: &schemactl_connect::DbUrl,
        e: &tokio_postgres::Error,
    ) -> Error {
        let (message, hint) = describe(e);
        Error::Sql { action: action.into(), server: server.to_string(), message, hint }
    }
}

/// The server's own message when there is one, else the client error with its causes.
pub(crate) fn describe(e: &tokio_postgres::Error) -> (String, Option<String>) {
    match e.as_db_error() {
        Some(db) => (db.message().to_string(), db.hint().map(str::to_string)),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            (schemactl_connect::redact(&text), None)
        }
    }
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail.as_ref().map(|d| format!("\n  detail: {d}")).unwrap_or_default()
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default()
}
