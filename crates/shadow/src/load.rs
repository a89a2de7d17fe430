//! Loading schema statements into a (normally empty) database.

use crate::error::{describe, Error, Result};
use crate::shadow::LOAD_TIMEOUT_ENV;
use schemactl_source::Statement;
use tokio_postgres::error::{ErrorPosition, SqlState};
use tokio_postgres::Client;

/// SQLSTATEs meaning "something this statement refers to does not exist (yet)": the statement
/// may only be out of order, so it is retried after the others.
const NOT_YET: &[&str] = &[
    "42P01", // undefined_table
    "42704", // undefined_object (types, ...)
    "42883", // undefined_function
    "3F000", // invalid_schema_name
    "42703", // undefined_column (a column added by a later ALTER TABLE)
    "42830", // invalid_foreign_key (the referenced key is added later)
    "42P10", // invalid_column_reference
];

/// Statements per batch. One transaction for a whole large schema is slower than psql's
/// statement-at-a-time (lock table and memory grow with it); a few hundred per batch keeps the
/// round trips low without that cost.
const BATCH: usize = 500;

/// Executes schema statements, which arrive in dependency order (best effort).
///
/// Fast path: the transactional statements in batches of `BATCH`, each one simple query that
/// the server runs as one implicit transaction (all or nothing), then the non-transactional
/// ones one by one. If a batch fails, nothing of it remains, and it and everything after it
/// run again one statement at a time (autocommit), in passes: statements failing because
/// something does not exist yet are retried in the next pass while passes make progress. The
/// error names the statement's `file:line:col`, refined by the server's error position.
///
/// The shadow's databases have a `statement_timeout` (the load timeout), which PostgreSQL
/// applies to each statement of a batch. A batch cut short by it is replayed like any failed
/// batch, so the slow statement is found (and named) at the cost of waiting the timeout twice.
pub async fn load(client: &Client, statements: &[Statement]) -> Result<()> {
    load_with(client, statements, false).await
}

/// Like [`load`]; with `create_roles`, a role the schema names (GRANT ... TO app, OWNER TO app)
/// that does not exist is created `NOLOGIN` and the statement retried. Roles are cluster-wide,
/// so only do this in a throwaway cluster of our own, never on a server the user lent us.
pub async fn load_with(client: &Client, statements: &[Statement], create_roles: bool) -> Result<()> {
    load_reporting(client, statements, create_roles, &|_| {}).await
}

/// How far a load has come, for a display: `done` of the `of` statements have run, and the
/// next ones start in `file` (statements run in dependency order, not file by file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadProgress {
    pub done: usize,
    pub of: usize,
    pub file: Option<std::path::PathBuf>,
}

/// [`load_with`], reporting to `on` before each batch and once when all is loaded (`done` is
/// `of`): a large schema takes seconds to load.
pub async fn load_reporting(
    client: &Client,
    statements: &[Statement],
    create_roles: bool,
    on: &(dyn Fn(&LoadProgress) + Send + Sync),
) -> Result<()> {
    let statements: Vec<&Statement> = statements.iter().filter(|s| !s.sql.trim().is_empty()).collect();
    let of = statements.len();
    let report =
        |done: usize, next: Option<&&Statement>| on(&LoadProgress { done, of, file: next.map(|s| s.file.clone()) });
    let (transactional, others): (Vec<&Statement>, Vec<&Statement>) =
        statements.iter().copied().partition(|s| s.transactional);
    for (index, chunk) in transactional.chunks(BATCH).enumerate() {
        report(index * BATCH, chunk.first());
        // A newline before the `;` ends any trailing `--` comment.
        let batch = chunk.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>().join("\n;\n");
        if client.batch_execute(&batch).await.is_err() {
            let rest: Vec<&Statement> = transactional[index * BATCH..].iter().chain(others.iter()).copied().collect();
            one_by_one(client, &rest, create_roles).await?;
            report(of, None);
            return Ok(());
        }
    }
    if !others.is_empty() {
        report(transactional.len(), others.first());
    }
    one_by_one(client, &others, create_roles).await?;
    report(of, None);
    Ok(())
}

async fn one_by_one(client: &Client, statements: &[&Statement], create_roles: bool) -> Result<()> {
    let mut pending: Vec<&Statement> = statements.to_vec();
    while !pending.is_empty() {
        let mut deferred = Vec::new();
        let mut first_failure = None;
        for statement in &pending {
            let mut outcome = client.batch_execute(&statement.sql).await;
            if create_roles {
                // A statement may name several missing roles: one creation per attempt.
                for _ in 0..16 {
                    let Some(role) = outcome.as_ref().err().and_then(missing_role) else { break };
                    let create = format!("CREATE ROLE {} NOLOGIN", schemactl_sqltext::quoted_ident(&role));
                    if client.batch_execute(&create).await.is_err() {
                        break;
                    }
                    outcome = client.batch_execute(&statement.sql).await;
                }
            }
            match outcome {
                Ok(()) => {}
                Err(e) if is_not_yet(&e) => {
                    first_failure.get_or_insert_with(|| load_error(statement, &e));
                    deferred.push(*statement);
                }
                Err(e) => return Err(failure(client, statement, &e).await),
            }
        }
        if deferred.len() == pending.len() {
            // No progress: the first statement still failing is the one to report.
            return first_failure.map_or(Ok(()), Err);
        }
        pending = deferred;
    }
    Ok(())
}

