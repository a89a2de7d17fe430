use pg_query::protobuf::KeywordKind;

/// Quotes an identifier the way PostgreSQL's `quote_ident` does: bare when it is a plain
/// lower-case name that is not a keyword (unreserved keywords are fine), quoted otherwise.
pub fn ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !is_keyword(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Asks the real PostgreSQL scanner whether `word` is a keyword that needs quoting.
fn is_keyword(word: &str) -> bool {
    match pg_query::scan(word) {
        Ok(scan) => scan.tokens.first().is_some_and(|t| {
            t.keyword_kind != KeywordKind::NoKeyword as i32 && t.keyword_kind != KeywordKind::UnreservedKeyword as i32
        }),
        Err(_) => true,
    }
}

/// `schema.name`, each part quoted when needed.
pub fn qualified(name: &schemactl_model::QualName) -> String {
    format!("{}.{}", ident(&name.schema), ident(&name.name))
}

/// A string literal; `E''` form when backslashes would otherwise be ambiguous.
pub fn literal(text: &str) -> String {
    let body = text.replace('\'', "''");
    if body.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_postgres() {
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("name"), "name");
        assert_eq!(ident("CamelCase"), "\"CamelCase\"");
        assert_eq!(ident("with space"), "\"with space\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(ident("1abc"), "\"1abc\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b"), "E'a\\\\b'");
    }
}
