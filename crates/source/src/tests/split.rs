use super::parse;

#[test]
fn splits_dollar_quoted_bodies_and_semicolons_in_strings() {
    let text = "\
-- users and their names
CREATE TABLE users (id int PRIMARY KEY, note text DEFAULT 'a;b');

CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'x; y';
  RETURN 1;
END;
$$;
/* trailing */ COMMENT ON TABLE users IS 'it''s; fine' -- end
;
CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT ';' $body$;
CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;
";
    let stmts = parse(text);
    let sqls: Vec<&str> = stmts.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sqls,
        [
            "CREATE TABLE users (id int PRIMARY KEY, note text DEFAULT 'a;b')",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE NOTICE 'x; y';\n  RETURN 1;\nEND;\n$$",
            "COMMENT ON TABLE users IS 'it''s; fine'",
            "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT ';' $body$",
            "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
        ]
    );
    let positions: Vec<(usize, usize)> = stmts.iter().map(|s| (s.line, s.column)).collect();
    assert_eq!(positions, [(2, 1), (4, 1), (10, 16), (12, 1), (13, 1)]);
    let kinds: Vec<&str> = stmts.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["CreateStmt", "CreateFunctionStmt", "CommentStmt", "CreateFunctionStmt", "CreateFunctionStmt"]);
    assert!(stmts.iter().all(|s| s.transactional));
    assert_eq!(stmts[2].location(), "schema/test.sql:10:16");
}

#[test]
fn positions_count_characters_after_multibyte_text() {
    let text = "COMMENT ON SCHEMA public IS 'héllo — 😀'; CREATE TABLE t (x int);";
    let stmts = parse(text);
    assert_eq!(stmts[1].sql, "CREATE TABLE t (x int)");
    assert_eq!((stmts[1].line, stmts[1].column), (1, 42));
}

#[test]
fn empty_and_comment_only_files_have_no_statements() {
    assert!(parse("").is_empty());
    assert!(parse("  \n\t\n").is_empty());
    assert!(parse("-- nothing\n/* at all */;;\n").is_empty());
}

#[test]
fn byte_order_mark_is_ignored() {
    let stmts = parse("\u{feff}CREATE TABLE t (x int);");
    assert_eq!((stmts[0].line, stmts[0].column), (1, 1));
    assert_eq!(stmts[0].sql, "CREATE TABLE t (x int)");
}

#[test]
fn last_statement_without_semicolon() {
    let stmts = parse("CREATE TABLE a (x int);\nCREATE TABLE b (y int)  -- no semicolon\n\n");
    assert_eq!(stmts[1].sql, "CREATE TABLE b (y int)");
    assert_eq!((stmts[1].line, stmts[1].column), (2, 1));
}

#[test]
fn position_of_maps_server_error_positions() {
    let stmts = parse("\n  CREATE TABLE t (\n    x intt,\n    é int\n  );");
    let s = &stmts[0];
    assert_eq!((s.line, s.column), (2, 3));
    // The server would report `intt` at character 24 of the statement.
    let offset = s.sql.find("intt").unwrap() + 1;
    assert_eq!(s.position_of(offset), (3, 7));
    assert_eq!(s.position_of(0), (2, 3));
    assert_eq!(s.position_of(1), (2, 3));
    // Character offsets, not bytes: "int" after "é " on line 4.
    let chars_before = s.sql.chars().take_while(|_| true).position(|c| c == 'é').unwrap();
    assert_eq!(s.position_of(chars_before + 3), (4, 7));
    // Past the end: the last character.
    assert_eq!(s.position_of(10_000), (5, 3));
}

#[test]
fn concurrent_index_is_not_transactional() {
    let stmts = parse(
        "CREATE TABLE t (x int);\n\
         CREATE INDEX CONCURRENTLY t_x ON t (x);\n\
         CREATE INDEX t_x2 ON t (x);\n\
         CREATE TYPE mood AS ENUM ('a');\n\
         ALTER TYPE mood ADD VALUE 'b';",
    );
    let flags: Vec<bool> = stmts.iter().map(|s| s.transactional).collect();
    assert_eq!(flags, [true, false, true, true, true]);
}

#[test]
fn deeply_nested_expressions_are_still_classified() {
    // Past prost's decoding recursion limit; classified from libpg_query's summary.
    let chain = " || 'x'".repeat(120);
    let text = format!("CREATE VIEW v AS SELECT 'a'{chain} AS s FROM t;\nCREATE TABLE t (x int);");
    let stmts = parse(&text);
    assert_eq!(stmts[0].kind, "ViewStmt");
    let ordered = crate::order_statements(stmts);
    assert_eq!(ordered[0].kind, "CreateStmt");

    let text = format!("CREATE MATERIALIZED VIEW mv AS SELECT 'a'{chain} AS s;");
    assert_eq!(parse(&text)[0].kind, "CreateTableAsStmt");
    let text = format!("INSERT INTO t SELECT 'a'{chain};");
    assert!(matches!(super::parse_err(&text), crate::Error::NotSchema { .. }));
}

#[test]
fn empty_sql_function_bodies() {
    let stmts = parse(
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS '';\n\
         CREATE FUNCTION g() RETURNS void LANGUAGE sql AS $$ -- nothing\n$$;\n\
         CREATE FUNCTION h() RETURNS void LANGUAGE sql AS $$ SELEC broken $$;",
    );
    assert_eq!(crate::order_statements(stmts).len(), 3);
}

#[test]
fn statements_that_cannot_run_in_a_transaction() {
    let stmts = parse(
        "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;\n\
         ALTER TABLE p DETACH PARTITION p2;\n\
         CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p;\n\
         CREATE SUBSCRIPTION s2 CONNECTION 'host=x' PUBLICATION p WITH (connect = false);",
    );
    let flags: Vec<bool> = stmts.iter().map(|s| s.transactional).collect();
    assert_eq!(flags, [false, true, false, true]);
}
