//! A live database: connecting (patiently), the advisory lock, the bookkeeping tables, and
//! the runner that executes steps.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use schemactl_connect::DbUrl;
use schemactl_revision::format::Section;
use schemactl_source::Statement;
use tokio_postgres::error::{ErrorPosition, SqlState};
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::drive::{Runner, Step};
use crate::error::{describe, Error, Result};
use crate::index::{builds_index, concurrent_index, Concurrent};
use crate::range::{Applied, LogEntry, State, StepRecord, ToolVersion};
use crate::sql::{BOOKKEEPING_DDL, LOCK_KEY, SCHEMA};
use crate::{stem, Event, IndexProgress};

/// One connection to the target database.
pub(crate) struct Session {
    pub client: Client,
    /// The redacted address, for messages.
    pub address: String,
    url: DbUrl,
}

/// The first and longest pauses between two tries for the advisory lock.
const LOCK_POLL_FIRST: Duration = Duration::from_millis(50);
const LOCK_POLL_MAX: Duration = Duration::from_secs(1);

impl Session {
    /// Connects, retrying with backoff for the whole of `wait` while the server is not there
    /// yet: the last pause is cut to what is left and a last attempt made at the deadline.
    pub async fn connect(url: &DbUrl, wait: Duration, on: &mut dyn FnMut(Event)) -> Result<Session> {
        let address = url.to_string();
        let started = Instant::now();
        let client = match url.connect().await {
            Ok(client) => client,
            Err(source) if wait.is_zero() => return Err(Error::Unreachable { source, waited: Duration::ZERO }),
            Err(first) => {
                on(Event::Waiting { address: address.clone(), reason: first.to_string(), wait });
                let client = connect_until(url, started + wait)
                    .await
                    .map_err(|source| Error::Unreachable { source, waited: started.elapsed() })?;
                on(Event::Connected { address: address.clone(), waited: started.elapsed() });
                client
            }
        };
        let session = Session { client, address, url: url.clone() };
        session.execute("identifying the session", "SET application_name = 'schemactl'").await?;
        // A login role named like the bookkeeping schema would resolve the default search_path's
        // "$user" to it, and the revisions' unqualified names would land among schemactl's own
        // tables (invisible to every diff). Such an entry is dropped for this session.
        session.execute("setting the search path", &search_path_without_bookkeeping()).await?;
        // When this process dies, the server notices within a second and rolls back, instead of
        // finishing (or sleeping through) the statement and holding the lock meanwhile.
        // PostgreSQL 14+ on Linux and the BSDs; elsewhere the setting is refused and skipped.
        let _ = session.client.batch_execute("SET client_connection_check_interval = '1s'").await;
        Ok(session)
    }

