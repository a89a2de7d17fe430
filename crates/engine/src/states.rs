//! Schema states in shadow databases: the empty database, the state the revisions produce
//! (from the sealed cache or by replaying them), and `schema/`. Plans, fingerprints and the
//! state cache are all computed from these.

use crate::error::{Error, Result};
use crate::source::{Opened, Source};
use crate::{Engine, Level};
use schemactl_model::Catalog;
use schemactl_revision::{Revision, Revisions};
use schemactl_source::Statement;
use std::path::Path;

/// Every up statement of `revisions`, in order, positions in their files.
pub fn replay_statements(revisions: &[Revision], dir: &Path) -> Result<Vec<Statement>> {
    let mut out = Vec::new();
    for r in revisions {
        for segment in r.up_segments(dir)? {
            out.extend(segment.statements);
        }
    }
    Ok(out)
}

/// A replay: `prelude` (see [`out_of_scope_prelude`]), then `statements`, in order.
pub fn replay(prelude: &[Statement], statements: Vec<Statement>) -> Source {
    Source::Script { statements: prelude.iter().cloned().chain(statements).collect() }
}

/// Where the state after the last revision comes from: the sealed cache when it is intact,
/// else a replay of every revision, either after `prelude`. The flag says whether it is the
/// cache.
pub fn revisions_source(revisions: &Revisions, prelude: &[Statement]) -> Result<(Source, bool)> {
    if let Some(text) = revisions.state_cache() {
        let path = revisions.dir.join(schemactl_revision::seal::STATE_FILE);
        let statements = schemactl_source::split_script(&path, &text)?;
        return Ok((replay(prelude, statements), true));
    }
    let statements = replay_statements(&revisions.list, &revisions.dir)?;
    Ok((replay(prelude, statements), false))
}

/// The statements of schema/ (`desired`, in load order) that create or change objects the
/// scope leaves out: a stub of another team's table that a managed view reads, an extension in
/// a schema outside the list. No revision creates them (they are never planned), yet the
/// revisions and the state cache use them, so every replay into a shadow runs these first.
///
/// A statement is out of scope when everything it names is: what it creates by the scope's
/// rules; what it changes (an index, a key, a comment, a grant on a relation) when a statement
/// of `desired` creating that object is out of scope, or its schema is.
pub fn out_of_scope_prelude(desired: &[Statement], scope: &schemactl_model::Scope) -> Vec<Statement> {
    use std::collections::BTreeSet;
    let resolved = |s: &schemactl_source::Subject| {
        if s.is_database_wide() {
            String::new()
        } else {
            s.schema.clone().unwrap_or_else(|| "public".to_string())
        }
    };
    let subjects: Vec<Vec<schemactl_source::Subject>> =
        desired.iter().map(|st| schemactl_source::subjects(&st.sql)).collect();
    let out = |s: &schemactl_source::Subject| scope.reason_out(s.kind, &resolved(s), &s.name).is_some();
    // Objects in a schema's namespace that are created out of scope, by schema and name.
    let created_out: BTreeSet<(String, String)> = subjects
        .iter()
        .flatten()
        .filter(|s| s.creates && !s.is_database_wide() && out(s))
        .map(|s| (resolved(s), s.name.clone()))
        .collect();
    let is_out = |s: &schemactl_source::Subject| match (s.creates, s.kind) {
        (true, _) => out(s),
        (false, "relation") => {
            let schema = resolved(s);
            scope.schema_reason(&schema).is_some() || created_out.contains(&(schema, s.name.clone()))
        }
        (false, _) => out(s) || created_out.contains(&(resolved(s), s.name.clone())),
    };
    desired
        .iter()
        .zip(&subjects)
        .filter(|(_, subjects)| !subjects.is_empty() && subjects.iter().all(is_out))
        .map(|(st, _)| st.clone())
        .collect()
}

