//! `-- schemactl:using EXPRESSION` annotations: how a column's rows are converted when its
//! type changes.
//!
//! ```sql
//! CREATE TABLE app.orders (
//!   id bigint PRIMARY KEY,
//!   -- schemactl:using string_to_array(tags, ',')
//!   tags text[]
//! );
//! ```
//!
//! PostgreSQL converts the rows of `ALTER COLUMN ... TYPE` with the assignment cast from the
//! old type, or with `USING`; where no cast can do it (text `'a,b'` to `text[]`), only the
//! user knows how. The annotation is a line comment directly before a column definition inside
//! `CREATE TABLE (...)` (or after `ALTER TABLE ... ADD [COLUMN]`), the rest of the line one SQL
//! expression over the table's old row, and it is read with its statement, so a YAML column's
//! `using:` (written into the generated statement the same way) works alike. A plan whose
//! column type changes uses it; once applied, the annotation has nothing to do and may go.

use pg_query::protobuf::Token;

use crate::error::{Error, Result};
use crate::renames::{bind, is_comment, offset, RenameKind};
use crate::Statement;

/// The annotation keyword, after `--`.
pub const USING: &str = "schemactl:using";

pub(crate) const MISPLACED: &str = "`-- schemactl:using EXPRESSION` must directly precede a column definition \
     inside CREATE TABLE (...) or after ALTER TABLE ... ADD [COLUMN] (only whitespace and comments in between)";

/// How one column's rows are converted to its new type, and where that was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The table's schema and name, and the column, by their names in the schema files.
    pub schema: String,
    pub table: String,
    pub column: String,
    /// One SQL expression, as written (checked to be exactly one expression).
    pub expression: String,
    /// `path:line:column` of the annotation.
    pub at: String,
}

/// Whether a line comment (`-- ...`) is a `schemactl:using` annotation, well formed or not.
pub(crate) fn is_using(comment: &str) -> bool {
    let body = comment.strip_prefix("--").unwrap_or(comment).trim_start();
    body.strip_prefix(USING)
        .is_some_and(|rest| rest.is_empty() || !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-'))
}

/// The `-- schemactl:using` annotations inside one statement, each bound to the column it
/// precedes; errors carry the annotation's `file:line:column`.
pub fn conversions(statement: &Statement) -> Result<Vec<Conversion>> {
    let sql = &statement.sql;
    if !sql.contains(USING) {
        return Ok(Vec::new());
    }
    let at = |byte: usize, message: String| {
        let chars = sql[..byte.min(sql.len())].chars().count();
        let (line, column) = statement.position_of(chars + 1);
        Error::Annotation { file: statement.file.clone(), line, column, message }
    };
    let tokens = pg_query::scan(sql).map_err(|e| at(0, e.to_string()))?.tokens;
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (start, end) = (offset(token.start), offset(token.end).min(sql.len()));
        if token.token != Token::SqlComment as i32 {
            continue;
        }
        let Some(comment) = sql.get(start..end) else { continue };
        if !is_using(comment) {
            continue;
        }
        let expression = expression(comment).map_err(|m| at(start, m))?;
        let target = match tokens[i + 1..].iter().position(|t| !is_comment(t)) {
            // bind's own errors are about renaming (an unnamed constraint): not a column either way.
            Some(p) => bind(sql, &[(0, sql.len())], &tokens, i + 1 + p).unwrap_or(None),
            None => None,
        };
        let Some(target) = target.filter(|t| t.kind == RenameKind::Column) else {
            return Err(at(start, MISPLACED.into()));
        };
        let (line, column) = statement.position_of(sql[..start].chars().count() + 1);
        out.push(Conversion {
            schema: target.schema,
            table: target.container.unwrap_or_default(),
            column: target.new,
            expression,
            at: format!("{}:{line}:{column}", statement.file.display()),
        });
    }
    for (i, c) in out.iter().enumerate() {
        if let Some(first) = out[..i].iter().find(|f| f.column == c.column) {
            let message = format!("a second `-- {USING}` for column {} (the first is at {})", c.column, first.at);
            return Err(Error::Annotation {
                file: statement.file.clone(),
                line: statement.line,
                column: statement.column,
                message,
            });
        }
    }
    Ok(out)
}

/// The expression of an annotation: the rest of the line, one SQL expression and nothing else
/// (it is written into `ALTER COLUMN ... TYPE ... USING (...)`, so it must not be able to end
/// that statement and start another).
fn expression(comment: &str) -> std::result::Result<String, String> {
    let body = comment.strip_prefix("--").unwrap_or(comment).trim_start();
    let rest = body.strip_prefix(USING).unwrap_or_default();
    let usage = format!("expected `-- {USING} EXPRESSION`");
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Err(usage);
    }
    let expression = rest.trim();
    if expression.is_empty() {
        return Err(format!("{usage}: the expression is missing"));
    }
    let probe = format!("SELECT ({expression})");
    let parsed =
        pg_query::parse(&probe, 0).map_err(|e| format!("{usage}: `{expression}` is not an expression: {e}"))?;
    if parsed.protobuf.stmts.len() != 1 {
        return Err(format!("{usage}: `{expression}` is more than one expression"));
    }
    Ok(expression.to_string())
}
