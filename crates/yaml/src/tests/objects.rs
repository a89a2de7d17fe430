//! Schemas, extensions, types, sequences, views and routines.

use super::{error, sql};

#[test]
fn schemas_and_extensions() {
    let text = r#"
extensions:
  citext: {schema: public, version: "1.6", comment: Case-insensitive text}
  pgcrypto:
schemas:
  app: {comment: The app, grants: {reader: [usage]}}
  public: {comment: Standard public schema}
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE EXTENSION IF NOT EXISTS "citext" WITH SCHEMA "public" VERSION '1.6'"#,
            r#"COMMENT ON EXTENSION "citext" IS 'Case-insensitive text'"#,
            r#"CREATE EXTENSION IF NOT EXISTS "pgcrypto""#,
            r#"CREATE SCHEMA "app""#,
            r#"COMMENT ON SCHEMA "app" IS 'The app'"#,
            r#"GRANT usage ON SCHEMA "app" TO "reader""#,
            // `public` exists already: only its comment.
            r#"COMMENT ON SCHEMA "public" IS 'Standard public schema'"#,
        ]
    );
}

#[test]
fn enum_composite_domain_and_range_types() {
    let text = r#"
schema: app
enums:
  mood: {values: [sad, "it's ok"], comment: How it feels, grants: {app: [usage]}}
composite_types:
  address:
    attributes:
      street: text
      city: {type: text, collation: C, comment: Where}
domains:
  email:
    type: citext
    nullable: false
    default: "''"
    collation: C
    checks:
      has_at: VALUE LIKE '%@%'
      short: {expression: length(VALUE) < 200, not_valid: true, comment: Long enough}
    grants: {app: [usage]}
range_types:
  floatrange: {subtype: float8, subtype_diff: float8mi, multirange_type_name: floatmultirange}
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE TYPE "app"."mood" AS ENUM ('sad', 'it''s ok')"#,
            r#"COMMENT ON TYPE "app"."mood" IS 'How it feels'"#,
            r#"GRANT usage ON TYPE "app"."mood" TO "app""#,
            r#"CREATE TYPE "app"."address" AS ("street" text, "city" text COLLATE "C")"#,
            r#"COMMENT ON COLUMN "app"."address"."city" IS 'Where'"#,
            r#"CREATE DOMAIN "app"."email" AS citext COLLATE "C" DEFAULT '' NOT NULL CONSTRAINT "has_at" CHECK (VALUE LIKE '%@%')"#,
            r#"ALTER DOMAIN "app"."email" ADD CONSTRAINT "short" CHECK (length(VALUE) < 200) NOT VALID"#,
            r#"COMMENT ON CONSTRAINT "short" ON DOMAIN "app"."email" IS 'Long enough'"#,
            r#"GRANT usage ON DOMAIN "app"."email" TO "app""#,
            r#"CREATE TYPE "app"."floatrange" AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi, MULTIRANGE_TYPE_NAME = floatmultirange)"#,
        ]
    );
}

#[test]
fn default_privileges_database_wide_and_per_schema() {
    let text = r#"
default_privileges:
  functions: {public: []}
  tables: {reader: [select]}
schemas:
  app:
    default_privileges:
      sequences: {app: [usage, select]}
      tables: {app: {privileges: [insert], with_grant_option: true}}
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE SCHEMA "app""#,
            r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "app" GRANT insert ON TABLES TO "app" WITH GRANT OPTION"#,
            r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "app" GRANT usage, select ON SEQUENCES TO "app""#,
            r#"ALTER DEFAULT PRIVILEGES GRANT select ON TABLES TO "reader""#,
            r#"ALTER DEFAULT PRIVILEGES REVOKE ALL ON FUNCTIONS FROM PUBLIC"#,
        ]
    );
    assert_eq!(
        error("schemas:\n  app:\n    default_privileges:\n      schemas: {app: [usage]}\n"),
        "4:7: schemas.app.default_privileges.schemas: default privileges on schemas are database-wide: declare them at the top level"
    );
}

#[test]
fn statistics_hang_on_their_table() {
    let text = r#"
tables:
  app.t:
    columns: {a: int, b: int}
    statistics:
      t_ab: [a, b]
      t_expr: {columns: [(a + b), b], kinds: [ndistinct, mcv], target: 500, comment: Sums}
"#;
    assert_eq!(
        sql(text)[1..],
        [
            r#"CREATE STATISTICS "app"."t_ab" ON a, b FROM "app"."t""#,
            r#"CREATE STATISTICS "app"."t_expr" (ndistinct, mcv) ON (a + b), b FROM "app"."t""#,
            r#"ALTER STATISTICS "app"."t_expr" SET STATISTICS 500"#,
            r#"COMMENT ON STATISTICS "app"."t_expr" IS 'Sums'"#,
        ]
    );
    assert_eq!(
        error("tables:\n  t:\n    statistics:\n      s: {columns: [a], kinds: [all]}\n"),
        "4:33: tables.t.statistics.s.kinds[0]: `all` is not a kind of statistics (ndistinct, dependencies, mcv)"
    );
}

