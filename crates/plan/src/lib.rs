//! Turns two schema models into a plan: the steps that take a database from the first to the
//! second, each carrying its own SQL, hazards and ordering facts, ordered by an explicit
//! dependency graph (creates after what they need, drops before what they release).

mod diagram;
mod diff;
pub mod merge;
mod options;
mod order;
pub mod renames;
mod render;
mod render_markdown;
mod render_scope;
mod step;

pub use diagram::{Change, Diagram, DiagramColumn, DiagramTable, Edge};
pub use diff::columns::{type_changes, TypeChange};
pub use diff::grant_target;
pub use options::{PlanOptions, Timeouts};
pub use render::{render_human, render_json, render_sql};
pub use render_markdown::render_markdown;
pub use render_scope::{left_out_human, left_out_markdown, left_out_note, render_json_scoped};
pub use step::{Action, Hazard, HazardKind, HazardSize, ObjKey, Step};

use schemactl_model::Catalog;

/// Errors while planning.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The steps depend on each other in a circle no ordering can satisfy.
    #[error("cannot order the plan: these changes depend on each other in a cycle: {objects}")]
    Cycle { objects: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// An ordered list of steps; empty when the two schemas agree.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Objects on either side that schemactl does not manage (`current: kind name`,
    /// `desired: kind name`): they are neither compared nor changed.
    pub unmanaged: Vec<String>,
    /// The timeouts the SQL script sets (from [`PlanOptions::timeouts`]).
    #[serde(skip)]
    pub timeouts: Option<Timeouts>,
    /// The tables the steps touch and their foreign keys, for the Markdown's picture.
    #[serde(skip)]
    pub diagram: Diagram,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Plans the changes that turn `from` into `to` with the default options: online DDL, no
/// timeouts in the script.
pub fn plan(from: &Catalog, to: &Catalog) -> Result<Plan> {
    plan_with(from, to, &PlanOptions::default())
}

/// Plans the changes that turn `from` into `to`.
pub fn plan_with(from: &Catalog, to: &Catalog, options: &PlanOptions) -> Result<Plan> {
    let mut steps = diff::diff(from, to, options);
    for step in steps.iter_mut().filter(|s| !s.transactional) {
        if !step.hazards.iter().any(|h| h.kind == HazardKind::NonTransactional) {
            step.hazards.push(Hazard::new(
                HazardKind::NonTransactional,
                "runs outside a transaction: a failure leaves what it did so far",
            ));
        }
    }
    let steps = order::order(steps)?;
    let unmanaged = from
        .unmanaged
        .iter()
        .map(|u| format!("current: {u}"))
        .chain(to.unmanaged.iter().map(|u| format!("desired: {u}")))
        .collect();
    let diagram = Diagram::of_plan(from, to, &steps);
    Ok(Plan { steps, unmanaged, timeouts: options.timeouts, diagram })
}
