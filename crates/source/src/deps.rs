//! What each statement creates (`provides`) and needs (`requires`).
//!
//! Names come from the parse tree, never from the SQL text: every relation,
//! type and function a statement mentions anywhere (column types, defaults,
//! CHECK expressions, foreign keys, view queries, SQL function bodies...) is a
//! requirement, minus what the statement creates itself.

use std::collections::BTreeSet;

use pg_query::protobuf::{self, Node};
use pg_query::{NodeEnum, NodeRef};

use crate::names::{self, from_text, string_const, strings, Name, Ns, Role};

/// Coarse ordering classes that names cannot express.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    /// CREATE SCHEMA: first, everything may live in a schema.
    Schema,
    /// CREATE EXTENSION: next, extensions create types and functions whose
    /// names we cannot know.
    Extension,
    /// ALTER DEFAULT PRIVILEGES: before the objects it is meant to apply to.
    DefaultPrivileges,
    #[default]
    Normal,
}

/// The dependency facts of one statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Deps {
    pub provides: BTreeSet<Name>,
    pub requires: BTreeSet<Name>,
    pub tier: Tier,
    /// A `DO` block: code whose effects no parse tree shows (it may create roles, or change
    /// what the statements before it made), so it keeps its place among the statements of its
    /// file instead of being ordered by names.
    pub in_place: bool,
}

impl Deps {
    pub(crate) fn provide(&mut self, name: Option<Name>) {
        if let Some(name) = name.filter(|n| !is_builtin(n)) {
            self.provides.insert(name);
        }
    }

    pub(crate) fn require(&mut self, name: Option<Name>) {
        if let Some(name) = name.filter(|n| !is_builtin(n)) {
            self.requires.insert(name);
        }
    }
}

/// Names in the system schemas are never created by schema files.
fn is_builtin(name: &Name) -> bool {
    name.name.is_empty() || matches!(name.schema.as_deref(), Some("pg_catalog" | "information_schema" | "pg_toast"))
}

/// Dependencies of one top-level statement.
pub(crate) fn of_statement(node: &NodeEnum) -> Deps {
    let mut deps = Deps {
        tier: match node {
            NodeEnum::CreateSchemaStmt(_) => Tier::Schema,
            NodeEnum::CreateExtensionStmt(_) => Tier::Extension,
            NodeEnum::AlterDefaultPrivilegesStmt(_) => Tier::DefaultPrivileges,
            _ => Tier::Normal,
        },
        in_place: matches!(node, NodeEnum::DoStmt(_)),
        ..Deps::default()
    };
    // CREATE SCHEMA's embedded elements are analyzed one by one instead, as
    // their unqualified names live in the new schema.
    if !matches!(node, NodeEnum::CreateSchemaStmt(_)) {
        references(node, &mut deps);
    }
    crate::deps_stmt::statement_rules(node, &mut deps);
    finish(&mut deps);
    deps
}

/// Adds the schema of every qualified name as a requirement and drops
/// requirements the statement satisfies itself.
fn finish(deps: &mut Deps) {
    let schemas: Vec<Name> = deps
        .provides
        .iter()
        .chain(&deps.requires)
        .filter(|n| n.ns != Ns::Schema)
        .filter_map(|n| n.schema.as_deref().map(Name::schema))
        .collect();
    for schema in schemas {
        deps.require(Some(schema));
    }
    let provides = &deps.provides;
    deps.requires.retain(|r| !provides.contains(r));
    // A table whose foreign key references itself needs its own inline key,
    // not a unique index or constraint added later (which would need the
    // table first: a cycle).
    let creates = |r: &Name| {
        provides.iter().any(|p| {
            p.ns == r.ns
                && p.role == Role::Object
                && p.name == r.name
                && (p.schema == r.schema || p.schema.is_none() || r.schema.is_none())
        })
    };
    deps.requires.retain(|r| !(r.role == Role::Unique && creates(r)));
}

/// Every name mentioned anywhere below `node`.
pub(crate) fn references(node: &NodeEnum, deps: &mut Deps) {
    let mut ctes = BTreeSet::new();
    let mut found = Deps::default();
    crate::walk_gen::walk_enum(node, &mut |n| reference(n, &mut found, &mut ctes));
    // A query's own CTEs are not relations (`WITH x AS (...) SELECT FROM x`).
    found.requires.retain(|r| !(r.ns == Ns::Rel && r.schema.is_none() && ctes.contains(&r.name)));
    deps.requires.extend(found.requires);
}

