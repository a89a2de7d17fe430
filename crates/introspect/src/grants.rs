//! Privileges and owners, read from the ACL and owner columns in set-based queries. A missing
//! ACL means the built-in default (`acldefault`), so it is expanded first: an object with the
//! default ACL and one with an explicit but equal ACL read the same. The owner's own privileges
//! are left out (they follow ownership). Without `[roles] manage`, `PUBLIC` and every other
//! role are kept and owners are not read (objects belong to whoever applies the plan); with it,
//! privileges of managed roles and `PUBLIC` only, and owners that are managed roles.

use schemactl_model::{DefaultPrivilege, Grant, GrantTarget, ObjKey, ObjectId, ObjectKind, Owner, QualName};
use tokio_postgres::Row;

/// The objects privileges and owners are read for, as CTEs ending in `targets`: target kind
/// keyword, key kind, `ALTER` keyword, schema, name (as keyed by the model), SQL name, owner
/// OID, ACL (the built-in default when none is set) and whether it is a sequence linked to a
/// column (its owner follows the table's).
macro_rules! acl_targets {
    () => {
        concat!(
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
), targets (tkind, kkind, alter, schema, name, sqlname, owner, acl, linked) AS (
  SELECT CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
         CASE r.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview' ELSE 'table' END,
         CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
         r.nspname, r.relname::text, quote_ident(r.nspname) || '.' || quote_ident(r.relname), r.relowner,
         COALESCE(r.relacl, acldefault(CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END::"char", r.relowner)),
         r.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend o WHERE o.classid = 'pg_class'::regclass
                                     AND o.objid = r.oid AND o.refclassid = 'pg_class'::regclass AND o.deptype IN ('a', 'i'))
    FROM rel r
  UNION ALL
  SELECT CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
         CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
         n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         p.proowner, COALESCE(p.proacl, acldefault('f', p.proowner)), false
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
  SELECT 'SCHEMA', 'schema', 'SCHEMA', n.nspname, n.nspname::text, quote_ident(n.nspname), n.nspowner,
         COALESCE(n.nspacl, acldefault('n', n.nspowner)), false
    FROM ns n WHERE n.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_namespace'::regclass)
  UNION ALL
  -- Enums, domains, range types and standalone composite types (not a table's row type, not arrays).
  SELECT 'TYPE', 'type', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname::text,
         quote_ident(n.nspname) || '.' || quote_ident(t.typname), t.typowner,
         COALESCE(t.typacl, acldefault('T', t.typowner)), false
    FROM pg_type t JOIN ns n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) AND "#,
            object_in!("'type'", "n.nspname", "t.typname"),
            r#"
      AND t.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_type'::regclass)
)"#
        )
    };
}

/// One row per (object, column, grantee, privilege): target kind keyword, key kind, schema,
/// name (as keyed by the model), SQL name, column, grantee, privilege, grantable. When the
/// project manages roles, only privileges of those roles and `PUBLIC` are read: nothing is
/// ever compared, so nothing revoked, for a role the project does not manage.
pub const GRANTS: &str = concat!(
    acl_targets!(),
    r#", acl (tkind, kkind, schema, name, sqlname, col, owner, item) AS (
  SELECT tkind, kkind, schema, name, sqlname, NULL::text, owner, aclexplode(acl) FROM targets
  UNION ALL
  -- Column privileges have no built-in default: a NULL attacl holds nothing.
  SELECT 'TABLE', CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview' ELSE 'table' END,
         r.nspname, r.relname::text, quote_ident(r.nspname) || '.' || quote_ident(r.relname), a.attname::text,
         r.relowner, aclexplode(a.attacl)
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
)
SELECT tkind, kkind, schema, name, sqlname, col,
       CASE WHEN (item).grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid((item).grantee)::text END,
       (item).privilege_type, bool_or((item).is_grantable)
FROM acl WHERE (item).grantee <> owner
  AND (current_setting('schemactl.scope_roles_on') = 'off' OR (item).grantee = 0 OR "#,
    managed_role!("(item).grantee"),
    r#")
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"#
);

/// Objects owned by a managed role: target kind keyword, key kind, schema, name, SQL name,
/// `ALTER` keyword, owner. Sequences linked to a column follow their table and are left out.
pub const OWNERS: &str = concat!(
    acl_targets!(),
    r#"
SELECT tkind, kkind, schema, name, sqlname, alter, pg_get_userbyid(owner)::text
FROM targets WHERE NOT linked AND "#,
    managed_role!("owner"),
    "\n"
);

/// The model's key of a privilege or owner target.
fn target_key(kkind: &str, schema: &str, name: &str) -> ObjKey {
    let id = |kind| ObjKey::Object {
        id: ObjectId { kind, schema: schema.to_string(), name: name.to_string(), table: None },
    };
    match kkind {
        "sequence" => ObjKey::Sequence { name: QualName::new(schema, name) },
        "view" => id(ObjectKind::View),
        "matview" => id(ObjectKind::MaterializedView),
        "function" => id(ObjectKind::Function),
        "procedure" => id(ObjectKind::Procedure),
        "aggregate" => id(ObjectKind::Aggregate),
        "schema" => ObjKey::Schema { name: schema.to_string() },
        "type" => ObjKey::Type { name: QualName::new(schema, name) },
        _ => ObjKey::Table { name: QualName::new(schema, name) },
    }
}

pub fn owner(r: &Row) -> Owner {
    let (kkind, schema, name): (String, String, String) = (r.get(1), r.get(2), r.get(3));
    let key = target_key(&kkind, &schema, &name);
    Owner { target: GrantTarget { key, kind: r.get(0), name: r.get(4) }, alter: r.get(5), role: r.get(6) }
}

pub fn grant(r: &Row) -> Grant {
    let (kkind, schema, name): (String, String, String) = (r.get(1), r.get(2), r.get(3));
    let key = target_key(&kkind, &schema, &name);
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
WHERE ((r.nspname IS NULL AND current_setting('schemactl.scope_database') = 'on') OR ("#,
    user_schema!("r"),
    r#"))
  AND (current_setting('schemactl.scope_roles_on') = 'off' OR grantee = 0 OR "#,
    managed_role!("grantee"),
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
