use super::*;

/// Names that have broken SQL writers: line breaks that end comments, quotes, comment and
/// dollar-quote markers, backslashes, unicode, bidirectional controls, the 63-byte limit.
fn nasty() -> Vec<String> {
    let mut names: Vec<String> = [
        "x\nDROP TABLE public.victim;--",
        "c\rDELETE FROM victim;--",
        "a\"b",
        "\"",
        "it's",
        "a\\b",
        "\\",
        "*/ DROP TABLE t; /*",
        "-- x",
        "$$",
        "$body$",
        "ends in $body",
        "tab\there",
        "bell\u{7}",
        "esc\u{1b}[2J",
        "del\u{7f}",
        "nel\u{85}",
        "line\u{2028}sep",
        "rtl\u{202e}txt.sql",
        "ünïcödé 名前 🐘",
        "U&\"x\"",
        "\\000a",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("é".repeat(31) + "a");
    names.push("\n".repeat(63));
    names
}

#[test]
fn identifiers_quote_like_postgres() {
    assert_eq!(ident("users"), "users");
    assert_eq!(ident("user"), "\"user\"");
    assert_eq!(ident("order"), "\"order\"");
    assert_eq!(ident("name"), "name");
    assert_eq!(ident("CamelCase"), "\"CamelCase\"");
    assert_eq!(ident("with space"), "\"with space\"");
    assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    assert_eq!(ident("1abc"), "\"1abc\"");
    assert_eq!(ident("_x$1"), "_x$1");
    assert_eq!(ident(""), "\"\"");
    assert_eq!(quoted_ident("users"), "\"users\"");
    assert_eq!(quoted_ident("a\"b"), "\"a\"\"b\"");
}

#[test]
fn qualified_names() {
    assert_eq!(qualified(&QualName::new("public", "users")), "public.users");
    assert_eq!(qualified(&QualName::new("App", "select")), "\"App\".\"select\"");
    assert_eq!(qualified_name("", "Idx"), "\"Idx\"");
    assert_eq!(qualified_name("app", "items"), "app.items");
}

#[test]
fn literals_survive_quotes_and_backslashes() {
    assert_eq!(literal("it's"), "'it''s'");
    assert_eq!(literal("a\\b"), "E'a\\\\b'");
    assert_eq!(literal(r"a\b'"), r"E'a\\b'''");
    assert_eq!(literal("two\nlines"), "'two\nlines'");
}

/// Every SQL token reads back, through the real parser, as exactly the text it was made from.
#[test]
fn tokens_parse_back_to_their_text() {
    for name in nasty().into_iter().filter(|n| !n.is_empty()) {
        for quoted in [ident(&name), quoted_ident(&name), display_ident(&name), encode_quoted(&name)] {
            let sql = format!("SELECT 1 AS {quoted}");
            let tree = pg_query::parse(&sql, 0).unwrap_or_else(|e| panic!("{sql:?}: {e}"));
            let json = serde_json_string(&tree);
            assert_eq!(tree.protobuf.stmts.len(), 1, "{sql:?}");
            assert!(json.contains(&format!("{name:?}")) || name.len() > 63, "{sql:?} -> {json}");
        }
        let sql = format!("SELECT {}, {}", literal(&name), dollar_quote(&name));
        let tree = pg_query::parse(&sql, 0).unwrap_or_else(|e| panic!("{sql:?}: {e}"));
        assert_eq!(tree.protobuf.stmts.len(), 1, "{sql:?}");
        let strings: Vec<String> = pg_query::parse(&sql, 0)
            .unwrap()
            .protobuf
            .nodes()
            .into_iter()
            .filter_map(|(node, _, _, _)| match node {
                pg_query::NodeRef::AConst(c) => match &c.val {
                    Some(pg_query::protobuf::a_const::Val::Sval(s)) => Some(s.sval.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(strings, [name.clone(), name.clone()], "{sql:?}");
    }
}

/// The parse tree's debug text, enough to look for a name in it.
fn serde_json_string(tree: &pg_query::ParseResult) -> String {
    format!("{:?}", tree.protobuf)
}

#[test]
fn dollar_tags_never_close_early() {
    assert_eq!(dollar_tag("SELECT 1"), "$body$");
    assert_eq!(dollar_tag("a $body$ b"), "$body1$");
    assert_eq!(dollar_tag("a $body$ $body1$"), "$body2$");
    // The trap: a body ending in `$body` followed by `$body$` holds `$body$` one char early.
    assert_eq!(dollar_tag("x $body"), "$body1$");
    assert_eq!(dollar_tag("x $body1$ $body"), "$body2$");
    assert_eq!(dollar_quote("$$"), "$body$$$$body$");
    assert_eq!(dollar_tag_named("schemactl", "BEGIN END"), "$schemactl$");
    assert_eq!(dollar_tag_named("schemactl", "'$schemactl$'"), "$schemactl1$");
}

#[test]
fn visible_escapes_every_control_character() {
    assert_eq!(visible("plain text, \\ and 'quotes'"), "plain text, \\ and 'quotes'");
    assert_eq!(visible("a\nb\rc\td"), "a\\nb\\rc\\td");
    assert_eq!(visible("bell\u{7} esc\u{1b} del\u{7f} nel\u{85}"), "bell\\u{7} esc\\u{1b} del\\u{7f} nel\\u{85}");
    assert_eq!(visible("\u{2028}\u{2029}\u{202e}\u{2066}"), "\\u{2028}\\u{2029}\\u{202e}\\u{2066}");
    assert_eq!(visible("ünïcödé 名前 🐘"), "ünïcödé 名前 🐘");
    for c in (0..=0x10ffff).filter_map(char::from_u32) {
        let shown = visible(&c.to_string());
        assert!(!shown.chars().any(|c| c.is_control()), "{c:?} -> {shown:?}");
    }
}

/// A comment is one line to PostgreSQL's scanner: what follows it is the next statement,
/// whatever the comment says.
#[test]
fn comments_hold_any_text_on_one_line() {
    assert_eq!(comment("hazard data-loss: drops table public.t"), "-- hazard data-loss: drops table public.t");
    assert_eq!(comment("x\nDROP TABLE public.victim;--"), "-- x\\nDROP TABLE public.victim;--");
    for name in nasty() {
        let script = format!("{}\nSELECT 1;", comment(&format!("drops table {name} and all its rows")));
        assert_eq!(script.lines().count(), 2, "{script:?}");
        let scanned = pg_query::scan(&script).unwrap();
        let kinds: Vec<i32> = scanned.tokens.iter().map(|t| t.token).collect();
        assert_eq!(kinds.len(), 4, "{script:?}: {kinds:?}"); // comment, SELECT, 1, ;
        assert_eq!(pg_query::split_with_parser(&script).unwrap().len(), 1, "{script:?}");
    }
}

#[test]
fn display_names_are_unambiguous() {
    assert_eq!(display_ident("users"), "users");
    assert_eq!(display_ident("Users"), "\"Users\"");
    assert_eq!(display_ident("x\nDROP"), "U&\"x\\000aDROP\"");
    assert_eq!(display_ident("a\\b\n\"c"), "U&\"a\\\\b\\000a\"\"c\"");
    assert_eq!(display_ident("rtl\u{202e}"), "U&\"rtl\\202e\"");
    assert_ne!(display_ident("a\nb"), display_ident("a\\nb"));
    assert_eq!(display_qualified(&QualName::new("public", "x\ny")), "public.U&\"x\\000ay\"");
}

#[test]
fn quoted_names_round_trip() {
    for name in nasty() {
        let encoded = encode_quoted(&name);
        assert!(!encoded.chars().any(is_unsafe_char), "{encoded:?}");
        let line = format!("{encoded}.rest");
        let (decoded, rest) = decode_quoted(&line).unwrap();
        assert_eq!((decoded.as_str(), rest), (name.as_str(), ".rest"), "{encoded:?}");
        // What PostgreSQL's parser reads is the same name.
        if !name.is_empty() && name.len() <= 63 {
            let tree = pg_query::parse(&format!("SELECT 1 AS {encoded}"), 0).unwrap();
            assert!(format!("{:?}", tree.protobuf).contains(&format!("{name:?}")), "{encoded:?}");
        }
    }
    // The plain form is unchanged from earlier revision files.
    assert_eq!(encode_quoted("portal"), "\"portal\"");
    assert_eq!(encode_quoted("we\"ird.name"), "\"we\"\"ird.name\"");
    assert_eq!(decode_quoted("\"a\\000a\" x"), Some(("a\\000a".to_string(), " x")));
    assert_eq!(decode_quoted("U&\"a\\+01f418\""), Some(("a🐘".to_string(), "")));
    for bad in ["", "x", "\"open", "U&\"\\12\"", "U&\"\\zzzz\"", "U&\"\\d800\"", "U&\"\\+11ffff\""] {
        assert_eq!(decode_quoted(bad), None, "{bad:?}");
    }
}

/// The scanner's answer is remembered per word: asked again, the same word quotes the same,
/// and words with digits (never keywords) skip the scanner.
#[test]
fn keyword_answers_are_remembered_not_changed() {
    for _ in 0..3 {
        assert_eq!(ident("select"), "\"select\"");
        assert_eq!(ident("between"), "\"between\"");
        assert_eq!(ident("name"), "name");
        assert_eq!(ident("created_at"), "created_at");
        assert_eq!(ident("col_17"), "col_17");
        assert_eq!(ident("int4"), "int4");
    }
}
