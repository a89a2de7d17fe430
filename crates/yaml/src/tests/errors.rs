//! Every kind of error, with its exact position and key path.

use super::{error, error_kind, sql};

#[test]
fn unknown_keys_suggest_the_closest_known_key() {
    assert_eq!(
        error("tables:\n  users:\n    colums: {}\n"),
        "3:5: tables.users.colums: unknown key `colums` (did you mean `columns`?)"
    );
    assert_eq!(error("table:\n  users: {}\n"), "1:1: table: unknown key `table` (did you mean `tables`?)");
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      a: {type: int, nulable: false}\n"),
        "4:22: tables.t.columns.a.nulable: unknown key `nulable` (did you mean `nullable`?)"
    );
    assert_eq!(error_kind("table: {}\n"), "structure");
}

#[test]
fn unknown_keys_far_from_any_list_what_is_expected() {
    assert_eq!(
        error("extensions:\n  citext: {whatever: 1}\n"),
        "2:12: extensions.citext.whatever: unknown key `whatever`; expected one of `schema`, `version` or `comment`"
    );
    assert_eq!(
        error("tables:\n  t:\n    columns: {a: int}\n    <<: {}\n"),
        "4:5: tables.t.<<: unknown key `<<` (merge keys are YAML 1.1 and not supported; repeat the keys)"
    );
}

#[test]
fn values_of_the_wrong_type_point_at_the_value() {
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id: {type: bigint, nullable: maybe}\n"),
        "4:36: tables.t.columns.id.nullable: expected true or false, found `maybe`"
    );
    // YAML 1.1's booleans are strings in YAML 1.2.
    assert_eq!(
        error("tables:\n  t:\n    unlogged: yes\n"),
        "3:15: tables.t.unlogged: expected true or false, found `yes`"
    );
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id:\n        type: {a: 1}\n"),
        "5:15: tables.t.columns.id.type: expected a string, found a mapping"
    );
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id: [bigint]\n"),
        "4:11: tables.t.columns.id: expected a type name or a mapping, found a list"
    );
    assert_eq!(
        error("tables:\n  t:\n    primary_key: id\n"),
        "3:18: tables.t.primary_key: expected a list of columns or a mapping, found `id`"
    );
    assert_eq!(
        error("sequences:\n  s: {start: soon}\n"),
        "2:14: sequences.s.start: expected an integer (i64), found `soon`"
    );
    assert_eq!(
        error("sequences:\n  s: {start: 99999999999999999999}\n"),
        "2:14: sequences.s.start: the number 99999999999999999999 is too large"
    );
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id:\n        type:\n"),
        "5:9: tables.t.columns.id.type: expected a string, found nothing (null)"
    );
    assert_eq!(error("- a\n- b\n"), "1:1: expected a mapping, found a list");
    assert_eq!(error("enums:\n  e: [a, {b: 1}]\n"), "2:10: enums.e[1]: expected a string, found a mapping");
}

#[test]
fn unknown_values_of_a_fixed_set_suggest_the_closest() {
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id: {type: int, references: {table: x, on_delete: cascad}}\n"),
        "4:57: tables.t.columns.id.references.on_delete: unknown value `cascad` (did you mean `cascade`?)"
    );
    assert_eq!(
        error("tables:\n  t:\n    triggers:\n      tr: {timing: whenever, events: [insert], execute: f()}\n"),
        "4:20: tables.t.triggers.tr.timing: unknown value `whenever`; expected one of `before`, `after` or `instead of`"
    );
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id: {type: int, identity: sometimes}\n"),
        "4:33: tables.t.columns.id.identity: expected `always` or `by default`, found `sometimes`"
    );
}

#[test]
fn missing_required_keys_point_at_the_key_that_lacks_them() {
    assert_eq!(
        error("tables:\n  users:\n    columns:\n      email:\n        nullable: false\n"),
        "4:7: tables.users.columns.email: missing required key `type`"
    );
    assert_eq!(
        error("functions:\n  f:\n    language: sql\n    body: SELECT 1\n"),
        "2:3: functions.f: missing required key `returns`"
    );
}

