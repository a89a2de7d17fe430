//! Errors of the apply crate. Messages name databases by their redacted address only.

use std::fmt;
use std::time::Duration;

/// Everything that can stop `apply`, `down`, `stamp` or a history read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not be reached, even after waiting `--wait`.
    #[error("{source}{}", waited_note(source, *waited))]
    Unreachable {
        #[source]
        source: schemactl_connect::Error,
        waited: Duration,
    },
    /// Another session held the schemactl advisory lock for longer than `--lock-timeout`.
    #[error("could not obtain the schemactl lock on {address} within {}: {holder}", seconds(*timeout))]
    Locked { address: String, timeout: Duration, holder: String },
    /// The address leads to a connection pooler that hands out server sessions per transaction
    /// (PgBouncer's `pool_mode = transaction`); nothing was run.
    #[error(
        "refusing to run through {address}: it is a connection pooler in transaction mode ({evidence}).\n\
         Behind it the schemactl lock serialises nothing, and session settings (lock_timeout, statement_timeout) \
         and statements that run outside a transaction (CREATE INDEX CONCURRENTLY) do not stay in one server \
         session; nothing was run.\n\
         Give schemactl a direct connection to PostgreSQL (or a pool in session mode): `direct_url` or \
         `direct_url_env` for the environment in schemactl.toml, or --direct-url URL."
    )]
    Pooler { address: String, evidence: String },
    /// The database's history does not agree with the revision files; nothing was run.
    #[error(
        "refusing to run: the database's history does not match the revision files:\n  {}",
        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    Refused { problems: Vec<Refusal> },
    /// The database applied revisions no revision file has (`unknown`: one line each) and they
    /// are not a re-planned revision of the files (`reason`); nothing was run. `problems`: any
    /// other disagreement.
    #[error(
        "refusing to run: the database applied {} that no file in the revisions directory has:\n  {}{}\n\
         {} not recognised as a re-planned revision of the files: {reason}.\n\
         Undo {} with the down SQL the database stored: `schemactl down --unknown`, then `schemactl apply`.",
        if unknown.len() == 1 { "a revision" } else { "revisions" },
        unknown.join("\n  "),
        problems.iter().map(|p| format!("\n  {p}")).collect::<String>(),
        if unknown.len() == 1 { "It is" } else { "They are" },
        if unknown.len() == 1 { "it" } else { "them" },
    )]
    Unknown { unknown: Vec<String>, problems: Vec<Refusal>, reason: String },
    /// A statement of a revision failed; `location` is `file:line:column`.
    #[error("{location}: {message}\n{note}")]
    Statement { location: String, message: String, note: String },
    /// Objects a revision changes differ on the database from what it was planned against.
    /// `adopting`: nothing is applied yet and the objects the revision creates are already
    /// there, the mark of an existing database that was never adopted.
    #[error(
        "refusing to run {file}: the database drifted from the state it was planned against:\n  {}\n{}",
        objects.join("\n  "),
        if *adopting { ADOPT } else {
            "(someone changed these objects outside the revisions: `schemactl status` shows the statements that \
             would bring them back to what the applied revisions produce; check them, then plan again, or pass --force)"
        }
    )]
    Drift { file: String, objects: Vec<String>, adopting: bool },
    /// Revisions about to run have hazards that are not allowed; nothing was run.
    #[error(
        "refusing to {action}: hazards that are not allowed:\n  {}\n{}",
        refused.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "),
        schemactl_lint::ALLOW_HINT
    )]
    Hazards { action: &'static str, refused: Vec<HazardRefusal> },
    /// Revisions about to run would rewrite or scan tables bigger than the environment's
    /// limits (`max_rewrite_rows`, `max_scan_rows`), even though the hazards are allowed;
    /// nothing was run.
    #[error(
        "refusing to {action}: tables too big for this environment's limits:\n  {}\n(run it in a \
         maintenance window with raised limits in schemactl.toml, or change the plan: a new column \
         and a backfill instead of a rewrite)",
        refused.join("\n  ")
    )]
    TooLarge { action: &'static str, refused: Vec<String> },
    /// A revision's statements could not be linted.
    #[error("{0}")]
    Lint(#[from] schemactl_lint::Error),
    /// The database is in the middle of a revision that this command cannot continue.
    #[error("{0}")]
    Partial(String),
    /// The requested target makes no sense for this database (the message says why).
    #[error("{0}")]
    Target(String),
    /// A revision named on the command line is unknown, or a revision file does not split.
    #[error("{0}")]
    Revision(#[from] schemactl_revision::Error),
    /// A query schemactl issues itself (bookkeeping, the lock) failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },
    /// A lock schemactl's own query needed (the drift check reads definitions, which waits for
    /// a table another session locked) was not granted within `lock_timeout`, after retries.
    #[error("{context}: {message}")]
    LockNotGranted { context: String, message: String },
}

/// A revision that would run with hazards that are not allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HazardRefusal {
    pub file: String,
    /// The kinds not allowed, as named in output (`data-loss`...).
    pub kinds: Vec<String>,
    /// What lint found for those kinds (`file:line:col: kind: message [rule]`); kinds the
    /// header records come from the plan and have no line.
    pub findings: Vec<String>,
}

impl fmt::Display for HazardRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.kinds.join(", "))?;
        for finding in &self.findings {
            write!(f, "\n    {finding}")?;
        }
        Ok(())
    }
}

