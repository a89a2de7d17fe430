//! `apply`, `down`, `current`, `history`, `stamp`: the commands backed by the apply crate.
//! Results go to stdout (one line per revision run, or the `--sql` script); waiting, resuming
//! and recovery notes go to stderr.

use std::path::Path;
use std::time::Duration;

use schemactl_apply::{DownTarget, Event, Options, ScriptFrom, State, UpTarget};
use schemactl_config::Project;
use schemactl_connect::DbUrl;
use schemactl_lint::AllowedHazards;
use schemactl_revision::{Revision, Revisions};

use crate::cli::{ApplyArgs, CurrentArgs, DbArgs, DownArgs, HistoryArgs, ReportFormat, StampArgs};
use crate::error::CliResult;
use crate::{hazards, progress, project};
use schemactl_engine::report;

/// `stamp` has no `--lock-timeout`; it waits as long as `apply` does by default.
const STAMP_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) fn report(event: Event) {
    match event {
        // The reason names the address already.
        Event::Waiting { reason, wait, .. } => errln!("{reason}; retrying for up to {}", seconds(wait)),
        Event::Connected { address, waited } => errln!("connected to {address} after {}", seconds(waited)),
        // Which database is about to change, before anything does (the address is redacted).
        Event::Applying { address } => errln!("applying to {address}"),
        // What is about to run is said by each revision's own line as it ends.
        Event::Starting { .. } => {}
        Event::LockWait { holder, timeout } => {
            errln!("waiting up to {} for the schemactl lock: {holder}", seconds(timeout))
        }
        Event::Resuming { name, step, of } => errln!("resuming {name} at step {step} of {of}"),
        Event::Recovered { name, note } => errln!("{name}: {note}"),
        Event::Applied { name, elapsed } => {
            progress::finish();
            outln!("applied {name} ({} ms)", elapsed.as_millis())
        }
        Event::Reverted { name, elapsed } => {
            progress::finish();
            outln!("reverted {name} ({} ms)", elapsed.as_millis())
        }
        Event::LockRetry { name, attempt, of, reason } => {
            errln!("{name}: lock not granted ({reason}); rolled back, retrying (attempt {attempt} of {of})")
        }
        Event::Recognised { unknown, as_revision, recorded } => {
            outln!(
                "recognised {} as {as_revision}: the revision files do not have {}, and the database has the schema \
                 {as_revision} leaves",
                unknown.join(", "),
                if unknown.len() == 1 { "it" } else { "them" }
            );
            for name in recorded {
                outln!("recorded {name} (no SQL was run)");
            }
        }
        Event::RevertedUnknown { name, elapsed } => {
            progress::finish();
            outln!("reverted {name} from its stored down SQL ({} ms)", elapsed.as_millis())
        }
        // Drawn on a terminal only (see `progress`): never a line in a log.
        Event::Statement { name, index, of, sql } => progress::statement(&name, index, of, &sql),
        Event::IndexBuild { progress: build, .. } => progress::index(&build),
    }
}

