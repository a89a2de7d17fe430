//! `plan`: the next revision, from the state the revisions produce to schema/, proven on a
//! copy of that state before it is returned.

use crate::error::{Error, Result};
use crate::source::{close_all, Opened, Source};
use crate::{states, Engine, Level};
use schemactl_plan::{Plan, PlanOptions};
use schemactl_revision::Revisions;
use schemactl_shadow::Shadow;
use schemactl_source::{Rename, Statement};
use std::path::Path;

/// What to plan.
pub struct PlanRequest<'a> {
    pub revisions: &'a Revisions,
    /// The desired state: schema/.
    pub schema_dir: &'a Path,
    /// A server to create shadow databases on, instead of an embedded cluster.
    pub dev_url: Option<&'a str>,
    pub options: PlanOptions,
}

/// What `plan` works out in the shadow.
#[derive(Debug)]
pub struct Planned {
    pub up: Plan,
    /// The plan back, from schema/ to the revisions' state (the revision's down section).
    pub down: Plan,
    /// The script that creates the revisions' state in an empty database.
    pub current_script: String,
    /// The state after running `up` on the current state: the new state cache. Not the
    /// desired state's own script, since columns added by ALTER TABLE come last.
    pub after_script: String,
    /// Fingerprints of the objects `up` changes, before it runs.
    pub expects: Vec<schemactl_revision::Expectation>,
    /// The state cache was used and reproduced itself exactly.
    pub cache_intact: bool,
}

impl Engine {
    /// Loads the revisions' state (the sealed cache when it reproduces itself, else a replay)
    /// and schema/ into shadow databases, plans between them with the annotated renames first,
    /// plans the way back, and runs `up` on the copy of the current state: a plan that does
    /// not apply, or after which anything remains to do, is an error, not a result.
    pub async fn plan_revisions(&self, request: &PlanRequest<'_>) -> Result<Planned> {
        let revisions = request.revisions;
        let (statements, renames) = schemactl_yaml::load_schema_files_with_renames(request.schema_dir)?;
        self.advise(&statements)?;
        let prelude = states::out_of_scope_prelude(&statements, self.scope());
        let desired = Source::Files { statements };
        let (current, from_cache) = states::revisions_source(revisions, &prelude)?;
        let shadow = self.start_shadow(request.dev_url, None).await?;
        let outcome =
            self.compute(&shadow, revisions, &prelude, current, from_cache, &desired, &renames, request).await;
        let _ = shadow.close().await;
        outcome
    }

    // One call site; a struct for these would only restate its argument list.
    #[allow(clippy::too_many_arguments)]
    async fn compute(
        &self,
        shadow: &Shadow,
        revisions: &Revisions,
        prelude: &[Statement],
        current: Source,
        from_cache: bool,
        desired: &Source,
        renames: &[Rename],
        request: &PlanRequest<'_>,
    ) -> Result<Planned> {
        let mut opened = self.open_all(shadow, &[&Source::Empty, &current, desired]).await?;
        let result = async {
            let current_script = states::creation_script(&opened[0].catalog, &opened[1].catalog)?;
            let head = revisions.head().map(|r| r.id.as_str());
            let cache_intact = from_cache && revisions.state_cache() == Some(states::state_text(head, &current_script));
            if from_cache && !cache_intact {
                // The cache did not reproduce itself: never plan from a state we cannot trust.
                self.note(
                    Level::Warning,
                    None,
                    format!(
                        "{} does not reproduce itself; replaying every revision",
                        revisions.dir.join(schemactl_revision::seal::STATE_FILE).display()
                    ),
                );
                let replay = states::replay(prelude, states::replay_statements(&revisions.list, &revisions.dir)?);
                let mut fresh = self.open_all(shadow, &[&replay]).await?;
                std::mem::swap(&mut opened[1], &mut fresh[0]);
                close_all(shadow, fresh).await;
                let current_script = states::creation_script(&opened[0].catalog, &opened[1].catalog)?;
                return self.finish(&opened, current_script, false, renames, &request.options).await;
            }
            self.finish(&opened, current_script, cache_intact, renames, &request.options).await
        }
        .await;
        close_all(shadow, opened).await;
        result
    }

    async fn finish(
        &self,
        opened: &[Opened],
        current_script: String,
        cache_intact: bool,
        renames: &[Rename],
        options: &PlanOptions,
    ) -> Result<Planned> {
        let (empty, current, desired) = (&opened[0], &opened[1], &opened[2]);
        // Annotated renames run on the current state's shadow and the plan starts from there;
        // the shadow is then put back, so that the checks below run the whole plan, renames
        // included.
        let renamed = self.rename(&current.client, renames, &desired.catalog).await?;
        self.note_conversions(renamed.catalog.as_ref().unwrap_or(&current.catalog), &desired.catalog);
        self.note_rename_candidates(renamed.catalog.as_ref().unwrap_or(&current.catalog), &desired.catalog);
        let (up, down) = match &renamed.catalog {
            None => (
                states::plan_from_with(&current.catalog, desired, options).await?,
                states::plan_from_with(&desired.catalog, current, options).await?,
            ),
            Some(catalog) => {
                let mut up = states::plan_from_with(catalog, desired, options).await?;
                let mut down = crate::renames::plan_to(&desired.catalog, catalog, &current.client, options).await?;
                renamed.wrap(&mut up, Some(&mut down));
                self.undo_renames(&renamed, &current.client, &current.catalog).await?;
                (up, down)
            }
        };
        let expects = crate::drift::expectations(&current.client, &up).await?;
        let after_script = if up.steps.is_empty() {
            current_script.clone()
        } else {
            self.apply_and_replan(current, desired, &empty.catalog, &up).await?
        };
        Ok(Planned { up, down, current_script, after_script, expects, cache_intact })
    }

    /// Runs the plan on the current state's shadow database and plans again. Returns the
    /// creation script of the state it produced.
    async fn apply_and_replan(
        &self,
        current: &Opened,
        desired: &Opened,
        empty: &schemactl_model::Catalog,
        up: &Plan,
    ) -> Result<String> {
        let script = schemactl_plan::render_sql(up);
        let statements = schemactl_source::split_script(Path::new("plan.sql"), &script)?;
        let mut declared = current.declared_roles.clone();
        self.run_script_on_shadow(&current.client, &statements, current.create_roles, &mut declared)
            .await
            .map_err(|e| Error::Diverged(format!("the plan failed on a copy of the current state: {e}")))?;
        let mut after = self.read(&current.client).await?;
        self.read_declared_roles(&mut after, &current.client, &declared, current.create_roles).await?;
        let rest = states::plan_from(&after, desired).await?;
        if !rest.steps.is_empty() {
            return Err(Error::Diverged(format!(
                "after applying the plan to a copy of the current state, {} step(s) remain (please report this):\n{}",
                rest.steps.len(),
                schemactl_plan::render_sql(&rest)
            )));
        }
        states::creation_script(empty, &after)
    }
}
