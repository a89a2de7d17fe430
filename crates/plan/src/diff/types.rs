use super::{comment_step, schema_key};
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

/// Values removed or reordered: PostgreSQL cannot do that in place, so the type is swapped
/// (`swap.rs`), every column converted through text.
fn swap_enum(from: &Catalog, to: &Catalog, old: &TypeDef, new: &TypeDef, steps: &mut Vec<Step>) {
    let removed: Vec<&String> = {
        let TypeKind::Enum { labels: before } = &old.kind;
        let TypeKind::Enum { labels: after } = &new.kind;
        before.iter().filter(|l| !after.contains(l)).collect()
    };
    let using = |_: &QualName, column: &schemactl_model::Column| {
        let via = if column.data_type.ends_with("[]") { "text[]" } else { "text" };
        format!("{}::{via}::{}", ident(&column.name), column.data_type)
    };
    let hazards = |_: &schemactl_model::Column| {
        let mut out = Vec::new();
        if !removed.is_empty() {
            out.push((
                HazardKind::DataLoss,
                format!("rows holding removed enum values of {} fail the conversion", new.name),
            ));
        }
        out.push((HazardKind::TableRewrite, "the column is converted to the new enum type".to_string()));
        out
    };
    let swap =
        super::swap::Swap { name: &new.name, keyword: "TYPE", create: create_type(new), also_rename: Vec::new() };
    super::swap::swap(from, to, swap, using, hazards, steps);
}

fn is_subsequence(short: &[String], long: &[String]) -> bool {
    let mut it = long.iter();
    short.iter().all(|s| it.any(|l| l == s))
}
