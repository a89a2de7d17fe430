//! Three-way merge of catalogs: what two branches made of one base, combined. `schemactl
//! rebase` re-plans a moved revision from the state after the kept branch to this merge of the
//! two, so the moved revision keeps its own intent and the kept branch's changes stay.
//!
//! The model is flat and keyed by name, so the merge is per key: a side that left an object
//! as the base had it gives way to the side that changed it; two sides that changed it the same
//! way agree; two sides that changed it differently conflict. Tables merge deeper (each column,
//! constraint and index, and the table's own attributes), so that one branch adding a column
//! and the other an index to the same table do not conflict. Sets (privileges, memberships)
//! keep what either side added and lose what either side removed.

use schemactl_model::{Catalog, Column, NamedMap, Table};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::Arc;

/// Two branches changed one object in different ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// `column app.users.locale`, `table app.orders`, `view app.v`.
    pub object: String,
    /// What the kept branch made of it, and what the moved one did.
    pub kept: String,
    pub moved: String,
}

/// `base` changed into `kept` on one branch and into `moved` on the other: both changes, or
/// the objects both changed in different ways.
pub fn merge3(base: &Catalog, kept: &Catalog, moved: &Catalog) -> Result<Catalog, Vec<Conflict>> {
    match merge3_settled(base, kept, moved, None) {
        (merged, conflicts) if conflicts.is_empty() => Ok(merged),
        (_, conflicts) => Err(conflicts),
    }
}

/// [`merge3`], with each object both branches changed differently taken as `settle` has it
/// (the schema files as the merge left them: what the user settled on), when given. Returns
/// the merge and the conflicts (settled or not).
pub fn merge3_settled(
    base: &Catalog,
    kept: &Catalog,
    moved: &Catalog,
    settle: Option<&Catalog>,
) -> (Catalog, Vec<Conflict>) {
    let mut conflicts = Vec::new();
    let mut out = kept.clone();
    macro_rules! by_key {
        ($field:ident, $what:expr, $describe:expr) => {
            out.$field = map3(
                &base.$field,
                &kept.$field,
                &moved.$field,
                settle.map(|s| &s.$field),
                &mut conflicts,
                $what,
                $describe,
            );
        };
    }
    by_key!(schemas, |k: &String| format!("schema {k}"), |_| "changed".to_string());
    by_key!(extensions, |k: &String| format!("extension {k}"), |e: &schemactl_model::Extension| format!(
        "version {}",
        e.version
    ));
    by_key!(types, |k: &schemactl_model::QualName| format!("type {k}"), |_| "changed".to_string());
    by_key!(sequences, |k: &schemactl_model::QualName| format!("sequence {k}"), |_| "changed".to_string());
    by_key!(objects, |k: &schemactl_model::ObjectId| k.to_string(), |_| "changed".to_string());
    by_key!(domains, |k: &schemactl_model::QualName| format!("domain {k}"), |_| "changed".to_string());
    by_key!(foreign, |k: &schemactl_model::ObjectId| k.to_string(), |_| "changed".to_string());
    by_key!(composites, |k: &schemactl_model::QualName| format!("type {k}"), |_| "changed".to_string());
    by_key!(roles, |k: &String| format!("role {k}"), |_| "changed".to_string());
    by_key!(owners, |k: &schemactl_model::ObjKey| format!("owner of {k}"), |o: &schemactl_model::Owner| o.role.clone());
    by_key!(extension_types, |k: &schemactl_model::QualName| format!("type {k}"), |e: &String| format!(
        "of extension {e}"
    ));
    out.tables = tables3(&base.tables, &kept.tables, &moved.tables, settle.map(|s| &s.tables), &mut conflicts);
    out.grants = set3(&base.grants, &kept.grants, &moved.grants);
    out.default_privileges = set3(&base.default_privileges, &kept.default_privileges, &moved.default_privileges);
    out.memberships = set3(&base.memberships, &kept.memberships, &moved.memberships);
    out.dependencies = kept.dependencies.union(&moved.dependencies).cloned().collect();
    (out, conflicts)
}

/// The merge of one value: `Ok(None)` when it is gone, `Err` when the sides disagree.
fn value3<V: PartialEq + Clone>(base: Option<&V>, kept: Option<&V>, moved: Option<&V>) -> Result<Option<V>, ()> {
    if kept == moved || moved == base {
        Ok(kept.cloned())
    } else if kept == base {
        Ok(moved.cloned())
    } else {
        Err(())
    }
}

fn side<V>(value: Option<&V>, describe: &impl Fn(&V) -> String) -> String {
    value.map_or_else(|| "dropped it".to_string(), describe)
}

