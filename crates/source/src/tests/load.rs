use std::fs;
use std::path::Path;

use crate::{load_sql_files, Error};

fn write(dir: &Path, name: &str, text: &[u8]) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn loads_a_directory_recursively_in_dependency_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a_indexes.sql", b"CREATE INDEX users_email ON app.users (email);");
    write(dir.path(), "tables/users.sql", b"-- users\nCREATE TABLE app.users (id int, email text);\n");
    write(dir.path(), "z/schemas.sql", b"CREATE SCHEMA app;");
    write(dir.path(), "notes.txt", b"not sql");
    let stmts = load_sql_files(dir.path()).unwrap();
    let files: Vec<String> =
        stmts.iter().map(|s| s.file.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
    assert_eq!(files, ["z/schemas.sql", "tables/users.sql", "a_indexes.sql"]);
    assert_eq!((stmts[1].line, stmts[1].column), (2, 1));
}

#[test]
fn loads_a_single_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "one.sql", b"CREATE VIEW v AS SELECT * FROM t; CREATE TABLE t (x int);");
    let stmts = load_sql_files(&dir.path().join("one.sql")).unwrap();
    assert_eq!(stmts[0].sql, "CREATE TABLE t (x int)");
    assert_eq!(stmts[0].column, 35);
}

#[test]
fn missing_paths_and_empty_directories() {
    let dir = tempfile::tempdir().unwrap();
    let e = load_sql_files(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert!(e.to_string().contains("missing"));
    write(dir.path(), "sub/readme.md", b"# hi");
    let e = load_sql_files(dir.path()).unwrap_err();
    assert!(matches!(e, Error::NoSqlFiles { .. }), "{e}");
    assert!(e.to_string().ends_with("no .sql files found (schemactl reads every *.sql file below a directory)"));
}

#[test]
fn non_utf8_files_name_the_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "latin1.sql", b"CREATE TABLE t (x int);\nCOMMENT ON TABLE t IS 'caf\xe9';");
    let e = load_sql_files(dir.path()).unwrap_err();
    assert!(matches!(e, Error::NotUtf8 { line: 2, column: 27, .. }), "{e}");
    assert!(e.to_string().contains("latin1.sql:2:27: file is not valid UTF-8"), "{e}");
}

#[test]
fn errors_carry_the_file_path() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.sql", b"CREATE TABLE t (x int);");
    write(dir.path(), "seed.sql", b"\n\nINSERT INTO t VALUES (1);");
    let e = load_sql_files(dir.path()).unwrap_err();
    let expected = format!("{}:3:1: INSERT is not a schema statement", dir.path().join("seed.sql").display());
    assert!(e.to_string().starts_with(&expected), "{e}");
}

#[cfg(unix)]
#[test]
fn symlink_cycles_do_not_loop() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sub/t.sql", b"CREATE TABLE t (x int);");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let stmts = load_sql_files(dir.path()).unwrap();
    assert_eq!(stmts.len(), 1);
}

#[test]
fn the_sql_loader_refuses_a_directory_with_yaml_it_would_leave_out() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "schemas.sql", b"CREATE SCHEMA app;");
    write(dir.path(), "tables/users.yaml", b"tables: []\n");
    let e = load_sql_files(dir.path()).unwrap_err();
    assert!(matches!(&e, Error::UnreadFormat { path } if path.ends_with("tables/users.yaml")), "{e}");
    assert!(e.to_string().contains("schemactl_yaml::load_schema_files reads both"), "{e}");
}
