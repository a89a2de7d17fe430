use super::{column_key, comment_step, schema_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, QualName, TypeDef, TypeKind};
use schemactl_sqltext::{ident, literal, qualified};

pub fn diff_types(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (name, new) in &to.types {
        let key = ObjKey::Type { name: name.clone() };
        let old = from.types.get(name);
        match old {
            None => steps.push(create_type(new)),
            Some(old) => alter_enum(from, to, old, new, steps),
        }
        let target = format!("TYPE {}", qualified(name));
        steps.extend(comment_step(&target, key, old.and_then(|t| t.comment.as_ref()), new.comment.as_ref()));
    }
    for (name, _) in from.types.iter().filter(|(n, _)| !to.types.contains_key(*n)) {
        steps.push(
            Step::new(Action::Drop, ObjKey::Type { name: name.clone() }, format!("DROP TYPE {}", qualified(name)))
                .releases([schema_key(&name.schema)]),
        );
    }
}

fn create_type(t: &TypeDef) -> Step {
    let TypeKind::Enum { labels } = &t.kind;
    let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
    Step::new(
        Action::Create,
        ObjKey::Type { name: t.name.clone() },
        format!("CREATE TYPE {} AS ENUM ({})", qualified(&t.name), labels.join(", ")),
    )
    .requires([schema_key(&t.name.schema)])
}

fn alter_enum(from: &Catalog, to: &Catalog, old: &TypeDef, new: &TypeDef, steps: &mut Vec<Step>) {
    let (TypeKind::Enum { labels: before }, TypeKind::Enum { labels: after }) = (&old.kind, &new.kind);
    if before == after {
        return;
    }
    if is_subsequence(before, after) {
        add_values(&new.name, before, after, steps);
    } else {
        swap_enum(from, to, old, new, steps);
    }
}

/// Values only added: `ADD VALUE` in place, each placed next to a neighbour that exists.
fn add_values(name: &QualName, before: &[String], after: &[String], steps: &mut Vec<Step>) {
    for (i, label) in after.iter().enumerate() {
        if before.contains(label) {
            continue;
        }
        let position = match after[i + 1..].iter().find(|l| before.contains(l)) {
            Some(next) => format!(" BEFORE {}", literal(next)),
            None => after[..i].last().map(|prev| format!(" AFTER {}", literal(prev))).unwrap_or_default(),
        };
        steps.push(Step::new(
            Action::Alter,
            ObjKey::Type { name: name.clone() },
            format!("ALTER TYPE {} ADD VALUE {}{}", qualified(name), literal(label), position),
        ));
    }
}

/// Values removed or reordered: PostgreSQL cannot do that in place, so the old type is renamed,
/// the new one created, every column converted through text, and the old type dropped.
fn swap_enum(from: &Catalog, to: &Catalog, old: &TypeDef, new: &TypeDef, steps: &mut Vec<Step>) {
    let name = &new.name;
    let parked = QualName::new(&name.schema, format!("{}__schemactl_old", name.name));
    let key = ObjKey::Type { name: name.clone() };
    let parked_key = ObjKey::Type { name: parked.clone() };
    let mut rename = Step::new(
        Action::Alter,
        key.clone(),
        format!("ALTER TYPE {} RENAME TO {}", qualified(name), ident(&parked.name)),
    );
    // The parked name is not "provided": its drop would then have to come first (old objects
    // of a name go before new ones). The drop waits for the new type, created after the rename.
    rename.provides = vec![];
    rename.removes = vec![key.clone()];
    steps.push(rename);
    steps.push(create_type(new));
    let removed: Vec<&String> = {
        let TypeKind::Enum { labels: before } = &old.kind;
        let TypeKind::Enum { labels: after } = &new.kind;
        before.iter().filter(|l| !after.contains(l)).collect()
    };
    for (table_name, table) in &from.tables {
        let Some(new_table) = to.tables.get(table_name) else {
            continue;
        };
        for column in table.columns.iter().filter(|c| c.type_ref.as_ref() == Some(name)) {
            let Some(target) = new_table.column(&column.name) else {
                continue;
            };
            if target.data_type != column.data_type {
                continue; // the column diff converts it
            }
            let col = ident(&column.name);
            let via = if column.data_type.ends_with("[]") { "text[]" } else { "text" };
            let mut clauses = Vec::new();
            if column.default.is_some() {
                clauses.push(format!("ALTER COLUMN {col} DROP DEFAULT"));
            }
            clauses.push(format!("ALTER COLUMN {col} TYPE {t} USING {col}::{via}::{t}", t = target.data_type));
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
            // Its dependents (views, policies) see a new column: recreated around it.
            step.removes.push(column_key(table_name, &column.name));
            if !removed.is_empty() {
                step = step.hazard(
                    HazardKind::DataLoss,
                    format!("rows holding removed enum values of {name} fail the conversion"),
                );
            }
            steps.push(step.hazard(HazardKind::TableRewrite, "the column is converted to the new enum type"));
        }
    }
    steps.push(Step::new(Action::Drop, parked_key, format!("DROP TYPE {}", qualified(&parked))).requires([key]));
}

fn is_subsequence(short: &[String], long: &[String]) -> bool {
    let mut it = long.iter();
    short.iter().all(|s| it.any(|l| l == s))
}
