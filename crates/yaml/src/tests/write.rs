//! Writing documents: readable YAML that reads back as the same document.

use std::path::Path;

use proptest::prelude::*;

use crate::model::{Column, Document, EnumType, Function, Index, Table};
use crate::{parse_document, to_yaml_string};

fn dashboard() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/yaml/dashboard");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())).collect()
}

#[test]
fn written_documents_read_back_the_same() {
    for (file, text) in dashboard() {
        let doc = parse_document(Path::new(&file), &text).unwrap();
        let written = to_yaml_string(&doc);
        let again = parse_document(Path::new("written.yaml"), &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(doc, again, "{written}");
        // And it means the same statements.
        let (before, _) = crate::statements(Path::new(&file), &text).unwrap();
        let (after, _) = crate::statements(Path::new("written.yaml"), &written).unwrap();
        let sql = |s: Vec<schemactl_source::Statement>| s.into_iter().map(|s| s.sql).collect::<Vec<_>>();
        assert_eq!(sql(before), sql(after));
    }
}

#[test]
fn documents_are_written_as_a_person_would() {
    let mut doc = Document { schema: Some("portal".into()), ..Default::default() };
    doc.enums.insert("mood".into(), EnumType { values: vec!["sad".into(), "ok".into()], ..Default::default() });
    let mut users = Table { comment: Some("People: the users".into()), ..Default::default() };
    users.columns.insert("id".into(), Column::of_type("bigint"));
    users.columns.insert(
        "settings".into(),
        Column { nullable: false, default: Some("'{}'::jsonb".into()), ..Column::of_type("jsonb") },
    );
    users.columns.insert("on".into(), Column { default: Some("true".into()), ..Column::of_type("boolean") });
    users.indexes.insert("users_id_idx".into(), Index { columns: vec!["id DESC".into()], ..Default::default() });
    doc.tables.insert("users".into(), users);
    doc.tables.insert("empty".into(), Table::default());
    doc.functions.insert(
        "f".into(),
        Function {
            returns: "int".into(),
            language: "plpgsql".into(),
            body: "BEGIN\n  RETURN 1;\nEND\n".into(),
            ..Default::default()
        },
    );
    assert_eq!(
        to_yaml_string(&doc),
        r#"schema: portal

enums:
  mood: [sad, ok]

tables:
  users:
    columns:
      id: bigint
      settings: {type: jsonb, nullable: false, default: "'{}'::jsonb"}
      'on': {type: boolean, default: 'true'}
    indexes:
      users_id_idx: [id DESC]
    comment: 'People: the users'

  empty: {}

functions:
  f:
    returns: int
    language: plpgsql
    body: |
      BEGIN
        RETURN 1;
      END
"#
    );
}

#[test]
fn short_mappings_are_inline_and_long_ones_are_not() {
    let mut doc = Document::default();
    let mut t = Table::default();
    t.columns.insert("a".into(), Column { nullable: false, ..Column::of_type("bigint") });
    let long = "a_rather_long_default_expression_that_does_not_fit_on_one_line_with_everything_else()";
    t.columns.insert("b".into(), Column { default: Some(long.into()), ..Column::of_type("text") });
    t.grants.insert("public".into(), crate::model::Grant { privileges: vec![], with_grant_option: false });
    doc.tables.insert("t".into(), t);
    let written = to_yaml_string(&doc);
    assert_eq!(
        written,
        format!("tables:\n  t:\n    columns:\n      a: {{type: bigint, nullable: false}}\n      b:\n        type: text\n        default: {long}\n    grants: {{public: []}}\n")
    );
    assert_eq!(parse_document(Path::new("t.yaml"), &written).unwrap(), doc);
}

/// Strings of the characters that make YAML quoting hard.
fn awkward() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(" "),
            Just("\n"),
            Just("'"),
            Just("\""),
            Just("\\"),
            Just(":"),
            Just("#"),
            Just("-"),
            Just("?"),
            Just("["),
            Just("{"),
            Just(","),
            Just("&"),
            Just("*"),
            Just("!"),
            Just("|"),
            Just(">"),
            Just("%"),
            Just("@"),
            Just("`"),
            Just("\t"),
            Just("\r"),
            Just("0"),
            Just("1.5"),
            Just("true"),
            Just("null"),
            Just("~"),
            Just("yes"),
            Just("a"),
            Just("é"),
            Just("\u{85}"),
            Just("\u{feff}"),
            Just("0x1"),
            Just(".inf"),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_string_reads_back_as_written(key in awkward(), value in awkward(), label in awkward()) {
        let key = if key.is_empty() { "k".to_string() } else { key };
        let mut doc = Document::default();
        let mut table = Table { comment: Some(value.clone()), ..Default::default() };
        table.columns.insert(key.clone(), Column { default: Some(value.clone()), ..Column::of_type(value.clone()) });
        doc.tables.insert(key.clone(), table);
        doc.enums.insert("e".into(), EnumType { values: vec![label.clone(), value.clone()], ..Default::default() });
        let written = to_yaml_string(&doc);
        let again = parse_document(Path::new("t.yaml"), &written);
        prop_assert!(again.is_ok(), "{:?}\n{}", again, written);
        prop_assert_eq!(again.unwrap(), doc, "{}", written);
    }

    #[test]
    fn no_input_makes_the_reader_panic(text in "[ a-z:\\-\\[\\]{}#&*!|>'\"%@,?\n]{0,80}") {
        let _ = crate::statements(Path::new("f.yaml"), &text);
    }
}
