//! Runs revisions against a database; never diffs. Revisions are plain data
//! ([`schemactl_revision::Revision`]); how each runs (which statements share a transaction,
//! what bookkeeping commits with them) is decided once, in `drive`, and carried out by a
//! runner: the live database, or the offline `--sql` script.
//!
//! The database keeps its own record in schema `schemactl`: `history` (one row per applied
//! revision, with the checksum of its file, and its up and down SQL and schema-after, so that a
//! tree without the file can still recognise or undo it: [`unknown`]), `steps` (progress inside a revision that has
//! non-transactional statements, so a rerun resumes) and `log` (append-only: every up, down
//! and stamp). A baseline that replaces another tool's history (`-- replaces: alembic REV`) is
//! recorded with it, and only where that tool's table is at REV or absent ([`check_replaced`]).
//! Every command that changes anything holds a session advisory lock
//! ([`LOCK_KEY`]) and verifies the history against the files before running anything. A
//! session lock needs a session: an address that leads to a pooler in transaction mode is
//! refused ([`Error::Pooler`]); the CLI then takes a direct address (`direct_url`).

mod drift;
mod drive;
mod error;
mod index;
mod live;
mod range;
mod script;
mod sql;
mod unknown;

use std::time::{Duration, Instant};

use schemactl_connect::DbUrl;
use schemactl_lint::AllowedHazards;
use schemactl_revision::format::Section;
use schemactl_revision::{Revision, RevisionKind, Revisions, Segment};
use schemactl_source::Statement;

pub use drift::{fingerprints, ObjectRef, FINGERPRINT_QUERY};
pub use error::{Error, HazardRefusal, Refusal, Result, ADOPT};
pub use range::{
    check_hazards, check_replaced, check_unknown_revertible, down_range, recognise, unknown, up_range, verify, Applied,
    DownTarget, LogEntry, Recognition, State, StepRecord, ToolVersion, UpTarget,
};
pub use script::{render_down, render_up};
pub use sql::{BOOKKEEPING_DDL, LOCK_KEY, SCHEMA};
pub use unknown::{describe_unknown, down_unknown, Reverted};

use drive::run_revision;
use live::{LiveRunner, Session};
use range::{check_no_partial, check_reversible};

/// Progress, reported as it happens (the CLI prints these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The first connection attempt failed; retrying for up to `wait`.
    Waiting { address: String, reason: String, wait: Duration },
    /// Connected after waiting.
    Connected { address: String, waited: Duration },
    /// `apply` holds the lock on `address` (redacted) and is about to look at what to run:
    /// said once, so that a log shows which database changed.
    Applying { address: String },
    /// `apply` read the history: the database is at `at` (`None`: base) and will run
    /// `pending` (file names without `.sql`), in order. A fleet report's "before".
    Starting { at: Option<String>, pending: Vec<String> },
    /// Another session holds the lock; waiting up to `timeout` for it.
    LockWait { holder: String, timeout: Duration },
    /// A revision a previous run left part-way is continued at `step` (1-based) of `of`.
    Resuming { name: String, step: usize, of: usize },
    /// What an interrupted run left behind, and what was done about it.
    Recovered { name: String, note: String },
    /// A revision was applied (`name` is its file name without `.sql`).
    Applied { name: String, elapsed: Duration },
    /// A revision's down section ran and its history row is gone.
    Reverted { name: String, elapsed: Duration },
    /// A step of revision `name` did not get its lock in time (`reason`: the statement and the
    /// server's message); it was rolled back and runs again, as attempt `attempt` of `of`.
    LockRetry { name: String, attempt: u32, of: u32, reason: String },
    /// The database's newest revisions, which the files do not have (`unknown`: `id (message)`),
    /// left the schema revision `as_revision` leaves: `recorded` are now recorded as applied
    /// (nothing ran) and the unknown rows are gone.
    Recognised { unknown: Vec<String>, as_revision: String, recorded: Vec<String> },
    /// A revision the files do not have (`id (message)`) was undone from its stored down SQL.
    RevertedUnknown { name: String, elapsed: Duration },
    /// Statement `index` (1-based) of the `of` statements of revision `name`'s section is about
    /// to run (again, when its step is retried), against the database: progress for a display.
    Statement { name: String, index: usize, of: usize, sql: String },
    /// An index build of revision `name` is still running, about every 500 ms (builds that end
    /// sooner report nothing): what the server says of it.
    IndexBuild { name: String, progress: IndexProgress },
}

