//! Tables and what belongs to them.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{is_false, is_true, yes, Action, Grants, Match};
use super::shorthand::{any_of, list_short, shorthand, string_short};

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Columns in order, by name: `email: citext` or `email: {type: citext, nullable: false}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub columns: IndexMap<String, Column>,
    /// The primary key: `[id]`, or a mapping to name it or make it deferrable. A column may
    /// say `primary_key: true` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints by name: `users_email_key: [email]`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub unique: IndexMap<String, Unique>,
    /// Check constraints by name: `price_positive: price > 0`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub checks: IndexMap<String, Check>,
    /// Foreign keys by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub foreign_keys: IndexMap<String, ForeignKey>,
    /// Exclusion constraints by name: `no_overlap: "USING gist (room WITH =, during WITH &&)"`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub exclusions: IndexMap<String, Exclusion>,
    /// Indexes by name: `users_created_at_idx: [created_at]`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub indexes: IndexMap<String, Index>,
    /// Triggers by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub triggers: IndexMap<String, Trigger>,
    /// Row-level security policies by name (see also `row_security`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub policies: IndexMap<String, Policy>,
    /// Extended statistics by name (in the table's schema): `city_zip: [city, zip]`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub statistics: IndexMap<String, Statistics>,
    /// `UNLOGGED`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unlogged: bool,
    /// `ENABLE ROW LEVEL SECURITY`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub row_security: bool,
    /// `FORCE ROW LEVEL SECURITY`: the owner is subject to the policies too.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force_row_security: bool,
    /// Makes this a partitioned table: the SQL after `PARTITION BY`, e.g. `RANGE (created_at)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// Makes this a partition of another table (which gives it its columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// Parents of classic inheritance (`INHERITS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges by role (`select`, `insert`, `update`, `delete`, `truncate`, `references`,
    /// `trigger`, `all`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// The table's previous name, when it was renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// A column. Nullable unless `nullable: false` (or part of the primary key), as in SQL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = column_schema)]
pub struct Column {
    /// The SQL type: `bigint`, `varchar(200)`, `public.citext`, `integer[]`.
    #[serde(rename = "type")]
    pub data_type: String,
    /// Whether the column accepts NULL (default true, as in SQL).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nullable: bool,
    /// The default, an SQL expression: `now()`, `0`, `'{}'::jsonb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::shorthand::optional_sql_scalar")]
    pub default: Option<String>,
    /// An identity column: `always` or `by default`, or a mapping with sequence options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// A generated column: its SQL expression (`STORED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// The collation's name (`COLLATE`), taken as one name: `C`, `en_US.utf8`, `und-x-icu`
    /// (found on the search path, which always includes pg_catalog's collations); or, written
    /// with double quotes, as SQL: `"app"."case_insensitive"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// This column alone is the primary key (named by PostgreSQL: `<table>_pkey`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    /// This column alone is unique (named by PostgreSQL: `<table>_<column>_key`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A check on this column, an SQL condition (named `<table>_<column>_check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// A foreign key on this column: `portal.users (id)`, or a mapping with actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<ColumnReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Column privileges by role (`select`, `insert`, `update`, `references`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// The column's previous name, when it was renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// How existing rows are converted when the column's type changes: one SQL expression over
    /// the old row (`string_to_array(tags, ',')`), used as `ALTER COLUMN ... TYPE ... USING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
}

impl Column {
    /// A nullable column of `data_type` with nothing else.
    pub fn of_type(data_type: impl Into<String>) -> Column {
        Column { data_type: data_type.into(), nullable: true, ..Default::default() }
    }
}

shorthand!(Column, "a type name or a mapping", str, |t| Ok(Column::of_type(t)), |c| (*c
    == Column::of_type(c.data_type.clone()))
.then(|| c.data_type.clone()));

fn column_schema(schema: &mut schemars::Schema) {
    any_of(schema, string_short("The column's SQL type; the column is nullable and has nothing else."));
}

/// `GENERATED ALWAYS` or `BY DEFAULT`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Generation {
    #[default]
    #[serde(rename = "always")]
    Always,
    #[serde(rename = "by default")]
    ByDefault,
}

/// An identity column and the options of its sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = identity_schema)]
pub struct Identity {
    /// `always` (values only from the sequence, unless `OVERRIDING SYSTEM VALUE`) or `by default`.
    pub generation: Generation,
    /// The sequence's type (`AS`); the column's type when omitted.
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
}

