//! Direct calls into libpg_query for what pg_query.rs does not expose.
//!
//! pg_query.rs turns parser errors into a bare message and drops
//! `cursorpos`, the position PostgreSQL reports with every syntax error. The C
//! library is statically linked into the `pg_query` crate, so declaring the
//! functions we need here is enough to call them.
//!
//! We use `pg_query_split_with_parser`: it runs the real parser (so comments,
//! dollar quotes, `BEGIN ATOMIC` bodies and `;` inside strings are handled
//! exactly as the server would) and returns either statement boundaries or
//! the error with its cursor position, without serializing the parse tree.

use std::ffi::{c_char, c_int, CStr, CString};

/// `PgQueryError` from libpg_query's `pg_query.h`.
#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

/// `PgQuerySplitStmt` from `pg_query.h`.
#[repr(C)]
struct PgQuerySplitStmt {
    stmt_location: c_int,
    stmt_len: c_int,
}

/// `PgQuerySplitResult` from `pg_query.h`.
#[repr(C)]
struct PgQuerySplitResult {
    stmts: *mut *mut PgQuerySplitStmt,
    n_stmts: c_int,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

extern "C" {
    fn pg_query_split_with_parser(input: *const c_char) -> PgQuerySplitResult;
    fn pg_query_free_split_result(result: PgQuerySplitResult);
}

/// A parser error as libpg_query reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub message: String,
    /// 1-based character offset into the input; 0 when the parser gave none.
    pub cursorpos: usize,
}

/// One statement's extent, in bytes of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// Byte offset of the statement's first token (leading comments excluded).
    pub start: usize,
    /// Byte offset just past the statement (before its `;`, or the input end).
    pub end: usize,
}

#[cfg(test)]
thread_local! {
    /// Bytes handed to the parser by [`split`] on this thread: tests check that splitting a
    /// file parses it a bounded number of times, whatever it holds, without timing anything.
    pub(crate) static BYTES_SPLIT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Splits `input` into statements with PostgreSQL's parser.
///
/// Empty statements (`;;`) are not reported. The caller must ensure `input`
/// has no NUL byte and is shorter than `i32::MAX` bytes.
pub(crate) fn split(input: &str) -> Result<Vec<Span>, ParseError> {
    #[cfg(test)]
    BYTES_SPLIT.with(|n| n.set(n.get() + input.len()));
    let Ok(c_input) = CString::new(input) else {
        return Err(ParseError { message: "unexpected NUL byte".into(), cursorpos: 0 });
    };
    // SAFETY: `c_input` is NUL-terminated and outlives the call. The result
    // is only read as pg_query.h documents it and freed exactly once.
    unsafe {
        let result = pg_query_split_with_parser(c_input.as_ptr());
        let outcome = if !result.error.is_null() {
            let e = &*result.error;
            let message = if e.message.is_null() {
                String::from("syntax error")
            } else {
                CStr::from_ptr(e.message).to_string_lossy().into_owned()
            };
            Err(ParseError { message, cursorpos: usize::try_from(e.cursorpos).unwrap_or(0) })
        } else {
            let n = if result.stmts.is_null() { 0 } else { usize::try_from(result.n_stmts).unwrap_or(0) };
            let mut spans = Vec::with_capacity(n);
            for i in 0..n {
                let stmt = *result.stmts.add(i);
                if stmt.is_null() {
                    continue;
                }
                let start = usize::try_from((*stmt).stmt_location).unwrap_or(0);
                let len = usize::try_from((*stmt).stmt_len).unwrap_or(0);
                // The C side already turned "0 = up to the end" into a length.
                let end = start.saturating_add(len).min(input.len());
                spans.push(Span { start: start.min(end), end });
            }
            Ok(spans)
        };
        pg_query_free_split_result(result);
        outcome
    }
}
