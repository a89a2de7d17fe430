//! `schemactl verify`: replays every revision on a shadow database, up, down to the start,
//! and up again (see `Engine::verify`).

use crate::cli::{ReportFormat, VerifyArgs};
use crate::error::CliResult;
use crate::project;
use std::path::Path;

pub async fn run(config: Option<&Path>, args: VerifyArgs) -> CliResult<()> {
    let (format, args) = (args.format, args.shadow);
    let project = project::required(config)?;
    let engine = crate::scope_args::engine(config, None, &args.scope)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    engine.verify(&revisions, &project.schema_dir, args.dev_url.as_deref()).await?;
    if format == ReportFormat::Json {
        let shown = project::shown(&project.schema_dir).to_string();
        out!(
            "{}",
            schemactl_engine::report::to_text(&schemactl_engine::report::verified(revisions.list.len(), &shown))
        );
        return Ok(());
    }
    outln!(
        "verified {} revision(s): up, down to the start, up again; each down restored the schema before its revision \
         and the end state equals {}",
        revisions.list.len(),
        project::shown(&project.schema_dir)
    );
    Ok(())
}
