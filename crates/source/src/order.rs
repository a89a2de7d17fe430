//! Dependency ordering of statements across all files.
//!
//! Users never order files by hand, so statements are sorted so that each one
//! comes after what it needs: an edge goes from the statement that provides
//! a name to every statement that requires it. Among statements that are free
//! to go, the earliest in file order goes first, so an already well-ordered
//! input comes out unchanged. Cycles (two tables whose foreign keys reference
//! each other) keep their file order; the executor's retry loop is the safety
//! net for those.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::deps::{Deps, Tier};
use crate::names::{Name, Ns, Role};
use crate::Statement;

/// Sorts statements into dependency order (see the crate documentation).
pub fn order_statements(stmts: Vec<Statement>) -> Vec<Statement> {
    let deps = stmts.iter().map(|s| crate::parse::deps_of_sql(&s.sql)).collect();
    order_with_deps(stmts, deps)
}

/// Sorts `stmts`, whose dependency facts are `deps` (same length and order).
pub(crate) fn order_with_deps(stmts: Vec<Statement>, deps: Vec<Deps>) -> Vec<Statement> {
    let n = stmts.len();
    if n < 2 || deps.len() != n {
        return stmts;
    }

    // File order: by path, then position; the input order breaks ties.
    let mut by_position: Vec<usize> = (0..n).collect();
    by_position.sort_by(|&a, &b| {
        let key = |i: usize| (&stmts[i].file, stmts[i].line, stmts[i].column, i);
        key(a).cmp(&key(b))
    });
    let mut rank = vec![0; n];
    for (r, &i) in by_position.iter().enumerate() {
        rank[i] = r;
    }

    let mut edges = BTreeSet::new();
    let providers = Providers::new(&deps);
    for (user, d) in deps.iter().enumerate() {
        for required in &d.requires {
            for provider in providers.resolve(required) {
                if provider != user {
                    edges.insert((provider, user));
                }
            }
        }
    }

    // A DO block keeps its place in its file: after every statement before it there, before
    // every statement after it (by file position, the order psql would run them in).
    for i in (0..n).filter(|&i| deps[i].in_place) {
        for j in (0..n).filter(|&j| j != i && stmts[j].file == stmts[i].file) {
            edges.insert(if rank[j] < rank[i] { (j, i) } else { (i, j) });
        }
    }

    // Tiers, through one barrier node between consecutive tiers (nodes n..):
    // every statement of tier t comes before barrier t, which comes before
    // every statement of a later tier. Linear in the number of statements.
    let tiers = [Tier::Schema, Tier::Extension, Tier::DefaultPrivileges, Tier::Normal];
    let barrier = |t: usize| n + t;
    for (i, d) in deps.iter().enumerate().filter(|(_, d)| !d.in_place) {
        let t = tiers.iter().position(|&x| x == d.tier).unwrap_or(tiers.len() - 1);
        if t > 0 {
            edges.insert((barrier(t - 1), i));
        }
        if t + 1 < tiers.len() {
            edges.insert((i, barrier(t)));
        }
    }
    for t in 1..tiers.len() - 1 {
        edges.insert((barrier(t - 1), barrier(t)));
    }
    let total = n + tiers.len() - 1;

    let mut graph = DiGraph::<(), ()>::with_capacity(total, edges.len());
    for _ in 0..total {
        graph.add_node(());
    }
    for &(a, b) in &edges {
        graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
    }

    // Collapse cycles into components, then emit components in topological
    // order, always taking the ready component that comes first in the files.
    // kosaraju_scc is iterative; tarjan_scc recurses once per node of a cycle and
    // overflows the stack on long foreign key chains.
    let components = kosaraju_scc(&graph);
    let mut component_of = vec![0; total];
    for (c, members) in components.iter().enumerate() {
        for m in members {
            component_of[m.index()] = c;
        }
    }
    // Barriers sort first so they never hold back a ready statement.
    let key_of = |i: usize| if i < n { rank[i] + 1 } else { 0 };
    let key: Vec<usize> =
        components.iter().map(|members| members.iter().map(|m| key_of(m.index())).min().unwrap_or(0)).collect();
    let mut successors = vec![BTreeSet::new(); components.len()];
    let mut indegree = vec![0usize; components.len()];
    for &(a, b) in &edges {
        let (ca, cb) = (component_of[a], component_of[b]);
        if ca != cb && successors[ca].insert(cb) {
            indegree[cb] += 1;
        }
    }
    let mut ready: BTreeSet<(usize, usize)> =
        (0..components.len()).filter(|&c| indegree[c] == 0).map(|c| (key[c], c)).collect();

    let mut order = Vec::with_capacity(n);
    while let Some((_, c)) = ready.pop_first() {
        let mut members: Vec<usize> = components[c].iter().map(|m| m.index()).filter(|&i| i < n).collect();
        members.sort_by_key(|&i| rank[i]);
        order.extend(members);
        for &next in &successors[c] {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.insert((key[next], next));
            }
        }
    }

    // Every component is emitted exactly once (the condensation is acyclic),
    // but never lose a statement if that reasoning were wrong.
    if order.len() != n {
        return stmts;
    }
    let mut slots: Vec<Option<Statement>> = stmts.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Who provides which name.
