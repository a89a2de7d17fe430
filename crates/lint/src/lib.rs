//! Hazards of hand-written SQL. Revisions written by hand (data migrations) and any SQL file
//! get the analysis plans get: each statement is parsed with pg_query and checked by small
//! rules, one per file in [`rules`], each a function over one parsed statement and what the
//! script did before it (objects created earlier in the same script are new and empty, so
//! statements on them carry no lock, scan or rewrite hazard).
//!
//! Lint reads SQL only: it cannot see the database, so messages say what a statement does to
//! an existing table of any size, and name the online alternative where there is one.

mod allowed;
mod ast;
mod context;
mod error;
mod rules;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use pg_query::NodeEnum;
use schemactl_model::HazardKind;
use schemactl_source::Statement;

pub use allowed::{AllowedHazards, ALLOW_HINT};
pub use error::{Error, Result};

use context::Context;

/// One hazard of one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub file: PathBuf,
    /// 1-based line and column (in characters) of the statement's start, in the file.
    pub line: usize,
    pub column: usize,
    /// The rule that found it (`drop-object`, `create-index`...).
    pub rule: &'static str,
    pub hazard: HazardKind,
    pub message: String,
    /// Whether it holds turns on what the database holds before the statement (a column's old
    /// type, whether a schema is empty or a function has callers), which lint cannot see: it
    /// assumed the worst. The planner sees it, so in a planned revision its header decides
    /// (`schemactl_apply::check_hazards`).
    pub needs_catalog: bool,
}

impl fmt::Display for Finding {
    /// `file:line:col: <hazard>: <message> [<rule>]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {} [{}]",
            self.file.display(),
            self.line,
            self.column,
            self.hazard,
            self.message,
            self.rule
        )
    }
}

/// Advice on a desired-state file (see [`lint_desired`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advice {
    pub file: PathBuf,
    /// 1-based line and column (in characters) of the statement's start, in the file.
    pub line: usize,
    pub column: usize,
    /// The rule that gave it (`do-block`).
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Advice {
    /// `file:line:col: warning: <message> [<rule>]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: warning: {} [{}]", self.file.display(), self.line, self.column, self.message, self.rule)
    }
}

/// What a rule reports: a hazard and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub hazard: HazardKind,
    pub message: String,
    pub needs_catalog: bool,
}

/// A hazard the statement has whatever the database holds.
pub(crate) fn hit(hazard: HazardKind, message: impl Into<String>) -> Hit {
    Hit { hazard, message: message.into(), needs_catalog: false }
}

/// A hazard the statement has unless the catalog says otherwise (see `Finding::needs_catalog`).
pub(crate) fn guess(hazard: HazardKind, message: impl Into<String>) -> Hit {
    Hit { hazard, message: message.into(), needs_catalog: true }
}

/// One statement as rules see it.
pub(crate) struct Input<'a> {
    pub node: &'a NodeEnum,
    pub statement: &'a Statement,
}

/// Lints a script. `file` is used for positions only.
pub fn lint(file: &Path, text: &str) -> Result<Vec<Finding>> {
    let statements = schemactl_source::split_script(file, text)?;
    lint_statements(&statements)
}

/// Lints statements already split (a revision section: positions are those of the file), in
/// order, as one script.
pub fn lint_statements<'a>(statements: impl IntoIterator<Item = &'a Statement>) -> Result<Vec<Finding>> {
    let mut context = Context::default();
    let mut findings = Vec::new();
    // A statement too deeply nested for pg_query.rs to decode is checked as a plain
    // statement: only what `split_script` knew of it (whether it runs in a transaction).
    let opaque = NodeEnum::SelectStmt(Box::default());
    for statement in statements {
        let parsed = parse(statement)?;
        let node = parsed.as_ref().unwrap_or(&opaque);
        let input = Input { node, statement };
        for (rule, check) in rules::RULES {
            for Hit { hazard, message, needs_catalog } in check(&input, &context) {
                findings.push(Finding {
                    file: statement.file.clone(),
                    line: statement.line,
                    column: statement.column,
                    rule,
                    hazard,
                    message,
                    needs_catalog,
                });
            }
        }
        context.observe(node);
    }
    Ok(findings)
}

/// Advice on desired-state statements (schema files, as loaded): what the declared state cannot
/// show a reviewer. Schema files are loaded into a shadow, never run on a database, so the
/// hazard rules do not apply to them and these are warnings, never refusals.
pub fn lint_desired<'a>(statements: impl IntoIterator<Item = &'a Statement>) -> Result<Vec<Advice>> {
    let mut advice = Vec::new();
    for statement in statements {
        let Some(node) = parse(statement)? else { continue };
        let input = Input { node: &node, statement };
        for (rule, check) in rules::DESIRED_STATE_RULES {
            if let Some(message) = check(&input) {
                advice.push(Advice {
                    file: statement.file.clone(),
                    line: statement.line,
                    column: statement.column,
                    rule,
                    message,
                });
            }
        }
    }
    Ok(advice)
}

/// The distinct hazard kinds of `findings`.
pub fn kinds<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> BTreeSet<HazardKind> {
    findings.into_iter().map(|f| f.hazard).collect()
}

fn parse(statement: &Statement) -> Result<Option<NodeEnum>> {
    let failed = |message: String| Error::Parse {
        file: statement.file.clone(),
        line: statement.line,
        column: statement.column,
        message,
    };
    match pg_query::parse(&statement.sql, 0) {
        Ok(parsed) => Ok(parsed.protobuf.stmts.into_iter().next().and_then(|s| s.stmt).and_then(|s| s.node)),
        Err(pg_query::Error::Decode(_)) => Ok(None),
        Err(e) => Err(failed(e.to_string())),
    }
}

#[cfg(test)]
mod tests;