    async fn execute(&self, context: &str, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).await.map_err(|e| database(context, &e))
    }

    /// Refuses a connection pooler in transaction mode (PgBouncer's `pool_mode = transaction`,
    /// and the like): behind one, each transaction may run in another server session, so the
    /// session advisory lock serialises nothing, session settings (`SET lock_timeout`) land in
    /// whichever server session ran them, and statements that run outside a transaction lose
    /// them. See [`pooled`] for how it is told apart.
    pub async fn refuse_transaction_pooler(&self) -> Result<()> {
        let context = "checking for a connection pooler";
        let second = self
            .url
            .connect()
            .await
            .map_err(|e| Error::Database { context: context.into(), message: e.to_string() })?;
        match pooled(&self.client, &second).await {
            Ok(None) => Ok(()),
            Ok(Some(evidence)) => Err(Error::Pooler { address: self.address.clone(), evidence }),
            Err(e) => Err(database(context, &e)),
        }
    }

    /// Takes the session-level advisory lock, waiting at most `timeout` (zero: not at all).
    ///
    /// Waiting polls `pg_try_advisory_lock` with growing, jittered pauses rather than blocking in
    /// `pg_advisory_lock`: a blocked call keeps a snapshot open for as long as it waits, and the
    /// holder's `CREATE INDEX CONCURRENTLY` waits for every snapshot older than its build, so
    /// holder and waiter would wait for each other (PostgreSQL reports a deadlock and the holder
    /// fails). Each poll is one autocommit statement that never waits: between polls this
    /// session holds no transaction and no snapshot. The last pause is cut to the time left and
    /// a last try made at the deadline.
    pub async fn lock(&self, timeout: Duration, on: &mut dyn FnMut(Event)) -> Result<()> {
        let started = Instant::now();
        if self.try_lock().await? {
            return Ok(());
        }
        let holder = self.lock_holder().await;
        if timeout.is_zero() {
            return Err(Error::Locked { address: self.address.clone(), timeout, holder });
        }
        on(Event::LockWait { holder, timeout });
        let deadline = started + timeout;
        let mut jitter = Jitter::new();
        let mut pause = LOCK_POLL_FIRST;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let holder = self.lock_holder().await;
                return Err(Error::Locked { address: self.address.clone(), timeout, holder });
            }
            tokio::time::sleep(jitter.spread(pause).min(left)).await;
            if self.try_lock().await? {
                return Ok(());
            }
            pause = (pause * 2).min(LOCK_POLL_MAX);
        }
    }

    /// One try for the lock: a single statement in the simple protocol (one round trip, its own
    /// implicit transaction), so the snapshot it takes lasts only while the function runs.
    async fn try_lock(&self) -> Result<bool> {
        let sql = format!("SELECT pg_try_advisory_lock({LOCK_KEY})");
        let rows = self.client.simple_query(&sql).await.map_err(|e| database("taking the schemactl lock", &e))?;
        Ok(rows.iter().any(|m| matches!(m, SimpleQueryMessage::Row(row) if row.get(0) == Some("t"))))
    }

    /// Who holds the lock, for the message of whoever waits for it.
    async fn lock_holder(&self) -> String {
        let sql = "SELECT a.pid, coalesce(nullif(a.application_name, ''), 'unnamed client'), \
                   coalesce(a.usename::text, ''), coalesce(host(a.client_addr), 'local socket'), \
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' \
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                   AND l.classid::bigint = ($1::bigint >> 32) AND l.objid::bigint = ($1::bigint & 4294967295)";
        match self.client.query_opt(sql, &[&LOCK_KEY]).await {
            Ok(Some(row)) => format!(
                "another session holds it (pid {}, {}, user {}, from {}, connected since {})",
                row.get::<_, i32>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2),
                row.get::<_, String>(3),
                row.get::<_, String>(4)
            ),
            _ => "another session holds it (probably another schemactl apply)".into(),
        }
    }

    /// What every revision starts with: the configured `lock_timeout`, and no statement
    /// timeout or other setting a previous revision left in the session.
    pub async fn revision_defaults(&self, lock_timeout: Duration) -> Result<()> {
        let sql = format!(
            "SET lock_timeout = '{}ms'; RESET statement_timeout; RESET check_function_bodies",
            lock_timeout.as_millis()
        );
        self.execute("setting the session's timeouts", &sql).await
    }

    pub async fn unlock(&self) {
        // The lock also ends with the session; this just releases it early.
        let _ = self.client.simple_query(&format!("SELECT pg_advisory_unlock({LOCK_KEY})")).await;
    }

    /// Creates the bookkeeping tables when missing. Called under the lock, so two appliers never
    /// race to create them.
    pub async fn ensure_bookkeeping(&self) -> Result<()> {
        let (history, steps, log) =
            self.tables().await.map_err(|e| database("looking for the schemactl tables", &e))?;
        // A history created by an earlier version lacks the columns added since: the DDL adds
        // them. Only then: ALTER TABLE locks the history even when it has nothing to do.
        let current =
            history && self.history_is_current().await.map_err(|e| database("reading schemactl.history", &e))?;
        if !(current && steps && log) {
            self.execute("creating the schemactl bookkeeping tables", &format!("BEGIN;\n{BOOKKEEPING_DDL}COMMIT;"))
                .await?;
        }
        Ok(())
    }

    async fn tables(&self) -> std::result::Result<(bool, bool, bool), tokio_postgres::Error> {
        let row = self
            .client
            .query_one(
                "SELECT to_regclass('schemactl.history') IS NOT NULL, to_regclass('schemactl.steps') IS NOT NULL, \
                 to_regclass('schemactl.log') IS NOT NULL",
                &[],
            )
            .await?;
        Ok((row.get(0), row.get(1), row.get(2)))
    }

    async fn history_is_current(&self) -> std::result::Result<bool, tokio_postgres::Error> {
        // The newest columns: the DDL adds them together with every older one.
        let sql =
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass('schemactl.history') \
                   AND attname = 'schema_after' AND NOT attisdropped) \
                   AND EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass('schemactl.log') \
                   AND attname = 'note' AND NOT attisdropped)";
        Ok(self.client.query_one(sql, &[]).await?.get(0))
    }

    /// The history, step records and log, in one snapshot. Reads only; an empty state when
    /// the database never saw schemactl.
    pub async fn read_state(&self) -> Result<State> {
        let context = "reading schemactl.history";
        self.execute(context, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let result = self.read_state_in_transaction().await;
        let _ = self.client.batch_execute("ROLLBACK").await;
        result.map_err(|e| database(context, &e))
    }

    async fn read_state_in_transaction(&self) -> std::result::Result<State, tokio_postgres::Error> {
        let mut state = State::default();
        let (history, steps, log) = self.tables().await?;
        const UTC: &str = "'YYYY-MM-DD HH24:MI:SS') || ' UTC'";
        if history {
            // Later columns through the row's JSON: NULL, not an error, in a history that
            // predates them (reading never alters the bookkeeping).
            let sql = format!(
                "SELECT revision, checksum, message, to_char(applied_at AT TIME ZONE 'UTC', {UTC}, applied_by, \
                 duration_ms, to_jsonb(h) ->> 'replaces', to_jsonb(h) ->> 'up_sql', to_jsonb(h) ->> 'down_sql', \
                 to_jsonb(h) ->> 'schema_after' FROM schemactl.history h ORDER BY revision"
            );
            for row in self.client.query(&sql, &[]).await? {
                state.history.push(Applied {
                    revision: row.get(0),
                    checksum: row.get(1),
                    message: row.get(2),
                    applied_at: row.get(3),
                    applied_by: row.get(4),
                    duration_ms: row.get(5),
                    replaces: row.get(6),
                    up_sql: row.get(7),
                    down_sql: row.get(8),
                    schema_after: row.get(9),
                });
            }
        }
        if steps {
            let sql = "SELECT revision, section, segment, applied_at IS NOT NULL FROM schemactl.steps ORDER BY 1, 2, 3";
            for row in self.client.query(sql, &[]).await? {
                state.steps.push(StepRecord {
                    revision: row.get(0),
                    section: if row.get::<_, String>(1) == "down" { Section::Down } else { Section::Up },
                    segment: usize::try_from(row.get::<_, i32>(2)).unwrap_or(usize::MAX),
                    done: row.get(3),
                });
            }
        }
        if log {
            let sql = format!(
                "SELECT DISTINCT ON (revision) revision, action, to_char(logged_at AT TIME ZONE 'UTC', {UTC}, \
                 logged_by FROM schemactl.log ORDER BY revision, id DESC"
            );
            for row in self.client.query(&sql, &[]).await? {
                state.last_log.push(LogEntry {
                    revision: row.get(0),
                    action: row.get(1),
                    at: row.get(2),
                    by: row.get(3),
                });
            }
        }
        state.tools = self.tool_versions().await?;
        Ok(state)
    }

    /// What other tools' bookkeeping tables (those a baseline can replace) record, for the
    /// tables that exist. Each is looked up unqualified, on the search path, as the tool does.
    async fn tool_versions(&self) -> std::result::Result<Vec<ToolVersion>, tokio_postgres::Error> {
        let mut out = Vec::new();
        for (tool, table, column) in schemactl_revision::Replaced::TOOLS {
            let exists = format!("SELECT to_regclass({}) IS NOT NULL", schemactl_sqltext::literal(table));
            if !self.client.query_one(&exists, &[]).await?.get::<_, bool>(0) {
                continue;
            }
            let sql = format!(
                "SELECT {column}::text FROM {table} WHERE {column} IS NOT NULL ORDER BY 1",
                column = schemactl_sqltext::ident(column),
                table = schemactl_sqltext::ident(table)
            );
            let revisions = self.client.query(&sql, &[]).await?.iter().map(|row| row.get(0)).collect();
            out.push(ToolVersion { tool: tool.to_string(), revisions });
        }
        Ok(out)
    }
}

