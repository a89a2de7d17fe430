//! `schemactl init`: a project skeleton that works as is.

use crate::cli::InitArgs;
use crate::error::{CliError, CliResult};
use std::path::Path;

const EXAMPLE_SCHEMA: &str = "-- Desired state: declare the schema as it should be, in any number of *.sql files.\n\
-- `schemactl plan -m \"message\"` writes the revision that gets a database there.\n\
\n\
CREATE TABLE public.example (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL\n);\n";

pub fn run(args: InitArgs) -> CliResult<()> {
    let dir = &args.dir;
    let config = dir.join(schemactl_config::FILE_NAME);
    if config.exists() {
        return Err(CliError::Usage(format!("{} already exists; nothing was changed", config.display())));
    }
    create_dir(&dir.join("schema"))?;
    create_dir(&dir.join("generated"))?;
    write_new(&config, schemactl_config::template())?;
    // Branches that each plan a revision then merge without conflicts in generated/.
    let attributes = dir.join("generated").join(".gitattributes");
    if !attributes.exists() {
        write_new(&attributes, schemactl_revision::seal::GITATTRIBUTES)?;
    }
    let schema_empty = std::fs::read_dir(dir.join("schema")).map(|mut d| d.next().is_none()).unwrap_or(false);
    if schema_empty {
        write_new(&dir.join("schema").join("example.sql"), EXAMPLE_SCHEMA)?;
    }
    outln!(
        "initialized {}: edit schema/*.sql, then `schemactl plan -m \"initial schema\"` and `schemactl apply`",
        dir.display()
    );
    Ok(())
}

fn create_dir(path: &Path) -> CliResult<()> {
    std::fs::create_dir_all(path).map_err(|source| CliError::Io { path: path.to_path_buf(), source })
}

fn write_new(path: &Path, text: &str) -> CliResult<()> {
    std::fs::write(path, text).map_err(|source| CliError::Io { path: path.to_path_buf(), source })
}
