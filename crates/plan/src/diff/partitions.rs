//! Partitioning and classic inheritance: which tables must be recreated, how a child table is
//! created under its parent, and ATTACH/DETACH, INHERIT/NO INHERIT for existing tables.
//!
//! PostgreSQL carries a parent's columns, CHECK constraints and (for partitions) indexes,
//! primary and foreign keys to its children, and applies most column changes to the whole
//! tree. The differ therefore plans them once, on the parent, and plans on a child only what
//! the child declares itself.

use super::{column_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, Column, QualName, Table};
use schemactl_sqltext::{ident, qualified};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Every parent of a table: its partition parent, or its INHERITS list.
pub fn parents(table: &Table) -> Vec<&QualName> {
    table.partition_of.iter().map(|p| &p.parent).chain(table.inherits.iter()).collect()
}

/// Tables present on both sides whose old table must be dropped and a new one created: the
/// partitioning key changed (PostgreSQL cannot alter it), and then every partition under them.
pub fn recreated(from: &Catalog, to: &Catalog) -> BTreeSet<QualName> {
    let mut gone: BTreeSet<QualName> = from
        .tables
        .iter()
        .filter(|(name, old)| to.tables.get(*name).is_some_and(|new| new.partition_by != old.partition_by))
        .map(|(name, _)| name.clone())
        .collect();
    loop {
        let more: Vec<QualName> = from
            .tables
            .iter()
            .filter(|(name, old)| {
                !gone.contains(*name)
                    && to.tables.contains_key(*name)
                    && old.partition_of.as_ref().is_some_and(|p| gone.contains(&p.parent))
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            return gone;
        }
        gone.extend(more);
    }
}

/// Parents the table has on both sides (and that are not recreated): their column changes
/// reach the table by themselves.
pub fn kept_parents<'a>(
    from: &'a Catalog,
    to: &'a Catalog,
    old: &Table,
    new: &Table,
    gone: &BTreeSet<QualName>,
) -> Vec<(&'a Table, &'a Table)> {
    let before = parents(old);
    parents(new)
        .into_iter()
        .filter(|p| before.contains(p) && !gone.contains(*p))
        .filter_map(|p| Some((from.tables.get(p)?, to.tables.get(p)?)))
        .collect()
}

/// Whether the table stops being the partition it was (DETACH in this plan).
pub fn detached(old: &Table, new: &Table) -> bool {
    old.partition_of.is_some() && old.partition_of != new.partition_of
}

/// The column a child receives from its first parent that has it: type, collation, default,
/// NOT NULL and generation expression are copied; identity and comments are not.
pub fn implied_column(to: &Catalog, table: &Table, column: &Column) -> Option<Column> {
    let (parent_table, parent) = parents(table)
        .into_iter()
        .filter_map(|p| to.tables.get(p))
        .find_map(|t| Some((&t.name, t.column(&column.name)?)))?;
    // PostgreSQL 18: the child's NOT NULL takes the name of the parent's.
    let not_null_name = parent
        .not_null
        .then(|| parent.not_null_constraint(parent_table))
        .filter(|n| *n != Column::default_not_null_name(&table.name, &column.name));
    Some(Column { identity: None, comment: None, local: false, inherited: true, not_null_name, ..parent.clone() })
}

/// Columns whose received NOT NULL has another name on each side (PostgreSQL 18). An
/// inherited constraint cannot be renamed: the partition is detached, renamed, attached again.
/// Not when its parent (`parent`, on both sides) renames its own from the same old name to
/// the same new one: `RENAME CONSTRAINT` on the parent renames the partitions' too, and
/// a partition renamed first would leave the parent's rename nothing to find.
pub fn renamed_inherited_not_null(
    parent: (Option<&Table>, Option<&Table>),
    old: &Table,
    new: &Table,
) -> Vec<(String, String)> {
    let parent_names = |c: &str| -> Option<(String, String)> {
        let (Some(old_parent), Some(new_parent)) = parent else { return None };
        let (before, after) = (old_parent.column(c)?, new_parent.column(c)?);
        (before.not_null && after.not_null)
            .then(|| (before.not_null_constraint(&old_parent.name), after.not_null_constraint(&new_parent.name)))
    };
    new.columns
        .iter()
        .filter_map(|c| {
            let before = old.column(&c.name)?;
            let (from, to) = (before.not_null_constraint(&old.name), c.not_null_constraint(&new.name));
            let renamed = before.inherited && c.inherited && before.not_null && c.not_null && from != to;
            (renamed && parent_names(&c.name) != Some((from.clone(), to.clone()))).then_some((from, to))
        })
        .collect()
}

