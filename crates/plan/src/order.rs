//! Orders steps with a dependency graph: an edge `a -> b` means `a` must run before `b`.
//! Among steps that are free to run, the tie-break is fixed (drops first, then creates by kind,
//! then generation order), so the same inputs always give the same plan.

use crate::step::{Action, ObjKey, Step};
use crate::{Error, Result};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use schemactl_model::ObjectKind::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

pub fn order(steps: Vec<Step>) -> Result<Vec<Step>> {
    let graph = build_graph(&steps);
    let sorted = kahn(&graph, &steps)?;
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    Ok(sorted.into_iter().filter_map(|i| slots[i].take()).collect())
}

fn build_graph(steps: &[Step]) -> DiGraph<usize, ()> {
    let mut graph = DiGraph::with_capacity(steps.len(), steps.len() * 2);
    let nodes: Vec<NodeIndex> = (0..steps.len()).map(|i| graph.add_node(i)).collect();
    let mut providers: BTreeMap<&ObjKey, Vec<usize>> = BTreeMap::new();
    let mut removers: BTreeMap<&ObjKey, Vec<usize>> = BTreeMap::new();
    for (i, s) in steps.iter().enumerate() {
        for k in &s.provides {
            providers.entry(k).or_default().push(i);
        }
        for k in &s.removes {
            removers.entry(k).or_default().push(i);
        }
    }
    let mut edges = BTreeSet::new();
    for (i, s) in steps.iter().enumerate() {
        for k in &s.requires {
            for &p in providers.get(k).into_iter().flatten() {
                edges.insert((p, i));
            }
        }
        for k in &s.releases {
            for &r in removers.get(k).into_iter().flatten() {
                edges.insert((i, r));
            }
        }
    }
    // The old object of a name goes before the new one of the same name.
    for (k, rs) in &removers {
        for &p in providers.get(k).into_iter().flatten() {
            for &r in rs {
                edges.insert((r, p));
            }
        }
    }
    for (a, b) in edges {
        if a != b {
            graph.add_edge(nodes[a], nodes[b], ());
        }
    }
    graph
}

/// Drops first (dependents before what they use), then creates from the bottom up.
fn tie_break(step: &Step) -> (u8, u8) {
    let is_fk = step.sql.contains("FOREIGN KEY");
    let kind = match &step.object {
        // A role is dropped once nothing of the plan could still need it.
        ObjKey::Role { .. } if step.action == Action::Drop => return (3, 0),
        ObjKey::Role { .. } | ObjKey::Schema { .. } => 0,
        ObjKey::Extension { .. } => 1,
        ObjKey::Type { .. } => 2,
        ObjKey::Object { id }
            if matches!(
                id.kind,
                Collation | Domain | CompositeType | RangeType | ForeignDataWrapper | ForeignServer
            ) =>
        {
            2
        }
        ObjKey::Sequence { .. } => 3,
        ObjKey::Object { id } if matches!(id.kind, Function | Procedure | Aggregate) => 4,
        ObjKey::Table { .. } => 5,
        ObjKey::Object { id } if id.kind == ForeignTable => 5,
        ObjKey::Column { .. } => 6,
        ObjKey::Constraint { .. } if is_fk => 9,
        ObjKey::Constraint { .. } => 7,
        ObjKey::Index { .. } => 8,
        ObjKey::Object { id } if matches!(id.kind, View | MaterializedView) => 10,
        ObjKey::Object { id } if id.kind == ViewIndex => 11,
        ObjKey::Object { .. } | ObjKey::DefaultPrivileges { .. } => 12,
    };
    let is_comment = step.sql.starts_with("COMMENT ON");
    match step.action {
        Action::Drop => (0, 12 - kind),
        _ if is_comment => (2, kind),
        _ => (1, kind),
    }
}

fn kahn(graph: &DiGraph<usize, ()>, steps: &[Step]) -> Result<Vec<usize>> {
    let mut indegree: Vec<usize> =
        graph.node_indices().map(|n| graph.neighbors_directed(n, petgraph::Incoming).count()).collect();
    let mut ready = BinaryHeap::new();
    for n in graph.node_indices() {
        if indegree[n.index()] == 0 {
            ready.push(Reverse((tie_break(&steps[n.index()]), n.index())));
        }
    }
    let mut out = Vec::with_capacity(steps.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push(i);
        for m in graph.neighbors(NodeIndex::new(i)) {
            indegree[m.index()] -= 1;
            if indegree[m.index()] == 0 {
                ready.push(Reverse((tie_break(&steps[m.index()]), m.index())));
            }
        }
    }
    if out.len() == steps.len() {
        return Ok(out);
    }
    let cycle = tarjan_scc(graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .min_by_key(|scc| scc.iter().map(|n| n.index()).min())
        .unwrap_or_default();
    let objects: BTreeSet<String> = cycle.iter().map(|n| steps[n.index()].object.to_string()).collect();
    Err(Error::Cycle { objects: objects.into_iter().collect::<Vec<_>>().join(", ") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_model::QualName;

    fn table(name: &str) -> ObjKey {
        ObjKey::Table { name: QualName::new("public", name) }
    }

    #[test]
    fn a_true_cycle_is_an_error_naming_the_objects() {
        let a = Step::new(Action::Create, table("a"), "CREATE TABLE a ()").requires([table("b")]);
        let b = Step::new(Action::Create, table("b"), "CREATE TABLE b ()").requires([table("a")]);
        let free = Step::new(Action::Create, table("c"), "CREATE TABLE c ()");
        let err = order(vec![a, free, b]).unwrap_err().to_string();
        assert!(err.contains("table public.a") && err.contains("table public.b"), "{err}");
        assert!(!err.contains("public.c"), "{err}");
    }

    #[test]
    fn creates_follow_what_they_need_and_drops_precede_what_they_release() {
        let user = Step::new(Action::Create, table("child"), "CREATE TABLE child ()").requires([table("parent")]);
        let parent = Step::new(Action::Create, table("parent"), "CREATE TABLE parent ()");
        let drop_old_user =
            Step::new(Action::Drop, table("old_child"), "DROP TABLE old_child").releases([table("old")]);
        let drop_old = Step::new(Action::Drop, table("old"), "DROP TABLE old");
        let sorted = order(vec![user, drop_old, parent, drop_old_user]).unwrap();
        let sql: Vec<&str> = sorted.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(sql, ["DROP TABLE old_child", "DROP TABLE old", "CREATE TABLE parent ()", "CREATE TABLE child ()"]);
    }

    #[test]
    fn ties_break_the_same_way_every_time() {
        let steps: Vec<Step> = (0..20)
            .map(|i| Step::new(Action::Create, table(&format!("t{i:02}")), format!("CREATE TABLE t{i:02} ()")))
            .collect();
        let first: Vec<String> = order(steps.clone()).unwrap().into_iter().map(|s| s.sql).collect();
        let second: Vec<String> = order(steps).unwrap().into_iter().map(|s| s.sql).collect();
        assert_eq!(first, second);
        assert_eq!(first[0], "CREATE TABLE t00 ()");
    }
}