#[test]
fn collations() {
    let text = r#"
collations:
  app.ci: {provider: icu, locale: und-u-ks-level2, deterministic: false, comment: Case-insensitive}
  c_like: {locale: C}
  split: {provider: libc, lc_collate: C, lc_ctype: en_US.utf8}
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE COLLATION "app"."ci" (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"#,
            r#"COMMENT ON COLLATION "app"."ci" IS 'Case-insensitive'"#,
            r#"CREATE COLLATION "public"."c_like" (locale = 'C')"#,
            r#"CREATE COLLATION "public"."split" (provider = libc, lc_collate = 'C', lc_ctype = 'en_US.utf8')"#,
        ]
    );
    assert_eq!(
        error("collations:\n  c: {provider: icu}\n"),
        "2:3: collations.c: a collation needs a `locale` (or `lc_collate` and `lc_ctype`)"
    );
}

#[test]
fn collations_are_one_name_or_sql_in_double_quotes() {
    let text = r#"
tables:
  t:
    columns:
      a: {type: text, collation: en_US.utf8}
      b: {type: text, collation: '"app"."ci"'}
composite_types:
  pair:
    attributes:
      x: {type: text, collation: 'pg_catalog."C"'}
domains:
  code: {type: text, collation: '"app"."ci"'}
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE TYPE "public"."pair" AS ("x" text COLLATE pg_catalog."C")"#,
            r#"CREATE DOMAIN "public"."code" AS text COLLATE "app"."ci""#,
            "CREATE TABLE \"public\".\"t\" (\n  \"a\" text COLLATE \"en_US.utf8\",\n  \"b\" text COLLATE \"app\".\"ci\"\n)",
        ]
    );
}

#[test]
fn an_empty_privilege_list_revokes_everything() {
    let text = r#"
functions:
  internal_only: {returns: integer, language: sql, body: SELECT 1, grants: {public: [], app: [execute]}}
enums:
  mood: {values: [ok], grants: {public: []}}
tables:
  t:
    columns:
      a: {type: int, grants: {reader: []}}
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE TYPE "public"."mood" AS ENUM ('ok')"#,
            r#"REVOKE ALL ON TYPE "public"."mood" FROM PUBLIC"#,
            "CREATE TABLE \"public\".\"t\" (\n  \"a\" int\n)",
            r#"REVOKE ALL ("a") ON TABLE "public"."t" FROM "reader""#,
            r#"CREATE FUNCTION "public"."internal_only"() RETURNS integer LANGUAGE "sql" AS $body$SELECT 1$body$"#,
            r#"REVOKE ALL ON FUNCTION "public"."internal_only" FROM PUBLIC"#,
            r#"GRANT execute ON FUNCTION "public"."internal_only" TO "app""#,
        ]
    );
}

#[test]
fn sequences() {
    let text = r#"
sequences:
  app.seq:
    type: integer
    start: 1000
    increment: -1
    min_value: -5
    max_value: 2000
    cache: 10
    cycle: true
    owned_by: app.t.id
    comment: Numbers
    grants: {app: [usage, select]}
  plain:
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE SEQUENCE "app"."seq" AS integer INCREMENT BY -1 MINVALUE -5 MAXVALUE 2000 START WITH 1000 CACHE 10 CYCLE"#,
            r#"ALTER SEQUENCE "app"."seq" OWNED BY app.t.id"#,
            r#"COMMENT ON SEQUENCE "app"."seq" IS 'Numbers'"#,
            r#"GRANT usage, select ON SEQUENCE "app"."seq" TO "app""#,
            r#"CREATE SEQUENCE "public"."plain""#,
        ]
    );
}