/// The child's old column with the changes its parent makes in this plan applied: PostgreSQL
/// applies type, default and NOT NULL changes of a parent to every child.
pub fn after_parent_changes(old_parent: &Column, new_parent: &Column, child: &Column) -> Column {
    let mut c = child.clone();
    if old_parent.data_type != new_parent.data_type || old_parent.collation != new_parent.collation {
        c.data_type = new_parent.data_type.clone();
        c.base_type = new_parent.base_type.clone();
        c.type_ref = new_parent.type_ref.clone();
        c.collation = new_parent.collation.clone();
    }
    if old_parent.default != new_parent.default {
        c.default = new_parent.default.clone();
        c.default_sequences = new_parent.default_sequences.clone();
    }
    if old_parent.not_null != new_parent.not_null {
        c.not_null = new_parent.not_null;
    }
    c
}

/// Children (on the side given) that receive `column` from `parent` without declaring it.
pub fn inheriting_children<'a>(
    catalog: &'a Catalog,
    parent: &'a QualName,
    column: &'a str,
) -> impl Iterator<Item = &'a QualName> + 'a {
    // Called for every column added or dropped, over every table: the parent test comes
    // first, without allocating, so that a table that is nobody's child costs next to nothing
    // (it was a scan of each table's columns: quadratic at 20,000 tables).
    catalog.tables.values().filter_map(move |t| {
        let child = t.partition_of.as_ref().is_some_and(|p| p.parent == *parent) || t.inherits.contains(parent);
        let c = if child { t.column(column)? } else { return None };
        (c.inherited && !c.local).then_some(&t.name)
    })
}

/// DETACH/ATTACH and NO INHERIT/INHERIT for a table that exists on both sides.
pub fn diff_parents(from: &Catalog, to: &Catalog, old: &Table, new: &Table, steps: &mut Vec<Step>) {
    let name = &new.name;
    // Leaving a parent turns received columns into the table's own: it must happen before the
    // parent drops any of them, or they would go too.
    let received: Vec<ObjKey> =
        old.columns.iter().filter(|c| c.inherited && !c.local).map(|c| column_key(name, &c.name)).collect();
    // Columns the table gains are added after it leaves, as its own, and the parent's new
    // ones after that too (they would otherwise reach the table): claiming them removed here
    // orders their creation after this step.
    let gained = |parent: &QualName| -> Vec<ObjKey> {
        let fresh = new.columns.iter().filter(|c| old.column(&c.name).is_none());
        fresh.flat_map(|c| [column_key(name, &c.name), column_key(parent, &c.name)]).collect()
    };
    if old.partition_of != new.partition_of {
        let mut sql = Vec::new();
        let mut step = link_step(name, String::new());
        if let Some(p) = &old.partition_of {
            sql.push(format!("ALTER TABLE {} DETACH PARTITION {}", qualified(&p.parent), qualified(name)));
            step = step.releases([table_key(&p.parent)]).releases(received.clone());
            if new.partition_of.as_ref().map(|n| &n.parent) != Some(&p.parent) {
                step.removes.extend(gained(&p.parent));
            }
        }
        if let Some(p) = &new.partition_of {
            sql.push(format!("ALTER TABLE {} ATTACH PARTITION {} {}", qualified(&p.parent), qualified(name), p.bound));
            step = step
                .requires([table_key(&p.parent)])
                .requires(parent_columns(to, &p.parent))
                .requires(new.columns.iter().map(|c| column_key(name, &c.name)))
                .provides(dropped_parent_columns(from, to, &p.parent))
                .hazard(HazardKind::ValidationScan, "ATTACH PARTITION scans the table to check the bound");
        }
        step.sql = sql.join(";\n");
        steps.push(step);
    }
    if let (Some(p), true) = (&new.partition_of, old.partition_of == new.partition_of) {
        let renames = renamed_inherited_not_null((from.tables.get(&p.parent), to.tables.get(&p.parent)), old, new);
        if !renames.is_empty() {
            let (parent, table) = (qualified(&p.parent), qualified(name));
            let mut sql = vec![format!("ALTER TABLE {parent} DETACH PARTITION {table}")];
            sql.extend(
                renames.iter().map(|(from, to)| {
                    format!("ALTER TABLE {table} RENAME CONSTRAINT {} TO {}", ident(from), ident(to))
                }),
            );
            sql.push(format!("ALTER TABLE {parent} ATTACH PARTITION {table} {}", p.bound));
            let step = link_step(name, sql.join(";\n"))
                .requires([table_key(&p.parent)])
                .hazard(HazardKind::ValidationScan, "ATTACH PARTITION scans the table to check the bound");
            steps.push(step);
        }
    }
    for p in old.inherits.iter().filter(|p| !new.inherits.contains(p)) {
        let sql = format!("ALTER TABLE {} NO INHERIT {}", qualified(name), qualified(p));
        let mut step = link_step(name, sql).releases([table_key(p)]).releases(received.clone());
        step.removes.extend(gained(p));
        steps.push(step);
    }
    for p in new.inherits.iter().filter(|p| !old.inherits.contains(p)) {
        let sql = format!("ALTER TABLE {} INHERIT {}", qualified(name), qualified(p));
        steps.push(
            link_step(name, sql)
                .requires([table_key(p)])
                .requires(parent_columns(to, p))
                .requires(new.columns.iter().map(|c| column_key(name, &c.name)))
                .provides(dropped_parent_columns(from, to, p)),
        );
    }
}

