use super::{column_key, comment_step, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Index, QualName, Table};
use schemactl_sqltext::qualified;

pub fn diff_indexes(old: &Table, new: &Table, steps: &mut Vec<Step>) {
    for (name, index) in &new.indexes {
        let before = old.indexes.get(name);
        match before {
            None => steps.push(create_index(new, index, true)),
            // An invalid index (an interrupted concurrent build) is built again.
            Some(b) if b.definition != index.definition || !b.valid => {
                steps.push(drop_index(old, b));
                steps.push(create_index(new, index, true));
            }
            Some(_) => {}
        }
        let key = index_key(&new.name, name);
        let target = format!("INDEX {}", qualified(&QualName::new(&new.name.schema, name)));
        steps.extend(comment_step(&target, key, before.and_then(|i| i.comment.as_ref()), index.comment.as_ref()));
    }
    for index in old.indexes.values().filter(|i| !new.indexes.contains_key(&i.name)) {
        steps.push(drop_index(old, index));
    }
}

fn index_key(table: &QualName, name: &str) -> ObjKey {
    ObjKey::Index { name: QualName::new(&table.schema, name) }
}

/// The index's columns are not modelled separately, so it waits for every column change.
pub fn create_index(table: &Table, index: &Index, existing_table: bool) -> Step {
    let mut step = Step::new(Action::Create, index_key(&table.name, &index.name), index.definition.clone())
        .grouped_under(table_key(&table.name).group())
        .requires([table_key(&table.name)])
        .requires(table.columns.iter().map(|c| column_key(&table.name, &c.name)));
    if existing_table {
        step = step.hazard(HazardKind::IndexBuild, "builds the index while blocking writes to the table");
    }
    step
}

fn drop_index(table: &Table, index: &Index) -> Step {
    let name = QualName::new(&table.name.schema, &index.name);
    Step::new(Action::Drop, index_key(&table.name, &index.name), format!("DROP INDEX {}", qualified(&name)))
        .grouped_under(table_key(&table.name).group())
        .releases(table.columns.iter().map(|c| column_key(&table.name, &c.name)))
}