pub(crate) fn database(context: &str, e: &tokio_postgres::Error) -> Error {
    Error::Database { context: context.to_string(), message: describe(e) }
}

/// The statement that removes `"$user"` from the session's search_path when the user is named
/// like the bookkeeping schema; any other search_path is left exactly as it is.
fn search_path_without_bookkeeping() -> String {
    let schema = schemactl_sqltext::literal(SCHEMA);
    format!(
        "SELECT set_config('search_path', array_to_string(ARRAY(\
         SELECT e FROM unnest(string_to_array(current_setting('search_path'), ',')) AS e \
         WHERE btrim(e) NOT IN ('\"$user\"', '$user')), ','), false) \
         WHERE current_user = {schema}"
    )
}

/// Connects before `deadline`, retrying while the server is not there (`connect_waiting` waits
/// the whole time left and returns at once on what waiting cannot fix).
async fn connect_until(url: &DbUrl, deadline: Instant) -> std::result::Result<Client, schemactl_connect::Error> {
    url.connect_waiting(deadline.saturating_duration_since(Instant::now())).await
}

/// The backend process serving `client` for one statement (simple protocol: through a pooler,
/// an extended-protocol query may be split over two server sessions).
async fn backend_pid(client: &Client, sql: &str) -> std::result::Result<i32, tokio_postgres::Error> {
    let messages = client.simple_query(sql).await?;
    let pid = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => row.get(0).and_then(|v| v.parse().ok()),
        _ => None,
    });
    Ok(pid.unwrap_or(0))
}