/// A change of the table's parents provides nothing: the table's other changes (new columns
/// a parent requires, say) must not wait for it.
fn link_step(name: &QualName, sql: String) -> Step {
    let mut step = Step::new(Action::Alter, table_key(name), sql).requires([table_key(name)]);
    step.provides.clear();
    step
}

/// Columns the parent drops in this plan. A table joining the parent must lack none of the
/// parent's columns, so it joins only after they are gone: claiming them as provided orders
/// the step after their removal.
fn dropped_parent_columns(from: &Catalog, to: &Catalog, parent: &QualName) -> Vec<ObjKey> {
    let (Some(old), Some(new)) = (from.tables.get(parent), to.tables.get(parent)) else { return Vec::new() };
    old.columns.iter().filter(|c| new.column(&c.name).is_none()).map(|c| column_key(parent, &c.name)).collect()
}

/// The parent's columns: a child is created or attached after the parent has them all.
pub fn parent_columns(to: &Catalog, parent: &QualName) -> Vec<ObjKey> {
    to.tables.get(parent).map_or_else(Vec::new, |t| t.columns.iter().map(|c| column_key(parent, &c.name)).collect())
}

/// The table pair with what PostgreSQL manages through the parent left out: inherited
/// constraints and indexes on the new side, and on the old side those that stay inherited or
/// that the parent takes over (an equivalent index is attached, not recreated). After a
/// DETACH the old inherited ones remain on the table as its own, so they count as present.
pub fn own_objects<'a>(old: &'a Table, new: &'a Table) -> (Cow<'a, Table>, Cow<'a, Table>) {
    let any = |t: &Table| t.constraints.values().any(|c| c.inherited) || t.indexes.values().any(|i| i.inherited);
    if !any(old) && !any(new) {
        return (Cow::Borrowed(old), Cow::Borrowed(new));
    }
    let detached = detached(old, new);
    let mut o = old.clone();
    let mut n = new.clone();
    o.constraints.retain(|name, c| {
        let taken_over = new.constraints.get(name).is_some_and(|c| c.inherited);
        !taken_over && (!c.inherited || detached)
    });
    o.indexes.retain(|name, i| {
        let taken_over = new.indexes.get(name).is_some_and(|i| i.inherited);
        !taken_over && (!i.inherited || detached)
    });
    for c in o.constraints.iter_mut().map(|(_, c)| c) {
        c.inherited = false;
    }
    for i in o.indexes.iter_mut().map(|(_, i)| i) {
        i.inherited = false;
    }
    n.constraints.retain(|_, c| !c.inherited);
    n.indexes.retain(|_, i| !i.inherited);
    (Cow::Owned(o), Cow::Owned(n))
}
