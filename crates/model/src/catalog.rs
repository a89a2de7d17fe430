use crate::{DbObject, DefaultPrivilege, Grant, ObjKey, ObjectId, QualName};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Everything schemactl manages in one database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub schemas: BTreeMap<String, Schema>,
    pub extensions: BTreeMap<String, Extension>,
    pub types: BTreeMap<QualName, TypeDef>,
    pub sequences: BTreeMap<QualName, Sequence>,
    pub tables: BTreeMap<QualName, Table>,
    /// Views, routines, triggers, policies, domains and other objects kept as definitions.
    pub objects: BTreeMap<ObjectId, DbObject>,
    /// The parts of each domain in `objects`, for `ALTER DOMAIN` (see `DomainDef`). Derived
    /// from the same rows as the domain objects, so catalogs are not compared on it.
    #[serde(default)]
    pub domains: BTreeMap<QualName, crate::DomainDef>,
    /// The attributes of each composite type in `objects`, for `ALTER TYPE ... ADD/DROP
    /// ATTRIBUTE`. Derived from the same rows as the composite types, so catalogs are not
    /// compared on it.
    #[serde(default)]
    pub composites: BTreeMap<QualName, CompositeDef>,
    /// The parts of each foreign-data wrapper and foreign server in `objects`, for
    /// `ALTER SERVER` / `ALTER FOREIGN DATA WRAPPER` (see `ForeignDef`). Derived from the same
    /// rows as those objects, so catalogs are not compared on it.
    #[serde(default)]
    pub foreign: BTreeMap<crate::ObjectId, crate::ForeignDef>,
    /// Privileges of roles other than the owner, on objects and columns.
    pub grants: BTreeSet<Grant>,
    /// `ALTER DEFAULT PRIVILEGES` entries.
    pub default_privileges: BTreeSet<DefaultPrivilege>,
    /// The roles the scope manages (none unless `[roles] manage` opts in), by name.
    #[serde(default)]
    pub roles: BTreeMap<String, crate::Role>,
    /// Memberships whose member is a managed role.
    #[serde(default)]
    pub memberships: BTreeSet<crate::Membership>,
    /// Objects owned by a managed role. An object owned by any other role is absent: it
    /// belongs to whoever applies plans, and is left so.
    #[serde(default)]
    pub owners: BTreeMap<ObjKey, crate::Owner>,
    /// The role the catalog was read as (`current_user`): a plan applied over this connection
    /// creates objects owned by it, which receive this role's default privileges.
    #[serde(skip)]
    pub session_role: String,
    /// `(dependent, referenced)` pairs from `pg_depend` between managed objects: the one graph
    /// that orders drops and tells which dependents a change must drop and recreate.
    #[serde(skip)]
    pub dependencies: BTreeSet<(ObjKey, ObjKey)>,
    /// Objects present in the database that schemactl does not manage (`kind name`): never
    /// compared, always reported.
    #[serde(skip)]
    pub unmanaged: BTreeSet<String>,
    /// Types that belong to an extension (e.g. `public.citext` -> `citext`): columns using them
    /// must be created after the extension and dropped before it.
    pub extension_types: BTreeMap<QualName, String>,
    /// Pairs of base types (`format_type` without modifier) between which PostgreSQL converts
    /// implicitly or on assignment; any other column type change needs a `USING` clause.
    /// Server facts, not schema: they are ignored when comparing catalogs.
    #[serde(skip)]
    pub assignment_casts: BTreeSet<(String, String)>,
    /// What the scope left out of this catalog (see `Scope`): never compared, always
    /// reported. Not schema: catalogs are not compared on it.
    #[serde(skip)]
    pub left_out: BTreeSet<crate::LeftOut>,
    /// How rows are converted when a column's type changes (`-- schemactl:using EXPR` in the
    /// schema files, `using:` in YAML), by table and column: the user's intent for a plan,
    /// not schema, so catalogs are not compared on it.
    #[serde(skip)]
    pub conversions: BTreeMap<(QualName, String), String>,
}

