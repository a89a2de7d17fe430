//! Small readers over pg_query's parse tree, shared by the rules: names as they were written,
//! the commands of an ALTER TABLE, and what a default expression calls.

use std::fmt;

use pg_query::protobuf::{self, AlterTableType, ConstrType, Node};
use pg_query::NodeEnum;

/// A relation (or other schema object) name as written: `schema.name` or `name`. The parser
/// already folded unquoted identifiers to lower case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name {
    pub schema: Option<String>,
    pub name: String,
}

impl Name {
    pub fn of(range: &protobuf::RangeVar) -> Name {
        Name { schema: (!range.schemaname.is_empty()).then(|| range.schemaname.clone()), name: range.relname.clone() }
    }

    /// From the `[schema,] name` string list of a DROP.
    pub fn from_list(items: &[Node]) -> Option<Name> {
        let parts: Vec<&str> = items.iter().filter_map(string).collect();
        match parts.as_slice() {
            [name] => Some(Name { schema: None, name: name.to_string() }),
            [.., schema, name] => Some(Name { schema: Some(schema.to_string()), name: name.to_string() }),
            [] => None,
        }
    }

    /// Whether both name the same object. Without the search path, an unqualified name is
    /// taken to mean the same schema as a qualified one only when that schema is `public`.
    pub fn same(&self, other: &Name) -> bool {
        self.name == other.name
            && match (self.schema.as_deref(), other.schema.as_deref()) {
                (Some(a), Some(b)) => a == b,
                (None, None) | (None, Some("public")) | (Some("public"), None) => true,
                _ => false,
            }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

pub(crate) fn string(node: &Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::String(s)) => Some(&s.sval),
        _ => None,
    }
}

/// The name of a dropped, granted or renamed object, as written (`s.t`, `f(integer)`...).
pub(crate) fn object_name(node: &Node) -> String {
    match &node.node {
        Some(NodeEnum::List(list)) => dotted(&list.items),
        Some(NodeEnum::String(s)) => s.sval.clone(),
        Some(NodeEnum::RangeVar(r)) => Name::of(r).to_string(),
        Some(NodeEnum::TypeName(t)) => type_name(t),
        Some(NodeEnum::ObjectWithArgs(o)) => {
            let args: Vec<String> = o
                .objargs
                .iter()
                .filter_map(|a| match &a.node {
                    Some(NodeEnum::TypeName(t)) => Some(type_name(t)),
                    _ => None,
                })
                .collect();
            if o.args_unspecified {
                dotted(&o.objname)
            } else {
                format!("{}({})", dotted(&o.objname), args.join(", "))
            }
        }
        Some(NodeEnum::RoleSpec(r)) => role(r),
        _ => "?".into(),
    }
}

pub(crate) fn dotted(items: &[Node]) -> String {
    items.iter().filter_map(string).collect::<Vec<_>>().join(".")
}

/// A type as a reader would write it: `text`, `varchar(20)`, `int4[]`.
pub(crate) fn type_name(t: &protobuf::TypeName) -> String {
    let names: Vec<&str> = t.names.iter().filter_map(string).collect();
    let mut out = match names.as_slice() {
        ["pg_catalog", name] => name.to_string(),
        _ => names.join("."),
    };
    let mods: Vec<String> = t
        .typmods
        .iter()
        .filter_map(|m| match &m.node {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(protobuf::a_const::Val::Ival(i)) => Some(i.ival.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if !mods.is_empty() {
        out.push_str(&format!("({})", mods.join(",")));
    }
    for _ in &t.array_bounds {
        out.push_str("[]");
    }
    out
}

pub(crate) fn role(r: &protobuf::RoleSpec) -> String {
    match protobuf::RoleSpecType::try_from(r.roletype) {
        Ok(protobuf::RoleSpecType::RolespecPublic) => "public".into(),
        Ok(protobuf::RoleSpecType::RolespecCurrentUser) => "current_user".into(),
        Ok(protobuf::RoleSpecType::RolespecSessionUser) => "session_user".into(),
        Ok(protobuf::RoleSpecType::RolespecCurrentRole) => "current_role".into(),
        _ => r.rolename.clone(),
    }
}

/// The commands of an `ALTER TABLE` (or `ALTER INDEX`...), with the relation they act on.
pub(crate) fn alter_commands(node: &NodeEnum) -> Option<(Name, Vec<(AlterTableType, &protobuf::AlterTableCmd)>)> {
    let NodeEnum::AlterTableStmt(s) = node else { return None };
    let table = Name::of(s.relation.as_ref()?);
    let commands = s
        .cmds
        .iter()
        .filter_map(|c| match &c.node {
            Some(NodeEnum::AlterTableCmd(cmd)) => AlterTableType::try_from(cmd.subtype).ok().map(|t| (t, &**cmd)),
            _ => None,
        })
        .collect();
    Some((table, commands))
}

/// The column an `ADD COLUMN` adds.
pub(crate) fn column_def(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::ColumnDef> {
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::ColumnDef(c)) => Some(c),
        _ => None,
    }
}

/// The constraint an `ADD CONSTRAINT` adds.
pub(crate) fn constraint(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::Constraint> {
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) => Some(c),
        _ => None,
    }
}

/// The constraints written inline on a column definition.
pub(crate) fn column_constraints(column: &protobuf::ColumnDef) -> impl Iterator<Item = &protobuf::Constraint> {
    column.constraints.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::Constraint(c)) => Some(&**c),
        _ => None,
    })
}

