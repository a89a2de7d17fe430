//! `schemactl status`.

use crate::cli::StatusArgs;
use crate::error::{CliError, CliResult};
use std::path::Path;

pub async fn run(_config: Option<&Path>, _args: StatusArgs) -> CliResult<()> {
    Err(CliError::Usage("status: not yet".into()))
}