impl Catalog {
    /// Compares the managed objects only (server facts such as casts are left out).
    pub fn same_schema(&self, other: &Catalog) -> bool {
        self.schemas == other.schemas
            && self.extensions == other.extensions
            && self.types == other.types
            && self.sequences == other.sequences
            && self.tables == other.tables
            && self.objects == other.objects
            && self.grants == other.grants
            && self.default_privileges == other.default_privileges
            && self.roles == other.roles
            && self.memberships == other.memberships
            && self.owners == other.owners
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub name: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeDef {
    pub name: QualName,
    pub kind: TypeKind,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    /// Labels in their sort order.
    Enum { labels: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualName,
    pub options: SequenceOptions,
    pub owned_by: Option<ColumnRef>,
    pub comment: Option<String>,
}

/// Options shared by standalone sequences and identity columns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnRef {
    pub table: QualName,
    pub column: String,
}

/// A table's constraints or indexes by name: a map on a sorted vector, ordered like `BTreeMap`
/// and serialized the same. A table has a handful of each, and a `BTreeMap` allocates room for
/// eleven at its first entry: at 5000 tables those empty slots were a sixth of a diff's memory.
pub type NamedMap<V> = litemap::LiteMap<String, V>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    pub unlogged: bool,
    pub row_security: bool,
    pub force_row_security: bool,
    /// In attribute order.
    pub columns: Vec<Column>,
    pub constraints: NamedMap<Constraint>,
    /// Indexes that do not back a constraint.
    pub indexes: NamedMap<Index>,
    pub comment: Option<String>,
    /// `pg_get_partkeydef` of a partitioned table, e.g. `RANGE (logdate)`.
    #[serde(default)]
    pub partition_by: Option<String>,
    /// The parent and bound of a partition.
    #[serde(default)]
    pub partition_of: Option<PartitionOf>,
    /// Parents of classic inheritance (`INHERITS`), in `pg_inherits` order; empty for partitions.
    #[serde(default)]
    pub inherits: Vec<QualName>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    pub parent: QualName,
    /// `pg_get_expr(relpartbound)`: `FOR VALUES IN ('eu')`, `FOR VALUES FROM (...) TO (...)`,
    /// `FOR VALUES WITH (modulus 4, remainder 0)` or `DEFAULT`.
    pub bound: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| *c.name == *name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: Arc<str>,
    /// `format_type(atttypid, atttypmod)`, e.g. `character varying(20)`, `public.mood[]`.
    /// Shared (`Arc`) by the columns of one type: a catalog of 87,000 columns has a few hundred
    /// distinct types, and a string of its own per column was a tenth of a diff's peak memory.
    pub data_type: Arc<str>,
    /// `format_type(atttypid, NULL)`: the type without modifier, used to look up casts.
    pub base_type: Arc<str>,
    /// The user-defined type (element type for arrays) the column uses, if not built in.
    pub type_ref: Option<Arc<QualName>>,
    /// Set only when it differs from the type's default collation.
    pub collation: Option<String>,
    pub not_null: bool,
    /// `pg_get_expr` of the default; `None` for identity and generated columns.
    pub default: Option<String>,
    /// Sequences the default expression uses (`nextval('...')`).
    pub default_sequences: Vec<QualName>,
    /// Boxed: few columns are identities, and unboxed it made every column 120 bytes larger
    /// (a catalog of 87,000 columns is held two or three times during a diff).
    pub identity: Option<Box<Identity>>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    pub comment: Option<String>,
    /// Declared by the table itself (`attislocal`); a partition's columns never count as local,
    /// since a partition cannot declare columns of its own.
    #[serde(default = "yes")]
    pub local: bool,
    /// Received from a parent (`attinhcount > 0`): created and changed through the parent.
    #[serde(default)]
    pub inherited: bool,
    /// A `VIRTUAL` generated column (PostgreSQL 18), computed when read; else `STORED`.
    #[serde(default)]
    pub generated_virtual: bool,
    /// PostgreSQL 18 keeps `NOT NULL` as a constraint of its own. Its name, only when it is not
    /// the one PostgreSQL picks (`<table>_<column>_not_null`), as pg_dump shows it: a table
    /// made with `LIKE` keeps its template's names.
    #[serde(default)]
    pub not_null_name: Option<String>,
    /// The NOT NULL constraint is `NOT VALID` (PostgreSQL 18): rows may still hold NULLs.
    #[serde(default)]
    pub not_null_not_valid: bool,
    /// The NOT NULL constraint is `NO INHERIT` (PostgreSQL 18): children do not receive it.
    #[serde(default)]
    pub not_null_no_inherit: bool,
}

impl Column {
    /// The name PostgreSQL gives a column's NOT NULL constraint unless told otherwise.
    pub fn default_not_null_name(table: &QualName, column: &str) -> String {
        format!("{}_{}_not_null", table.name, column)
    }

