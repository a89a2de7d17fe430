//! Splitting migration scripts (revision files), which unlike schema files may hold any
//! statement: data changes, drops, `VACUUM`. What matters here is where each statement starts
//! and whether PostgreSQL lets it run inside a transaction block.

use std::path::Path;

use pg_query::protobuf::{self, AlterSubscriptionType};
use pg_query::NodeEnum;

use crate::classify::{detaches_concurrently, option_is_false, statement_name};
use crate::error::{Error, Result};
use crate::ffi;
use crate::parse::{error_byte, explain, refine_from_tokens, statement_end};
use crate::text::{floor_char_boundary, LineIndex};
use crate::walk::{empty_node, node_kind};
use crate::Statement;

const TRANSACTION_CONTROL: &str =
    "each revision runs in a transaction of its own (statements that cannot, such as CREATE INDEX CONCURRENTLY, \
     run outside it automatically); remove BEGIN/COMMIT";

/// Splits a script into its statements, keeping every one of them, in order.
///
/// Transaction control (`BEGIN`, `COMMIT`, `SAVEPOINT`...) is refused: the runner owns the
/// transactions. psql meta-commands (`\i`, `\set`) are syntax errors here, since nothing
/// would run them. `file` is only used for positions.
pub fn split_script(file: &Path, text: &str) -> Result<Vec<Statement>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = LineIndex::new(text);
    let syntax = |byte: usize, message: String| {
        let (line, column) = index.position(byte);
        Error::Syntax { file: file.to_path_buf(), line, column, message }
    };
    if let Some(nul) = text.find('\0') {
        return Err(syntax(nul, "unexpected NUL byte (scripts are text)".into()));
    }
    let spans = ffi::split(text).map_err(|e| syntax(error_byte(text, &e), explain(e.message)))?;
    let tokens = if spans.is_empty() { Vec::new() } else { pg_query::scan_tokens(text).unwrap_or_default() };
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let start = floor_char_boundary(text, span.start);
        let end = statement_end(text, start, span.end, &tokens);
        let sql = &text[start..end];
        let node = parse_one(sql).map_err(|message| syntax(start, explain(message)))?;
        let (line, column) = index.position(start);
        if let NodeEnum::TransactionStmt(_) = node {
            return Err(Error::NotInScript {
                file: file.to_path_buf(),
                line,
                column,
                statement: statement_name(&node),
                reason: TRANSACTION_CONTROL.into(),
            });
        }
        out.push(Statement {
            sql: sql.to_string(),
            file: file.to_path_buf(),
            line,
            column,
            kind: node_kind(&node).to_string(),
            transactional: runs_in_transaction(&node),
            origins: Vec::new(),
        });
    }
    Ok(out)
}

fn parse_one(sql: &str) -> std::result::Result<NodeEnum, String> {
    match pg_query::parse(sql, 0) {
        Ok(parsed) => parsed
            .protobuf
            .stmts
            .into_iter()
            .next()
            .and_then(|s| s.stmt)
            .and_then(|s| s.node)
            .ok_or_else(|| "empty statement".to_string()),
        // Too deeply nested for pg_query.rs to decode: the flat summary still names the kind.
        Err(pg_query::Error::Decode(_)) => {
            let summary = pg_query::summary(sql, 0, -1).map_err(|e| e.to_string())?;
            let kind = summary.statement_types.first().ok_or("empty statement")?;
            let mut node = empty_node(kind).ok_or_else(|| format!("unknown statement kind {kind}"))?;
            refine_from_tokens(&mut node, sql);
            Ok(node)
        }
        Err(pg_query::Error::Parse(message)) => Err(message),
        Err(e) => Err(e.to_string()),
    }
}

/// False for the statements PostgreSQL refuses inside a transaction block.
fn runs_in_transaction(node: &NodeEnum) -> bool {
    use NodeEnum as N;
    match node {
        N::IndexStmt(s) => !s.concurrent,
        N::DropStmt(s) => !s.concurrent,
        N::ReindexStmt(s) => !s.params.iter().any(|p| is_option(p, "concurrently")),
        N::AlterTableStmt(s) => !detaches_concurrently(s),
        // VACUUM (but not a bare ANALYZE) refuses transaction blocks.
        N::VacuumStmt(s) => !s.is_vacuumcmd,
        // CLUSTER without a table processes every table, each in its own transaction.
        N::ClusterStmt(s) => s.relation.is_some(),
        N::CreatedbStmt(_)
        | N::DropdbStmt(_)
        | N::AlterSystemStmt(_)
        | N::CreateTableSpaceStmt(_)
        | N::DropTableSpaceStmt(_) => false,
        N::CreateSubscriptionStmt(s) => {
            s.options.iter().any(|o| option_is_false(o, "connect") || option_is_false(o, "create_slot"))
        }
        N::AlterSubscriptionStmt(s) => !matches!(
            AlterSubscriptionType::try_from(s.kind),
            Ok(AlterSubscriptionType::AlterSubscriptionRefresh
                | AlterSubscriptionType::AlterSubscriptionSetPublication
                | AlterSubscriptionType::AlterSubscriptionAddPublication
                | AlterSubscriptionType::AlterSubscriptionDropPublication)
        ),
        N::DropSubscriptionStmt(_) => false,
        _ => true,
    }
}

/// A `DefElem` option named `name` that is on (a bare `CONCURRENTLY` has no argument).
fn is_option(option: &protobuf::Node, name: &str) -> bool {
    matches!(&option.node, Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name))
        && !option_is_false(option, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<(String, bool)> {
        split_script(Path::new("r.sql"), text).unwrap().into_iter().map(|s| (s.sql, s.transactional)).collect()
    }

    #[test]
    fn keeps_data_changes_and_marks_concurrent_statements() {
        let got = split(
            "ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 1; -- backfill\n\
             CREATE INDEX CONCURRENTLY i ON t (c);\nDROP INDEX CONCURRENTLY j;\nREINDEX INDEX CONCURRENTLY k;\n\
             VACUUM t;\nANALYZE t;\nDELETE FROM t WHERE c IS NULL",
        );
        let expected = [
            ("ALTER TABLE t ADD COLUMN c int", true),
            ("UPDATE t SET c = 1", true),
            ("CREATE INDEX CONCURRENTLY i ON t (c)", false),
            ("DROP INDEX CONCURRENTLY j", false),
            ("REINDEX INDEX CONCURRENTLY k", false),
            ("VACUUM t", false),
            ("ANALYZE t", true),
            ("DELETE FROM t WHERE c IS NULL", true),
        ];
        assert_eq!(got, expected.map(|(s, t)| (s.to_string(), t)));
    }

    #[test]
    fn refuses_transaction_control_with_its_position() {
        let err = split_script(Path::new("r.sql"), "SELECT 1;\n  COMMIT;").unwrap_err().to_string();
        assert!(err.starts_with("r.sql:2:3: transaction control is not allowed in a revision"), "{err}");
    }

    #[test]
    fn reports_syntax_errors_at_their_position() {
        let err = split_script(Path::new("r.sql"), "UPDATE t SET c = 1;\nUPDTE t;").unwrap_err().to_string();
        assert_eq!(err, "r.sql:2:1: syntax error at or near \"UPDTE\"");
    }

    #[test]
    fn meta_commands_are_errors_not_skipped() {
        assert!(split_script(Path::new("r.sql"), "\\i other.sql\nSELECT 1;").is_err());
    }
}
