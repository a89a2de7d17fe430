//! The document: one YAML file of desired state.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DefaultPrivileges, Grants};
use super::objects::{Function, MaterializedView, Procedure, Sequence, View};
use super::table::Table;
use super::types::{Collation, CompositeType, Domain, EnumType, RangeType};

/// A schemactl desired-state file: the objects it declares, by kind, keyed by name.
///
/// Names under the object kinds are either qualified (`portal.users`) or bare (`users`), which
/// puts them in the schema named by `schema` (default `public`). Names are taken exactly as
/// written (never folded to lower case, never SQL-quoted); types, expressions, queries and
/// bodies are SQL text and follow SQL's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "schemactl desired state")]
pub struct Document {
    /// The schema of the bare names in this file (default `public`). It only names the
    /// schema: declare the schema itself under `schemas` (in this file or another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// What objects created anywhere later receive (`ALTER DEFAULT PRIVILEGES`).
    #[serde(default, skip_serializing_if = "DefaultPrivileges::is_empty")]
    pub default_privileges: DefaultPrivileges,
    /// Extensions by name: `citext: {schema: public}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: IndexMap<String, Extension>,
    /// Schemas by name. `public` exists in every database and is never created, only
    /// commented and granted on.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub schemas: IndexMap<String, SchemaDef>,
    /// Collations: `ci: {provider: icu, locale: und-u-ks-level2, deterministic: false}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub collations: IndexMap<String, Collation>,
    /// Enum types: `mood: [sad, ok, happy]`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub enums: IndexMap<String, EnumType>,
    /// Composite types.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub composite_types: IndexMap<String, CompositeType>,
    /// Domains: a type with a default, NOT NULL and checks.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub domains: IndexMap<String, Domain>,
    /// Range types.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub range_types: IndexMap<String, RangeType>,
    /// Sequences.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub sequences: IndexMap<String, Sequence>,
    /// Tables, with their columns, constraints, indexes, triggers, policies and statistics.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub tables: IndexMap<String, Table>,
    /// Views.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub views: IndexMap<String, View>,
    /// Materialized views.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub materialized_views: IndexMap<String, MaterializedView>,
    /// Functions, keyed by name (`arguments` gives the signature) or by name and signature
    /// (`area(integer, integer)`), so that overloads can sit side by side. With both, the key's
    /// signature names the function in comments and grants, and `arguments` declares it (with
    /// argument names and defaults, which those refuse).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub functions: IndexMap<String, Function>,
    /// Procedures, keyed like functions.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub procedures: IndexMap<String, Procedure>,
}

/// An extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// The schema its objects go to (`WITH SCHEMA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The version (`VERSION`); the default version when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`usage`, `create`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// What objects created in this schema later receive (`ALTER DEFAULT PRIVILEGES IN SCHEMA`).
    #[serde(default, skip_serializing_if = "DefaultPrivileges::is_empty")]
    pub default_privileges: DefaultPrivileges,
    /// The schema's previous name, when it was renamed (see the README on renames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}
