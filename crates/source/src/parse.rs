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
    /// A `DROP ... IF EXISTS`, kept only until `drops::settle` decides about it.
    pub dropped: Option<crate::drops::Dropped>,
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
        Error::Syntax { file: file.to_path_buf(), line, column, message }
    };
    // libpg_query reads C strings: a NUL would silently end the file early.
    if let Some(nul) = text.find('\0') {
        return Err(syntax(nul, "unexpected NUL byte (schema files are text)".into()));
    }

    let Split { spans, tokens, .. } = split_skipping_meta_commands(text).map_err(|e| match e {
        SplitError::Syntax(e, at) => syntax(at, explain(e.message)),
        SplitError::MetaCommand(at, message) => {
            let (line, column) = index.position(at);
            Error::MetaCommand { file: file.to_path_buf(), line, column, message }
        }
    })?;

    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let start = floor_char_boundary(text, span.start);
        let end = statement_end(text, start, span.end, &tokens);
        let sql = &text[start..end];
        let analysis = analyze(sql).map_err(|message| syntax(start, explain(message)))?;
        let (line, column) = index.position(start);
        let file = file.to_path_buf();
        let statement = |transactional| Statement {
            sql: sql.to_string(),
            file: file.clone(),
            line,
            column,
            kind: analysis.kind.clone(),
            transactional,
            origins: Vec::new(),
        };
        match analysis.verdict {
            Verdict::Skip => {}
            Verdict::Keep { transactional } => {
                out.push(Parsed { statement: statement(transactional), deps: analysis.deps, dropped: None })
            }
            Verdict::DropIfExists(dropped) => {
                out.push(Parsed { statement: statement(true), deps: Deps::default(), dropped: Some(dropped) })
            }
            Verdict::NotSchema(statement) => return Err(Error::NotSchema { file, line, column, statement }),
            Verdict::Unsupported { statement, reason } => {
                return Err(Error::Unsupported { file, line, column, statement, reason: reason.to_string() })
            }
        }
    }
    Ok(out)
}

/// The only psql meta-commands a schema file may hold: pg_dump (since 17.6 / 16.10 / 15.14 /
/// 14.19 / 13.22) writes `\restrict <key>` and `\unrestrict <key>` around every plain-text
/// dump. They only stop psql from running other meta-commands in between, so skipping them
/// changes nothing a dump declares.
const DUMP_GUARDS: &[&str] = &["\\restrict", "\\unrestrict"];

/// Why a file could not be split into statements.
pub(crate) enum SplitError {
    /// The parser's error, at this byte offset.
    Syntax(ffi::ParseError, usize),
    /// A psql meta-command (other than pg_dump's guards) at this byte offset, and what to say
    /// about it.
    MetaCommand(usize, String),
}

/// A file split into statements.
pub(crate) struct Split<'a> {
    pub spans: Vec<ffi::Span>,
    /// The text the spans index: the file, with skipped lines blanked to spaces (same length,
    /// so offsets are unchanged).
    pub text: std::borrow::Cow<'a, str>,
    /// The scanner's tokens of `text` (none for a text of whitespace only).
    pub tokens: Vec<ScanToken>,
}

/// Splits `text` into statements, skipping pg_dump's `\restrict` and `\unrestrict` lines and
/// refusing every other psql meta-command (`\i`, `\set`, `\connect`...): psql would run them,
/// schemactl cannot, and dropping them silently would load something other than what the file
/// says.
///
/// One scan finds them: outside literals and comments (each a token of its own), a backslash
/// is a token only where psql would read a meta-command. The guard lines (allowed between
/// statements only) are blanked, then the text is split once. Time stays linear in the file size however many lines there are (it
/// used to split the whole file again after each one).
pub(crate) fn split_skipping_meta_commands(text: &str) -> std::result::Result<Split<'_>, SplitError> {
    // A text of whitespace only has no token, and `scan_tokens` must not be called on it
    // (see `parse_file`).
    let scanned = if text.trim().is_empty() { Ok(Vec::new()) } else { pg_query::scan_tokens(text) };
    let mut current = std::borrow::Cow::Borrowed(text);
    // A scanner error (an unterminated literal) is the parser's to report, below.
    let mut tokens = scanned.unwrap_or_default();
    let mut blanked_until = 0;
    // Where the skipped lines start, in file order.
    let mut skipped = Vec::new();
    for token in tokens.iter().filter(|t| t.token == Token::Ascii92 as i32) {
        let at = floor_char_boundary(text, usize::try_from(token.start).unwrap_or(0));
        if at < blanked_until {
            continue;
        }
        let (line_start, line_end) = line_around(text, at);
        let command = command_at(text, at, line_end);
        if !DUMP_GUARDS.contains(&command) || !text[line_start..at].trim().is_empty() {
            return Err(SplitError::MetaCommand(at, meta_command_message(text, at)));
        }
        current.to_mut().replace_range(line_start..line_end, &" ".repeat(line_end - line_start));
        blanked_until = line_end;
        skipped.push(at);
    }
    if blanked_until > 0 {
        tokens =
            if current.trim().is_empty() { Vec::new() } else { pg_query::scan_tokens(&current).unwrap_or_default() };
    }
    match ffi::split(&current) {
        Ok(spans) => {
            // Statements are kept exactly as written, so a skipped line may only stand between
            // them (pg_dump never writes one inside a statement). Both lists are in file order.
            let mut spans_left = spans.iter().peekable();
            for &at in &skipped {
                let ends =
                    |s: &ffi::Span| statement_end(&current, floor_char_boundary(&current, s.start), s.end, &tokens);
                while spans_left.peek().is_some_and(|s| ends(s) <= at) {
                    spans_left.next();
                }
                if spans_left.peek().is_some_and(|s| s.start < at) {
                    let command = command_at(text, at, line_around(text, at).1);
                    let message = format!(
                        "psql meta-command {} inside a statement; schemactl skips pg_dump's \\restrict and \\unrestrict \
                         only between statements",
                        shown(command)
                    );
                    return Err(SplitError::MetaCommand(at, message));
                }
            }
            Ok(Split { spans, text: current, tokens })
        }
        Err(error) => {
            let at = error_byte(&current, &error);
            // A backslash the scan did not reach (it failed on an earlier quote): psql would
            // still read a meta-command there.
            if current[at..].starts_with('\\') {
                return Err(SplitError::MetaCommand(at, meta_command_message(&current, at)));
            }
            Err(SplitError::Syntax(error, at))
        }
    }
}

