use std::path::Path;

use crate::{order_statements, parse_source, Statement};

/// Parses each (file, text) and orders all statements together, as
/// `load_sql_files` does for a directory.
fn order(files: &[(&str, &str)]) -> Vec<Statement> {
    let mut stmts = Vec::new();
    for (file, text) in files {
        stmts.extend(parse_source(Path::new(file), text).unwrap_or_else(|e| panic!("{e}")));
    }
    order_statements(stmts)
}

fn sqls(stmts: &[Statement]) -> Vec<&str> {
    stmts.iter().map(|s| s.sql.as_str()).collect()
}

fn index_of(stmts: &[Statement], prefix: &str) -> usize {
    stmts
        .iter()
        .position(|s| s.sql.starts_with(prefix))
        .unwrap_or_else(|| panic!("no statement starts with {prefix:?}"))
}

#[test]
fn index_file_sorting_first_waits_for_its_table() {
    let stmts = order(&[
        ("schema/a.sql", "CREATE INDEX users_email ON users (email);"),
        ("schema/z_tables.sql", "CREATE TABLE users (id int, email text);"),
    ]);
    assert_eq!(sqls(&stmts), ["CREATE TABLE users (id int, email text)", "CREATE INDEX users_email ON users (email)"]);
}

#[test]
fn referencing_table_comes_after_referenced_table() {
    let stmts = order(&[(
        "schema/tables.sql",
        "CREATE TABLE orders (id int, user_id int REFERENCES users (id));\n\
         CREATE TABLE users (id int PRIMARY KEY);",
    )]);
    assert!(index_of(&stmts, "CREATE TABLE users") < index_of(&stmts, "CREATE TABLE orders"));
}

#[test]
fn foreign_key_added_later_waits_for_the_primary_key() {
    let stmts = order(&[
        ("schema/a.sql", "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);"),
        ("schema/b.sql", "CREATE TABLE orders (user_id int);\nCREATE TABLE users (id int);"),
        ("schema/c.sql", "ALTER TABLE users ADD PRIMARY KEY (id);"),
    ]);
    assert_eq!(
        sqls(&stmts),
        [
            "CREATE TABLE orders (user_id int)",
            "CREATE TABLE users (id int)",
            "ALTER TABLE users ADD PRIMARY KEY (id)",
            "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id)",
        ]
    );
}

#[test]
fn enum_type_declared_in_a_later_file() {
    let stmts = order(&[
        ("schema/1_tables.sql", "CREATE TABLE people (name text, mood mood[] DEFAULT '{}');"),
        ("schema/2_types.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"),
    ]);
    assert_eq!(stmts[0].kind, "CreateEnumStmt");
    assert_eq!(stmts[1].kind, "CreateStmt");
}

#[test]
fn view_over_a_table_and_function() {
    let stmts = order(&[
        (
            "schema/a_views.sql",
            "CREATE VIEW active AS SELECT id, norm(name) FROM public.accounts a JOIN t2 USING (id);",
        ),
        ("schema/b.sql", "CREATE FUNCTION norm(text) RETURNS text LANGUAGE sql AS 'SELECT lower($1)';"),
        ("schema/c.sql", "CREATE TABLE accounts (id int, name text);\nCREATE TABLE t2 (id int);"),
    ]);
    let view = index_of(&stmts, "CREATE VIEW");
    assert!(index_of(&stmts, "CREATE FUNCTION") < view);
    assert!(index_of(&stmts, "CREATE TABLE accounts") < view);
    assert!(index_of(&stmts, "CREATE TABLE t2") < view);
}

#[test]
fn schema_created_in_a_later_file() {
    let stmts = order(&[
        ("schema/a.sql", "CREATE TABLE app.users (id int);\nCREATE TABLE plain (x int);"),
        ("schema/b.sql", "CREATE EXTENSION citext;"),
        ("schema/z.sql", "CREATE SCHEMA app;"),
    ]);
    assert_eq!(
        sqls(&stmts),
        [
            "CREATE SCHEMA app",
            "CREATE EXTENSION citext",
            "CREATE TABLE app.users (id int)",
            "CREATE TABLE plain (x int)",
        ]
    );
}

