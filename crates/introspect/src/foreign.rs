//! Foreign-data wrappers, foreign servers and foreign tables, as definition objects. Wrappers
//! and servers are database-wide (schema ""). Option lists are split with
//! `pg_options_to_table` and quoted in SQL; they are sorted by name, since their order means
//! nothing to PostgreSQL and a reordering alone must not plan a recreation.

use schemactl_model::{DbObject, ForeignDef, ObjectId, ObjectKind};
use tokio_postgres::Row;

/// The option names and values of an options array (text[] column), raw, as two arrays.
macro_rules! raw_options {
    ($column:literal) => {
        concat!(
            "ARRAY(SELECT o.option_name FROM pg_options_to_table(",
            $column,
            ") o ORDER BY o.option_name), ARRAY(SELECT o.option_value FROM pg_options_to_table(",
            $column,
            ") o ORDER BY o.option_name)"
        )
    };
}

fn raw_options(r: &Row, names: usize, values: usize) -> std::collections::BTreeMap<String, String> {
    let names: Vec<String> = r.get(names);
    let values: Vec<Option<String>> = r.get(values);
    names.into_iter().zip(values).map(|(n, v)| (n, v.unwrap_or_default())).collect()
}

/// `OPTIONS (k 'v', ...)` of an options array (text[] column), or NULL when there are none.
macro_rules! options {
    ($column:literal) => {
        concat!(
            "(SELECT 'OPTIONS (' || string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ' ",
            "ORDER BY o.option_name) || ')' FROM pg_options_to_table(",
            $column,
            ") o)"
        )
    };
}

/// `regproc` prints the handler and validator qualified (the search path is `pg_catalog`).
pub const WRAPPERS: &str = concat!(
    "SELECT w.fdwname, quote_ident(w.fdwname), ",
    "CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::regproc::text END, ",
    "CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::regproc::text END, ",
    options!("w.fdwoptions"),
    ", (SELECT ds.description FROM pg_description ds WHERE ds.objoid = w.oid AND ds.classoid = 'pg_foreign_data_wrapper'::regclass AND ds.objsubid = 0), ",
    raw_options!("w.fdwoptions"),
    " ",
    "FROM pg_foreign_data_wrapper w WHERE ",
    database_wide_in!("'foreign_data_wrapper'", "w.fdwname"),
    " AND ",
    not_extension_member!("pg_foreign_data_wrapper", "w.oid"),
);

/// The wrapper and its alterable parts.
pub fn wrapper_parts(r: &Row) -> (DbObject, ForeignDef) {
    let quoted: String = r.get(1);
    let mut create = format!("CREATE FOREIGN DATA WRAPPER {quoted}");
    if let Some(handler) = r.get::<_, Option<String>>(2) {
        create.push_str(&format!(" HANDLER {handler}"));
    }
    if let Some(validator) = r.get::<_, Option<String>>(3) {
        create.push_str(&format!(" VALIDATOR {validator}"));
    }
    let parts = ForeignDef { head: create.clone(), version: None, options: raw_options(r, 6, 7) };
    if let Some(options) = r.get::<_, Option<String>>(4) {
        create.push_str(&format!(" {options}"));
    }
    let object = DbObject {
        id: ObjectId { kind: ObjectKind::ForeignDataWrapper, schema: String::new(), name: r.get(0), table: None },
        create,
        drop: format!("DROP FOREIGN DATA WRAPPER {quoted}"),
        comment_target: format!("FOREIGN DATA WRAPPER {quoted}"),
        comment: r.get(5),
        replace_signature: None,
        column_comments: Default::default(),
    };
    (object, parts)
}

pub const SERVERS: &str = concat!(
    "SELECT s.srvname, quote_ident(s.srvname), quote_literal(s.srvtype), quote_literal(s.srvversion), ",
    "quote_ident(w.fdwname), ",
    options!("s.srvoptions"),
    ", (SELECT ds.description FROM pg_description ds WHERE ds.objoid = s.oid AND ds.classoid = 'pg_foreign_server'::regclass AND ds.objsubid = 0), s.srvversion, ",
    raw_options!("s.srvoptions"),
    " ",
    "FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE ",
    database_wide_in!("'server'", "s.srvname"),
    " AND ",
    not_extension_member!("pg_foreign_server", "s.oid"),
);