impl Identity {
    /// An identity with PostgreSQL's default sequence options.
    pub fn new(generation: Generation) -> Identity {
        Identity { generation, ..Default::default() }
    }
}

shorthand!(
    Identity,
    "`always`, `by default` or a mapping",
    str,
    |s| match s.as_str() {
        "always" => Ok(Identity::new(Generation::Always)),
        "by default" => Ok(Identity::new(Generation::ByDefault)),
        other => Err(format!("expected `always` or `by default`, found `{other}`")),
    },
    |i| (*i == Identity::new(i.generation)).then(|| match i.generation {
        Generation::Always => "always".to_string(),
        Generation::ByDefault => "by default".to_string(),
    })
);

fn identity_schema(schema: &mut schemars::Schema) {
    any_of(schema, serde_json::json!({ "enum": ["always", "by default"] }));
}

/// A generated column's expression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = generated_schema)]
pub struct Generated {
    /// The SQL expression, over other columns of the row.
    pub expression: String,
    /// `STORED` (the default; PostgreSQL before 18 has no other kind) or virtual.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub stored: bool,
}

shorthand!(
    Generated,
    "an SQL expression or a mapping",
    str,
    |expression| Ok(Generated { expression, stored: true }),
    |g| g.stored.then(|| g.expression.clone())
);

fn generated_schema(schema: &mut schemars::Schema) {
    any_of(schema, string_short("The SQL expression; the column is STORED."));
}

/// A foreign key declared on its column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = column_reference_schema)]
pub struct ColumnReference {
    /// The referenced table, with its columns in parentheses unless they are its primary key:
    /// `portal.users (id)`.
    pub table: String,
    /// The constraint's name; PostgreSQL's `<table>_<column>_fkey` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<Action>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_type: Option<Match>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
}

shorthand!(
    ColumnReference,
    "a table (with columns in parentheses) or a mapping",
    str,
    |table| Ok(ColumnReference { table, ..Default::default() }),
    |r| (*r == ColumnReference { table: r.table.clone(), ..Default::default() }).then(|| r.table.clone())
);

fn column_reference_schema(schema: &mut schemars::Schema) {
    any_of(schema, string_short("The referenced table, e.g. `portal.users (id)`."));
}