/// The role named by a `role "x" does not exist` error.
fn missing_role(e: &tokio_postgres::Error) -> Option<String> {
    let db = e.as_db_error()?;
    if db.code().code() != "42704" {
        return None;
    }
    let rest = db.message().strip_prefix("role \"")?;
    rest.strip_suffix("\" does not exist").map(str::to_string)
}

fn is_not_yet(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| NOT_YET.contains(&db.code().code()))
}

/// The error to report for a statement that failed for good: [`load_error`], told the load
/// timeout when that is what stopped it.
async fn failure(client: &Client, statement: &Statement, e: &tokio_postgres::Error) -> Error {
    if !is_statement_timeout(e) {
        return load_error(statement, e);
    }
    // The shadow sets the timeout as a database default; ask the session rather than carry
    // the value through every caller. PostgreSQL prints it in its own units (`1min`, `1500ms`).
    let timeout = match client.query_one("SELECT current_setting('statement_timeout')", &[]).await {
        Ok(row) => row.get::<_, String>(0),
        Err(_) => "statement_timeout".into(),
    };
    Error::Load {
        location: statement.location(),
        message: format!(
            "loading this statement took longer than the shadow's load timeout ({timeout}): {}",
            excerpt(&statement.sql)
        ),
        detail: None,
        hint: Some(format!(
            "schema statements run on an empty database and should take well under a second; if this one \
             must take longer, raise `load_timeout` in the [shadow] table of schemactl.toml or set \
             {LOAD_TIMEOUT_ENV} (e.g. \"5m\"; \"0\" for none)"
        )),
    }
}

/// Cancelled by `statement_timeout` (the same SQLSTATE also means a user's cancel request).
fn is_statement_timeout(e: &tokio_postgres::Error) -> bool {
    e.as_db_error()
        .is_some_and(|db| db.code() == &SqlState::QUERY_CANCELED && db.message().contains("statement timeout"))
}

/// The start of a statement for a one-line message: whitespace runs as one space, control
/// characters escaped, at most 100 characters.
fn excerpt(sql: &str) -> String {
    const MAX_CHARS: usize = 100;
    let words: Vec<&str> = sql.split_whitespace().collect();
    let flat = words.join(" ");
    let mut out = String::new();
    for c in flat.chars().take(MAX_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if flat.chars().nth(MAX_CHARS).is_some() {
        out.push_str("...");
    }
    out
}

fn load_error(statement: &Statement, e: &tokio_postgres::Error) -> Error {
    let Some(db) = e.as_db_error() else {
        return Error::Load { location: statement.location(), message: describe(e).0, detail: None, hint: None };
    };
    let location = match db.position() {
        Some(ErrorPosition::Original(offset)) => {
            let (line, column) = statement.position_of(*offset as usize);
            format!("{}:{line}:{column}", statement.file.display())
        }
        // Internal positions point into server-generated queries, meaningless to the user.
        _ => statement.location(),
    };
    Error::Load {
        location,
        message: db.message().to_string(),
        detail: db.detail().map(str::to_string),
        hint: db.hint().map(str::to_string),
    }
}

/// Executes a script's statements strictly in order, as a migration runner would: consecutive
/// transactional statements as one implicit transaction per batch, the others alone. Unlike
/// [`load`], nothing is reordered or retried; on failure the batch is replayed one statement
/// at a time (it rolled back as a whole) so the error names the statement's `file:line:col`.
pub async fn run_script(client: &Client, statements: &[Statement], create_roles: bool) -> Result<()> {
    let mut start = 0;
    while start < statements.len() {
        let transactional = statements[start].transactional;
        let mut end = start + 1;
        if transactional {
            while end < statements.len() && statements[end].transactional && end - start < BATCH {
                end += 1;
            }
        }
        let chunk = &statements[start..end];
        let batch = chunk.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>().join("\n;\n");
        if client.batch_execute(&batch).await.is_err() {
            for statement in chunk {
                let mut outcome = client.batch_execute(&statement.sql).await;
                for _ in 0..16 {
                    let Some(role) = outcome.as_ref().err().filter(|_| create_roles).and_then(missing_role) else {
                        break;
                    };
                    let create = format!("CREATE ROLE {} NOLOGIN", schemactl_sqltext::quoted_ident(&role));
                    if client.batch_execute(&create).await.is_err() {
                        break;
                    }
                    outcome = client.batch_execute(&statement.sql).await;
                }
                if let Err(e) = outcome {
                    return Err(failure(client, statement, &e).await);
                }
            }
        }
        start = end;
    }
    Ok(())
}
