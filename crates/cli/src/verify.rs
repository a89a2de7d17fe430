//! `schemactl verify`: replays every revision on a shadow database, up, down to the start,
//! and up again. Each down section must restore exactly the schema before its revision, the
//! end state must equal schema/, and the sealed state cache must equal the replay.

use crate::cli::ShadowArgs;
use crate::error::{CliError, CliResult};
use crate::sources::{Opened, Source};
use crate::{project, states};
use schemactl_model::Catalog;
use schemactl_revision::{Revision, Revisions};
use schemactl_shadow::Shadow;
use std::path::Path;

pub async fn run(config: Option<&Path>, args: ShadowArgs) -> CliResult<()> {
    let project = project::load(config)?;
    crate::scope_args::install(config, None, &args.scope)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let statements = schemactl_yaml::load_path(&project.schema_dir)?;
    let prelude = states::out_of_scope_prelude(&statements, crate::scope_args::current());
    let desired = Source::Files { statements };
    let shadow = states::start_shadow(args.dev_url.as_deref()).await?;
    let outcome = async {
        let opened = states::open_all(&shadow, &[&Source::Empty, &desired, &Source::Empty]).await?;
        let result = replay_both_ways(&shadow, &revisions, &prelude, &opened).await;
        states::close_all(&shadow, opened).await;
        result
    }
    .await;
    let _ = shadow.close().await;
    outcome?;
    outln!(
        "verified {} revision(s): up, down to the start, up again; each down restored the schema before its revision \
         and the end state equals {}",
        revisions.list.len(),
        project::shown(&project.schema_dir)
    );
    Ok(())
}

async fn replay_both_ways(
    shadow: &Shadow,
    revisions: &Revisions,
    prelude: &[schemactl_source::Statement],
    opened: &[Opened],
) -> CliResult<()> {
    let (empty, desired, work) = (&opened[0], &opened[1], &opened[2]);
    let roles = shadow.is_embedded();
    // What schema/ declares out of scope first: the revisions may use it, and being out of
    // scope it leaves every catalog read below as it was.
    schemactl_shadow::run_script(&work.client, prelude, roles)
        .await
        .map_err(|e| CliError::Verify(format!("loading what schema/ declares out of scope failed: {e}")))?;
    // states[i]: the schema before revision i (states[0] is the empty database).
    let mut states_before: Vec<Catalog> = vec![empty.catalog.clone()];
    for r in &revisions.list {
        run_section(work, r, true, &revisions.dir, roles).await?;
        states_before.push(crate::scope_args::introspect(&work.client).await?);
    }
    for (i, r) in revisions.list.iter().enumerate().rev() {
        run_section(work, r, false, &revisions.dir, roles).await?;
        let now = crate::scope_args::introspect(&work.client).await?;
        let left = schemactl_plan::plan(&states_before[i], &now)?;
        if !left.steps.is_empty() {
            return Err(CliError::Verify(format!(
                "the down section of {} does not restore the schema before it; what it left differs by:\n{}",
                r.file_name,
                schemactl_plan::render_sql(&left)
            )));
        }
    }
    for r in &revisions.list {
        run_section(work, r, true, &revisions.dir, roles).await?;
    }
    let end = crate::scope_args::introspect(&work.client).await?;
    let missing = states::plan_from(&end, desired).await?;
    if !missing.steps.is_empty() {
        return Err(CliError::Verify(format!(
            "the revisions do not produce schema/ ({} step(s) missing; run `schemactl plan -m ...`):\n{}",
            missing.steps.len(),
            schemactl_plan::render_sql(&missing)
        )));
    }
    if let Some(cache) = revisions.state_cache() {
        let replayed = states::state_text(
            revisions.head().map(|r| r.id.as_str()),
            &states::creation_script(&empty.catalog, &end)?,
        );
        if cache != replayed {
            return Err(CliError::Verify(format!(
                "{}/state.sql differs from a full replay of the revisions; delete it and run `schemactl plan` to rebuild it",
                project::shown(&revisions.dir)
            )));
        }
    }
    Ok(())
}

async fn run_section(work: &Opened, r: &Revision, up: bool, dir: &Path, roles: bool) -> CliResult<()> {
    let segments = if up { r.up_segments(dir)? } else { r.down_segments(dir)? };
    let statements: Vec<_> = segments.into_iter().flat_map(|s| s.statements).collect();
    schemactl_shadow::run_script(&work.client, &statements, roles)
        .await
        .map_err(|e| CliError::Verify(format!("{} of {} failed: {e}", if up { "up" } else { "down" }, r.file_name)))
}