/// A row of `pg_stat_progress_create_index` for the build that is running: `phase` as the
/// server words it ("building index: scanning table", "waiting for old snapshots", ...), and
/// its counters (0 where the phase does not count).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexProgress {
    pub phase: String,
    pub blocks_done: i64,
    pub blocks_total: i64,
    pub tuples_done: i64,
    pub tuples_total: i64,
}

/// How patient to be.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// How long to keep retrying the connection.
    pub wait: Duration,
    /// How long to wait for the advisory lock (zero: fail at once when it is taken).
    pub lock_timeout: Duration,
    /// Run revisions even where the objects they change differ from what they were planned
    /// against (the drift guard).
    pub force: bool,
    /// Hazard kinds the revisions about to run may have (`apply` and `down`; `stamp` runs
    /// nothing and ignores it).
    pub allowed: AllowedHazards,
    /// How many times a step whose locks are not granted in time (`lock_timeout`, or a
    /// deadlock) is tried in all, with a growing pause between tries.
    pub lock_retries: u32,
    /// The `lock_timeout` every revision starts with; planned revisions set their own, this
    /// one covers hand-written ones.
    pub statement_lock_timeout: Duration,
    /// The biggest tables a rewrite or a scan may touch, even where its hazard is allowed.
    pub limits: schemactl_model::SizeLimits,
}

/// What a command did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The revisions run (file names without `.sql`), in the order they ran.
    pub ran: Vec<String>,
    /// The database's revision afterwards; `None` is base.
    pub at: Option<String>,
}

/// What `stamp` changed in the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamped {
    pub recorded: Vec<String>,
    pub forgotten: Vec<String>,
    pub at: Option<String>,
}

/// The file name without `.sql`: how output names a revision.
pub fn stem(revision: &Revision) -> String {
    revision.file_name.strip_suffix(".sql").unwrap_or(&revision.file_name).to_string()
}

fn at(list: &[Revision], applied: usize) -> Option<String> {
    applied.checked_sub(1).map(|i| list[i].id.clone())
}

/// Reads what the database applied, without locking or creating anything.
pub async fn read_state(url: &DbUrl, wait: Duration, on: &mut dyn FnMut(Event)) -> Result<State> {
    let session = Session::connect(url, wait, on).await?;
    session.read_state().await
}

/// Connects, refuses a pooler in transaction mode (the lock and the session settings would
/// mean nothing behind it), takes the lock, makes sure the bookkeeping exists, and reads the
/// history.
async fn locked_session(url: &DbUrl, options: Options, on: &mut dyn FnMut(Event)) -> Result<(Session, State)> {
    let session = Session::connect(url, options.wait, on).await?;
    session.refuse_transaction_pooler().await?;
    session.lock(options.lock_timeout, on).await?;
    session.ensure_bookkeeping().await?;
    let state = session.read_state().await?;
    Ok((session, state))
}

/// Applies the pending revisions up to `target`.
pub async fn apply(
    url: &DbUrl,
    revisions: &Revisions,
    target: &UpTarget,
    options: Options,
    on: &mut dyn FnMut(Event),
) -> Result<Outcome> {
    let list = &revisions.list;
    let (session, state) = locked_session(url, options, on).await?;
    on(Event::Applying { address: url.to_string() });
    let state = unknown::recognise_live(&session, list, state, on).await?;
    let applied = verify(list, &state)?;
    check_no_partial(list, &state, Section::Up)?;
    let range = up_range(list, applied, target)?;
    // A baseline that replaces Alembic's history runs only where Alembic is at that revision,
    // or absent (a new database).
    check_replaced(&list[range.clone()], &state)?;
    on(Event::Starting { at: at(list, applied), pending: list[range.clone()].iter().map(stem).collect() });
    // Every file splits before anything runs: a syntax error never stops a run halfway.
    let plans =
        list[range.clone()].iter().map(|r| Ok((r, r.up_segments(&revisions.dir)?))).collect::<Result<Vec<_>>>()?;
    refuse_hazards(&plans, Section::Up, options.allowed)?;
    refuse_oversized(&session, &plans, Section::Up, options.limits).await?;
    let mut outcome = Outcome { ran: Vec::new(), at: at(list, applied) };
    for (revision, segments) in plans {
        let resuming = state.partial(Section::Up).contains(revision.id.as_str());
        if !options.force && !resuming {
            // Reading definitions waits for tables other sessions locked: not forever.
            session.revision_defaults(options.statement_lock_timeout).await?;
            let objects = live::retry_locks(options.lock_retries, &stem(revision), on, || {
                drift::differences(&session.client, revision)
            })
            .await
            .map_err(|e| match e {
                Error::LockNotGranted { context, message } => Error::LockNotGranted {
                    context: format!("{}: checking for drift ({context})", revision.file_name),
                    message,
                },
                other => other,
            })?;
            if !objects.is_empty() {
                session.unlock().await;
                let adopting = applied == 0
                    && outcome.ran.is_empty()
                    && state.history.is_empty()
                    && objects.iter().all(|d| d.already_there);
                let objects = objects.into_iter().map(|d| d.text).collect();
                return Err(Error::Drift { file: revision.file_name.clone(), objects, adopting });
            }
        }
        run_live(&session, &state, revision, Section::Up, &segments, &options, on).await?;
        outcome.ran.push(stem(revision));
        outcome.at = Some(revision.id.clone());
    }
    session.unlock().await;
    Ok(outcome)
}

