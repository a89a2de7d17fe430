//! Turning a SOURCE argument (database URL, .sql file, directory) into a catalog.

use crate::error::{CliError, CliResult};
use schemactl_connect::DbUrl;
use schemactl_model::Catalog;
use schemactl_shadow::Shadow;
use schemactl_source::Statement;
use std::path::PathBuf;
use tokio_postgres::Client;

pub enum Source {
    /// A freshly created database: what `--from` means when omitted.
    Empty,
    Database(Box<DbUrl>),
    Files {
        statements: Vec<Statement>,
    },
    /// Migration statements (revisions, the state cache), run strictly in order.
    Script {
        statements: Vec<Statement>,
    },
}

impl Source {
    /// Parses the argument; schema files are read and parsed here, before any database is
    /// touched, so syntax errors come back immediately.
    pub fn resolve(arg: &str) -> CliResult<Source> {
        if is_database(arg) {
            return Ok(Source::Database(Box::new(DbUrl::parse(arg)?)));
        }
        let path = PathBuf::from(arg);
        let statements = schemactl_yaml::load_path(&path)?;
        Ok(Source::Files { statements })
    }

    pub fn needs_shadow(&self) -> bool {
        matches!(self, Source::Files { .. } | Source::Script { .. } | Source::Empty)
    }
}

/// Whether a SOURCE argument names a database rather than files. A file or directory that
/// exists is files, whatever its name. Anything else that looks like an address, well formed
/// or not (a misspelt scheme, conninfo, `user:password@`), goes to the address parser, whose
/// errors hide the password, rather than to the file reader, which would echo it whole.
pub fn is_database(arg: &str) -> bool {
    if schemactl_connect::looks_like_url(arg) {
        return true;
    }
    if std::path::Path::new(arg).exists() {
        return false;
    }
    schemactl_connect::looks_like_address(arg)
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

/// A source read into a catalog, with the connection kept open for follow-up questions
/// (see `reconcile_checks`) and the shadow database to drop afterwards.
pub struct Opened {
    pub catalog: Catalog,
    pub client: Client,
    pub shadow_db: Option<DbUrl>,
}

/// Reads the catalog a source describes; files go through a fresh shadow database.
pub async fn open(source: &Source, shadow: Option<&Shadow>) -> CliResult<Opened> {
    let (statements, in_order): (&[Statement], bool) = match source {
        Source::Database(url) => {
            let client = url.connect().await?;
            let catalog = crate::scope_args::introspect(&client).await?;
            return Ok(Opened { catalog, client, shadow_db: None });
        }
        Source::Files { statements } => (statements, false),
        Source::Script { statements } => (statements, true),
        Source::Empty => (&[], true),
    };
    let Some(shadow) = shadow else {
        return Err(CliError::Database {
            context: "loading schema files".into(),
            message: "no shadow database".into(),
        });
    };
    let url = shadow.create_database().await?;
    match load_and_read(&url, statements, in_order, shadow.is_embedded()).await {
        Ok((catalog, client)) => Ok(Opened { catalog, client, shadow_db: Some(url) }),
        Err(e) => {
            let _ = shadow.drop_database(&url).await;
            Err(e)
        }
    }
}

async fn load_and_read(
    url: &DbUrl,
    statements: &[Statement],
    in_order: bool,
    create_roles: bool,
) -> CliResult<(Catalog, Client)> {
    let client = url.connect().await?;
    if in_order {
        schemactl_shadow::run_script(&client, statements, create_roles).await?;
    } else {
        schemactl_shadow::load_with(&client, statements, create_roles).await?;
    }
    // A fresh shadow has no planner statistics on its catalogs (autovacuum is off there):
    // without them the catalog queries can pick quadratic plans on large schemas.
    if statements.len() > 1000 {
        client
            .batch_execute("ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_depend, pg_catalog.pg_constraint, pg_catalog.pg_index, pg_catalog.pg_sequence, pg_catalog.pg_type, pg_catalog.pg_attrdef")
            .await
            .map_err(|e| CliError::Database { context: "analyzing the shadow catalog".into(), message: e.to_string() })?;
    }
    let catalog = crate::scope_args::introspect(&client).await?;
    Ok((catalog, client))
}
