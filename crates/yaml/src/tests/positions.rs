//! Server errors point into the YAML: every fragment of a statement maps to its node.

use schemactl_source::Statement;

use super::statements;

/// Where PostgreSQL's error cursor at the `n`-th occurrence (0-based) of `needle` in the
/// statement's text would point in the YAML file.
fn where_is(s: &Statement, needle: &str, n: usize) -> (usize, usize) {
    let byte = s.sql.match_indices(needle).nth(n).unwrap_or_else(|| panic!("{needle} in {}", s.sql)).0;
    // Server positions are 1-based character offsets.
    s.position_of(s.sql[..byte].chars().count() + 1)
}

#[test]
fn plain_and_quoted_scalars_map_character_by_character() {
    let text = "tables:\n  t:\n    columns:\n      a: {type: int, default: nope(1)}\n      b: {type: 'citextt', default: \"'x\\ty'\"}\n      c: citexttt\n";
    let s = &statements(text)[0];
    assert_eq!(where_is(s, "nope", 0), (4, 31));
    assert_eq!(where_is(s, "(1)", 0), (4, 35));
    // Inside single quotes, one character after the quote.
    assert_eq!(where_is(s, "citextt", 0), (5, 18));
    assert_eq!(where_is(s, "textt", 0), (5, 20));
    // Escapes make the text differ from the source: the node's start.
    assert_eq!(where_is(s, "'x\ty'", 0), (5, 37));
    // A short form's type is its value.
    assert_eq!(where_is(s, "citexttt", 0), (6, 10));
}

#[test]
fn generated_text_maps_to_the_key_that_asked_for_it() {
    let text = "tables:\n  t:\n    columns:\n      a:\n        type: int\n        nullable: false\n    unique:\n      t_a_key: [a]\n";
    let s = &statements(text)[0];
    assert_eq!(where_is(s, "NOT NULL", 0), (6, 9));
    assert_eq!(where_is(s, "\"a\" int", 0), (4, 7));
    assert_eq!(where_is(s, "UNIQUE", 0), (8, 7));
    // A column of a constraint maps to its list item.
    assert_eq!(where_is(s, "\"a\")", 0), (8, 17));
    assert_eq!(where_is(s, "CREATE", 0), (2, 3));
}

#[test]
fn literal_blocks_map_line_by_line() {
    let text = "functions:\n  f:\n    returns: int\n    language: plpgsql\n    body: |\n      BEGIN\n        RETURN nope;\n      END\n";
    let s = &statements(text)[0];
    assert_eq!(where_is(s, "BEGIN", 0), (6, 7));
    assert_eq!(where_is(s, "nope", 0), (7, 16));
    assert_eq!(where_is(s, "END", 0), (8, 7));
    // The view query a block holds, with its `;` dropped.
    let text = "views:\n  v:\n    query: |\n      SELECT a,\n             nope(1)\n      FROM t;\n";
    let s = &statements(text)[0];
    assert_eq!(where_is(s, "nope", 0), (5, 14));
    assert!(s.sql.ends_with("FROM t"), "{}", s.sql);
}

#[test]
fn list_items_map_to_themselves() {
    let text = "enums:\n  mood:\n    - ok\n    - fine\nindexes_are: []\n";
    let text = text.replace("indexes_are: []\n", "");
    let s = &statements(&text)[0];
    assert_eq!(where_is(s, "'fine'", 0), (4, 7));
    let text = "tables:\n  t:\n    columns: {a: int}\n    indexes:\n      i: [a, (lower(nope))]\n";
    let s = &statements(text)[1];
    assert_eq!(where_is(s, "nope", 0), (5, 21));
}