/// The lock retries, the `lock_timeout` revisions run with, and the size limits, for the
/// environment.
fn lock_settings(project: &Project, db: &DbArgs) -> (u32, Duration, schemactl_config::SizeLimits) {
    let settings = project.settings(db.env.as_deref());
    (settings.lock_retries, settings.timeouts.lock, settings.limits)
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// The verified revisions, their directory relative to the working directory when inside it,
/// so that error positions read `generated/<file>:line:column`.
fn revisions(project: &Project) -> CliResult<Revisions> {
    let dir = &project.revisions_dir;
    let relative = std::env::current_dir().ok().and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let dir = match relative {
        Some(r) if r.as_os_str().is_empty() => Path::new(".").to_path_buf(),
        Some(r) => r,
        None => dir.clone(),
    };
    Ok(schemactl_revision::load_dir(&dir)?)
}

/// The address of the commands that take the lock (`apply`, `down`, `stamp`): `--direct-url`,
/// else the environment's `direct_url`/`direct_url_env`, else the database's. Behind a pooler
/// in transaction mode the lock means nothing (apply refuses it), so a direct address is how
/// such an environment is migrated.
fn locking_database(project: &Project, db: &DbArgs, direct: Option<&str>) -> CliResult<DbUrl> {
    let lookup = |v: &str| std::env::var(v).ok();
    match project.direct_address(direct, db.db.as_deref(), db.env.as_deref(), lookup)? {
        Some(address) => Ok(DbUrl::parse(&address)?),
        None => project::database(project, db),
    }
}

/// What the revisions about to run may do: the environment's `allow_hazards` plus `--allow-hazard`.
pub(crate) fn allowed(project: &Project, db: &DbArgs, flags: &[String]) -> CliResult<AllowedHazards> {
    let kinds = hazards::allowed(&project.settings(db.env.as_deref()), flags)?;
    Ok(AllowedHazards::from_kinds(kinds))
}

pub async fn apply(config: Option<&Path>, args: ApplyArgs) -> CliResult<()> {
    let fleet_only = [
        ("--stage", args.fleet.stage.is_some()),
        ("--report", args.fleet.report.is_some()),
        ("--target-timeout", args.fleet.target_timeout.is_some()),
        ("--retries", args.fleet.retries.is_some()),
        ("--on-error", args.fleet.on_error.is_some()),
        ("--parallel", args.targets.parallel.is_some()),
        ("--shard", args.targets.shard.is_some()),
        ("--control-url", args.targets.control_url.is_some()),
    ];
    if let Some((flag, _)) = fleet_only.iter().find(|(_, given)| *given) {
        return Err(crate::error::CliError::Usage(format!(
            "{flag} is for many databases: give them with --targets, --targets-query, --targets-cmd or --fleet"
        )));
    }
    let project = project::required(config)?;
    let revisions = revisions(&project)?;
    let target = UpTarget::parse(&args.to)?;
    let allowed = allowed(&project, &args.db, &args.allow_hazards)?;
    if args.sql {
        let url;
        let from = match args.from.as_deref() {
            Some(spec) => ScriptFrom::Given(spec),
            None => {
                url = project::database(&project, &args.db)?;
                ScriptFrom::Database { url: &url, wait: args.db.wait }
            }
        };
        out!("{}", schemactl_apply::apply_script(&revisions, from, &target, allowed, &mut report).await?);
        return Ok(());
    }
    let url = locking_database(&project, &args.db, args.direct_url.as_deref())?;
    let (lock_retries, statement_lock_timeout, limits) = lock_settings(&project, &args.db);
    let options = Options {
        wait: args.db.wait,
        lock_timeout: args.lock_timeout,
        force: args.force,
        allowed,
        lock_retries,
        statement_lock_timeout,
        limits,
    };
    if args.format == ReportFormat::Json {
        // Stdout holds the document only: what the human output prints there is collected.
        let mut ran = Vec::new();
        let mut recognised = Vec::new();
        let mut collect = |event: Event| match event {
            Event::Applied { name, elapsed } => ran.push((name, elapsed.as_millis())),
            Event::Recognised { unknown, as_revision, recorded } => {
                recognised.push(report::Recognised { unknown, as_revision, recorded })
            }
            other => report(other),
        };
        let outcome = schemactl_apply::apply(&url, &revisions, &target, options, &mut collect).await?;
        out!("{}", report::to_text(&report::applied(&ran, &recognised, outcome.at.as_deref())));
        return Ok(());
    }
    let outcome = schemactl_apply::apply(&url, &revisions, &target, options, &mut report).await?;
    if outcome.ran.is_empty() {
        outln!("nothing to apply (at {})", outcome.at.as_deref().unwrap_or("base"));
    }
    Ok(())
}

pub async fn down(config: Option<&Path>, args: DownArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let revisions = revisions(&project)?;
    let target = match args.to.as_deref() {
        Some("base") => DownTarget::Base,
        Some(spec) => DownTarget::Revision(spec.to_string()),
        None => DownTarget::Count(args.relative.or(args.count).unwrap_or(1)),
    };
    let allowed = allowed(&project, &args.db, &args.allow_hazards)?;
    if args.unknown {
        return down_unknown(&project, &revisions, args, allowed).await;
    }
    if args.sql {
        let url = project::database(&project, &args.db)?;
        out!("{}", schemactl_apply::down_script(&url, args.db.wait, &revisions, &target, allowed, &mut report).await?);
        return Ok(());
    }
    let url = locking_database(&project, &args.db, args.direct_url.as_deref())?;
    let options = down_options(&project, &args, allowed);
    let outcome = schemactl_apply::down(&url, &revisions, &target, options, &mut report).await?;
    let at = outcome.at.as_deref().unwrap_or("base");
    if outcome.ran.is_empty() {
        outln!("nothing to undo (at {at})");
    } else {
        outln!("now at {at}");
    }
    Ok(())
}

/// What `down` and `down --unknown` run with (never forced: a down section undoes what its up
/// did, and drift there is worth stopping for).
fn down_options(project: &Project, args: &DownArgs, allowed: AllowedHazards) -> Options {
    let (lock_retries, statement_lock_timeout, limits) = lock_settings(project, &args.db);
    Options {
        wait: args.db.wait,
        lock_timeout: args.lock_timeout,
        force: false,
        allowed,
        lock_retries,
        statement_lock_timeout,
        limits,
    }
}

/// `down --unknown`.
async fn down_unknown(
    project: &Project,
    revisions: &Revisions,
    args: DownArgs,
    allowed: AllowedHazards,
) -> CliResult<()> {
    let url = locking_database(project, &args.db, args.direct_url.as_deref())?;
    let options = down_options(project, &args, allowed);
    let outcome = schemactl_apply::down_unknown(&url, &revisions.list, options, &mut report).await?;
    let at = outcome.at.as_deref().unwrap_or("base");
    if outcome.reverted.is_empty() {
        outln!("nothing to undo: every applied revision has a file (at {at})");
    } else {
        outln!("now at {at}");
    }
    Ok(())
}

pub async fn current(config: Option<&Path>, args: CurrentArgs) -> CliResult<()> {
    if args.verbose && args.format == ReportFormat::Human {
        return crate::show::current_verbose(config, args.db).await;
    }
    let (format, args) = (args.format, args.db);
    let project = project::required(config)?;
    let url = project::database(&project, &args)?;
    let state = schemactl_apply::read_state(&url, args.wait, &mut report).await?;
    if format == ReportFormat::Json {
        out!("{}", report::to_text(&report::current(&state)));
        return Ok(());
    }
    outln!("{}", state.current().unwrap_or("base"));
    for id in state.steps.iter().map(|s| &s.revision).collect::<std::collections::BTreeSet<_>>() {
        noteln!("note: revision {id} is part-way (a run stopped between its non-transactional steps)");
    }
    Ok(())
}

pub async fn history(config: Option<&Path>, args: HistoryArgs) -> CliResult<()> {
    let project = project::required(config)?;
    // History is where one looks when something is wrong: show the files even when they do
    // not match their seal, after saying so.
    let list = match schemactl_revision::load_dir(&project.revisions_dir) {
        Ok(revisions) => revisions.list,
        Err(e @ (schemactl_revision::Error::Integrity { .. } | schemactl_revision::Error::Forked { .. })) => {
            noteln!("warning: {e}");
            schemactl_revision::read_files(&project.revisions_dir)?
        }
        Err(e) => return Err(e.into()),
    };
    let width = list.iter().map(|r| r.message.chars().count()).max().unwrap_or(0);
    // Alembic's "branches": revisions that follow the same parent, marked where they start.
    let forks = schemactl_revision::forks(&list);
    let branch = |r: &Revision| {
        let fork = forks.iter().find(|f| f.children.contains(&r.file_name));
        fork.map_or_else(String::new, |f| {
            format!("  [branch: follows {}, as do {}]", f.parent.as_deref().unwrap_or("nothing"), f.children.len() - 1)
        })
    };
    if args.offline && args.format == ReportFormat::Json {
        out!("{}", report::to_text(&report::history(&list, None, None)));
        return Ok(());
    }
    if args.offline {
        for r in &list {
            outln!("{}  {}{}", r.id, r.message, branch(r));
        }
        return Ok(());
    }
    let url = project::database(&project, &args.db)?;
    let state = schemactl_apply::read_state(&url, args.db.wait, &mut report).await?;
    if args.format == ReportFormat::Json {
        out!("{}", report::to_text(&report::history(&list, Some(&state), Some(&url.to_string()))));
        return Ok(());
    }
    for r in &list {
        let current = if state.current() == Some(r.id.as_str()) { "  (current)" } else { "" };
        outln!("{}  {:<width$}  {}{current}{}", r.id, r.message, status(r, &state), branch(r));
    }
    for row in state.history.iter().filter(|a| !list.iter().any(|r| r.id == a.revision)) {
        let current = if state.current() == Some(row.revision.as_str()) { "  (current)" } else { "" };
        outln!(
            "{}  {:<width$}  applied {} by {}, but no revision file has this id (unknown: see `schemactl status`){current}",
            row.revision,
            row.message,
            row.applied_at,
            row.applied_by
        );
    }
    Ok(())
}

fn status(revision: &Revision, state: &State) -> String {
    if let Some(row) = state.applied(&revision.id) {
        let recognised = state.last_log.iter().any(|l| l.revision == revision.id && l.action == "recognise");
        let mut text = match row.duration_ms {
            Some(ms) => format!("applied {} by {} ({ms} ms)", row.applied_at, row.applied_by),
            None if recognised => format!(
                "recognised {} by {} (not run: the database had its schema from a revision the files do not have)",
                row.applied_at, row.applied_by
            ),
            None => format!("stamped {} by {} (not run)", row.applied_at, row.applied_by),
        };
        if let Some(replaced) = &row.replaces {
            text.push_str(&format!(", replacing {}", schemactl_sqltext::visible(replaced)));
        }
        if row.checksum != revision.checksum {
            text.push_str(", but the file changed since");
        }
        return text;
    }
    if state.steps.iter().any(|s| s.revision == revision.id) {
        return "part-way (`schemactl apply` resumes it)".into();
    }
    match state.last_log.iter().find(|l| l.revision == revision.id && l.action == "down") {
        Some(undone) => format!("pending (undone {} by {})", undone.at, undone.by),
        None => "pending".into(),
    }
}

pub async fn stamp(config: Option<&Path>, args: StampArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let revisions = revisions(&project)?;
    let index = match args.revision.as_str() {
        "base" => None,
        spec => Some(schemactl_revision::find(&revisions.list, spec)?),
    };
    let url = locking_database(&project, &args.db, args.direct_url.as_deref())?;
    // Stamp runs no SQL: nothing to allow.
    let (lock_retries, statement_lock_timeout, limits) = lock_settings(&project, &args.db);
    let options = Options {
        wait: args.db.wait,
        lock_timeout: STAMP_LOCK_TIMEOUT,
        force: false,
        allowed: AllowedHazards::none(),
        lock_retries,
        statement_lock_timeout,
        limits,
    };
    let stamped = schemactl_apply::stamp(&url, &revisions, index, options, &mut report).await?;
    for name in &stamped.forgotten {
        outln!("forgot {name}");
    }
    for name in &stamped.recorded {
        outln!("recorded {name}");
    }
    outln!("stamped {} (no SQL was run)", stamped.at.as_deref().unwrap_or("base"));
    Ok(())
}