/// How long a statement on one connection may wait while another connection holds a
/// transaction before they are taken to share a server session (directly, it runs at once).
const POOL_PROBE_WAIT: Duration = Duration::from_secs(2);

/// Whether `first` and `second`, two connections to one address, reach PostgreSQL through a
/// pooler that hands out server sessions per transaction; `Some` says what showed it.
///
/// Directly, or through a pool in session mode, a connection keeps one server process for its
/// whole life and two connections never share one. So one connection seeing two backend pids,
/// or two connections seeing the same pid, prove a transaction pool, and there are no false
/// alarms. The sequence makes the usual hand-out policies show themselves: last-in-first-out
/// (PgBouncer's default) gives `second` the process `first` has just released; round robin
/// moves `first` to another process at its next statement; a pool of one server process makes
/// `first` wait while `second` holds a transaction open.
async fn pooled(first: &Client, second: &Client) -> std::result::Result<Option<String>, tokio_postgres::Error> {
    const PID: &str = "SELECT pg_backend_pid()";
    let a = backend_pid(first, PID).await?;
    let b = backend_pid(second, &format!("BEGIN; {PID}")).await?;
    if a == b {
        let _ = second.batch_execute("COMMIT").await;
        return Ok(Some(format!("a second connection ran in the server process (pid {a}) the first had just used")));
    }
    // `second` now holds its server process until it commits.
    let mut probe = std::pin::pin!(backend_pid(first, PID));
    let during = match tokio::time::timeout(POOL_PROBE_WAIT, probe.as_mut()).await {
        Ok(pid) => pid?,
        Err(_) => {
            second.batch_execute("COMMIT").await?;
            let _ = probe.await;
            return Ok(Some(format!(
                "a statement on one connection waited {}s for another connection's transaction to end",
                POOL_PROBE_WAIT.as_secs()
            )));
        }
    };
    second.batch_execute("COMMIT").await?;
    let mut seen = vec![(a, 'a'), (b, 'b'), (during, 'a')];
    for (client, name) in [(first, 'a'), (first, 'a'), (second, 'b'), (second, 'b'), (first, 'a')] {
        seen.push((backend_pid(client, PID).await?, name));
    }
    let pids = |name: char| seen.iter().filter(|(_, n)| *n == name).map(|(p, _)| *p).collect::<BTreeSet<i32>>();
    let (of_a, of_b) = (pids('a'), pids('b'));
    let list = |set: &BTreeSet<i32>| set.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    if of_a.len() > 1 {
        return Ok(Some(format!("consecutive statements on one connection ran in server processes {}", list(&of_a))));
    }
    if of_b.len() > 1 {
        return Ok(Some(format!("consecutive statements on one connection ran in server processes {}", list(&of_b))));
    }
    if !of_a.is_disjoint(&of_b) {
        return Ok(Some(format!("two connections ran in the same server process ({})", list(&of_a))));
    }
    Ok(None)
}

