//! Orders steps with a dependency graph: an edge `a -> b` means `a` must run before `b`.
//! Among steps that are free to run, the tie-break is fixed (drops first, then creates by kind,
//! then generation order), so the same inputs always give the same plan.

use crate::step::{Action, ObjKey, Step};
use crate::{Error, Result};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
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
        ObjKey::Schema { .. } => 0,
        ObjKey::Extension { .. } => 1,
        ObjKey::Type { .. } => 2,
        ObjKey::Sequence { .. } => 3,
        ObjKey::Table { .. } => 4,
        ObjKey::Column { .. } => 5,
        ObjKey::Constraint { .. } if is_fk => 8,
        ObjKey::Constraint { .. } => 6,
        ObjKey::Index { .. } => 7,
    };
    let is_comment = step.sql.starts_with("COMMENT ON");
    match step.action {
        Action::Drop => (0, 8 - kind),
        _ if is_comment => (2, kind),
        _ => (1, kind),
    }
}

fn kahn(graph: &DiGraph<usize, ()>, steps: &[Step]) -> Result<Vec<usize>> {
    let mut indegree: Vec<usize> = graph
        .node_indices()
        .map(|n| graph.neighbors_directed(n, petgraph::Incoming).count())
        .collect();
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
    let objects: BTreeSet<String> = cycle
        .iter()
        .map(|n| steps[n.index()].object.to_string())
        .collect();
    Err(Error::Cycle {
        objects: objects.into_iter().collect::<Vec<_>>().join(", "),
    })
}