fn reference<'a>(node: NodeRef<'a>, deps: &mut Deps, ctes: &mut BTreeSet<String>) {
    match node {
        NodeRef::RangeVar(rv) => deps.require(Name::from_range_var(Ns::Rel, Role::Object, rv)),
        NodeRef::TypeName(tn) => deps.require(type_name(tn)),
        NodeRef::FuncCall(call) => {
            deps.require(Name::from_nodes(Ns::Func, Role::Object, &call.funcname));
            // nextval('seq') names its sequence in a string.
            let name = strings(&call.funcname);
            if matches!(name.last(), Some(&("nextval" | "setval" | "currval"))) {
                let seq = call.args.first().and_then(string_const);
                deps.require(seq.and_then(|s| from_text(Ns::Rel, s)));
            }
        }
        // 'users'::regclass and friends name objects in strings.
        NodeRef::TypeCast(tc) => {
            let target = tc.type_name.as_ref().map(|t| strings(&t.names));
            let ns = match target.as_deref().and_then(|t| t.last().copied()) {
                Some("regclass" | "regtype") => Some(Ns::Rel),
                Some("regproc" | "regprocedure") => Some(Ns::Func),
                Some("regnamespace") => Some(Ns::Schema),
                _ => None,
            };
            if let (Some(ns), Some(text)) = (ns, tc.arg.as_deref().and_then(string_const)) {
                deps.require(from_text(ns, text));
            }
        }
        NodeRef::ObjectWithArgs(o) => deps.require(Name::from_nodes(Ns::Func, Role::Object, &o.objname)),
        NodeRef::CollateClause(c) => deps.require(Name::from_nodes(Ns::Other("collation"), Role::Object, &c.collname)),
        NodeRef::Constraint(c) => {
            // A foreign key needs the referenced key to exist, which may be
            // added by a later ALTER TABLE or CREATE UNIQUE INDEX.
            if let Some(pk) = &c.pktable {
                deps.require(Name::from_range_var(Ns::Rel, Role::Unique, pk));
            }
            if !c.indexname.is_empty() {
                deps.require(Some(Name::object(Ns::Rel, None, &c.indexname)));
            }
        }
        NodeRef::DefElem(d) if d.defname == "owned_by" => {
            // Sequence OWNED BY table.column.
            if let Some(NodeEnum::List(list)) = d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                if let Some((_, table)) = list.items.split_last() {
                    deps.require(Name::from_nodes(Ns::Rel, Role::Object, table));
                }
            }
        }
        NodeRef::CommonTableExpr(cte) => {
            ctes.insert(cte.ctename.to_lowercase());
        }
        // With check_function_bodies on (the default), a LANGUAGE sql body
        // written as a string is parsed and checked at creation time, so the
        // objects it uses must exist already.
        NodeRef::CreateFunctionStmt(f) if f.sql_body.is_none() && language(&f.options).as_deref() == Some("sql") => {
            if let Some(body) = body(&f.options) {
                sql_body_references(body, deps);
            }
        }
        _ => {}
    }
}

/// The type a `TypeName` names; `t.col%TYPE` refers to the relation `t`.
fn type_name(tn: &protobuf::TypeName) -> Option<Name> {
    if tn.pct_type {
        let (_, relation) = tn.names.split_last()?;
        Name::from_nodes(Ns::Rel, Role::Object, relation)
    } else {
        Name::from_nodes(Ns::Rel, Role::Object, &tn.names)
    }
}

/// The `LANGUAGE` of a CREATE FUNCTION, lowercased.
pub(crate) fn language(options: &[Node]) -> Option<String> {
    options.iter().find_map(|o| names::option_string(o, "language")).map(str::to_lowercase)
}

/// The `AS '...'` body of a CREATE FUNCTION (not the `obj_file, symbol` form).
fn body(options: &[Node]) -> Option<&str> {
    options.iter().find_map(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname == "as" => match d.arg.as_deref()?.node.as_ref()? {
            NodeEnum::List(l) if l.items.len() == 1 => names::string(&l.items[0]),
            NodeEnum::String(s) => Some(&s.sval),
            _ => None,
        },
        _ => None,
    })
}

fn sql_body_references(body: &str, deps: &mut Deps) {
    // Best effort: a body we cannot parse will fail on the server, which
    // reports it with a better message than we could.
    let Ok(parsed) = pg_query::parse(body, 0) else {
        return;
    };
    for stmt in &parsed.protobuf.stmts {
        if let Some(node) = stmt.stmt.as_ref().and_then(|s| s.node.as_ref()) {
            references(node, deps);
        }
    }
}

/// Dependencies from libpg_query's summary, for statements whose parse tree
/// is too deep for pg_query.rs to decode (see `parse.rs`).
pub(crate) fn of_summary(kind: &NodeEnum, summary: &protobuf::SummaryResult) -> Deps {
    use protobuf::summary_result::Context;
    let creates_relation =
        matches!(kind, NodeEnum::CreateStmt(_) | NodeEnum::ViewStmt(_) | NodeEnum::CreateTableAsStmt(_));
    let mut deps = Deps::default();
    for t in &summary.tables {
        let name = Name::object(Ns::Rel, Some(&t.schema_name), &t.table_name);
        if t.context == Context::Ddl as i32 {
            if creates_relation {
                deps.provide(Some(name));
            } else {
                deps.require(Some(name.clone()));
                deps.provide(Some(name.with_role(Role::Touch)));
            }
        } else {
            deps.require(Some(name));
        }
    }
    for f in &summary.functions {
        let name = Name::object(Ns::Func, Some(&f.schema_name), &f.function_name);
        if f.context == Context::Ddl as i32 && matches!(kind, NodeEnum::CreateFunctionStmt(_)) {
            deps.provide(Some(name));
        } else {
            deps.require(Some(name));
        }
    }
    finish(&mut deps);
    deps
}
