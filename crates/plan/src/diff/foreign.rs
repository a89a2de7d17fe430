//! Foreign-data wrappers and foreign servers changed in place. Dropping a server takes its
//! user mappings and foreign tables with it (or fails), so a server whose type and wrapper
//! stay is altered: `ALTER SERVER ... VERSION ... OPTIONS (SET/ADD/DROP ...)`; a wrapper whose
//! handler and validator stay gets `ALTER FOREIGN DATA WRAPPER ... OPTIONS (...)`. Any other
//! change still goes through the generic drop and create of `objects.rs`.

use crate::step::{Action, Step};
use schemactl_model::{Catalog, ForeignDef, ObjectId, ObjectKind};
use schemactl_sqltext::{ident, literal};

/// The parts of a wrapper or server present on both sides that can be altered in place, if so.
fn in_place<'a>(from: &'a Catalog, to: &'a Catalog, id: &ObjectId) -> Option<(&'a ForeignDef, &'a ForeignDef)> {
    if !matches!(id.kind, ObjectKind::ForeignDataWrapper | ObjectKind::ForeignServer) {
        return None;
    }
    let (old, new) = (from.foreign.get(id)?, to.foreign.get(id)?);
    (old.head == new.head).then_some((old, new))
}

/// Whether `diff_foreign` handles this object's change (the generic objects diff then leaves it).
pub fn alters_in_place(from: &Catalog, to: &Catalog, id: &ObjectId) -> bool {
    in_place(from, to, id).is_some()
}

pub fn diff_foreign(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (id, new) in &to.objects {
        let Some(old) = from.objects.get(id) else {
            continue;
        };
        if old.create == new.create {
            continue;
        }
        if let Some((before, after)) = in_place(from, to, id) {
            let target = format!("{} {}", id.kind.sql_name(), ident(&id.name));
            if let Some(sql) = alter(&target, before, after) {
                steps.push(Step::new(Action::Alter, id.key(), sql));
            }
        }
    }
}

/// `ALTER <target> [VERSION ...] [OPTIONS (...)]`, or nothing when neither changed.
fn alter(target: &str, old: &ForeignDef, new: &ForeignDef) -> Option<String> {
    let mut clauses = Vec::new();
    if old.version != new.version {
        clauses.push(format!("VERSION {}", new.version.as_deref().map_or_else(|| "NULL".to_string(), literal)));
    }
    let mut options = Vec::new();
    for name in old.options.keys().filter(|k| !new.options.contains_key(*k)) {
        options.push(format!("DROP {}", ident(name)));
    }
    for (name, value) in &new.options {
        match old.options.get(name) {
            Some(v) if v == value => {}
            Some(_) => options.push(format!("SET {} {}", ident(name), literal(value))),
            None => options.push(format!("ADD {} {}", ident(name), literal(value))),
        }
    }
    if !options.is_empty() {
        clauses.push(format!("OPTIONS ({})", options.join(", ")));
    }
    (!clauses.is_empty()).then(|| format!("ALTER {target} {}", clauses.join(" ")))
}
