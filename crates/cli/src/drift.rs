//! Which objects a plan changes, fingerprinted on the state it was planned against, for the
//! revision's `-- expects:` lines (checked by `apply` before it runs the revision).

use crate::error::{CliError, CliResult};
use schemactl_model::{ObjKey, ObjectKind};
use schemactl_plan::Plan;
use schemactl_revision::Expectation;
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
        ObjKey::Extension { .. } | ObjKey::DefaultPrivileges { .. } => None,
    }
}

/// Fingerprints, on `client` (the state the plan starts from), of every object the plan changes.
pub async fn expectations(client: &Client, plan: &Plan) -> CliResult<Vec<Expectation>> {
    let objects: Vec<(String, String, String)> =
        plan.steps.iter().filter_map(|s| target(&s.object)).collect::<BTreeSet<_>>().into_iter().collect();
    let found = schemactl_apply::fingerprints(client, &objects).await.map_err(|e| CliError::Database {
        context: "fingerprinting the planned objects".into(),
        message: e.to_string(),
    })?;
    Ok(objects
        .into_iter()
        .zip(found)
        .map(|((kind, schema, name), fingerprint)| Expectation { kind, schema, name, fingerprint })
        .collect())
}