#[test]
fn yaml_problems_are_syntax_errors() {
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id: int\n      id: text\n"),
        "5:7: tables.t.columns.id: duplicate key `id` (first at line 4)"
    );
    assert_eq!(error_kind("tables:\n  t: {}\n  t: {}\n"), "syntax");
    assert_eq!(
        error("tables:\n  t:\n   - x\n  y: [\n"),
        "5:1: while parsing a node, did not find expected node content"
    );
    assert_eq!(error("tables: !custom {}\n"), "1:9: tag `!custom` is not supported (schema files hold plain data)");
    assert_eq!(error("tables: {}\n---\nviews: {}\n"), "2:1: a file holds one YAML document; remove the second `---`");
    assert_eq!(error("? [a]\n: b\n"), "1:3: keys must be plain text, not lists or mappings");
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(error(&format!("x: {deep}\n")), "1:67: nested more than 64 levels deep");
    assert_eq!(error_kind(&format!("x: {deep}\n")), "syntax");
}

#[test]
fn aliases_work_but_cannot_explode() {
    let text = "tables:\n  a:\n    columns: &cols {id: int}\n  b:\n    columns: *cols\n";
    assert_eq!(sql(text).len(), 2);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, name) in ["b", "c", "d", "e", "f", "g"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f"][i];
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    assert!(error(&bomb).ends_with("aliases expand to more than 1000000 nodes"), "{}", error(&bomb));
}

#[test]
fn names_postgresql_would_change_are_refused() {
    let long = "x".repeat(64);
    assert_eq!(
        error(&format!("tables:\n  {long}: {{columns: {{a: int}}}}\n")),
        format!("2:3: tables.{long}: name longer than 63 bytes (PostgreSQL would truncate it)")
    );
    assert_eq!(error("tables:\n  a.b.c: {}\n"), "2:3: tables.a.b.c: a name has at most one dot: `schema.name`");
    assert_eq!(error("tables:\n  t:\n    columns:\n      \"\": int\n"), "4:7: tables.t.columns.: empty name");
}

#[test]
fn contradictions_are_structure_errors() {
    assert_eq!(
        error("tables:\n  p:\n    partition_of: {parent: t, bound: DEFAULT}\n    columns: {a: int}\n"),
        "4:5: tables.p.columns: a partition takes its columns from `partition_of.parent`"
    );
    assert_eq!(
        error("tables:\n  t:\n    grants:\n      app: {privileges: [], with_grant_option: true}\n"),
        "4:29: tables.t.grants.app.with_grant_option: no privileges listed to grant"
    );
    assert_eq!(
        error("tables:\n  t:\n    grants:\n      app: [select; drop]\n"),
        "4:13: tables.t.grants.app[0]: `select; drop` is not a privilege"
    );
    assert_eq!(
        error("domains:\n  d: {type: int, checks: {c: {expression: VALUE > 0, no_inherit: true}}}\n"),
        "2:54: domains.d.checks.c.no_inherit: `no_inherit` applies to table checks, not domains"
    );
}

#[test]
fn sql_that_does_not_parse_is_reported_at_its_node() {
    assert_eq!(
        error("tables:\n  t:\n    columns:\n      id: {type: int, default: 1 + )}\n"),
        "4:36: tables.t.columns.id.default: syntax error at or near \")\""
    );
    assert_eq!(error_kind("tables:\n  t:\n    columns:\n      id: {type: int, default: 1 + )}\n"), "sql");
    assert_eq!(
        error("views:\n  v:\n    query: |\n      SELECT 1;\n      DROP TABLE x\n"),
        "5:7: views.v.query: DROP TABLE is not a schema statement"
    );
    assert_eq!(
        error("views:\n  v:\n    query: SELECT 1; CREATE TABLE x ()\n"),
        "3:20: views.v.query: `;` ends the statement here: SQL texts hold one expression, type or query"
    );
    assert_eq!(
        error("tables:\n  t:\n    indexes:\n      i: [a, b) (]\n"),
        "4:17: tables.t.indexes.i[1]: syntax error at or near \"(\""
    );
}