/// One reason the database's history and the revision files disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// An applied revision's file now has another checksum.
    Edited { file: String },
    /// The database applied a revision that no file in the revisions directory holds.
    Missing { revision: String, message: String },
    /// A revision the database never applied sorts before one it did.
    Skipped { file: String, before: String },
    /// A baseline replaces another tool's revision, and the database's table of that tool
    /// records other revisions (`found`; empty: the tool is at its base).
    Replaced { file: String, tool: String, expected: String, found: Vec<String> },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Edited { file } => {
                write!(f, "{file}: changed since it was applied (its checksum differs from the database's history)")
            }
            Refusal::Missing { revision, message } => write!(
                f,
                "revision {revision} ({message}) is applied to the database, but no file in the revisions directory has \
                 that id (`schemactl status` lists it; `schemactl down --unknown` undoes it)"
            ),
            Refusal::Skipped { file, before } => {
                write!(f, "{file}: not applied, but it sorts before the applied revision {before}")
            }
            Refusal::Replaced { file, tool, expected, found } => {
                let at = match found.as_slice() {
                    [] => format!("records no {tool} revision (it is at {tool}'s base)"),
                    [one] => format!("is at {tool} revision {}", schemactl_sqltext::visible(one)),
                    many => format!(
                        "is at {} {tool} revisions at once ({}; merge them first)",
                        many.len(),
                        many.iter().map(|r| schemactl_sqltext::visible(r)).collect::<Vec<_>>().join(", ")
                    ),
                };
                let lower = tool.to_lowercase();
                write!(
                    f,
                    "{file} replaces {tool} revision {expected}, but this database {at}: its schema is not the one the \
                     baseline was made from. Bring it to that revision with {tool} first (`{lower} upgrade {expected}`), \
                     then stamp or apply the baseline"
                )
            }
        }
    }
}

/// How to adopt an existing database (README, "Adopting an existing database").
pub const ADOPT: &str = "No revision is applied yet, but the database already has the objects the revisions create: \
it is an existing database that schemactl has not adopted. If the revisions already describe it (a baseline planned \
from it), record them as applied without running them: `schemactl stamp head`. Otherwise adopt it: \
`schemactl dump --out schema` (schema/ from the database), `schemactl plan -m baseline`, then \
`schemactl stamp head` on each database that already has it (see \"Adopting an existing database\" in the README).";

/// `--wait` is suggested only for failures that time can cure: for a wrong password or a
/// missing database it would only make the user wait a minute for the same error.
fn waited_note(source: &schemactl_connect::Error, waited: Duration) -> String {
    if !waited.is_zero() {
        format!(" (gave up after waiting {})", seconds(waited))
    } else if source.waiting_helps() {
        " (use --wait 60s to wait for a database that is starting)".into()
    } else {
        String::new()
    }
}

/// `1.5s`, `300s`: durations as a user typed them, to a tenth of a second (a time measured
/// as 2.03 s reads `2s`).
pub(crate) fn seconds(d: Duration) -> String {
    let tenths = (d.as_secs_f64() * 10.0).round() as u64;
    if tenths.is_multiple_of(10) {
        format!("{}s", tenths / 10)
    } else {
        format!("{}.{}s", tenths / 10, tenths % 10)
    }
}

/// The server's message with its detail and hint, or the client's error.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        return text;
    };
    let mut text = format!("{}: {}", db.severity(), db.message());
    if let Some(detail) = db.detail() {
        text.push_str(&format!("\nDETAIL: {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("\nHINT: {hint}"));
    }
    text
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
