//! The parts of a domain. A domain is a definition object (its whole `CREATE DOMAIN` text is in
//! `Catalog.objects`, which is what catalogs are compared on), but unlike a view it can change
//! in place with `ALTER DOMAIN`: dropping it would fail as soon as a column uses it. These
//! parts, read from the same catalog row, let the planner say which `ALTER DOMAIN`s to run.
//! They live beside the object rather than inside `DbObject`, which stays the same for every
//! kind.

use crate::QualName;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainDef {
    pub name: QualName,
    /// `format_type` of the base type with its modifier.
    pub base_type: String,
    /// Set only when it differs from the base type's collation.
    pub collation: Option<String>,
    pub default: Option<String>,
    pub not_null: bool,
    pub constraints: BTreeMap<String, DomainConstraint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainConstraint {
    /// `pg_get_constraintdef` without a trailing `NOT VALID` (see `validated`).
    pub definition: String,
    pub validated: bool,
}
