//! What a schema statement creates or changes, named the way the scope names objects (kind,
//! schema, name, exactly as the catalog will hold them), so that a command can tell the
//! statements about objects it does not manage from the others (see [`subjects`]).

use pg_query::protobuf::{self, GrantTargetType, Node, ObjectType};
use pg_query::NodeEnum;

use crate::names::{option_string, strings};

/// One object a statement creates or changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// A scope kind (`schema`, `table`, `view`, `materialized_view`, `sequence`,
    /// `foreign_table`, `type`, `function`, `procedure`, `aggregate`, `collation`,
    /// `statistics`, `extension`, `event_trigger`, `publication`, `foreign_data_wrapper`,
    /// `server`), or `relation` when the statement changes a relation without saying which
    /// kind (`ALTER TABLE`, `CREATE INDEX ON`, `COMMENT ON COLUMN`...).
    pub kind: &'static str,
    /// The schema as written; `None` when unqualified (then the first schema on the search
    /// path), for schemas themselves and for database-wide objects, and for an extension
    /// without `SCHEMA`.
    pub schema: Option<String>,
    pub name: String,
    /// True when the statement creates the object, false when it changes one (indexes,
    /// triggers, policies, comments, grants hang on their object).
    pub creates: bool,
}

impl Subject {
    /// Objects that belong to no schema (the scope names them without one).
    pub fn is_database_wide(&self) -> bool {
        matches!(self.kind, "schema" | "event_trigger" | "publication" | "foreign_data_wrapper" | "server")
    }
}

/// What `sql` (one statement) creates or changes. Empty when it does not parse or is of a
/// kind no scope rule names; several for a `GRANT` or `COMMENT` on several objects.
pub fn subjects(sql: &str) -> Vec<Subject> {
    let Ok(parsed) = pg_query::parse(sql, 0) else { return Vec::new() };
    let Some(node) = parsed.protobuf.stmts.first().and_then(|s| s.stmt.as_ref()).and_then(|s| s.node.as_ref()) else {
        return Vec::new();
    };
    of_node(node)
}

fn subject(kind: &'static str, schema: Option<&str>, name: &str, creates: bool) -> Option<Subject> {
    (!name.is_empty()).then(|| Subject {
        kind,
        schema: schema.filter(|s| !s.is_empty()).map(str::to_string),
        name: name.to_string(),
        creates,
    })
}

fn range_var(kind: &'static str, rv: Option<&protobuf::RangeVar>, creates: bool) -> Option<Subject> {
    rv.and_then(|r| subject(kind, Some(&r.schemaname), &r.relname, creates))
}

/// `[schema.]name` from a list of `String` nodes (a catalog prefix is ignored).
fn from_nodes(kind: &'static str, parts: &[Node], creates: bool) -> Option<Subject> {
    let parts = strings(parts);
    let (name, rest) = parts.split_last()?;
    subject(kind, rest.last().copied(), name, creates)
}

fn of_node(node: &NodeEnum) -> Vec<Subject> {
    use NodeEnum as N;
    let one = match node {
        N::CreateSchemaStmt(s) => subject("schema", None, &s.schemaname, true),
        N::CreateStmt(s) => range_var("table", s.relation.as_ref(), true),
        N::CreateForeignTableStmt(s) => {
            range_var("foreign_table", s.base_stmt.as_ref().and_then(|b| b.relation.as_ref()), true)
        }
        N::ViewStmt(s) => range_var("view", s.view.as_ref(), true),
        N::CreateTableAsStmt(s) => {
            let kind = if s.objtype == ObjectType::ObjectMatview as i32 { "materialized_view" } else { "table" };
            range_var(kind, s.into.as_ref().and_then(|i| i.rel.as_ref()), true)
        }
        N::CreateSeqStmt(s) => range_var("sequence", s.sequence.as_ref(), true),
        N::AlterSeqStmt(s) => range_var("sequence", s.sequence.as_ref(), false),
        N::CreateEnumStmt(s) => from_nodes("type", &s.type_name, true),
        N::CompositeTypeStmt(s) => range_var("type", s.typevar.as_ref(), true),
        N::CreateDomainStmt(s) => from_nodes("type", &s.domainname, true),
        N::CreateRangeStmt(s) => from_nodes("type", &s.type_name, true),
        N::DefineStmt(s) => {
            let kind = match ObjectType::try_from(s.kind) {
                Ok(ObjectType::ObjectType) => "type",
                Ok(ObjectType::ObjectAggregate) => "aggregate",
                Ok(ObjectType::ObjectCollation) => "collation",
                _ => return Vec::new(),
            };
            from_nodes(kind, &s.defnames, true)
        }
        N::CreateFunctionStmt(s) => {
            from_nodes(if s.is_procedure { "procedure" } else { "function" }, &s.funcname, true)
        }
        N::CreateExtensionStmt(s) => {
            let schema = s.options.iter().find_map(|o| option_string(o, "schema"));
            subject("extension", schema, &s.extname, true)
        }
        N::CreateStatsStmt(s) => from_nodes("statistics", &s.defnames, true),
        N::CreateEventTrigStmt(s) => subject("event_trigger", None, &s.trigname, true),
        N::CreatePublicationStmt(s) => subject("publication", None, &s.pubname, true),
        N::CreateFdwStmt(s) => subject("foreign_data_wrapper", None, &s.fdwname, true),
        N::CreateForeignServerStmt(s) => subject("server", None, &s.servername, true),
        // What hangs on a relation: the relation is what the scope decides by.
        N::IndexStmt(s) => range_var("relation", s.relation.as_ref(), false),
        N::AlterTableStmt(s) => range_var("relation", s.relation.as_ref(), false),
        N::CreateTrigStmt(s) => range_var("relation", s.relation.as_ref(), false),
        N::CreatePolicyStmt(s) => range_var("relation", s.table.as_ref(), false),
        N::AlterPolicyStmt(s) => range_var("relation", s.table.as_ref(), false),
        N::RuleStmt(s) => range_var("relation", s.relation.as_ref(), false),
        N::CommentStmt(s) => return designated(s.objtype, s.object.as_deref().into_iter()),
        N::GrantStmt(s) if s.targtype == GrantTargetType::AclTargetObject as i32 => {
            return designated(s.objtype, s.objects.iter())
        }
        _ => None,
    };
    one.into_iter().collect()
}

