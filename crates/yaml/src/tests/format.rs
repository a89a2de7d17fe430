//! The format: names, short forms, defaults and the SQL tables become.

use super::{read, sql, statements};

#[test]
fn an_empty_document_declares_nothing() {
    assert!(sql("").is_empty());
    assert!(sql("# only a comment\n").is_empty());
    assert!(sql("\u{feff}tables: {}\n").is_empty());
}

#[test]
fn bare_names_live_in_the_files_schema_and_qualified_names_where_they_say() {
    let text = "schema: app\nenums:\n  mood: [ok]\n  other.mood: [ok]\n";
    assert_eq!(
        sql(text),
        [r#"CREATE TYPE "app"."mood" AS ENUM ('ok')"#, r#"CREATE TYPE "other"."mood" AS ENUM ('ok')"#]
    );
    // Without `schema`, bare names are in public.
    assert_eq!(sql("enums:\n  mood: [ok]\n"), [r#"CREATE TYPE "public"."mood" AS ENUM ('ok')"#]);
}

#[test]
fn names_are_exact_and_quoted() {
    assert_eq!(
        sql("tables:\n  Users:\n    columns:\n      'Weird \"name': text\n"),
        ["CREATE TABLE \"public\".\"Users\" (\n  \"Weird \"\"name\" text\n)"]
    );
}

#[test]
fn short_forms_say_the_same_as_long_forms() {
    let short = "tables:\n  t:\n    columns:\n      a: int\n      b: {type: int, check: b > 0, references: u (id)}\n    primary_key: [a]\n    unique:\n      t_b_key: [b]\n    checks:\n      t_a_check: a > 0\n    indexes:\n      t_b_idx: [b DESC]\n    grants:\n      app: [select]\n";
    let long = "tables:\n  t:\n    columns:\n      a: {type: int}\n      b: {type: int, check: b > 0, references: {table: u (id)}}\n    primary_key: {columns: [a]}\n    unique:\n      t_b_key: {columns: [b]}\n    checks:\n      t_a_check: {expression: a > 0}\n    indexes:\n      t_b_idx: {columns: [b DESC]}\n    grants:\n      app: {privileges: [select]}\n";
    assert_eq!(sql(short), sql(long));
    assert_eq!(sql("enums:\n  e: [a, b]\n"), sql("enums:\n  e: {values: [a, b]}\n"));
    assert_eq!(
        sql("tables:\n  t:\n    columns:\n      a: {type: int, identity: by default}\n"),
        sql("tables:\n  t:\n    columns:\n      a: {type: int, identity: {generation: by default}}\n")
    );
}

#[test]
fn columns_are_nullable_unless_told_and_keep_their_order() {
    let text = r#"
tables:
  app.t:
    columns:
      z: text
      id: {type: bigint, identity: {generation: always, start: 10, increment: 5, cache: 2}}
      n: {type: integer, nullable: false, default: 0}
      name: {type: text, collation: C, unique: true}
      total: {type: numeric, generated: price * 2}
      price: {type: numeric, check: price >= 0, default: "0.5"}
      k: {type: int, primary_key: true}
      v: {type: int, generated: {expression: k + 1, stored: false}}
"#;
    assert_eq!(
        sql(text),
        [r#"CREATE TABLE "app"."t" (
  "z" text,
  "id" bigint GENERATED ALWAYS AS IDENTITY (INCREMENT BY 5 START WITH 10 CACHE 2),
  "n" integer DEFAULT 0 NOT NULL,
  "name" text COLLATE "C" UNIQUE,
  "total" numeric GENERATED ALWAYS AS (price * 2) STORED,
  "price" numeric DEFAULT 0.5 CHECK (price >= 0),
  "k" int PRIMARY KEY,
  "v" int GENERATED ALWAYS AS (k + 1) VIRTUAL
)"#]
    );
}

#[test]
fn table_constraints_are_declared_inside_the_table_and_foreign_keys_after_it() {
    let text = r#"
tables:
  t:
    columns:
      a: int
      b: int
      c: {type: int, references: {table: u, name: t_c_fk, on_delete: set null, on_update: cascade, match: full, deferrable: true, initially_deferred: true}}
      d: {type: int, references: u (x)}
    primary_key: {columns: [a, b], name: t_key, include: [c], deferrable: true}
    unique:
      t_b_key: {columns: [b], nulls_not_distinct: true, include: [c]}
    checks:
      t_a_pos: {expression: a > 0, no_inherit: true}
      t_b_pos: {expression: b > 0, not_valid: true}
    exclusions:
      t_no_overlap: USING gist (a WITH =)
    foreign_keys:
      t_ab_fkey:
        columns: [a, b]
        references: v (x, y)
        on_delete: restrict
        not_valid: true
        match: simple
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE TABLE "public"."t" (
  "a" int,
  "b" int,
  "c" int,
  "d" int,
  CONSTRAINT "t_key" PRIMARY KEY ("a", "b") INCLUDE ("c") DEFERRABLE,
  CONSTRAINT "t_b_key" UNIQUE NULLS NOT DISTINCT ("b") INCLUDE ("c"),
  CONSTRAINT "t_a_pos" CHECK (a > 0) NO INHERIT,
  CONSTRAINT "t_no_overlap" EXCLUDE USING gist (a WITH =)
)"#,
            r#"ALTER TABLE "public"."t" ADD CONSTRAINT "t_c_fk" FOREIGN KEY ("c") REFERENCES u MATCH FULL ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED"#,
            r#"ALTER TABLE "public"."t" ADD FOREIGN KEY ("d") REFERENCES u (x)"#,
            r#"ALTER TABLE "public"."t" ADD CONSTRAINT "t_b_pos" CHECK (b > 0) NOT VALID"#,
            r#"ALTER TABLE "public"."t" ADD CONSTRAINT "t_ab_fkey" FOREIGN KEY ("a", "b") REFERENCES v (x, y) MATCH SIMPLE ON DELETE RESTRICT NOT VALID"#,
        ]
    );
}

#[test]
fn indexes_triggers_policies_and_row_security() {
    let text = r#"
tables:
  t:
    columns: {a: int, b: text}
    indexes:
      t_a: [a]
      t_lower_b:
        columns: [(lower(b)), a DESC NULLS LAST]
        unique: true
        method: btree
        include: [a]
        nulls_not_distinct: true
        with: {fillfactor: 70}
        where: a > 0
        comment: Lookups by name
    triggers:
      t_touch:
        timing: before
        events: [insert, update of b]
        for_each: row
        when: NEW.a > 0
        execute: touch()
        comment: Keeps it fresh
      t_audit: {timing: after, events: [truncate], execute: audit('t')}
    row_security: true
    force_row_security: true
    policies:
      own_rows:
        command: select
        to: [app, public]
        using: a = 1
      restrict_writes: {restrictive: true, with_check: a > 0, comment: no zeros}
"#;
    assert_eq!(
        sql(text)[1..],
        [
            r#"CREATE INDEX "t_a" ON "public"."t" (a)"#,
            r#"CREATE UNIQUE INDEX "t_lower_b" ON "public"."t" USING "btree" ((lower(b)), a DESC NULLS LAST) INCLUDE ("a") NULLS NOT DISTINCT WITH ("fillfactor" = 70) WHERE a > 0"#,
            r#"COMMENT ON INDEX "public"."t_lower_b" IS 'Lookups by name'"#,
            r#"CREATE TRIGGER "t_touch" BEFORE insert OR update of b ON "public"."t" FOR EACH ROW WHEN (NEW.a > 0) EXECUTE FUNCTION touch()"#,
            r#"COMMENT ON TRIGGER "t_touch" ON "public"."t" IS 'Keeps it fresh'"#,
            r#"CREATE TRIGGER "t_audit" AFTER truncate ON "public"."t" FOR EACH STATEMENT EXECUTE FUNCTION audit('t')"#,
            r#"ALTER TABLE "public"."t" ENABLE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "public"."t" FORCE ROW LEVEL SECURITY"#,
            r#"CREATE POLICY "own_rows" ON "public"."t" FOR SELECT TO "app", PUBLIC USING (a = 1)"#,
            r#"CREATE POLICY "restrict_writes" ON "public"."t" AS RESTRICTIVE FOR ALL WITH CHECK (a > 0)"#,
            r#"COMMENT ON POLICY "restrict_writes" ON "public"."t" IS 'no zeros'"#,
        ]
    );
}

#[test]
fn partitions_inheritance_and_unlogged_tables() {
    let text = r#"
tables:
  events:
    columns: {at: timestamptz, kind: text}
    partition_by: RANGE (at)
    unlogged: true
  events_2024:
    partition_of: {parent: events, bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"}
    checks:
      kind_known: kind <> ''
  child:
    columns: {extra: int}
    inherits: [events, other]
"#;
    assert_eq!(
        sql(text),
        [
            "CREATE UNLOGGED TABLE \"public\".\"events\" (\n  \"at\" timestamptz,\n  \"kind\" text\n) PARTITION BY RANGE (at)",
            "CREATE TABLE \"public\".\"events_2024\" PARTITION OF events (\n  CONSTRAINT \"kind_known\" CHECK (kind <> '')\n) FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            "CREATE TABLE \"public\".\"child\" (\n  \"extra\" int\n) INHERITS (events, other)",
        ]
    );
}

#[test]
fn comments_and_grants_on_tables_and_columns() {
    let text = r#"
tables:
  t:
    columns:
      a: {type: int, comment: "it's a", grants: {app: [select, update]}}
    primary_key: {columns: [a], comment: the key}
    comment: The table
    grants:
      app: [select, insert]
      public: {privileges: [select], with_grant_option: true}
"#;
    assert_eq!(
        sql(text)[1..],
        [
            r#"COMMENT ON COLUMN "public"."t"."a" IS 'it''s a'"#,
            r#"GRANT select ("a"), update ("a") ON TABLE "public"."t" TO "app""#,
            r#"COMMENT ON CONSTRAINT "t_pkey" ON "public"."t" IS 'the key'"#,
            r#"COMMENT ON TABLE "public"."t" IS 'The table'"#,
            r#"GRANT select, insert ON TABLE "public"."t" TO "app""#,
            r#"GRANT select ON TABLE "public"."t" TO PUBLIC WITH GRANT OPTION"#,
        ]
    );
}

#[test]
fn renamed_from_declares_renames_at_its_key() {
    let text = "schema: app\nschemas:\n  app: {renamed_from: application}\ntables:\n  users:\n    renamed_from: accounts\n    columns:\n      name: {type: text, renamed_from: full_name}\n    checks:\n      name_set: {expression: name <> '', renamed_from: old_check}\n";
    let (_, renames) = read(text);
    let shown: Vec<String> =
        renames.iter().map(|r| format!("{}:{}: {} -> {}", r.line, r.column, r.describe(&r.old), r.new)).collect();
    assert_eq!(
        shown,
        [
            "3:9: schema application -> app",
            "6:5: table app.accounts -> users",
            "8:26: column app.users.full_name -> name",
            "10:42: constraint old_check on app.users -> name_set",
        ]
    );
}

#[test]
fn renamed_from_takes_the_old_schema_of_a_moved_object() {
    let text = "tables:\n  sales.orders:\n    renamed_from: legacy.order_rows\n    columns:\n      \"a.b\": {type: text, renamed_from: \"c.d\"}\n";
    let (_, renames) = read(text);
    let shown: Vec<String> =
        renames.iter().map(|r| format!("{} -> {}.{}", r.describe_old(), r.schema, r.new)).collect();
    // A column's name may hold a dot: only what can move reads one as a schema.
    assert_eq!(shown, ["table legacy.order_rows -> sales.orders", "column sales.orders.c.d -> sales.a.b"]);
    assert!(renames[0].moves() && !renames[1].moves());
}

#[test]
fn statements_start_at_the_key_that_declares_them() {
    let text = "tables:\n  t:\n    columns:\n      a: int\n    comment: hi\n    indexes:\n      t_a: [a]\n";
    let at: Vec<(usize, usize, String)> = statements(text).into_iter().map(|s| (s.line, s.column, s.kind)).collect();
    assert_eq!(at, [(2, 3, "CreateStmt".into()), (7, 7, "IndexStmt".into()), (5, 5, "CommentStmt".into())]);
}

#[test]
fn load_path_reads_sql_and_yaml_files_in_one_order() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("a.yaml", "tables:\n  app.t:\n    columns: {m: app.mood}\n");
    write("b.sql", "CREATE TYPE app.mood AS ENUM ('ok');\n");
    write("c.YML", "schemas:\n  app: {}\n");
    write("notes.txt", "tables: {}\n");
    let (stmts, _) = crate::load_schema_files_with_renames(dir.path()).unwrap();
    let order: Vec<(String, String)> =
        stmts.iter().map(|s| (s.file.file_name().unwrap().to_string_lossy().into_owned(), s.kind.clone())).collect();
    let expected = [("c.YML", "CreateSchemaStmt"), ("b.sql", "CreateEnumStmt"), ("a.yaml", "CreateStmt")];
    assert_eq!(order, expected.map(|(f, k)| (f.to_string(), k.to_string())));
    // One YAML file on its own.
    let one = crate::load_schema_files(&dir.path().join("c.YML")).unwrap();
    assert_eq!(one[0].sql, r#"CREATE SCHEMA "app""#);
    // Its errors keep their file, position and path.
    write("a.yaml", "tables:\n  t:\n    colums: {}\n");
    let e = crate::load_schema_files(dir.path()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:3:5: tables.t.colums: unknown key `colums` (did you mean `columns`?)",
            dir.path().join("a.yaml").display()
        )
    );
}
