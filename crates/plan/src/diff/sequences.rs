use super::{column_key, comment_step, schema_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, ColumnRef, SequenceOptions};
use schemactl_sqltext::{ident, qualified};

pub fn diff_sequences(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (name, seq) in &to.sequences {
        let key = ObjKey::Sequence { name: name.clone() };
        let old = from.sequences.get(name);
        match old {
            None => {
                let clauses = option_clauses(&seq.options, None, true);
                let sql = format!("CREATE SEQUENCE {}{}", qualified(name), prefixed(&clauses));
                steps.push(Step::new(Action::Create, key.clone(), sql).requires([schema_key(&name.schema)]));
            }
            Some(old) => {
                let clauses = option_clauses(&seq.options, Some(&old.options), true);
                if !clauses.is_empty() {
                    let mut sql = format!("ALTER SEQUENCE {}{}", qualified(name), prefixed(&clauses));
                    // ALTER SEQUENCE refuses a MINVALUE above the current value: move it up first.
                    if seq.options.min_value > old.options.min_value {
                        let min = seq.options.min_value;
                        sql = format!(
                            "SELECT pg_catalog.setval({}, greatest(last_value, {min}), last_value >= {min} AND is_called) FROM {};\n{sql}",
                            schemactl_sqltext::literal(&qualified(name)),
                            qualified(name)
                        );
                    }
                    steps.push(Step::new(Action::Alter, key.clone(), sql));
                }
            }
        }
        let old_owner = old.and_then(|s| s.owned_by.as_ref());
        if old_owner != seq.owned_by.as_ref() {
            steps.push(owned_by_step(&key, name, seq.owned_by.as_ref(), old_owner));
        }
        let target = format!("SEQUENCE {}", qualified(name));
        steps.extend(comment_step(&target, key, old.and_then(|s| s.comment.as_ref()), seq.comment.as_ref()));
    }
    for (name, seq) in from.sequences.iter().filter(|(n, _)| !to.sequences.contains_key(*n)) {
        // Dropping the owning column (or its table) drops the sequence with it.
        if seq.owned_by.as_ref().is_some_and(|o| owner_disappears(o, to)) {
            continue;
        }
        steps.push(
            Step::new(
                Action::Drop,
                ObjKey::Sequence { name: name.clone() },
                format!("DROP SEQUENCE {}", qualified(name)),
            )
            .releases([schema_key(&name.schema)])
            .hazard(HazardKind::DataLoss, "the sequence's current value is lost"),
        );
    }
}

fn owner_disappears(owner: &ColumnRef, to: &Catalog) -> bool {
    to.tables.get(&owner.table).is_none_or(|t| t.column(&owner.column).is_none())
}

fn owned_by_step(
    key: &ObjKey,
    name: &schemactl_model::QualName,
    new: Option<&ColumnRef>,
    old: Option<&ColumnRef>,
) -> Step {
    let target = match new {
        Some(o) => format!("{}.{}", qualified(&o.table), ident(&o.column)),
        None => "NONE".to_string(),
    };
    let mut step =
        Step::new(Action::Alter, key.clone(), format!("ALTER SEQUENCE {} OWNED BY {target}", qualified(name)));
    step.provides.clear();
    step.requires.push(key.clone());
    if let Some(o) = new {
        step.requires.extend([table_key(&o.table), column_key(&o.table, &o.column)]);
    }
    if let Some(o) = old {
        step.releases.push(column_key(&o.table, &o.column));
    }
    step
}

fn prefixed(clauses: &[String]) -> String {
    clauses.iter().map(|c| format!(" {c}")).collect()
}

/// Option clauses for CREATE (against PostgreSQL's defaults) or ALTER (against `old`).
/// Used for identity columns too, whose options share the syntax.
/// Identity columns take their sequence type from the column, so `with_type` is false for them.
pub(crate) fn option_clauses(new: &SequenceOptions, old: Option<&SequenceOptions>, with_type: bool) -> Vec<String> {
    let base = old.cloned().unwrap_or_else(|| defaults_for(&new.data_type, new.increment));
    let mut clauses = Vec::new();
    if with_type && new.data_type != base.data_type {
        clauses.push(format!("AS {}", new.data_type));
    }
    if new.increment != base.increment {
        clauses.push(format!("INCREMENT BY {}", new.increment));
    }
    if new.min_value != base.min_value {
        clauses.push(format!("MINVALUE {}", new.min_value));
    }
    if new.max_value != base.max_value {
        clauses.push(format!("MAXVALUE {}", new.max_value));
    }
    if new.start != base.start {
        clauses.push(format!("START WITH {}", new.start));
    }
    if new.cache != base.cache {
        clauses.push(format!("CACHE {}", new.cache));
    }
    if new.cycle != base.cycle {
        clauses.push(if new.cycle { "CYCLE".into() } else { "NO CYCLE".into() });
    }
    clauses
}

/// PostgreSQL's defaults for a new sequence of this type and direction.
fn defaults_for(data_type: &str, increment: i64) -> SequenceOptions {
    let (type_min, type_max) = match data_type {
        "smallint" => (i16::MIN as i64, i16::MAX as i64),
        "integer" => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    };
    let increment = if increment == 0 { 1 } else { increment };
    let (min_value, max_value) = if increment > 0 { (1, type_max) } else { (type_min, -1) };
    SequenceOptions {
        data_type: "bigint".into(),
        start: if increment > 0 { min_value } else { max_value },
        increment: 1,
        min_value,
        max_value,
        cache: 1,
        cycle: false,
    }
}
