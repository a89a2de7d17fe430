//! `schemactl plan` (diff the revisions' state against schema/, write the next revision),
//! `schemactl revision` (an empty one for hand-written SQL) and `schemactl reseal`.

use crate::cli::{Format, PlanArgs, RevisionArgs};
use crate::error::{CliError, CliResult};
use crate::sources::Source;
use crate::{project, states};
use schemactl_plan::Plan;
use schemactl_revision::format::{build, build_replacing, Draft};
use schemactl_revision::{seal, Revision, RevisionKind, Revisions};
use std::collections::BTreeSet;
use std::path::Path;

pub async fn plan(config: Option<&Path>, args: PlanArgs) -> CliResult<()> {
    let project = project::load(config)?;
    crate::scope_args::install(config, None, &args.shadow.scope)?;
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
    let (statements, renames) = schemactl_yaml::load_path_with_renames(&project.schema_dir)?;
    let prelude = states::out_of_scope_prelude(&statements, crate::scope_args::current());
    let desired = Source::Files { statements };
    let (current, from_cache) = states::revisions_source(&revisions, &prelude)?;
    let shadow = states::start_shadow(args.shadow.dev_url.as_deref()).await?;
    let options = states::plan_options(&project.settings(None), args.offline);
    let outcome = compute(&shadow, &revisions, &prelude, current, from_cache, &desired, &renames, &options).await;
    let _ = shadow.close().await;
    let computed = outcome?;

    for u in &computed.up.unmanaged {
        errln!("warning: unmanaged object, not compared: {u}");
    }
    out!("{}", render(&computed.up, args.format));
    if args.check {
        if computed.up.steps.is_empty() {
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
            computed.up.steps.len()
        )));
    }
    let allowed = crate::hazards::allowed(&project.settings(None), &args.allow_hazards)?;
    let found: Vec<_> = computed
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
            errln!("note: `plan -m` would refuse to write this plan: {refusal}");
        }
        return Ok(());
    }
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    let head = revisions.head().map(|r| r.id.clone());
    if computed.up.steps.is_empty() {
        if !computed.cache_intact {
            write_seal(
                &revisions,
                &revisions.list,
                Some(&states::state_text(head.as_deref(), &computed.current_script)),
            )?;
        }
        errln!("nothing to plan: {} matches the revisions", project::shown(&project.schema_dir));
        return Ok(());
    }
    let draft = Draft {
        id: schemactl_revision::new_id(unix_now(), head.as_deref()),
        slug: schemactl_revision::slug(message.as_deref().unwrap_or_default()),
        parent: head,
        message: message.unwrap_or_default(),
        kind: RevisionKind::Planned,
        before: states::fingerprint(&computed.current_script),
        after: states::fingerprint(&computed.after_script),
        hazards: hazard_kinds(&computed.up),
        expects: computed.expects.clone(),
        up: schemactl_plan::render_sql(&computed.up),
        down: schemactl_plan::render_sql(&computed.down),
    };
    let revision = build_replacing(draft, replaces.clone());
    write_revision(&revisions, revision, Some(&computed.after_script))?;
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

/// What `plan` works out in the shadow.
struct Computed {
    up: Plan,
    down: Plan,
    current_script: String,
    /// The state after running `up` on the current state: the new state cache. Not the
    /// desired state's own script, since columns added by ALTER TABLE come last.
    after_script: String,
    /// Fingerprints of the objects `up` changes, before it runs.
    expects: Vec<schemactl_revision::Expectation>,
    /// The state cache was used and reproduced itself exactly.
    cache_intact: bool,
}