/// Byte offsets of the start and end (before its newline) of the line holding `at`.
fn line_around(text: &str, at: usize) -> (usize, usize) {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    (start, end)
}

/// The meta-command at `at` (a backslash): up to the next whitespace or backslash, as psql
/// reads it.
fn command_at(text: &str, at: usize, line_end: usize) -> &str {
    let rest = &text[at + 1..line_end];
    let len = rest.find(|c: char| c.is_whitespace() || c == '\\').unwrap_or(rest.len());
    &text[at..at + 1 + len]
}

/// What to say about the psql meta-command at `at`.
fn meta_command_message(text: &str, at: usize) -> String {
    let (line_start, line_end) = line_around(text, at);
    let command = command_at(text, at, line_end);
    let argument = text[at + command.len()..line_end].split('\\').next().unwrap_or_default().trim();
    match command {
        "\\i" | "\\ir" | "\\include" | "\\include_relative" => {
            let file = if argument.is_empty() { "the file".to_string() } else { shown(argument) };
            format!(
                "psql meta-command {} (include a file) is not run by schemactl: put {file} in schema/ instead \
                 (every *.sql file below the schema directory is loaded, in dependency order)",
                shown(command)
            )
        }
        _ if DUMP_GUARDS.contains(&command) => format!(
            "psql meta-command {} after other text on its line; schemactl skips pg_dump's \\restrict and \
             \\unrestrict only on lines of their own",
            shown(command)
        ),
        _ => format!(
            "psql meta-command {} is not SQL and schemactl does not run it (schema files hold SQL statements \
             only: no \\set variables, \\connect, \\echo or other psql commands); remove {}",
            shown(command),
            if text[line_start..at].trim().is_empty() { "the line" } else { "it" }
        ),
    }
}

/// User text quoted for a message: on one line, control characters escaped, and not too long.
fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    for c in text.chars().take(MAX_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push_str("...");
    }
    format!("`{out}`")
}

/// Adds what the parser's terser messages mean for a schema file.
pub(crate) fn explain(message: String) -> String {
    if message == "stack depth limit exceeded" || message.starts_with("memory exhausted") {
        format!("{message} (the statement is nested too deeply for the parser)")
    } else {
        message
    }
}

/// Where a statement ends: just after its last token, so trailing comments
/// and whitespace before the `;` are not part of it.
pub(crate) fn statement_end(text: &str, start: usize, end: usize, tokens: &[ScanToken]) -> usize {
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
pub(crate) fn error_byte(text: &str, error: &ffi::ParseError) -> usize {
    let byte = if error.cursorpos > 0 { byte_of_char(text, error.cursorpos) } else { locate_unpositioned(text, error) };
    // "syntax error at end of input": point just past the last token rather
    // than at trailing blank lines.
    byte.min(text.trim_end().len())
}

/// A few errors come without a cursor (e.g. an `E'\xff'` escape producing
/// invalid UTF-8). Find the shortest prefix of the text that still fails
/// with the same error: it ends with the offending token.
fn locate_unpositioned(text: &str, error: &ffi::ParseError) -> usize {
    let same_error =
        |len: usize| ffi::split(&text[..len]).is_err_and(|e| e.cursorpos == 0 && e.message == error.message);
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
            Ok(Analysis { kind: node_kind(node).to_string(), verdict: classify(node), deps: deps::of_statement(node) })
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
pub(crate) fn refine_from_tokens(node: &mut NodeEnum, sql: &str) {
    // `sql` is one statement, so it has tokens (see `parse_file`).
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
            s.concurrent =
                tokens.iter().take_while(|&&t| t != Token::On as i32).any(|&t| t == Token::Concurrently as i32);
        }
        _ => {}
    }
}

/// Dependency facts of a statement's text (none if it does not parse).
pub(crate) fn deps_of_sql(sql: &str) -> Deps {
    analyze(sql).map(|a| a.deps).unwrap_or_default()
}
