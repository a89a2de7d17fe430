//! More definition objects: aggregates, collations, range types, extended statistics, rules,
//! event triggers and publications, plus the parts of domains. As in `objects.rs`, one
//! set-based query per kind; the option lists are assembled in SQL (`array_remove` drops the
//! options left at their default) so that the printed text is what PostgreSQL would accept.

use schemactl_model::{DbObject, DomainConstraint, DomainDef, ObjectId, ObjectKind, QualName};
use std::collections::BTreeMap;
use tokio_postgres::Row;

/// `regproc` prints a function's name qualified (the search path is `pg_catalog`), which is
/// what the `SFUNC = ...` style options take.
pub const AGGREGATES: &str =
    concat!(
    "SELECT n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', ",
    "quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || ",
    "  CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_identity_arguments(p.oid) END || ')', ",
    "array_to_string(array_remove(ARRAY[",
    "  'SFUNC = ' || a.aggtransfn::regproc::text, ",
    "  'STYPE = ' || format_type(a.aggtranstype, NULL), ",
    "  CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END, ",
    "  CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc::text END, ",
    "  CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END, ",
    "  CASE WHEN a.aggfinalfn <> 0 AND a.aggfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END ",
    "    THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ",
    "    ELSE 'READ_WRITE' END END, ",
    "  CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc::text END, ",
    "  CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc::text END, ",
    "  CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc::text END, ",
    "  'INITCOND = ' || quote_literal(a.agginitval), ",
    "  CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc::text END, ",
    "  CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc::text END, ",
    "  CASE WHEN a.aggmtransfn <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END, ",
    "  CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END, ",
    "  CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc::text END, ",
    "  CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END, ",
    "  CASE WHEN a.aggmfinalfn <> 0 AND a.aggmfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END ",
    "    THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ",
    "    ELSE 'READ_WRITE' END END, ",
    "  'MINITCOND = ' || quote_literal(a.aggminitval), ",
    "  CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = ' || CASE WHEN opn.nspname = 'pg_catalog' THEN o.oprname::text ",
    "    ELSE 'OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')' END END, ",
    "  CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END, ",
    "  CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END",
    "], NULL), ', '), (SELECT ds.description FROM pg_description ds WHERE ds.objoid = p.oid AND ds.classoid = 'pg_proc'::regclass AND ds.objsubid = 0) ",
    "FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace ",
    "LEFT JOIN pg_operator o ON o.oid = a.aggsortop LEFT JOIN pg_namespace opn ON opn.oid = o.oprnamespace ",
    "WHERE ", user_schema!("n"), " AND ", object_in!("'aggregate'", "n.nspname", "p.proname"), " AND ",
    not_extension_member!("pg_proc", "p.oid"),
);