/// The primary key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = primary_key_schema)]
pub struct PrimaryKey {
    pub columns: Vec<String>,
    /// The constraint's name; `<table>_pkey` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Non-key columns stored in the index (`INCLUDE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The constraint's previous name, when it was renamed (requires `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

shorthand!(
    PrimaryKey,
    "a list of columns or a mapping",
    seq,
    |columns| Ok(PrimaryKey { columns, ..Default::default() }),
    |k| (*k == PrimaryKey { columns: k.columns.clone(), ..Default::default() }).then(|| k.columns.clone())
);

fn primary_key_schema(schema: &mut schemars::Schema) {
    any_of(schema, list_short("The key's columns."));
}

/// A unique constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = unique_schema)]
pub struct Unique {
    pub columns: Vec<String>,
    /// `NULLS NOT DISTINCT`: at most one row may have NULLs in the key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// Non-key columns stored in the index (`INCLUDE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

shorthand!(
    Unique,
    "a list of columns or a mapping",
    seq,
    |columns| Ok(Unique { columns, ..Default::default() }),
    |u| (*u == Unique { columns: u.columns.clone(), ..Default::default() }).then(|| u.columns.clone())
);

fn unique_schema(schema: &mut schemars::Schema) {
    any_of(schema, list_short("The key's columns."));
}

/// A check constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = check_schema)]
pub struct Check {
    /// The SQL condition.
    pub expression: String,
    /// `NO INHERIT`: not enforced on child tables.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_inherit: bool,
    /// `NOT VALID`: existing rows are not checked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

shorthand!(
    Check,
    "an SQL condition or a mapping",
    str,
    |expression| Ok(Check { expression, ..Default::default() }),
    |c| (*c == Check { expression: c.expression.clone(), ..Default::default() }).then(|| c.expression.clone())
);

fn check_schema(schema: &mut schemars::Schema) {
    any_of(schema, string_short("The SQL condition."));
}

/// A foreign key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// The referencing columns of this table.
    pub columns: Vec<String>,
    /// The referenced table, with its columns in parentheses unless they are its primary key:
    /// `portal.users (id)`.
    pub references: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<Action>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_type: Option<Match>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
    /// `NOT VALID`: existing rows are not checked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// An exclusion constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = exclusion_schema)]
pub struct Exclusion {
    /// The SQL after `EXCLUDE`: `USING gist (room WITH =, during WITH &&)`.
    pub definition: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

shorthand!(
    Exclusion,
    "the SQL after EXCLUDE or a mapping",
    str,
    |definition| Ok(Exclusion { definition, ..Default::default() }),
    |x| (*x == Exclusion { definition: x.definition.clone(), ..Default::default() }).then(|| x.definition.clone())
);

fn exclusion_schema(schema: &mut schemars::Schema) {
    any_of(schema, string_short("The SQL after EXCLUDE."));
}

/// An index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = index_schema)]
pub struct Index {
    /// The index's keys as SQL: a column, with an operator class or order if need be
    /// (`created_at DESC`, `details jsonb_path_ops`), or an expression in parentheses
    /// (`(lower(email))`).
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The access method (`USING`): `btree` (the default), `gin`, `gist`, `brin`, `hash`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Non-key columns stored in the index (`INCLUDE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// `NULLS NOT DISTINCT` (unique indexes).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// Storage parameters (`WITH`): `fillfactor: 70`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(schema_with = "super::shorthand::sql_scalar_map")]
    pub with: IndexMap<String, String>,
    /// Makes a partial index: the SQL condition rows must meet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#where: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

shorthand!(Index, "a list of columns or a mapping", seq, |columns| Ok(Index { columns, ..Default::default() }), |i| {
    (*i == Index { columns: i.columns.clone(), ..Default::default() }).then(|| i.columns.clone())
});

fn index_schema(schema: &mut schemars::Schema) {
    any_of(schema, list_short("The index's keys as SQL."));
}

/// When a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Timing {
    #[serde(rename = "before")]
    Before,
    #[serde(rename = "after")]
    After,
    #[serde(rename = "instead of")]
    InsteadOf,
}

/// Whether a trigger fires once per row or once per statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ForEach {
    Row,
    #[default]
    Statement,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub timing: Timing,
    /// The events, as SQL: `insert`, `update`, `update of title, body`, `delete`, `truncate`.
    pub events: Vec<String>,
    /// `row` or `statement` (the default, as in SQL).
    #[serde(default, skip_serializing_if = "is_statement")]
    pub for_each: ForEach,
    /// Fires only when this SQL condition holds (`WHEN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The function call to execute: `portal.touch_updated_at()`.
    pub execute: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn is_statement(f: &ForEach) -> bool {
    *f == ForEach::Statement
}

/// The command a policy applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    #[default]
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// A row-level security policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `all` (the default), `select`, `insert`, `update` or `delete`.
    #[serde(default, skip_serializing_if = "is_all")]
    pub command: Command,
    /// `AS RESTRICTIVE` (policies are permissive by default).
    #[serde(default, skip_serializing_if = "is_false")]
    pub restrictive: bool,
    /// The roles it applies to (default: `public`, everyone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// Rows visible or affected: an SQL condition (`USING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// Rows that may be written: an SQL condition (`WITH CHECK`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn is_all(c: &Command) -> bool {
    *c == Command::All
}

/// The parent and bound of a partition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionOf {
    /// The partitioned table.
    pub parent: String,
    /// The SQL bound: `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`, `FOR VALUES IN
    /// ('eu')`, `FOR VALUES WITH (MODULUS 4, REMAINDER 0)` or `DEFAULT`.
    pub bound: String,
}

/// Extended statistics (`CREATE STATISTICS`) on columns or expressions of the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(transform = statistics_schema)]
pub struct Statistics {
    /// The columns, or expressions in parentheses, they are about: `[city, zip]`, `[(lower(name)), zip]`.
    pub columns: Vec<String>,
    /// `ndistinct`, `dependencies`, `mcv` (every kind when omitted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// The statistics target (`ALTER STATISTICS ... SET STATISTICS`); the columns' when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

shorthand!(
    Statistics,
    "a list of columns or a mapping",
    seq,
    |columns| Ok(Statistics { columns, ..Default::default() }),
    |st| (*st == Statistics { columns: st.columns.clone(), ..Default::default() }).then(|| st.columns.clone())
);

fn statistics_schema(schema: &mut schemars::Schema) {
    any_of(schema, list_short("The columns or expressions."));
}
