//! Turning a SOURCE argument (database URL, .sql file, directory) into a catalog.

use crate::error::{CliError, CliResult};
use schemactl_connect::DbUrl;
use schemactl_model::Catalog;
use schemactl_shadow::Shadow;
use schemactl_source::Statement;
use std::path::PathBuf;

pub enum Source {
    /// A freshly created database: what `--from` means when omitted.
    Empty,
    Database(DbUrl),
    Files { statements: Vec<Statement> },
}

impl Source {
    /// Parses the argument; schema files are read and parsed here, before any database is
    /// touched, so syntax errors come back immediately.
    pub fn resolve(arg: &str) -> CliResult<Source> {
        if schemactl_connect::looks_like_url(arg) {
            return Ok(Source::Database(DbUrl::parse(arg)?));
        }
        let path = PathBuf::from(arg);
        let statements = schemactl_source::load_path(&path)?;
        Ok(Source::Files { statements })
    }

    pub fn needs_shadow(&self) -> bool {
        matches!(self, Source::Files { .. } | Source::Empty)
    }
}

/// The server's major version, so the shadow can match it.
pub async fn server_major(url: &DbUrl) -> CliResult<u32> {
    let client = url.connect().await?;
    let row = client.query_one("SELECT current_setting('server_version_num')::int", &[]).await.map_err(|e| {
        CliError::Database { context: format!("reading the server version of {url}"), message: e.to_string() }
    })?;
    let num: i32 = row.get(0);
    Ok((num / 10000) as u32)
}

/// Reads the catalog a source describes; files go through a fresh shadow database.
pub async fn catalog_of(source: &Source, shadow: Option<&Shadow>) -> CliResult<Catalog> {
    match source {
        Source::Database(url) => {
            let client = url.connect().await?;
            Ok(schemactl_introspect::introspect(&client).await?)
        }
        Source::Empty | Source::Files { .. } => {
            let statements: &[Statement] = match source {
                Source::Files { statements, .. } => statements,
                _ => &[],
            };
            let Some(shadow) = shadow else {
                return Err(CliError::Database { context: "loading schema files".into(), message: "no shadow database".into() });
            };
            let url = shadow.create_database().await?;
            let result = load_and_read(&url, statements).await;
            let dropped = shadow.drop_database(&url).await;
            let catalog = result?;
            dropped?;
            Ok(catalog)
        }
    }
}

async fn load_and_read(url: &DbUrl, statements: &[Statement]) -> CliResult<Catalog> {
    let client = url.connect().await?;
    schemactl_shadow::load(&client, statements).await?;
    Ok(schemactl_introspect::introspect(&client).await?)
}
