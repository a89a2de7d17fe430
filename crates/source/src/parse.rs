//! Splitting one file into statements and classifying them.

use std::path::Path;

use pg_query::protobuf::{ScanToken, Token};
use pg_query::NodeEnum;

use crate::classify::{classify, Verdict};
use crate::deps::{self, Deps};
use crate::error::{Error, Result};
use crate::ffi;
use crate::text::{byte_of_char, floor_char_boundary, LineIndex};
use crate::walk::{empty_node, node_kind};
use crate::Statement;

/// Larger inputs are refused: libpg_query addresses its input with C `int`s
/// and allocates several copies of it, and no schema file is this large.
const MAX_SOURCE_BYTES: usize = 256 << 20;

/// A kept statement with its dependency facts, so that loading does not parse
/// every statement a second time to order it.
pub(crate) struct Parsed {
    pub statement: Statement,
    pub deps: Deps,
}

/// Splits and classifies one file's text; see [`crate::parse_source`].
pub(crate) fn parse_file(file: &Path, text: &str) -> Result<Vec<Parsed>> {
    // An editor's byte order mark is neither SQL nor a column.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_SOURCE_BYTES {
        return Err(Error::Io {
            path: file.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("file is larger than {} MiB", MAX_SOURCE_BYTES >> 20),
            ),
        });
    }
    let index = LineIndex::new(text);
    let syntax = |byte: usize, message: String| {
        let (line, column) = index.position(byte);
        Error::Syntax {
            file: file.to_path_buf(),
            line,
            column,
            message,
        }
    };
    // libpg_query reads C strings: a NUL would silently end the file early.
    if let Some(nul) = text.find('\0') {
        return Err(syntax(nul, "unexpected NUL byte (schema files are text)".into()));
    }

    let spans = ffi::split(text).map_err(|e| syntax(error_byte(text, &e), e.message))?;
    let tokens = pg_query::scan_tokens(text).unwrap_or_default();

    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let start = floor_char_boundary(text, span.start);
        let end = statement_end(text, start, span.end, &tokens);
        let sql = &text[start..end];
        let analysis = analyze(sql).map_err(|message| syntax(start, message))?;
        let (line, column) = index.position(start);
        let refuse_at = |statement| (file.to_path_buf(), line, column, statement);
        match analysis.verdict {
            Verdict::Skip => {}
            Verdict::Keep { transactional } => out.push(Parsed {
                statement: Statement {
                    sql: sql.to_string(),
                    file: file.to_path_buf(),
                    line,
                    column,
                    kind: analysis.kind,
                    transactional,
                },
                deps: analysis.deps,
            }),
            Verdict::NotSchema(statement) => {
                let (file, line, column, statement) = refuse_at(statement);
                return Err(Error::NotSchema {
                    file,
                    line,
                    column,
                    statement,
                });
            }
            Verdict::Unsupported { statement, reason } => {
                let (file, line, column, statement) = refuse_at(statement);
                return Err(Error::Unsupported {
                    file,
                    line,
                    column,
                    statement,
                    reason: reason.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Where a statement ends: just after its last token, so trailing comments
/// and whitespace before the `;` are not part of it.
fn statement_end(text: &str, start: usize, end: usize, tokens: &[ScanToken]) -> usize {
    let end = floor_char_boundary(text, end).max(start);
    let is_comment = |t: &ScanToken| t.token == Token::SqlComment as i32 || t.token == Token::CComment as i32;
    let before_end = tokens.partition_point(|t| usize::try_from(t.start).unwrap_or(0) < end);
    let last = tokens[..before_end]
        .iter()
        .rev()
        .take_while(|t| usize::try_from(t.start).unwrap_or(0) >= start)
        .find(|t| !is_comment(t));
    match last.and_then(|t| usize::try_from(t.end).ok()) {
        Some(token_end) if token_end > start && token_end <= end => floor_char_boundary(text, token_end),
        _ => start + text[start..end].trim_end().len(),
    }
}

/// Byte offset to report for a parser error.
fn error_byte(text: &str, error: &ffi::ParseError) -> usize {
    let byte = if error.cursorpos > 0 {
        byte_of_char(text, error.cursorpos)
    } else {
        locate_unpositioned(text, error)
    };
    // "syntax error at end of input": point just past the last token rather
    // than at trailing blank lines.
    byte.min(text.trim_end().len())
}

/// A few errors come without a cursor (e.g. an `E'\xff'` escape producing
/// invalid UTF-8). Find the shortest prefix of the text that still fails
/// with the same error: it ends with the offending token.
fn locate_unpositioned(text: &str, error: &ffi::ParseError) -> usize {
    let same_error = |len: usize| {
        ffi::split(&text[..len]).is_err_and(|e| e.cursorpos == 0 && e.message == error.message)
    };
    let (mut good, mut bad) = (0, text.len());
    while bad - good > 1 {
        let mid = floor_char_boundary(text, good + (bad - good) / 2);
        if mid <= good {
            break;
        }
        if same_error(mid) {
            bad = mid;
        } else {
            good = mid;
        }
    }
    // The prefix one character shorter usually reports an unterminated
    // literal, with its start as cursor: the best position we can give.
    let shorter = floor_char_boundary(text, bad.saturating_sub(1));
    match ffi::split(&text[..shorter]) {
        Err(e) if e.cursorpos > 0 => byte_of_char(text, e.cursorpos).min(shorter),
        _ => shorter,
    }
}

/// What one statement is, and what it depends on.
pub(crate) struct Analysis {
    pub kind: String,
    pub verdict: Verdict,
    pub deps: Deps,
}

/// Parses one statement's text. The error is the parser's message.
pub(crate) fn analyze(sql: &str) -> std::result::Result<Analysis, String> {
    match pg_query::parse(sql, 0) {
        Ok(parsed) => {
            let node = parsed
                .protobuf
                .stmts
                .first()
                .and_then(|s| s.stmt.as_ref())
                .and_then(|s| s.node.as_ref())
                .ok_or("empty statement")?;
            Ok(Analysis {
                kind: node_kind(node).to_string(),
                verdict: classify(node),
                deps: deps::of_statement(node),
            })
        }
        // pg_query.rs cannot decode trees nested deeper than prost's recursion
        // limit (about 50 chained operators, e.g. a long `a || b || ...`).
        // libpg_query's summary is flat: it still names the statement kind and
        // the tables and functions it uses.
        Err(pg_query::Error::Decode(_)) => {
            let summary = pg_query::summary(sql, 0, -1).map_err(|e| e.to_string())?;
            let kind = summary.statement_types.first().ok_or("empty statement")?;
            let mut node = empty_node(kind).ok_or_else(|| format!("unknown statement kind {kind}"))?;
            refine_from_tokens(&mut node, sql);
            Ok(Analysis {
                kind: node_kind(&node).to_string(),
                verdict: classify(&node),
                deps: deps::of_summary(&node, &summary.protobuf),
            })
        }
        Err(pg_query::Error::Parse(message)) => Err(message),
        Err(e) => Err(e.to_string()),
    }
}

/// Restores, from the keywords, the few node fields classification reads, for
/// statements we only know by kind (see [`analyze`]).
fn refine_from_tokens(node: &mut NodeEnum, sql: &str) {
    let tokens: Vec<i32> = pg_query::scan_tokens(sql)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.token)
        .filter(|&t| t != Token::SqlComment as i32 && t != Token::CComment as i32)
        .collect();
    match node {
        // CREATE [UNLOGGED] MATERIALIZED VIEW
        NodeEnum::CreateTableAsStmt(s) if tokens.iter().take(3).any(|&t| t == Token::Materialized as i32) => {
            s.objtype = pg_query::protobuf::ObjectType::ObjectMatview as i32;
        }
        // CREATE [UNIQUE] INDEX CONCURRENTLY ... ON
        NodeEnum::IndexStmt(s) => {
            s.concurrent = tokens
                .iter()
                .take_while(|&&t| t != Token::On as i32)
                .any(|&t| t == Token::Concurrently as i32);
        }
        _ => {}
    }
}

/// Dependency facts of a statement's text (none if it does not parse).
pub(crate) fn deps_of_sql(sql: &str) -> Deps {
    analyze(sql).map(|a| a.deps).unwrap_or_default()
}
