//! Per-statement dependency rules: what each kind of statement creates or
//! changes, and the requirements the generic walk cannot see.

use pg_query::protobuf::{self, AlterTableType, ConstrType, GrantTargetType, Node, ObjectType};
use pg_query::NodeEnum;

use crate::deps::{of_statement, Deps};
use crate::names::{option_string, strings, Name, Ns, Role};
use crate::objects::object_names;

/// Adds what `node` provides, and requirements specific to its kind.
pub(crate) fn statement_rules(node: &NodeEnum, d: &mut Deps) {
    use NodeEnum as N;
    use Ns::{Other, Rel};
    let nodes = |ns, role, parts: &[Node]| Name::from_nodes(ns, role, parts);
    let rv = |ns, role, rv: &Option<protobuf::RangeVar>| rv.as_ref().and_then(|r| Name::from_range_var(ns, role, r));
    let named = |ns, name: &str| (!name.is_empty()).then(|| Name::object(ns, None, name));
    match node {
        N::CreateSchemaStmt(s) => create_schema(s, d),
        N::CreateExtensionStmt(s) => {
            d.provide(named(Ns::Extension, &s.extname));
            let schema = s.options.iter().find_map(|o| option_string(o, "schema"));
            d.require(schema.map(Name::schema));
        }
        N::CreateStmt(s) => create_table(s, d),
        N::CreateForeignTableStmt(s) => {
            if let Some(base) = &s.base_stmt {
                create_table(base, d);
            }
            d.require(named(Other("server"), &s.servername));
        }
        N::ViewStmt(s) => d.provide(rv(Rel, Role::Object, &s.view)),
        N::CreateTableAsStmt(s) => {
            let into = s.into.as_ref().and_then(|i| i.rel.as_ref());
            d.provide(into.and_then(|r| Name::from_range_var(Rel, Role::Object, r)));
        }
        N::CreateSeqStmt(s) => d.provide(rv(Rel, Role::Object, &s.sequence)),
        N::AlterSeqStmt(s) => d.provide(rv(Rel, Role::Touch, &s.sequence)),
        N::IndexStmt(s) => {
            let table = s.relation.as_ref();
            let schema = table.map(|t| t.schemaname.as_str());
            if !s.idxname.is_empty() {
                d.provide(Some(Name::object(Rel, schema, &s.idxname)));
            }
            // No `Touch` of the table: an index changes nothing a COMMENT or
            // GRANT on the table depends on (COMMENT ON INDEX names the index).
            if s.unique || s.primary {
                d.provide(rv(Rel, Role::Unique, &s.relation));
            }
        }
        N::CreateEnumStmt(s) => d.provide(nodes(Rel, Role::Object, &s.type_name)),
        N::AlterEnumStmt(s) => d.provide(nodes(Rel, Role::Touch, &s.type_name)),
        N::CompositeTypeStmt(s) => d.provide(rv(Rel, Role::Object, &s.typevar)),
        N::CreateDomainStmt(s) => d.provide(nodes(Rel, Role::Object, &s.domainname)),
        N::AlterDomainStmt(s) => d.provide(nodes(Rel, Role::Touch, &s.type_name)),
        N::AlterTypeStmt(s) => d.provide(nodes(Rel, Role::Touch, &s.type_name)),
        N::CreateRangeStmt(s) => create_range(s, d),
        N::DefineStmt(s) => define(s, d),
        N::CreateFunctionStmt(s) => d.provide(nodes(Ns::Func, Role::Object, &s.funcname)),
        N::AlterFunctionStmt(s) => {
            let func = s.func.as_ref().map(|f| f.objname.as_slice()).unwrap_or_default();
            d.provide(nodes(Ns::Func, Role::Touch, func));
        }
        N::CreateTrigStmt(s) => {
            if let Some(table) = &s.relation {
                d.provide(trigger(table, &s.trigname));
            }
            d.provide(rv(Rel, Role::Touch, &s.relation));
            d.require(nodes(Ns::Func, Role::Object, &s.funcname));
        }
        N::CreateEventTrigStmt(s) => {
            d.provide(named(Other("event trigger"), &s.trigname));
            d.require(nodes(Ns::Func, Role::Object, &s.funcname));
        }
        N::AlterEventTrigStmt(s) => d.provide(named(Other("event trigger"), &s.trigname).map(touch)),
        N::CreatePolicyStmt(s) => d.provide(rv(Rel, Role::Touch, &s.table)),
        N::AlterPolicyStmt(s) => d.provide(rv(Rel, Role::Touch, &s.table)),
        N::RuleStmt(s) => d.provide(rv(Rel, Role::Touch, &s.relation)),
        N::CreateStatsStmt(s) => d.provide(nodes(Other("statistics"), Role::Object, &s.defnames)),
        N::AlterStatsStmt(s) => d.provide(nodes(Other("statistics"), Role::Touch, &s.defnames)),
        N::CreatePublicationStmt(s) => {
            d.provide(named(Other("publication"), &s.pubname));
            publication_schemas(&s.pubobjects, d);
        }
        N::AlterPublicationStmt(s) => {
            d.provide(named(Other("publication"), &s.pubname).map(touch));
            publication_schemas(&s.pubobjects, d);
        }
        N::CreateFdwStmt(s) => {
            d.provide(named(Other("fdw"), &s.fdwname));
            fdw_functions(&s.func_options, d);
        }
        N::AlterFdwStmt(s) => {
            d.provide(named(Other("fdw"), &s.fdwname).map(touch));
            fdw_functions(&s.func_options, d);
        }
        N::CreateForeignServerStmt(s) => {
            d.provide(named(Other("server"), &s.servername));
            d.require(named(Other("fdw"), &s.fdwname));
        }
        N::AlterForeignServerStmt(s) => d.provide(named(Other("server"), &s.servername).map(touch)),
        N::CreateUserMappingStmt(s) => d.require(named(Other("server"), &s.servername)),
        N::AlterUserMappingStmt(s) => d.require(named(Other("server"), &s.servername)),
        N::CreateConversionStmt(s) => {
            d.provide(nodes(Other("conversion"), Role::Object, &s.conversion_name));
            d.require(nodes(Ns::Func, Role::Object, &s.func_name));
        }
        N::CreateAmStmt(s) => {
            d.provide(named(Other("access method"), &s.amname));
            d.require(nodes(Ns::Func, Role::Object, &s.handler_name));
        }
        N::CreatePlangStmt(s) => {
            d.provide(named(Other("language"), &s.plname));
            for handler in [&s.plhandler, &s.plinline, &s.plvalidator] {
                d.require(nodes(Ns::Func, Role::Object, handler));
            }
        }
        N::CreateOpClassStmt(s) => {
            d.provide(nodes(Other("operator class"), Role::Object, &s.opclassname));
            d.require(nodes(Other("operator family"), Role::Object, &s.opfamilyname));
        }
        N::CreateOpFamilyStmt(s) => d.provide(nodes(Other("operator family"), Role::Object, &s.opfamilyname)),
        N::AlterCollationStmt(s) => d.provide(nodes(Other("collation"), Role::Touch, &s.collname)),
        N::AlterTableStmt(s) => alter_table(s, d),
        N::AlterOwnerStmt(s) => {
            for name in object_names(s.object_type, s.relation.as_ref(), s.object.as_deref()) {
                d.require(Some(name.with_role(Role::Object)));
                d.provide(Some(name));
            }
        }
        N::AlterObjectSchemaStmt(s) => {
            for name in object_names(s.object_type, s.relation.as_ref(), s.object.as_deref()) {
                d.require(Some(name.with_role(Role::Object)));
                // The object now lives in the new schema, under that name.
                d.provide(Some(Name::object(name.ns, Some(&s.newschema), &name.name)));
            }
            d.require(named(Ns::Schema, &s.newschema));
        }
        N::AlterObjectDependsStmt(s) => {
            for name in object_names(s.object_type, s.relation.as_ref(), s.object.as_deref()) {
                d.require(Some(name));
            }
            let ext = s.extname.as_ref().map(|e| e.sval.as_str()).unwrap_or_default();
            d.require(named(Ns::Extension, ext));
        }
        N::AlterExtensionStmt(s) => d.provide(named(Ns::Extension, &s.extname).map(touch)),
        N::AlterExtensionContentsStmt(s) => {
            d.provide(named(Ns::Extension, &s.extname).map(touch));
            for name in object_names(s.objtype, None, s.object.as_deref()) {
                d.require(Some(name));
            }
        }
        N::CommentStmt(s) => {
            for name in object_names(s.objtype, None, s.object.as_deref()) {
                d.require(Some(name));
            }
        }
        N::SecLabelStmt(s) => {
            for name in object_names(s.objtype, None, s.object.as_deref()) {
                d.require(Some(name));
            }
        }
        N::GrantStmt(s) => grant(s, d),
        N::AlterDefaultPrivilegesStmt(s) => {
            for option in &s.options {
                if let Some(NodeEnum::DefElem(e)) = &option.node {
                    if e.defname == "schemas" {
                        for schema in list_strings(e.arg.as_deref()) {
                            d.require(Some(Name::schema(schema)));
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

fn touch(name: Name) -> Name {
    name.with_role(Role::Touch)
}

/// Triggers are named per table: `table.trigger`.
fn trigger(table: &protobuf::RangeVar, trigname: &str) -> Option<Name> {
    (!trigname.is_empty()).then(|| {
        let name = format!("{}.{trigname}", table.relname);
        Name::object(Ns::Other("trigger"), Some(&table.schemaname), &name)
    })
}

fn list_strings(node: Option<&Node>) -> Vec<&str> {
    match node.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::List(l)) => strings(&l.items),
        Some(NodeEnum::String(s)) => vec![s.sval.as_str()],
        _ => Vec::new(),
    }
}

/// `CREATE SCHEMA s [AUTHORIZATION r] [CREATE TABLE ... CREATE VIEW ...]`.
fn create_schema(s: &protobuf::CreateSchemaStmt, d: &mut Deps) {
    // Without a name, the schema is named after the authorization role.
    let role = s.authrole.as_ref().map(|r| r.rolename.as_str()).unwrap_or_default();
    let schema = if s.schemaname.is_empty() { role } else { &s.schemaname };
    if schema.is_empty() {
        return;
    }
    d.provide(Some(Name::schema(schema)));
    // Embedded elements create their unqualified objects in the new schema,
    // and their unqualified references find siblings there first.
    let schema = schema.to_lowercase();
    let mut requires = Vec::new();
    for element in &s.schema_elts {
        let Some(node) = &element.node else { continue };
        let inner = of_statement(node);
        for mut name in inner.provides {
            if name.schema.is_none() && name.ns != Ns::Schema && name.ns != Ns::Extension {
                name.schema = Some(schema.clone());
            }
            d.provide(Some(name));
        }
        requires.extend(inner.requires);
    }
    for required in requires {
        let sibling = Name { schema: Some(schema.clone()), ..required.clone() };
        if !(required.schema.is_none() && d.provides.contains(&sibling.with_role(Role::Object))) {
            d.require(Some(required));
        }
    }
}

/// CREATE TABLE (and the base of CREATE FOREIGN TABLE).
fn create_table(s: &protobuf::CreateStmt, d: &mut Deps) {
    let Some(table) = &s.relation else { return };
    d.provide(Name::from_range_var(Ns::Rel, Role::Object, table));
    for element in &s.table_elts {
        match &element.node {
            Some(NodeEnum::ColumnDef(column)) => implicit_sequence(table, column, d),
            Some(NodeEnum::Constraint(c)) => unique_constraint(table, c, d),
            _ => {}
        }
    }
}

/// `serial` and identity columns create a sequence named `table_column_seq`,
/// which later statements (GRANT, ALTER SEQUENCE) may use by that name.
fn implicit_sequence(table: &protobuf::RangeVar, column: &protobuf::ColumnDef, d: &mut Deps) {
    let type_name = column.type_name.as_ref().map(|t| strings(&t.names));
    let serial = matches!(
        type_name.as_deref(),
        Some(["serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"])
    );
    let identity = column
        .constraints
        .iter()
        .any(|c| matches!(&c.node, Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrIdentity as i32));
    let name = format!("{}_{}_seq", table.relname, column.colname);
    // PostgreSQL shortens longer names, picking a name we cannot predict.
    if (serial || identity) && name.len() <= 63 {
        d.provide(Some(Name::object(Ns::Rel, Some(&table.schemaname), &name)));
    }
}

fn unique_constraint(table: &protobuf::RangeVar, c: &protobuf::Constraint, d: &mut Deps) {
    let unique = [ConstrType::ConstrPrimary, ConstrType::ConstrUnique, ConstrType::ConstrExclusion];
    if unique.iter().any(|t| *t as i32 == c.contype) {
        d.provide(Name::from_range_var(Ns::Rel, Role::Unique, table));
    }
}

fn alter_table(s: &protobuf::AlterTableStmt, d: &mut Deps) {
    use AlterTableType as At;
    let Some(table) = &s.relation else { return };
    d.provide(Name::from_range_var(Ns::Rel, Role::Touch, table));
    let index = |name: &str| Name::object(Ns::Rel, Some(&table.schemaname), name);
    for cmd in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
            continue;
        };
        let def = cmd.def.as_deref().and_then(|n| n.node.as_ref());
        let subtype = At::try_from(cmd.subtype).unwrap_or(At::Undefined);
        match (subtype, def) {
            (At::AtAddColumn, Some(NodeEnum::ColumnDef(column))) => implicit_sequence(table, column, d),
            (At::AtAddConstraint, Some(NodeEnum::Constraint(c))) => {
                unique_constraint(table, c, d);
                if !c.indexname.is_empty() {
                    d.require(Some(index(&c.indexname)));
                }
            }
            (At::AtEnableTrig | At::AtEnableAlwaysTrig | At::AtEnableReplicaTrig | At::AtDisableTrig, _) => {
                d.require(trigger(table, &cmd.name));
            }
            (At::AtClusterOn, _) => d.require(Some(index(&cmd.name))),
            (At::AtReplicaIdentity, Some(NodeEnum::ReplicaIdentityStmt(r))) if !r.name.is_empty() => {
                d.require(Some(index(&r.name)));
            }
            _ => {}
        }
    }
}

/// `CREATE TYPE r AS RANGE (...)` also creates a multirange type and
/// constructor functions for both.
fn create_range(s: &protobuf::CreateRangeStmt, d: &mut Deps) {
    let Some(range) = Name::from_nodes(Ns::Rel, Role::Object, &s.type_name) else {
        return;
    };
    let explicit = s.params.iter().find_map(|p| match &p.node {
        Some(NodeEnum::DefElem(e)) if e.defname == "multirange_type_name" => {
            match e.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::TypeName(t)) => Name::from_nodes(Ns::Rel, Role::Object, &t.names),
                _ => None,
            }
        }
        _ => None,
    });
    // PostgreSQL's default: "range" becomes "multirange", else add "_multirange".
    let multirange = explicit.unwrap_or_else(|| {
        let name = match range.name.find("range") {
            Some(i) => format!("{}multi{}", &range.name[..i], &range.name[i..]),
            None => format!("{}_multirange", range.name),
        };
        Name::object(Ns::Rel, range.schema.as_deref(), &name)
    });
    for name in [range, multirange] {
        let constructor = Name::object(Ns::Func, name.schema.as_deref(), &name.name);
        d.provide(Some(name));
        d.provide(Some(constructor));
    }
}

/// CREATE AGGREGATE / OPERATOR / TYPE (base) / COLLATION / TEXT SEARCH ...
fn define(s: &protobuf::DefineStmt, d: &mut Deps) {
    let ns = match ObjectType::try_from(s.kind).unwrap_or(ObjectType::Undefined) {
        ObjectType::ObjectAggregate => Ns::Func,
        ObjectType::ObjectType => Ns::Rel,
        ObjectType::ObjectOperator => Ns::Other("operator"),
        ObjectType::ObjectCollation => Ns::Other("collation"),
        ObjectType::ObjectTsdictionary => Ns::Other("text search dictionary"),
        ObjectType::ObjectTsconfiguration => Ns::Other("text search configuration"),
        ObjectType::ObjectTsparser => Ns::Other("text search parser"),
        ObjectType::ObjectTstemplate => Ns::Other("text search template"),
        _ => Ns::Other("object"),
    };
    d.provide(Name::from_nodes(ns, Role::Object, &s.defnames));
    // Support functions (`sfunc = f`, `input = f_in`) are written where the
    // grammar expects a type name, so the walk saw them as types.
    for option in &s.definition {
        let Some(NodeEnum::DefElem(e)) = &option.node else {
            continue;
        };
        match e.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::TypeName(t)) => d.require(Name::from_nodes(Ns::Func, Role::Object, &t.names)),
            Some(NodeEnum::List(l)) if e.defname == "from" => {
                d.require(Name::from_nodes(Ns::Other("collation"), Role::Object, &l.items))
            }
            _ => {}
        }
    }
}

fn publication_schemas(objects: &[Node], d: &mut Deps) {
    for object in objects {
        if let Some(NodeEnum::PublicationObjSpec(spec)) = &object.node {
            if !spec.name.is_empty() {
                d.require(Some(Name::schema(&spec.name)));
            }
        }
    }
}

fn fdw_functions(options: &[Node], d: &mut Deps) {
    for option in options {
        if let Some(NodeEnum::DefElem(e)) = &option.node {
            if let Some(NodeEnum::List(l)) = e.arg.as_deref().and_then(|a| a.node.as_ref()) {
                d.require(Name::from_nodes(Ns::Func, Role::Object, &l.items));
            }
        }
    }
}

fn grant(s: &protobuf::GrantStmt, d: &mut Deps) {
    if s.targtype == GrantTargetType::AclTargetAllInSchema as i32 {
        // ON ALL TABLES IN SCHEMA s: only the objects that exist by then.
        for schema in strings(&s.objects) {
            d.require(Some(Name::new(Ns::Schema, Role::Contents, None, schema)));
        }
        return;
    }
    for object in &s.objects {
        for name in object_names(s.objtype, None, Some(object)) {
            d.require(Some(name));
        }
    }
}
