//! Unit tests of the public API.

mod errors;
mod format;
mod objects;
mod positions;
mod schema;
mod write;

use std::path::Path;

use schemactl_source::{Rename, Statement};

use crate::Error;

/// The statements of `text` read as `schema/app.yaml`, panicking on errors.
fn statements(text: &str) -> Vec<Statement> {
    read(text).0
}

fn read(text: &str) -> (Vec<Statement>, Vec<Rename>) {
    crate::statements(Path::new("schema/app.yaml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// The SQL of every statement of `text`.
fn sql(text: &str) -> Vec<String> {
    statements(text).into_iter().map(|s| s.sql).collect()
}

/// The error `text` gives, as `line:column: path: message` (without the file).
fn error(text: &str) -> String {
    match crate::statements(Path::new("schema/app.yaml"), text) {
        Ok((s, _)) => panic!("expected an error, got {:#?}", s.iter().map(|s| &s.sql).collect::<Vec<_>>()),
        Err(e) => {
            let shown = e.to_string();
            let prefix = "schema/app.yaml:";
            assert!(shown.starts_with(prefix), "{shown}");
            let (line, column) = e.position();
            assert!(shown.starts_with(&format!("{prefix}{line}:{column}: ")), "{shown}");
            shown[prefix.len()..].to_string()
        }
    }
}

/// The kind of error `text` gives.
fn error_kind(text: &str) -> &'static str {
    match crate::statements(Path::new("schema/app.yaml"), text) {
        Ok(_) => "none",
        Err(Error::Syntax { .. }) => "syntax",
        Err(Error::Structure { .. }) => "structure",
        Err(Error::Sql { .. }) => "sql",
    }
}