/// Undoes applied revisions, newest first, down to `target`.
pub async fn down(
    url: &DbUrl,
    revisions: &Revisions,
    target: &DownTarget,
    options: Options,
    on: &mut dyn FnMut(Event),
) -> Result<Outcome> {
    let list = &revisions.list;
    let (session, state) = locked_session(url, options, on).await?;
    let applied = verify(list, &state)?;
    check_no_partial(list, &state, Section::Down)?;
    let range = down_range(list, applied, target)?;
    let plans = list[range.clone()]
        .iter()
        .rev()
        .map(|r| Ok((r, r.down_segments(&revisions.dir)?)))
        .collect::<Result<Vec<_>>>()?;
    check_reversible(&plans)?;
    refuse_hazards(&plans, Section::Down, options.allowed)?;
    refuse_oversized(&session, &plans, Section::Down, options.limits).await?;
    let mut outcome = Outcome { ran: Vec::new(), at: at(list, applied) };
    for (revision, segments) in plans {
        run_live(&session, &state, revision, Section::Down, &segments, &options, on).await?;
        outcome.ran.push(stem(revision));
        outcome.at.clone_from(&revision.parent);
    }
    session.unlock().await;
    Ok(outcome)
}

/// Lints the section of each revision about to run and refuses the hazards `allowed` does not
/// allow (see [`check_hazards`]).
fn refuse_hazards(plans: &[(&Revision, Vec<Segment>)], section: Section, allowed: AllowedHazards) -> Result<()> {
    let found = plans
        .iter()
        .map(|(r, segments)| Ok((*r, schemactl_lint::lint_statements(segments.iter().flat_map(|s| &s.statements))?)))
        .collect::<Result<Vec<_>>>()?;
    check_hazards(section, &found, allowed)
}

/// Work of a revision that grows with a table: a rewrite, a validation scan or an index build
/// of a table that exists, with its size (see [`sized_work`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizedWork {
    /// The revision's file name.
    pub file: String,
    /// `file:line:col` of the statement.
    pub at: String,
    pub kind: schemactl_model::HazardKind,
    pub table: schemactl_model::QualName,
    pub size: schemactl_model::RelationSize,
}

impl SizedWork {
    /// The environment limit this work is held to, and its setting's name.
    pub fn limit(&self, limits: schemactl_model::SizeLimits) -> Option<(u64, &'static str)> {
        use schemactl_model::HazardKind;
        match self.kind {
            HazardKind::TableRewrite => limits.rewrite_rows.map(|l| (l, "max_rewrite_rows")),
            HazardKind::ValidationScan | HazardKind::IndexBuild => limits.scan_rows.map(|l| (l, "max_scan_rows")),
            _ => None,
        }
    }
}

