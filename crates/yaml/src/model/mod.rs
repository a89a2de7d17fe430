//! The document model: what a YAML desired-state file says, as plain data.
//!
//! These types are the format: they derive `Deserialize` (reading), `Serialize` (writing,
//! see [`crate::to_yaml_string`]) and `JsonSchema` (the published schema), so the three
//! cannot disagree. Maps keep the order they were written in ([`IndexMap`]).

mod common;
mod document;
mod objects;
pub(crate) mod shorthand;
mod table;
mod types;

pub use common::{Action, DefaultPrivileges, Grant, Grants, Match};
pub use document::{Document, Extension, SchemaDef};
pub use indexmap::IndexMap;
pub use objects::{CheckOption, Function, MaterializedView, Parallel, Procedure, Sequence, View, Volatility};
pub use table::{
    Check, Column, ColumnReference, Command, Exclusion, ForEach, ForeignKey, Generated, Generation, Identity, Index,
    PartitionOf, Policy, PrimaryKey, Statistics, Table, Timing, Trigger, Unique,
};
pub use types::{Attribute, Collation, CollationProvider, CompositeType, Domain, EnumType, RangeType};
