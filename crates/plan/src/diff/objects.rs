//! Definition objects (views, routines, triggers, policies, domains, ...): created from their
//! printed definition, replaced in place when PostgreSQL allows it, otherwise dropped and
//! created again.

use super::{comment_step, schema_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, DbObject, ObjectKind};
use schemactl_sqltext::{ident, qualified, qualified_name};
use std::collections::{BTreeMap, BTreeSet};

pub fn diff_objects(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (id, new) in &to.objects {
        let old = from.objects.get(id);
        // A domain whose definition changes is planned by `domains.rs` (its comment is kept
        // when altered in place, set anew when the domain is created again), a wrapper or
        // server altered in place by `foreign.rs`; their comments still are here.
        let domain = super::domains::handling(from, to, id);
        let foreign = super::foreign::alters_in_place(from, to, id);
        let dependent = super::dependent_types::handling(from, to, id);
        let in_place = domain == Some(super::domains::Handling::InPlace)
            || foreign
            || dependent == Some(super::dependent_types::Handling::InPlace);
        match old {
            None => steps.push(create_object(new)),
            Some(old) if old.create != new.create && domain.is_none() && !foreign && dependent.is_none() => {
                if old.replace_signature.is_some() && old.replace_signature == new.replace_signature {
                    let mut step = Step::new(Action::Alter, id.key(), new.create.clone());
                    if is_routine(id.kind) {
                        step = step.hazard(
                            HazardKind::UntrackableDependencies,
                            format!(
                                "{id} is replaced; function bodies that call it are not tracked and are not checked"
                            ),
                        );
                    }
                    steps.push(step);
                } else {
                    steps.push(drop_object(old));
                    steps.push(create_object(new));
                }
            }
            Some(_) => {}
        }
        let kept = old.filter(|o| o.create == new.create || in_place);
        let old_comment = kept.and_then(|o| o.comment.as_ref());
        steps.extend(comment_step(&new.comment_target, id.key(), old_comment, new.comment.as_ref()));
        // A view replaced in place keeps its columns and their comments.
        let replaced = old.filter(|o| o.replace_signature.is_some() && o.replace_signature == new.replace_signature);
        column_comment_steps(kept.or(replaced), new, steps);
    }
    for old in from.objects.values().filter(|o| !to.objects.contains_key(&o.id)) {
        steps.push(drop_object(old));
    }
}

/// `COMMENT ON COLUMN` for each column comment of `new` (a view, materialized view or composite
/// type) that `old`, the object as it stays, does not have already; `IS NULL` for each it
/// has that `new` has not. `old` is `None` when the object is created or recreated.
pub fn column_comment_steps(old: Option<&DbObject>, new: &DbObject, steps: &mut Vec<Step>) {
    let empty = BTreeMap::new();
    let before = old.map_or(&empty, |o| &o.column_comments);
    let relation = qualified_name(&new.id.schema, &new.id.name);
    let columns: BTreeSet<&String> = before.keys().chain(new.column_comments.keys()).collect();
    for column in columns {
        let target = format!("COLUMN {relation}.{}", ident(column));
        steps.extend(comment_step(&target, new.id.key(), before.get(column), new.column_comments.get(column)));
    }
}

pub fn create_object(object: &DbObject) -> Step {
    let id = &object.id;
    let mut step = Step::new(Action::Create, id.key(), object.create.clone());
    if !id.schema.is_empty() {
        step = step.requires([schema_key(&id.schema)]);
    }
    if let Some(table) = &id.table {
        step = step.requires([table_key(table)]);
    }
    step
}

fn is_routine(kind: ObjectKind) -> bool {
    matches!(kind, ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate)
}

pub fn drop_object(object: &DbObject) -> Step {
    let mut step = Step::new(Action::Drop, object.id.key(), object.drop.clone());
    if is_routine(object.id.kind) {
        let message =
            format!("{} is dropped; function bodies that call it are not tracked and fail when run", object.id);
        step = step.hazard(HazardKind::UntrackableDependencies, message);
    }
    if !object.id.schema.is_empty() {
        step = step.releases([schema_key(&object.id.schema)]);
    }
    step
}

