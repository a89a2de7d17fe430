//! Privileges, read from the ACL columns in two set-based queries. A missing ACL means the
//! built-in default (`acldefault`), so it is expanded first: an object with the default ACL and
//! one with an explicit but equal ACL read the same. The owner's own privileges are left out
//! (ownership is not managed: objects belong to whoever applies the plan); `PUBLIC` and every
//! other role are kept.

use schemactl_model::{DefaultPrivilege, Grant, GrantTarget, ObjKey, ObjectId, ObjectKind, QualName};
use tokio_postgres::Row;

/// One row per (object, column, grantee, privilege): target kind keyword, key kind, schema,
/// name (as keyed by the model), SQL name, column, grantee, privilege, grantable.
pub const GRANTS: &str = concat!(
    r#"
WITH ns AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n WHERE "#,
    user_schema!("n"),
    r#"
), ext AS (
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), rel AS (
  SELECT c.oid, c.relkind, c.relowner, c.relacl, n.nspname, c.relname FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND "#,
    rel_in!("c", "n"),
    r#"
    AND (c.oid) NOT IN (SELECT objid FROM ext WHERE classid = 'pg_class'::regclass)
), acl (tkind, kkind, schema, name, sqlname, col, owner, item) AS (
  SELECT CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
         CASE r.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview' ELSE 'table' END,
         r.nspname, r.relname::text, quote_ident(r.nspname) || '.' || quote_ident(r.relname), NULL::text, r.relowner,
         aclexplode(COALESCE(r.relacl, acldefault(CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END::"char", r.relowner)))
    FROM rel r
  UNION ALL
  -- Column privileges have no built-in default: a NULL attacl holds nothing.
  SELECT 'TABLE', CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview' ELSE 'table' END,
         r.nspname, r.relname::text, quote_ident(r.nspname) || '.' || quote_ident(r.relname), a.attname::text,
         r.relowner, aclexplode(a.attacl)
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
  UNION ALL
  SELECT CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
         CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         NULL, p.proowner, aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner)))
    FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p', 'w', 'a') AND "#,
    object_in!(
        "CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END",
        "n.nspname",
        "p.proname"
    ),
    r#" AND p.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_proc'::regclass)
      -- (a range type's constructors come and go with the type)
      AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'i')
  UNION ALL
  SELECT 'SCHEMA', 'schema', n.nspname, n.nspname::text, quote_ident(n.nspname), NULL, n.nspowner,
         aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner)))
    FROM ns n WHERE n.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_namespace'::regclass)
  UNION ALL
  -- Enums, domains, range types and standalone composite types (not a table's row type, not arrays).
  SELECT 'TYPE', 'type', n.nspname, t.typname::text, quote_ident(n.nspname) || '.' || quote_ident(t.typname), NULL,
         t.typowner, aclexplode(COALESCE(t.typacl, acldefault('T', t.typowner)))
    FROM pg_type t JOIN ns n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) AND "#,
    object_in!("'type'", "n.nspname", "t.typname"),
    r#"
      AND t.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_type'::regclass)
)
SELECT tkind, kkind, schema, name, sqlname, col,
       CASE WHEN (item).grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid((item).grantee)::text END,
       (item).privilege_type, bool_or((item).is_grantable)
FROM acl WHERE (item).grantee <> owner
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"#
);

pub fn grant(r: &Row) -> Grant {
    let (kkind, schema, name): (String, String, String) = (r.get(1), r.get(2), r.get(3));
    let id = |kind| ObjKey::Object { id: ObjectId { kind, schema: schema.clone(), name: name.clone(), table: None } };
    let key = match kkind.as_str() {
        "sequence" => ObjKey::Sequence { name: QualName::new(&schema, &name) },
        "view" => id(ObjectKind::View),
        "matview" => id(ObjectKind::MaterializedView),
        "function" => id(ObjectKind::Function),
        "procedure" => id(ObjectKind::Procedure),
        "aggregate" => id(ObjectKind::Aggregate),
        "schema" => ObjKey::Schema { name: schema.clone() },
        "type" => ObjKey::Type { name: QualName::new(&schema, &name) },
        _ => ObjKey::Table { name: QualName::new(&schema, &name) },
    };
    Grant {
        target: GrantTarget { key, kind: r.get(0), name: r.get(4) },
        column: r.get(5),
        grantee: r.get(6),
        privilege: r.get(7),
        grantable: r.get(8),
    }
}

/// `pg_default_acl`: per-schema entries add to what new objects get, so every privilege in
/// them is a row; database-wide entries replace PostgreSQL's built-in defaults, so they are
/// read as their difference from `acldefault`: privileges added, and built-in ones revoked.
pub const DEFAULT_PRIVILEGES: &str = concat!(
    r#"
WITH d AS (
  SELECT d.defaclrole, d.defaclnamespace = 0 AS global, n.nspname, d.defaclobjtype, d.defaclacl,
         acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END, d.defaclrole) AS builtin
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
), held AS (
  SELECT d.defaclrole, d.nspname, d.defaclobjtype, a.grantee, a.privilege_type, a.is_grantable, d.global
  FROM d, aclexplode(d.defaclacl) a WHERE a.grantee <> d.defaclrole
), builtin AS (
  SELECT d.defaclrole, d.nspname, d.defaclobjtype, a.grantee, a.privilege_type, a.is_grantable
  FROM d, aclexplode(d.builtin) a WHERE d.global AND a.grantee <> d.defaclrole
), rows AS (
  (SELECT defaclrole, nspname, defaclobjtype, grantee, privilege_type, is_grantable, false AS revoked FROM held
   EXCEPT SELECT *, false FROM builtin)
  UNION ALL
  (SELECT *, true FROM builtin
   EXCEPT SELECT defaclrole, nspname, defaclobjtype, grantee, privilege_type, is_grantable, true FROM held WHERE global)
)
SELECT pg_get_userbyid(defaclrole)::text, nspname::text,
       CASE defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                          WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' ELSE 'LARGE OBJECTS' END,
       CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(grantee)::text END,
       privilege_type, bool_or(is_grantable), revoked
FROM rows r
-- database-wide entries are managed with the whole database only
WHERE (r.nspname IS NULL AND current_setting('schemactl.scope_database') = 'on') OR ("#,
    user_schema!("r"),
    r#")
GROUP BY 1, 2, 3, 4, 5, 7
"#
);

pub fn default_privilege(r: &Row) -> DefaultPrivilege {
    DefaultPrivilege {
        role: r.get(0),
        schema: r.get(1),
        object_type: r.get(2),
        grantee: r.get(3),
        privilege: r.get(4),
        grantable: r.get(5),
        revoked: r.get(6),
    }
}

pub const SESSION_ROLE: &str = "SELECT current_user::text";
