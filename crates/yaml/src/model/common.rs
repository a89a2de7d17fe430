//! Pieces several object kinds share: grants, actions, defaults.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::shorthand::{any_of, list_short, shorthand};

/// Privileges by role: `app_reader: [select]`. The role `public` is PostgreSQL's `PUBLIC`. An
/// empty list takes every privilege away from the role: `public: []` on a function revokes
/// the `EXECUTE` PostgreSQL gives everyone on new functions (`USAGE` on types).
pub type Grants = IndexMap<String, Grant>;

/// The privileges one role is granted on an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = grant_schema)]
pub struct Grant {
    /// Privileges as SQL names: `select`, `insert`, `usage`, `execute`, `all`...
    pub privileges: Vec<String>,
    /// `WITH GRANT OPTION`: the role may grant them on.
    #[serde(default, skip_serializing_if = "is_false")]
    pub with_grant_option: bool,
}

shorthand!(
    Grant,
    "a list of privileges or a mapping",
    seq,
    |privileges| Ok(Grant { privileges, with_grant_option: false }),
    |g| (!g.with_grant_option).then(|| g.privileges.clone())
);

fn grant_schema(schema: &mut schemars::Schema) {
    any_of(schema, list_short("The privileges, e.g. [select, insert]."));
}

/// `ALTER DEFAULT PRIVILEGES`: the privileges objects receive when the role that applies the
/// schema creates them later, by kind of object: `tables: {reader: [select]}`. A role listed
/// with none loses what it would get: `functions: {public: []}` takes away the `EXECUTE`
/// PostgreSQL gives everyone on new functions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultPrivileges {
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub tables: Grants,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub sequences: Grants,
    /// Functions and procedures.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub functions: Grants,
    /// Types and domains.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub types: Grants,
    /// Schemas (database-wide default privileges only).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub schemas: Grants,
}

impl DefaultPrivileges {
    pub fn is_empty(&self) -> bool {
        *self == DefaultPrivileges::default()
    }

    /// Each kind of object with its SQL name (`TABLES`...) and its grants.
    pub fn by_kind(&self) -> [(&'static str, &'static str, &Grants); 5] {
        [
            ("tables", "TABLES", &self.tables),
            ("sequences", "SEQUENCES", &self.sequences),
            ("functions", "FUNCTIONS", &self.functions),
            ("types", "TYPES", &self.types),
            ("schemas", "SCHEMAS", &self.schemas),
        ]
    }
}

/// What a foreign key does when the referenced row is deleted or its key updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Action {
    #[serde(rename = "no action")]
    NoAction,
    #[serde(rename = "restrict")]
    Restrict,
    #[serde(rename = "cascade")]
    Cascade,
    #[serde(rename = "set null")]
    SetNull,
    #[serde(rename = "set default")]
    SetDefault,
}

impl Action {
    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }
}

/// How a multi-column foreign key matches rows with NULLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    Simple,
    Full,
}

pub(crate) fn yes() -> bool {
    true
}

pub(crate) fn is_true(b: &bool) -> bool {
    *b
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