fn map3<K: Ord + Clone, V: PartialEq + Clone + Debug>(
    base: &BTreeMap<K, V>,
    kept: &BTreeMap<K, V>,
    moved: &BTreeMap<K, V>,
    settle: Option<&BTreeMap<K, V>>,
    conflicts: &mut Vec<Conflict>,
    what: impl Fn(&K) -> String,
    describe: impl Fn(&V) -> String,
) -> BTreeMap<K, V> {
    let keys: BTreeSet<&K> = base.keys().chain(kept.keys()).chain(moved.keys()).collect();
    let mut out = BTreeMap::new();
    for key in keys {
        let (b, k, m) = (base.get(key), kept.get(key), moved.get(key));
        match value3(b, k, m) {
            Ok(Some(v)) => {
                out.insert(key.clone(), v);
            }
            Ok(None) => {}
            Err(()) => {
                let (kept, moved) = if b.is_none() {
                    (format!("added it, {}", side(k, &describe)), format!("added it, {}", side(m, &describe)))
                } else {
                    (side(k, &describe), side(m, &describe))
                };
                conflicts.push(Conflict { object: what(key), kept, moved });
                // Settled as given, else the kept branch's version, so the merge stays a
                // whole catalog.
                let chosen = match settle {
                    Some(settle) => settle.get(key),
                    None => k,
                };
                if let Some(v) = chosen {
                    out.insert(key.clone(), v.clone());
                }
            }
        }
    }
    out
}

/// [`map3`] for a table's constraints or indexes (copied into ordered maps: merges are rare
/// and tables small).
fn named3<V: PartialEq + Clone + Debug>(
    base: &NamedMap<V>,
    kept: &NamedMap<V>,
    moved: &NamedMap<V>,
    settle: Option<&NamedMap<V>>,
    conflicts: &mut Vec<Conflict>,
    what: impl Fn(&String) -> String,
    describe: impl Fn(&V) -> String,
) -> NamedMap<V> {
    let tree = |m: &NamedMap<V>| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<BTreeMap<_, _>>();
    let settle = settle.map(tree);
    map3(&tree(base), &tree(kept), &tree(moved), settle.as_ref(), conflicts, what, describe).into_iter().collect()
}

fn set3<T: Ord + Clone>(base: &BTreeSet<T>, kept: &BTreeSet<T>, moved: &BTreeSet<T>) -> BTreeSet<T> {
    kept.union(moved).filter(|x| !(base.contains(*x) && (!kept.contains(*x) || !moved.contains(*x)))).cloned().collect()
}

fn tables3(
    base: &BTreeMap<schemactl_model::QualName, Table>,
    kept: &BTreeMap<schemactl_model::QualName, Table>,
    moved: &BTreeMap<schemactl_model::QualName, Table>,
    settle: Option<&BTreeMap<schemactl_model::QualName, Table>>,
    conflicts: &mut Vec<Conflict>,
) -> BTreeMap<schemactl_model::QualName, Table> {
    let names: BTreeSet<&schemactl_model::QualName> = base.keys().chain(kept.keys()).chain(moved.keys()).collect();
    let mut out = BTreeMap::new();
    for name in names {
        let (b, k, m) = (base.get(name), kept.get(name), moved.get(name));
        if let Ok(v) = value3(b, k, m) {
            if let Some(v) = v {
                out.insert(name.clone(), v);
            }
            continue;
        }
        match (b, k, m) {
            // Changed on both sides (or added on both): merge the parts.
            (_, Some(k), Some(m)) => {
                let empty =
                    Table { columns: Vec::new(), constraints: NamedMap::new(), indexes: NamedMap::new(), ..k.clone() };
                let b = b.unwrap_or(&empty);
                let settle = settle.map(|s| s.get(name));
                if let Some(t) = table3(name, b, k, m, settle, conflicts) {
                    out.insert(name.clone(), t);
                }
            }
            (_, k, m) => {
                let changed =
                    |t: Option<&Table>| if t.is_some() { "changed it".to_string() } else { "dropped it".to_string() };
                conflicts.push(Conflict { object: format!("table {name}"), kept: changed(k), moved: changed(m) });
                let chosen = match settle {
                    Some(settle) => settle.get(name),
                    None => k,
                };
                if let Some(t) = chosen {
                    out.insert(name.clone(), t.clone());
                }
            }
        }
    }
    out
}

