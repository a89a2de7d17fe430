//! The end-to-end tests, one binary: each module drives the `schemactl` binary (or the engine)
//! against a real PostgreSQL. One binary rather than one per file: each links libpg_query and
//! starts the test cluster once, which cost more than the tests themselves on two cores.
//! Run a module with `cargo test --test e2e -- apply::`, one test by its path.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/project.rs"]
mod project;

mod adoption;
mod alembic;
mod apply;
mod cli;
mod drift;
mod dump;
mod engine;
mod fleet;
mod habits;
mod hazards;
mod majors;
mod messages;
mod online;
mod plan;
mod renames;
mod roles;
mod scope;
mod security;
mod teams;
mod unknown;
mod ux;
mod yaml;
