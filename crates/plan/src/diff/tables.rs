use super::columns::{alter_column, column_definition, diff_columns, identity_sequence_key, not_valid_not_null};
use super::constraints::{add_constraint, diff_constraints, drop_constraint, rebuilt_keys};
use super::indexes::{create_index, diff_indexes};
use super::partitions;
use super::{column_key, column_needs, comment_step, schema_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, Column, ConstraintKind, Table};
use schemactl_sqltext::{display_qualified, ident, qualified};

pub fn diff_tables(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    let rebuilt = rebuilt_keys(from, to);
    let gone = partitions::recreated(from, to);
    for (name, table) in &to.tables {
        match from.tables.get(name).filter(|_| !gone.contains(name)) {
            None => create_table(to, table, steps),
            Some(old) => {
                if old.unlogged != table.unlogged {
                    let mode = if table.unlogged { "UNLOGGED" } else { "LOGGED" };
                    steps.push(
                        Step::new(
                            Action::Alter,
                            table_key(name),
                            format!("ALTER TABLE {} SET {mode}", qualified(name)),
                        )
                        .hazard(HazardKind::TableRewrite, "changing persistence rewrites the table")
                        .hazard(
                            HazardKind::AccessExclusiveLock,
                            "SET LOGGED/UNLOGGED holds an ACCESS EXCLUSIVE lock while it rewrites the table",
                        ),
                    );
                }
                row_security(table, Some(old), steps);
                diff_columns(from, to, old, table, &gone, steps);
                partitions::diff_parents(from, to, old, table, steps);
                let (own_old, own_new) = partitions::own_objects(old, table);
                diff_constraints(&own_old, &own_new, &rebuilt, steps);
                diff_indexes(&own_old, &own_new, steps);
                let target = format!("TABLE {}", qualified(name));
                steps.extend(comment_step(&target, table_key(name), old.comment.as_ref(), table.comment.as_ref()));
            }
        }
    }
    for (name, table) in from.tables.iter().filter(|(n, _)| !to.tables.contains_key(*n) || gone.contains(*n)) {
        drop_table(from, to, table, steps);
        let _ = name;
    }
}

/// Validated non-foreign-key constraints go inline; foreign keys and NOT VALID constraints are
/// added afterwards, which also breaks foreign-key cycles between new tables.
fn is_inline(c: &schemactl_model::Constraint) -> bool {
    c.kind != ConstraintKind::ForeignKey && c.validated
}

