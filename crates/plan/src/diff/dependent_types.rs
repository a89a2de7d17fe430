//! Composite types, range types and collations that columns use. Dropping one takes its
//! columns with it (or fails: "other objects depend on it"), so a change is made in place
//! where PostgreSQL allows it, else the columns are moved off and back:
//! - a composite type that only loses attributes and gains new ones at its end is altered
//!   (`ALTER TYPE ... DROP ATTRIBUTE, ADD ATTRIBUTE`, which PostgreSQL allows while columns use
//!   the type); any other change of one that columns use is a swap (`swap.rs`), each column
//!   converted attribute by attribute (`ROW((c).a, (c).b::new, NULL)::t`, NULL kept);
//! - a range type is swapped, its columns converted through text (`c::text::t`), its
//!   multirange type renamed aside with it;
//! - a collation is swapped: renamed aside, created anew, its columns set to it again
//!   (`ALTER COLUMN c TYPE text COLLATE s.ci`, which rebuilds their indexes), then dropped.
//!
//! A column's `-- schemactl:using` conversion wins over these. Types no column keeps are left
//! to the generic drop and create (their other dependents are recreated around it).

use super::swap::{kept_columns, swap, Swap};
use super::{column_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, Column, CompositeDef, DbObject, ObjectId, ObjectKind, QualName};
use schemactl_sqltext::{ident, qualified};

/// How a changed object of these kinds is planned here, if it is (the generic objects diff
/// then leaves it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// `ALTER TYPE ... DROP/ADD ATTRIBUTE`.
    InPlace,
    /// Renamed aside, created anew, its columns converted, dropped.
    Swap,
}

pub fn handling(from: &Catalog, to: &Catalog, id: &ObjectId) -> Option<Handling> {
    let (old, new) = (from.objects.get(id)?, to.objects.get(id)?);
    if old.create == new.create {
        return None;
    }
    let name = QualName::new(&id.schema, &id.name);
    match id.kind {
        ObjectKind::CompositeType => {
            let (old, new) = (from.composites.get(&name)?, to.composites.get(&name)?);
            if in_place(old, new).is_some() {
                Some(Handling::InPlace)
            } else {
                (!kept_columns(from, to, &name).is_empty()).then_some(Handling::Swap)
            }
        }
        ObjectKind::RangeType => (!kept_columns(from, to, &name).is_empty()).then_some(Handling::Swap),
        ObjectKind::Collation => (!collated_columns(from, to, &name).is_empty()).then_some(Handling::Swap),
        _ => None,
    }
}

/// An attribute: name and declaration.
type Attribute = (String, String);

/// The attributes to drop and to add when `new` is `old` with some attributes gone and new ones
/// at the end, each kept one unchanged: all `ALTER TYPE` can do while columns use the type.
fn in_place<'a>(old: &'a CompositeDef, new: &'a CompositeDef) -> Option<(Vec<&'a str>, Vec<&'a Attribute>)> {
    let kept: Vec<&Attribute> =
        old.attributes.iter().filter(|(n, _)| new.attributes.iter().any(|(m, _)| m == n)).collect();
    let dropped =
        old.attributes.iter().filter(|(n, _)| !new.attributes.iter().any(|(m, _)| m == n)).map(|(n, _)| n.as_str());
    let added: Vec<&Attribute> =
        new.attributes.iter().filter(|(n, _)| !old.attributes.iter().any(|(m, _)| m == n)).collect();
    let order_kept = new.attributes.len() == kept.len() + added.len()
        && new.attributes.iter().zip(kept.iter().chain(&added)).all(|(a, b)| a == *b);
    order_kept.then(|| (dropped.collect(), added))
}

pub fn diff_dependent_types(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (id, new) in &to.objects {
        let Some(handling) = handling(from, to, id) else { continue };
        let name = QualName::new(&id.schema, &id.name);
        match (id.kind, handling) {
            (ObjectKind::CompositeType, Handling::InPlace) => alter_composite(from, to, &name, steps),
            (ObjectKind::CompositeType, Handling::Swap) => swap_composite(from, to, &name, new, steps),
            (ObjectKind::RangeType, _) => swap_range(from, to, &name, new, steps),
            (ObjectKind::Collation, _) => swap_collation(from, to, &name, new, steps),
            _ => {}
        }
    }
}

fn alter_composite(from: &Catalog, to: &Catalog, name: &QualName, steps: &mut Vec<Step>) {
    let (Some(old), Some(new)) = (from.composites.get(name), to.composites.get(name)) else { return };
    let Some((dropped, added)) = in_place(old, new) else { return };
    let mut actions: Vec<String> = dropped.iter().map(|a| format!("DROP ATTRIBUTE {}", ident(a))).collect();
    actions.extend(added.iter().map(|(a, decl)| format!("ADD ATTRIBUTE {} {decl}", ident(a))));
    let key = ObjKey::Type { name: name.clone() };
    let mut step =
        Step::new(Action::Alter, key.clone(), format!("ALTER TYPE {} {}", qualified(name), actions.join(", ")))
            .requires([key]);
    step.provides.clear();
    let users = kept_columns(from, to, name);
    if !dropped.is_empty() && !users.is_empty() {
        let columns: Vec<String> = users.iter().map(|(t, c)| format!("{t}.{}", c.name)).collect();
        step = step.hazard(
            HazardKind::DataLoss,
            format!("attribute(s) {} are dropped from the values of {}", dropped.join(", "), columns.join(", ")),
        );
    }
    steps.push(step);
}

