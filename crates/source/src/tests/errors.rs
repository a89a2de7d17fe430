use super::parse_err;
use crate::Error;

/// (line, column, message) of a syntax error.
fn syntax(text: &str) -> (usize, usize, String) {
    match parse_err(text) {
        Error::Syntax { line, column, message, .. } => (line, column, message),
        e => panic!("expected a syntax error, got {e}"),
    }
}

#[test]
fn syntax_error_position_is_exact() {
    let text = "CREATE TABLE a (x int);\n\n-- oops\nCREATE TABEL b (y int);\n";
    assert_eq!(syntax(text), (4, 8, "syntax error at or near \"TABEL\"".into()));
    let text = "CREATE TABLE a (x int);\n\nCREATE TABLE b (\n  y int,\n  z int,,\n);\n";
    assert_eq!(syntax(text), (5, 9, "syntax error at or near \",\"".into()));
    assert_eq!(syntax("\t SELEC 1;"), (1, 3, "syntax error at or near \"SELEC\"".into()));
    let text = "CREATE TABLE a (x int);\r\nCREATE TABLE b (y int) WITH OIDZ;\r\n";
    assert_eq!(syntax(text).0, 2);
}

#[test]
fn syntax_error_after_multibyte_characters() {
    // Columns count characters: é, — and 😀 are 2, 3 and 4 bytes long.
    let text = "COMMENT ON TABLE t IS 'é — 😀'; CREATE TABEL x ();";
    // 44 bytes before TABEL, but 38 characters.
    assert_eq!(text.find("TABEL"), Some(44));
    assert_eq!(syntax(text), (1, 39, "syntax error at or near \"TABEL\"".into()));
    let text = "CREATE TABLE t (\n  naïve_😀 int,\n  é😀 intt intt\n);";
    assert_eq!(syntax(text), (3, 11, "syntax error at or near \"intt\"".into()));
}

#[test]
fn display_is_path_line_column() {
    let e = parse_err("\n\nCREATE TABLE ok (x int);\nCREATE TABEL users ();");
    assert_eq!(e.to_string(), "schema/test.sql:4:8: syntax error at or near \"TABEL\"");
}

#[test]
fn errors_at_end_of_input_point_after_the_last_token() {
    let (line, column, message) = syntax("CREATE TABLE t (x int\n\n\n");
    assert_eq!((line, column), (1, 22));
    assert_eq!(message, "syntax error at end of input");
    let (line, column, message) = syntax("CREATE TABLE t (x int);\nCOMMENT ON TABLE t IS 'unterminated\n\n");
    assert_eq!((line, column), (2, 23));
    assert!(message.starts_with("unterminated quoted string"), "{message}");
    let (line, column, _) = syntax("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1\n");
    assert_eq!((line, column), (1, 36));
}

#[test]
fn errors_without_a_cursor_are_located() {
    // Invalid UTF-8 built from an escape: PostgreSQL reports no position.
    let text = "CREATE TABLE t (x int);\nCOMMENT ON TABLE t IS E'ab\\xff';\nCREATE TABLE u (y int);";
    let (line, column, message) = syntax(text);
    assert!(message.contains("invalid byte sequence"), "{message}");
    assert_eq!(line, 2);
    assert!((23..=31).contains(&column), "column {column}");
}

#[test]
fn nul_bytes_are_refused_with_their_position() {
    let (line, column, message) = syntax("CREATE TABLE t (x int);\nCREATE\0 TABLE u ();");
    assert_eq!((line, column), (2, 7));
    assert!(message.contains("NUL"));
}

#[test]
fn refused_statements_name_the_statement_and_position() {
    let e = parse_err("CREATE TABLE t (x int);\n\n  INSERT INTO t VALUES (1);");
    assert!(matches!(&e, Error::NotSchema { line: 3, column: 3, statement, .. } if statement == "INSERT"));
    assert_eq!(
        e.to_string(),
        "schema/test.sql:3:3: INSERT is not a schema statement; schema files declare the desired state (data changes belong in a migration revision)"
    );
    let e = parse_err("CREATE TABLE t (x int);\nUPDATE t SET x = 2;");
    assert!(matches!(&e, Error::NotSchema { line: 2, column: 1, statement, .. } if statement == "UPDATE"));
    let e = parse_err("CREATE TABLE t (x int);\n/* bye */ DROP TABLE t;");
    assert!(matches!(&e, Error::NotSchema { line: 2, column: 11, statement, .. } if statement == "DROP TABLE"));
    assert!(e.to_string().contains("delete its CREATE statement"), "{e}");
}
