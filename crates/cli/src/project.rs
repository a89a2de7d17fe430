//! The project (schemactl.toml) and the database a command talks to.

use crate::cli::DbArgs;
use crate::error::{CliError, CliResult};
use schemactl_config::Project;
use schemactl_connect::DbUrl;
use std::path::Path;

/// The project around the working directory, or the one `--config` names.
pub fn load(config: Option<&Path>) -> CliResult<Project> {
    let cwd = std::env::current_dir().map_err(|source| CliError::Io { path: ".".into(), source })?;
    let project = Project::load(config, &cwd)?;
    // Every command that loads schema files into a shadow reads the project first, so this is
    // the one place that tells the shadows of this process the project's shadow settings (load timeout, binaries, pinned major).
    if let Some(timeout) = project.shadow.load_timeout {
        schemactl_engine::set_load_timeout(timeout);
    }
    if let Some(dir) = &project.shadow.bindir {
        schemactl_engine::set_bindir(dir.clone());
    }
    if let Some(major) = project.postgres {
        schemactl_engine::set_pinned_major(major);
    }
    Ok(project)
}

/// The project for commands that read schema/ or the revisions: refused outside one.
pub fn required(config: Option<&Path>) -> CliResult<Project> {
    let project = load(config)?;
    project.require()?;
    Ok(project)
}

/// `--db`, else `--env`, else `$DATABASE_URL`, else libpq's `PG*` variables.
pub fn database(project: &Project, args: &DbArgs) -> CliResult<DbUrl> {
    let address = project.database_address(args.db.as_deref(), args.env.as_deref(), |v| std::env::var(v).ok())?;
    Ok(DbUrl::parse(address.as_deref().unwrap_or(""))?)
}

/// A path as the user would type it: relative to the working directory when inside it.
pub fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd).unwrap_or(path).display().to_string()
}
