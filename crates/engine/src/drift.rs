//! Drift, both ways: the fingerprints a revision records of what it changes (its `-- expects:`
//! lines, checked by `apply` before it runs), and the plan that would bring a live database
//! back to what its applied revisions produce (`status`).

use crate::error::{Error, Result};
use crate::source::Source;
use crate::{states, Engine};
use schemactl_model::{ObjKey, ObjectKind};
use schemactl_plan::Plan;
use schemactl_revision::{Expectation, Revisions};
use std::collections::BTreeSet;
use tokio_postgres::Client;

/// The fingerprint query's `(kind, schema, name)` for the object a step changes; `None` for
/// what it does not cover (extensions, default privileges, publications...).
fn target(key: &ObjKey) -> Option<(String, String, String)> {
    let relation = |schema: &str, name: &str| Some(("relation".into(), schema.to_string(), name.to_string()));
    match key {
        ObjKey::Schema { name } => Some(("schema".into(), String::new(), name.clone())),
        ObjKey::Type { name } => Some(("type".into(), name.schema.clone(), name.name.clone())),
        ObjKey::Sequence { name } | ObjKey::Table { name } | ObjKey::Index { name } => {
            relation(&name.schema, &name.name)
        }
        ObjKey::Column { table, .. } | ObjKey::Constraint { table, .. } => relation(&table.schema, &table.name),
        ObjKey::Object { id } => match (&id.table, id.kind) {
            (Some(table), _) => relation(&table.schema, &table.name),
            (
                None,
                ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::ForeignTable | ObjectKind::ViewIndex,
            ) => relation(&id.schema, &id.name),
            (None, ObjectKind::Function | ObjectKind::Procedure) => {
                Some(("function".into(), id.schema.clone(), id.name.clone()))
            }
            (None, ObjectKind::Domain | ObjectKind::CompositeType | ObjectKind::RangeType) => {
                Some(("type".into(), id.schema.clone(), id.name.clone()))
            }
            _ => None,
        },
        ObjKey::Extension { .. } | ObjKey::DefaultPrivileges { .. } | ObjKey::Role { .. } => None,
    }
}

/// Fingerprints, on `client` (the state the plan starts from), of every object the plan changes.
/// True when `status`'s drift is an existing database that was never adopted: no revision in
/// its history, and all the drift would do is drop what the database has. Such a database is
/// adopted (dump, baseline, stamp), not restored.
pub fn unadopted(state: &schemactl_apply::State, drift: &Plan) -> bool {
    state.history.is_empty()
        && !drift.steps.is_empty()
        && drift.steps.iter().all(|s| s.action == schemactl_plan::Action::Drop)
}

pub async fn expectations(client: &Client, plan: &Plan) -> Result<Vec<Expectation>> {
    let objects: Vec<(String, String, String)> =
        plan.steps.iter().filter_map(|s| target(&s.object)).collect::<BTreeSet<_>>().into_iter().collect();
    let found = schemactl_apply::fingerprints(client, &objects).await.map_err(|e| Error::Database {
        context: "fingerprinting the planned objects".into(),
        message: e.to_string(),
    })?;
    Ok(objects
        .into_iter()
        .zip(found)
        .map(|((kind, schema, name), fingerprint)| Expectation { kind, schema, name, fingerprint })
        .collect())
}

impl Engine {
    /// The plan from the live schema at `url` to the state the first `applied` revisions
    /// produce, replayed after `prelude` (what schema/ declares out of scope: the revisions may
    /// use it) in a shadow database. Empty when nothing drifted.
    pub async fn drift(
        &self,
        revisions: &Revisions,
        applied: usize,
        prelude: &[schemactl_source::Statement],
        url: &schemactl_connect::DbUrl,
        dev_url: Option<&str>,
    ) -> Result<Plan> {
        let expected = if applied == revisions.list.len() {
            states::revisions_source(revisions, prelude)?.0
        } else {
            states::replay(prelude, states::replay_statements(&revisions.list[..applied], &revisions.dir)?)
        };
        let live = Source::Database(Box::new(url.clone()));
        // The expected state is read in a shadow of the live database's major.
        let major = crate::server_major(url).await?;
        let shadow = self.start_shadow(dev_url, Some(major)).await?;
        let result = async {
            let live = self.open(&live, None).await?;
            let opened = self.open_all(&shadow, &[&expected]).await?;
            let plan = states::plan_between(&live, &opened[0]).await;
            crate::close_all(&shadow, opened).await;
            plan
        }
        .await;
        let _ = shadow.close().await;
        result
    }
}
