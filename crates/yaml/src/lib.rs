//! Desired state written in YAML, mixed freely with `*.sql` in `schema/`.
//!
//! A YAML file declares objects as data; it becomes the same DDL statements an SQL file
//! would hold ([`schemactl_source::Statement`]s whose file is the YAML file and whose
//! positions are those of the YAML nodes), which go through the same dependency ordering
//! and the same shadow database. A YAML table may use a type declared in SQL and the other
//! way round.
//!
//! ```yaml
//! # yaml-language-server: $schema=../docs/schemactl.schema.json
//! schema: portal                    # bare names below live in `portal`
//! enums:
//!   user_role: [viewer, editor, admin]
//! tables:
//!   users:
//!     comment: People who sign in to the portal
//!     columns:
//!       id: {type: bigint, identity: always, primary_key: true}
//!       email: {type: public.citext, nullable: false}
//!       role: {type: portal.user_role, nullable: false, default: "'viewer'"}
//!       created_at: {type: timestamptz, nullable: false, default: now()}
//!       bio: text                   # short form: only a type, nullable
//!     unique:
//!       users_email_key: [email]
//!     indexes:
//!       users_created_at_idx: [created_at DESC]
//!     grants:
//!       app_reader: [select]
//! ```
//!
//! # The format
//!
//! - Sections by kind (`extensions`, `schemas`, `collations`, `enums`, `composite_types`,
//!   `domains`, `range_types`, `sequences`, `tables`, `views`, `materialized_views`,
//!   `functions`, `procedures`), each a mapping from the object's name to its definition, and
//!   `default_privileges` (database-wide; per schema under `schemas`). A name is
//!   `schema.name`, or a bare `name` in the schema named by the top-level `schema` key
//!   (default `public`), which only names the schema: `schemas` declares it.
//! - Names (keys, and column lists of constraints) are exact: never folded to lower case,
//!   always quoted in the generated SQL. Everything else that is SQL (types, defaults,
//!   conditions, index keys, queries, bodies, referenced tables) is written as in SQL and
//!   follows SQL's rules.
//! - Columns are nullable unless `nullable: false`, as in SQL, so that a table reads the same
//!   in both formats (primary key columns are `NOT NULL` anyway).
//! - Short forms where one field says it all: `email: citext` (a column of that type),
//!   `user_role: [a, b]` (an enum's values), `users_email_key: [email]` (a unique
//!   constraint's or index's columns), `identity: always`, `check: price > 0`,
//!   `references: portal.users (id)`, `app_reader: [select]` (a grant). A role granted
//!   nothing (`public: []`) loses what a new object gives it: `REVOKE ALL ... FROM PUBLIC`.
//! - Unknown keys are errors, with "did you mean" for typos; so are wrong types, missing
//!   required keys, duplicate keys, YAML tags and several documents in one file. Errors read
//!   `schema/app.yaml:12:9: tables.users.columns.email.type: missing required key` and are
//!   reported before any database is touched; PostgreSQL's own errors (an unknown type...)
//!   point at the YAML node that produced the offending text.
//! - Foreign keys become `ALTER TABLE ... ADD CONSTRAINT` statements of their own, so tables
//!   that reference each other need no care.
//!
//! The document model ([`model::Document`]) is public and stable: it derives `Serialize`,
//! `Deserialize` and `JsonSchema`, [`to_yaml_string`] writes it as a person would, and
//! [`json_schema`] is the schema committed as `docs/schemactl.schema.json` for editors.
//!
//! # Why saphyr-parser
//!
//! `serde_yaml` is deprecated and unmaintained. Its forks `serde_yaml_ng` (last release
//! May 2024) and `serde_norway` (December 2024) keep its libyaml-based design, which
//! reports the position of the first error only and implements YAML 1.1 (`no` is `false`).
//! `saphyr-parser` (the parser of the saphyr project, the maintained successor of yaml-rust,
//! releases in November 2026) is pure Rust, YAML 1.2, and yields every event with its span:
//! the exact line and column of every key and value. Building our own small tree from
//! those events gives what the format needs and no serde-based crate offers: positions for
//! keys as well as values, duplicate keys refused rather than silently overwritten, and
//! limits on nesting and alias expansion. Deserialization into the model is then an
//! ordinary serde `Deserializer` over that tree (see `de.rs`), so error messages carry the
//! key path and position of the node they are about.

mod de;
mod emit;
mod error;
mod format;
pub mod model;
mod node;
mod schema;
mod ser;
mod sql;

#[cfg(test)]
mod tests;

use std::path::Path;

use schemactl_source::{Rename, Statement};

pub use error::{Error, Result};
pub use format::{is_yaml, load_schema_files, load_schema_files_with_renames, YamlFormat};
pub use model::Document;
pub use schema::{json_schema, modeline, SCHEMA_PATH};

/// Reads one YAML file's text into the document model, checking its structure (unknown
/// keys, types, required keys) but not its SQL. `file` is only used for positions.
pub fn parse_document(file: &Path, text: &str) -> Result<Document> {
    Ok(read(file, text)?.0)
}

/// The statements one YAML file declares, in document order, and its `renamed_from`
/// declarations. Each SQL text in it is checked by PostgreSQL's parser, so a syntax error
/// points at its node. `file` is only used for positions.
pub fn statements(file: &Path, text: &str) -> Result<(Vec<Statement>, Vec<Rename>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = node::parse(text).map_err(|e| Error::Syntax {
        file: file.to_path_buf(),
        line: e.pos.line,
        column: e.pos.column,
        path: e.path,
        message: e.message,
    })?;
    let doc = document_of(file, root.as_ref())?;
    let spans = sql::Spans::new(root.as_ref());
    let mut generator = sql::Gen::new(file, &spans, &doc);
    generator.document(&doc)?;
    Ok((generator.statements, generator.renames))
}

fn read(file: &Path, text: &str) -> Result<(Document, Option<node::Node>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = node::parse(text).map_err(|e| Error::Syntax {
        file: file.to_path_buf(),
        line: e.pos.line,
        column: e.pos.column,
        path: e.path,
        message: e.message,
    })?;
    let doc = document_of(file, root.as_ref())?;
    Ok((doc, root))
}

fn document_of(file: &Path, root: Option<&node::Node>) -> Result<Document> {
    let Some(root) = root else {
        return Ok(Document::default());
    };
    de::from_node(root).map_err(|e| {
        let (pos, path) = e.at.unwrap_or((root.pos, String::new()));
        Error::Structure { file: file.to_path_buf(), line: pos.line, column: pos.column, path, message: e.message }
    })
}

/// Writes a document as YAML, in the order of its maps, the way a person would (see the
/// crate documentation); reading the text back gives the same document. Prepend
/// [`modeline`] for editors.
pub fn to_yaml_string(doc: &Document) -> String {
    match ser::to_out(doc) {
        Ok(out) => emit::document(&out),
        // The model serializes only strings, numbers, booleans, lists and string-keyed maps.
        Err(e) => unreachable!("the document model always serializes: {e}"),
    }
}
