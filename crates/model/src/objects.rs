//! Objects kept as definitions: PostgreSQL prints their whole `CREATE` statement (views,
//! routines, triggers, policies, ...), so the model stores that text and what it depends on,
//! and a change is a replacement. Tables, columns and constraints, which change piecewise,
//! have their own structures.

use crate::QualName;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Collation,
    Domain,
    CompositeType,
    RangeType,
    Function,
    Procedure,
    Aggregate,
    View,
    MaterializedView,
    /// An index on a materialized view (table indexes belong to their table).
    ViewIndex,
    Trigger,
    Policy,
    Rule,
    Statistics,
    EventTrigger,
    Publication,
    ForeignDataWrapper,
    ForeignServer,
    ForeignTable,
}

impl ObjectKind {
    /// The SQL keyword phrase naming the kind, as in `COMMENT ON <phrase> ...`.
    pub fn sql_name(self) -> &'static str {
        match self {
            ObjectKind::Collation => "COLLATION",
            ObjectKind::Domain => "DOMAIN",
            ObjectKind::CompositeType | ObjectKind::RangeType => "TYPE",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Aggregate => "AGGREGATE",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::ViewIndex => "INDEX",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Policy => "POLICY",
            ObjectKind::Rule => "RULE",
            ObjectKind::Statistics => "STATISTICS",
            ObjectKind::EventTrigger => "EVENT TRIGGER",
            ObjectKind::Publication => "PUBLICATION",
            ObjectKind::ForeignDataWrapper => "FOREIGN DATA WRAPPER",
            ObjectKind::ForeignServer => "SERVER",
            ObjectKind::ForeignTable => "FOREIGN TABLE",
        }
    }
}

/// Identity of a definition object. `name` carries the argument types of routines
/// (`f(integer, text)`), so overloads are distinct; `table` is set for objects that hang on a
/// table (triggers, policies, rules) or a materialized view (its indexes).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectId {
    pub kind: ObjectKind,
    pub schema: String,
    pub name: String,
    pub table: Option<QualName>,
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.sql_name().to_lowercase();
        match &self.table {
            Some(t) => write!(f, "{kind} {} on {t}", self.name),
            None if self.schema.is_empty() => write!(f, "{kind} {}", self.name),
            None => write!(f, "{kind} {}.{}", self.schema, self.name),
        }
    }
}

impl ObjectId {
    /// The key other objects use to depend on this one: domains and composite types are
    /// types, which columns and routines name as such.
    pub fn key(&self) -> crate::ObjKey {
        match self.kind {
            ObjectKind::Domain | ObjectKind::CompositeType | ObjectKind::RangeType => {
                crate::ObjKey::Type { name: QualName::new(&self.schema, &self.name) }
            }
            _ => crate::ObjKey::Object { id: self.clone() },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbObject {
    pub id: ObjectId,
    /// The statement(s) that create it, as PostgreSQL prints them (no trailing semicolon).
    pub create: String,
    /// The statement that drops it.
    pub drop: String,
    /// What follows `COMMENT ON`, e.g. `FUNCTION public.f(integer)`.
    pub comment_target: String,
    pub comment: Option<String>,
    /// When set, a changed definition with the same signature on both sides is replaced in
    /// place by `create` (a `CREATE OR REPLACE`), which keeps dependents; otherwise a change
    /// drops and recreates the object and everything that depends on it.
    pub replace_signature: Option<String>,
    /// Comments on the columns of a view, materialized view or composite type, by column
    /// name: `COMMENT ON COLUMN` statements of their own, kept apart from `create` so a
    /// changed comment is a comment, not a recreation.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub column_comments: std::collections::BTreeMap<String, String>,
}

/// The alterable parts of a foreign-data wrapper or foreign server: a change confined to its
/// version and options is an `ALTER`, which keeps the user mappings and foreign tables that
/// depend on it; any other change (type, wrapper, handler, validator) recreates it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignDef {
    /// Everything but the version and the options, as printed in its `CREATE`.
    pub head: String,
    /// The server's version (raw, unquoted); always `None` for a wrapper.
    pub version: Option<String>,
    /// Option name to value (raw, unquoted).
    pub options: std::collections::BTreeMap<String, String>,
}
