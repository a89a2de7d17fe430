//! Reads a live database into the schema model.
//!
//! One `REPEATABLE READ READ ONLY` transaction and a fixed set of catalog queries, whatever the
//! number of objects: every query is set-based (joins and aggregates, never one query per
//! table). `search_path` is pinned to `pg_catalog` so that PostgreSQL's own deparsers qualify
//! every user object: the text is then identical for a shadow database and a live one, and
//! executable whatever the session's search path.

// SQL fragments shared by the catalog queries (defined before the modules that use them).
/// Schemas that belong to the user: not system schemas, not created by an extension.
macro_rules! user_schema {
    ($n:literal) => {
        concat!(
            $n,
            ".nspname NOT IN ('pg_catalog', 'information_schema', 'schemactl') AND ",
            $n,
            ".nspname NOT LIKE 'pg\\_toast%' AND ",
            $n,
            ".nspname NOT LIKE 'pg\\_temp\\_%'"
        )
    };
}

/// Objects created by an extension are the extension's business, not the schema's.
macro_rules! not_extension_member {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '",
            $catalog,
            "'::regclass AND xd.objid = ",
            $oid,
            " AND xd.deptype = 'e')"
        )
    };
}

mod depend;
mod foreign;
mod grants;
mod objects;
mod objects_more;
mod queries;
mod read;
mod roundtrip;
mod unmanaged;

pub use read::introspect;
pub use roundtrip::reconcile_checks;

/// Errors while reading a catalog.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A catalog query failed (permissions, connection lost, unsupported server).
    #[error("reading the catalog failed ({what}): {source}")]
    Query {
        what: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
