//! The scope of a command: the project's (`scope` in schemactl.toml, extended by the
//! environment's), then the command line's. One command reads every catalog with the same
//! scope, so it is installed once per process and every catalog read goes through
//! [`introspect`]: both sides of a diff, the shadows of `plan` and `verify`, `status`'s drift
//! check and `dump` cannot disagree about what is managed.

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use schemactl_model::{Catalog, LeftOut, LeftOutGroup, Scope, ScopeConfig};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use tokio_postgres::Client;

/// `--schema`, `--exclude`, `--include`, `--scope`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScopeArgs {
    /// Manage only schemas matching this glob (repeatable). Replaces `schemas` of
    /// schemactl.toml's scope.
    #[arg(long = "schema", value_name = "GLOB")]
    pub schemas: Vec<String>,
    /// Leave out objects matching `[kind:][schema.]name` (globs; repeatable), e.g.
    /// `public.tmp_*`, `schema:audit`, `view:reporting.*`. Adds to schemactl.toml's.
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// Bring back objects an exclude pattern, preset or safe default leaves out (e.g.
    /// `public.alembic_version`; repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub include: Vec<String>,
    /// A platform preset: supabase, postgis, pg_cron, timescaledb (repeatable).
    #[arg(long = "scope", value_name = "PRESET")]
    pub presets: Vec<String>,
}

static SCOPE: OnceLock<Scope> = OnceLock::new();
static LEFT: Mutex<BTreeSet<LeftOut>> = Mutex::new(BTreeSet::new());

/// Works out and installs the command's scope (once; later calls keep the first).
pub fn install(config: Option<&Path>, env: Option<&str>, args: &ScopeArgs) -> CliResult<()> {
    let project = crate::project::load(config)?;
    let flags = ScopeConfig {
        schemas: args.schemas.clone(),
        exclude: args.exclude.clone(),
        include: args.include.clone(),
        presets: args.presets.clone(),
    };
    let scope = project.scope_config(env).extended(&flags).compile().map_err(|e| CliError::Usage(e.to_string()))?;
    let _ = SCOPE.set(scope);
    Ok(())
}

/// The installed scope, or the default (everything but other tools' bookkeeping).
pub fn current() -> &'static Scope {
    SCOPE.get_or_init(Scope::default)
}

/// Reads a catalog in the command's scope and remembers what it left out.
pub async fn introspect(client: &Client) -> Result<Catalog, schemactl_introspect::Error> {
    let catalog = schemactl_introspect::introspect_scoped(client, current()).await?;
    if let Ok(mut left) = LEFT.lock() {
        left.extend(catalog.left_out.iter().cloned());
    }
    Ok(catalog)
}

/// What every catalog read so far left out, grouped by reason.
pub fn left_out() -> Vec<LeftOutGroup> {
    LEFT.lock().map(|left| schemactl_model::summarize(left.iter())).unwrap_or_default()
}

/// A plan in `format`, saying what the scope left out (on stderr next to an `sql` script).
pub fn render(plan: &schemactl_plan::Plan, format: Format) -> String {
    let groups = left_out();
    match format {
        Format::Sql => {
            if let Some(note) = schemactl_plan::left_out_note(&groups) {
                errln!("note: {note}");
            }
            schemactl_plan::render_sql(plan)
        }
        Format::Human => schemactl_plan::render_human(plan) + &schemactl_plan::left_out_human(&groups),
        Format::Json => schemactl_plan::render_json_scoped(plan, &groups),
        Format::Markdown => schemactl_plan::render_markdown(plan) + &schemactl_plan::left_out_markdown(&groups),
    }
}

/// `dump`'s report on stderr: each object left out, and why.
pub fn report_dump(catalog: &Catalog) {
    for l in &catalog.left_out {
        errln!("note: not dumped, out of scope: {l}: {}", l.reason);
    }
}
