//! `schemactl status`: where the database is in the revision history, what is pending, and
//! whether its schema drifted from what the applied revisions produce. The exit code says it
//! too, so that a deploy check or a monitor needs no parsing: 0 at head without drift,
//! [`PENDING`] when revisions wait to be applied, [`DRIFT`] when the schema drifted (whatever
//! is pending); `--exit-zero` reports and exits 0.

use crate::cli::StatusArgs;
use crate::error::CliResult;
use crate::sources::{open, Source};
use crate::{project, states};
use schemactl_revision::Revisions;
use std::path::Path;

/// Revisions are pending (or one stopped part-way): `schemactl apply` has work to do.
pub const PENDING: u8 = 8;
/// The schema differs from what the applied revisions produce: someone must look. Shares its
/// code with `apply`'s refusal to run over drift.
pub const DRIFT: u8 = 7;

pub async fn run(config: Option<&Path>, args: StatusArgs) -> CliResult<u8> {
    let project = project::load(config)?;
    crate::scope_args::install(config, args.db.env.as_deref(), &args.shadow.scope)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let url = project::database(&project, &args.db)?;
    let state = schemactl_apply::read_state(&url, args.db.wait, &mut |_| {}).await?;
    let applied = schemactl_apply::verify(&revisions.list, &state)?;
    let list = &revisions.list;

    outln!("database: {url}");
    match applied.checked_sub(1).map(|i| &list[i]) {
        Some(r) => {
            let row = state.applied(&r.id);
            let when = row.map(|a| format!(" (applied {} by {})", a.applied_at, a.applied_by)).unwrap_or_default();
            outln!("current:  {}{when}", schemactl_apply::stem(r));
        }
        None => outln!("current:  base (no revision applied)"),
    }
    let pending = &list[applied..];
    if pending.is_empty() {
        outln!("pending:  none, the database is at head");
    } else {
        outln!("pending:  {} revision(s)", pending.len());
        for r in pending {
            outln!("  {}  {}", schemactl_apply::stem(r), r.message);
        }
    }
    let mut partial = false;
    for name in state.partial(schemactl_revision::format::Section::Up) {
        outln!("partial:  {name} stopped part-way; `schemactl apply` resumes it");
        partial = true;
    }
    let behind = !pending.is_empty() || partial;
    let code = |drifted: bool| match (args.exit_zero, drifted, behind) {
        (true, _, _) | (false, false, false) => 0,
        (false, true, _) => DRIFT,
        (false, false, true) => PENDING,
    };
    if args.no_drift {
        return Ok(code(false));
    }
    let drift = drift(&revisions, applied, &url, args.shadow.dev_url.as_deref()).await?;
    if drift.steps.is_empty() {
        outln!("drift:    none, the schema is what the applied revisions produce");
    } else {
        outln!(
            "drift:    the schema differs from what the applied revisions produce; this would restore it ({} step(s)):",
            drift.steps.len()
        );
        for line in schemactl_plan::render_sql(&drift).lines() {
            outln!("  {line}");
        }
    }
    Ok(code(!drift.steps.is_empty()))
}

/// The plan from the live schema to the state the applied revisions produce.
async fn drift(
    revisions: &Revisions,
    applied: usize,
    url: &schemactl_connect::DbUrl,
    dev_url: Option<&str>,
) -> CliResult<schemactl_plan::Plan> {
    let expected = if applied == revisions.list.len() {
        states::revisions_source(revisions)?.0
    } else {
        Source::Script { statements: states::replay_statements(&revisions.list[..applied], &revisions.dir)? }
    };
    let live = Source::Database(Box::new(url.clone()));
    let shadow = states::start_shadow(dev_url).await?;
    let result = async {
        let live = open(&live, None).await?;
        let opened = states::open_all(&shadow, &[&expected]).await?;
        let plan = states::plan_between(&live, &opened[0]).await;
        states::close_all(&shadow, opened).await;
        plan
    }
    .await;
    let _ = shadow.close().await;
    result
}
