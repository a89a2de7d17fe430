//! `schemactl plan` (diff the revisions' state against schema/, write the next revision),
//! `schemactl revision` (an empty one for hand-written SQL) and `schemactl reseal`.

use crate::cli::{PlanArgs, RebaseArgs, RevisionArgs};
use crate::error::{CliError, CliResult};
use crate::project;
use schemactl_engine::{states, PlanRequest};
use schemactl_revision::Revisions;
use std::path::Path;

pub async fn plan(config: Option<&Path>, args: PlanArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let engine = crate::scope_args::engine(config, None, &args.shadow.scope)?;
    let message = match (&args.message, args.dry_run || args.check) {
        (Some(m), _) if !m.trim().is_empty() => Some(m.clone()),
        (_, true) => None,
        _ => {
            return Err(CliError::Usage(
                "plan writes a revision: give it a message with -m \"...\" (or use --dry-run or --check)".into(),
            ))
        }
    };
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let replaces = match &args.replaces {
        Some(spec) if !(args.dry_run || args.check) => Some(replaced(&project, &revisions, spec, &args).await?),
        _ => None,
    };
    let request = PlanRequest {
        revisions: &revisions,
        schema_dir: &project.schema_dir,
        dev_url: args.shadow.dev_url.as_deref(),
        options: states::plan_options(&project.settings(None), args.offline),
    };
    let planned = engine.plan_revisions(&request).await?;

    for u in &planned.up.unmanaged {
        noteln!("warning: unmanaged object, not compared: {u}");
    }
    out!("{}", crate::scope_args::render(&engine, &planned.up, args.format));
    if args.check {
        if planned.up.steps.is_empty() {
            errln!(
                "{} matches the revisions in {}",
                project::shown(&project.schema_dir),
                project::shown(&project.revisions_dir)
            );
            return Ok(());
        }
        return Err(CliError::CheckFailed(format!(
            "{} differs from the revisions in {}: {} step(s) are in no revision; run `schemactl plan -m \"...\"` and commit the new revision",
            project::shown(&project.schema_dir),
            project::shown(&project.revisions_dir),
            planned.up.steps.len()
        )));
    }
    let allowed = crate::hazards::allowed(&project.settings(None), &args.allow_hazards)?;
    let found: Vec<_> = planned
        .up
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.hazards
                .iter()
                .map(move |h| (h.kind, format!("step {}: {}", i + 1, schemactl_sqltext::visible(&h.message))))
        })
        .collect();
    let refusal = crate::hazards::refusal("the plan", &found, &allowed);
    if args.dry_run {
        if let Some(refusal) = refusal {
            noteln!("note: `plan -m` would refuse to write this plan: {refusal}");
        }
        return Ok(());
    }
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    if planned.up.steps.is_empty() {
        if !planned.cache_intact {
            schemactl_engine::reseal_state(&revisions, &planned)?;
        }
        errln!("nothing to plan: {} matches the revisions", project::shown(&project.schema_dir));
        return Ok(());
    }
    let revision = schemactl_engine::planned_revision(
        &revisions,
        &planned,
        &message.unwrap_or_default(),
        replaces.clone(),
        unix_now(),
    );
    let path = schemactl_engine::write_revision(
        &revisions,
        revision,
        Some(&planned.after_script),
        &mut crate::post_write::hooks(&project),
    )?;
    outln!("wrote {}", project::shown(&path));
    if let Some(r) = replaces {
        outln!(
            "it replaces {} revision {}: `schemactl stamp head` records it on databases at that revision (and refuses \
             others); new databases get it from `schemactl apply`",
            r.tool_name(),
            r.revision
        );
    }
    Ok(())
}