/// The objects a COMMENT or GRANT names, for the kinds the scope decides by; nothing when any
/// of them is of another kind (the statement then never counts as out of scope).
fn designated<'a>(object_type: i32, objects: impl Iterator<Item = &'a Node>) -> Vec<Subject> {
    use ObjectType as O;
    let kind = O::try_from(object_type).unwrap_or(O::Undefined);
    let (scope_kind, sub_object) = match kind {
        O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable | O::ObjectSequence => {
            ("relation", false)
        }
        O::ObjectColumn | O::ObjectTabconstraint | O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule => {
            ("relation", true)
        }
        O::ObjectIndex => ("relation", false),
        O::ObjectSchema => ("schema", false),
        O::ObjectFunction => ("function", false),
        O::ObjectProcedure => ("procedure", false),
        O::ObjectType | O::ObjectDomain => ("type", false),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for object in objects {
        let found = match &object.node {
            Some(NodeEnum::String(s)) => subject(scope_kind, None, &s.sval, false),
            Some(NodeEnum::RangeVar(r)) => range_var(scope_kind, Some(r), false),
            Some(NodeEnum::TypeName(t)) => from_nodes(scope_kind, &t.names, false),
            Some(NodeEnum::ObjectWithArgs(o)) => from_nodes(scope_kind, &o.objname, false),
            // COMMENT ON COLUMN s.t.c, ON CONSTRAINT c ON s.t (the name comes last there too).
            Some(NodeEnum::List(l)) => {
                let parts =
                    if sub_object { l.items.split_last().map_or(&[][..], |(_, rest)| rest) } else { &l.items[..] };
                from_nodes(scope_kind, parts, false)
            }
            _ => None,
        };
        match found {
            Some(s) => out.push(s),
            None => return Vec::new(),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> (&'static str, Option<String>, String, bool) {
        let mut all = subjects(sql);
        assert_eq!(all.len(), 1, "{sql}: {all:?}");
        let s = all.remove(0);
        (s.kind, s.schema, s.name, s.creates)
    }

    #[test]
    fn creations_are_named_as_the_scope_names_them() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(one("CREATE SCHEMA legacy"), ("schema", None, "legacy".into(), true));
        assert_eq!(
            one("CREATE TABLE legacy.\"Accounts\" (id int)"),
            ("table", some("legacy"), "Accounts".into(), true)
        );
        assert_eq!(one("CREATE VIEW v AS SELECT 1"), ("view", None, "v".into(), true));
        assert_eq!(one("CREATE MATERIALIZED VIEW s.m AS SELECT 1"), ("materialized_view", some("s"), "m".into(), true));
        assert_eq!(one("CREATE TYPE s.mood AS ENUM ('a')"), ("type", some("s"), "mood".into(), true));
        assert_eq!(
            one("CREATE PROCEDURE s.p() LANGUAGE sql AS 'SELECT 1'"),
            ("procedure", some("s"), "p".into(), true)
        );
        assert_eq!(one("CREATE EXTENSION citext SCHEMA ext"), ("extension", some("ext"), "citext".into(), true));
        assert_eq!(one("CREATE PUBLICATION p"), ("publication", None, "p".into(), true));
        assert!(subjects("CREATE PUBLICATION p").iter().all(Subject::is_database_wide));
    }

    #[test]
    fn what_hangs_on_an_object_names_the_object() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            one("CREATE INDEX i ON legacy.accounts (id)"),
            ("relation", some("legacy"), "accounts".into(), false)
        );
        assert_eq!(
            one("ALTER TABLE legacy.accounts ADD PRIMARY KEY (id)"),
            ("relation", some("legacy"), "accounts".into(), false)
        );
        assert_eq!(
            one("COMMENT ON COLUMN legacy.accounts.id IS 'x'"),
            ("relation", some("legacy"), "accounts".into(), false)
        );
        assert_eq!(
            one("COMMENT ON TABLE legacy.accounts IS 'x'"),
            ("relation", some("legacy"), "accounts".into(), false)
        );
        let grant = subjects("GRANT SELECT ON legacy.accounts, app.orders TO PUBLIC");
        assert_eq!(grant.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["accounts", "orders"]);
        assert!(subjects("GRANT SELECT ON ALL TABLES IN SCHEMA legacy TO PUBLIC").is_empty());
        assert!(subjects("COMMENT ON ROLE r IS 'x'").is_empty());
        assert!(subjects("not sql").is_empty());
    }
}
