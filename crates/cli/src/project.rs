//! The project (schemactl.toml) and the database a command talks to.

use crate::cli::DbArgs;
use crate::error::{CliError, CliResult};
use schemactl_config::Project;
use schemactl_connect::DbUrl;
use std::path::Path;

/// The project around the working directory, or the one `--config` names.
pub fn load(config: Option<&Path>) -> CliResult<Project> {
    let cwd = std::env::current_dir().map_err(|source| CliError::Io { path: ".".into(), source })?;
    Ok(Project::load(config, &cwd)?)
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