#[test]
fn comments_and_grants_follow_their_object() {
    let stmts = order(&[
        ("schema/a_comments.sql", "COMMENT ON COLUMN t.added IS 'x';\nGRANT SELECT ON t TO PUBLIC;\nCOMMENT ON FUNCTION f(int) IS 'f';\nCOMMENT ON TRIGGER trg ON t IS 'trg';"),
        ("schema/b.sql", "CREATE TABLE t (x int);\nCREATE FUNCTION f(int) RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;"),
        ("schema/c.sql", "ALTER TABLE t ADD COLUMN added int;\nCREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f(1);"),
    ]);
    let alter = index_of(&stmts, "ALTER TABLE t ADD COLUMN");
    let trigger = index_of(&stmts, "CREATE TRIGGER");
    assert!(index_of(&stmts, "CREATE FUNCTION") < trigger);
    assert!(alter < index_of(&stmts, "COMMENT ON COLUMN"));
    assert!(alter < index_of(&stmts, "GRANT SELECT"));
    assert!(index_of(&stmts, "CREATE FUNCTION") < index_of(&stmts, "COMMENT ON FUNCTION"));
    assert!(trigger < index_of(&stmts, "COMMENT ON TRIGGER"));
}

#[test]
fn well_ordered_input_is_unchanged() {
    let text = "CREATE SCHEMA s;\nCREATE TABLE s.a (x int PRIMARY KEY);\nCREATE TABLE b (y int);\n\
                CREATE INDEX ON b (y);\nCREATE TABLE c (x int REFERENCES s.a);\nCOMMENT ON TABLE c IS 'c';";
    let parsed = parse_source(Path::new("one.sql"), text).unwrap();
    assert_eq!(order_statements(parsed.clone()), parsed);
}

#[test]
fn foreign_key_cycle_keeps_every_statement_in_file_order() {
    let stmts = order(&[
        ("schema/a.sql", "CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b (id));"),
        ("schema/b.sql", "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));"),
        ("schema/c.sql", "CREATE INDEX ON a (b_id);\nCREATE TABLE z (x int);"),
    ]);
    assert_eq!(
        sqls(&stmts),
        [
            "CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b (id))",
            "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id))",
            "CREATE INDEX ON a (b_id)",
            "CREATE TABLE z (x int)",
        ]
    );
}

#[test]
fn unqualified_reference_prefers_public_when_ambiguous() {
    let stmts = order(&[
        ("schema/a.sql", "CREATE VIEW v AS SELECT * FROM items;"),
        ("schema/b.sql", "CREATE TABLE public.items (x int);"),
        ("schema/c.sql", "CREATE TABLE other.items (x int);"),
        ("schema/d.sql", "CREATE SCHEMA other;"),
    ]);
    assert_eq!(
        sqls(&stmts),
        [
            "CREATE SCHEMA other",
            "CREATE TABLE public.items (x int)",
            "CREATE VIEW v AS SELECT * FROM items",
            "CREATE TABLE other.items (x int)",
        ]
    );
}

#[test]
fn sequences_named_in_strings_and_serial_columns() {
    let stmts = order(&[
        ("schema/a.sql", "CREATE TABLE t (id bigint DEFAULT nextval('public.t_id_seq'::regclass));\nGRANT USAGE ON SEQUENCE u_id_seq TO PUBLIC;"),
        ("schema/b.sql", "CREATE SEQUENCE t_id_seq;\nCREATE TABLE u (id serial);"),
    ]);
    assert!(index_of(&stmts, "CREATE SEQUENCE") < index_of(&stmts, "CREATE TABLE t"));
    assert!(index_of(&stmts, "CREATE TABLE u") < index_of(&stmts, "GRANT USAGE"));
}

#[test]
fn self_referencing_table_is_not_held_back_by_its_indexes() {
    let stmts = order(&[
        ("schema/a_indexes.sql", "CREATE UNIQUE INDEX staff_email ON staff (email);"),
        (
            "schema/b_tables.sql",
            "CREATE TABLE staff (id int PRIMARY KEY, email text, manager int REFERENCES staff (id));",
        ),
    ]);
    assert_eq!(stmts[0].kind, "CreateStmt");
    assert_eq!(stmts[1].kind, "IndexStmt");
}

#[test]
fn a_do_block_keeps_its_place_in_its_file() {
    // The role bootstrap first, as written, though CREATE SCHEMA would otherwise go first; a
    // block after the table still runs after it.
    let stmts = order(&[(
        "schema/all.sql",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reader') THEN CREATE ROLE reader; END IF; END $$;\n\
         CREATE TABLE app.t (id int);\n\
         CREATE SCHEMA app;\n\
         DO $$ BEGIN EXECUTE 'COMMENT ON TABLE app.t IS ''x'''; END $$;\n\
         GRANT SELECT ON app.t TO reader;",
    )]);
    let first: Vec<String> =
        stmts.iter().map(|s| s.sql.split_whitespace().take(2).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(first, ["DO $$", "CREATE SCHEMA", "CREATE TABLE", "DO $$", "GRANT SELECT"]);
}
