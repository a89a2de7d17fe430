//! Sequences, views and routines.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{is_false, is_true, yes, Grants};
use super::table::Index;

/// A sequence. Omitted options take PostgreSQL's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    /// The sequence's type (`AS`): `smallint`, `integer` or `bigint` (the default).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    /// Wrap around at the end instead of failing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cycle: bool,
    /// The column the sequence belongs to (dropped with it): `portal.users.user_number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`usage`, `select`, `update`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// `WITH CHECK OPTION` of an updatable view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckOption {
    Local,
    Cascaded,
}

/// A view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// The SQL query.
    pub query: String,
    /// Names for the query's columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// View options (`WITH`): `security_barrier: true`, `security_invoker: true`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(schema_with = "super::shorthand::sql_scalar_map")]
    pub with: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_option: Option<CheckOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Comments on the view's columns, by column.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub column_comments: IndexMap<String, String>,
    /// Privileges by role.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// A materialized view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterializedView {
    /// The SQL query.
    pub query: String,
    /// Names for the query's columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Storage parameters (`WITH`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(schema_with = "super::shorthand::sql_scalar_map")]
    pub with: IndexMap<String, String>,
    /// Filled when created (`WITH DATA`, the default) or left empty until refreshed.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub with_data: bool,
    /// Indexes by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub indexes: IndexMap<String, Index>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Comments on the view's columns, by column.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub column_comments: IndexMap<String, String>,
    /// Privileges by role.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// `IMMUTABLE`, `STABLE` or `VOLATILE` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

/// `PARALLEL SAFE`, `RESTRICTED` or `UNSAFE` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Parallel {
    Safe,
    Restricted,
    Unsafe,
}

/// A function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Function {
    /// The argument list as SQL: `a integer, b text DEFAULT ''` (none when omitted, unless
    /// the key gives it: `area(integer, integer)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// The return type as SQL: `integer`, `trigger`, `SETOF portal.users`, `TABLE (id bigint)`.
    pub returns: String,
    /// `sql`, `plpgsql`...
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility: Option<Volatility>,
    /// `STRICT`: NULL arguments give NULL without a call.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    /// `SECURITY DEFINER`: runs with its owner's privileges.
    #[serde(default, skip_serializing_if = "is_false")]
    pub security_definer: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub leakproof: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel: Option<Parallel>,
    /// Estimated execution cost, in units of cpu_operator_cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::shorthand::optional_sql_scalar")]
    pub cost: Option<String>,
    /// Estimated number of rows (set-returning functions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::shorthand::optional_sql_scalar")]
    pub rows: Option<String>,
    /// Settings while it runs (`SET`): `search_path: pg_catalog, pg_temp`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(schema_with = "super::shorthand::sql_scalar_map")]
    pub set: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`execute`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// The body, as text (written between dollar quotes). Last, as in SQL.
    pub body: String,
}

/// A procedure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// The argument list as SQL (none when omitted, unless the key gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// `sql`, `plpgsql`...
    pub language: String,
    /// `SECURITY DEFINER`: runs with its owner's privileges.
    #[serde(default, skip_serializing_if = "is_false")]
    pub security_definer: bool,
    /// Settings while it runs (`SET`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(schema_with = "super::shorthand::sql_scalar_map")]
    pub set: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`execute`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// The body, as text (written between dollar quotes). Last, as in SQL.
    pub body: String,
}
