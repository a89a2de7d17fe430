//! `schemactl status`: where the database is in the revision history, what is pending, and
//! whether its schema drifted from what the applied revisions produce.

use crate::cli::StatusArgs;
use crate::error::CliResult;
use crate::sources::{open, Source};
use crate::{project, states};
use schemactl_revision::Revisions;
use std::path::Path;

pub async fn run(config: Option<&Path>, args: StatusArgs) -> CliResult<()> {
    let project = project::load(config)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let url = project::database(&project, &args.db)?;
    let state = schemactl_apply::read_state(&url, args.db.wait, &mut |_| {}).await?;
    let applied = schemactl_apply::verify(&revisions.list, &state)?;
    let list = &revisions.list;

    println!("database: {url}");
    match applied.checked_sub(1).map(|i| &list[i]) {
        Some(r) => {
            let row = state.applied(&r.id);
            let when = row.map(|a| format!(" (applied {} by {})", a.applied_at, a.applied_by)).unwrap_or_default();
            println!("current:  {}{when}", schemactl_apply::stem(r));
        }
        None => println!("current:  base (no revision applied)"),
    }
    let pending = &list[applied..];
    if pending.is_empty() {
        println!("pending:  none, the database is at head");
    } else {
        println!("pending:  {} revision(s)", pending.len());
        for r in pending {
            println!("  {}  {}", schemactl_apply::stem(r), r.message);
        }
    }
    for name in state.partial(schemactl_revision::format::Section::Up) {
        println!("partial:  {name} stopped part-way; `schemactl apply` resumes it");
    }
    if args.no_drift {
        return Ok(());
    }
    let drift = drift(&revisions, applied, &url, args.shadow.dev_url.as_deref()).await?;
    if drift.steps.is_empty() {
        println!("drift:    none, the schema is what the applied revisions produce");
    } else {
        println!(
            "drift:    the schema differs from what the applied revisions produce; this would restore it ({} step(s)):",
            drift.steps.len()
        );
        for line in schemactl_plan::render_sql(&drift).lines() {
            println!("  {line}");
        }
    }
    Ok(())
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
