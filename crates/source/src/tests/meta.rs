//! psql meta-commands in schema files, and the cost of splitting large files.

use super::{parse, parse_err};
use crate::ffi::BYTES_SPLIT;
use crate::Error;

/// (line, column, message) of a meta-command error.
fn meta(text: &str) -> (usize, usize, String) {
    match parse_err(text) {
        Error::MetaCommand { line, column, message, .. } => (line, column, message),
        e => panic!("expected a meta-command error, got {e}"),
    }
}

/// Bytes the parser was handed while `f` ran (this thread only).
fn bytes_split<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = BYTES_SPLIT.with(|n| n.get());
    let out = f();
    (out, BYTES_SPLIT.with(|n| n.get()) - before)
}

#[test]
fn includes_are_refused_and_point_to_the_schema_directory() {
    let text = "CREATE TABLE a (x int);\n\n\\i other.sql\nCREATE TABLE b (y int);\n";
    let (line, column, message) = meta(text);
    assert_eq!((line, column), (3, 1));
    assert!(message.contains("`\\i`") && message.contains("`other.sql` in schema/"), "{message}");
    for command in ["\\ir", "\\include", "\\include_relative"] {
        let (line, column, message) = meta(&format!("CREATE TABLE a (x int);\n  {command} sub/b.sql\n"));
        assert_eq!((line, column), (2, 3), "{command}");
        assert!(message.contains("schema/"), "{message}");
    }
    let e = parse_err("\\i other.sql\n");
    assert!(e.to_string().starts_with("schema/test.sql:1:1: psql meta-command `\\i`"), "{e}");
}

