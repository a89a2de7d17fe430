//! The dependency graph between managed objects, read from `pg_depend` in two queries: the
//! edges as catalog addresses ([`EDGES`]), and a name for every catalog row that takes part
//! (relation, column, default, constraint, index, type, routine, trigger, policy, view rule,
//! ...), the way the model names it ([`NAMES`]). The client pairs them ([`edges`]): joined on
//! the server, the two sorts of 37,000 wide name rows and the DISTINCT over the pairs were
//! two thirds of the query at 5000 tables.

use schemactl_model::{ObjKey, ObjectId, ObjectKind, QualName};
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::Row;

/// The `pg_depend` rows that matter, as a CTE `d` (both queries start from it).
macro_rules! depend_rows {
    () => {
        concat!(
            r#"
-- Only edges the table differ does not already know: anything involving a definition object
-- (view rule, routine, trigger, policy, type, ...) and defaults. Constraints and indexes on
-- their own columns, and membership in a schema, are left out; so are system objects
-- (oid below FirstNormalObjectId), which keeps this query cheap on large schemas.
WITH d AS MATERIALIZED (
  SELECT * FROM pg_depend
  WHERE objid >= 16384 AND refobjid >= 16384
    -- Internal links (array and row types, constraint indexes and triggers) and a default's
    -- automatic link to its own column say nothing the model does not already hold.
    AND (deptype = 'n' OR (deptype = 'a' AND classid <> 'pg_attrdef'::regclass))
    -- (a publication of a whole schema needs that schema)
    AND (refclassid <> 'pg_namespace'::regclass OR classid = "#,
            since!(150000, "'pg_publication_namespace'::regclass", "0"),
            r#")
    AND (classid NOT IN ('pg_class'::regclass, 'pg_constraint'::regclass)
         OR refclassid <> 'pg_class'::regclass OR classid = 'pg_attrdef'::regclass
         -- except an index on a materialized view: it is recreated with the view
         OR objid IN (SELECT x.indexrelid FROM pg_index x JOIN pg_class m ON m.oid = x.indrelid
                      WHERE m.relkind = 'm'))
)
"#
        )
    };
}

/// The edges, as (classid, objid, objsubid) of the dependent object and of what it needs.
/// An object an extension created is the extension's business.
pub const EDGES: &str = concat!(
    depend_rows!(),
    "SELECT d.classid::oid, d.objid, d.objsubid, d.refclassid::oid, d.refobjid, d.refobjsubid FROM d ",
    "WHERE NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = d.classid AND x.objid = d.objid AND x.deptype = 'e')",
);

/// A name for every catalog row an edge can reach (`wanted`), but `other` ones. Objects left
/// out of scope are not named, so no edge reaches them: the planner never drops or recreates
/// them (a change PostgreSQL refuses because of one fails instead).
pub const NAMES: &str = concat!(
    depend_rows!(),
    r#", wanted AS MATERIALIZED (
  SELECT objid AS oid FROM d UNION SELECT refobjid FROM d
), wanted_columns AS MATERIALIZED (
  SELECT objid AS oid, objsubid AS attnum FROM d WHERE classid = 'pg_class'::regclass AND objsubid > 0
  UNION SELECT refobjid, refobjsubid FROM d WHERE refclassid = 'pg_class'::regclass AND refobjsubid > 0
), ns AS (
  SELECT n.oid, n.nspname FROM pg_namespace n WHERE "#,
    user_schema!("n"),
    r#"
), rel AS (
  SELECT c.oid, c.relkind, n.nspname, c.relname FROM pg_class c JOIN ns n ON n.oid = c.relnamespace WHERE "#,
    rel_in!("c", "n"),
    r#"
), names (classid, objid, objsubid, k, s, nm, sub, ts, tn) AS (
  SELECT 'pg_class'::regclass, oid, 0, CASE relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table'
      WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index'
      WHEN 'I' THEN 'index' WHEN 'c' THEN 'type' WHEN 'f' THEN 'foreigntable' ELSE 'other' END,
    nspname, relname, NULL::text, NULL::name, NULL::name FROM rel
    WHERE rel.oid IN (SELECT oid FROM wanted) AND NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class m ON m.oid = x.indrelid
                      WHERE x.indexrelid = rel.oid AND m.relkind = 'm')
  UNION ALL
  SELECT 'pg_class'::regclass, i.oid, 0, 'viewindex', r.nspname, i.relname, NULL, r.nspname, r.relname
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN rel r ON r.oid = x.indrelid
    WHERE r.relkind = 'm'
  UNION ALL
  SELECT 'pg_class'::regclass, a.attrelid, a.attnum, 'column', r.nspname, r.relname, a.attname::text, NULL, NULL
    FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid
    WHERE r.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      AND (a.attrelid, a.attnum) IN (SELECT oid, attnum FROM wanted_columns)
  UNION ALL
  -- a foreign table's columns (their types) stand for the foreign table
  SELECT 'pg_class'::regclass, a.attrelid, a.attnum, 'foreigntable', r.nspname, r.relname, NULL, NULL, NULL
    FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid
    WHERE r.relkind = 'f' AND a.attnum > 0 AND NOT a.attisdropped
      AND (a.attrelid, a.attnum) IN (SELECT oid, attnum FROM wanted_columns)
  UNION ALL
  SELECT 'pg_attrdef'::regclass, d.oid, 0, CASE r.relkind WHEN 'f' THEN 'foreigntable' ELSE 'column' END,
      r.nspname, r.relname, a.attname::text, NULL, NULL
    FROM pg_attrdef d JOIN rel r ON r.oid = d.adrelid AND d.oid IN (SELECT oid FROM wanted)
    JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  UNION ALL
  SELECT 'pg_constraint'::regclass, k.oid, 0, 'constraint', r.nspname, r.relname, k.conname::text, NULL, NULL
    FROM pg_constraint k JOIN rel r ON r.oid = k.conrelid AND k.oid IN (SELECT oid FROM wanted)
  UNION ALL
  SELECT 'pg_constraint'::regclass, k.oid, 0, 'type', n.nspname, t.typname, NULL, NULL, NULL
    FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid JOIN ns n ON n.oid = t.typnamespace
  UNION ALL
  SELECT 'pg_rewrite'::regclass, w.oid, 0, CASE r.relkind WHEN 'm' THEN 'matview' WHEN 'v' THEN 'view' ELSE 'other' END,
      r.nspname, r.relname, NULL, NULL, NULL
    FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename = '_RETURN'
  UNION ALL
  SELECT 'pg_rewrite'::regclass, w.oid, 0, 'rule', r.nspname, w.rulename, NULL, r.nspname, r.relname
    FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename <> '_RETURN'
  UNION ALL
  SELECT 'pg_statistic_ext'::regclass, s.oid, 0, 'statistics', n.nspname, s.stxname, NULL, r.nspname, r.relname
    FROM pg_statistic_ext s JOIN ns n ON n.oid = s.stxnamespace JOIN rel r ON r.oid = s.stxrelid
  UNION ALL
  SELECT 'pg_event_trigger'::regclass, e.oid, 0, 'eventtrigger', '', e.evtname, NULL, NULL, NULL FROM pg_event_trigger e
  UNION ALL
  SELECT 'pg_publication'::regclass, p.oid, 0, 'publication', '', p.pubname, NULL, NULL, NULL FROM pg_publication p
  UNION ALL
  -- a publication's members are rows of their own: they stand for the publication
  SELECT 'pg_publication_rel'::regclass, pr.oid, 0, 'publication', '', p.pubname, NULL, NULL, NULL
    FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
"#,
    since!(
        150000,
        r#"
  UNION ALL
  SELECT 'pg_publication_namespace'::regclass, pn.oid, 0, 'publication', '', p.pubname, NULL, NULL, NULL
    FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid
"#,
        ""
    ),
    r#"
  UNION ALL
  -- a wrapper an extension created (file_fdw, postgres_fdw) stands for the extension
  SELECT 'pg_foreign_data_wrapper'::regclass, w.oid, 0, CASE WHEN x.extname IS NULL THEN 'fdw' ELSE 'extension' END,
      '', COALESCE(x.extname, w.fdwname), NULL, NULL, NULL
    FROM pg_foreign_data_wrapper w
    LEFT JOIN pg_depend xd ON xd.classid = 'pg_foreign_data_wrapper'::regclass AND xd.objid = w.oid AND xd.deptype = 'e'
    LEFT JOIN pg_extension x ON x.oid = xd.refobjid
  UNION ALL
  SELECT 'pg_foreign_server'::regclass, s.oid, 0, 'server', '', s.srvname, NULL, NULL, NULL FROM pg_foreign_server s
  UNION ALL
  SELECT 'pg_type'::regclass, t.oid, 0,
      CASE WHEN tr.relkind IN ('r', 'p') THEN 'table' WHEN tr.relkind = 'v' THEN 'view'
           WHEN tr.relkind = 'm' THEN 'matview' WHEN tr.relkind = 'f' THEN 'foreigntable' ELSE 'type' END,
      n.nspname, COALESCE(tr.relname, e.typname), NULL, NULL, NULL
    FROM pg_type t
    -- an array stands for its element type, a multirange for its range type
    JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem
      WHEN t.typtype = 'm' THEN (SELECT rngtypid FROM pg_range WHERE rngmultitypid = t.oid) ELSE t.oid END
    JOIN ns n ON n.oid = e.typnamespace
    LEFT JOIN pg_class tr ON tr.oid = e.typrelid AND tr.relkind <> 'c'
  UNION ALL
  SELECT 'pg_proc'::regclass, p.oid, 0, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
      n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL, NULL
    FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
  UNION ALL
  SELECT 'pg_trigger'::regclass, t.oid, 0, 'trigger', r.nspname, t.tgname, NULL, r.nspname, r.relname
    FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'pg_policy'::regclass, p.oid, 0, 'policy', r.nspname, p.polname, NULL, r.nspname, r.relname
    FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
  UNION ALL
  SELECT 'pg_extension'::regclass, e.oid, 0, 'extension', '', e.extname, NULL, NULL, NULL FROM pg_extension e
  UNION ALL
  SELECT 'pg_namespace'::regclass, oid, 0, 'schema', '', nspname, NULL, NULL, NULL FROM ns
  UNION ALL
  SELECT 'pg_collation'::regclass, c.oid, 0, 'collation', n.nspname, c.collname, NULL, NULL, NULL
    FROM pg_collation c JOIN ns n ON n.oid = c.collnamespace
)
SELECT classid::oid, objid, objsubid, k, s, nm, sub, ts, tn FROM names WHERE k <> 'other'
"#
);