/// The rewrites, validation scans and index builds the given section of `plans` would run, on
/// tables that exist on `client`'s database, with their sizes (one query). Which statements
/// rewrite is lint's verdict; in the up section of a planned revision, lint's guess that a type
/// change rewrites is left to the header, as for allowed hazards.
pub async fn sized_work(
    client: &tokio_postgres::Client,
    plans: &[(&Revision, Vec<Segment>)],
    section: Section,
) -> Result<Vec<SizedWork>> {
    use schemactl_model::{HazardKind, QualName};
    let mut touched: Vec<(String, String, QualName, HazardKind)> = Vec::new();
    for (revision, segments) in plans {
        let statements: Vec<&Statement> = segments.iter().flat_map(|s| &s.statements).collect();
        let findings = schemactl_lint::lint_statements(statements.iter().copied())?;
        let header_decides = section == Section::Up && revision.kind == RevisionKind::Planned;
        for finding in findings {
            if !matches!(finding.hazard, HazardKind::TableRewrite | HazardKind::ValidationScan | HazardKind::IndexBuild)
            {
                continue;
            }
            if header_decides && finding.needs_catalog && !revision.hazards.iter().any(|h| h == finding.hazard.as_str())
            {
                continue;
            }
            let Some(statement) = statements.iter().find(|s| s.line == finding.line && s.column == finding.column)
            else {
                continue;
            };
            let table = schemactl_source::subjects(&statement.sql)
                .into_iter()
                .find(|s| matches!(s.kind, "relation" | "table" | "materialized_view") && !s.creates);
            if let Some(t) = table {
                let name = QualName::new(t.schema.unwrap_or_else(|| "public".into()), t.name);
                let entry = (revision.file_name.clone(), statement.location(), name, finding.hazard);
                if !touched.contains(&entry) {
                    touched.push(entry);
                }
            }
        }
    }
    if touched.is_empty() {
        return Ok(Vec::new());
    }
    let tables: Vec<QualName> = touched.iter().map(|t| t.2.clone()).collect();
    let sizes = schemactl_introspect::relation_sizes(client, &tables)
        .await
        .map_err(|e| Error::TooLarge { action: verb(section), refused: vec![format!("reading table sizes: {e}")] })?;
    Ok(touched
        .into_iter()
        .filter_map(|(file, at, table, kind)| {
            let size = *sizes.get(&table)?;
            Some(SizedWork { file, at, kind, table, size })
        })
        .collect())
}

