//! Compares two catalogs kind by kind and emits unordered steps with their ordering facts.

pub(crate) mod columns;
mod constraints;
mod dependent_types;
mod domains;
mod foreign;
mod grants;
mod graph;
mod indexes;
mod narrowing;
mod objects;
mod online;
mod partitions;
mod roles;
mod schemas;
mod sequences;
mod swap;
mod tables;
mod types;

use crate::step::{Action, ObjKey, Step};
use schemactl_model::{Catalog, Column, QualName};
use schemactl_sqltext::literal;

pub use grants::target_of as grant_target;
pub use objects::creates_routines;

pub fn diff(from: &Catalog, to: &Catalog, options: &crate::PlanOptions) -> Vec<Step> {
    let mut steps = Vec::new();
    schemas::diff_schemas(from, to, &mut steps);
    schemas::diff_extensions(from, to, &mut steps);
    types::diff_types(from, to, &mut steps);
    sequences::diff_sequences(from, to, &mut steps);
    tables::diff_tables(from, to, &mut steps);
    domains::diff_domains(from, to, &mut steps);
    dependent_types::diff_dependent_types(from, to, &mut steps);
    foreign::diff_foreign(from, to, &mut steps);
    objects::diff_objects(from, to, &mut steps);
    graph::recreate_dependents(from, to, &mut steps);
    // After every creation and recreation is known: those objects start from default privileges.
    grants::diff_grants(from, to, &mut steps);
    roles::diff_roles(from, to, &mut steps);
    if options.online {
        online::rewrite(from, to, &mut steps);
    }
    graph::add_catalog_dependencies(from, to, &mut steps);
    objects::shell_types(to, &mut steps);
    objects::drop_canonical_with_range(from, &mut steps);
    steps
}

/// `COMMENT ON <target> IS ...` when the comment changed; the target must exist first.
pub(crate) fn comment_step(target: &str, object: ObjKey, old: Option<&String>, new: Option<&String>) -> Option<Step> {
    if old == new {
        return None;
    }
    let value = new.map_or_else(|| "NULL".to_string(), |c| literal(c));
    let mut step = Step::new(Action::Alter, object.clone(), format!("COMMENT ON {target} IS {value}"));
    step.provides.clear();
    Some(step.requires([object]))
}

pub(crate) fn schema_key(schema: &str) -> ObjKey {
    ObjKey::Schema { name: schema.to_string() }
}

pub(crate) fn table_key(name: &QualName) -> ObjKey {
    ObjKey::Table { name: name.clone() }
}

pub(crate) fn column_key(table: &QualName, column: &str) -> ObjKey {
    ObjKey::Column { table: table.clone(), column: column.to_string() }
}

/// What a column needs to exist: its type (or the extension that owns it) and the sequences
/// its default calls.
pub(crate) fn column_needs(catalog: &Catalog, column: &Column) -> Vec<ObjKey> {
    let mut keys = Vec::new();
    if let Some(t) = &column.type_ref {
        match catalog.extension_types.get(t) {
            Some(ext) => keys.push(ObjKey::Extension { name: ext.clone() }),
            None => keys.push(ObjKey::Type { name: QualName::clone(t) }),
        }
    }
    keys.extend(column.default_sequences.iter().map(|s| ObjKey::Sequence { name: s.clone() }));
    keys
}
