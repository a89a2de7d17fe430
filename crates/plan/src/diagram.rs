//! Pictures of tables and their foreign keys: a whole schema (`dump --format mermaid|dot`) or
//! the tables a plan touches (the Mermaid block of `plan --format markdown`), marked with what
//! the plan adds, changes or drops. Only names go through the escaping of
//! `schemactl_sqltext` (`mermaid_text`, `mermaid_word`, `dot_string`): they come from user
//! schemas and may hold quotes, spaces or anything else.

use crate::step::Step;
use schemactl_model::{Catalog, ConstraintKind, ObjKey, QualName, Table};
use schemactl_sqltext::{dot_string, dot_text, mermaid_text, mermaid_word};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// What a plan does to a table, a column or a foreign key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Drawn for context (a table a touched table references, or a whole-schema picture).
    #[default]
    Unchanged,
    Added,
    Changed,
    Dropped,
}

impl Change {
    fn word(self) -> Option<&'static str> {
        match self {
            Change::Unchanged => None,
            Change::Added => Some("added"),
            Change::Changed => Some("changed"),
            Change::Dropped => Some("dropped"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagramColumn {
    pub name: String,
    pub data_type: String,
    pub primary_key: bool,
    pub foreign_key: bool,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagramTable {
    pub name: QualName,
    pub change: Change,
    pub columns: Vec<DiagramColumn>,
}

/// A foreign key, from the referencing table to the referenced one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: QualName,
    pub to: QualName,
    pub name: String,
    /// Every referencing column is NOT NULL: each row has exactly one parent.
    pub required: bool,
    pub change: Change,
}

/// Tables (sorted by name) and foreign keys between them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagram {
    pub tables: Vec<DiagramTable>,
    pub edges: Vec<Edge>,
}

fn columns(table: &Table) -> Vec<DiagramColumn> {
    let key = |kind: ConstraintKind, column: &str| {
        table.constraints.values().any(|c| c.kind == kind && c.columns.iter().any(|n| n == column))
    };
    table
        .columns
        .iter()
        .map(|c| DiagramColumn {
            name: c.name.to_string(),
            data_type: c.data_type.to_string(),
            primary_key: key(ConstraintKind::PrimaryKey, &c.name),
            foreign_key: key(ConstraintKind::ForeignKey, &c.name),
            change: Change::Unchanged,
        })
        .collect()
}

fn edges(table: &Table) -> impl Iterator<Item = Edge> + '_ {
    table.constraints.values().filter_map(|c| {
        let target = c.foreign.as_ref()?;
        let required = c.columns.iter().all(|name| table.columns.iter().any(|col| *col.name == **name && col.not_null));
        Some(Edge {
            from: table.name.clone(),
            to: target.table.clone(),
            name: c.name.clone(),
            required,
            change: Change::Unchanged,
        })
    })
}

impl Diagram {
    /// Every table of the catalog with its columns and foreign keys.
    pub fn of_catalog(catalog: &Catalog) -> Diagram {
        let tables = catalog
            .tables
            .values()
            .map(|t| DiagramTable { name: t.name.clone(), change: Change::Unchanged, columns: columns(t) })
            .collect();
        let mut edges: Vec<Edge> = catalog.tables.values().flat_map(edges).collect();
        edges.sort();
        Diagram { tables, edges }
    }

    /// The tables `steps` create, alter or drop (through a column, a constraint or the table
    /// itself), the tables they reference or are referenced by for context, and the foreign keys
    /// among them: the desired state's, and the current state's that the plan drops.
    pub fn of_plan(from: &Catalog, to: &Catalog, steps: &[Step]) -> Diagram {
        let mut touched: BTreeSet<QualName> = BTreeSet::new();
        for step in steps {
            match &step.object {
                ObjKey::Table { name } => touched.insert(name.clone()),
                ObjKey::Column { table, .. } | ObjKey::Constraint { table, .. } => touched.insert(table.clone()),
                _ => false,
            };
        }
        touched.retain(|t| from.tables.contains_key(t) || to.tables.contains_key(t));
        if touched.is_empty() {
            return Diagram::default();
        }
        let old: BTreeMap<(QualName, String), Edge> =
            from.tables.values().flat_map(edges).map(|e| ((e.from.clone(), e.name.clone()), e)).collect();
        let new: BTreeMap<(QualName, String), Edge> =
            to.tables.values().flat_map(edges).map(|e| ((e.from.clone(), e.name.clone()), e)).collect();
        let mut all_edges = Vec::new();
        for (key, edge) in &new {
            let change = match old.get(key) {
                None => Change::Added,
                Some(o) if o.to != edge.to => Change::Changed,
                Some(_) => Change::Unchanged,
            };
            all_edges.push(Edge { change, ..edge.clone() });
        }
        all_edges.extend(
            old.iter()
                .filter(|(k, _)| !new.contains_key(*k))
                .map(|(_, e)| Edge { change: Change::Dropped, ..e.clone() }),
        );
        let edges: Vec<Edge> =
            all_edges.into_iter().filter(|e| touched.contains(&e.from) || touched.contains(&e.to)).collect();
        let mut shown = touched.clone();
        shown.extend(edges.iter().flat_map(|e| [e.from.clone(), e.to.clone()]));
        let tables = shown
            .iter()
            .filter_map(|name| {
                let (before, after) = (from.tables.get(name), to.tables.get(name));
                let (change, columns) = match (before, after) {
                    (None, Some(t)) => (Change::Added, columns(t)),
                    (Some(t), None) => (Change::Dropped, columns(t)),
                    (Some(b), Some(a)) if touched.contains(name) => (Change::Changed, compare(b, a)),
                    (Some(_), Some(a)) => (Change::Unchanged, columns(a)),
                    (None, None) => return None,
                };
                Some(DiagramTable { name: name.clone(), change, columns })
            })
            .collect();
        let mut edges = edges;
        edges.retain(|e| shown.contains(&e.from) && shown.contains(&e.to));
        edges.sort();
        Diagram { tables, edges }
    }

