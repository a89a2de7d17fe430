//! The schema model: what one database holds, as plain data.
//!
//! Both sides of a diff (a live database, or schema files loaded into a shadow database) are read
//! into this model by the same introspection code, so the model stores what PostgreSQL itself
//! prints (`format_type`, `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_expr`) rather than
//! parsed structures: two objects are equal exactly when PostgreSQL renders them the same way.
//! Maps are ordered (`BTreeMap`) so everything derived from the model is deterministic.

mod catalog;
mod domain;
mod grants;
mod hazard;
mod key;
mod name;
mod objects;
mod rename;
mod roles;
mod scope;
mod size;
mod timeouts;

pub use catalog::*;
pub use domain::{DomainConstraint, DomainDef};
pub use grants::{builtin_default, DefaultPrivilege, Grant, GrantTarget};
pub use hazard::{binary_coercible, type_change_hazards, widens, HazardKind, OldType, TypeChange};
pub use key::ObjKey;
pub use name::QualName;
pub use objects::{DbObject, ForeignDef, ObjectId, ObjectKind};
pub use rename::RenameKind;
pub use roles::{Membership, Owner, Role};
pub use scope::{
    glob_to_regex, summarize, LeftOut, LeftOutGroup, Reason, Scope, ScopeConfig, ScopeError, ServerScope, PRESETS,
    SAFE_DEFAULTS,
};
pub use size::{DurationClass, RelationSize, SizeLimits};
pub use timeouts::{parse_duration, Timeouts};
