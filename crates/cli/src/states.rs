//! Schema states in shadow databases: the empty database, the state the revisions produce
//! (from the sealed cache or by replaying them), and `schema/`. Plans, fingerprints and the
//! state cache are all computed from these.

use crate::error::{CliError, CliResult};
use crate::sources::{open, Opened, Source};
use schemactl_model::Catalog;
use schemactl_revision::{Revision, Revisions};
use schemactl_shadow::Shadow;
use schemactl_source::Statement;
use std::path::Path;

/// Every up statement of `revisions`, in order, positions in their files.
pub fn replay_statements(revisions: &[Revision], dir: &Path) -> CliResult<Vec<Statement>> {
    let mut out = Vec::new();
    for r in revisions {
        for segment in r.up_segments(dir)? {
            out.extend(segment.statements);
        }
    }
    Ok(out)
}

/// Where the state after the last revision comes from: the sealed cache when it is intact,
/// else a replay of every revision. The flag says whether it is the cache.
pub fn revisions_source(revisions: &Revisions) -> CliResult<(Source, bool)> {
    if let Some(text) = revisions.state_cache() {
        let path = revisions.dir.join(schemactl_revision::seal::STATE_FILE);
        let statements = schemactl_source::split_script(&path, &text)?;
        return Ok((Source::Script { statements }, true));
    }
    let statements = replay_statements(&revisions.list, &revisions.dir)?;
    Ok((Source::Script { statements }, false))
}

/// Opens every source in its own shadow database, concurrently. On any failure the others
/// are dropped again and the first error returned.
pub async fn open_all(shadow: &Shadow, sources: &[&Source]) -> CliResult<Vec<Opened>> {
    let results = futures_util::future::join_all(sources.iter().map(|s| open(s, Some(shadow)))).await;
    let mut opened = Vec::new();
    let mut first_error = None;
    for r in results {
        match r {
            Ok(o) => opened.push(o),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    if let Some(e) = first_error {
        close_all(shadow, opened).await;
        return Err(e);
    }
    Ok(opened)
}

/// Drops the shadow databases behind `opened` (errors are not worth failing a command for:
/// the shadow itself is removed at exit).
pub async fn close_all(shadow: &Shadow, opened: Vec<Opened>) {
    for o in opened {
        if let Some(db) = o.shadow_db {
            drop(o.client);
            let _ = shadow.drop_database(&db).await;
        }
    }
}

/// The script that creates `catalog` in an empty database: the state cache's content, and
/// (hashed) the schema's fingerprint.
pub fn creation_script(empty: &Catalog, catalog: &Catalog) -> CliResult<String> {
    Ok(schemactl_plan::render_sql(&schemactl_plan::plan(empty, catalog)?))
}

pub fn fingerprint(script: &str) -> String {
    schemactl_revision::sha256_hex(script.as_bytes())
}

/// The text of the state cache after revision `head`.
pub fn state_text(head: Option<&str>, script: &str) -> String {
    format!(
        "-- The schema after revision {}: a cache that spares `schemactl plan` replaying every revision.\n\
         -- Written by schemactl and sealed in schemactl.sum; `schemactl verify` checks it against a full replay.\n\n{script}",
        schemactl_sqltext::visible(head.unwrap_or("none"))
    )
}

/// A plan between two opened states, CHECK expressions reconciled on the desired side.
pub async fn plan_between(current: &Opened, desired: &Opened) -> CliResult<schemactl_plan::Plan> {
    plan_from(&current.catalog, desired).await
}

/// The plan from a catalog (read after running something) to an opened desired state.
pub async fn plan_from(current: &Catalog, desired: &Opened) -> CliResult<schemactl_plan::Plan> {
    plan_from_with(current, desired, &schemactl_plan::PlanOptions::default()).await
}

/// [`plan_from`] with the project's choices (online or not, the timeouts the script sets).
pub async fn plan_from_with(
    current: &Catalog,
    desired: &Opened,
    options: &schemactl_plan::PlanOptions,
) -> CliResult<schemactl_plan::Plan> {
    let mut wanted = desired.catalog.clone();
    schemactl_introspect::reconcile_checks(current, &mut wanted, &desired.client).await;
    schemactl_plan::plan_with(current, &wanted, options).map_err(CliError::from)
}

/// The options `plan` writes revisions with: the project's `online` (unless `offline`) and
/// its `[timeouts]`, set at the top of every planned script.
pub fn plan_options(settings: &schemactl_config::Settings, offline: bool) -> schemactl_plan::PlanOptions {
    schemactl_plan::PlanOptions { online: settings.online && !offline, timeouts: Some(settings.timeouts) }
}

/// Starts the shadow `--dev-url` names, or an embedded one.
pub async fn start_shadow(dev_url: Option<&str>) -> CliResult<Shadow> {
    let dev = dev_url.map(schemactl_connect::DbUrl::parse).transpose()?;
    Ok(Shadow::start(dev.as_ref(), None).await?)
}