/// The column's own `-- schemactl:using`, parenthesised.
fn declared(to: &Catalog, table: &QualName, column: &Column) -> Option<String> {
    to.conversions.get(&(table.clone(), column.name.to_string())).map(|e| format!("({e})"))
}

fn rewrite_hazards(column: &Column, name: &QualName) -> Vec<(HazardKind, String)> {
    vec![
        (HazardKind::TableRewrite, format!("{} is converted to the new {name}", column.name)),
        (HazardKind::AccessExclusiveLock, format!("converting {} holds an ACCESS EXCLUSIVE lock", column.name)),
    ]
}

fn swap_composite(from: &Catalog, to: &Catalog, name: &QualName, new: &DbObject, steps: &mut Vec<Step>) {
    let (Some(old_def), Some(new_def)) = (from.composites.get(name), to.composites.get(name)) else { return };
    let using = |table: &QualName, column: &Column| {
        if let Some(e) = declared(to, table, column) {
            return e;
        }
        if column.data_type.ends_with("[]") {
            return format!("{}::text::{}", ident(&column.name), column.data_type);
        }
        // Attribute by attribute: what the old value holds under the same name, else NULL.
        let fields: Vec<String> = new_def
            .attributes
            .iter()
            .map(|(attr, decl)| match old_def.attributes.iter().find(|(a, _)| a == attr) {
                Some((_, old_decl)) if old_decl == decl => format!("({}).{}", ident(&column.name), ident(attr)),
                Some(_) => format!("({}).{}::{}", ident(&column.name), ident(attr), strip_collate(decl)),
                None => "NULL".to_string(),
            })
            .collect();
        // A NULL stays NULL (ROW(NULL, ...) would be a value whose attributes are all NULL).
        let col = ident(&column.name);
        format!("CASE WHEN {col} IS NULL THEN NULL ELSE ROW({})::{} END", fields.join(", "), column.data_type)
    };
    let dropped: Vec<&str> = old_def
        .attributes
        .iter()
        .filter(|(a, _)| !new_def.attributes.iter().any(|(b, _)| a == b))
        .map(|(a, _)| a.as_str())
        .collect();
    let hazards = |column: &Column| {
        let mut out = rewrite_hazards(column, name);
        if !dropped.is_empty() {
            out.push((
                HazardKind::DataLoss,
                format!("attribute(s) {} of {} are dropped", dropped.join(", "), column.name),
            ));
        }
        out
    };
    let create = super::objects::create_object(new);
    swap(from, to, Swap { name, keyword: "TYPE", create, also_rename: Vec::new() }, using, hazards, steps);
}

/// `numeric(10,2) COLLATE public.ci` -> `numeric(10,2)`: a cast names a type only.
fn strip_collate(decl: &str) -> &str {
    decl.split(" COLLATE ").next().unwrap_or(decl)
}

fn swap_range(from: &Catalog, to: &Catalog, name: &QualName, new: &DbObject, steps: &mut Vec<Step>) {
    let using = |table: &QualName, column: &Column| {
        declared(to, table, column).unwrap_or_else(|| {
            let array = if column.data_type.ends_with("[]") { "[]" } else { "" };
            format!("{}::text{array}::{}", ident(&column.name), column.data_type)
        })
    };
    let hazards = |column: &Column| {
        let mut out = rewrite_hazards(column, name);
        out.push((
            HazardKind::DataLoss,
            format!("bounds of {} that do not fit the new subtype fail the conversion", column.name),
        ));
        out
    };
    // Renaming a range type leaves its multirange type and the constructor functions of both
    // under their names; those the new range creates again (the multirange, its argument-less
    // constructor, the range's own constructors over the same subtype) must step aside too.
    // They go with the old type when it is dropped.
    let old = from.objects.get(&ObjectId {
        kind: ObjectKind::RangeType,
        schema: name.schema.clone(),
        name: name.name.clone(),
        table: None,
    });
    let mut also_rename = Vec::new();
    let parked = |suffix: &str| ident(&format!("{}__schemactl_old{suffix}", name.name));
    if let Some(subtype) = old.and_then(|o| option_of(&o.create, "SUBTYPE")) {
        for args in [format!("{subtype}, {subtype}"), format!("{subtype}, {subtype}, text")] {
            also_rename.push(format!("ALTER FUNCTION {}({args}) RENAME TO {}", qualified(name), parked("")));
        }
    }
    if let Some(multirange) = old.and_then(|o| option_of(&o.create, "MULTIRANGE_TYPE_NAME")) {
        also_rename.push(format!("ALTER TYPE {multirange} RENAME TO {}", parked("_multirange")));
        also_rename.push(format!("ALTER FUNCTION {multirange}() RENAME TO {}", parked("_multirange")));
    }
    let renames_functions = also_rename.iter().any(|s| s.starts_with("ALTER FUNCTION"));
    let create = super::objects::create_object(new);
    swap(from, to, Swap { name, keyword: "TYPE", create, also_rename }, using, hazards, steps);
    if renames_functions {
        let renaming = format!("ALTER TYPE {} RENAME TO", qualified(name));
        if let Some(step) = steps.iter_mut().rev().find(|s| s.sql.starts_with(&renaming)) {
            step.hazards.push(crate::step::Hazard::new(
                HazardKind::UntrackableDependencies,
                format!(
                    "the constructor functions of {name} are renamed aside with it; function bodies that call them \
                     are not tracked and call the new type's constructors once it exists"
                ),
            ));
        }
    }
}

