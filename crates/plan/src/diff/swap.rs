//! A type PostgreSQL cannot change in place (an enum losing or reordering values, a domain
//! with a new base type or collation) is swapped: the old one renamed aside, the new one
//! created, every column of that type converted to it, the old one dropped. Dropping it
//! instead would take the columns with it, or fail.

use super::{column_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, Column, QualName};
use schemactl_sqltext::{ident, qualified};

/// One swap: the type, its SQL keyword (`TYPE`, `DOMAIN`), and the step creating the new one.
pub(super) struct Swap<'a> {
    pub name: &'a QualName,
    pub keyword: &'static str,
    pub create: Step,
    /// Statements run with the rename (a range type's multirange type stepping aside too).
    pub also_rename: Vec<String>,
}

/// The columns of type `name` (or arrays of it) that are of that type on both sides: what a
/// swap converts (a column whose type changes too is the column diff's).
pub(super) fn kept_columns<'a>(from: &'a Catalog, to: &Catalog, name: &QualName) -> Vec<(&'a QualName, &'a Column)> {
    let mut out = Vec::new();
    for (table_name, table) in &from.tables {
        let Some(new_table) = to.tables.get(table_name) else { continue };
        for column in table.columns.iter().filter(|c| c.type_ref.as_deref() == Some(name) && (!c.inherited || c.local))
        {
            if new_table.column(&column.name).is_some_and(|t| t.data_type == column.data_type) {
                out.push((table_name, column));
            }
        }
    }
    out
}

/// The steps of a swap. `using` is the conversion of a column (its `USING` expression) and
/// `hazards` what converting it risks, both given the table and the column.
pub(super) fn swap(
    from: &Catalog,
    to: &Catalog,
    swap: Swap<'_>,
    using: impl Fn(&QualName, &Column) -> String,
    hazards: impl Fn(&Column) -> Vec<(HazardKind, String)>,
    steps: &mut Vec<Step>,
) {
    let name = swap.name;
    let parked = QualName::new(&name.schema, format!("{}__schemactl_old", name.name));
    let key = ObjKey::Type { name: name.clone() };
    let parked_key = ObjKey::Type { name: parked.clone() };
    let mut statements = vec![format!("ALTER {} {} RENAME TO {}", swap.keyword, qualified(name), ident(&parked.name))];
    statements.extend(swap.also_rename);
    let mut rename = Step::new(Action::Alter, key.clone(), statements.join(";\n"));
    // The parked name is not "provided": its drop would then have to come first (old objects
    // of a name go before new ones). The drop waits for the new type, created after the rename.
    rename.provides = vec![];
    rename.removes = vec![key.clone()];
    steps.push(rename);
    steps.push(swap.create);
    for (table_name, column) in kept_columns(from, to, name) {
        let Some(target) = to.tables.get(table_name).and_then(|t| t.column(&column.name)) else { continue };
        let col = ident(&column.name);
        let mut clauses = Vec::new();
        if column.default.is_some() {
            clauses.push(format!("ALTER COLUMN {col} DROP DEFAULT"));
        }
        clauses.push(format!("ALTER COLUMN {col} TYPE {} USING {}", target.data_type, using(table_name, column)));
        if let Some(d) = &target.default {
            clauses.push(format!("ALTER COLUMN {col} SET DEFAULT {d}"));
        }
        let mut step = Step::new(
            Action::Alter,
            column_key(table_name, &column.name),
            format!("ALTER TABLE {} {}", qualified(table_name), clauses.join(", ")),
        )
        .requires([key.clone(), table_key(table_name)])
        .releases([parked_key.clone()]);
        // A retyped column is a new column to its dependents (views, policies): they are
        // dropped before and recreated after (`graph::recreate_dependents`).
        step.removes.push(column_key(table_name, &column.name));
        for (kind, message) in hazards(column) {
            step = step.hazard(kind, message);
        }
        steps.push(step);
    }
    let drop = format!("DROP {} {}", swap.keyword, qualified(&parked));
    steps.push(Step::new(Action::Drop, parked_key, drop).requires([key]));
}
