//! Uses the catalogs' own dependency graph (`pg_depend`) twice: every step that creates
//! something waits for what that thing depends on, every step that removes something runs
//! before the removal of what it depended on; and when a change removes or rewrites an object,
//! the objects that depend on it (views over a retyped column, triggers on a recreated
//! function, ...) are dropped before and created again after.

use super::constraints::{add_constraint, drop_constraint};
use super::objects::{column_comment_steps, create_object, drop_object};
use super::{column_key, comment_step};
use crate::step::{Action, ObjKey, Step};
use schemactl_model::Catalog;
use schemactl_sqltext::{ident, qualified};
use std::collections::{BTreeMap, BTreeSet};

fn by_dependent(catalog: &Catalog) -> BTreeMap<&ObjKey, Vec<&ObjKey>> {
    let mut map: BTreeMap<&ObjKey, Vec<&ObjKey>> = BTreeMap::new();
    for (dependent, referenced) in &catalog.dependencies {
        map.entry(dependent).or_default().push(referenced);
    }
    map
}

pub fn add_catalog_dependencies(from: &Catalog, to: &Catalog, steps: &mut [Step]) {
    let (needs, used) = (by_dependent(to), by_dependent(from));
    for step in steps.iter_mut() {
        let requires: Vec<ObjKey> =
            step.provides.iter().flat_map(|k| needs.get(k).into_iter().flatten()).map(|k| (*k).clone()).collect();
        let releases: Vec<ObjKey> =
            step.removes.iter().flat_map(|k| used.get(k).into_iter().flatten()).map(|k| (*k).clone()).collect();
        step.requires.extend(requires);
        // A step that needs the new object of a name runs after the old one of that name is
        // gone (or renamed away, as a domain or enum swap does): it cannot also run before.
        let releases: Vec<ObjKey> = releases.into_iter().filter(|k| !step.requires.contains(k)).collect();
        step.releases.extend(releases);
    }
}

/// Drops and recreates the dependents of everything the plan removes or rewrites.
pub fn recreate_dependents(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    let mut dependents: BTreeMap<&ObjKey, Vec<&ObjKey>> = BTreeMap::new();
    for (dependent, referenced) in &from.dependencies {
        dependents.entry(referenced).or_default().push(dependent);
    }
    let mut handled: BTreeSet<ObjKey> = steps.iter().flat_map(|s| s.removes.iter().cloned()).collect();
    let mut work: Vec<ObjKey> = handled.iter().cloned().collect();
    let mut recreate: Vec<ObjKey> = Vec::new();
    while let Some(key) = work.pop() {
        for &dependent in dependents.get(&key).into_iter().flatten() {
            // PostgreSQL rebuilds a retyped column's own indexes, constraints and default;
            // only definitions that read it (views, policies, ...) must be recreated by hand.
            let by_column = matches!(key, ObjKey::Column { .. }) && !matches!(dependent, ObjKey::Object { .. });
            // A column whose default the plan already changes needs nothing more.
            let column_in_plan =
                matches!(dependent, ObjKey::Column { .. }) && steps.iter().any(|s| &s.object == dependent);
            if column_in_plan && matches!(key, ObjKey::Object { .. }) {
                // ... but its old default still uses the routine removed: it must change first.
                // (A column also "depends" on its type, which its own steps convert.)
                // A step that needs the new object of that name (a collation swap sets the
                // column to it) runs after the old one is renamed away, not before.
                for step in steps
                    .iter_mut()
                    .filter(|s| &s.object == dependent && s.action == Action::Alter && !s.requires.contains(&key))
                {
                    step.releases.push(key.clone());
                }
            }
            if by_column || column_in_plan || handled.contains(dependent) || !recreatable(from, dependent) {
                continue;
            }
            handled.insert(dependent.clone());
            work.push(dependent.clone());
            recreate.push(dependent.clone());
        }
    }
    for key in recreate {
        // An in-place replacement would race the recreation: the recreation wins.
        steps.retain(|s| !(s.object == key && s.action == Action::Alter && !s.sql.starts_with("COMMENT ON")));
        steps.extend(recreation(from, to, &key));
    }
}

fn recreatable(from: &Catalog, key: &ObjKey) -> bool {
    match key {
        ObjKey::Object { id } => from.objects.contains_key(id),
        ObjKey::Constraint { table, name } => from.tables.get(table).is_some_and(|t| t.constraints.contains_key(name)),
        ObjKey::Index { name } => index_of(from, name).is_some(),
        ObjKey::Column { table, column } => {
            from.tables.get(table).and_then(|t| t.column(column)).is_some_and(|c| c.default.is_some())
        }
        _ => false,
    }
}

fn index_of<'a>(
    catalog: &'a Catalog,
    name: &schemactl_model::QualName,
) -> Option<(&'a schemactl_model::Table, &'a schemactl_model::Index)> {
    catalog
        .tables
        .values()
        .filter(|t| t.name.schema == name.schema)
        .find_map(|t| t.indexes.get(&name.name).map(|i| (t, i)))
}

/// Drop from the old definition, create from the new one (when it still exists).
fn recreation(from: &Catalog, to: &Catalog, key: &ObjKey) -> Vec<Step> {
    let mut steps = Vec::new();
    match key {
        ObjKey::Object { id } => {
            if let Some(old) = from.objects.get(id) {
                steps.push(drop_object(old));
            }
            if let Some(new) = to.objects.get(id) {
                steps.push(create_object(new));
                steps.extend(comment_step(&new.comment_target, key.clone(), None, new.comment.as_ref()));
                column_comment_steps(None, new, &mut steps);
            }
        }
        ObjKey::Constraint { table, name } => {
            if let Some(old) = from.tables.get(table).and_then(|t| t.constraints.get(name)) {
                steps.push(drop_constraint(table, old));
            }
            if let Some(new) = to.tables.get(table).and_then(|t| t.constraints.get(name)) {
                steps.push(add_constraint(table, new, true));
            }
        }
        ObjKey::Index { name } => {
            if let Some((table, old)) = index_of(from, name) {
                let sql = format!("DROP INDEX {}", qualified(name));
                steps.push(
                    Step::new(Action::Drop, key.clone(), sql)
                        .releases(table.columns.iter().map(|c| column_key(&table.name, &c.name))),
                );
                let _ = old;
            }
            if let Some((table, new)) = index_of(to, name) {
                steps.push(super::indexes::create_index(table, new, true));
            }
        }
        ObjKey::Column { table, column } => {
            // The default uses what is being replaced: take it off, put it back afterwards.
            let col = ident(column);
            let drop_sql = format!("ALTER TABLE {} ALTER COLUMN {col} DROP DEFAULT", qualified(table));
            let mut drop = Step::new(Action::Alter, key.clone(), drop_sql);
            drop.provides.clear();
            drop.removes.push(key.clone());
            steps.push(drop);
            let default = to.tables.get(table).and_then(|t| t.column(column)).and_then(|c| c.default.clone());
            if let Some(default) = default {
                let sql = format!("ALTER TABLE {} ALTER COLUMN {col} SET DEFAULT {default}", qualified(table));
                steps.push(Step::new(Action::Alter, key.clone(), sql));
            }
        }
        _ => {}
    }
    steps
}