/// What `--replaces` names: `alembic:REV`, or `alembic` with REV read from the database's
/// `alembic_version` (exactly one row). Only the first revision can replace another history.
async fn replaced(
    project: &schemactl_config::Project,
    revisions: &Revisions,
    spec: &str,
    args: &PlanArgs,
) -> CliResult<schemactl_revision::Replaced> {
    if let Some(head) = revisions.head() {
        return Err(CliError::Usage(format!(
            "--replaces marks the baseline, the first revision, but {} already has revisions (the last is {}): \
             a baseline is planned into an empty revisions directory",
            project::shown(&revisions.dir),
            schemactl_apply::stem(head)
        )));
    }
    let usage = |e: String| CliError::Usage(format!("--replaces: {e}"));
    if let Some((tool, revision)) = spec.split_once(':') {
        return schemactl_revision::Replaced::new(tool, revision).map_err(usage);
    }
    // The tool alone: checked (with a stand-in revision) before connecting.
    let probe = schemactl_revision::Replaced::new(spec, "-").map_err(usage)?;
    let (tool, name, table) = (&probe.tool, probe.tool_name(), probe.table().0);
    let db = crate::cli::DbArgs { db: args.db.clone(), env: args.env.clone(), wait: std::time::Duration::ZERO };
    let url = project::database(project, &db)?;
    let state = schemactl_apply::read_state(&url, db.wait, &mut |_| {}).await?;
    match state.tool(tool).map(|t| t.revisions.as_slice()) {
        Some([one]) => {
            let r = schemactl_revision::Replaced::new(tool, one).map_err(usage)?;
            errln!("{url} is at {name} revision {}", r.revision);
            Ok(r)
        }
        None => Err(usage(format!(
            "{url} has no {table} table to read the {name} revision from; name it: --replaces {tool}:REV"
        ))),
        Some([]) => Err(usage(format!("{url} records no {name} revision (it is at {name}'s base)"))),
        Some(many) => Err(usage(format!(
            "{url} is at {} {name} revisions at once ({}): merge them with {name} first, or name one: --replaces {tool}:REV",
            many.len(),
            many.iter().map(|r| schemactl_sqltext::visible(r)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub fn revision(config: Option<&Path>, args: RevisionArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let revision = schemactl_engine::manual_revision(&revisions, &args.message, unix_now());
    let path = schemactl_engine::write_revision(&revisions, revision, None, &mut crate::post_write::hooks(&project))?;
    outln!("wrote {}", project::shown(&path));
    Ok(())
}

/// Re-seals after deliberate edits (see [`schemactl_engine::reseal`]).
pub fn reseal(config: Option<&Path>) -> CliResult<()> {
    let project = project::required(config)?;
    let resealed = schemactl_engine::reseal(&project.revisions_dir)?;
    for (path, kinds) in &resealed.hazards {
        let shown = if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") };
        outln!("{}: hazards: {shown}", project::shown(path));
    }
    outln!("sealed {} revision(s) in {}", resealed.count, project::shown(&resealed.sum_file));
    Ok(())
}

pub async fn rebase(config: Option<&Path>, args: RebaseArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let engine = crate::scope_args::engine(config, None, &args.shadow.scope)?;
    let request = schemactl_engine::RebaseRequest {
        dir: &project.revisions_dir,
        schema_dir: &project.schema_dir,
        keep: args.keep.as_deref(),
        dev_url: args.shadow.dev_url.as_deref(),
        options: states::plan_options(&project.settings(None), args.offline),
        now: unix_now(),
        take_schema: args.take_schema,
    };
    let rebased = engine.rebase(&request, &mut crate::post_write::hooks(&project)).await?;
    for (revision, c) in &rebased.settled {
        noteln!(
            "note: {}: the kept branch {}, {revision} {}; planned as schema/ declares it",
            c.object,
            c.kept,
            c.moved
        );
    }
    if rebased.moved.is_empty() {
        outln!("{}", rebased.why);
        return Ok(());
    }
    outln!("kept as they are ({}): {}", rebased.why, rebased.kept.join(", "));
    for (old, new) in &rebased.moved {
        match new {
            Some(new) => outln!("{old} -> {new} (re-planned after the kept branch)"),
            None => outln!("{old}: left out, the kept branch already makes its change"),
        }
    }
    outln!("sealed {}", project::shown(&project.revisions_dir.join(schemactl_revision::seal::SUM_FILE)));
    if rebased.schema_ahead {
        noteln!(
            "note: {} declares more than the revisions now produce: run `schemactl plan -m \"...\"`",
            project::shown(&project.schema_dir)
        );
    }
    Ok(())
}