/// Spreads pauses so that appliers started together do not poll in step.
struct Jitter(u64);

impl Jitter {
    fn new() -> Jitter {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        Jitter((nanos as u64) ^ (u64::from(std::process::id()) << 32) | 1)
    }

    /// `pause` times a factor drawn from [0.5, 1).
    fn spread(&mut self, pause: Duration) -> Duration {
        // xorshift64: plenty for spreading pauses.
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let unit = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        pause.mul_f64(0.5 + unit / 2.0)
    }
}

/// Executes steps on the session.
pub(crate) struct LiveRunner<'a> {
    pub session: &'a Session,
    /// Segments a previous run started and never finished.
    pub interrupted: BTreeSet<usize>,
    /// How many times a step is tried when its locks are not granted in time (at least once).
    pub attempts: u32,
    pub on: &'a mut dyn FnMut(Event),
}

/// Why an attempt at a step failed.
enum Failure<'s> {
    /// A statement's lock was not granted within `lock_timeout`, or it deadlocked: the step
    /// was rolled back and may succeed when tried again.
    Lock(&'s Statement, tokio_postgres::Error),
    Other(Error),
}

impl From<Error> for Failure<'_> {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

pub(crate) fn lock_not_granted(e: &tokio_postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// Runs `run` again, after a pause, while it fails with [`Error::LockNotGranted`]: up to
/// `attempts` times in all, each retry reported as a [`Event::LockRetry`] of `name`.
pub(crate) async fn retry_locks<T, F, Fut>(
    attempts: u32,
    name: &str,
    on: &mut dyn FnMut(Event),
    mut run: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let attempts = attempts.max(1);
    let mut attempt = 1;
    loop {
        match run().await {
            Err(Error::LockNotGranted { context, message }) if attempt < attempts => {
                attempt += 1;
                on(Event::LockRetry {
                    name: name.to_string(),
                    attempt,
                    of: attempts,
                    reason: format!("{context}: {message}"),
                });
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(Error::LockNotGranted { context, message }) => {
                let message = format!("the lock was not granted after {attempts} attempt(s): {message}");
                return Err(Error::LockNotGranted { context, message });
            }
            other => return other,
        }
    }
}

/// The wait before attempt `attempt` (2, 3, ...): 0.5s, 1s, 2s, ... at most 10s.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(2).min(5);
    Duration::from_millis(500 << doublings).min(Duration::from_secs(10))
}

impl Runner for LiveRunner<'_> {
    /// Runs the step; a step whose lock was not granted is rolled back and tried again after
    /// a pause, up to `attempts` times in all.
    async fn step(&mut self, step: &Step<'_>) -> Result<()> {
        let attempts = self.attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(step, attempt > 1).await {
                Ok(()) => return Ok(()),
                Err(Failure::Other(e)) => return Err(e),
                Err(Failure::Lock(statement, e)) if attempt < attempts => {
                    attempt += 1;
                    let (line, column) = statement.position_of(0);
                    let reason = format!(
                        "{}:{line}:{column}: {}",
                        statement.file.display(),
                        e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string())
                    );
                    (self.on)(Event::LockRetry { name: stem(step.revision), attempt, of: attempts, reason });
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(Failure::Lock(statement, e)) => {
                    return Err(match statement_error(statement, &e, step) {
                        Error::Statement { location, message, note } => Error::Statement {
                            location,
                            message: format!("the lock was not granted after {attempts} attempt(s): {message}"),
                            note,
                        },
                        other => other,
                    });
                }
            }
        }
    }

    async fn replay_settings(&mut self, statements: &[&Statement]) -> Result<()> {
        for statement in statements {
            self.session
                .client
                .batch_execute(&statement.sql)
                .await
                .map_err(|e| statement_error_plain(statement, &e))?;
        }
        Ok(())
    }
}

