//! All SQL text schemactl writes, in one place: identifiers, qualified names, string literals,
//! dollar quotes and comments. Names come from user schemas and may hold anything PostgreSQL
//! allows (every character but NUL), so each function here is safe for any input: a name or a
//! message can never end the quoted token or the comment it is written into.
//!
//! Two families:
//! - SQL tokens ([`ident`], [`quoted_ident`], [`qualified`], [`literal`], [`dollar_quote`]):
//!   what PostgreSQL reads back as exactly the given text.
//! - Text for people ([`comment`], [`visible`], [`display_ident`], [`display_qualified`]): never
//!   a raw control character, because a newline or carriage return ends a `--` comment (the
//!   rest of the line would run as SQL) and other control characters rewrite terminals.
//!
//! [`encode_quoted`] and [`decode_quoted`] are the lossless pair for names in line-based files
//! (revision headers): PostgreSQL's own `U&"..."` form when a name holds a control character.

use pg_query::protobuf::KeywordKind;
use schemactl_model::QualName;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Quotes an identifier the way PostgreSQL's `quote_ident` does: bare when it is a plain
/// lower-case name that is not a keyword (unreserved keywords are fine), quoted otherwise.
/// The same text PostgreSQL prints, so it compares equal to catalog output.
pub fn ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !is_keyword(name) {
        name.to_string()
    } else {
        quoted_ident(name)
    }
}

/// An identifier, always double-quoted (inner quotes doubled): for generated text where a
/// stable form matters more than matching PostgreSQL's printing.
pub fn quoted_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Asks the real PostgreSQL scanner whether `word` is a keyword that needs quoting.
///
/// A plan quotes every column of every table it compares (350,000 at 20,000 tables), and a scan
/// is a call into the parser and a protobuf round trip: each word is asked once per process.
/// PostgreSQL's keywords (`pg_get_keywords()`, all majors) are lower-case letters and
/// underscores only, so a word with a digit or `$` is never one and is not even asked.
fn is_keyword(word: &str) -> bool {
    if word.bytes().any(|b| b.is_ascii_digit() || b == b'$') {
        return false;
    }
    // Bounded, so that a long-running process (a fleet) does not grow it without end.
    const REMEMBERED: usize = 100_000;
    static ASKED: Mutex<BTreeMap<String, bool>> = Mutex::new(BTreeMap::new());
    if let Some(known) = ASKED.lock().ok().and_then(|asked| asked.get(word).copied()) {
        return known;
    }
    let keyword = match pg_query::scan(word) {
        Ok(scan) => scan.tokens.first().is_some_and(|t| {
            t.keyword_kind != KeywordKind::NoKeyword as i32 && t.keyword_kind != KeywordKind::UnreservedKeyword as i32
        }),
        Err(_) => true,
    };
    if let Ok(mut asked) = ASKED.lock() {
        if asked.len() < REMEMBERED {
            asked.insert(word.to_string(), keyword);
        }
    }
    keyword
}

/// `schema.name`, each part quoted when needed.
pub fn qualified(name: &QualName) -> String {
    format!("{}.{}", ident(&name.schema), ident(&name.name))
}

/// `schema.name`, each part quoted when needed; just the name when `schema` is empty.
pub fn qualified_name(schema: &str, name: &str) -> String {
    if schema.is_empty() {
        ident(name)
    } else {
        format!("{}.{}", ident(schema), ident(name))
    }
}

