//! How big the tables a plan touches are, on a live database: one query for all of them.

use crate::{Error, Result};
use schemactl_model::{QualName, RelationSize};
use std::collections::BTreeMap;
use tokio_postgres::Client;

/// Rows: the planner's estimate (`reltuples`, -1 before the first ANALYZE since PostgreSQL 14),
/// else the live rows the statistics collector counted. Bytes: table, indexes and TOAST. A
/// partitioned table is the sum of its leaf partitions (it holds nothing itself).
const SIZES: &str = "
SELECT n.nspname, c.relname,
       coalesce(sum(CASE WHEN l.reltuples >= 0 THEN l.reltuples::int8 ELSE coalesce(s.n_live_tup, 0) END), 0)::int8,
       coalesce(sum(pg_total_relation_size(l.oid)), 0)::int8
FROM unnest($1::text[], $2::text[]) AS w(schema_name, rel_name)
JOIN pg_namespace n ON n.nspname = w.schema_name
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.rel_name AND c.relkind IN ('r', 'p', 'm')
JOIN LATERAL (
    SELECT t.relid FROM pg_partition_tree(c.oid) t WHERE c.relkind = 'p' AND t.isleaf
    UNION ALL SELECT c.oid WHERE c.relkind <> 'p'
) leaf ON true
JOIN pg_class l ON l.oid = leaf.relid AND l.relkind IN ('r', 'm')
LEFT JOIN pg_stat_user_tables s ON s.relid = l.oid
GROUP BY n.nspname, c.relname";

/// The sizes of `tables` that exist on `client`'s database (others are left out).
pub async fn relation_sizes(client: &Client, tables: &[QualName]) -> Result<BTreeMap<QualName, RelationSize>> {
    if tables.is_empty() {
        return Ok(BTreeMap::new());
    }
    // Each table once: the query sums over what it is given.
    let tables: std::collections::BTreeSet<&QualName> = tables.iter().collect();
    let schemas: Vec<&str> = tables.iter().map(|t| t.schema.as_str()).collect();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let rows = client.query(SIZES, &[&schemas, &names]).await.map_err(|source| Error::Query {
        what: "table sizes",
        server: "the server".to_string(),
        source,
    })?;
    Ok(rows
        .iter()
        .map(|r| {
            let (rows, bytes): (i64, i64) = (r.get(2), r.get(3));
            let size = RelationSize { rows: rows.max(0) as u64, bytes: bytes.max(0) as u64 };
            (QualName::new(r.get::<_, String>(0), r.get::<_, String>(1)), size)
        })
        .collect())
}
