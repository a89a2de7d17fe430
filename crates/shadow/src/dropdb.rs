//! Dropping a throwaway database. Below both [`crate::shadow`] (which drops what it created)
//! and [`crate::registry`] (whose signal handler drops what a `--dev-url` shadow left), so that
//! neither has to call into the other.

use crate::error::{Error, Result};
use schemactl_connect::DbUrl;
use schemactl_sqltext::quoted_ident;

/// `DROP DATABASE IF EXISTS ... WITH (FORCE)`; servers before 13 lack FORCE, so their sessions
/// are terminated first.
pub(crate) async fn drop_database_on(server: &DbUrl, name: &str) -> Result<()> {
    let client = server.connect().await?;
    let quoted = quoted_ident(name);
    let major = client.query_one("SELECT current_setting('server_version_num')::int / 10000", &[]).await;
    if matches!(major, Ok(ref row) if row.get::<_, i32>(0) < 13) {
        // Two round trips: DROP DATABASE refuses to run in a multi-statement string.
        let literal = schemactl_sqltext::literal(name);
        let terminate = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {literal}");
        let _ = client.batch_execute(&terminate).await;
        let sql = format!("DROP DATABASE IF EXISTS {quoted}");
        return client
            .batch_execute(&sql)
            .await
            .map_err(|e| Error::sql(format!("dropping database {name}"), server, &e));
    }
    let sql = format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)");
    client.batch_execute(&sql).await.map_err(|e| Error::sql(format!("dropping database {name}"), server, &e))
}