pub fn aggregate(r: &Row) -> DbObject {
    let target: String = r.get(2);
    let options: String = r.get(3);
    DbObject {
        id: ObjectId { kind: ObjectKind::Aggregate, schema: r.get(0), name: r.get(1), table: None },
        create: format!("CREATE AGGREGATE {target} ({options})"),
        drop: format!("DROP AGGREGATE {target}"),
        comment_target: format!("AGGREGATE {target}"),
        comment: r.get(4),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

/// The locale of ICU collations is `colliculocale` in 15 and 16, `colllocale` later (reading
/// the row as JSON takes whichever exists), and `collcollate` in 14.
pub const COLLATIONS: &str = concat!(
    "SELECT n.nspname, c.collname, quote_ident(n.nspname) || '.' || quote_ident(c.collname), ",
    "c.collprovider::text, c.collcollate, c.collctype, ",
    since!(
        150000,
        "COALESCE(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'), ",
        "CASE WHEN c.collprovider = 'i' THEN c.collcollate::text END, "
    ),
    "c.collisdeterministic, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_collation'::regclass AND ds.objsubid = 0) ",
    "FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace ",
    "WHERE ",
    user_schema!("n"),
    " AND ",
    object_in!("'collation'", "n.nspname", "c.collname"),
    " AND ",
    not_extension_member!("pg_collation", "c.oid"),
);

pub fn collation(r: &Row) -> DbObject {
    let qualified: String = r.get(2);
    let quote = schemactl_sqltext::literal;
    let mut options = Vec::new();
    match r.get::<_, String>(3).as_str() {
        "i" => {
            options.push("provider = icu".to_string());
            if let Some(locale) = r.get::<_, Option<String>>(6) {
                options.push(format!("locale = {}", quote(&locale)));
            }
        }
        _ => {
            options.push("provider = libc".to_string());
            let (collate, ctype): (Option<String>, Option<String>) = (r.get(4), r.get(5));
            match (collate, ctype) {
                (Some(a), Some(b)) if a == b => options.push(format!("locale = {}", quote(&a))),
                (a, b) => {
                    options.extend(a.map(|a| format!("lc_collate = {}", quote(&a))));
                    options.extend(b.map(|b| format!("lc_ctype = {}", quote(&b))));
                }
            }
        }
    }
    if !r.get::<_, bool>(7) {
        options.push("deterministic = false".to_string());
    }
    DbObject {
        id: ObjectId { kind: ObjectKind::Collation, schema: r.get(0), name: r.get(1), table: None },
        create: format!("CREATE COLLATION {qualified} ({})", options.join(", ")),
        drop: format!("DROP COLLATION {qualified}"),
        comment_target: format!("COLLATION {qualified}"),
        comment: r.get(8),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

/// The multirange type is always named, so that a non-default name survives.
pub const RANGE_TYPES: &str = concat!(
    "SELECT n.nspname, t.typname, quote_ident(n.nspname) || '.' || quote_ident(t.typname), ",
    "array_to_string(array_remove(ARRAY[",
    "  'SUBTYPE = ' || format_type(r.rngsubtype, NULL), ",
    "  CASE WHEN NOT opc.opcdefault THEN 'SUBTYPE_OPCLASS = ' || quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname) END, ",
    "  CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation ",
    "    THEN 'COLLATION = ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END, ",
    "  CASE WHEN r.rngcanonical <> 0 THEN 'CANONICAL = ' || r.rngcanonical::regproc::text END, ",
    "  CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::regproc::text END, ",
    "  'MULTIRANGE_TYPE_NAME = ' || quote_ident(mn.nspname) || '.' || quote_ident(mt.typname)",
    "], NULL), ', '), (SELECT ds.description FROM pg_description ds WHERE ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0) ",
    "FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "JOIN pg_type st ON st.oid = r.rngsubtype ",
    "JOIN pg_opclass opc ON opc.oid = r.rngsubopc JOIN pg_namespace opn ON opn.oid = opc.opcnamespace ",
    "LEFT JOIN pg_collation co ON co.oid = r.rngcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid LEFT JOIN pg_namespace mn ON mn.oid = mt.typnamespace ",
    "WHERE ", user_schema!("n"), " AND ", object_in!("'type'", "n.nspname", "t.typname"), " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

pub fn range_type(r: &Row) -> DbObject {
    let qualified: String = r.get(2);
    DbObject {
        id: ObjectId { kind: ObjectKind::RangeType, schema: r.get(0), name: r.get(1), table: None },
        create: format!("CREATE TYPE {qualified} AS RANGE ({})", r.get::<_, String>(3)),
        drop: format!("DROP TYPE {qualified}"),
        comment_target: format!("TYPE {qualified}"),
        comment: r.get(4),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

/// Statistics objects have their own schema but hang on one table: created after it.
pub const STATISTICS: &str = concat!(
    "SELECT n.nspname, s.stxname, pg_get_statisticsobjdef(s.oid), COALESCE(s.stxstattarget::int, -1), ",
    "quote_ident(n.nspname) || '.' || quote_ident(s.stxname), tn.nspname, c.relname, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = s.oid AND ds.classoid = 'pg_statistic_ext'::regclass AND ds.objsubid = 0) ",
    "FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace ",
    "JOIN pg_class c ON c.oid = s.stxrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace ",
    "WHERE ",
    user_schema!("n"),
    " AND ",
    object_in!("'statistics'", "n.nspname", "s.stxname"),
    // (and its table: statistics on a table left out would be planned on it)
    " AND ",
    schema_in!("tn"),
    " AND ",
    rel_in!("c", "tn"),
    " AND ",
    not_extension_member!("pg_statistic_ext", "s.oid"),
);

pub fn statistics(r: &Row) -> DbObject {
    let qualified: String = r.get(4);
    let mut create: String = r.get(2);
    let target: i32 = r.get(3);
    if target >= 0 {
        create.push_str(&format!(";\nALTER STATISTICS {qualified} SET STATISTICS {target}"));
    }
    DbObject {
        id: ObjectId {
            kind: ObjectKind::Statistics,
            schema: r.get(0),
            name: r.get(1),
            table: Some(QualName::new(r.get::<_, String>(5), r.get::<_, String>(6))),
        },
        create,
        drop: format!("DROP STATISTICS {qualified}"),
        comment_target: format!("STATISTICS {qualified}"),
        comment: r.get(7),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

/// Rules other than the `_RETURN` rule that makes a view.
pub const RULES: &str = concat!(
    "SELECT n.nspname, c.relname, w.rulename, pg_get_ruledef(w.oid), w.ev_enabled::text, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = w.oid AND ds.classoid = 'pg_rewrite'::regclass AND ds.objsubid = 0), quote_ident(w.rulename), quote_ident(n.nspname) || '.' || quote_ident(c.relname) ",
    "FROM pg_rewrite w JOIN pg_class c ON c.oid = w.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE w.rulename <> '_RETURN' AND ", user_schema!("n"), " AND ", rel_in!("c", "n"), " AND ",
    not_extension_member!("pg_class", "c.oid"),
);

pub fn rule(r: &Row) -> DbObject {
    let (schema, table, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
    let (quoted, on): (String, String) = (r.get(6), r.get(7));
    let definition: String = r.get(3);
    let definition = definition.trim_end().trim_end_matches(';');
    // `CREATE OR REPLACE RULE` changes a rule in place but keeps its enabled state: a rule
    // whose state changes is dropped and created instead (the state is the replace signature).
    let mut create = definition.replacen("CREATE RULE ", "CREATE OR REPLACE RULE ", 1);
    let enabled: String = r.get(4);
    let state = match enabled.as_str() {
        "D" => Some("DISABLE"),
        "R" => Some("ENABLE REPLICA"),
        "A" => Some("ENABLE ALWAYS"),
        _ => None,
    };
    if let Some(state) = state {
        create.push_str(&format!(";\nALTER TABLE {on} {state} RULE {quoted}"));
    }
    DbObject {
        id: ObjectId {
            kind: ObjectKind::Rule,
            schema: schema.clone(),
            name,
            table: Some(QualName::new(schema, table)),
        },
        create,
        drop: format!("DROP RULE {quoted} ON {on}"),
        comment_target: format!("RULE {quoted} ON {on}"),
        comment: r.get(5),
        replace_signature: Some(enabled),
        column_comments: Default::default(),
    }
}

/// Event triggers are database-wide: their schema is "".
pub const EVENT_TRIGGERS: &str = concat!(
    "SELECT e.evtname, quote_ident(e.evtname), e.evtevent, e.evtfoid::regproc::text, ",
    "ARRAY(SELECT quote_literal(tag) FROM unnest(e.evttags) tag), e.evtenabled::text, ",
    "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = e.oid AND ds.classoid = 'pg_event_trigger'::regclass AND ds.objsubid = 0) ",
    "FROM pg_event_trigger e WHERE ",
    database_wide_in!("'event_trigger'", "e.evtname"),
    " AND ",
    not_extension_member!("pg_event_trigger", "e.oid"),
);

pub fn event_trigger(r: &Row) -> DbObject {
    let quoted: String = r.get(1);
    let (event, function): (String, String) = (r.get(2), r.get(3));
    let tags: Vec<String> = r.get(4);
    let when = if tags.is_empty() { String::new() } else { format!(" WHEN TAG IN ({})", tags.join(", ")) };
    let mut create = format!("CREATE EVENT TRIGGER {quoted} ON {event}{when} EXECUTE FUNCTION {function}()");
    let state = match r.get::<_, String>(5).as_str() {
        "D" => Some("DISABLE"),
        "R" => Some("ENABLE REPLICA"),
        "A" => Some("ENABLE ALWAYS"),
        _ => None,
    };
    if let Some(state) = state {
        create.push_str(&format!(";\nALTER EVENT TRIGGER {quoted} {state}"));
    }
    DbObject {
        id: ObjectId { kind: ObjectKind::EventTrigger, schema: String::new(), name: r.get(0), table: None },
        create,
        drop: format!("DROP EVENT TRIGGER {quoted}"),
        comment_target: format!("EVENT TRIGGER {quoted}"),
        comment: r.get(6),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

/// Publications are database-wide: their schema is "". Members are listed sorted, each with its
/// column list and row filter.
pub const PUBLICATIONS: &str = concat!(
    "SELECT p.pubname, quote_ident(p.pubname), p.puballtables, ",
    // Column lists, row filters and whole schemas are PostgreSQL 15's, and so is `TABLE a,
    // TABLE b`: 14 reads `TABLE a, b`, one member.
    since!(
        150000,
        concat!(
            "ARRAY(SELECT 'TABLE ' || quote_ident(tn.nspname) || '.' || quote_ident(c.relname) ",
            "    || COALESCE(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a ",
            "         WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs)) || ')', '') ",
            "    || COALESCE(' WHERE (' || pg_get_expr(pr.prqual, pr.prrelid) || ')', '') ",
            "  FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace ",
            "  WHERE pr.prpubid = p.oid ",
            "  UNION ALL SELECT 'TABLES IN SCHEMA ' || quote_ident(sn.nspname) ",
            "  FROM pg_publication_namespace pn JOIN pg_namespace sn ON sn.oid = pn.pnnspid WHERE pn.pnpubid = p.oid ",
            "  ORDER BY 1), ",
        ),
        concat!(
            "ARRAY(SELECT 'TABLE ' || string_agg(quote_ident(tn.nspname) || '.' || quote_ident(c.relname), ', ' ",
            "    ORDER BY quote_ident(tn.nspname) || '.' || quote_ident(c.relname)) ",
            "  FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace ",
            "  WHERE pr.prpubid = p.oid HAVING count(*) > 0), ",
        )
    ),
    "array_to_string(array_remove(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END, ",
    "  CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END], NULL), ', '), ",
    "p.pubviaroot, (SELECT ds.description FROM pg_description ds WHERE ds.objoid = p.oid AND ds.classoid = 'pg_publication'::regclass AND ds.objsubid = 0) ",
    "FROM pg_publication p WHERE ",
    database_wide_in!("'publication'", "p.pubname"),
    " AND ",
    not_extension_member!("pg_publication", "p.oid"),
);

pub fn publication(r: &Row) -> DbObject {
    let quoted: String = r.get(1);
    let members: Vec<String> = r.get(3);
    let mut create = format!("CREATE PUBLICATION {quoted}");
    if r.get::<_, bool>(2) {
        create.push_str(" FOR ALL TABLES");
    } else if !members.is_empty() {
        create.push_str(&format!(" FOR {}", members.join(", ")));
    }
    create.push_str(&format!(" WITH (publish = '{}'", r.get::<_, String>(4)));
    if r.get::<_, bool>(5) {
        create.push_str(", publish_via_partition_root = true");
    }
    create.push(')');
    DbObject {
        id: ObjectId { kind: ObjectKind::Publication, schema: String::new(), name: r.get(0), table: None },
        create,
        drop: format!("DROP PUBLICATION {quoted}"),
        comment_target: format!("PUBLICATION {quoted}"),
        comment: r.get(6),
        replace_signature: None,
        column_comments: Default::default(),
    }
}

/// The parts of a domain from a row of `objects::DOMAINS` (columns 0-1 name it, 3-6 are base
/// type, collation, default and NOT NULL, 9-11 the constraints' names, definitions and states).
pub fn domain_parts(r: &Row) -> DomainDef {
    let names: Vec<String> = r.get(9);
    let definitions: Vec<String> = r.get(10);
    let validated: Vec<bool> = r.get(11);
    let constraints: BTreeMap<String, DomainConstraint> = names
        .into_iter()
        .zip(definitions)
        .zip(validated)
        .map(|((name, definition), validated)| {
            let definition = definition.strip_suffix(" NOT VALID").map(str::to_string).unwrap_or(definition);
            (name, DomainConstraint { definition, validated })
        })
        .collect();
    DomainDef {
        name: QualName::new(r.get::<_, String>(0), r.get::<_, String>(1)),
        base_type: r.get(3),
        collation: r.get(4),
        default: r.get(5),
        not_null: r.get(6),
        constraints,
    }
}
