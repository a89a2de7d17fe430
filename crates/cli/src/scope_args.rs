//! The scope of a command: the project's (`scope` in schemactl.toml, extended by the
//! environment's), then the command line's. One command has one engine with that scope, and
//! the engine reads every catalog: both sides of a diff, the shadows of `plan` and `verify`,
//! `status`'s drift check and `dump` cannot disagree about what is managed.

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use schemactl_engine::Engine;
use schemactl_model::{LeftOut, ScopeConfig};
use std::path::Path;

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

/// The command's engine: every catalog it reads is in the project's scope (extended by the
/// environment's), then the command line's; its notes go to stderr as they happen.
pub fn engine(config: Option<&Path>, env: Option<&str>, args: &ScopeArgs) -> CliResult<Engine> {
    let project = crate::project::load(config)?;
    let flags = ScopeConfig {
        schemas: args.schemas.clone(),
        exclude: args.exclude.clone(),
        include: args.include.clone(),
        presets: args.presets.clone(),
        roles: Vec::new(),
    };
    let scope = project.scope_config(env).extended(&flags).compile().map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(Engine::new(scope).with_notes(|note| noteln!("{note}")).with_progress(crate::progress::loading))
}

/// A plan in `format`, saying what the scope left out (on stderr next to an `sql` script).
pub fn render(engine: &Engine, plan: &schemactl_plan::Plan, format: Format) -> String {
    let groups = engine.left_out();
    match format {
        Format::Sql => {
            if let Some(note) = schemactl_plan::left_out_note(&groups) {
                noteln!("note: {note}");
            }
            schemactl_plan::render_sql(plan)
        }
        Format::Human => {
            crate::output::paint_plan(schemactl_plan::render_human(plan) + &schemactl_plan::left_out_human(&groups))
        }
        Format::Json => schemactl_plan::render_json_scoped(plan, &groups),
        Format::Markdown => schemactl_plan::render_markdown(plan) + &schemactl_plan::left_out_markdown(&groups),
    }
}

/// `dump`'s report on stderr: each object left out, and why.
pub fn report_dump(left_out: &[LeftOut]) {
    for l in left_out {
        noteln!("note: not dumped, out of scope: {l}: {}", l.reason);
    }
}
