use super::{parse, parse_err};
use crate::Error;

fn refused(text: &str) -> String {
    match parse_err(text) {
        Error::NotSchema { statement, .. } => statement,
        e => panic!("expected NotSchema, got {e}"),
    }
}

fn unsupported(text: &str) -> (String, String) {
    match parse_err(text) {
        Error::Unsupported { statement, reason, .. } => (statement, reason),
        e => panic!("expected Unsupported, got {e}"),
    }
}

#[test]
fn transaction_control_and_settings_are_skipped() {
    let stmts = parse(
        "BEGIN;\n\
         SET statement_timeout = 0;\n\
         SET client_encoding = 'UTF8';\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET check_function_bodies = false;\n\
         CREATE TABLE t (x int);\n\
         RESET statement_timeout;\n\
         COMMIT;",
    );
    assert_eq!(stmts.len(), 1);
    assert_eq!(stmts[0].kind, "CreateStmt");
    assert_eq!((stmts[0].line, stmts[0].column), (6, 1));
}

#[test]
fn data_changes_and_drops_are_refused() {
    assert_eq!(refused("DELETE FROM t"), "DELETE");
    assert_eq!(refused("MERGE INTO t USING u ON t.x = u.x WHEN MATCHED THEN DELETE"), "MERGE");
    assert_eq!(refused("SELECT 1"), "SELECT");
    assert_eq!(refused("SELECT * INTO t2 FROM t"), "SELECT INTO");
    assert_eq!(refused("COPY t FROM stdin"), "COPY");
    assert_eq!(refused("TRUNCATE t"), "TRUNCATE");
    assert_eq!(refused("VACUUM t"), "VACUUM");
    assert_eq!(refused("CALL p()"), "CALL");
    assert_eq!(refused("DROP MATERIALIZED VIEW v"), "DROP MATERIALIZED VIEW");
    assert_eq!(refused("DROP INDEX CONCURRENTLY i"), "DROP INDEX");
    assert_eq!(refused("DROP FUNCTION f()"), "DROP FUNCTION");
    assert_eq!(refused("ROLLBACK"), "ROLLBACK");
    assert_eq!(refused("REFRESH MATERIALIZED VIEW v"), "REFRESH MATERIALIZED VIEW");
    assert_eq!(refused("SELECT set_config('x', 'y', false) FROM t"), "SELECT");
}

#[test]
fn unsupported_statements_say_why() {
    let (statement, reason) = unsupported("SET search_path = app, public");
    assert_eq!(statement, "SET search_path");
    assert!(reason.contains("schema-qualify"), "{reason}");
    let (statement, _) = unsupported("SELECT set_config('search_path', 'app', false)");
    assert_eq!(statement, "SELECT");
    let (statement, reason) = unsupported("CREATE ROLE app LOGIN PASSWORD 'secret'");
    assert_eq!(statement, "CREATE ROLE");
    assert!(reason.contains("passwords never belong in schema files"), "{reason}");
    assert!(unsupported("ALTER ROLE app IN DATABASE d SET work_mem = '1MB'").1.contains("IN DATABASE"));
    assert_eq!(unsupported("REVOKE app FROM bob").0, "REVOKE (role membership)");
    assert!(unsupported("DROP ROLE app").1.contains("leave one out to drop it"));
    assert_eq!(unsupported("ALTER TABLE t RENAME TO u").0, "ALTER ... RENAME");
    assert_eq!(unsupported("CREATE TABLE t2 AS SELECT 1").0, "CREATE TABLE AS");
    assert_eq!(unsupported("CREATE DATABASE d").0, "CREATE DATABASE");
    let e = parse_err("SET search_path TO app");
    assert!(
        e.to_string().starts_with("schema/test.sql:1:1: SET search_path is not supported in schema files: "),
        "{e}"
    );
}

