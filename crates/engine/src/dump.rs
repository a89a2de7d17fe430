//! `dump`: desired-state files written from an existing database.

use crate::error::{Error, Result};
use crate::Engine;
use schemactl_connect::DbUrl;
use schemactl_dump::{Dump, Format, Layout};
use schemactl_model::LeftOut;
use std::time::Duration;

/// A database's schema as files, with what the scope kept out of them.
pub struct Dumped {
    pub dump: Dump,
    /// Each object left out, with its reason (other tools' bookkeeping, excluded schemas).
    pub left_out: Vec<LeftOut>,
}

/// A picture of a database's tables and foreign keys, with what the scope kept out of it.
pub struct Drawn {
    pub diagram: schemactl_plan::Diagram,
    pub left_out: Vec<LeftOut>,
}

impl Engine {
    /// Reads the database at `url` in the engine's scope and draws its tables (`dump --format
    /// mermaid|dot`).
    pub async fn draw(&self, url: &DbUrl, wait: Duration) -> Result<Drawn> {
        let client = url.connect_waiting(wait).await?;
        let catalog = self.read(&client).await?;
        let diagram = schemactl_plan::Diagram::of_catalog(&catalog);
        Ok(Drawn { diagram, left_out: catalog.left_out.into_iter().collect() })
    }

    /// Reads the database at `url` (retrying the connection for `wait`) in the engine's scope,
    /// in one read-only snapshot, and renders it as schema files.
    pub async fn dump(&self, url: &DbUrl, wait: Duration, format: Format, layout: Layout) -> Result<Dumped> {
        let client = url.connect_waiting(wait).await?;
        let catalog = self.read(&client).await?;
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .map(|row| row.get(0))
            .map_err(|e| Error::Database {
                context: format!("reading the server version of {url}"),
                message: schemactl_connect::server_message(&e),
            })?;
        let dump = schemactl_dump::dump(&catalog, version, format, layout)?;
        Ok(Dumped { dump, left_out: catalog.left_out.into_iter().collect() })
    }
}