#[test]
fn views_and_materialized_views() {
    let text = r#"
views:
  active:
    columns: [id, name]
    with: {security_barrier: true}
    query: |
      SELECT id, name
      FROM users
      WHERE active;
    check_option: cascaded
    comment: Active users
    column_comments: {name: Display name}
    grants: {app: [select]}
materialized_views:
  totals:
    query: SELECT count(*) AS n FROM users
    with_data: false
    indexes:
      totals_n: {columns: [n], unique: true}
"#;
    assert_eq!(
        sql(text),
        [
            "CREATE VIEW \"public\".\"active\" (\"id\", \"name\") WITH (\"security_barrier\" = true) AS SELECT id, name\nFROM users\nWHERE active WITH CASCADED CHECK OPTION",
            r#"COMMENT ON VIEW "public"."active" IS 'Active users'"#,
            r#"COMMENT ON COLUMN "public"."active"."name" IS 'Display name'"#,
            r#"GRANT select ON TABLE "public"."active" TO "app""#,
            r#"CREATE MATERIALIZED VIEW "public"."totals" AS SELECT count(*) AS n FROM users WITH NO DATA"#,
            r#"CREATE UNIQUE INDEX "totals_n" ON "public"."totals" (n)"#,
        ]
    );
}

#[test]
fn functions_and_procedures() {
    let text = r#"
schema: app
functions:
  add:
    arguments: a integer, b integer DEFAULT 1
    returns: integer
    language: sql
    volatility: immutable
    strict: true
    parallel: safe
    cost: 5
    body: SELECT a + b
    comment: Adds
    grants: {app: [execute]}
  area(integer):
    returns: integer
    language: sql
    body: SELECT $1 * $1
    comment: Square
  area(integer, integer):
    arguments: w integer, h integer DEFAULT 1
    returns: integer
    language: sql
    body: SELECT w * h
    comment: Rectangle
  touch:
    returns: trigger
    language: plpgsql
    security_definer: true
    leakproof: true
    rows: 1
    set: {search_path: "pg_catalog, pg_temp"}
    body: |
      BEGIN
        NEW.at := now(); -- $body$ is not the end
        RETURN NEW;
      END
procedures:
  app.cleanup:
    language: sql
    body: DELETE FROM app.t
    comment: Cleans
"#;
    assert_eq!(
        sql(text),
        [
            r#"CREATE FUNCTION "app"."add"(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE "sql" IMMUTABLE STRICT PARALLEL SAFE COST 5 AS $body$SELECT a + b$body$"#,
            r#"COMMENT ON FUNCTION "app"."add" IS 'Adds'"#,
            r#"GRANT execute ON FUNCTION "app"."add" TO "app""#,
            r#"CREATE FUNCTION "app"."area"(integer) RETURNS integer LANGUAGE "sql" AS $body$SELECT $1 * $1$body$"#,
            // Overloaded: named with the arguments.
            r#"COMMENT ON FUNCTION "app"."area"(integer) IS 'Square'"#,
            r#"CREATE FUNCTION "app"."area"(w integer, h integer DEFAULT 1) RETURNS integer LANGUAGE "sql" AS $body$SELECT w * h$body$"#,
            r#"COMMENT ON FUNCTION "app"."area"(integer, integer) IS 'Rectangle'"#,
            "CREATE FUNCTION \"app\".\"touch\"() RETURNS trigger LANGUAGE \"plpgsql\" SECURITY DEFINER LEAKPROOF ROWS 1 SET \"search_path\" TO pg_catalog, pg_temp AS $body1$BEGIN\n  NEW.at := now(); -- $body$ is not the end\n  RETURN NEW;\nEND\n$body1$",
            r#"CREATE PROCEDURE "app"."cleanup"() LANGUAGE "sql" AS $body$DELETE FROM app.t$body$"#,
            r#"COMMENT ON PROCEDURE "app"."cleanup" IS 'Cleans'"#,
        ]
    );
}

#[test]
fn a_columns_using_is_the_sql_annotation_read_at_its_yaml_position() {
    let text = "tables:\n  app.orders:\n    columns:\n      id: bigint\n      tags:\n        type: text[]\n        using: string_to_array(tags, ',')\n";
    let statements = super::statements(text);
    let create = statements.iter().find(|s| s.sql.starts_with("CREATE TABLE")).expect("CREATE TABLE");
    let found = schemactl_source::conversions(create).unwrap();
    assert_eq!(found.len(), 1, "{}", create.sql);
    assert_eq!(
        (found[0].schema.as_str(), found[0].table.as_str(), found[0].column.as_str()),
        ("app", "orders", "tags")
    );
    assert_eq!(found[0].expression, "string_to_array(tags, ',')");
    assert_eq!(found[0].at, "schema/app.yaml:7:9");

    // A line break would end the comment and run the rest as SQL.
    let broken = text.replace("using: string_to_array(tags, ',')", "using: \"x\\n  DROP TABLE app.orders\"");
    assert_eq!(
        super::error(&broken),
        "7:9: tables.app.orders.columns.tags.using: one line: an SQL expression without line breaks"
    );
}