#[test]
fn schema_statements_are_kept() {
    let stmts = parse(
        "CREATE SCHEMA app;\n\
         CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\
         CREATE TYPE app.mood AS ENUM ('ok');\n\
         CREATE DOMAIN app.pos AS int CHECK (VALUE > 0);\n\
         CREATE SEQUENCE app.s;\n\
         CREATE TABLE app.t (x app.pos, m app.mood);\n\
         ALTER TABLE app.t ADD COLUMN y int;\n\
         CREATE VIEW app.v AS SELECT x FROM app.t;\n\
         CREATE MATERIALIZED VIEW app.mv AS SELECT x FROM app.t;\n\
         CREATE INDEX ON app.t (x);\n\
         CREATE POLICY p ON app.t USING (true);\n\
         CREATE AGGREGATE app.agg (int) (sfunc = int4pl, stype = int);\n\
         COMMENT ON TABLE app.t IS 't';\n\
         GRANT SELECT ON app.t TO PUBLIC;\n\
         ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;\n\
         ALTER TABLE app.t OWNER TO CURRENT_USER;",
    );
    let kinds: Vec<&str> = stmts.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "CreateSchemaStmt",
            "CreateExtensionStmt",
            "CreateEnumStmt",
            "CreateDomainStmt",
            "CreateSeqStmt",
            "CreateStmt",
            "AlterTableStmt",
            "ViewStmt",
            "CreateTableAsStmt",
            "IndexStmt",
            "CreatePolicyStmt",
            "DefineStmt",
            "CommentStmt",
            "GrantStmt",
            "AlterDefaultPrivilegesStmt",
            "AlterTableStmt",
        ]
    );
}

#[test]
fn pg_dump_preamble_is_skipped() {
    let dump = "\
--
-- PostgreSQL database dump
--

\\restrict AbC123

-- Dumped from database version 17.6
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.users (
    id bigint NOT NULL,
    email text
);

ALTER TABLE public.users OWNER TO app;

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

\\unrestrict AbC123
";
    let stmts = parse(dump);
    let kinds: Vec<&str> = stmts.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["CreateStmt", "AlterTableStmt", "AlterTableStmt"]);
    assert_eq!((stmts[0].line, stmts[0].column), (23, 1));
    // Only on a line of its own: after other text it is refused where it stands.
    let e = parse_err("CREATE TABLE t (x int \\restrict k);");
    assert!(matches!(e, Error::MetaCommand { line: 1, column: 23, .. }), "{e}");
}

#[test]
fn a_drop_if_exists_of_nothing_created_before_it_is_skipped() {
    // pg_dump --clean --if-exists, and re-runnable scripts: on an empty database these drop
    // nothing, so the file declares what follows them.
    let stmts = parse(
        "DROP TABLE IF EXISTS app.t;\nDROP SCHEMA IF EXISTS app CASCADE;\nDROP FUNCTION IF EXISTS app.f(int);\n\
         CREATE SCHEMA app;\nCREATE TABLE app.t (id int);",
    );
    let sql: Vec<&str> = stmts.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(sql, ["CREATE SCHEMA app", "CREATE TABLE app.t (id int)"]);
}

#[test]
fn a_drop_if_exists_of_something_created_before_it_is_refused_at_its_position() {
    let e = parse_err("CREATE SCHEMA app;\nCREATE TABLE app.t (id int);\n  DROP TABLE IF EXISTS app.t;\n");
    let Error::Unsupported { line, column, statement, reason, .. } = &e else { panic!("{e}") };
    assert_eq!((*line, *column), (3, 3));
    assert_eq!(statement, "DROP TABLE IF EXISTS");
    assert!(reason.contains("drops what an earlier statement"), "{reason}");
    let e = parse_err("CREATE SCHEMA app;\nDROP SCHEMA IF EXISTS app CASCADE;");
    assert!(e.to_string().contains("test.sql:2:1: DROP SCHEMA IF EXISTS"), "{e}");
    // Unqualified names are in public, like the creation's.
    assert!(matches!(parse_err("CREATE TABLE t (x int); DROP TABLE IF EXISTS public.t;"), Error::Unsupported { .. }));
    // A drop without IF EXISTS fails on an empty database: still not a declaration.
    assert!(matches!(parse_err("DROP TABLE t;"), Error::NotSchema { .. }));
}
