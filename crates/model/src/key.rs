use crate::{ObjectId, QualName};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an ordering fact is about. Index and sequence names live in their schema's relation
/// namespace, so they are keyed by schema, not by table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjKey {
    Schema {
        name: String,
    },
    Extension {
        name: String,
    },
    Type {
        name: QualName,
    },
    Sequence {
        name: QualName,
    },
    Table {
        name: QualName,
    },
    Column {
        table: QualName,
        column: String,
    },
    Constraint {
        table: QualName,
        name: String,
    },
    Index {
        name: QualName,
    },
    /// Views, routines, triggers, policies, domains and the other kinds kept as definitions.
    Object {
        id: ObjectId,
    },
    /// A managed role (cluster-wide).
    Role {
        name: String,
    },
    /// The `ALTER DEFAULT PRIVILEGES` entries of one role, database-wide or in one schema.
    DefaultPrivileges {
        role: String,
        schema: Option<String>,
    },
}

impl ObjKey {
    /// The top-level object a step is grouped under in the human plan.
    pub fn group(&self) -> String {
        match self {
            ObjKey::Schema { name } => format!("schema {name}"),
            ObjKey::Extension { name } => format!("extension {name}"),
            ObjKey::Type { name } => format!("type {name}"),
            ObjKey::Sequence { name } => format!("sequence {name}"),
            ObjKey::Table { name } | ObjKey::Column { table: name, .. } | ObjKey::Constraint { table: name, .. } => {
                format!("table {name}")
            }
            ObjKey::Index { name } => format!("index {name}"),
            ObjKey::Object { id } => match &id.table {
                Some(table) => format!("table {table}"),
                None => id.to_string(),
            },
            ObjKey::DefaultPrivileges { .. } | ObjKey::Role { .. } => self.to_string(),
        }
    }
}

impl fmt::Display for ObjKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjKey::Schema { name } => write!(f, "schema {name}"),
            ObjKey::Extension { name } => write!(f, "extension {name}"),
            ObjKey::Type { name } => write!(f, "type {name}"),
            ObjKey::Sequence { name } => write!(f, "sequence {name}"),
            ObjKey::Table { name } => write!(f, "table {name}"),
            ObjKey::Column { table, column } => write!(f, "column {table}.{column}"),
            ObjKey::Constraint { table, name } => write!(f, "constraint {name} on {table}"),
            ObjKey::Index { name } => write!(f, "index {name}"),
            ObjKey::Object { id } => write!(f, "{id}"),
            ObjKey::Role { name } => write!(f, "role {name}"),
            ObjKey::DefaultPrivileges { role, schema: None } => write!(f, "default privileges for role {role}"),
            ObjKey::DefaultPrivileges { role, schema: Some(schema) } => {
                write!(f, "default privileges for role {role} in schema {schema}")
            }
        }
    }
}
