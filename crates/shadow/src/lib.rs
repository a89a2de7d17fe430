//! Throwaway ("shadow") databases where schema files are loaded so that PostgreSQL itself
//! normalises them: on a server the user lends us (`--dev-url`) or in an embedded cluster
//! started from the locally installed PostgreSQL server binaries.
//!
//! Modules only call downward, bottom first: `error`; `process`; `binaries`, `stale`,
//! `dropdb`; `template`; `registry`; `cluster`; `shadow`; `load`. A piece two modules share
//! lives below both (`stale::release_shared_memory`, `dropdb::drop_database_on`).

mod binaries;
mod cluster;
mod dropdb;
mod error;
mod load;
mod process;
mod registry;
mod shadow;
mod stale;
mod template;

pub use binaries::{cache_dir, find_server_binaries, set_bindir, BINDIR_ENV, CACHE_ENV};
pub use cluster::{EmbeddedCluster, ServerTls};
pub use error::{Error, Result};
pub use load::{load, load_reporting, load_with, run_script, LoadProgress};
pub use process::unique_name;
pub use registry::{install_signal_cleanup, interrupted, on_interrupt, stop_all_clusters};
pub use shadow::{
    pinned_major, set_allow_major_mismatch, set_load_timeout, set_pinned_major, wanted_major, Shadow,
    DEFAULT_LOAD_TIMEOUT, LOAD_TIMEOUT_ENV,
};
