//! Unit tests of the public API.

mod classify;
mod errors;
mod formats;
mod load;
mod meta;
mod order;
mod renames;
mod split;

use std::path::Path;

use crate::{parse_source, Error, Statement};

/// Parses `text` as `schema/test.sql`, panicking on errors.
fn parse(text: &str) -> Vec<Statement> {
    parse_source(Path::new("schema/test.sql"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses `text` as `schema/test.sql`, expecting an error.
fn parse_err(text: &str) -> Error {
    match parse_source(Path::new("schema/test.sql"), text) {
        Ok(stmts) => panic!("expected an error, got {stmts:#?}"),
        Err(e) => e,
    }
}