/// Refuses, before anything runs, a revision whose rewrite, validation scan or index build
/// touches a table bigger than `limits` allows, naming the statement, the table and its size.
async fn refuse_oversized(
    session: &Session,
    plans: &[(&Revision, Vec<Segment>)],
    section: Section,
    limits: schemactl_model::SizeLimits,
) -> Result<()> {
    if limits.is_empty() {
        return Ok(());
    }
    let mut refused: Vec<String> = Vec::new();
    for work in sized_work(&session.client, plans, section).await? {
        let Some((limit, setting)) = work.limit(limits) else { continue };
        if work.size.rows > limit {
            refused.push(format!(
                "{}: {}: {} of {} ({}), over the {setting} limit of {limit} rows",
                work.file, work.at, work.kind, work.table, work.size
            ));
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(Error::TooLarge { action: verb(section), refused })
}

fn verb(section: Section) -> &'static str {
    match section {
        Section::Up => "apply",
        Section::Down => "undo",
    }
}

async fn run_live(
    session: &Session,
    state: &State,
    revision: &Revision,
    section: Section,
    segments: &[schemactl_revision::Segment],
    options: &Options,
    on: &mut dyn FnMut(Event),
) -> Result<()> {
    let done = state.done_segments(&revision.id, section);
    let interrupted = state.interrupted_segments(&revision.id, section);
    if !done.is_empty() || !interrupted.is_empty() {
        let count = drive::segments(revision, segments).len();
        let step = (0..count).find(|i| !done.contains(i)).unwrap_or(0) + 1;
        on(Event::Resuming { name: stem(revision), step, of: count });
    }
    session.revision_defaults(options.statement_lock_timeout).await?;
    let started = Instant::now();
    let mut runner = LiveRunner { session, interrupted, attempts: options.lock_retries, on: &mut *on };
    run_revision(&mut runner, revision, section, segments, &done).await?;
    let (name, elapsed) = (stem(revision), started.elapsed());
    on(match section {
        Section::Up => Event::Applied { name, elapsed },
        Section::Down => Event::Reverted { name, elapsed },
    });
    Ok(())
}

/// Sets the history to exactly the revisions up to `list[index]` (none for `None`, base)
/// without running any SQL: adopting a database whose schema is already there, or repairing a
/// history by hand. Logged as a `stamp`.
pub async fn stamp(
    url: &DbUrl,
    revisions: &Revisions,
    index: Option<usize>,
    options: Options,
    on: &mut dyn FnMut(Event),
) -> Result<Stamped> {
    let list = &revisions.list;
    let keep = &list[..index.map_or(0, |i| i + 1)];
    let (session, state) = locked_session(url, options, on).await?;
    let recording = keep.iter().filter(|r| state.applied(&r.id).is_none_or(|row| row.checksum != r.checksum));
    check_replaced(recording, &state)?;
    let mut stamped = Stamped { at: index.map(|i| list[i].id.clone()), ..Stamped::default() };
    let mut sql = String::from("BEGIN;\n");
    for row in &state.history {
        let kept = keep.iter().find(|r| r.id == row.revision);
        if kept.is_none_or(|r| r.checksum != row.checksum) {
            sql.push_str(&format!("DELETE FROM schemactl.history WHERE revision = {};\n", sql::literal(&row.revision)));
            stamped.forgotten.push(list.iter().find(|r| r.id == row.revision).map_or(row.revision.clone(), stem));
        }
    }
    for revision in keep {
        if state.applied(&revision.id).is_none_or(|row| row.checksum != revision.checksum) {
            sql.push_str(&sql::stamp_insert(revision));
            sql.push('\n');
            stamped.recorded.push(stem(revision));
        }
    }
    let target = stamped.at.as_deref().unwrap_or("base");
    sql.push_str(&format!(
        "DELETE FROM schemactl.steps;\nINSERT INTO schemactl.log (action, revision) VALUES ('stamp', {});\nCOMMIT;",
        sql::literal(target)
    ));
    if let Err(e) = session.client.batch_execute(&sql).await {
        let _ = session.client.batch_execute("ROLLBACK").await;
        return Err(live::database("recording the stamp", &e));
    }
    session.unlock().await;
    Ok(stamped)
}

/// Where `apply --sql` starts.
#[derive(Clone, Debug)]
pub enum ScriptFrom<'a> {
    /// Ask the database what it applied (read only, no lock).
    Database { url: &'a DbUrl, wait: Duration },
    /// A revision spec or `base`: no connection at all.
    Given(&'a str),
}

/// The `apply --sql` script for the pending revisions up to `target`. A script is as dangerous
/// as a run: hazards that `allowed` does not allow are refused the same way.
pub async fn apply_script(
    revisions: &Revisions,
    from: ScriptFrom<'_>,
    target: &UpTarget,
    allowed: AllowedHazards,
    on: &mut dyn FnMut(Event),
) -> Result<String> {
    let list = &revisions.list;
    let applied = match from {
        ScriptFrom::Given("base") => 0,
        ScriptFrom::Given(spec) => schemactl_revision::find(list, spec)? + 1,
        ScriptFrom::Database { url, wait } => {
            let state = read_state(url, wait, on).await?;
            refuse_partial(&state, "apply")?;
            if !range::unknown(list, &state).is_empty() {
                return Err(match recognise(list, &state) {
                    Ok(r) => Error::Target(format!(
                        "the database applied {}, which the revision files do not have, and has the schema {} \
                         leaves: run `schemactl apply` (without --sql) to record it, then write the script",
                        r.unknown.join(", "),
                        list[r.to].file_name
                    )),
                    Err(reason) => unknown::unknown_error(list, &state, reason),
                });
            }
            verify(list, &state)?
        }
    };
    let range = up_range(list, applied, target)?;
    let plans =
        list[range.clone()].iter().map(|r| Ok((r, r.up_segments(&revisions.dir)?))).collect::<Result<Vec<_>>>()?;
    refuse_hazards(&plans, Section::Up, allowed)?;
    render_up(&revisions.dir, list, range).await
}

/// The `down --sql` script; needs the database to know what is applied. Refuses hazards as
/// `down` does.
pub async fn down_script(
    url: &DbUrl,
    wait: Duration,
    revisions: &Revisions,
    target: &DownTarget,
    allowed: AllowedHazards,
    on: &mut dyn FnMut(Event),
) -> Result<String> {
    let list = &revisions.list;
    let state = read_state(url, wait, on).await?;
    refuse_partial(&state, "down")?;
    let applied = verify(list, &state)?;
    let range = down_range(list, applied, target)?;
    let plans =
        list[range.clone()].iter().map(|r| Ok((r, r.down_segments(&revisions.dir)?))).collect::<Result<Vec<_>>>()?;
    check_reversible(&plans)?;
    refuse_hazards(&plans, Section::Down, allowed)?;
    render_down(&revisions.dir, list, range).await
}

/// A script cannot continue a revision half done by an earlier run: only a live run knows
/// which steps are recorded.
fn refuse_partial(state: &State, command: &str) -> Result<()> {
    match state.steps.first() {
        None => Ok(()),
        Some(step) => Err(Error::Partial(format!(
            "revision {} is part-way {} (a run stopped between its non-transactional steps): finish it with \
             `schemactl {command}` (without --sql) first",
            step.revision,
            match step.section {
                Section::Up => "applied",
                Section::Down => "undone",
            }
        ))),
    }
}