    /// The name of the column's NOT NULL constraint (PostgreSQL 18).
    pub fn not_null_constraint(&self, table: &QualName) -> String {
        self.not_null_name.clone().unwrap_or_else(|| Column::default_not_null_name(table, &self.name))
    }

    /// NOT NULL that only PostgreSQL 18's constraint syntax can state: a name of its own,
    /// `NOT VALID` or `NO INHERIT`.
    pub fn not_null_is_special(&self) -> bool {
        self.not_null && (self.not_null_name.is_some() || self.not_null_not_valid || self.not_null_no_inherit)
    }
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub always: bool,
    /// The sequence PostgreSQL made for the column (named `<table>_<column>_seq` unless told).
    pub sequence: QualName,
    pub options: SequenceOptions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
    Exclusion,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// `pg_get_constraintdef` without a trailing `NOT VALID` (see `validated`).
    pub definition: String,
    pub columns: Vec<String>,
    /// Boxed: a table's constraints map allocates room for eleven at its first entry, and an
    /// inline target made each slot 88 bytes larger for the few that are foreign keys.
    pub foreign: Option<Box<ForeignKeyTarget>>,
    pub validated: bool,
    pub comment: Option<String>,
    /// Received from a parent (`NOT conislocal`): PostgreSQL creates and drops it with the
    /// parent's, so it is never planned on its own.
    #[serde(default)]
    pub inherited: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyTarget {
    pub table: QualName,
    pub columns: Vec<String>,
    /// The referenced primary key or unique constraint, or failing that the unique index.
    pub key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    /// `pg_get_indexdef`: a complete `CREATE INDEX` statement.
    pub definition: String,
    pub unique: bool,
    pub comment: Option<String>,
    /// A partition's index attached to an index of the partitioned parent.
    #[serde(default)]
    pub inherited: bool,
    /// `pg_index.indisvalid`: false for an index an interrupted `CREATE INDEX CONCURRENTLY`
    /// left behind, which queries never use; plans drop and build it again.
    #[serde(default = "yes")]
    pub valid: bool,
}

/// A composite type's attributes, in order: name and declaration (`numeric(10,2)`,
/// `text COLLATE public.ci`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeDef {
    pub name: QualName,
    pub attributes: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table's constraints and indexes moved from `BTreeMap` to a sorted vector: revision
    /// files, state caches and JSON output must not see the difference.
    #[test]
    fn named_maps_are_ordered_and_serialized_like_btreemaps() {
        let names = ["orders_pkey", "a_check", "orders_user_fkey", "Zeta"];
        let mut named: NamedMap<u32> = NamedMap::new();
        let mut tree = BTreeMap::new();
        for (n, name) in names.iter().enumerate() {
            named.insert(name.to_string(), n as u32);
            tree.insert(name.to_string(), n as u32);
        }
        assert_eq!(named.keys().collect::<Vec<_>>(), tree.keys().collect::<Vec<_>>());
        let json = serde_json::to_string(&named).unwrap();
        assert_eq!(json, serde_json::to_string(&tree).unwrap());
        let back: NamedMap<u32> = serde_json::from_str(r#"{"b": 2, "a": 1}"#).unwrap();
        assert_eq!(back.keys().collect::<Vec<_>>(), ["a", "b"], "sorted however the input was");
    }
}
