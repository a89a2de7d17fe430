//! Hazards priced for the database at hand: the tables they touch, with rows, bytes and a
//! rough duration, read from the live catalog in one query.

use crate::{Engine, Level};
use schemactl_model::QualName;
use schemactl_plan::Plan;
use std::collections::BTreeSet;
use tokio_postgres::Client;

/// The relation a step's statement changes (`ALTER TABLE t`, `CREATE INDEX ... ON t`), as
/// PostgreSQL's parser reads it: the plan qualifies every name it writes.
fn touched_table(sql: &str) -> Option<QualName> {
    schemactl_source::subjects(sql)
        .into_iter()
        .find(|s| matches!(s.kind, "relation" | "table" | "materialized_view") && !s.creates)
        .map(|s| QualName::new(s.schema.unwrap_or_else(|| "public".into()), s.name))
}

impl Engine {
    /// Prices each hazard whose cost grows with a table (rewrites, exclusive locks, scans,
    /// index builds) with that table's size on `client`'s database. A failure to read sizes is
    /// a warning: the plan stands without them.
    pub async fn price_hazards(&self, client: &Client, plan: &mut Plan) {
        let wanted: BTreeSet<QualName> = plan
            .steps
            .iter()
            .filter(|s| s.hazards.iter().any(|h| h.grows_with_table()))
            .filter_map(|s| touched_table(&s.sql))
            .collect();
        let wanted: Vec<QualName> = wanted.into_iter().collect();
        let sizes = match schemactl_introspect::relation_sizes(client, &wanted).await {
            Ok(sizes) => sizes,
            Err(e) => {
                self.note(Level::Warning, None, format!("hazards are not priced by table size: {e}"));
                return;
            }
        };
        for step in &mut plan.steps {
            let Some(table) = touched_table(&step.sql) else { continue };
            let Some(size) = sizes.get(&table) else { continue };
            for hazard in step.hazards.iter_mut().filter(|h| h.grows_with_table()) {
                hazard.priced(&table, *size);
            }
        }
    }
}
