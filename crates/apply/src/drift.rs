//! The drift guard. A planned revision records a fingerprint of every object it changes, taken
//! from the state it was planned against; before running it, `apply` takes the same
//! fingerprints on the live database and refuses when they differ (someone changed the object
//! by hand, or the database is not where the revisions say it is). Fingerprints come from one
//! catalog query, the same at plan and apply time, over definitions as PostgreSQL prints them.
//! Columns are compared by name, not position, so a table built by hand in another column order
//! still matches.

use schemactl_revision::{Expectation, Revision};
use tokio_postgres::Client;

use crate::error::{Error, Result};

/// Fingerprints of `(kind, schema, name)` objects, in input order; `absent` for objects that do
/// not exist. Kinds: `relation` (tables, views, sequences, indexes...), `type`, `function`
/// (name with its identity arguments, `f(integer)`), `schema` (schema empty, name = the schema).
pub const FINGERPRINT_QUERY: &str = r#"
WITH wanted AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(kind, schema, name, ord)
), rel AS (
  SELECT w.ord, c.oid, c.relkind FROM wanted w
  JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
  WHERE w.kind = 'relation'
), rel_text AS (
  SELECT r.ord, concat_ws(E'\n', r.relkind::text,
    (SELECT string_agg(concat_ws(' ', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                 a.attidentity, a.attgenerated, pg_catalog.pg_get_expr(d.adbin, d.adrelid),
                                 CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END),
                       E'\n' ORDER BY a.attname)
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(x.conname || ' ' || pg_catalog.pg_get_constraintdef(x.oid), E'\n' ORDER BY x.conname)
       FROM pg_catalog.pg_constraint x WHERE x.conrelid = r.oid),
    (SELECT string_agg(pg_catalog.pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END,
                       E'\n' ORDER BY 1)
       FROM pg_catalog.pg_index i WHERE i.indrelid = r.oid),
    CASE WHEN r.relkind = 'i' THEN pg_catalog.pg_get_indexdef(r.oid) END,
    CASE WHEN r.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(r.oid) END,
    (SELECT concat_ws(' ', s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
       FROM pg_catalog.pg_sequence s WHERE s.seqrelid = r.oid),
    (SELECT string_agg(g.tgname || ' ' || pg_catalog.pg_get_triggerdef(g.oid), E'\n' ORDER BY g.tgname)
       FROM pg_catalog.pg_trigger g WHERE g.tgrelid = r.oid AND NOT g.tgisinternal)) AS def
  FROM rel r
), type_text AS (
  SELECT w.ord, concat_ws(E'\n', t.typtype::text, pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull,
    (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
    (SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(x.conname || ' ' || pg_catalog.pg_get_constraintdef(x.oid), E'\n' ORDER BY x.conname)
       FROM pg_catalog.pg_constraint x WHERE x.contypid = t.oid),
    (SELECT r.rngsubtype::regtype::text FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid)) AS def
  FROM wanted w
  JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
  JOIN pg_catalog.pg_type t ON t.typnamespace = n.oid AND t.typname = w.name
  WHERE w.kind = 'type'
), function_text AS (
  SELECT w.ord, pg_catalog.pg_get_functiondef(p.oid) AS def
  FROM wanted w
  JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
  JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid
   AND p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' = w.name
  WHERE w.kind = 'function' AND p.prokind IN ('f', 'p')
), schema_text AS (
  SELECT w.ord, 'schema'::text AS def FROM wanted w JOIN pg_catalog.pg_namespace n ON n.nspname = w.name
  WHERE w.kind = 'schema'
), found AS (
  SELECT * FROM rel_text UNION ALL SELECT * FROM type_text
  UNION ALL SELECT * FROM function_text UNION ALL SELECT * FROM schema_text
)
SELECT w.ord, coalesce(md5(f.def), 'absent')
FROM wanted w LEFT JOIN found f ON f.ord = w.ord
ORDER BY w.ord
"#;

/// The parts of relations as the database has them now, one row each: `(ord, part, name,
/// definition)` for columns, constraints, indexes and triggers. The fingerprint is one hash, so
/// a drift report can only say what the database has; this names it part by part. One query for
/// all the drifted objects, as the fingerprints are.
pub const PARTS_QUERY: &str = r#"
WITH wanted AS (
  SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(schema, name, ord)
), rel AS (
  SELECT w.ord, c.oid FROM wanted w
  JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
)
SELECT r.ord, 1 AS part, a.attname::text,
       concat_ws(' ', pg_catalog.format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                 'DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid))
  FROM rel r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
UNION ALL
SELECT r.ord, 2, x.conname::text, pg_catalog.pg_get_constraintdef(x.oid)
  FROM rel r JOIN pg_catalog.pg_constraint x ON x.conrelid = r.oid
UNION ALL
SELECT r.ord, 3, i.indexrelid::regclass::text, CASE WHEN i.indisvalid THEN '' ELSE 'INVALID' END
  FROM rel r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
UNION ALL
SELECT r.ord, 4, g.tgname::text, ''
  FROM rel r JOIN pg_catalog.pg_trigger g ON g.tgrelid = r.oid AND NOT g.tgisinternal
ORDER BY 1, 2, 3
"#;

/// At most this many names per kind of part in a drift report: a wide table stays one line.
const PARTS_SHOWN: usize = 12;

/// What to fingerprint: `(kind, schema, name)`.
pub type ObjectRef = (String, String, String);

/// Fingerprints the objects on a database, in the order given.
pub async fn fingerprints(client: &Client, objects: &[ObjectRef]) -> Result<Vec<String>> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let kinds: Vec<&str> = objects.iter().map(|o| o.0.as_str()).collect();
    let schemas: Vec<&str> = objects.iter().map(|o| o.1.as_str()).collect();
    let names: Vec<&str> = objects.iter().map(|o| o.2.as_str()).collect();
    let rows = client.query(FINGERPRINT_QUERY, &[&kinds, &schemas, &names]).await.map_err(|e| {
        let context = "fingerprinting objects".into();
        // Reading a definition waits for a table another session locked: retried by apply.
        if crate::live::lock_not_granted(&e) {
            Error::LockNotGranted { context, message: crate::error::describe(&e) }
        } else {
            Error::Database { context, message: crate::error::describe(&e) }
        }
    })?;
    Ok(rows.iter().map(|r| r.get::<_, String>(1)).collect())
}

/// One object whose fingerprint on the live database differs from what a revision expects.
pub struct Difference {
    /// `relation public.t: planned against absent, the database has definition abab7efc`.
    pub text: String,
    /// The revision expected it absent and it is there (what an unadopted database looks like).
    pub already_there: bool,
}

/// The objects whose fingerprint on the live database differs from what `revision` expects,
/// each relation with its columns, constraints, indexes and triggers as the database has them.
pub async fn differences(client: &Client, revision: &Revision) -> Result<Vec<Difference>> {
    let objects: Vec<ObjectRef> =
        revision.expects.iter().map(|e| (e.kind.clone(), e.schema.clone(), e.name.clone())).collect();
    let found = fingerprints(client, &objects).await?;
    let drifted: Vec<(&Expectation, String)> =
        revision.expects.iter().zip(found).filter(|(e, f)| e.fingerprint != *f).collect();
    let relations: Vec<&Expectation> = drifted.iter().map(|(e, _)| *e).filter(|e| e.kind == "relation").collect();
    let parts = relation_parts(client, &relations).await?;
    Ok(drifted
        .iter()
        .map(|(e, f)| {
            let mut text = describe(e, f);
            let i = relations.iter().position(|r| std::ptr::eq(*r, *e));
            if let Some(summary) = i.and_then(|i| parts.get(i)).filter(|s| !s.is_empty()) {
                text.push_str(&format!("; it has now: {summary}"));
            }
            Difference { text, already_there: e.fingerprint == "absent" }
        })
        .collect())
}

/// Per relation (in the order given), its parts on the database as one line:
/// `columns id integer NOT NULL, name text; constraints t_pkey PRIMARY KEY (id); indexes ...`.
async fn relation_parts(client: &Client, relations: &[&Expectation]) -> Result<Vec<String>> {
    if relations.is_empty() {
        return Ok(Vec::new());
    }
    let schemas: Vec<&str> = relations.iter().map(|e| e.schema.as_str()).collect();
    let names: Vec<&str> = relations.iter().map(|e| e.name.as_str()).collect();
    let rows = client.query(PARTS_QUERY, &[&schemas, &names]).await.map_err(|e| Error::Database {
        context: "reading the drifted objects".into(),
        message: crate::error::describe(&e),
    })?;
    let mut parts: Vec<[Vec<String>; 4]> = vec![Default::default(); relations.len()];
    for row in &rows {
        let (ord, part, name, def): (i64, i32, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let Some(slot) = usize::try_from(ord - 1).ok().and_then(|i| parts.get_mut(i)) else { continue };
        let Some(list) = usize::try_from(part - 1).ok().and_then(|p| slot.get_mut(p)) else { continue };
        list.push(if def.is_empty() { name } else { format!("{name} {def}") });
    }
    let labels = ["columns", "constraints", "indexes", "triggers"];
    Ok(parts
        .into_iter()
        .map(|lists| {
            lists
                .iter()
                .zip(labels)
                .filter(|(list, _)| !list.is_empty())
                .map(|(list, label)| {
                    let mut shown = list.iter().take(PARTS_SHOWN).cloned().collect::<Vec<_>>().join(", ");
                    if list.len() > PARTS_SHOWN {
                        shown.push_str(&format!(" and {} more", list.len() - PARTS_SHOWN));
                    }
                    format!("{label} {shown}")
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect())
}

fn describe(e: &Expectation, found: &str) -> String {
    let state =
        |fp: &str| if fp == "absent" { "absent".to_string() } else { format!("definition {}", &fp[..fp.len().min(8)]) };
    format!(
        "{} {}: planned against {}, the database has {}",
        e.kind,
        e.display_name(),
        state(&e.fingerprint),
        state(found)
    )
}