/// A name (columns `at..at+6`: kind, schema, name, column or constraint, table schema, table
/// name) as the model's key.
fn key(r: &Row, at: usize) -> Option<ObjKey> {
    let k: String = r.get(at);
    let schema: String = r.get(at + 1);
    let name: String = r.get(at + 2);
    let sub: Option<String> = r.get(at + 3);
    let table = || {
        let ts: Option<String> = r.get(at + 4);
        let tn: Option<String> = r.get(at + 5);
        ts.zip(tn).map(|(s, n)| QualName::new(s, n))
    };
    let qual = || QualName::new(schema.clone(), name.clone());
    let object =
        |kind| ObjKey::Object { id: ObjectId { kind, schema: schema.clone(), name: name.clone(), table: table() } };
    Some(match k.as_str() {
        "table" => ObjKey::Table { name: qual() },
        "column" => ObjKey::Column { table: qual(), column: sub? },
        "constraint" => ObjKey::Constraint { table: qual(), name: sub? },
        "index" => ObjKey::Index { name: qual() },
        "sequence" => ObjKey::Sequence { name: qual() },
        "type" => ObjKey::Type { name: qual() },
        "extension" => ObjKey::Extension { name },
        "schema" => ObjKey::Schema { name },
        "view" => object(ObjectKind::View),
        "matview" => object(ObjectKind::MaterializedView),
        "viewindex" => object(ObjectKind::ViewIndex),
        "function" => object(ObjectKind::Function),
        "procedure" => object(ObjectKind::Procedure),
        "aggregate" => object(ObjectKind::Aggregate),
        "trigger" => object(ObjectKind::Trigger),
        "policy" => object(ObjectKind::Policy),
        "collation" => object(ObjectKind::Collation),
        "rule" => object(ObjectKind::Rule),
        "statistics" => object(ObjectKind::Statistics),
        "eventtrigger" => object(ObjectKind::EventTrigger),
        "publication" => object(ObjectKind::Publication),
        "fdw" => object(ObjectKind::ForeignDataWrapper),
        "server" => object(ObjectKind::ForeignServer),
        "foreigntable" => object(ObjectKind::ForeignTable),
        _ => return None,
    })
}

