//! Definition objects: PostgreSQL prints each one whole (`pg_get_viewdef`,
//! `pg_get_functiondef`, `pg_get_triggerdef`, ...) or its parts (policies, domains, composite
//! types), and the model keeps the resulting statement. One query per kind, all objects at once.

use schemactl_model::{CompositeDef, DbObject, ObjectId, ObjectKind, QualName};
use tokio_postgres::Row;

/// The comments on a relation's columns (`pg_description` rows with `objsubid > 0`), as two
/// arrays in column order: the names, then the comments.
macro_rules! column_comments {
    ($relation:literal) => {
        concat!(
            "ARRAY(SELECT a.attname::text FROM pg_description d JOIN pg_attribute a ",
            "ON a.attrelid = d.objoid AND a.attnum = d.objsubid WHERE d.classoid = 'pg_class'::regclass ",
            "AND d.objoid = ",
            $relation,
            " AND d.objsubid > 0 AND NOT a.attisdropped ORDER BY a.attnum), ",
            "ARRAY(SELECT d.description FROM pg_description d JOIN pg_attribute a ",
            "ON a.attrelid = d.objoid AND a.attnum = d.objsubid WHERE d.classoid = 'pg_class'::regclass ",
            "AND d.objoid = ",
            $relation,
            " AND d.objsubid > 0 AND NOT a.attisdropped ORDER BY a.attnum)"
        )
    };
}

/// The column comments read by `column_comments!` at `names` and `names + 1`.
fn column_comments(r: &Row, names: usize) -> std::collections::BTreeMap<String, String> {
    let (names, comments): (Vec<String>, Vec<String>) = (r.get(names), r.get(names + 1));
    names.into_iter().zip(comments).collect()
}

pub const VIEWS: &str = concat!(
    "SELECT n.nspname, c.relname, c.relkind::text, pg_get_viewdef(c.oid), ",
    "COALESCE(array_to_string(c.reloptions, ', '), ''), c.relispopulated, (SELECT ds.description FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0), ",
    "quote_ident(n.nspname) || '.' || quote_ident(c.relname), ",
    "(SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) ",
    "  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ",
    column_comments!("c.oid"),
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE c.relkind IN ('v', 'm') AND ", user_schema!("n"), " AND ", rel_in!("c", "n"), " AND ",
    not_extension_member!("pg_class", "c.oid"),
);

pub fn view(r: &Row) -> DbObject {
    let (schema, name): (String, String) = (r.get(0), r.get(1));
    let materialized = r.get::<_, String>(2) == "m";
    let body: String = r.get(3);
    let body = body.trim_end().trim_end_matches(';');
    let options: String = r.get(4);
    let with = if options.is_empty() { String::new() } else { format!(" WITH ({options})") };
    let qualified: String = r.get(7);
    let (kind, create, drop) = if materialized {
        let data = if r.get::<_, bool>(5) { "WITH DATA" } else { "WITH NO DATA" };
        let create = format!("CREATE MATERIALIZED VIEW {qualified}{with} AS\n{body}\n{data}");
        (ObjectKind::MaterializedView, create, format!("DROP MATERIALIZED VIEW {qualified}"))
    } else {
        let create = format!("CREATE OR REPLACE VIEW {qualified}{with} AS\n{body}");
        (ObjectKind::View, create, format!("DROP VIEW {qualified}"))
    };
    let columns: Option<String> = r.get(8);
    DbObject {
        id: ObjectId { kind, schema, name, table: None },
        create,
        drop,
        comment_target: format!("{} {qualified}", kind.sql_name()),
        comment: r.get(6),
        // A view can be replaced in place while its columns keep their names and types.
        replace_signature: (!materialized).then(|| columns.unwrap_or_default()),
        column_comments: column_comments(r, 9),
    }
}

pub const VIEW_INDEXES: &str = concat!(
    "SELECT n.nspname, c.relname, i.relname, pg_get_indexdef(i.oid), (SELECT ds.description FROM pg_description ds WHERE ds.objoid = i.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0), ",
    "quote_ident(n.nspname) || '.' || quote_ident(i.relname) ",
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND ",
    user_schema!("n"),
    " AND ",
    rel_in!("c", "n"),
);