#[test]
fn every_other_meta_command_is_refused_where_it_stands() {
    for (text, at) in [
        ("\\set x 1\nCREATE TABLE a (x int);\n", (1, 1)),
        ("CREATE TABLE a (x int);\n\\connect other\n", (2, 1)),
        ("CREATE TABLE a (x int);\n\t\\echo hi\n", (2, 2)),
        ("CREATE TABLE é (x int)\n\\gset\n", (2, 1)),
        // In the middle of a statement: psql would run it there too.
        ("CREATE TABLE a (\n\\set x 1\n  x int);\n", (2, 1)),
        ("CREATE TABLE a (x int);\n\\\n", (2, 1)),
    ] {
        let (line, column, message) = meta(text);
        assert_eq!((line, column), at, "{text:?}: {message}");
        assert!(message.contains("not SQL") && message.contains("remove the line"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    // The command is named, escaped and shortened.
    let (_, _, message) = meta("\\set\u{7}x 1\n");
    assert!(message.contains("`\\set\\u{7}x`"), "{message}");
    // After other text on the line: psql reads a meta-command there too.
    let (line, column, message) = meta("CREATE TABLE t (x int);\nCREATE TABLE u (x int) \\i u.sql\n");
    assert_eq!((line, column), (2, 24));
    assert!(message.contains("`u.sql` in schema/"), "{message}");
    let (_, _, message) = meta("CREATE TABLE t (x int \\set k);");
    assert!(message.ends_with("remove it"), "{message}");
    // Inside literals, comments and bodies a backslash is text.
    let text = "CREATE TABLE t (x text DEFAULT E'\\n\\i x' CHECK (x <> '\\'));\n/*\n\\i y.sql\n*/\n-- \\set z\n\
                CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n\\i z.sql\nSELECT 'a' $$;\n";
    assert_eq!(parse(text).len(), 2);
    // An unterminated quote in a meta-command's argument hides nothing that follows.
    let (line, column, _) = meta("CREATE TABLE t (x int);\n\\echo it's\nCREATE TABLE u (x int);\n");
    assert_eq!((line, column), (2, 1));
}

#[test]
fn pg_dump_guards_are_skipped_between_statements_on_lines_of_their_own() {
    let stmts = parse("\\restrict k1\nCREATE TABLE a (x int);\n\\unrestrict k1\n\\restrict k2\nCREATE TABLE b (x int)\n\\unrestrict k2\n");
    let at: Vec<(usize, usize)> = stmts.iter().map(|s| (s.line, s.column)).collect();
    assert_eq!(at, [(2, 1), (5, 1)]);
    assert_eq!(stmts[1].sql, "CREATE TABLE b (x int)");
    // Statements are kept as written: no guard inside one.
    let (line, column, message) = meta("CREATE TABLE a (\n\\restrict k\n  x int);\n");
    assert_eq!((line, column), (2, 1));
    assert!(message.contains("inside a statement"), "{message}");
    // After a statement's last token, before its `;`, the statement is whole.
    let stmts = parse("CREATE TABLE a (x int);\nCREATE TABLE b (x int) -- c\n\\unrestrict k\n;");
    assert_eq!(stmts[1].sql, "CREATE TABLE b (x int)");
    let (line, column, message) = meta("CREATE TABLE a (x int); \\unrestrict k\n");
    assert_eq!((line, column), (1, 25));
    assert!(message.contains("only on lines of their own"), "{message}");
}

/// `n` two-column tables, one per line (63 bytes each for n <= 100 000).
fn tables(n: usize) -> String {
    (0..n).map(|i| format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL);\n")).collect()
}

#[test]
fn splitting_parses_each_byte_a_bounded_number_of_times() {
    // Many guard lines: each used to cost a parse of the whole file.
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!("\\restrict k{i}\nCREATE TABLE t{i} (id int);\n\\unrestrict k{i}\n"));
    }
    let (stmts, bytes) = bytes_split(|| parse(&text));
    assert_eq!(stmts.len(), 2000);
    // One parse (the meta-commands are found by one scan of the file, not by parsing).
    assert_eq!(bytes, text.len());

    // Many meta-commands: the first one is the error, whatever follows.
    let text = format!("{}{}", tables(2000), "\\set x 1\n".repeat(2000));
    let (e, bytes) = bytes_split(|| parse_err(&text));
    assert!(matches!(e, Error::MetaCommand { line: 2001, column: 1, .. }), "{e}");
    assert!(bytes <= text.len(), "{bytes} bytes parsed for a {}-byte file", text.len());

    // A file without meta-commands is parsed once.
    let text = tables(2000);
    let (_, bytes) = bytes_split(|| parse(&text));
    assert_eq!(bytes, text.len());
}

#[test]
fn one_long_line_is_located_in_linear_time() {
    // Minified SQL: every statement on line 1. Positions are counted from the previous
    // statement, not from the line start (which made this quadratic in the line length).
    let text: String = (0..20_000).map(|i| format!("CREATE TABLE t{i} (id int); ")).collect();
    let stmts = parse(&text);
    let last = stmts.last().unwrap();
    assert_eq!((last.line, last.column), (1, text.rfind("CREATE").unwrap() + 1));
}

/// Not a timing assertion: prints how long reading, splitting, classifying and ordering a 2 MB
/// and a 20 MB file take, so that a regression to quadratic time shows as a ratio far above
/// 10. Run with `cargo test -p schemactl-source --release -- --ignored --nocapture large_files`.
#[test]
#[ignore = "slow in debug builds; run on demand to measure"]
fn large_files_load_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut times = Vec::new();
    for n in [32_000, 320_000] {
        let text = tables(n);
        let path = dir.path().join(format!("t{n}.sql"));
        std::fs::write(&path, &text).unwrap();
        let started = std::time::Instant::now();
        let stmts = crate::load_sql_files(&path).unwrap();
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(stmts.len(), n);
        eprintln!("{:.1} MB, {n} statements: {elapsed:.2} s", text.len() as f64 / 1e6);
        times.push(elapsed);
    }
    eprintln!("ratio for 10x the size: {:.1}", times[1] / times[0]);

    // The case: 64 `\set` lines at the end of a large file (each used to cost a parse
    // of the whole file). Now one scan finds the first, and that is the error.
    let text = format!("{}{}", tables(320_000), "\\set x 1\n".repeat(64));
    let path = dir.path().join("set.sql");
    std::fs::write(&path, &text).unwrap();
    let started = std::time::Instant::now();
    let e = crate::load_sql_files(&path).unwrap_err();
    assert!(matches!(e, Error::MetaCommand { line: 320_001, column: 1, .. }), "{e}");
    eprintln!(
        "{:.1} MB ending in 64 \\set lines: refused in {:.2} s",
        text.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}