struct Providers {
    /// (namespace, role, name) -> [(schema, statement)], where an unqualified
    /// provider counts as `public` (the default search_path's creation schema).
    by_name: BTreeMap<(Ns, Role, String), Vec<(String, usize)>>,
}

const DEFAULT_SCHEMA: &str = "public";

impl Providers {
    fn new(deps: &[Deps]) -> Self {
        let mut by_name: BTreeMap<_, Vec<_>> = BTreeMap::new();
        let mut add = |ns, role, schema: &str, name: &str, i| {
            by_name.entry((ns, role, name.to_string())).or_default().push((schema.to_string(), i));
        };
        for (i, d) in deps.iter().enumerate() {
            for p in &d.provides {
                let schema = p.schema.as_deref().unwrap_or(DEFAULT_SCHEMA);
                add(p.ns, p.role, schema, &p.name, i);
                if p.role == Role::Object {
                    // Creating an object shapes it too: COMMENT and GRANT
                    // (which require `Touch`) come after its creation.
                    add(p.ns, Role::Touch, schema, &p.name, i);
                    if p.ns != Ns::Schema && p.ns != Ns::Extension {
                        add(Ns::Schema, Role::Contents, DEFAULT_SCHEMA, schema, i);
                    }
                }
            }
        }
        Self { by_name }
    }

    /// The statements a requirement points at.
    ///
    /// A qualified name matches its schema (`public.x` also matches an
    /// unqualified `x`). An unqualified name matches the only schema that has
    /// it or, when several do, `public`; failing that, all of them.
    fn resolve(&self, required: &Name) -> Vec<usize> {
        let key = (required.ns, required.role, required.name.clone());
        let Some(candidates) = self.by_name.get(&key) else {
            return Vec::new();
        };
        let in_schema =
            |schema: &str| -> Vec<usize> { candidates.iter().filter(|(s, _)| s == schema).map(|&(_, i)| i).collect() };
        if matches!(required.ns, Ns::Schema | Ns::Extension) {
            return candidates.iter().map(|&(_, i)| i).collect();
        }
        match &required.schema {
            Some(schema) => in_schema(schema),
            None => {
                let schemas: BTreeSet<&str> = candidates.iter().map(|(s, _)| s.as_str()).collect();
                if schemas.len() > 1 && schemas.contains(DEFAULT_SCHEMA) {
                    in_schema(DEFAULT_SCHEMA)
                } else {
                    candidates.iter().map(|&(_, i)| i).collect()
                }
            }
        }
    }
}
