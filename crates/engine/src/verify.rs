//! `verify`: every revision replayed on a shadow database, up, down to the start, and up
//! again. Each down section must restore exactly the schema before its revision, the end
//! state must equal schema/, and the sealed state cache must equal the replay.

use crate::error::{Error, Result};
use crate::source::{close_all, Opened, Source};
use crate::{states, Engine};
use schemactl_model::Catalog;
use schemactl_revision::{Revision, Revisions};
use schemactl_shadow::Shadow;
use std::path::Path;

impl Engine {
    /// Verifies `revisions` against schema/ (`schema_dir`) in shadow databases.
    pub async fn verify(&self, revisions: &Revisions, schema_dir: &Path, dev_url: Option<&str>) -> Result<()> {
        let statements = schemactl_yaml::load_schema_files(schema_dir)?;
        let prelude = states::out_of_scope_prelude(&statements, self.scope());
        let desired = Source::Files { statements };
        let shadow = self.start_shadow(dev_url, None).await?;
        let outcome = async {
            let opened = self.open_all(&shadow, &[&Source::Empty, &desired, &Source::Empty]).await?;
            let result = self.replay_both_ways(&shadow, revisions, &prelude, &opened).await;
            close_all(&shadow, opened).await;
            result
        }
        .await;
        let _ = shadow.close().await;
        outcome
    }

    async fn replay_both_ways(
        &self,
        shadow: &Shadow,
        revisions: &Revisions,
        prelude: &[schemactl_source::Statement],
        opened: &[Opened],
    ) -> Result<()> {
        let (empty, desired, work) = (&opened[0], &opened[1], &opened[2]);
        let roles = shadow.is_embedded();
        // What schema/ declares out of scope first: the revisions may use it, and being out of
        // scope it leaves every catalog read below as it was.
        schemactl_shadow::run_script(&work.client, prelude, roles)
            .await
            .map_err(|e| Error::Verify(format!("loading what schema/ declares out of scope failed: {e}")))?;
        // states[i]: the schema before revision i (states[0] is the empty database).
        let mut states_before: Vec<Catalog> = vec![empty.catalog.clone()];
        // Role statements run so far, in order (see the roles module).
        let mut declared = Vec::new();
        for r in &revisions.list {
            self.run_section(work, r, true, &revisions.dir, roles, &mut declared).await?;
            states_before.push(self.read_work(work, &declared, roles).await?);
        }
        for (i, r) in revisions.list.iter().enumerate().rev() {
            self.run_section(work, r, false, &revisions.dir, roles, &mut declared).await?;
            let now = self.read_work(work, &declared, roles).await?;
            let left = schemactl_plan::plan(&states_before[i], &now)?;
            if !left.steps.is_empty() {
                return Err(Error::Verify(format!(
                    "the down section of {} does not restore the schema before it; what it left differs by:\n{}",
                    r.file_name,
                    schemactl_plan::render_sql(&left)
                )));
            }
        }
        for r in &revisions.list {
            self.run_section(work, r, true, &revisions.dir, roles, &mut declared).await?;
        }
        let end = self.read_work(work, &declared, roles).await?;
        let missing = states::plan_from(&end, desired).await?;
        if !missing.steps.is_empty() {
            return Err(Error::Verify(format!(
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
                return Err(Error::Verify(format!(
                    "{}/state.sql differs from a full replay of the revisions; delete it and run `schemactl plan` to rebuild it",
                    revisions.dir.display()
                )));
            }
        }
        Ok(())
    }
}

impl Engine {
    async fn run_section(
        &self,
        work: &Opened,
        r: &Revision,
        up: bool,
        dir: &Path,
        roles: bool,
        declared: &mut Vec<schemactl_source::Statement>,
    ) -> Result<()> {
        let segments = if up { r.up_segments(dir)? } else { r.down_segments(dir)? };
        let statements: Vec<_> = segments.into_iter().flat_map(|s| s.statements).collect();
        self.run_script_on_shadow(&work.client, &statements, roles, declared)
            .await
            .map_err(|e| Error::Verify(format!("{} of {} failed: {e}", if up { "up" } else { "down" }, r.file_name)))
    }

    async fn read_work(&self, work: &Opened, declared: &[schemactl_source::Statement], roles: bool) -> Result<Catalog> {
        let mut catalog = self.read(&work.client).await?;
        self.read_declared_roles(&mut catalog, &work.client, declared, roles).await?;
        Ok(catalog)
    }
}