pub fn view_index(r: &Row) -> DbObject {
    let (schema, view, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
    let qualified: String = r.get(5);
    DbObject {
        id: ObjectId {
            kind: ObjectKind::ViewIndex,
            schema: schema.clone(),
            name,
            table: Some(QualName::new(schema, view)),
        },
        create: r.get(3),
        drop: format!("DROP INDEX {qualified}"),
        comment_target: format!("INDEX {qualified}"),
        comment: r.get(4),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

pub const ROUTINES: &str = concat!(
    "SELECT n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.prokind::text, ",
    "pg_get_functiondef(p.oid), (SELECT ds.description FROM pg_description ds WHERE ds.objoid = p.oid AND ds.classoid = 'pg_proc'::regclass AND ds.objsubid = 0), ",
    "quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', ",
    "pg_get_function_arguments(p.oid) || ' -> ' || COALESCE(pg_get_function_result(p.oid), '') ",
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace ",
    "WHERE p.prokind IN ('f', 'p', 'w') AND ", user_schema!("n"), " AND ",
    object_in!("CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END", "n.nspname", "p.proname"), " AND ",
    not_extension_member!("pg_proc", "p.oid"),
    // Functions a type made for itself (a range type's constructors) come and go with it.
    " AND NOT EXISTS (SELECT 1 FROM pg_depend xi WHERE xi.classid = 'pg_proc'::regclass AND xi.objid = p.oid ",
    "AND xi.deptype = 'i')",
);

pub fn routine(r: &Row) -> DbObject {
    let kind = if r.get::<_, String>(2) == "p" { ObjectKind::Procedure } else { ObjectKind::Function };
    let target: String = r.get(5);
    let create: String = r.get(3);
    DbObject {
        id: ObjectId { kind, schema: r.get(0), name: r.get(1), table: None },
        create: create.trim_end().to_string(),
        drop: format!("DROP {} {target}", kind.sql_name()),
        comment_target: format!("{} {target}", kind.sql_name()),
        comment: r.get(4),
        // CREATE OR REPLACE keeps dependents as long as arguments and result stay the same.
        replace_signature: Some(r.get(6)),
        column_comments: Default::default(),
    }
}

pub const TRIGGERS: &str = concat!(
    "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = t.oid AND ds.classoid = 'pg_trigger'::regclass AND ds.objsubid = 0), quote_ident(t.tgname), quote_ident(n.nspname) || '.' || quote_ident(c.relname) ",
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ", user_schema!("n"), " AND ", rel_in!("c", "n"),
    " AND ", not_extension_member!("pg_class", "c.oid"),
);

pub fn trigger(r: &Row) -> DbObject {
    let (schema, table, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
    let (quoted, on): (String, String) = (r.get(6), r.get(7));
    let mut create: String = r.get(3);
    let state = match r.get::<_, String>(4).as_str() {
        "D" => Some("DISABLE"),
        "R" => Some("ENABLE REPLICA"),
        "A" => Some("ENABLE ALWAYS"),
        _ => None,
    };
    if let Some(state) = state {
        create.push_str(&format!(";\nALTER TABLE {on} {state} TRIGGER {quoted}"));
    }
    DbObject {
        id: ObjectId {
            kind: ObjectKind::Trigger,
            schema: schema.clone(),
            name,
            table: Some(QualName::new(schema, table)),
        },
        create,
        drop: format!("DROP TRIGGER {quoted} ON {on}"),
        comment_target: format!("TRIGGER {quoted} ON {on}"),
        comment: r.get(5),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

pub const POLICIES: &str = concat!(
    "SELECT n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd::text, ",
    "ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END ",
    "  FROM unnest(p.polroles) r ORDER BY 1), ",
    "pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = p.oid AND ds.classoid = 'pg_policy'::regclass AND ds.objsubid = 0), quote_ident(p.polname), quote_ident(n.nspname) || '.' || quote_ident(c.relname) ",
    "FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE ", user_schema!("n"), " AND ", rel_in!("c", "n"),
);

pub fn policy(r: &Row) -> DbObject {
    let (schema, table, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
    let (quoted, on): (String, String) = (r.get(9), r.get(10));
    let mode = if r.get::<_, bool>(3) { "PERMISSIVE" } else { "RESTRICTIVE" };
    let command = match r.get::<_, String>(4).as_str() {
        "r" => "SELECT",
        "a" => "INSERT",
        "w" => "UPDATE",
        "d" => "DELETE",
        _ => "ALL",
    };
    let roles: Vec<String> = r.get(5);
    let mut create = format!("CREATE POLICY {quoted} ON {on} AS {mode} FOR {command} TO {}", roles.join(", "));
    if let Some(using) = r.get::<_, Option<String>>(6) {
        create.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = r.get::<_, Option<String>>(7) {
        create.push_str(&format!(" WITH CHECK ({check})"));
    }
    DbObject {
        id: ObjectId {
            kind: ObjectKind::Policy,
            schema: schema.clone(),
            name,
            table: Some(QualName::new(schema, table)),
        },
        create,
        drop: format!("DROP POLICY {quoted} ON {on}"),
        comment_target: format!("POLICY {quoted} ON {on}"),
        comment: r.get(8),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

pub const COMPOSITE_TYPES: &str = concat!(
    "SELECT n.nspname, t.typname, quote_ident(n.nspname) || '.' || quote_ident(t.typname), ",
    "(SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) || ",
    "   CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) ELSE '' END, ",
    "   ', ' ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid ",
    "   LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "   WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0), ",
    column_comments!("t.typrelid"),
    // The attributes again, in parts, for ALTER TYPE (composite_parts).
    ", ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 ",
    "   AND NOT a.attisdropped ORDER BY a.attnum), ",
    "ARRAY(SELECT format_type(a.atttypid, a.atttypmod) || ",
    "   CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) ELSE '' END ",
    "   FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid ",
    "   LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "   WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)",
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid ",
    "WHERE t.typtype = 'c' AND c.relkind = 'c' AND ", user_schema!("n"), " AND ",
    object_in!("'type'", "n.nspname", "t.typname"), " AND ", not_extension_member!("pg_type", "t.oid"),
);

pub fn composite_type(r: &Row) -> DbObject {
    let qualified: String = r.get(2);
    let attributes: Option<String> = r.get(3);
    DbObject {
        id: ObjectId { kind: ObjectKind::CompositeType, schema: r.get(0), name: r.get(1), table: None },
        create: format!("CREATE TYPE {qualified} AS ({})", attributes.unwrap_or_default()),
        drop: format!("DROP TYPE {qualified}"),
        comment_target: format!("TYPE {qualified}"),
        comment: r.get(4),
        replace_signature: None,
        column_comments: column_comments(r, 5),
    }
}

/// The attributes of a composite type (a row of [`COMPOSITE_TYPES`]), for `ALTER TYPE`.
pub fn composite_parts(r: &Row) -> CompositeDef {
    let (names, types): (Vec<String>, Vec<String>) = (r.get(7), r.get(8));
    CompositeDef {
        name: QualName::new(r.get::<_, String>(0), r.get::<_, String>(1)),
        attributes: names.into_iter().zip(types).collect(),
    }
}

pub const DOMAINS: &str =
    concat!(
    "SELECT n.nspname, t.typname, quote_ident(n.nspname) || '.' || quote_ident(t.typname), ",
    "format_type(t.typbasetype, t.typtypmod), ",
    "CASE WHEN t.typcollation <> bt.typcollation THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END, ",
    "t.typdefault, t.typnotnull, ",
    "ARRAY(SELECT 'CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) ",
    "  FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n' ORDER BY k.conname), ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0), ",
    // The constraints again, in parts, for ALTER DOMAIN (objects_more::domain_parts).
    "ARRAY(SELECT k.conname::text FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n' ORDER BY k.conname), ",
    "ARRAY(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n' ORDER BY k.conname), ",
    "ARRAY(SELECT k.convalidated FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n' ORDER BY k.conname), ",
    // PostgreSQL 17 names a domain's NOT NULL: kept when not the name it would pick.
    "(SELECT k.conname::text FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'n' ",
    "  AND k.conname <> t.typname || '_not_null' ORDER BY k.conname LIMIT 1) ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype ",
    "LEFT JOIN pg_collation co ON co.oid = t.typcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "WHERE t.typtype = 'd' AND ", user_schema!("n"), " AND ", object_in!("'type'", "n.nspname", "t.typname"), " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

pub fn domain(r: &Row) -> DbObject {
    let qualified: String = r.get(2);
    let mut create = format!("CREATE DOMAIN {qualified} AS {}", r.get::<_, String>(3));
    if let Some(collation) = r.get::<_, Option<String>>(4) {
        create.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(default) = r.get::<_, Option<String>>(5) {
        create.push_str(&format!(" DEFAULT {default}"));
    }
    if r.get::<_, bool>(6) {
        if let Some(name) = r.get::<_, Option<String>>(12) {
            create.push_str(&format!(" CONSTRAINT {}", schemactl_sqltext::ident(&name)));
        }
        create.push_str(" NOT NULL");
    }
    // CREATE DOMAIN takes no NOT VALID constraint: those are added after it.
    let mut not_valid = Vec::new();
    for constraint in r.get::<_, Vec<String>>(7) {
        match constraint.strip_suffix(" NOT VALID") {
            Some(_) => not_valid.push(constraint),
            None => create.push_str(&format!(" {constraint}")),
        }
    }
    for constraint in not_valid {
        create.push_str(&format!(";\nALTER DOMAIN {qualified} ADD {constraint}"));
    }
    DbObject {
        id: ObjectId { kind: ObjectKind::Domain, schema: r.get(0), name: r.get(1), table: None },
        create,
        drop: format!("DROP DOMAIN {qualified}"),
        comment_target: format!("DOMAIN {qualified}"),
        comment: r.get(8),
        replace_signature: None,
        column_comments: Default::default(),
    }
}
