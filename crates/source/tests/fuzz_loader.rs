//! Fuzzing the loader: arbitrary text and arbitrary mixes of SQL fragments
//! must never panic, and every error must point inside the file.
//!
//! Runs 256 cases per property by default; set PROPTEST_CASES for more.

use std::path::Path;

use proptest::prelude::*;
use schemactl_source::{order_statements, parse_source, Error, Statement};

/// SQL-ish fragments that exercise the tricky parts of splitting: quotes,
/// dollar quotes, comments, semicolons, escapes, psql meta-commands and
/// non-ASCII text.
#[rustfmt::skip]
const FRAGMENTS: &[&str] = &[
    "CREATE", "TABLE", "INDEX", "VIEW", "FUNCTION", "SCHEMA", "TYPE", "ENUM", "AS", "ON",
    "REFERENCES", "PRIMARY KEY", "INSERT INTO", "VALUES", "DROP", "SELECT", "FROM", "BEGIN",
    "COMMIT", "SET", "search_path", "=", "COMMENT", "IS", "GRANT", "ALTER", "ADD", "CONCURRENTLY",
    "int", "text", "t", "u", "public.t", "\"Quoted\"", "(", ")", ",", ";", ";;", "'", "''", "'x'",
    "E'\\xff'", "E'\\\\'", "$$", "$tag$", "$1", "--", "-- c\n", "/*", "*/", "/* c */", "\n", "\r\n",
    "\t", " ", "é", "—", "😀", "\u{feff}", "::regclass", "nextval('s')", "||", "BEGIN ATOMIC", "END",
    "LANGUAGE sql", "RETURNS int", "U&'\\0041'", "\\", "\0", "\n\\restrict k\n", "\\connect db",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "[a-z_][a-z0-9_]{0,8}",
        1 => any::<String>(),
    ]
}

/// A generated file: fragments separated by spaces, or glued together.
fn sql_mix() -> impl Strategy<Value = String> {
    prop::collection::vec((fragment(), prop::bool::ANY), 0..48).prop_map(|parts| {
        let mut text = String::new();
        for (part, space) in parts {
            text.push_str(&part);
            if space {
                text.push(' ');
            }
        }
        text
    })
}

/// Statements built from valid pieces, so that ordering sees real graphs.
fn schema_file() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["a", "b", "c", "s.a", "s.b", "public.c"]);
    let stmt = prop_oneof![
        (name.clone(), name.clone())
            .prop_map(|(t, r)| format!("CREATE TABLE {t} (id int PRIMARY KEY, r int REFERENCES {r});")),
        name.clone().prop_map(|t| format!("CREATE INDEX ON {t} (id);")),
        (name.clone(), name.clone()).prop_map(|(v, t)| format!("CREATE VIEW {v}_v AS SELECT * FROM {t};")),
        name.clone().prop_map(|t| format!("COMMENT ON TABLE {t} IS 'é;😀';")),
        Just("CREATE SCHEMA s;".to_string()),
        Just("CREATE TYPE mood AS ENUM ('x');".to_string()),
        name.prop_map(|t| format!("ALTER TABLE {t} ADD COLUMN m mood;")),
    ];
    prop::collection::vec(stmt, 0..12).prop_map(|s| s.join("\n"))
}

/// Text that may separate statements without changing them: blanks,
/// comments (with anything inside) and empty statements.
fn separator() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![" ", "\n", "\r\n", "\t", ";"]).prop_map(str::to_string),
        // PostgreSQL ends `--` comments at \r too.
        "[^\n\r\0]{0,12}".prop_map(|c| format!("-- {c}\n")),
        "[^*\0]{0,12}".prop_map(|c| format!("/* {c} */")),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|p| p.concat())
}

/// The text the loader positions refer to (a leading byte order mark is not
/// a column).
fn visible(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Byte offset of a 1-based (line, column) position, if it is inside `text`
/// (one past the end of a line counts as inside).
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_text = text.split('\n').nth(line.checked_sub(1)?)?;
    let line_start = line_text.as_ptr() as usize - text.as_ptr() as usize;
    let chars = line_text.chars().count();
    if column == 0 || column > chars + 1 {
        return None;
    }
    let within = line_text.char_indices().nth(column - 1).map_or(line_text.len(), |(i, _)| i);
    Some(line_start + within)
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let file = Path::new("fuzz.sql");
    let shown = visible(text);
    match parse_source(file, text) {
        Ok(stmts) => {
            for s in &stmts {
                let at = offset_of(shown, s.line, s.column);
                prop_assert!(at.is_some(), "{} outside the file", s.location());
                let at = at.unwrap_or_default();
                prop_assert!(shown[at..].starts_with(&s.sql), "{} does not start {:?}", s.location(), s.sql);
                prop_assert!(!s.sql.is_empty() && s.sql.trim() == s.sql);
                for offset in [0, 1, s.sql.chars().count(), usize::MAX] {
                    let (line, column) = s.position_of(offset);
                    prop_assert!(offset_of(shown, line, column).is_some());
                }
            }
            check_order(stmts)?;
        }
        Err(Error::Syntax { line, column, .. })
        | Err(Error::NotSchema { line, column, .. })
        | Err(Error::Unsupported { line, column, .. })
        | Err(Error::MetaCommand { line, column, .. }) => {
            prop_assert!(offset_of(shown, line, column).is_some(), "error at {line}:{column} is outside the file");
        }
        Err(e) => prop_assert!(false, "unexpected error kind: {e}"),
    }
    Ok(())
}

/// Ordering keeps every statement exactly once.
fn check_order(stmts: Vec<Statement>) -> Result<(), TestCaseError> {
    let mut before: Vec<String> = stmts.iter().map(Statement::location).collect();
    let mut after: Vec<String> = order_statements(stmts).iter().map(Statement::location).collect();
    before.sort();
    after.sort();
    prop_assert_eq!(before, after);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn sql_fragment_mixes_never_panic(text in sql_mix()) {
        check(&text)?;
    }

    #[test]
    fn separators_never_change_statements(
        parts in prop::collection::vec((schema_file(), separator()), 1..6)
    ) {
        // Each schema_file() line is one statement ending in ';'. A byte
        // order mark is only allowed first.
        let mut text = String::from("\u{feff}");
        let mut expected = Vec::new();
        for (stmts, sep) in &parts {
            for stmt in stmts.lines() {
                text.push_str(stmt);
                text.push_str(sep);
                text.push('\n');
                expected.push(stmt.trim_end_matches(';').to_string());
            }
        }
        let parsed = parse_source(Path::new("sep.sql"), &text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let got: Vec<String> = parsed.iter().map(|s| s.sql.clone()).collect();
        prop_assert_eq!(got, expected);
        check(&text)?;
    }

    #[test]
    fn ordering_keeps_every_statement(files in prop::collection::vec(schema_file(), 1..4)) {
        let mut stmts = Vec::new();
        for (i, text) in files.iter().enumerate() {
            let name = format!("schema/{i}.sql");
            stmts.extend(parse_source(Path::new(&name), text).map_err(|e| TestCaseError::fail(e.to_string()))?);
        }
        check_order(stmts)?;
    }
}
