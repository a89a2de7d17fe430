//! `schemactl dump`: desired-state files written from an existing database (the first step
//! of adopting it: dump into `schema/`, plan the baseline revision, stamp it).

use crate::cli::{DumpArgs, DumpFormat};
use crate::error::{CliError, CliResult};
use crate::project;
use schemactl_dump::{Format, Layout};
use std::path::{Path, PathBuf};

pub async fn run(config: Option<&Path>, args: DumpArgs) -> CliResult<()> {
    if let Some(dir) = &args.out {
        // Files of an earlier dump or of hand-written schema would declare objects twice.
        if let Some(existing) = schema_files(dir).first() {
            return Err(CliError::Usage(format!(
                "{} already holds schema files ({}): dump into an empty directory",
                dir.display(),
                existing.display()
            )));
        }
    }
    let project = project::load(config)?;
    let engine = crate::scope_args::engine(config, args.db.env.as_deref(), &args.scope)?;
    let url = project::database(&project, &args.db)?;
    let format = match args.format {
        DumpFormat::Sql => Format::Sql,
        DumpFormat::Yaml => Format::Yaml,
        DumpFormat::Mermaid | DumpFormat::Dot => {
            if args.out.is_some() {
                return Err(CliError::Usage("--format mermaid and dot are printed: leave out --out".into()));
            }
            let drawn = engine.draw(&url, args.db.wait).await?;
            crate::scope_args::report_dump(&drawn.left_out);
            match args.format {
                DumpFormat::Dot => out!("{}", drawn.diagram.dot()),
                _ => out!("{}", drawn.diagram.mermaid()),
            }
            return Ok(());
        }
    };
    let layout = match (&args.out, args.split) {
        (None, _) => Layout::Single,
        (Some(_), false) => Layout::PerSchema,
        (Some(_), true) => Layout::PerObject,
    };
    let dumped = engine.dump(&url, args.db.wait, format, layout).await?;
    // Other tools' bookkeeping (alembic_version...) and whatever else the scope leaves out
    // is not written; say so, and why.
    crate::scope_args::report_dump(&dumped.left_out);
    let dump = dumped.dump;
    for u in &dump.unmanaged {
        noteln!("warning: unmanaged object, not dumped: {u}");
    }
    for u in &dump.undeclarable {
        noteln!("warning: not dumped: a new database has {u}, this one does not (schema files cannot drop it)");
    }
    let Some(dir) = &args.out else {
        out!("{}", dump.stream());
        if dump.sql_fallbacks > 0 {
            noteln!(
                "warning: {} statement(s) YAML cannot express are printed as YAML comments; with --out they are \
                 written as .sql files next to the YAML",
                dump.sql_fallbacks
            );
        }
        return Ok(());
    };
    for file in &dump.files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CliError::Io { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, &file.text).map_err(|source| CliError::Io { path: path.clone(), source })?;
    }
    let mut summary = format!("wrote {} file(s) to {}", dump.files.len(), project::shown(dir));
    if dump.sql_fallbacks > 0 {
        summary.push_str(&format!(" ({} statement(s) YAML cannot express are in .sql files)", dump.sql_fallbacks));
    }
    errln!("{summary}");
    Ok(())
}

/// The `*.sql`, `*.yaml` and `*.yml` files below `dir` (none when it does not exist).
fn schema_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") || schemactl_yaml::is_yaml(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
