//! The catalog queries, one per kind of object. Each returns every object of its kind at once.

pub const SCHEMAS: &str = concat!(
    "SELECT n.nspname, (SELECT ds.description FROM pg_description ds WHERE ds.objoid = n.oid AND ds.classoid = 'pg_namespace'::regclass AND ds.objsubid = 0) FROM pg_namespace n WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_namespace", "n.oid"),
);

/// An extension belongs to the schema it is installed in; an include pattern naming it brings
/// it back from any schema.
pub const EXTENSIONS: &str = concat!(
    "SELECT e.extname, n.nspname, e.extversion, (SELECT ds.description FROM pg_description ds WHERE ds.objoid = e.oid AND ds.classoid = 'pg_extension'::regclass AND ds.objsubid = 0) ",
    "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE ",
    "(('extension' || chr(31) || chr(31) || e.extname) ~ current_setting('schemactl.scope_include') OR (",
    schema_in!("n"),
    " AND ",
    object_in!("'extension'", "''", "e.extname"),
    "))",
);

pub const ENUMS: &str = concat!(
    "SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder), ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0) ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "JOIN pg_enum e ON e.enumtypid = t.oid WHERE ",
    user_schema!("n"),
    " AND ",
    object_in!("'type'", "n.nspname", "t.typname"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
    " GROUP BY n.nspname, t.typname, t.oid",
);

/// Standalone and serial sequences; identity sequences (deptype 'i') belong to their column.
pub const SEQUENCES: &str = concat!(
    "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, ",
    "s.seqmin, s.seqmax, s.seqcache, s.seqcycle, own.nspname, own.relname, own.attname, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0) ",
    "FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "LEFT JOIN (SELECT d.objid, tn.nspname, tc.relname, a.attname FROM pg_depend d ",
    "  JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace ",
    "  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid ",
    "  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass ",
    "  AND d.deptype = 'a' AND d.refobjsubid > 0) own ON own.objid = c.oid ",
    "WHERE ",
    user_schema!("n"),
    " AND ",
    rel_in!("c", "n"),
    // A sequence owned by a column follows its table into or out of scope.
    " AND (own.relname IS NULL OR (",
    schema_in!("own"),
    " AND ",
    object_in!("'table'", "own.nspname", "own.relname"),
    ")) AND ",
    not_extension_member!("pg_class", "c.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass ",
    "AND i.objid = c.oid AND i.deptype = 'i')",
);

/// Ordinary and partitioned tables, partitions included.
macro_rules! managed_table {
    ($c:literal) => {
        concat!($c, ".relkind IN ('r', 'p')")
    };
}

/// [`managed_table`], in scope, for queries of what hangs on tables (columns, constraints,
/// indexes): the scope's regular expressions are matched once per table in a fenced
/// (`OFFSET 0`) semi-join. Written as a join filter, PostgreSQL matched them once per joined
/// row: 88,000 times for the columns of 5,000 tables, most of those queries' time.
macro_rules! managed_table_in {
    ($c:literal) => {
        concat!(
            $c,
            ".oid IN (SELECT tc.oid FROM pg_class tc JOIN pg_namespace tn ON tn.oid = tc.relnamespace WHERE ",
            managed_table!("tc"),
            " AND ",
            user_schema!("tn"),
            " AND ",
            rel_in!("tc", "tn"),
            " OFFSET 0)"
        )
    };
}

pub const TABLES: &str = concat!(
    "SELECT n.nspname, c.relname, c.relpersistence = 'u', (SELECT ds.description FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0), ",
    "c.relrowsecurity, c.relforcerowsecurity, pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid), ",
    // Parents in declaration order: the partition's one parent, or the INHERITS list.
    "ARRAY(SELECT pn.nspname::text FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent ",
    "  JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE h.inhrelid = c.oid ORDER BY h.inhseqno), ",
    "ARRAY(SELECT p.relname::text FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent ",
    "  WHERE h.inhrelid = c.oid ORDER BY h.inhseqno), c.oid ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ",
    managed_table!("c"),
    " AND ",
    user_schema!("n"),
    " AND ",
    rel_in!("c", "n"),
    " AND ",
    not_extension_member!("pg_class", "c.oid"),
);

/// Every column of the managed tables, by table OID (TABLES names them) and with the key of
/// its type (COLUMN_TYPES prints it). Narrow on purpose: with each column's table, schema,
/// type and collation names joined in, the rows were wide enough that the joins, not the
/// catalogs, were most of the query.
pub const COLUMNS: &str = concat!(
    "SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attcollation, a.attnotnull, ",
    // A default has no column references, so it is printed without the table as context:
    // with it, PostgreSQL opens every table with a default (a relation cache entry built
    // per table, about 100 us each). Generated columns refer to columns and need it.
    "pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END), ",
    "a.attidentity::text, a.attgenerated::text, ",
    "ids.seqtype, ids.seqstart, ids.seqincrement, ids.seqmin, ids.seqmax, ids.seqcache, ids.seqcycle, ",
    "dseq.schemas, dseq.names, ids.seqschema, ids.seqname, ",
    "a.attislocal AND NOT c.relispartition, a.attinhcount > 0, a.attnum, ",
    // PostgreSQL 18's NOT NULL constraints: name, NOT VALID, NO INHERIT.
    since!(
        180000,
        "nn.conname::text, COALESCE(NOT nn.convalidated, false), COALESCE(nn.connoinherit, false) ",
        "NULL::text, false, false "
    ),
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid ",
    "LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum ",
    "LEFT JOIN (SELECT d.refobjid, d.refobjsubid, format_type(s.seqtypid, NULL) AS seqtype, s.seqstart, ",
    "  sqn.nspname AS seqschema, sqc.relname AS seqname, ",
    "  s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle FROM pg_depend d ",
    "  JOIN pg_sequence s ON s.seqrelid = d.objid JOIN pg_class sqc ON sqc.oid = s.seqrelid ",
    "  JOIN pg_namespace sqn ON sqn.oid = sqc.relnamespace ",
    "  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i') ids ",
    "  ON ids.refobjid = a.attrelid AND ids.refobjsubid = a.attnum ",
    "LEFT JOIN (SELECT d.objid, array_agg(sn.nspname::text ORDER BY sn.nspname, sc.relname) AS schemas, ",
    "  array_agg(sc.relname::text ORDER BY sn.nspname, sc.relname) AS names FROM pg_depend d ",
    "  JOIN pg_class sc ON sc.oid = d.refobjid AND sc.relkind = 'S' ",
    "  JOIN pg_namespace sn ON sn.oid = sc.relnamespace ",
    "  WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass ",
    "  GROUP BY d.objid) dseq ON dseq.objid = ad.oid ",
    since!(
        180000,
        "LEFT JOIN pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey = ARRAY[a.attnum] ",
        ""
    ),
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND ",
    managed_table_in!("c"),
);

/// Every column comment of the database: a sequential scan of `pg_description`, whatever the
/// statistics; COLUMNS rows pick theirs by (attrelid, attnum).
pub const COLUMN_COMMENTS: &str = "SELECT d.objoid, d.objsubid::int2, d.description FROM pg_description d \
     WHERE d.classoid = 'pg_class'::regclass AND d.objsubid > 0";

/// For every (type, modifier, collation) the managed columns use: the type as printed, without
/// its modifier, the user type it depends on (the element type for arrays; built-in types
/// left out), and the collation when it is not the type's own.
pub const COLUMN_TYPES: &str = concat!(
    "SELECT u.atttypid, u.atttypmod, u.attcollation, format_type(u.atttypid, u.atttypmod), ",
    "format_type(u.atttypid, NULL), ",
    "CASE WHEN en.nspname NOT IN ('pg_catalog', 'information_schema') THEN en.nspname END, ",
    "CASE WHEN en.nspname NOT IN ('pg_catalog', 'information_schema') THEN et.typname END, ",
    "CASE WHEN u.attcollation <> t.typcollation AND u.attcollation <> 0 ",
    "  THEN quote_ident(con.nspname) || '.' || quote_ident(co.collname) END ",
    "FROM (SELECT DISTINCT a.atttypid, a.atttypmod, a.attcollation FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid ",
    "  WHERE a.attnum > 0 AND NOT a.attisdropped AND ",
    managed_table_in!("c"),
    ") u ",
    "JOIN pg_type t ON t.oid = u.atttypid ",
    "JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END ",
    "JOIN pg_namespace en ON en.oid = et.typnamespace ",
    "LEFT JOIN pg_collation co ON co.oid = u.attcollation ",
    "LEFT JOIN pg_namespace con ON con.oid = co.collnamespace",
);

/// Constraints of the managed tables, with their columns as numbers (`conkey`, `confkey`):
/// the client names them from the columns it read (see `read.rs`). Named here, by a subquery
/// per constraint, they were more than half of this query.
pub const CONSTRAINTS: &str = concat!(
    "SELECT k.conrelid, k.conname, k.contype::text, pg_get_constraintdef(k.oid), k.convalidated, k.conkey, ",
    "fn.nspname, fc.relname, k.confrelid, k.confkey, ",
    // The key a foreign key references, looked up for foreign keys only (CASE evaluates the
    // subqueries of its taken branch alone). As joins gated by `k.contype = 'f'`, every other
    // constraint probed pg_constraint for `conrelid = 0` and walked all domain constraints:
    // quadratic, half of this query's time at 20,000 tables.
    "CASE WHEN k.contype = 'f' THEN COALESCE(",
    "  (SELECT rk.conname FROM pg_constraint rk WHERE rk.conindid = k.conindid AND rk.conrelid = k.confrelid ",
    "    AND rk.contype IN ('p', 'u')), ",
    "  (SELECT ri.relname FROM pg_class ri WHERE ri.oid = k.conindid)) END, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = k.oid AND ds.classoid = 'pg_constraint'::regclass AND ds.objsubid = 0), NOT k.conislocal ",
    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid ",
    "LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace ",
    "WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND ",
    managed_table_in!("c"),
);

/// The columns of the given tables (`$1`, OIDs), system columns included: for constraints
/// whose columns COLUMNS did not read (a foreign key to a table out of scope, a check on
/// `tableoid`).
pub const ATTRIBUTE_NAMES: &str =
    "SELECT attrelid, attnum, attname::text FROM pg_attribute WHERE attrelid = ANY($1) AND NOT attisdropped";

// Columns, constraints and indexes of extension-owned tables are dropped when matched to
// the tables read above, which saves an anti-join per query on large schemas.

/// Indexes that do not back a primary key, unique or exclusion constraint of their table.
pub const INDEXES: &str = concat!(
    "SELECT n.nspname, c.relname, i.relname, pg_get_indexdef(i.oid), x.indisunique, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = i.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0), i.relispartition, x.indisvalid ",
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ",
    managed_table_in!("c"),
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid ",
    "AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))",
);

pub const EXTENSION_TYPES: &str = "SELECT n.nspname, t.typname, e.extname FROM pg_depend d \
     JOIN pg_type t ON t.oid = d.objid JOIN pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_extension e ON e.oid = d.refobjid \
     WHERE d.classid = 'pg_type'::regclass AND d.refclassid = 'pg_extension'::regclass \
     AND d.deptype = 'e'";

/// Casts that ALTER COLUMN ... TYPE applies without a USING clause.
pub const ASSIGNMENT_CASTS: &str = "SELECT format_type(castsource, NULL), format_type(casttarget, NULL) \
     FROM pg_cast WHERE castcontext IN ('i', 'a')";