/// An option of a printed range type (`SUBTYPE = integer`, `MULTIRANGE_TYPE_NAME = s.r_m`), as
/// the catalog query prints them: `NAME = value`, separated by `, `, in parentheses.
fn option_of<'a>(create: &'a str, option: &str) -> Option<&'a str> {
    let options = create.split_once('(')?.1.strip_suffix(')')?;
    options.split(", ").find_map(|o| o.strip_prefix(option)?.strip_prefix(" = "))
}

/// Columns that use collation `name` (by its qualified, quoted name, as columns record it) on
/// both sides, with the same type.
fn collated_columns<'a>(from: &'a Catalog, to: &Catalog, name: &QualName) -> Vec<(&'a QualName, &'a Column)> {
    let printed = qualified(name);
    let mut out = Vec::new();
    for (table_name, table) in &from.tables {
        let Some(new_table) = to.tables.get(table_name) else { continue };
        for column in table
            .columns
            .iter()
            .filter(|c| c.collation.as_deref() == Some(printed.as_str()) && (!c.inherited || c.local))
        {
            let same = new_table
                .column(&column.name)
                .is_some_and(|t| t.data_type == column.data_type && t.collation == column.collation);
            if same {
                out.push((table_name, column));
            }
        }
    }
    out
}

fn swap_collation(from: &Catalog, to: &Catalog, name: &QualName, new: &DbObject, steps: &mut Vec<Step>) {
    let id =
        ObjectId { kind: ObjectKind::Collation, schema: name.schema.clone(), name: name.name.clone(), table: None };
    let parked_id = ObjectId { name: format!("{}__schemactl_old", name.name), ..id.clone() };
    let (key, parked_key) = (ObjKey::Object { id: id.clone() }, ObjKey::Object { id: parked_id.clone() });
    let mut rename = Step::new(
        Action::Alter,
        key.clone(),
        format!("ALTER COLLATION {} RENAME TO {}", qualified(name), ident(&parked_id.name)),
    );
    // As in `swap.rs`: the parked name is not provided, so its drop waits for the new one.
    rename.provides = vec![];
    rename.removes = vec![key.clone()];
    steps.push(rename);
    steps.push(super::objects::create_object(new));
    for (table_name, column) in collated_columns(from, to, name) {
        let sql = format!(
            "ALTER TABLE {} ALTER COLUMN {} TYPE {} COLLATE {}",
            qualified(table_name),
            ident(&column.name),
            column.data_type,
            qualified(name)
        );
        let mut step = Step::new(Action::Alter, column_key(table_name, &column.name), sql)
            .requires([key.clone(), table_key(table_name)])
            .releases([parked_key.clone()])
            .hazard(
                HazardKind::AccessExclusiveLock,
                format!("{} takes the new collation; its indexes are rebuilt", column.name),
            );
        step.removes.push(column_key(table_name, &column.name));
        steps.push(step);
    }
    let drop = format!("DROP COLLATION {}", qualified(&QualName::new(&name.schema, &parked_id.name)));
    steps.push(Step::new(Action::Drop, parked_key, drop).requires([key]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(attrs: &[(&str, &str)]) -> CompositeDef {
        CompositeDef {
            name: QualName::new("public", "t"),
            attributes: attrs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        }
    }

    #[test]
    fn attributes_dropped_and_appended_alter_in_place_and_nothing_else_does() {
        let old = def(&[("a", "integer"), ("b", "text")]);
        let new = def(&[("a", "integer"), ("c", "date")]);
        let (dropped, added) = in_place(&old, &new).unwrap();
        assert_eq!(dropped, ["b"]);
        assert_eq!(added, [&("c".to_string(), "date".to_string())]);
        assert!(in_place(&old, &def(&[("c", "date"), ("a", "integer")])).is_none(), "a new attribute first");
        assert!(in_place(&old, &def(&[("a", "bigint"), ("b", "text")])).is_none(), "a type change");
        let range =
            "CREATE TYPE s.r AS RANGE (SUBTYPE = integer, SUBTYPE_DIFF = s.d, MULTIRANGE_TYPE_NAME = s.r_multirange)";
        assert_eq!(option_of(range, "MULTIRANGE_TYPE_NAME"), Some("s.r_multirange"));
        assert_eq!(option_of(range, "SUBTYPE"), Some("integer"));
    }
}