    /// A Mermaid `erDiagram`. Tables and keys are marked `(added)`, `(changed)`, `(dropped)`
    /// in their names, columns in their comments, since GitHub's Mermaid has no styles for
    /// entities that every version takes.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("erDiagram\n");
        let names: BTreeMap<&QualName, String> = self
            .tables
            .iter()
            .map(|t| {
                let mark = t.change.word().map(|w| format!(" ({w})")).unwrap_or_default();
                (&t.name, format!("\"{}{mark}\"", mermaid_text(&t.name.to_string())))
            })
            .collect();
        for table in &self.tables {
            let _ = writeln!(out, "    {} {{", names[&table.name]);
            for c in &table.columns {
                let (kind, kind_same) = mermaid_word(&c.data_type);
                let (name, name_same) = mermaid_word(&c.name);
                let keys: Vec<&str> =
                    [(c.primary_key, "PK"), (c.foreign_key, "FK")].into_iter().filter(|k| k.0).map(|k| k.1).collect();
                let mut comment = Vec::new();
                // The words stand in for what Mermaid cannot spell; the comment has the real text.
                match (name_same, kind_same) {
                    (true, true) => {}
                    (true, false) => comment.push(c.data_type.clone()),
                    (false, _) => comment.push(format!("{} {}", c.name, c.data_type)),
                }
                comment.extend(c.change.word().map(str::to_string));
                let _ = write!(out, "        {kind} {name}");
                if !keys.is_empty() {
                    let _ = write!(out, " {}", keys.join(","));
                }
                if !comment.is_empty() {
                    let _ = write!(out, " \"{}\"", mermaid_text(&comment.join(", ")));
                }
                out.push('\n');
            }
            out.push_str("    }\n");
        }
        for e in &self.edges {
            let parent = if e.required { "||" } else { "o|" };
            let line = if e.change == Change::Dropped { ".." } else { "--" };
            let mark = e.change.word().map(|w| format!(" ({w})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "    {} }}o{line}{parent} {} : \"{}\"",
                names[&e.from],
                names[&e.to],
                mermaid_text(&format!("{}{mark}", e.name))
            );
        }
        out
    }

    /// A Graphviz `digraph`: one box per table (columns one per line), an arrow per foreign key
    /// from the referencing table to the referenced one. Added things are green, dropped ones
    /// red and dashed, changed ones orange.
    pub fn dot(&self) -> String {
        let mut out =
            String::from("digraph schema {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n");
        let color = |change: Change| match change {
            Change::Unchanged => "",
            Change::Added => ", color=\"darkgreen\"",
            Change::Changed => ", color=\"darkorange\"",
            Change::Dropped => ", color=\"red\", style=\"dashed\"",
        };
        for table in &self.tables {
            let mut label = dot_text(&table.name.to_string());
            if let Some(w) = table.change.word() {
                let _ = write!(label, " ({w})");
            }
            label.push_str("\\l");
            for c in &table.columns {
                let keys: Vec<&str> =
                    [(c.primary_key, "PK"), (c.foreign_key, "FK")].into_iter().filter(|k| k.0).map(|k| k.1).collect();
                let _ = write!(label, "{} {}", dot_text(&c.name), dot_text(&c.data_type));
                if !keys.is_empty() {
                    let _ = write!(label, " [{}]", keys.join(","));
                }
                if let Some(w) = c.change.word() {
                    let _ = write!(label, " ({w})");
                }
                label.push_str("\\l");
            }
            let _ = writeln!(
                out,
                "    {} [label=\"{label}\"{}];",
                dot_string(&table.name.to_string()),
                color(table.change)
            );
        }
        for e in &self.edges {
            let mut label = dot_text(&e.name);
            if let Some(w) = e.change.word() {
                let _ = write!(label, " ({w})");
            }
            let _ = writeln!(
                out,
                "    {} -> {} [label=\"{label}\"{}];",
                dot_string(&e.from.to_string()),
                dot_string(&e.to.to_string()),
                color(e.change)
            );
        }
        out.push_str("}\n");
        out
    }
}

/// The columns of a changed table: the desired ones in order, marked added or changed (type,
/// nullability, default), then the dropped ones.
fn compare(before: &Table, after: &Table) -> Vec<DiagramColumn> {
    let mut out = columns(after);
    for c in &mut out {
        c.change = match before.columns.iter().find(|b| *b.name == *c.name) {
            None => Change::Added,
            Some(b) => {
                let a = after.columns.iter().find(|a| *a.name == *c.name);
                if a.is_some_and(|a| a.data_type != b.data_type || a.not_null != b.not_null || a.default != b.default) {
                    Change::Changed
                } else {
                    Change::Unchanged
                }
            }
        };
    }
    let dropped = columns(before).into_iter().filter(|b| !after.columns.iter().any(|a| *a.name == *b.name));
    out.extend(dropped.map(|c| DiagramColumn { change: Change::Dropped, ..c }));
    out
}