impl LiveRunner<'_> {
    async fn attempt<'s>(&mut self, step: &Step<'s>, retry: bool) -> std::result::Result<(), Failure<'s>> {
        let started = Instant::now();
        let result = self.attempt_untimed(step, retry).await;
        tracing::debug!(
            "{} ({:?}) step {} of {}: {} ms{}",
            step.revision.file_name,
            step.section,
            step.index + 1,
            step.count,
            started.elapsed().as_millis(),
            if result.is_ok() { "" } else { " (failed)" }
        );
        result
    }

    async fn attempt_untimed<'s>(&mut self, step: &Step<'s>, retry: bool) -> std::result::Result<(), Failure<'s>> {
        let session = self.session;
        let client = &session.client;
        let file = &step.revision.file_name;
        if step.transactional {
            self.bookkeeping(step, "BEGIN").await?;
            for (i, statement) in step.statements.iter().enumerate() {
                if let Err(e) = self.run(step, i, statement).await {
                    let _ = client.batch_execute("ROLLBACK").await;
                    if lock_not_granted(&e) {
                        return Err(Failure::Lock(statement, e));
                    }
                    return Err(statement_error(statement, &e, step).into());
                }
            }
            self.bookkeeping(step, &step.after).await?;
            // Deferred constraints are checked here: the revision's fault, not the bookkeeping's.
            return client.batch_execute("COMMIT").await.map_err(|e| {
                Failure::Other(Error::Statement {
                    location: step.statements.first().map_or_else(|| file.clone(), |s| s.file.display().to_string()),
                    message: describe(&e),
                    note: format!(
                        "{file}: the commit failed and was rolled back (deferred constraints are checked there)"
                    ),
                })
            });
        }
        let [statement] = step.statements else {
            let message = "a segment that runs outside a transaction must be a single statement".into();
            return Err(Error::Database { context: file.clone(), message }.into());
        };
        if let Some(before) = &step.before {
            self.bookkeeping(step, before).await?;
        }
        // A failed attempt may have left what an interrupted run leaves (an invalid index).
        let run = !(retry || self.interrupted.contains(&step.index)) || self.recover(step, statement).await?;
        if run {
            if let Err(e) = self.run(step, 0, statement).await {
                if lock_not_granted(&e) {
                    return Err(Failure::Lock(statement, e));
                }
                return Err(statement_error(statement, &e, step).into());
            }
        }
        Ok(self.bookkeeping(step, &format!("BEGIN;\n{}\nCOMMIT", step.after)).await?)
    }

    /// Runs statement `i` of the step, reported first; an index build that takes longer than
    /// [`INDEX_POLL`] also reports its progress, read on a second connection (this one is busy
    /// with the build). A failure to watch is no failure of the statement: it goes unreported.
    async fn run(
        &mut self,
        step: &Step<'_>,
        i: usize,
        statement: &Statement,
    ) -> std::result::Result<(), tokio_postgres::Error> {
        let name = stem(step.revision);
        (self.on)(Event::Statement {
            name: name.clone(),
            index: step.statements_before + i + 1,
            of: step.statements_total,
            sql: statement.sql.clone(),
        });
        let session = self.session;
        if !builds_index(&statement.sql) {
            return logged(&session.client, statement).await;
        }
        // Read before the build: while it runs, this connection answers nothing else.
        let pid = match session.client.query_one("SELECT pg_backend_pid()", &[]).await {
            Ok(row) => row.try_get::<_, i32>(0).ok(),
            Err(_) => None,
        };
        let Some(pid) = pid else { return logged(&session.client, statement).await };
        let build = logged(&session.client, statement);
        tokio::pin!(build);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + INDEX_POLL, INDEX_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Connected at the first tick only: most builds end before it, and open no connection.
        let mut watcher: Option<Option<Client>> = None;
        loop {
            tokio::select! {
                result = &mut build => return result,
                _ = tick.tick() => {
                    if watcher.is_none() {
                        let connect = tokio::time::timeout(INDEX_POLL * 4, session.url.connect()).await;
                        watcher = Some(connect.ok().and_then(|c| c.ok()));
                    }
                    let Some(Some(client)) = &watcher else { continue };
                    if let Some(progress) = index_progress(client, pid).await {
                        (self.on)(Event::IndexBuild { name: name.clone(), progress });
                    }
                }
            }
        }
    }

    async fn bookkeeping(&self, step: &Step<'_>, sql: &str) -> Result<()> {
        let client = &self.session.client;
        if let Err(e) = client.batch_execute(sql).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(database(&format!("{}: recording its progress", step.revision.file_name), &e));
        }
        Ok(())
    }

    /// A previous run died inside this statement. For concurrent index builds and drops,
    /// finds out what it left: returns whether the statement still has to run.
    async fn recover(&mut self, step: &Step<'_>, statement: &Statement) -> Result<bool> {
        let client = &self.session.client;
        let context = format!("{}: checking what the interrupted run left", step.revision.file_name);
        let mut note = |text: String| (self.on)(Event::Recovered { name: stem(step.revision), note: text });
        match concurrent_index(&statement.sql) {
            Some(Concurrent::Create { table, index_name }) => {
                let sql = "SELECT i.indisvalid, format('%I.%I', n.nspname, c.relname) \
                           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                           JOIN pg_namespace n ON n.oid = c.relnamespace \
                           WHERE i.indrelid = to_regclass($1) AND c.relname = $2";
                let row = client.query_opt(sql, &[&table, &index_name]).await.map_err(|e| database(&context, &e))?;
                let Some(row) = row else { return Ok(true) };
                let (valid, name): (bool, String) = (row.get(0), row.get(1));
                if valid {
                    note(format!("index {name} was completed by the interrupted run; recorded"));
                    return Ok(false);
                }
                note(format!("dropping the invalid index {name} the interrupted run left, then building it again"));
                client
                    .batch_execute(&format!("DROP INDEX CONCURRENTLY {name}"))
                    .await
                    .map_err(|e| database(&format!("dropping the invalid index {name}"), &e))?;
                Ok(true)
            }
            Some(Concurrent::Drop { index }) => {
                let row = client
                    .query_one("SELECT to_regclass($1) IS NULL", &[&index])
                    .await
                    .map_err(|e| database(&context, &e))?;
                if row.get::<_, bool>(0) {
                    note(format!("index {index} was already dropped by the interrupted run; recorded"));
                    return Ok(false);
                }
                Ok(true)
            }
            None => Ok(true),
        }
    }
}