/// The server and its alterable parts.
pub fn server_parts(r: &Row) -> (DbObject, ForeignDef) {
    let quoted: String = r.get(1);
    let mut create = format!("CREATE SERVER {quoted}");
    let mut head = create.clone();
    if let Some(kind) = r.get::<_, Option<String>>(2) {
        create.push_str(&format!(" TYPE {kind}"));
        head.push_str(&format!(" TYPE {kind}"));
    }
    if let Some(version) = r.get::<_, Option<String>>(3) {
        create.push_str(&format!(" VERSION {version}"));
    }
    let wrapper = format!(" FOREIGN DATA WRAPPER {}", r.get::<_, String>(4));
    create.push_str(&wrapper);
    head.push_str(&wrapper);
    let parts = ForeignDef { head, version: r.get(7), options: raw_options(r, 8, 9) };
    if let Some(options) = r.get::<_, Option<String>>(5) {
        create.push_str(&format!(" {options}"));
    }
    let object = DbObject {
        id: ObjectId { kind: ObjectKind::ForeignServer, schema: String::new(), name: r.get(0), table: None },
        create,
        drop: format!("DROP SERVER {quoted}"),
        comment_target: format!("SERVER {quoted}"),
        comment: r.get(6),
        replace_signature: None,
        column_comments: Default::default(),
    };
    (object, parts)
}

/// Each column as `name type [OPTIONS (...)] [COLLATE c] [NOT NULL] [DEFAULT e]`, then the
/// CHECK constraints; column comments follow the CREATE as statements of their own.
pub const FOREIGN_TABLES: &str = concat!(
    "SELECT n.nspname, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname), ",
    "ARRAY(SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) ",
    "    || COALESCE(' ' || ",
    options!("a.attfdwoptions"),
    ", '') ",
    "    || CASE WHEN a.attcollation <> t.typcollation ",
    "      THEN ' COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) ELSE '' END ",
    "    || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END ",
    "    || COALESCE(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), '') ",
    "  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid ",
    "  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum ",
    "  LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) ",
    "|| ARRAY(SELECT 'CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) ",
    "  FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c' ORDER BY k.conname), ",
    "quote_ident(s.srvname), ",
    options!("f.ftoptions"),
    ", (SELECT ds.description FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0), ",
    "ARRAY(SELECT 'COMMENT ON COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' ",
    "    || quote_ident(a.attname) || ' IS ' || quote_literal(col_description(c.oid, a.attnum)) ",
    "  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ",
    "    AND col_description(c.oid, a.attnum) IS NOT NULL ORDER BY a.attnum) ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_foreign_table f ON f.ftrelid = c.oid ",
    "JOIN pg_foreign_server s ON s.oid = f.ftserver ",
    "WHERE c.relkind = 'f' AND ",
    user_schema!("n"),
    " AND ",
    rel_in!("c", "n"),
    " AND ",
    not_extension_member!("pg_class", "c.oid"),
);

pub fn foreign_table(r: &Row) -> DbObject {
    let qualified: String = r.get(2);
    let elements: Vec<String> = r.get(3);
    let body = if elements.is_empty() { String::new() } else { format!("\n    {}\n", elements.join(",\n    ")) };
    let mut create = format!("CREATE FOREIGN TABLE {qualified} ({body}) SERVER {}", r.get::<_, String>(4));
    if let Some(options) = r.get::<_, Option<String>>(5) {
        create.push_str(&format!(" {options}"));
    }
    for comment in r.get::<_, Vec<String>>(7) {
        create.push_str(&format!(";\n{comment}"));
    }
    DbObject {
        id: ObjectId { kind: ObjectKind::ForeignTable, schema: r.get(0), name: r.get(1), table: None },
        create,
        drop: format!("DROP FOREIGN TABLE {qualified}"),
        comment_target: format!("FOREIGN TABLE {qualified}"),
        comment: r.get(6),
        replace_signature: None,
        column_comments: Default::default(),
    }
}
