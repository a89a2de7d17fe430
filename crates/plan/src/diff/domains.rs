//! Domains changed in place. Dropping a domain takes every column of that type with it (or
//! fails), so a domain whose base type and collation stay is altered: `ALTER DOMAIN` sets or
//! drops its default and NOT NULL, and drops, adds and validates its constraints. A new base
//! type or collation cannot be altered: like an enum that loses values, the old domain is
//! renamed out of the way, the new one created, the columns of that type converted to it, and
//! the old one dropped.

use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{widens, Catalog, Column, DomainDef, ObjectId, ObjectKind, QualName};
use schemactl_sqltext::{ident, qualified};

/// How `diff_domains` plans a domain that changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// `ALTER DOMAIN`: the base type and collation stay.
    InPlace,
    /// A new base type or collation, with the domain's columns converted to the new domain.
    Swap,
}

/// The old and new definitions of a domain present on both sides.
fn both<'a>(from: &'a Catalog, to: &'a Catalog, id: &ObjectId) -> Option<(&'a DomainDef, &'a DomainDef)> {
    if id.kind != ObjectKind::Domain {
        return None;
    }
    let name = QualName::new(&id.schema, &id.name);
    Some((from.domains.get(&name)?, to.domains.get(&name)?))
}

/// How a changed domain is planned here (the generic objects diff then leaves it), if it is.
pub fn handling(from: &Catalog, to: &Catalog, id: &ObjectId) -> Option<Handling> {
    let (old, new) = both(from, to, id)?;
    if old.base_type == new.base_type && old.collation == new.collation {
        Some(Handling::InPlace)
    } else if !super::swap::kept_columns(from, to, &new.name).is_empty() {
        Some(Handling::Swap)
    } else {
        // No column keeps the type: the generic drop and create is the shorter plan.
        None
    }
}

pub fn diff_domains(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (id, new) in &to.objects {
        let Some(old) = from.objects.get(id) else {
            continue;
        };
        if old.create == new.create {
            continue;
        }
        let Some((before, after)) = both(from, to, id) else { continue };
        match handling(from, to, id) {
            Some(Handling::InPlace) => alter_domain(from, before, after, steps),
            Some(Handling::Swap) => swap_domain(from, to, before, after, new, steps),
            None => {}
        }
    }
}

/// A new base type or collation: the domain is swapped (`swap.rs`), each column converted with
/// `USING c::new_base::domain` (arrays likewise), or the column's `-- schemactl:using`.
fn swap_domain(
    from: &Catalog,
    to: &Catalog,
    old: &DomainDef,
    new: &DomainDef,
    object: &schemactl_model::DbObject,
    steps: &mut Vec<Step>,
) {
    let keeps_values = old.collation == new.collation && widens(&old.base_type, &new.base_type);
    let using = |table: &QualName, column: &Column| match to.conversions.get(&(table.clone(), column.name.to_string()))
    {
        Some(expression) => format!("({expression})"),
        None => {
            let array = if column.data_type.ends_with("[]") { "[]" } else { "" };
            format!("{}::{}{array}::{}", ident(&column.name), new.base_type, column.data_type)
        }
    };
    let hazards = |column: &Column| {
        let mut out = vec![
            (HazardKind::TableRewrite, format!("{} is converted to the new {}", column.name, new.name)),
            (
                HazardKind::AccessExclusiveLock,
                format!("ALTER COLUMN TYPE holds an ACCESS EXCLUSIVE lock while it converts {}", column.name),
            ),
        ];
        if !keeps_values {
            out.push((
                HazardKind::DataLoss,
                format!(
                    "{} -> {} is not a widening: values of {} may be refused, cut or rounded",
                    old.base_type, new.base_type, column.name
                ),
            ));
        }
        out
    };
    let swap = super::swap::Swap {
        name: &new.name,
        keyword: "DOMAIN",
        create: super::objects::create_object(object),
        also_rename: Vec::new(),
    };
    super::swap::swap(from, to, swap, using, hazards, steps);
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
