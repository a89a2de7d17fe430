//! Other formats (`Format`) loaded alongside SQL, and positions through `Origin`s.

use std::fs;
use std::path::Path;

use crate::{load_files_with_formats, Error, Format, FormatError, FormatOutput, Origin, Statement};

/// `*.lines` files: every line is one statement, its origin the line itself.
struct Lines;

impl Format for Lines {
    fn accepts(&self, path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "lines")
    }

    fn read(&self, file: &Path, text: &str) -> Result<FormatOutput, FormatError> {
        if text.contains("refuse") {
            return Err(format!("{}:1:1: refused", file.display()).into());
        }
        let statements = text
            .lines()
            .enumerate()
            .map(|(i, sql)| Statement {
                sql: sql.to_string(),
                file: file.to_path_buf(),
                line: i + 1,
                column: 1,
                origins: vec![Origin { offset: 0, line: i + 1, column: 1, verbatim: true }],
                ..Default::default()
            })
            .collect();
        Ok(FormatOutput { statements, renames: Vec::new() })
    }
}

#[test]
fn other_formats_are_ordered_together_with_sql() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.lines"), "CREATE TABLE app.t (m app.mood)\n").unwrap();
    fs::write(
        dir.path().join("b.sql"),
        "CREATE TYPE app.mood AS ENUM ('ok');\nCREATE VIEW app.v AS SELECT * FROM app.t;",
    )
    .unwrap();
    fs::write(dir.path().join("c.lines"), "CREATE SCHEMA app\n").unwrap();
    let (stmts, _) = load_files_with_formats(dir.path(), &[&Lines]).unwrap();
    let sql: Vec<&str> = stmts.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "CREATE SCHEMA app",
            "CREATE TYPE app.mood AS ENUM ('ok')",
            "CREATE TABLE app.t (m app.mood)",
            "CREATE VIEW app.v AS SELECT * FROM app.t"
        ]
    );
    // The loader classifies what a format generates, like SQL.
    assert_eq!(stmts[2].kind, "CreateStmt");
    assert!(stmts[2].transactional);
}

#[test]
fn a_directory_of_other_formats_only_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("only.lines"), "CREATE TABLE t (x int)\n").unwrap();
    let (stmts, _) = load_files_with_formats(dir.path(), &[&Lines]).unwrap();
    assert_eq!(stmts.len(), 1);
    // Without the format, the same directory has no schema files.
    assert!(matches!(crate::load_sql_files(dir.path()), Err(Error::NoSqlFiles { .. })));
}

#[test]
fn generated_statements_follow_the_rules_of_schema_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("x.lines"), "CREATE TABLE t (x int)\nDROP TABLE t\n").unwrap();
    let e = load_files_with_formats(dir.path(), &[&Lines]).unwrap_err();
    assert!(matches!(e, Error::NotSchema { line: 2, column: 1, .. }), "{e}");
    fs::write(dir.path().join("x.lines"), "CREATE TABLE (\n").unwrap();
    let e = load_files_with_formats(dir.path(), &[&Lines]).unwrap_err();
    assert!(matches!(e, Error::Syntax { line: 1, .. }), "{e}");
}

#[test]
fn format_errors_are_shown_as_the_format_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("x.lines"), "refuse\n").unwrap();
    let e = load_files_with_formats(dir.path(), &[&Lines]).unwrap_err();
    assert!(matches!(e, Error::Format(_)));
    assert_eq!(e.to_string(), format!("{}:1:1: refused", dir.path().join("x.lines").display()));
}

#[test]
fn positions_inside_generated_statements_come_from_their_origins() {
    // `CREATE TABLE "t" (x mood)`: the type text was written at 7:15 of the YAML file.
    let s = Statement {
        sql: "CREATE TABLE \"t\" (x mood)".into(),
        file: "app.yaml".into(),
        line: 5,
        column: 3,
        origins: vec![
            Origin { offset: 0, line: 5, column: 3, verbatim: false },
            Origin { offset: 20, line: 7, column: 15, verbatim: true },
            Origin { offset: 24, line: 6, column: 7, verbatim: false },
        ],
        ..Default::default()
    };
    assert_eq!(s.position_of(0), (5, 3));
    // Generated text maps to its origin, whatever the offset inside it.
    assert_eq!(s.position_of(8), (5, 3));
    // Verbatim text advances: `mood` starts at character 21 (1-based), its `o` is 22.
    assert_eq!(s.position_of(21), (7, 15));
    assert_eq!(s.position_of(22), (7, 16));
    assert_eq!(s.position_of(25), (6, 7));
    // Past the end: the last character.
    assert_eq!(s.position_of(99), (6, 7));
}
