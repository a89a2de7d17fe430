//! The scope in the catalog queries. Every query tests the custom settings
//! `schemactl.scope_*` (see the macros in `lib.rs`), which [`scope_settings`] sets for the
//! reading transaction only, in the same round trip as `BEGIN`: the queries stay constant
//! strings, pruning happens in the server before anything is printed or sent, and both sides
//! of a diff are read by the very same text. [`LEFT_OUT`] then lists what was left out, cheaply
//! (names and counts, nothing deparsed), so that plans and dumps can say so.

use schemactl_model::{LeftOut, Reason, Scope};
// E'' whenever a backslash occurs (the regexes are full of them), so the settings mean the
// same whatever `standard_conforming_strings` says.
use schemactl_sqltext::literal;
use std::collections::BTreeSet;
use tokio_postgres::Row;

/// `SELECT set_config(...)` for the scope's settings, local to the transaction.
pub fn scope_settings(scope: &Scope) -> String {
    let server = scope.server();
    let settings = [
        ("schemactl.scope_schemas", server.schemas.as_str()),
        ("schemactl.scope_exclude", server.exclude.as_str()),
        ("schemactl.scope_include", server.include.as_str()),
        ("schemactl.scope_exclude_names", server.exclude_names.as_str()),
        ("schemactl.scope_include_names", server.include_names.as_str()),
        ("schemactl.scope_database", if server.database_wide { "on" } else { "off" }),
        ("schemactl.scope_roles", server.roles.as_str()),
        ("schemactl.scope_roles_on", if scope.manages_roles() { "on" } else { "off" }),
    ];
    let calls: Vec<String> = settings
        .iter()
        .map(|(name, value)| format!("set_config({}, {}, true)", literal(name), literal(value)))
        .collect();
    format!("SELECT {}", calls.join(", "))
}

/// One row per object left out: kind (as scope patterns name it), schema, name, and for a
/// schema the number of relations in it. Objects inside a left-out schema are counted, not
/// listed; sequences owned by a column follow their table and are not listed either.
pub const LEFT_OUT: &str = concat!(
    "WITH ns AS (SELECT n.oid, n.nspname, ",
    schema_in!("n"),
    " AS inside FROM pg_namespace n WHERE ",
    system_schema_excluded!("n"),
    " AND ",
    not_extension_member!("pg_namespace", "n.oid"),
    "), rels AS (SELECT relnamespace, count(*) AS n FROM pg_class ",
    "  WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f') GROUP BY relnamespace) ",
    "SELECT 'schema', '', n.nspname::text, COALESCE(r.n, 0) FROM ns n LEFT JOIN rels r ON r.relnamespace = n.oid ",
    "  WHERE NOT n.inside ",
    "UNION ALL SELECT ",
    rel_kind!("c"),
    ", n.nspname::text, c.relname::text, 0 FROM pg_class c JOIN ns n ON n.oid = c.relnamespace ",
    "  WHERE n.inside AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT ",
    rel_in!("c", "n"),
    "  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend o WHERE o.classid = 'pg_class'::regclass ",
    "    AND o.objid = c.oid AND o.deptype IN ('a', 'i'))) AND ",
    not_extension_member!("pg_class", "c.oid"),
    " UNION ALL SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, ",
    "  n.nspname::text, p.proname::text, 0 FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace ",
    "  WHERE n.inside AND NOT ",
    object_in!(
        "CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END",
        "n.nspname",
        "p.proname"
    ),
    " AND ",
    not_extension_member!("pg_proc", "p.oid"),
    " UNION ALL SELECT 'type', n.nspname::text, t.typname::text, 0 FROM pg_type t JOIN ns n ON n.oid = t.typnamespace ",
    "  LEFT JOIN pg_class c ON c.oid = t.typrelid ",
    "  WHERE n.inside AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) AND NOT ",
    object_in!("'type'", "n.nspname", "t.typname"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
    " UNION ALL SELECT 'extension', n.nspname::text, e.extname::text, 0 FROM pg_extension e ",
    "  JOIN pg_namespace n ON n.oid = e.extnamespace ",
    "  WHERE NOT (('extension' || chr(31) || chr(31) || e.extname) ~ current_setting('schemactl.scope_include') OR (",
    schema_in!("n"),
    " AND ",
    object_in!("'extension'", "''", "e.extname"),
    ")) UNION ALL SELECT 'event_trigger', '', e.evtname::text, 0 FROM pg_event_trigger e WHERE NOT ",
    database_wide_in!("'event_trigger'", "e.evtname"),
    " UNION ALL SELECT 'publication', '', p.pubname::text, 0 FROM pg_publication p WHERE NOT ",
    database_wide_in!("'publication'", "p.pubname"),
    " UNION ALL SELECT 'foreign_data_wrapper', '', w.fdwname::text, 0 FROM pg_foreign_data_wrapper w WHERE NOT ",
    database_wide_in!("'foreign_data_wrapper'", "w.fdwname"),
    " AND ",
    not_extension_member!("pg_foreign_data_wrapper", "w.oid"),
    " UNION ALL SELECT 'server', '', s.srvname::text, 0 FROM pg_foreign_server s WHERE NOT ",
    database_wide_in!("'server'", "s.srvname"),
);

/// The rows of [`LEFT_OUT`], each with the reason the scope gives. schemactl's own schema is
/// not reported: every managed database has it, and no diff ever looks at it.
pub fn left_out(scope: &Scope, rows: &[Row]) -> BTreeSet<LeftOut> {
    let mut out = BTreeSet::new();
    for r in rows {
        let (kind, schema, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let contains: i64 = r.get(3);
        // The server and the client apply the same rules; a row the client would keep is
        // reported under the closest reason rather than dropped.
        let reason = scope.reason_out(&kind, &schema, &name).unwrap_or(Reason::NotListed);
        if kind == "schema" && reason == Reason::Tool("schemactl".into()) {
            continue;
        }
        out.insert(LeftOut { reason, kind, schema, name, contains });
    }
    out
}
