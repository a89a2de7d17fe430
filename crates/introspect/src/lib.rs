//! Reads a live database into the schema model.
//!
//! One `REPEATABLE READ READ ONLY` transaction and a fixed set of catalog queries, whatever the
//! number of objects: every query is set-based (joins and aggregates, never one query per
//! table). `search_path` is pinned to `pg_catalog` so that PostgreSQL's own deparsers qualify
//! every user object: the text is then identical for a shadow database and a live one, and
//! executable whatever the session's search path.

// SQL fragments shared by the catalog queries (defined before the modules that use them).
/// Schemas that are not PostgreSQL's own.
macro_rules! system_schema_excluded {
    ($n:literal) => {
        concat!(
            $n,
            ".nspname NOT IN ('pg_catalog', 'information_schema') AND ",
            $n,
            ".nspname NOT LIKE 'pg\\_toast%' AND ",
            $n,
            ".nspname NOT LIKE 'pg\\_temp\\_%'"
        )
    };
}

// The scope prunes in the queries themselves (see `scope.rs`): it arrives as custom settings
// of the reading transaction, so that every query stays one constant string, the same on both
// sides of a diff. Keys are `kind chr(31) schema chr(31) name`, as `ServerScope` expects.

/// `$name` (an SQL expression) is one of the names the patterns of `$which` (`exclude` or
/// `include`) can match: a substring search in `schemactl.scope_$which_names`, done before
/// the regex because PostgreSQL's regex engine costs about 15 us per row for the default
/// excludes, which on 30,000 relations was most of a catalog read (see `ServerScope`).
macro_rules! named_in {
    ($which:literal, $name:expr) => {
        concat!(
            "(current_setting('schemactl.scope_",
            $which,
            "_names') = '*' OR strpos(current_setting('schemactl.scope_",
            $which,
            "_names'), chr(31) || ",
            $name,
            " || chr(31)) > 0)"
        )
    };
}

/// The key `$kind SEP $schema SEP $name` is excluded and not included. `$kind`, `$schema`
/// and `$name` are SQL expressions.
macro_rules! key_out {
    ($kind:expr, $schema:expr, $name:expr) => {
        concat!(
            "(",
            named_in!("exclude", $name),
            " AND (",
            $kind,
            " || chr(31) || ",
            $schema,
            " || chr(31) || ",
            $name,
            ") ~ current_setting('schemactl.scope_exclude') AND NOT (",
            named_in!("include", $name),
            " AND (",
            $kind,
            " || chr(31) || ",
            $schema,
            " || chr(31) || ",
            $name,
            ") ~ current_setting('schemactl.scope_include')))"
        )
    };
}

/// The schema is in scope: listed (or no list), and not excluded unless included.
macro_rules! schema_in {
    ($n:literal) => {
        concat!(
            "(",
            $n,
            ".nspname ~ current_setting('schemactl.scope_schemas') AND NOT ",
            key_out!("'schema'", "''", concat!($n, ".nspname")),
            ")"
        )
    };
}

/// Schemas that belong to the user and are in scope: not system schemas, not created by an
/// extension (tested separately), not left out by the scope (schemactl's own included).
macro_rules! user_schema {
    ($n:literal) => {
        concat!(system_schema_excluded!($n), " AND ", schema_in!($n))
    };
}

/// No exclude pattern names the object, or an include pattern does. `$kind`, `$schema` and
/// `$name` are SQL expressions.
macro_rules! object_in {
    ($kind:literal, $schema:literal, $name:literal) => {
        concat!("NOT ", key_out!($kind, $schema, $name))
    };
}

/// The scope kind of a relation.
macro_rules! rel_kind {
    ($c:literal) => {
        concat!(
            "CASE ",
            $c,
            ".relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' WHEN 'S' THEN 'sequence' ",
            "WHEN 'f' THEN 'foreign_table' WHEN 'c' THEN 'type' ELSE 'table' END"
        )
    };
}

/// [`object_in`] for a relation `$c` in schema `$n` (and for what hangs on it: columns,
/// constraints, indexes, triggers, policies, rules).
macro_rules! rel_in {
    ($c:literal, $n:literal) => {
        concat!("NOT ", key_out!(concat!("(", rel_kind!($c), ")"), concat!($n, ".nspname"), concat!($c, ".relname")))
    };
}

/// A database-wide object (schema ""): included by name, or managed because no schema list
/// is given and no exclude pattern names it.
macro_rules! database_wide_in {
    ($kind:literal, $name:literal) => {
        concat!(
            "((",
            $kind,
            " || chr(31) || chr(31) || ",
            $name,
            ") ~ current_setting('schemactl.scope_include') OR (current_setting('schemactl.scope_database') = 'on' AND ",
            "(",
            $kind,
            " || chr(31) || chr(31) || ",
            $name,
            ") !~ current_setting('schemactl.scope_exclude')))"
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

/// A part of a query that depends on the server's version: `$newer` on servers whose
/// `server_version_num` is at least `$num`, else `$older` (see `version.rs`).
macro_rules! since {
    ($num:literal, $newer:expr, $older:expr) => {
        concat!("/*>=", stringify!($num), "*/", $newer, "/*else*/", $older, "/*end*/")
    };
}

/// A role OID the project manages (`[roles] manage`): never one of PostgreSQL's own.
macro_rules! managed_role {
    ($oid:literal) => {
        concat!("(", $oid, " >= 16384 AND pg_get_userbyid(", $oid, ") ~ current_setting('schemactl.scope_roles'))")
    };
}

mod depend;
mod foreign;
mod grants;
mod objects;
mod objects_more;
mod queries;
mod read;
mod roles;
mod roundtrip;
mod scope;
mod sizes;
mod unmanaged;
mod version;

pub use read::{introspect, introspect_scoped, server_version};
pub use roles::read_roles_in_transaction;
pub use roundtrip::reconcile_checks;
pub use scope::{scope_settings, LEFT_OUT};
pub use sizes::relation_sizes;
pub use version::ServerVersion;

/// Errors while reading a catalog.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A catalog query failed (permissions, connection lost, unsupported server). The
    /// server's own words and its version are in the message: "db error" alone tells a user
    /// of another major nothing.
    #[error("reading the catalog of {server} failed ({what}): {}", describe(source))]
    Query {
        what: &'static str,
        /// `PostgreSQL 14.23`, or `the server` when its version could not be read.
        server: String,
        #[source]
        source: tokio_postgres::Error,
    },
}

/// The server's message with its detail and hint, else the client's description.
fn describe(error: &tokio_postgres::Error) -> String {
    let Some(db) = error.as_db_error() else {
        // "connection closed" and the like: the causes say why.
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        return text;
    };
    let mut text = format!("{}: {}", db.severity(), db.message());
    if let Some(detail) = db.detail() {
        text.push_str(&format!(" (DETAIL: {detail})"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!(" (HINT: {hint})"));
    }
    text
}

pub type Result<T> = std::result::Result<T, Error>;
