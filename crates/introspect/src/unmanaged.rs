//! Objects schemactl does not manage yet. They are not silently skipped: the catalog lists
//! them, plans report them, and `--strict` refuses to plan while any exist.

/// One row per unmanaged object: its kind and a readable name. Extension members and
/// system schemas are left out, as everywhere else.
pub const UNMANAGED: &str = concat!(
    r#"
WITH ns AS (
  SELECT n.oid, n.nspname FROM pg_namespace n WHERE "#,
    user_schema!("n"),
    r#"
), found (classid, objid, kind, name) AS (
  SELECT 'pg_operator'::regclass, o.oid, 'operator', n.nspname || '.' || o.oprname || '(' ||
         COALESCE(format_type(o.oprleft, NULL), 'NONE') || ', ' || COALESCE(format_type(o.oprright, NULL), 'NONE') || ')'
    FROM pg_operator o JOIN ns n ON n.oid = o.oprnamespace
  UNION ALL SELECT 'pg_opclass'::regclass, c.oid, 'operator class', n.nspname || '.' || c.opcname
    FROM pg_opclass c JOIN ns n ON n.oid = c.opcnamespace
  UNION ALL SELECT 'pg_opfamily'::regclass, f.oid, 'operator family', n.nspname || '.' || f.opfname
    FROM pg_opfamily f JOIN ns n ON n.oid = f.opfnamespace
  UNION ALL SELECT 'pg_ts_config'::regclass, c.oid, 'text search configuration', n.nspname || '.' || c.cfgname
    FROM pg_ts_config c JOIN ns n ON n.oid = c.cfgnamespace
  UNION ALL SELECT 'pg_ts_dict'::regclass, d.oid, 'text search dictionary', n.nspname || '.' || d.dictname
    FROM pg_ts_dict d JOIN ns n ON n.oid = d.dictnamespace
  UNION ALL SELECT 'pg_ts_parser'::regclass, p.oid, 'text search parser', n.nspname || '.' || p.prsname
    FROM pg_ts_parser p JOIN ns n ON n.oid = p.prsnamespace
  UNION ALL SELECT 'pg_ts_template'::regclass, t.oid, 'text search template', n.nspname || '.' || t.tmplname
    FROM pg_ts_template t JOIN ns n ON n.oid = t.tmplnamespace
  UNION ALL SELECT 'pg_conversion'::regclass, c.oid, 'conversion', n.nspname || '.' || c.conname
    FROM pg_conversion c JOIN ns n ON n.oid = c.connamespace
  UNION ALL SELECT 'pg_cast'::regclass, c.oid, 'cast',
         format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL)
    FROM pg_cast c WHERE c.oid >= 16384
      -- a range type's cast to its multirange is part of the type
      AND NOT EXISTS (SELECT 1 FROM pg_depend ci WHERE ci.classid = 'pg_cast'::regclass AND ci.objid = c.oid
                      AND ci.deptype = 'i')
  UNION ALL SELECT 'pg_language'::regclass, l.oid, 'language', l.lanname::text FROM pg_language l WHERE l.oid >= 16384
  UNION ALL SELECT 'pg_transform'::regclass, t.oid, 'transform', format_type(t.trftype, NULL) FROM pg_transform t
)
SELECT kind, name FROM found f
-- casts, languages and transforms belong to no schema: managed with the whole database only
WHERE (f.kind NOT IN ('cast', 'language', 'transform') OR current_setting('schemactl.scope_database') = 'on')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = f.classid AND d.objid = f.objid AND d.deptype = 'e')
ORDER BY kind, name
"#
);
