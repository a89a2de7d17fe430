//! schemactl's workflow as a library: what `diff`, `plan`, `verify`, `status` and `dump` do,
//! and what the end-to-end tests do the same way.
//!
//! - [`Source`]: a database, schema files or a script of migrations; [`Engine::open`] reads
//!   one into a catalog, files through a fresh database of the shadow.
//! - [`states`]: the state the revisions produce (the sealed cache, or a replay), what
//!   schema/ declares out of scope, fingerprints.
//! - [`Engine::diff`], [`Engine::plan_revisions`]: plans, renames first, each one applied to a
//!   copy of the current state and planned again before it is returned.
//! - [`Engine::verify`], [`Engine::drift`], [`Engine::dump`].
//!
//! Nothing here prints. What a user should hear about while it works (an annotation that
//! matches nothing, a state cache that does not reproduce itself) is a [`Note`], handed to
//! the sink given to [`Engine::with_notes`] as it happens, or kept for [`Engine::take_notes`].
//! Every catalog is read through [`Engine::read`], in the engine's one [`Scope`], so the two
//! sides of a plan cannot disagree about what is managed.

mod diff;
mod drift;
mod dump;
mod error;
mod hooks;
mod plan;
mod rebase;
mod renames;
pub mod report;
mod revisions;
mod roles;
mod show;
mod sizes;
mod source;
pub mod states;
mod verify;

pub use diff::DiffRequest;
pub use drift::{expectations, unadopted};
pub use dump::{Drawn, Dumped};
pub use error::{Error, Result};
pub use hooks::{hidden_variables, post_write, shell_quote, HookRun};
pub use plan::{PlanRequest, Planned};
pub use rebase::{RebaseConflicts, RebaseRequest, Rebased};
pub use renames::Renamed;
pub use revisions::{manual_revision, planned_revision, reseal, reseal_state, write_revision, Resealed};
/// How far a load of schema files into a shadow has come ([`Engine::with_progress`]).
pub use schemactl_shadow::LoadProgress;
/// Process-wide: the shadow's load timeout and its cleanup when a signal stops the command.
pub use schemactl_shadow::{
    install_signal_cleanup, interrupted, on_interrupt, set_allow_major_mismatch, set_bindir, set_load_timeout,
    set_pinned_major,
};
pub use show::{current, record, revisions_to_look_at, show, Current, Record, Shown};
pub use source::{close_all, is_database, load, server_major, Opened, Source};

use schemactl_model::{Catalog, LeftOut, LeftOutGroup, Scope};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Mutex;
use tokio_postgres::Client;

/// How much a [`Note`] matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth knowing; nothing to do.
    Note,
    /// Something may not be what the user meant.
    Warning,
}

/// Something the workflow has to say while it works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub level: Level,
    /// `file:line:column` when a place in the schema files is the subject.
    pub at: Option<String>,
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = &self.at {
            write!(f, "{at}: ")?;
        }
        let level = match self.level {
            Level::Note => "note",
            Level::Warning => "warning",
        };
        write!(f, "{level}: {}", self.message)
    }
}

type Sink = Box<dyn Fn(&Note) + Send + Sync>;
type ProgressSink = Box<dyn Fn(&LoadProgress) + Send + Sync>;

/// One command's worth of work: its scope, what that scope has left out so far, and where
/// its notes go.
pub struct Engine {
    scope: Scope,
    left_out: Mutex<BTreeSet<LeftOut>>,
    notes: Mutex<Vec<Note>>,
    sink: Option<Sink>,
    /// Where the progress of loading schema files into a shadow goes (nowhere by default).
    progress: Option<ProgressSink>,
}

/// What `schemactl lint` says about the desired-state files of `schema_dir` (`.sql` and YAML,
/// as `plan` reads them): see `schemactl_lint::lint_desired`. `plan` and `diff` give the same
/// as warnings.
pub fn schema_advice(schema_dir: &std::path::Path) -> Result<Vec<schemactl_lint::Advice>> {
    let (statements, _) = schemactl_yaml::load_schema_files_with_renames(schema_dir)?;
    Ok(schemactl_lint::lint_desired(&statements)?)
}

impl Engine {
    /// An engine reading every catalog in `scope`; notes are kept for [`Engine::take_notes`].
    pub fn new(scope: Scope) -> Engine {
        Engine {
            scope,
            left_out: Mutex::new(BTreeSet::new()),
            notes: Mutex::new(Vec::new()),
            sink: None,
            progress: None,
        }
    }

    /// Hands `sink` the progress of every load of schema files into a shadow, batch by batch.
    pub fn with_progress(mut self, sink: impl Fn(&LoadProgress) + Send + Sync + 'static) -> Engine {
        self.progress = Some(Box::new(sink));
        self
    }

    /// Hands every note to `sink` as it happens instead of keeping it.
    pub fn with_notes(mut self, sink: impl Fn(&Note) + Send + Sync + 'static) -> Engine {
        self.sink = Some(Box::new(sink));
        self
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Reads the catalog behind `client` in the engine's scope and remembers what it left out.
    pub async fn read(&self, client: &Client) -> Result<Catalog> {
        let started = std::time::Instant::now();
        let catalog = schemactl_introspect::introspect_scoped(client, &self.scope).await?;
        tracing::trace!("catalog read: {} ms", started.elapsed().as_millis());
        if let Ok(mut left) = self.left_out.lock() {
            left.extend(catalog.left_out.iter().cloned());
        }
        Ok(catalog)
    }

    /// What every catalog read so far left out, grouped by reason.
    pub fn left_out(&self) -> Vec<LeftOutGroup> {
        self.left_out.lock().map(|left| schemactl_model::summarize(left.iter())).unwrap_or_default()
    }

    /// The notes kept so far (none when a sink was given).
    pub fn take_notes(&self) -> Vec<Note> {
        self.notes.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or_default()
    }

    /// Warns about what schema files hold that their declared state cannot show a reviewer
    /// (`schemactl_lint::lint_desired`: a `DO` block).
    pub(crate) fn advise(&self, statements: &[schemactl_source::Statement]) -> Result<()> {
        for advice in schemactl_lint::lint_desired(statements)? {
            let at = format!("{}:{}:{}", advice.file.display(), advice.line, advice.column);
            self.note(Level::Warning, Some(at), format!("{} [{}]", advice.message, advice.rule));
        }
        Ok(())
    }

    pub(crate) fn note(&self, level: Level, at: Option<String>, message: String) {
        let note = Note { level, at, message };
        match &self.sink {
            Some(sink) => sink(&note),
            None => {
                if let Ok(mut notes) = self.notes.lock() {
                    notes.push(note);
                }
            }
        }
    }
}

/// Frees a large value (a catalog) on a thread of its own. Freeing the two catalogs of a diff,
/// millions of small allocations at 20,000 tables, took a tenth of the command's client time,
/// and nothing needs to wait for it: the plan is printed meanwhile. If no thread can be
/// started, the closure and the value in it are dropped right here.
pub(crate) fn free_in_background<T: Send + 'static>(value: T) {
    let _detached = std::thread::Builder::new().name("schemactl-free".into()).spawn(move || drop(value));
}