pub(crate) fn constraint_type(c: &protobuf::Constraint) -> Option<ConstrType> {
    ConstrType::try_from(c.contype).ok()
}

/// The column a `CHECK (col IS NOT NULL)` proves not null, if that is all it says.
pub(crate) fn not_null_check_column(c: &protobuf::Constraint) -> Option<String> {
    if constraint_type(c) != Some(ConstrType::ConstrCheck) {
        return None;
    }
    let Some(NodeEnum::NullTest(test)) = c.raw_expr.as_deref().and_then(|e| e.node.as_ref()) else { return None };
    if protobuf::NullTestType::try_from(test.nulltesttype) != Ok(protobuf::NullTestType::IsNotNull) {
        return None;
    }
    match test.arg.as_deref().and_then(|a| a.node.as_ref()) {
        Some(NodeEnum::ColumnRef(r)) => match r.fields.as_slice() {
            [field] => string(field).map(str::to_string),
            _ => None,
        },
        _ => None,
    }
}

/// Every function called anywhere in an expression, by name (last part, lower case).
pub(crate) fn called_functions(expr: &Node, out: &mut Vec<String>) {
    let mut children: Vec<&Node> = Vec::new();
    match &expr.node {
        Some(NodeEnum::FuncCall(f)) => {
            out.extend(f.funcname.last().and_then(string).map(str::to_ascii_lowercase));
            children.extend(&f.args);
        }
        Some(NodeEnum::TypeCast(c)) => children.extend(c.arg.as_deref()),
        Some(NodeEnum::CollateClause(c)) => children.extend(c.arg.as_deref()),
        Some(NodeEnum::AExpr(e)) => children.extend(e.lexpr.as_deref().into_iter().chain(e.rexpr.as_deref())),
        Some(NodeEnum::BoolExpr(e)) => children.extend(&e.args),
        Some(NodeEnum::CoalesceExpr(e)) => children.extend(&e.args),
        Some(NodeEnum::MinMaxExpr(e)) => children.extend(&e.args),
        Some(NodeEnum::NullTest(e)) => children.extend(e.arg.as_deref()),
        Some(NodeEnum::AArrayExpr(e)) => children.extend(&e.elements),
        Some(NodeEnum::RowExpr(e)) => children.extend(&e.args),
        Some(NodeEnum::List(l)) => children.extend(&l.items),
        Some(NodeEnum::CaseExpr(e)) => {
            children.extend(e.arg.as_deref().into_iter().chain(e.defresult.as_deref()));
            children.extend(&e.args);
        }
        Some(NodeEnum::CaseWhen(w)) => children.extend(w.expr.as_deref().into_iter().chain(w.result.as_deref())),
        _ => {}
    }
    for child in children {
        called_functions(child, out);
    }
}

/// Whether a `DefElem` option list (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY)`) turns `name`
/// on: a bare option, or one set to true / on / 1.
pub(crate) fn option_on(options: &[Node], name: &str) -> bool {
    options.iter().any(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name) => {
            match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                None => true,
                Some(NodeEnum::Boolean(b)) => b.boolval,
                Some(NodeEnum::Integer(i)) => i.ival != 0,
                Some(NodeEnum::String(s)) => matches!(s.sval.to_ascii_lowercase().as_str(), "true" | "on" | "1"),
                _ => true,
            }
        }
        _ => false,
    })
}
