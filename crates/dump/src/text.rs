//! Reading the texts PostgreSQL prints (`pg_get_constraintdef`, `pg_get_indexdef`,
//! `pg_get_triggerdef`...): splitting at top-level separators, matching parentheses, and
//! identifiers, always skipping over quoted strings and identifiers.

pub(crate) use schemactl_sqltext::ident;

/// `schema.name` as PostgreSQL prints it (each part quoted when needed).
pub(crate) fn qualified(schema: &str, name: &str) -> String {
    schemactl_sqltext::qualified_name(schema, name)
}

/// The byte index just after the quoted string, identifier or dollar-quoted text starting at
/// `i`, or `None` when `i` starts none of them.
fn skip_quoted(s: &str, i: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    match bytes[i] {
        b'\'' => {
            // E'...' strings escape with backslashes.
            let escapes = i > 0 && matches!(bytes[i - 1], b'E' | b'e') && (i < 2 || !is_word(bytes[i - 2]));
            let mut j = i + 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' if escapes => j += 2,
                    b'\'' if bytes.get(j + 1) == Some(&b'\'') => j += 2,
                    b'\'' => return Some(j + 1),
                    _ => j += 1,
                }
            }
            Some(bytes.len())
        }
        b'"' => {
            let mut j = i + 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'"' if bytes.get(j + 1) == Some(&b'"') => j += 2,
                    b'"' => return Some(j + 1),
                    _ => j += 1,
                }
            }
            Some(bytes.len())
        }
        b'$' if i == 0 || !is_word(bytes[i - 1]) => {
            let tag_end = s[i + 1..].find(|c: char| !(c.is_alphanumeric() || c == '_'))? + i + 1;
            if bytes.get(tag_end) != Some(&b'$') {
                return None;
            }
            let tag = &s[i..=tag_end];
            let close = s[tag_end + 1..].find(tag)? + tag_end + 1;
            Some(close + tag.len())
        }
        _ => None,
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The byte index of the `)` matching the `(` at `open`.
pub(crate) fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        if let Some(next) = skip_quoted(s, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Byte indexes where `sep` occurs outside quotes and brackets.
pub(crate) fn find_top(s: &str, sep: &str) -> Vec<usize> {
    let bytes = s.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if depth == 0 && s[i..].starts_with(sep) {
            found.push(i);
            i += sep.len();
            continue;
        }
        if let Some(next) = skip_quoted(s, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    found
}

/// `s` split at `sep` outside quotes and brackets.
pub(crate) fn split_top<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for at in find_top(s, sep) {
        parts.push(&s[start..at]);
        start = at + sep.len();
    }
    parts.push(&s[start..]);
    parts
}

/// `(inner)` when `s` is exactly one parenthesized group: `inner`.
pub(crate) fn strip_parens(s: &str) -> Option<&str> {
    if s.starts_with('(') && matching_paren(s, 0) == Some(s.len() - 1) {
        Some(&s[1..s.len() - 1])
    } else {
        None
    }
}

/// The name an identifier printed by PostgreSQL stands for: `"Order"` -> `Order`, `users` ->
/// `users`. `None` for anything else (a qualified name, an expression).
pub(crate) fn unquote(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        if inner.is_empty() || inner.replace("\"\"", "").contains('"') {
            return None;
        }
        return Some(inner.replace("\"\"", "\""));
    }
    let name = s.to_string();
    (ident(&name) == name).then_some(name)
}

/// A list of identifiers as PostgreSQL prints it (`a, "B"`) -> the names.
pub(crate) fn names(list: &str) -> Option<Vec<String>> {
    if list.trim().is_empty() {
        return Some(Vec::new());
    }
    split_top(list, ", ").into_iter().map(unquote).collect()
}

/// Names as PostgreSQL prints a list of them.
pub(crate) fn name_list(names: &[String]) -> String {
    names.iter().map(|n| ident(n)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_parentheses() {
        assert_eq!(
            split_top("a, numeric(10, 2), 'x, y', \"b, c\"", ", "),
            ["a", "numeric(10, 2)", "'x, y'", "\"b, c\""]
        );
        assert_eq!(split_top("E'\\', ', b", ", "), ["E'\\', '", "b"]);
        assert_eq!(split_top("$x$ a, b $x$, c", ", "), ["$x$ a, b $x$", "c"]);
        assert_eq!(find_top("f(a AND b) AND c", " AND "), [10]);
    }

    #[test]
    fn finds_matching_parentheses() {
        assert_eq!(matching_paren("(a, (b)) c", 0), Some(7));
        assert_eq!(matching_paren("(')') x", 0), Some(4));
        assert_eq!(matching_paren("(a", 0), None);
        assert_eq!(strip_parens("(a) AND (b)"), None);
        assert_eq!(strip_parens("((a) AND (b))"), Some("(a) AND (b)"));
    }

    #[test]
    fn reads_identifiers_as_postgres_prints_them() {
        assert_eq!(unquote("users").as_deref(), Some("users"));
        assert_eq!(unquote("\"Order\"").as_deref(), Some("Order"));
        assert_eq!(unquote("\"a\"\"b\"").as_deref(), Some("a\"b"));
        assert_eq!(unquote("\"order\"").as_deref(), Some("order"));
        assert_eq!(unquote("a.b"), None);
        assert_eq!(unquote("lower(a)"), None);
        assert_eq!(names("a, \"B\", \"c, d\""), Some(vec!["a".into(), "B".into(), "c, d".into()]));
        assert_eq!(name_list(&["a".into(), "B".into(), "user".into()]), "a, \"B\", \"user\"");
    }
}