impl Engine {
    /// [`out_of_scope_prelude`] of the project's schema/ in the engine's scope, for work that
    /// does not load schema/ otherwise (`status`): schema/ that does not load only costs the
    /// prelude, with a warning, since the revisions are what such work is about.
    pub fn project_prelude(&self, schema_dir: &Path) -> Vec<Statement> {
        match schemactl_yaml::load_schema_files(schema_dir) {
            Ok(statements) => out_of_scope_prelude(&statements, self.scope()),
            Err(e) => {
                self.note(
                    Level::Warning,
                    None,
                    format!("{e}; replaying the revisions without what schema/ declares out of scope"),
                );
                Vec::new()
            }
        }
    }
}

/// The script that creates `catalog` in an empty database: the state cache's content, and
/// (hashed) the schema's fingerprint.
pub fn creation_script(empty: &Catalog, catalog: &Catalog) -> Result<String> {
    Ok(schemactl_plan::render_sql(&schemactl_plan::plan(empty, catalog)?))
}

pub fn fingerprint(script: &str) -> String {
    schemactl_revision::sha256_hex(script.as_bytes())
}

/// The text of the state cache after revision `head`.
pub fn state_text(head: Option<&str>, script: &str) -> String {
    format!(
        "-- The schema after revision {}: a cache that spares `schemactl plan` replaying every revision.\n\
         -- Written by schemactl, sealed by the line above; `schemactl verify` checks it against a full replay.\n\n{script}",
        schemactl_sqltext::visible(head.unwrap_or("none"))
    )
}

/// A plan between two opened states, CHECK expressions reconciled on the desired side.
pub async fn plan_between(current: &Opened, desired: &Opened) -> Result<schemactl_plan::Plan> {
    plan_from(&current.catalog, desired).await
}

/// The plan from a catalog (read after running something) to an opened desired state.
pub async fn plan_from(current: &Catalog, desired: &Opened) -> Result<schemactl_plan::Plan> {
    plan_from_with(current, desired, &schemactl_plan::PlanOptions::default()).await
}

/// [`plan_from`] with the project's choices (online or not, the timeouts the script sets).
pub async fn plan_from_with(
    current: &Catalog,
    desired: &Opened,
    options: &schemactl_plan::PlanOptions,
) -> Result<schemactl_plan::Plan> {
    let mut wanted = desired.catalog.clone();
    schemactl_introspect::reconcile_checks(current, &mut wanted, &desired.client).await;
    schemactl_plan::plan_with(current, &wanted, options).map_err(Error::from)
}

/// The options `plan` writes revisions with: the project's `online` (unless `offline`) and
/// its `[timeouts]`, set at the top of every planned script.
pub fn plan_options(settings: &schemactl_config::Settings, offline: bool) -> schemactl_plan::PlanOptions {
    schemactl_plan::PlanOptions { online: settings.online && !offline, timeouts: Some(settings.timeouts) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_is_what_schema_declares_out_of_scope() {
        let sql = "CREATE SCHEMA legacy;
            CREATE TABLE legacy.accounts (id int);
            ALTER TABLE legacy.accounts ADD PRIMARY KEY (id);
            COMMENT ON COLUMN legacy.accounts.id IS 'theirs';
            CREATE SCHEMA app;
            CREATE TABLE app.orders (id int PRIMARY KEY, account_id int REFERENCES legacy.accounts (id));
            CREATE TABLE app.tmp_cache (k text);
            CREATE INDEX tmp_cache_k ON app.tmp_cache (k);
            CREATE VIEW app.names AS SELECT name FROM legacy.accounts;
            GRANT SELECT ON legacy.accounts, app.orders TO PUBLIC;
            CREATE EXTENSION citext;";
        let statements = schemactl_source::parse_source(Path::new("schema.sql"), sql).unwrap();
        let scope = schemactl_model::ScopeConfig {
            exclude: vec!["schema:legacy".into(), "app.tmp_*".into(), "extension:citext".into()],
            ..Default::default()
        }
        .compile()
        .unwrap();
        let prelude: Vec<String> = out_of_scope_prelude(&statements, &scope)
            .into_iter()
            .map(|s| s.sql.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            prelude,
            [
                "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.accounts",
                "ALTER TABLE legacy.accounts",
                "COMMENT ON COLUMN",
                "CREATE TABLE app.tmp_cache",
                "CREATE INDEX tmp_cache_k",
                "CREATE EXTENSION citext"
            ]
        );
    }
}