// One call site; a struct for these would only restate its argument list.
#[allow(clippy::too_many_arguments)]
async fn compute(
    shadow: &schemactl_shadow::Shadow,
    revisions: &Revisions,
    prelude: &[schemactl_source::Statement],
    current: Source,
    from_cache: bool,
    desired: &Source,
    renames: &[schemactl_source::Rename],
    options: &schemactl_plan::PlanOptions,
) -> CliResult<Computed> {
    let mut opened = states::open_all(shadow, &[&Source::Empty, &current, desired]).await?;
    let result = async {
        let current_script = states::creation_script(&opened[0].catalog, &opened[1].catalog)?;
        let head = revisions.head().map(|r| r.id.as_str());
        let cache_intact = from_cache && revisions.state_cache() == Some(states::state_text(head, &current_script));
        if from_cache && !cache_intact {
            // The cache did not reproduce itself: never plan from a state we cannot trust.
            errln!(
                "warning: {}/state.sql does not reproduce itself; replaying every revision",
                project::shown(&revisions.dir)
            );
            let replay = states::replay(prelude, states::replay_statements(&revisions.list, &revisions.dir)?);
            let mut fresh = states::open_all(shadow, &[&replay]).await?;
            std::mem::swap(&mut opened[1], &mut fresh[0]);
            states::close_all(shadow, fresh).await;
            let current_script = states::creation_script(&opened[0].catalog, &opened[1].catalog)?;
            return finish(&opened, current_script, false, renames, options).await;
        }
        finish(&opened, current_script, cache_intact, renames, options).await
    }
    .await;
    states::close_all(shadow, opened).await;
    result
}

async fn finish(
    opened: &[crate::sources::Opened],
    current_script: String,
    cache_intact: bool,
    renames: &[schemactl_source::Rename],
    options: &schemactl_plan::PlanOptions,
) -> CliResult<Computed> {
    let (empty, current, desired) = (&opened[0], &opened[1], &opened[2]);
    // Annotated renames run on the current state's shadow and the plan starts from there; the
    // shadow is then put back, so that the checks below run the whole plan, renames included.
    let renamed = crate::renames::apply(&current.client, renames, &desired.catalog).await?;
    let (up, down) = match &renamed.catalog {
        None => (
            states::plan_from_with(&current.catalog, desired, options).await?,
            states::plan_from_with(&desired.catalog, current, options).await?,
        ),
        Some(catalog) => {
            let mut up = states::plan_from_with(catalog, desired, options).await?;
            let mut down = crate::renames::plan_to(&desired.catalog, catalog, &current.client, options).await?;
            renamed.wrap(&mut up, Some(&mut down));
            renamed.undo(&current.client, &current.catalog).await?;
            (up, down)
        }
    };
    let expects = crate::drift::expectations(&current.client, &up).await?;
    let after_script = if up.steps.is_empty() {
        current_script.clone()
    } else {
        apply_and_replan(current, desired, &empty.catalog, &up).await?
    };
    Ok(Computed { up, down, current_script, after_script, expects, cache_intact })
}

/// Runs the plan on the current state's shadow database and plans again: a plan that does not
/// apply, or after which anything remains to do, is refused before it becomes a revision.
/// Returns the creation script of the state it produced.
async fn apply_and_replan(
    current: &crate::sources::Opened,
    desired: &crate::sources::Opened,
    empty: &schemactl_model::Catalog,
    up: &Plan,
) -> CliResult<String> {
    let script = schemactl_plan::render_sql(up);
    let statements = schemactl_source::split_script(std::path::Path::new("plan.sql"), &script)?;
    schemactl_shadow::run_script(&current.client, &statements, false)
        .await
        .map_err(|e| CliError::Diverged(format!("the plan failed on a copy of the current state: {e}")))?;
    let after = crate::scope_args::introspect(&current.client).await?;
    let rest = states::plan_from(&after, desired).await?;
    if !rest.steps.is_empty() {
        return Err(CliError::Diverged(format!(
            "after applying the plan to a copy of the current state, {} step(s) remain (please report this):\n{}",
            rest.steps.len(),
            schemactl_plan::render_sql(&rest)
        )));
    }
    states::creation_script(empty, &after)
}

fn render(plan: &Plan, format: Format) -> String {
    crate::scope_args::render(plan, format)
}