/// How often a running index build's progress is read.
const INDEX_POLL: Duration = Duration::from_millis(500);

/// The progress row of the index build session `pid` runs, if it still runs one.
async fn index_progress(client: &Client, pid: i32) -> Option<IndexProgress> {
    let sql = "SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total \
               FROM pg_stat_progress_create_index WHERE pid = $1";
    let row = client.query_opt(sql, &[&pid]).await.ok()??;
    Some(IndexProgress {
        phase: row.try_get(0).ok()?,
        blocks_done: row.try_get(1).ok()?,
        blocks_total: row.try_get(2).ok()?,
        tuples_done: row.try_get(3).ok()?,
        tuples_total: row.try_get(4).ok()?,
    })
}

/// `file:line:column: server error`, for a statement outside the steps (a replayed setting).
fn statement_error_plain(statement: &Statement, e: &tokio_postgres::Error) -> Error {
    let (line, column) = statement.position_of(0);
    Error::Statement {
        location: format!("{}:{line}:{column}", statement.file.display()),
        message: describe(e),
        note: "while restoring the settings of the steps a previous run completed".into(),
    }
}

/// `file:line:column: server error`, with what state the failure left.
fn statement_error(statement: &Statement, e: &tokio_postgres::Error, step: &Step<'_>) -> Error {
    let position = match e.as_db_error().and_then(|d| d.position()) {
        Some(ErrorPosition::Original(p)) => usize::try_from(*p).unwrap_or(0),
        _ => 0,
    };
    let (line, column) = statement.position_of(position);
    let file = &step.revision.file_name;
    let direction = match step.section {
        Section::Up => "applied",
        Section::Down => "undone",
    };
    let note = if step.count == 1 {
        format!("nothing of {file} was {direction}: its transaction was rolled back")
    } else if step.transactional {
        format!(
            "{file} stopped at step {} of {}, which was rolled back; the steps before it are recorded and a rerun resumes here",
            step.index + 1,
            step.count
        )
    } else {
        format!(
            "{file} stopped at step {} of {} (a statement that runs outside a transaction); the steps before it are \
             recorded and a rerun resumes here",
            step.index + 1,
            step.count
        )
    };
    Error::Statement { location: format!("{}:{line}:{column}", statement.file.display()), message: describe(e), note }
}