/// A string literal, as `quote_literal` writes it: quotes doubled, and the `E''` form with
/// doubled backslashes when the text holds one, so it reads back the same whatever
/// `standard_conforming_strings` says.
pub fn literal(text: &str) -> String {
    let body = text.replace('\'', "''");
    if body.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

/// A dollar-quote tag (`$body$`, else `$body1$`, `$body2$`...) that closes `body` exactly at
/// its end. Checked on `body` followed by the tag, not on `body` alone: a body ending in
/// `$body` would otherwise let the scanner find `$body$` one character early.
pub fn dollar_tag(body: &str) -> String {
    dollar_tag_named("body", body)
}

/// A dollar-quote tag made from `name` (`$name$`, else `$name1$`...) that closes `body` exactly
/// at its end, like [`dollar_tag`]. `name` must be a plain lower-case word.
pub fn dollar_tag_named(name: &str, body: &str) -> String {
    let mut n = 0usize;
    loop {
        let tag = if n == 0 { format!("${name}$") } else { format!("${name}{n}$") };
        let closed = format!("{body}{tag}");
        if closed.find(&tag) == Some(body.len()) {
            return tag;
        }
        n += 1;
    }
}

/// `body` dollar-quoted with a [`dollar_tag`] it cannot close early.
pub fn dollar_quote(body: &str) -> String {
    let tag = dollar_tag(body);
    format!("{tag}{body}{tag}")
}

/// Characters that never appear raw in text for people: control characters (a newline or
/// carriage return ends a `--` comment; escape sequences rewrite terminals), the Unicode line
/// and paragraph separators some editors break lines at, and the bidirectional controls that
/// make text display in another order than it runs.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{feff}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every [unsafe character](is_unsafe_char) escaped visibly: `\n`, `\r`, `\t`, and
/// `\u{7}` (hexadecimal, as Rust writes it) for the others. Everything else is kept as is.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// One `-- ` line comment holding `text` (no line ending): whatever `text` holds, the comment
/// ends at the end of the line and nothing of it can run as SQL.
pub fn comment(text: &str) -> String {
    format!("-- {}", visible(text))
}

/// A name for a comment or a message, unambiguous and free of unsafe characters: as [`ident`]
/// writes it, or in PostgreSQL's `U&"..."` form (`\000a` for a newline, `\\` for a backslash)
/// when it holds an [unsafe character](is_unsafe_char). Still valid SQL for the same name.
pub fn display_ident(name: &str) -> String {
    if name.chars().any(is_unsafe_char) {
        unicode_quoted(name)
    } else {
        ident(name)
    }
}

/// `schema.name` for a comment or a message, each part as [`display_ident`] writes it.
pub fn display_qualified(name: &QualName) -> String {
    format!("{}.{}", display_ident(&name.schema), display_ident(&name.name))
}

/// A name always quoted, losslessly and on one line: `"name"` (quotes doubled), or `U&"..."`
/// when it holds an [unsafe character](is_unsafe_char). [`decode_quoted`] reads it back.
pub fn encode_quoted(name: &str) -> String {
    if name.chars().any(is_unsafe_char) {
        unicode_quoted(name)
    } else {
        quoted_ident(name)
    }
}

/// `U&"..."`: quotes doubled, backslashes doubled, unsafe characters as `\XXXX` or
/// `\+XXXXXX` (PostgreSQL's Unicode escapes for identifiers).
fn unicode_quoted(name: &str) -> String {
    let mut out = String::from("U&\"");
    for c in name.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe_char(c) && (c as u32) <= 0xffff => out.push_str(&format!("\\{:04x}", c as u32)),
            c if is_unsafe_char(c) => out.push_str(&format!("\\+{:06x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads one quoted name at the start of `text` (`"..."` or `U&"..."`, as [`encode_quoted`]
/// writes them) and returns it with the rest of the text; `None` when `text` does not start
/// with a well-formed one.
pub fn decode_quoted(text: &str) -> Option<(String, &str)> {
    let (unicode, body) = match text.strip_prefix("U&\"").or_else(|| text.strip_prefix("u&\"")) {
        Some(body) => (true, body),
        None => (false, text.strip_prefix('"')?),
    };
    let mut name = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                chars.next();
                name.push('"');
            }
            '"' => return Some((name, &body[i + 1..])),
            '\\' if unicode => {
                let rest = &body[i + 1..];
                let (digits, skip) = if rest.starts_with('\\') {
                    chars.next();
                    name.push('\\');
                    continue;
                } else if let Some(six) = rest.strip_prefix('+') {
                    (six.get(..6)?, 7)
                } else {
                    (rest.get(..4)?, 4)
                };
                if !digits.chars().all(|d| d.is_ascii_hexdigit()) {
                    return None;
                }
                name.push(char::from_u32(u32::from_str_radix(digits, 16).ok()?)?);
                for _ in 0..skip {
                    chars.next();
                }
            }
            c => name.push(c),
        }
    }
    None
}

mod diagram;
pub use diagram::{dot_string, dot_text, mermaid_text, mermaid_word};

#[cfg(test)]
mod tests;