fn hazard_kinds(plan: &Plan) -> Vec<String> {
    let kinds: BTreeSet<String> =
        plan.steps.iter().flat_map(|s| s.hazards.iter().map(|h| h.kind.to_string())).collect();
    kinds.into_iter().collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Writes a new revision after the current head and re-seals. `state_script`: the schema
/// after it, when known (planned revisions); hand-written ones drop the cache, since their
/// effect is known only once they have run.
fn write_revision(revisions: &Revisions, revision: Revision, state_script: Option<&str>) -> CliResult<()> {
    std::fs::create_dir_all(&revisions.dir).map_err(|source| CliError::Io { path: revisions.dir.clone(), source })?;
    let path = revisions.dir.join(&revision.file_name);
    if path.exists() {
        return Err(CliError::Usage(format!("{} already exists", path.display())));
    }
    std::fs::write(&path, &revision.text).map_err(|source| CliError::Io { path: path.clone(), source })?;
    let mut list = revisions.list.clone();
    list.push(revision.clone());
    let state = state_script.map(|s| states::state_text(Some(&revision.id), s));
    write_seal(revisions, &list, state.as_deref())?;
    outln!("wrote {}", project::shown(&path));
    Ok(())
}

fn write_seal(revisions: &Revisions, list: &[Revision], state: Option<&str>) -> CliResult<()> {
    Ok(seal::write(&revisions.dir, list, state)?)
}

pub fn revision(config: Option<&Path>, args: RevisionArgs) -> CliResult<()> {
    let project = project::load(config)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let head = revisions.head();
    let fingerprint = head.map_or_else(|| states::fingerprint(""), |h| h.after.clone());
    let draft = Draft {
        id: schemactl_revision::new_id(unix_now(), head.map(|h| h.id.as_str())),
        slug: schemactl_revision::slug(&args.message),
        parent: head.map(|h| h.id.clone()),
        message: args.message,
        kind: RevisionKind::Manual,
        before: fingerprint.clone(),
        after: fingerprint,
        hazards: Vec::new(),
        expects: Vec::new(),
        up: "-- Hand-written SQL, run in one transaction by `schemactl apply` (data migrations: UPDATE, INSERT...).\n\
             -- Statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY) run on their own.\n\
             -- After editing, run `schemactl reseal` (only while no database has applied this revision)."
            .into(),
        down: "-- SQL that undoes the up section, run by `schemactl down`.".into(),
    };
    write_revision(&revisions, build(draft), None)
}

/// Re-seals after deliberate edits. The chain of parents must still hold; checksums of
/// databases that already applied an edited revision will not match (apply refuses them).
pub fn reseal(config: Option<&Path>) -> CliResult<()> {
    let project = project::load(config)?;
    let mut list = schemactl_revision::read_files(&project.revisions_dir)?;
    let problems = schemactl_revision::dir::chain_problems(&list);
    if !problems.is_empty() {
        return Err(schemactl_revision::Error::Integrity { problems }.into());
    }
    for r in &mut list {
        // Statements must parse before we vouch for them.
        let up = r.up_segments(&project.revisions_dir)?;
        r.down_segments(&project.revisions_dir)?;
        // A hand-written revision records what lint finds in its up section, as a planned one
        // records the planner's hazards (those are kept: the planner knows more than lint).
        if r.kind == RevisionKind::Manual {
            let findings = schemactl_lint::lint_statements(up.iter().flat_map(|s| &s.statements))?;
            let kinds: Vec<String> =
                findings.iter().map(|f| f.hazard.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
            if let Some(text) = schemactl_revision::format::with_hazards(&r.text, &kinds).filter(|t| *t != r.text) {
                let path = project.revisions_dir.join(&r.file_name);
                std::fs::write(&path, &text).map_err(|source| CliError::Io { path: path.clone(), source })?;
                *r = schemactl_revision::format::parse(&r.file_name, &text)?;
                let shown = if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") };
                outln!("{}: hazards: {shown}", project::shown(&path));
            }
        }
    }
    seal::write(&project.revisions_dir, &list, None)?;
    outln!("sealed {} revision(s) in {}", list.len(), project::shown(&project.revisions_dir.join(seal::SUM_FILE)));
    Ok(())
}
