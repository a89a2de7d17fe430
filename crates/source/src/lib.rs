//! Reads desired-state schema files.
//!
//! Schema files are plain PostgreSQL DDL (`CREATE TABLE`, `CREATE INDEX`,
//! `COMMENT ON`, `GRANT`...) spread over any number of `*.sql` files. This
//! crate splits them into statements with PostgreSQL's own parser
//! (libpg_query, through the `pg_query` crate), refuses statements that do
//! not declare schema (data changes, drops, `SET search_path`...), skips
//! session preambles such as pg_dump's, refuses psql meta-commands (`\i`,
//! `\set`, `\connect`...: psql would run them, schemactl cannot) except
//! pg_dump's `\restrict` and `\unrestrict` lines, and orders the statements of
//! all files so that each comes after what it depends on. Splitting a file
//! costs time linear in its size.
//!
//! Errors point at `path:line:column`, with 1-based lines and columns counted
//! in characters.
//!
//! # Ordering
//!
//! [`order_statements`] (and [`load_sql_files`], across all files) builds a graph
//! from the parse trees: each statement provides names (schemas, relations,
//! types, functions, extensions, indexes, triggers...) and requires the names
//! it mentions anywhere (column types, defaults, CHECK expressions, foreign
//! keys, view queries, `nextval('seq')`, LANGUAGE sql bodies...). Names are
//! compared lowercased; an unqualified reference matches the one schema that
//! has the name, or `public` when several do. On top of names:
//!
//! - CREATE SCHEMA, then CREATE EXTENSION, then ALTER DEFAULT PRIVILEGES come
//!   before everything else;
//! - COMMENT, GRANT and SECURITY LABEL come after every statement that
//!   creates or alters their object (ALTER TABLE ADD COLUMN, CREATE TRIGGER);
//! - a foreign key comes after the statements giving the referenced table a
//!   primary key or unique constraint/index;
//! - `GRANT ... ON ALL TABLES IN SCHEMA s` comes after everything in `s`.
//!
//! Ties keep file order (files by path, then position), so well-ordered input
//! is unchanged; cycles keep file order among their members.
//!
//! # Renames
//!
//! A `-- schemactl:renamed-from OLD` line comment directly before an object,
//! column, constraint or enum label says what it was called before;
//! [`load_sql_files_with_renames`] returns these annotations (see [`Rename`])
//! alongside the statements.
//!
//! # Conversions
//!
//! A `-- schemactl:using EXPRESSION` line comment directly before a column definition says
//! how the column's rows are converted when its type changes; [`conversions`] reads them from
//! a statement (see [`Conversion`]).

mod classify;
mod conversions;
mod deps;
mod deps_stmt;
mod drops;
mod error;
mod ffi;
mod load;
mod names;
mod objects;
mod order;
mod parse;
mod renames;
mod roles;
mod script;
mod subject;
mod text;
mod walk;
mod walk_gen;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use conversions::{conversions, Conversion, USING};
pub use error::{Error, Result};
pub use load::{
    load_files_with_formats, load_sql_files, load_sql_files_with_renames, Format, FormatError, FormatOutput,
};
pub use order::order_statements;
pub use renames::{parse_renames, Rename, RenameKind, ANNOTATION};
pub use roles::declared_roles;
pub use script::split_script;
pub use subject::{subjects, Subject};

/// One schema statement, as written in its file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Statement {
    /// The statement text exactly as written, from its first token to its
    /// last (no trailing `;`, no surrounding comments or whitespace).
    pub sql: String,
    /// The file it was read from.
    pub file: PathBuf,
    /// 1-based line of the statement's first character in `file`.
    pub line: usize,
    /// 1-based column of the statement's first character, in characters.
    pub column: usize,
    /// The pg_query node name of the statement: "CreateStmt", "IndexStmt"...
    pub kind: String,
    /// False for statements PostgreSQL refuses to run inside a transaction
    /// block (`CREATE INDEX CONCURRENTLY`, `DETACH PARTITION CONCURRENTLY`,
    /// `CREATE SUBSCRIPTION` creating a slot...).
    pub transactional: bool,
    /// Where the parts of a statement generated from another format (YAML) came from,
    /// by ascending `offset`; empty for SQL, whose text is exactly as written at
    /// `line`:`column`. See [`Statement::position_of`].
    pub origins: Vec<Origin>,
}

/// The source position of the generated statement text from `offset` on (up to the next
/// origin): a statement built from a YAML document maps each fragment back to the node
/// that produced it, so server errors point into the YAML file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Origin {
    /// 0-based character offset into [`Statement::sql`] where the fragment starts.
    pub offset: usize,
    /// 1-based line of the fragment's source in [`Statement::file`].
    pub line: usize,
    /// 1-based column of the fragment's source, in characters.
    pub column: usize,
    /// True when the fragment is the source text verbatim on one line (a plain YAML scalar),
    /// so a position inside it is the origin advanced by the characters before it; false
    /// when it was generated (keywords, quoting), so every position inside it is the origin.
    pub verbatim: bool,
}

impl Statement {
    /// `path:line:column` of the statement's start.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }

    /// File line and column of a 1-based character offset into `sql`, such as
    /// the `position` of a server error. 0 (unknown) maps to the statement
    /// start; offsets past the end map to its last character.
    pub fn position_of(&self, offset_in_sql_chars: usize) -> (usize, usize) {
        let Some(skip) = offset_in_sql_chars.checked_sub(1) else {
            return (self.line, self.column);
        };
        let last = self.sql.chars().count().saturating_sub(1);
        if !self.origins.is_empty() {
            let skip = skip.min(last);
            let at = self.origins.partition_point(|o| o.offset <= skip);
            let Some(origin) = at.checked_sub(1).map(|i| self.origins[i]) else {
                return (self.line, self.column);
            };
            if !origin.verbatim {
                return (origin.line, origin.column);
            }
            let inside: String = self.sql.chars().skip(origin.offset).take(skip - origin.offset).collect();
            return text::advance(origin.line, origin.column, &inside);
        }
        let before: String = self.sql.chars().take(skip.min(last)).collect();
        text::advance(self.line, self.column, &before)
    }
}

/// Splits one file's text into statements and classifies them, in file order.
///
/// Transaction control (`BEGIN`, `COMMIT`), settings (`SET statement_timeout
/// = 0`) and pg_dump's `SELECT pg_catalog.set_config(...)` are skipped. Data
/// changes, drops and similar statements are refused with
/// [`Error::NotSchema`]; roles, renames, `SET search_path` and a few others
/// with [`Error::Unsupported`]. `file` is only used for positions.
pub fn parse_source(file: &Path, text: &str) -> Result<Vec<Statement>> {
    Ok(drops::settle(parse::parse_file(file, text)?)?.into_iter().map(|p| p.statement).collect())
}
