//! Definition objects (views, routines, triggers, policies, domains, ...): created from their
//! printed definition, replaced in place when PostgreSQL allows it, otherwise dropped and
//! created again.

use super::{comment_step, schema_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, DbObject, ObjectKind};

pub fn diff_objects(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (id, new) in &to.objects {
        let old = from.objects.get(id);
        // A domain whose definition changes is planned by `domains.rs`; its comment still is
        // here (kept when altered in place, set anew when the domain is created again).
        let domain = super::domains::handling(from, to, id);
        let in_place = domain == Some(super::domains::Handling::InPlace);
        match old {
            None => steps.push(create_object(new)),
            Some(old) if old.create != new.create && domain.is_none() => {
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
        let old_comment = old.filter(|o| o.create == new.create || in_place).and_then(|o| o.comment.as_ref());
        steps.extend(comment_step(&new.comment_target, id.key(), old_comment, new.comment.as_ref()));
    }
    for old in from.objects.values().filter(|o| !to.objects.contains_key(&o.id)) {
        steps.push(drop_object(old));
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

/// Creating a routine checks its body against tables that may not exist yet; like pg_dump,
/// plans turn that check off (`SET check_function_bodies = false`) when they create routines.
pub fn creates_routines(steps: &[Step]) -> bool {
    steps.iter().any(|s| {
        s.action != Action::Drop
            && matches!(&s.object, ObjKey::Object { id } if matches!(id.kind, ObjectKind::Function | ObjectKind::Procedure))
    })
}