/// `settle`: `Some(None)` when the settling catalog has no such table. `None` from this
/// function: a conflict settled by dropping the table.
fn table3(
    name: &schemactl_model::QualName,
    base: &Table,
    kept: &Table,
    moved: &Table,
    settle: Option<Option<&Table>>,
    conflicts: &mut Vec<Conflict>,
) -> Option<Table> {
    let before = conflicts.len();
    let mut out = kept.clone();
    let attributes = |t: &Table| {
        (
            t.unlogged,
            t.row_security,
            t.force_row_security,
            t.comment.clone(),
            t.partition_by.clone(),
            t.partition_of.clone(),
            t.inherits.clone(),
        )
    };
    match value3(Some(&attributes(base)), Some(&attributes(kept)), Some(&attributes(moved))) {
        Ok(Some(a)) => {
            (
                out.unlogged,
                out.row_security,
                out.force_row_security,
                out.comment,
                out.partition_by,
                out.partition_of,
                out.inherits,
            ) = a;
        }
        _ => conflicts.push(Conflict {
            object: format!("table {name}"),
            kept: "changed its options".into(),
            moved: "changed them differently".into(),
        }),
    }
    let columns =
        |t: &Table| -> BTreeMap<Arc<str>, Column> { t.columns.iter().map(|c| (c.name.clone(), c.clone())).collect() };
    let settled_columns = settle.flatten().map(columns);
    let merged = map3(
        &columns(base),
        &columns(kept),
        &columns(moved),
        settled_columns.as_ref(),
        conflicts,
        |c| format!("column {name}.{c}"),
        |c: &Column| c.data_type.to_string(),
    );
    // The kept branch's order, then the columns only the moved one added, in its order
    // (PostgreSQL appends new columns).
    out.columns = kept
        .columns
        .iter()
        .chain(moved.columns.iter().filter(|c| !kept.columns.iter().any(|k| k.name == c.name)))
        .filter_map(|c| merged.get(&c.name).cloned())
        .collect();
    let settled = settle.flatten();
    out.constraints = named3(
        &base.constraints,
        &kept.constraints,
        &moved.constraints,
        settled.map(|t| &t.constraints),
        conflicts,
        |c| format!("constraint {c} on {name}"),
        |c| c.definition.clone(),
    );
    out.indexes = named3(
        &base.indexes,
        &kept.indexes,
        &moved.indexes,
        settled.map(|t| &t.indexes),
        conflicts,
        |i| format!("index {i} on {name}"),
        |i| i.definition.clone(),
    );
    match settle {
        // The table's own options conflicted: settled as a whole.
        Some(Some(t)) if conflicts[before..].iter().any(|c| c.object == format!("table {name}")) => Some(t.clone()),
        Some(None) if conflicts.len() > before => None,
        _ => Some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_model::QualName;

    fn column(name: &str, data_type: &str) -> Column {
        let json = serde_json::json!({
            "name": name, "data_type": data_type, "base_type": data_type, "type_ref": null, "collation": null,
            "not_null": false, "default": null, "default_sequences": [], "identity": null, "generated": null,
            "comment": null
        });
        serde_json::from_value(json).expect("a column")
    }

    fn catalog(columns: &[(&str, &str)]) -> Catalog {
        let name = QualName::new("app", "users");
        let json = serde_json::json!({
            "name": {"schema": "app", "name": "users"}, "unlogged": false, "row_security": false,
            "force_row_security": false, "columns": [], "constraints": {}, "indexes": {}, "comment": null
        });
        let mut table: Table = serde_json::from_value(json).expect("a table");
        table.columns = columns.iter().map(|(n, t)| column(n, t)).collect();
        let mut c = Catalog::default();
        c.tables.insert(name, table);
        c
    }

    #[test]
    fn columns_added_on_both_branches_merge_and_the_same_column_twice_conflicts() {
        let base = catalog(&[("id", "integer")]);
        let kept = catalog(&[("id", "integer"), ("email", "text")]);
        let moved = catalog(&[("id", "integer"), ("locale", "text")]);
        let merged = merge3(&base, &kept, &moved).expect("no conflict");
        let names: Vec<&str> = merged.tables.values().next().unwrap().columns.iter().map(|c| &*c.name).collect();
        assert_eq!(names, ["id", "email", "locale"]);

        let same = catalog(&[("id", "integer"), ("locale", "text")]);
        assert!(merge3(&base, &same, &moved).is_ok(), "the same change on both sides agrees");

        let other = catalog(&[("id", "integer"), ("locale", "character varying(5)")]);
        let conflicts = merge3(&base, &other, &moved).unwrap_err();
        assert_eq!(
            conflicts,
            [Conflict {
                object: "column app.users.locale".into(),
                kept: "added it, character varying(5)".into(),
                moved: "added it, text".into()
            }]
        );
    }

    #[test]
    fn a_table_dropped_on_one_side_and_changed_on_the_other_conflicts() {
        let base = catalog(&[("id", "integer")]);
        let moved = catalog(&[("id", "integer"), ("locale", "text")]);
        let conflicts = merge3(&base, &Catalog::default(), &moved).unwrap_err();
        assert_eq!(conflicts[0].object, "table app.users");
        assert_eq!((conflicts[0].kept.as_str(), conflicts[0].moved.as_str()), ("dropped it", "changed it"));
    }
}
