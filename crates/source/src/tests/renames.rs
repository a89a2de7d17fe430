use std::path::Path;

use crate::{load_sql_files, load_sql_files_with_renames, parse_renames, Error, Rename, RenameKind};

fn renames(text: &str) -> Vec<Rename> {
    parse_renames(Path::new("schema/test.sql"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// `(kind, schema, container, old, new)` of the only annotation in `text`.
fn one(text: &str) -> (RenameKind, String, Option<String>, String, String) {
    let mut all = renames(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    let r = all.remove(0);
    (r.kind, r.schema, r.table_or_type, r.old, r.new)
}

fn rename(
    kind: RenameKind,
    schema: &str,
    container: Option<&str>,
    old: &str,
    new: &str,
) -> (RenameKind, String, Option<String>, String, String) {
    (kind, schema.into(), container.map(str::to_string), old.into(), new.into())
}

/// The message of the annotation error in `text`, with its position.
fn error(text: &str) -> String {
    match parse_renames(Path::new("schema/test.sql"), text) {
        Ok(r) => panic!("expected an error, got {r:#?}"),
        Err(e @ Error::Annotation { .. }) => e.to_string(),
        Err(e) => panic!("expected an annotation error, got {e}"),
    }
}

#[test]
fn objects_created_by_a_statement() {
    use RenameKind::*;
    let cases = [
        ("-- schemactl:renamed-from old_app\nCREATE SCHEMA app;", rename(Schema, "app", None, "old_app", "app")),
        ("-- schemactl:renamed-from accounts\nCREATE TABLE app.users (id int);", rename(Table, "app", None, "accounts", "users")),
        ("-- schemactl:renamed-from accounts\nCREATE TABLE users (id int);", rename(Table, "public", None, "accounts", "users")),
        ("-- schemactl:renamed-from v0\nCREATE VIEW app.v AS SELECT 1;", rename(View, "app", None, "v0", "v")),
        (
            "-- schemactl:renamed-from m0\nCREATE MATERIALIZED VIEW app.m AS SELECT 1;",
            rename(MaterializedView, "app", None, "m0", "m"),
        ),
        ("-- schemactl:renamed-from s0\nCREATE SEQUENCE app.s;", rename(Sequence, "app", None, "s0", "s")),
        (
            "-- schemactl:renamed-from users_mail\nCREATE UNIQUE INDEX users_email ON app.users (email);",
            rename(Index, "app", None, "users_mail", "users_email"),
        ),
        ("-- schemactl:renamed-from feeling\nCREATE TYPE app.mood AS ENUM ('a');", rename(Type, "app", None, "feeling", "mood")),
        ("-- schemactl:renamed-from pt\nCREATE TYPE app.point2 AS (x int, y int);", rename(Type, "app", None, "pt", "point2")),
        (
            "-- schemactl:renamed-from span\nCREATE TYPE app.floatrange AS RANGE (subtype = float8);",
            rename(Type, "app", None, "span", "floatrange"),
        ),
        ("-- schemactl:renamed-from mail\nCREATE DOMAIN app.email AS text;", rename(Domain, "app", None, "mail", "email")),
        (
            "-- schemactl:renamed-from users_mail_key\nALTER TABLE app.users ADD CONSTRAINT users_email_key UNIQUE (email);",
            rename(Constraint, "app", Some("users"), "users_mail_key", "users_email_key"),
        ),
        (
            "-- schemactl:renamed-from mail\nALTER TABLE app.users ADD COLUMN email text;",
            rename(Column, "app", Some("users"), "mail", "email"),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(one(text), expected, "{text}");
    }
}

#[test]
fn columns_and_constraints_inside_a_table() {
    use RenameKind::*;
    let text = "CREATE TABLE app.users (\n\
                \x20 id int,\n\
                \x20 -- schemactl:renamed-from full_name\n\
                \x20 -- (a note between the annotation and the column)\n\
                \x20 /* and a block comment */\n\
                \x20 display_name text NOT NULL,\n\
                \x20 email text\n\
                \x20   -- schemactl:renamed-from mail_present\n\
                \x20   CONSTRAINT email_present CHECK (email <> ''),\n\
                \x20 -- schemactl:renamed-from users_pk\n\
                \x20 CONSTRAINT users_pkey PRIMARY KEY (id)\n\
                );\n\
                ALTER TABLE app.users\n\
                \x20 -- schemactl:renamed-from users_mail_key\n\
                \x20 ADD CONSTRAINT users_email_key UNIQUE (email),\n\
                \x20 ADD COLUMN\n\
                \x20 -- schemactl:renamed-from nick\n\
                \x20 nickname text;\n";
    let got: Vec<_> =
        renames(text).into_iter().map(|r| (r.kind, r.table_or_type, r.old, r.new, r.line, r.column)).collect();
    let users = Some("users".to_string());
    assert_eq!(
        got,
        [
            (Column, users.clone(), "full_name".into(), "display_name".into(), 3, 3),
            (Constraint, users.clone(), "mail_present".into(), "email_present".into(), 8, 5),
            (Constraint, users.clone(), "users_pk".into(), "users_pkey".into(), 10, 3),
            (Constraint, users.clone(), "users_mail_key".into(), "users_email_key".into(), 14, 3),
            (Column, users, "nick".into(), "nickname".into(), 17, 3),
        ]
    );
}

#[test]
fn enum_labels_are_the_next_string_literal() {
    let text = "CREATE TYPE app.mood AS ENUM (\n  'happy',\n  -- schemactl:renamed-from meh\n  'it''s fine',\n  \
                -- schemactl:renamed-from 'Sad Face'\n  'sad'\n);";
    let got: Vec<_> =
        renames(text).into_iter().map(|r| (r.kind, r.schema, r.table_or_type, r.old, r.new, r.line)).collect();
    let mood = Some("mood".to_string());
    assert_eq!(
        got,
        [
            (RenameKind::EnumValue, "app".into(), mood.clone(), "meh".into(), "it's fine".into(), 3),
            (RenameKind::EnumValue, "app".into(), mood, "Sad Face".into(), "sad".into(), 5),
        ]
    );
}

#[test]
fn names_are_folded_unless_quoted() {
    let (.., old, new) = one("-- schemactl:renamed-from OldUsers\nCREATE TABLE \"Users\" (id int);");
    assert_eq!((old.as_str(), new.as_str()), ("oldusers", "Users"));
    let (.., old, new) = one("-- schemactl:renamed-from \"OldUsers\"\nCREATE TABLE Users (id int);");
    assert_eq!((old.as_str(), new.as_str()), ("OldUsers", "users"));
}

#[test]
fn positions_are_the_comments_in_characters() {
    let text = "CREATE SCHEMA app;\n\n/* é */ -- schemactl:renamed-from t0\nCREATE TABLE app.t (x int);";
    let r = &renames(text)[0];
    assert_eq!((r.line, r.column), (3, 9));
    assert_eq!(r.location(), "schema/test.sql:3:9");
}

#[test]
fn annotations_before_nothing_renamable_are_errors() {
    let cases = [
        ("CREATE TABLE t (\n  id int\n  -- schemactl:renamed-from x\n);", "schema/test.sql:3:3: "),
        ("CREATE TABLE t (id int);\n-- schemactl:renamed-from x\n", "schema/test.sql:2:1: "),
        ("-- schemactl:renamed-from x\nCOMMENT ON TABLE t IS 'x';", "schema/test.sql:1:1: "),
        ("-- schemactl:renamed-from hstore0\nCREATE EXTENSION hstore;", "schema/test.sql:1:1: "),
        ("CREATE TABLE t (id int -- schemactl:renamed-from x\n  NOT NULL);", "schema/test.sql:1:24: "),
        (
            "CREATE TABLE t (id int,\n  CONSTRAINT c CHECK (id > 0) -- schemactl:renamed-from x\n);",
            "schema/test.sql:2:31: ",
        ),
    ];
    for (text, position) in cases {
        let e = error(text);
        assert!(e.starts_with(position), "{text}\n{e}");
        assert!(e.contains("`-- schemactl:renamed-from` must directly precede"), "{e}");
    }
}

#[test]
fn malformed_and_conflicting_annotations() {
    let e = error("-- schemactl:renamed-from\nCREATE TABLE t (id int);");
    assert!(e.starts_with("schema/test.sql:1:1: expected `-- schemactl:renamed-from [OLD_SCHEMA.]OLD_NAME`"), "{e}");
    let e = error("/* schemactl:renamed-from x */ CREATE TABLE t (id int);");
    assert!(e.contains("must be a line comment"), "{e}");
    let e = error("-- schemactl:renamed-from x\nCREATE INDEX ON t (id);");
    assert!(e.contains("index without a name"), "{e}");
    let e = error("CREATE TABLE t (id int,\n  -- schemactl:renamed-from x\n  CHECK (id > 0));");
    assert!(e.starts_with("schema/test.sql:2:3: a constraint without a name"), "{e}");
    let e = error("-- schemactl:renamed-from T\nCREATE TABLE t (id int);");
    assert!(e.contains("already called t"), "{e}");
    let e = error("-- schemactl:renamed-from a\n-- schemactl:renamed-from b\nCREATE TABLE t (id int);");
    assert!(e.starts_with("schema/test.sql:2:1: a second `schemactl:renamed-from` for table public.t"), "{e}");
    assert!(e.contains("schema/test.sql:1:1"), "{e}");
    let e = error("-- schemactl:renamed-from a\nCREATE TABLE t (id int);\n-- schemactl:renamed-from a\nCREATE VIEW v AS SELECT 1;");
    assert!(e.starts_with("schema/test.sql:3:1: view public.a cannot be renamed twice (to v here and to t at"), "{e}");
}

#[test]
fn a_qualified_old_name_moves_the_object_from_its_schema() {
    let all = renames(
        "-- schemactl:renamed-from legacy.order_rows\nCREATE TABLE sales.orders (id int);\n\
         -- schemactl:renamed-from \"Old\".f\nCREATE FUNCTION api.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
         -- schemactl:renamed-from app.mood\nCREATE TYPE app.feeling AS ENUM ('a');\n",
    );
    let moves: Vec<_> = all.iter().map(|r| (r.kind, r.old_schema.as_str(), r.old.as_str(), r.moves())).collect();
    assert_eq!(
        moves,
        [
            (RenameKind::Table, "legacy", "order_rows", true),
            (RenameKind::Routine, "Old", "f", true),
            (RenameKind::Type, "app", "mood", false)
        ]
    );
    // The same name in another schema is a move, in the same schema nothing to do.
    assert!(renames("-- schemactl:renamed-from old.t\nCREATE TABLE app.t (id int);")[0].moves());
    let e = error("-- schemactl:renamed-from app.t\nCREATE TABLE app.t (id int);");
    assert!(e.contains("already called t"), "{e}");
    // What lives in a table or type does not move alone: refused at the annotation.
    let e = error("CREATE TABLE app.t (id int,\n  -- schemactl:renamed-from other.old_id\n  new_id int);");
    assert!(e.starts_with("schema/test.sql:2:3: a column does not move between schemas"), "{e}");
    let e = error("-- schemactl:renamed-from other.i0\nCREATE INDEX i ON app.t (id);");
    assert!(e.starts_with("schema/test.sql:1:1: an index does not move between schemas"), "{e}");
    let e = error("-- schemactl:renamed-from a.b.c\nCREATE TABLE app.t (id int);");
    assert!(e.contains("at most a schema and a name"), "{e}");
    // One old object moved to two places.
    let e = error(
        "-- schemactl:renamed-from old.t\nCREATE TABLE a.t (id int);\n-- schemactl:renamed-from old.t\nCREATE TABLE b.t (id int);",
    );
    assert!(e.starts_with("schema/test.sql:3:1: table old.t cannot be renamed twice"), "{e}");
}

#[test]
fn psql_meta_commands_do_not_shift_positions() {
    let r = &renames("\\restrict abc\n-- schemactl:renamed-from t0\nCREATE TABLE t (id int);\n\\unrestrict abc\n")[0];
    assert_eq!((r.kind, r.old.as_str(), r.new.as_str(), r.line, r.column), (RenameKind::Table, "t0", "t", 2, 1));
}

#[test]
fn files_without_annotations_and_dollar_quoted_bodies() {
    assert!(renames("CREATE TABLE t (id int); -- a comment\n").is_empty());
    // A comment inside a function body is part of the body, not an annotation.
    let body = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n-- schemactl:renamed-from x\nSELECT 1 $$;";
    assert!(renames(body).is_empty());
}

#[test]
fn loading_a_directory_collects_annotations_and_checks_them_across_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), "CREATE TABLE app.t (\n  -- schemactl:renamed-from x0\n  x int\n);\n")
        .unwrap();
    std::fs::write(dir.path().join("b.sql"), "-- schemactl:renamed-from old_app\nCREATE SCHEMA app;\n").unwrap();
    let (statements, renames) = load_sql_files_with_renames(dir.path()).unwrap();
    assert_eq!(statements.len(), 2);
    let found: Vec<_> = renames.iter().map(|r| (r.kind, r.file.file_name().unwrap().to_owned(), r.line)).collect();
    assert_eq!(found, [(RenameKind::Column, "a.sql".into(), 2), (RenameKind::Schema, "b.sql".into(), 1)]);

    std::fs::write(
        dir.path().join("c.sql"),
        "ALTER TABLE app.t\n  -- schemactl:renamed-from x0\n  ADD COLUMN y int;\n",
    )
    .unwrap();
    let e = load_sql_files_with_renames(dir.path()).unwrap_err().to_string();
    assert!(e.contains("c.sql:2:3: column app.t.x0 cannot be renamed twice"), "{e}");
    // Callers that do not ask for renames are not affected by them.
    assert_eq!(load_sql_files(dir.path()).unwrap().len(), 3);
}

mod conversions {
    use crate::{conversions, parse_source, Conversion};
    use std::path::Path;

    fn read(text: &str) -> Result<Vec<Conversion>, String> {
        let file = Path::new("schema/app.sql");
        let statements = parse_source(file, text).map_err(|e| e.to_string())?;
        crate::renames::extract(file, text).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for s in &statements {
            out.extend(conversions(s).map_err(|e| e.to_string())?);
        }
        Ok(out)
    }

    #[test]
    fn a_conversion_binds_to_the_column_it_precedes() {
        let found = read(
            "CREATE TABLE app.orders (\n  id int,\n  -- schemactl:using string_to_array(tags, ';')\n  tags text[]\n);\n\
             ALTER TABLE app.orders ADD COLUMN\n  -- schemactl:using qty::int\n  qty int;\n",
        )
        .unwrap();
        let got: Vec<_> =
            found.iter().map(|c| (c.table.as_str(), c.column.as_str(), c.expression.as_str(), c.at.as_str())).collect();
        assert_eq!(
            got,
            [
                ("orders", "tags", "string_to_array(tags, ';')", "schema/app.sql:3:3"),
                ("orders", "qty", "qty::int", "schema/app.sql:7:3"),
            ]
        );
        assert_eq!(found[0].schema, "app");
    }

    #[test]
    fn misplaced_or_malformed_conversions_are_refused_at_their_position() {
        for (text, wanted) in [
            (
                "-- schemactl:using x\nCREATE TABLE t (a int);\n",
                "schema/app.sql:1:1: `-- schemactl:using EXPRESSION` must directly precede a column",
            ),
            (
                "CREATE TABLE t (\n  a int,\n  -- schemactl:using a > 0\n  CHECK (a > 0)\n);\n",
                "schema/app.sql:3:3: `-- schemactl:using EXPRESSION` must directly precede a column",
            ),
            (
                "CREATE TABLE t (\n  -- schemactl:using\n  a int\n);\n",
                "schema/app.sql:2:3: expected `-- schemactl:using EXPRESSION`: the expression is missing",
            ),
            (
                "CREATE TABLE t (\n  -- schemactl:using 1); DROP TABLE v; SELECT (1\n  a int\n);\n",
                "more than one expression",
            ),
            ("CREATE TABLE t (\n  -- schemactl:using a +\n  a int\n);\n", "is not an expression"),
            (
                "CREATE TABLE t (\n  -- schemactl:using a\n  -- schemactl:using b\n  a int\n);\n",
                "a second `-- schemactl:using` for column a",
            ),
        ] {
            let err = read(text).unwrap_err();
            assert!(err.contains(wanted), "{text}\n{err}");
        }
    }
}

#[test]
fn a_function_or_procedure_annotation_renames_the_routine() {
    let found = renames(
        "-- schemactl:renamed-from add_tax\nCREATE FUNCTION app.with_tax(n numeric) RETURNS numeric LANGUAGE sql RETURN n;\n\
         -- schemactl:renamed-from Old_Proc\nCREATE PROCEDURE tidy() LANGUAGE sql AS 'SELECT 1';\n",
    );
    let got: Vec<_> = found.iter().map(|r| (r.kind, r.schema.as_str(), r.old.as_str(), r.new.as_str())).collect();
    assert_eq!(
        got,
        [(RenameKind::Routine, "app", "add_tax", "with_tax"), (RenameKind::Routine, "public", "old_proc", "tidy")]
    );
}
