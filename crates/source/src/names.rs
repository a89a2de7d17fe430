//! Object names as dependency ordering compares them.

use pg_query::protobuf::{self, Node};
use pg_query::NodeEnum;

/// Which PostgreSQL namespace a name lives in.
///
/// Relations and types share one: every table also defines a row type, and a
/// type cannot share its name with a relation of the same schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ns {
    Schema,
    Extension,
    /// Tables, views, sequences, indexes and types.
    Rel,
    /// Functions, procedures and aggregates.
    Func,
    /// Everything else, by object kind ("collation", "server", "trigger"...).
    Other(&'static str),
}

/// What a statement does to a name, beyond creating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// Creates the object (or, when required, needs it to exist).
    Object,
    /// Changes the object (ALTER, CREATE INDEX/TRIGGER/POLICY ON it...).
    /// Requiring `Touch` means "after every statement that creates or changes
    /// it": COMMENT and GRANT must see the final shape of their object.
    Touch,
    /// Gives a relation a primary key, unique constraint or unique index, which
    /// a foreign key referencing it needs.
    Unique,
    /// "Everything in this schema" (`GRANT ... ON ALL TABLES IN SCHEMA s`).
    Contents,
}

/// A possibly schema-qualified name, lowercased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name {
    pub ns: Ns,
    pub role: Role,
    pub schema: Option<String>,
    pub name: String,
}

impl Name {
    pub(crate) fn new(ns: Ns, role: Role, schema: Option<&str>, name: &str) -> Self {
        Self { ns, role, schema: schema.filter(|s| !s.is_empty()).map(str::to_lowercase), name: name.to_lowercase() }
    }

    pub(crate) fn object(ns: Ns, schema: Option<&str>, name: &str) -> Self {
        Self::new(ns, Role::Object, schema, name)
    }

    pub(crate) fn with_role(&self, role: Role) -> Self {
        Self { role, ..self.clone() }
    }

    pub(crate) fn schema(name: &str) -> Self {
        Self::new(Ns::Schema, Role::Object, None, name)
    }

    /// `schema.name` or `name` from a list of `String` nodes (a catalog
    /// prefix, as in `db.schema.name`, is ignored).
    pub(crate) fn from_nodes(ns: Ns, role: Role, parts: &[Node]) -> Option<Self> {
        let parts = strings(parts);
        let (name, rest) = parts.split_last()?;
        Some(Self::new(ns, role, rest.last().copied(), name))
    }

    pub(crate) fn from_range_var(ns: Ns, role: Role, rv: &protobuf::RangeVar) -> Option<Self> {
        (!rv.relname.is_empty()).then(|| Self::new(ns, role, Some(&rv.schemaname), &rv.relname))
    }
}

/// The `sval` of a `String` node.
pub(crate) fn string(node: &Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::String(s)) => Some(&s.sval),
        _ => None,
    }
}

/// The `String` values of a list of nodes (others, like `*`, are dropped).
pub(crate) fn strings(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().filter_map(string).collect()
}

/// The `String` argument of a `DefElem` option `name`.
pub(crate) fn option_string<'a>(option: &'a Node, name: &str) -> Option<&'a str> {
    match &option.node {
        Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name) => d.arg.as_deref().and_then(string),
        _ => None,
    }
}

/// A string constant, possibly cast (`'x'`, `'x'::text`).
pub(crate) fn string_const(node: &Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(protobuf::a_const::Val::Sval(s)) => Some(&s.sval),
            _ => None,
        },
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().and_then(string_const),
        _ => None,
    }
}

/// Splits a textual object name as `regclass` input does: `a.b`, `"A".b`.
/// Unquoted parts are lowercased, quoted parts kept as written.
pub(crate) fn split_qualified(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c if quoted => current.push(c),
            c => current.extend(c.to_lowercase()),
        }
    }
    parts.push(current);
    parts
}

/// A name from text such as a `regclass` literal: `'public.users'`.
pub(crate) fn from_text(ns: Ns, text: &str) -> Option<Name> {
    // regprocedure literals carry an argument list: `'f(integer)'`.
    let text = text.split('(').next().unwrap_or_default();
    let parts = split_qualified(text);
    let (name, rest) = parts.split_last()?;
    (!name.is_empty()).then(|| Name::new(ns, Role::Object, rest.last().map(String::as_str), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_names() {
        assert_eq!(split_qualified("Public.Users"), ["public", "users"]);
        assert_eq!(split_qualified(r#""My.Schema"."T""x""#), ["My.Schema", r#"T"x"#]);
        let f = from_text(Ns::Func, "s.f(integer, text)").unwrap();
        assert_eq!((f.schema.as_deref(), f.name.as_str()), (Some("s"), "f"));
        assert!(from_text(Ns::Rel, "").is_none());
    }
}