/// A range type created with a CANONICAL function that is created in the same plan: the
/// function takes and returns the range type, the range type names the function, so neither
/// can come first. PostgreSQL's way out is a shell type: `CREATE TYPE s.r;`, then the function
/// (over the shell: C or `LANGUAGE internal`, as SQL and PL/pgSQL refuse shell types), then
/// `CREATE TYPE s.r AS RANGE (...)`, which fills the shell in. The shell step is keyed as the
/// range type's definition object (`ObjKey::Object`, kind `RangeType`), a key nothing else
/// uses (the range type itself is `ObjKey::Type`), and the function waits for it instead.
/// Runs after the catalog's dependencies are added to the steps.
pub fn shell_types(to: &Catalog, steps: &mut Vec<Step>) {
    let mut shells = Vec::new();
    for range in steps.iter().filter(|s| s.action == Action::Create) {
        let ObjKey::Type { name } = &range.object else { continue };
        let id = schemactl_model::ObjectId {
            kind: ObjectKind::RangeType,
            schema: name.schema.clone(),
            name: name.name.clone(),
            table: None,
        };
        if !to.objects.contains_key(&id) {
            continue;
        }
        let canonical: Vec<ObjKey> = range
            .requires
            .iter()
            .filter(|k| matches!(k, ObjKey::Object { id } if id.kind == ObjectKind::Function))
            .cloned()
            .collect();
        shells.push((range.object.clone(), ObjKey::Object { id }, canonical));
    }
    for (range, shell, canonical) in shells {
        let mut needed = false;
        for step in steps.iter_mut() {
            if step.action == Action::Create && canonical.contains(&step.object) && step.requires.contains(&range) {
                step.requires.retain(|k| k != &range);
                step.requires.push(shell.clone());
                needed = true;
            }
        }
        if needed {
            let ObjKey::Type { name } = &range else { continue };
            let step = Step::new(Action::Create, shell.clone(), format!("CREATE TYPE {}", qualified(name)))
                .requires([schema_key(&name.schema)]);
            steps.push(step);
            // The range fills the shell in: it comes after it.
            for step in steps.iter_mut().filter(|s| s.object == range && s.action == Action::Create) {
                step.requires.push(shell.clone());
            }
        }
    }
}

/// The other way: a range type dropped with its CANONICAL function. Each depends on the other,
/// and PostgreSQL drops neither alone, so the range type's drop becomes `DROP TYPE ... CASCADE`,
/// which takes the function, and the function's own drop is left out. Whatever else used the
/// type (columns, other routines) is dropped or changed by its own steps, which run first.
pub fn drop_canonical_with_range(from: &Catalog, steps: &mut Vec<Step>) {
    let mut merged = Vec::new();
    for (i, range) in steps.iter().enumerate().filter(|(_, s)| s.action == Action::Drop) {
        let ObjKey::Type { name } = &range.object else { continue };
        let id = schemactl_model::ObjectId {
            kind: ObjectKind::RangeType,
            schema: name.schema.clone(),
            name: name.name.clone(),
            table: None,
        };
        if !from.objects.contains_key(&id) {
            continue;
        }
        for (j, function) in steps.iter().enumerate() {
            let is_function = matches!(&function.object, ObjKey::Object { id } if id.kind == ObjectKind::Function);
            if function.action == Action::Drop
                && is_function
                && function.releases.contains(&range.object)
                && range.releases.contains(&function.object)
            {
                merged.push((i, j));
            }
        }
    }
    let mut gone = BTreeSet::new();
    for (i, j) in merged {
        let function = steps[j].clone();
        let range = &mut steps[i];
        if !range.sql.ends_with(" CASCADE") {
            range.sql.push_str(" CASCADE");
        }
        range.removes.extend(function.removes.iter().cloned());
        range.hazards.extend(function.hazards.iter().cloned());
        range.releases.extend(function.releases.iter().cloned());
        let removed = range.removes.clone();
        range.releases.retain(|k| !removed.contains(k));
        gone.insert(j);
    }
    let mut index = 0;
    steps.retain(|_| {
        index += 1;
        !gone.contains(&(index - 1))
    });
}

/// Creating a routine checks its body against tables that may not exist yet; like pg_dump,
/// plans turn that check off (`SET check_function_bodies = false`) when they create routines.
pub fn creates_routines(steps: &[Step]) -> bool {
    steps.iter().any(|s| {
        s.action != Action::Drop
            && matches!(&s.object, ObjKey::Object { id } if matches!(id.kind, ObjectKind::Function | ObjectKind::Procedure))
    })
}
