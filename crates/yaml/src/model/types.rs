//! Collations; enum, composite, domain and range types.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{is_true, yes, Grants};
use super::shorthand::{any_of, list_short, shorthand, string_short};
use super::table::Check;

/// An enum type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = enum_schema)]
pub struct EnumType {
    /// The labels, in their sort order.
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`usage`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

shorthand!(
    EnumType,
    "a list of labels or a mapping",
    seq,
    |values| Ok(EnumType { values, ..Default::default() }),
    |e| (*e == EnumType { values: e.values.clone(), ..Default::default() }).then(|| e.values.clone())
);

fn enum_schema(schema: &mut schemars::Schema) {
    any_of(schema, list_short("The labels, in their sort order."));
}

/// A composite type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompositeType {
    /// Attributes in order, by name: `street: text`.
    pub attributes: IndexMap<String, Attribute>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`usage`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// An attribute of a composite type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = attribute_schema)]
pub struct Attribute {
    /// The SQL type.
    #[serde(rename = "type")]
    pub data_type: String,
    /// The collation: one name (`C`), or SQL when written with double quotes (`"app"."ci"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

shorthand!(
    Attribute,
    "a type name or a mapping",
    str,
    |data_type| Ok(Attribute { data_type, ..Default::default() }),
    |a| (a.collation.is_none() && a.comment.is_none()).then(|| a.data_type.clone())
);

fn attribute_schema(schema: &mut schemars::Schema) {
    any_of(schema, string_short("The attribute's SQL type."));
}

/// A domain: a type with constraints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// The underlying SQL type.
    #[serde(rename = "type")]
    pub data_type: String,
    /// Whether NULL is a value of the domain (default true, as in SQL).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nullable: bool,
    /// The default, an SQL expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::shorthand::optional_sql_scalar")]
    pub default: Option<String>,
    /// The collation: one name (`C`), or SQL when written with double quotes (`"app"."ci"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Checks by name, SQL conditions over `VALUE`: `email_has_at: VALUE LIKE '%@%'`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub checks: IndexMap<String, Check>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`usage`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// A range type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeType {
    /// The element type: `float8`, `timestamptz`.
    pub subtype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_opclass: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// The canonical function (discrete ranges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// The difference function (for GiST indexes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_diff: Option<String>,
    /// The name of the matching multirange type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multirange_type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`usage`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// Where a collation's rules come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollationProvider {
    Icu,
    Libc,
}

/// A collation. Omitted options take PostgreSQL's defaults (provider `libc`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collation {
    /// `icu` or `libc` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<CollationProvider>,
    /// The locale: an ICU locale (`und-u-ks-level2`) or a libc one (`C`, `en_US.utf8`), for both
    /// `lc_collate` and `lc_ctype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The libc locale of the sort order, when it differs from `lc_ctype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    /// The libc locale of character classes, when it differs from `lc_collate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
    /// False for a nondeterministic collation (strings that compare equal may differ, e.g.
    /// case-insensitive ones).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub deterministic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