/// A catalog address: (classid, objid, objsubid).
type Address = (u32, u32, i32);

/// A row of [`EDGES`].
pub fn address_pair(r: &Row) -> (Address, Address) {
    ((r.get(0), r.get(1), r.get(2)), (r.get(3), r.get(4), r.get(5)))
}

/// A row of [`NAMES`]: its address and the model's key (`None` for kinds the model has not).
pub fn named(r: &Row) -> (Address, Option<ObjKey>) {
    ((r.get(0), r.get(1), r.get(2)), key(r, 3))
}

/// The edges between named objects. The dependent object is named by its exact address; what
/// it needs by the column named when it is a table's column, else by the object itself (a
/// view's or foreign table's column stands for the view or foreign table).
pub fn edges(pairs: Vec<(Address, Address)>, names: Vec<(Address, Option<ObjKey>)>) -> BTreeSet<(ObjKey, ObjKey)> {
    let names: BTreeMap<Address, ObjKey> = names.into_iter().filter_map(|(at, key)| Some((at, key?))).collect();
    let mut out = BTreeSet::new();
    for (from, (class, oid, sub)) in pairs {
        let Some(a) = names.get(&from) else { continue };
        let column = (sub != 0).then(|| names.get(&(class, oid, sub))).flatten();
        let b = match column {
            Some(b @ ObjKey::Column { .. }) => b,
            _ => match names.get(&(class, oid, 0)) {
                // A table's column that is not named is out of reach, not the table.
                Some(ObjKey::Table { .. }) if sub != 0 => continue,
                Some(b) => b,
                None => continue,
            },
        };
        // A sequence "depends" on the column that owns it (serial, identity), while the
        // column's default uses the sequence: ownership is its own step (OWNED BY), not an
        // ordering fact.
        let ownership =
            matches!(a, ObjKey::Sequence { .. }) && matches!(b, ObjKey::Table { .. } | ObjKey::Column { .. });
        if a != b && !ownership {
            out.insert((a.clone(), b.clone()));
        }
    }
    out
}
