//! Some expressions do not survive PostgreSQL's own deparse and re-parse unchanged: a CHECK
//! written `status IN ('a', 'b')` on a varchar column is stored as `ANY (ARRAY[...]::text[])`,
//! and adding that printed form back stores `ANY (ARRAY[...::text, ...])`. A differ that
//! compares text would then plan the same constraint forever. Before comparing, each desired
//! CHECK that differs from the current one is re-parsed once by the desired side's server: if
//! the result is what the current database holds, the two are the same constraint.

use schemactl_model::{Catalog, ConstraintKind, QualName};
use tokio_postgres::Client;

/// Replaces desired CHECK definitions by the current ones where they are equal modulo one
/// deparse/re-parse round trip. Runs in a transaction that is always rolled back.
pub async fn reconcile_checks(current: &Catalog, desired: &mut Catalog, desired_client: &Client) {
    let mut candidates = Vec::new();
    for (table_name, table) in &desired.tables {
        let Some(before) = current.tables.get(table_name) else {
            continue;
        };
        for (name, c) in &table.constraints {
            let Some(old) = before.constraints.get(name) else {
                continue;
            };
            if c.kind == ConstraintKind::Check && old.kind == ConstraintKind::Check && c.definition != old.definition {
                candidates.push((table_name.clone(), name.clone(), c.definition.clone(), old.definition.clone()));
            }
        }
    }
    for (table, name, desired_def, current_def) in candidates {
        if round_trip(desired_client, &table, &desired_def).await.as_deref() == Some(current_def.as_str()) {
            if let Some(c) = desired.tables.get_mut(&table).and_then(|t| t.constraints.get_mut(&name)) {
                c.definition = current_def;
            }
        }
    }
}

async fn round_trip(client: &Client, table: &QualName, definition: &str) -> Option<String> {
    let setup = format!(
        "BEGIN; SET LOCAL search_path = pg_catalog; \
         CREATE TEMP TABLE schemactl_round_trip (LIKE {}); \
         ALTER TABLE schemactl_round_trip ADD CONSTRAINT schemactl_round_trip_check {definition} NOT VALID",
        schemactl_sqltext::qualified(table)
    );
    let result = match client.batch_execute(&setup).await {
        Ok(()) => client
            .query_opt(
                // Only the check: from 18 on, LIKE copies the NOT NULL constraints too.
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE conrelid = 'pg_temp.schemactl_round_trip'::regclass \
                 AND conname = 'schemactl_round_trip_check'",
                &[],
            )
            .await
            .ok()
            .flatten()
            .map(|row| row.get::<_, String>(0)),
        Err(_) => None,
    };
    let _ = client.batch_execute("ROLLBACK").await;
    result.map(|d| d.strip_suffix(" NOT VALID").map(str::to_string).unwrap_or(d))
}
