//! Domains changed in place. Dropping a domain takes every column of that type with it (or
//! fails), so a domain whose base type and collation stay is altered: `ALTER DOMAIN` sets or
//! drops its default and NOT NULL, and drops, adds and validates its constraints. A new base
//! type still goes through the generic drop and create of `objects.rs`.

use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, DomainDef, ObjectId, ObjectKind, QualName};
use schemactl_sqltext::{ident, qualified};

/// The parts of a domain present on both sides that can be altered in place, if so.
fn in_place<'a>(from: &'a Catalog, to: &'a Catalog, id: &ObjectId) -> Option<(&'a DomainDef, &'a DomainDef)> {
    if id.kind != ObjectKind::Domain {
        return None;
    }
    let name = QualName::new(&id.schema, &id.name);
    let (old, new) = (from.domains.get(&name)?, to.domains.get(&name)?);
    (old.base_type == new.base_type && old.collation == new.collation).then_some((old, new))
}

/// Whether `diff_domains` handles this object's change (the generic objects diff then leaves it).
pub fn alters_in_place(from: &Catalog, to: &Catalog, id: &ObjectId) -> bool {
    in_place(from, to, id).is_some()
}

pub fn diff_domains(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (id, new) in &to.objects {
        let Some(old) = from.objects.get(id) else {
            continue;
        };
        if old.create == new.create {
            continue;
        }
        if let Some((before, after)) = in_place(from, to, id) {
            alter_domain(from, before, after, steps);
        }
    }
}

fn alter_domain(from: &Catalog, old: &DomainDef, new: &DomainDef, steps: &mut Vec<Step>) {
    let key = ObjKey::Type { name: new.name.clone() };
    let alter = |clause: String| format!("ALTER DOMAIN {} {clause}", qualified(&new.name));
    // What the old constraints and default used (functions, ...) may only go once they are gone.
    let used: Vec<ObjKey> = from.dependencies.iter().filter(|(d, _)| d == &key).map(|(_, r)| r.clone()).collect();
    let step = |sql: String| Step::new(Action::Alter, key.clone(), sql).releases(used.clone());
    if old.default != new.default {
        steps.push(step(match &new.default {
            Some(d) => alter(format!("SET DEFAULT {d}")),
            None => alter("DROP DEFAULT".to_string()),
        }));
    }
    for (name, c) in &old.constraints {
        let kept = new.constraints.get(name);
        // A constraint that stays, only newly validated, is validated below.
        let same = kept.is_some_and(|k| k.definition == c.definition && (k.validated || !c.validated));
        if !same {
            steps.push(step(alter(format!("DROP CONSTRAINT {}", ident(name)))));
        }
    }
    if old.not_null != new.not_null {
        let s = step(alter(if new.not_null { "SET NOT NULL" } else { "DROP NOT NULL" }.to_string()));
        steps.push(if new.not_null {
            s.hazard(HazardKind::ValidationScan, "columns of the domain are scanned")
        } else {
            s
        });
    }
    for (name, c) in &new.constraints {
        let existing = old.constraints.get(name);
        let kept = existing.is_some_and(|k| k.definition == c.definition && (c.validated || !k.validated));
        if !kept {
            // Added NOT VALID, then validated as its own statement: the scan does not hold the
            // lock that adding it takes.
            steps.push(step(alter(format!("ADD CONSTRAINT {} {} NOT VALID", ident(name), c.definition))));
        }
        if c.validated && !existing.is_some_and(|k| kept && k.validated) {
            steps.push(
                step(alter(format!("VALIDATE CONSTRAINT {}", ident(name))))
                    .hazard(HazardKind::ValidationScan, "columns of the domain are scanned"),
            );
        }
    }
}