fn create_table(to: &Catalog, table: &Table, steps: &mut Vec<Step>) {
    let name = &table.name;
    // Columns received from a parent are created by the parent; the child declares its own.
    let declared = |c: &&Column| c.local || !c.inherited;
    let mut items: Vec<String> = table.columns.iter().filter(declared).map(|c| column_definition(name, c)).collect();
    let inline: Vec<_> = table.constraints.values().filter(|c| is_inline(c) && !c.inherited).collect();
    items.extend(inline.iter().map(|c| format!("CONSTRAINT {} {}", ident(&c.name), c.definition)));
    let body = if items.is_empty() { "()".to_string() } else { format!("(\n    {}\n)", items.join(",\n    ")) };
    let unlogged = if table.unlogged { "UNLOGGED " } else { "" };
    let mut sql = match &table.partition_of {
        Some(p) => {
            let body = if items.is_empty() { String::new() } else { format!("{body} ") };
            format!(
                "CREATE {unlogged}TABLE {} PARTITION OF {} {body}{}",
                qualified(name),
                qualified(&p.parent),
                p.bound
            )
        }
        None => format!("CREATE {unlogged}TABLE {} {body}", qualified(name)),
    };
    if !table.inherits.is_empty() {
        let list: Vec<String> = table.inherits.iter().map(qualified).collect();
        sql.push_str(&format!(" INHERITS ({})", list.join(", ")));
    }
    if let Some(key) = &table.partition_by {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    let mut step = Step::new(Action::Create, table_key(name), sql)
        .requires([schema_key(&name.schema)])
        .requires(partitions::parents(table).into_iter().flat_map(|p| {
            let mut keys = partitions::parent_columns(to, p);
            keys.push(table_key(p));
            keys
        }))
        .provides(table.columns.iter().map(|c| column_key(name, &c.name)))
        .provides(inline.iter().map(|c| ObjKey::Constraint { table: name.clone(), name: c.name.clone() }))
        .provides(table.columns.iter().filter_map(identity_sequence_key));
    for column in &table.columns {
        step = step.requires(column_needs(to, column));
    }
    steps.push(step);
    // Where the child's received column differs from the parent's (a partition's own default
    // or NOT NULL), it is altered right after.
    for column in table.columns.iter().filter(|c| !declared(c)) {
        if let Some(implied) = partitions::implied_column(to, table, column) {
            steps.extend(alter_column(to, to, name, &implied, column));
        }
    }
    for c in table.constraints.values().filter(|c| !is_inline(c) && !c.inherited) {
        steps.push(add_constraint(name, c, false));
    }
    steps.extend(table.columns.iter().filter(declared).filter_map(|c| not_valid_not_null(name, c)));
    for index in table.indexes.values().filter(|i| !i.inherited) {
        steps.push(create_index(table, index, false));
    }
    row_security(table, None, steps);
    let target = format!("TABLE {}", qualified(name));
    steps.extend(comment_step(&target, table_key(name), None, table.comment.as_ref()));
    for column in &table.columns {
        let target = format!("COLUMN {}.{}", qualified(name), ident(&column.name));
        steps.extend(comment_step(&target, column_key(name, &column.name), None, column.comment.as_ref()));
    }
    for c in table.constraints.values() {
        let target = format!("CONSTRAINT {} ON {}", ident(&c.name), qualified(name));
        let key = ObjKey::Constraint { table: name.clone(), name: c.name.clone() };
        steps.extend(comment_step(&target, key, None, c.comment.as_ref()));
    }
    for index in table.indexes.values() {
        let index_name = schemactl_model::QualName::new(&name.schema, &index.name);
        let target = format!("INDEX {}", qualified(&index_name));
        steps.extend(comment_step(&target, ObjKey::Index { name: index_name }, None, index.comment.as_ref()));
    }
}

fn drop_table(from: &Catalog, to: &Catalog, table: &Table, steps: &mut Vec<Step>) {
    let name = &table.name;
    let mut step = Step::new(Action::Drop, table_key(name), format!("DROP TABLE {}", qualified(name)))
        .releases([schema_key(&name.schema)])
        // A child goes before its parent (a partitioned table's DROP would take it along).
        .releases(partitions::parents(table).into_iter().map(table_key))
        .hazard(HazardKind::DataLoss, format!("drops table {} and all its rows", display_qualified(name)));
    // Everything the table carries goes with it; naming it lets new objects of the same name
    // be created only afterwards.
    step.removes.extend(table.columns.iter().map(|c| column_key(name, &c.name)));
    step.removes.extend(table.columns.iter().filter_map(identity_sequence_key));
    // Foreign keys to another dropped table get their own drop step (below), so they are not
    // part of what this step removes: the two table drops then need not wait for each other.
    let dropped_separately = |c: &schemactl_model::Constraint| {
        c.foreign.as_ref().is_some_and(|f| &f.table != name && !to.tables.contains_key(&f.table))
    };
    step.removes.extend(
        table
            .constraints
            .values()
            .filter(|c| !dropped_separately(c))
            .map(|c| ObjKey::Constraint { table: name.clone(), name: c.name.clone() }),
    );
    step.removes
        .extend(table.indexes.keys().map(|i| ObjKey::Index { name: schemactl_model::QualName::new(&name.schema, i) }));
    step.removes.extend(
        from.sequences
            .values()
            .filter(|s| s.owned_by.as_ref().is_some_and(|o| &o.table == name))
            .map(|s| ObjKey::Sequence { name: s.name.clone() }),
    );
    for column in &table.columns {
        step = step.releases(column_needs(from, column));
    }
    for fk in table.constraints.values().filter(|c| c.kind == ConstraintKind::ForeignKey) {
        let Some(target) = &fk.foreign else { continue };
        if &target.table == name {
            continue;
        }
        if to.tables.contains_key(&target.table) {
            step = step.releases(super::constraints::foreign_needs(target));
        } else {
            // Both tables go: drop the link first so neither drop waits for the other.
            steps.push(drop_constraint(name, fk));
        }
    }
    steps.push(step);
}

/// `ENABLE`/`FORCE ROW LEVEL SECURITY`, against the old table or a new one's defaults.
fn row_security(table: &Table, old: Option<&Table>, steps: &mut Vec<Step>) {
    let (was_enabled, was_forced) = old.map_or((false, false), |t| (t.row_security, t.force_row_security));
    let mut clauses = Vec::new();
    if was_enabled != table.row_security {
        clauses.push(if table.row_security { "ENABLE ROW LEVEL SECURITY" } else { "DISABLE ROW LEVEL SECURITY" });
    }
    if was_forced != table.force_row_security {
        clauses.push(if table.force_row_security { "FORCE ROW LEVEL SECURITY" } else { "NO FORCE ROW LEVEL SECURITY" });
    }
    if !clauses.is_empty() {
        let sql = format!("ALTER TABLE {} {}", qualified(&table.name), clauses.join(", "));
        steps.push(Step::new(Action::Alter, table_key(&table.name), sql).requires([table_key(&table.name)]));
    }
}