/// Runs one statement of a revision, logged at `-v` with where it comes from and how long it took.
async fn logged(client: &Client, statement: &Statement) -> std::result::Result<(), tokio_postgres::Error> {
    let (line, column) = statement.position_of(0);
    tracing::debug!("{}:{line}:{column}: running\n{}", statement.file.display(), statement.sql.trim_end());
    let started = Instant::now();
    let result = client.batch_execute(&statement.sql).await;
    tracing::debug!("{}:{line}:{column}: {} ms", statement.file.display(), started.elapsed().as_millis());
    result
}

#[cfg(test)]
mod tests {
    use super::{backoff, Jitter};
    use std::collections::BTreeSet;
    use std::time::Duration;

    #[test]
    fn lock_polls_are_spread_between_half_and_all_of_the_pause() {
        let mut jitter = Jitter::new();
        let pause = Duration::from_secs(1);
        let spread: Vec<Duration> = (0..1000).map(|_| jitter.spread(pause)).collect();
        assert!(spread.iter().all(|d| *d >= pause / 2 && *d < pause), "{spread:?}");
        assert!(spread.iter().collect::<BTreeSet<_>>().len() > 900);
    }

    #[test]
    fn durations_read_as_typed_to_a_tenth_of_a_second() {
        let shown: Vec<String> =
            [2.0, 2.03, 2.06, 0.5, 300.0].map(|s| crate::error::seconds(Duration::from_secs_f64(s))).to_vec();
        assert_eq!(shown, ["2s", "2s", "2.1s", "0.5s", "300s"]);
    }

    #[test]
    fn retries_back_off_exponentially_up_to_ten_seconds() {
        let waits: Vec<Duration> = (2..=9).map(backoff).collect();
        let ms: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    }
}
