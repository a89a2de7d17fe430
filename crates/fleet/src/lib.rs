//! Fleets: one reviewed change to many databases. A fleet is a list of targets (a file, a
//! query on a control database, a command; [`targets`]), cut into stages (a canary, cohorts by
//! label or percentage, the rest; [`stages`]) and run with bounded concurrency, retries and a
//! per-target timeout on one tokio runtime ([`run`]), reported as JSON ([`report`]). Nothing
//! here keeps state between runs: each database's own history (the apply crate) is the truth,
//! so a rerun, or a pod of a Kubernetes Job ([`render`]) given one shard, finishes what is left.

mod error;
pub mod render;
pub mod report;
pub mod run;
pub mod stages;
pub mod survey;
pub mod targets;

pub use error::{Error, Result};
pub use report::{Outcome, Report, Summary, TargetReport};
pub use run::{FleetEvent, RunOptions};
pub use stages::Stage;
pub use targets::{Shard, Target, TargetSource};
