use super::{column_key, comment_step, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, Constraint, ConstraintKind, ForeignKeyTarget, QualName, Table};
use schemactl_sqltext::{ident, qualified};
use std::collections::BTreeSet;

/// Keys (primary key, unique constraint or unique index, by table) that the plan drops or
/// rebuilds: foreign keys that use them must be dropped before and added back after.
pub fn rebuilt_keys(from: &Catalog, to: &Catalog) -> BTreeSet<(QualName, String)> {
    let mut keys = BTreeSet::new();
    for (name, old) in &from.tables {
        let new = to.tables.get(name);
        for (cname, c) in &old.constraints {
            let kept = new.and_then(|t| t.constraints.get(cname)).is_some_and(|n| same_constraint(c, n));
            if !kept {
                keys.insert((name.clone(), cname.clone()));
            }
        }
        for (iname, i) in &old.indexes {
            let kept = new.and_then(|t| t.indexes.get(iname)).is_some_and(|n| n.definition == i.definition && i.valid);
            if !kept {
                keys.insert((name.clone(), iname.clone()));
            }
        }
    }
    keys
}

fn same_constraint(a: &Constraint, b: &Constraint) -> bool {
    a.kind == b.kind && a.definition == b.definition
}

pub fn diff_constraints(old: &Table, new: &Table, rebuilt: &BTreeSet<(QualName, String)>, steps: &mut Vec<Step>) {
    let name = &new.name;
    for (cname, c) in &new.constraints {
        match old.constraints.get(cname) {
            None => steps.push(add_constraint(name, c, true)),
            Some(before) => {
                let key_rebuilt = c.foreign.as_ref().zip(before.foreign.as_ref()).is_some_and(|(_, f)| {
                    f.key.as_ref().is_some_and(|k| rebuilt.contains(&(f.table.clone(), k.clone())))
                });
                if !same_constraint(before, c) || (before.validated && !c.validated) || key_rebuilt {
                    steps.push(drop_constraint(name, before));
                    steps.push(add_constraint(name, c, true));
                } else if !before.validated && c.validated {
                    let sql = format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", qualified(name), ident(cname));
                    steps.push(
                        Step::new(Action::Alter, constraint_key(name, cname), sql)
                            .hazard(HazardKind::ValidationScan, "validation scans the table (without blocking writes)"),
                    );
                }
            }
        }
        let target = format!("CONSTRAINT {} ON {}", ident(cname), qualified(name));
        let before = old.constraints.get(cname).and_then(|c| c.comment.as_ref());
        steps.extend(comment_step(&target, constraint_key(name, cname), before, c.comment.as_ref()));
    }
    for c in old.constraints.values().filter(|c| !new.constraints.contains_key(&c.name)) {
        steps.push(drop_constraint(name, c));
    }
}

fn constraint_key(table: &QualName, name: &str) -> ObjKey {
    ObjKey::Constraint { table: table.clone(), name: name.to_string() }
}

/// The referenced table, its columns and the key (constraint or unique index) behind them.
pub fn foreign_needs(target: &ForeignKeyTarget) -> Vec<ObjKey> {
    let mut keys = vec![table_key(&target.table)];
    keys.extend(target.columns.iter().map(|c| column_key(&target.table, c)));
    if let Some(k) = &target.key {
        keys.push(constraint_key(&target.table, k));
        keys.push(ObjKey::Index { name: QualName::new(&target.table.schema, k) });
    }
    keys
}

/// `existing_table`: the table has rows already, so validation and index builds are hazards.
pub fn add_constraint(table: &QualName, c: &Constraint, existing_table: bool) -> Step {
    let not_valid = if c.validated { "" } else { " NOT VALID" };
    let sql = format!("ALTER TABLE {} ADD CONSTRAINT {} {}{not_valid}", qualified(table), ident(&c.name), c.definition);
    let mut step = Step::new(Action::Create, constraint_key(table, &c.name), sql)
        .requires([table_key(table)])
        .requires(c.columns.iter().map(|col| column_key(table, col)));
    if let Some(target) = &c.foreign {
        step = step.requires(foreign_needs(target));
    }
    if existing_table {
        match c.kind {
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
                step = step.hazard(HazardKind::IndexBuild, "builds the constraint's index while blocking writes");
            }
            _ if c.validated => {
                step = step.hazard(HazardKind::ValidationScan, "checks every existing row while blocking writes");
                if c.kind == ConstraintKind::Check {
                    step = step.hazard(
                        HazardKind::AccessExclusiveLock,
                        "ADD CHECK holds an ACCESS EXCLUSIVE lock while it checks every row",
                    );
                }
            }
            _ => {}
        }
    }
    step
}

pub fn drop_constraint(table: &QualName, c: &Constraint) -> Step {
    let sql = format!("ALTER TABLE {} DROP CONSTRAINT {}", qualified(table), ident(&c.name));
    let mut step = Step::new(Action::Drop, constraint_key(table, &c.name), sql)
        .releases(c.columns.iter().map(|col| column_key(table, col)));
    if let Some(target) = &c.foreign {
        step = step.releases(foreign_needs(target));
    }
    // A primary key or unique constraint is also an index of the same name.
    if matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion) {
        step.removes.push(ObjKey::Index { name: QualName::new(&table.schema, &c.name) });
    }
    step
}
