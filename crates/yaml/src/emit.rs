//! Writes the tree of [`crate::ser`] as block-style YAML, the way a person would: two-space
//! indentation, short lists of names inline (`columns: [owner_id, slug]`), short mappings of
//! scalars inline (`id: {type: bigint, primary_key: true}`), multi-line SQL as
//! literal blocks (`body: |`), quotes only where YAML needs them, and a blank line between
//! the sections of the document and between the objects in them.

use crate::ser::Out;

/// Keys of mappings from names to objects, which read best one object per line even when
/// the objects are short (`indexes:`, `checks:`...); the document's sections are such too.
const NAMED_OBJECTS: &[&str] = &[
    "columns",
    "unique",
    "checks",
    "foreign_keys",
    "exclusions",
    "indexes",
    "triggers",
    "policies",
    "statistics",
    "attributes",
    "column_comments",
];

/// Inline lists longer than this (with their key) are written one item per line.
const MAX_INLINE: usize = 100;

pub(crate) fn document(out: &Out) -> String {
    let mut text = String::new();
    match out {
        Out::Map(entries) => {
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                // Objects of a section (tables, views...) spanning several lines get a blank
                // line between them.
                let spaced = matches!(value, Out::Map(objects) if objects.iter().any(|(_, v)| multi_line(v)));
                entry(&mut text, 0, key, value, spaced);
            }
        }
        other => value_line(&mut text, 0, other),
    }
    text
}

fn multi_line(out: &Out) -> bool {
    match out {
        Out::Map(entries) => !entries.is_empty() && inline_map(entries).is_none(),
        Out::Seq(items) => inline_seq(items).is_none(),
        Out::Str(s) => s.contains('\n'),
        _ => false,
    }
}

fn indent(text: &mut String, n: usize) {
    text.extend(std::iter::repeat_n(' ', n));
}

/// `key: value` at `level` spaces, and what is below it.
fn entry(text: &mut String, level: usize, key: &str, value: &Out, spaced: bool) {
    indent(text, level);
    text.push_str(&scalar(key, false).unwrap_or_else(|| double_quoted(key)));
    text.push(':');
    match value {
        Out::Map(entries) if !entries.is_empty() => match inline_map(entries) {
            Some(inline)
                if level > 0 && !NAMED_OBJECTS.contains(&key) && level + key.len() + 2 + inline.len() <= MAX_INLINE =>
            {
                text.push(' ');
                text.push_str(&inline);
                text.push('\n');
            }
            _ => {
                text.push('\n');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if spaced && i > 0 {
                        text.push('\n');
                    }
                    entry(text, level + 2, k, v, false);
                }
            }
        },
        Out::Seq(items) if !items.is_empty() => match inline_seq(items) {
            Some(inline) if level + key.len() + 2 + inline.len() <= MAX_INLINE => {
                text.push(' ');
                text.push_str(&inline);
                text.push('\n');
            }
            _ => {
                text.push('\n');
                for item in items {
                    seq_item(text, level + 2, item);
                }
            }
        },
        other => {
            text.push(' ');
            value_line(text, level + 2, other);
        }
    }
}

/// `- item` at `level`.
fn seq_item(text: &mut String, level: usize, item: &Out) {
    indent(text, level);
    text.push_str("- ");
    match item {
        Out::Map(entries) if !entries.is_empty() => {
            // The first entry goes on the dash's line, the others below it.
            let mut first = String::new();
            entry(&mut first, level + 2, &entries[0].0, &entries[0].1, false);
            text.push_str(first.trim_start());
            for (k, v) in &entries[1..] {
                entry(text, level + 2, k, v, false);
            }
        }
        Out::Seq(items) if !items.is_empty() => {
            text.push('\n');
            for i in items {
                seq_item(text, level + 2, i);
            }
        }
        other => value_line(text, level + 2, other),
    }
}

/// A scalar (or empty collection) after `key: ` or `- `, ending the line; a block scalar's
/// lines are indented to `level`.
fn value_line(text: &mut String, level: usize, value: &Out) {
    match value {
        Out::Null => text.push_str("null"),
        Out::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
        Out::Int(n) => text.push_str(&n.to_string()),
        Out::Float(f) => text.push_str(&float(*f)),
        Out::Map(_) => text.push_str("{}"),
        Out::Seq(_) => text.push_str("[]"),
        Out::Str(s) => match scalar(s, false) {
            Some(one_line) => text.push_str(&one_line),
            None => {
                literal_block(text, level, s);
                return;
            }
        },
    }
    text.push('\n');
}

fn float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.into()
    } else if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// `[a, b, c]` when every item is a scalar that needs no quotes in a flow list.
fn inline_seq(items: &[Out]) -> Option<String> {
    let parts: Option<Vec<String>> = items
        .iter()
        .map(|item| match item {
            Out::Str(s) if !s.contains('\n') => scalar(s, true),
            Out::Int(n) => Some(n.to_string()),
            Out::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect();
    Some(format!("[{}]", parts?.join(", ")))
}

/// `{type: bigint, nullable: false}` when every value is a one-line scalar or an inline list
/// (as people write columns, references and short objects).
fn inline_map(entries: &[(String, Out)]) -> Option<String> {
    let parts: Option<Vec<String>> = entries
        .iter()
        .map(|(key, value)| {
            let value = match value {
                Out::Str(s) if !s.contains('\n') => scalar(s, true)?,
                Out::Int(n) => n.to_string(),
                Out::Bool(b) => b.to_string(),
                Out::Seq(items) if items.is_empty() => "[]".to_string(),
                Out::Seq(items) => inline_seq(items)?,
                _ => return None,
            };
            Some(format!("{}: {value}", scalar(key, true)?))
        })
        .collect();
    Some(format!("{{{}}}", parts?.join(", ")))
}

/// A string on one line: plain when YAML reads it back as the same string, else quoted;
/// `None` for text that belongs in a literal block.
pub(crate) fn scalar(s: &str, flow: bool) -> Option<String> {
    if s.contains('\n') && literal_ok(s) {
        return None;
    }
    if plain_ok(s, flow) {
        return Some(s.to_string());
    }
    let controls = s.chars().any(|c| c.is_control() || is_break(c));
    if !controls && s.contains('\'') && !s.contains('"') && !s.contains('\\') {
        return Some(format!("\"{s}\""));
    }
    if !controls {
        return Some(format!("'{}'", s.replace('\'', "''")));
    }
    Some(double_quoted(s))
}

fn is_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_break(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether YAML reads `s`, unquoted, as this very string (in a flow list when `flow`).
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || s.chars().any(|c| c.is_control() || is_break(c)) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    // In a flow list, only what reads the same in every parser: names, words, calls.
    if flow && !s.chars().all(|c| c.is_alphanumeric() || "_.() $".contains(c)) {
        return false;
    }
    !looks_like_other_type(s)
}

/// Null, booleans (YAML 1.1's too, for other tools' sake) and anything number-like.
fn looks_like_other_type(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "<<") {
        return true;
    }
    let body = lower.trim_start_matches(['+', '-']);
    let numeric_chars = |t: &str| t.chars().all(|c| c.is_ascii_hexdigit() || "._xo:+-".contains(c));
    (body.starts_with(|c: char| c.is_ascii_digit()) || body.starts_with('.')) && numeric_chars(body)
        || matches!(body, ".inf" | ".nan")
}

/// A literal block keeps the text exactly when it has a line of content and no line the
/// block would change: no tabs or carriage returns, no trailing spaces (editors strip them).
fn literal_ok(s: &str) -> bool {
    // Several final line breaks would need `|+`, which would also keep the blank lines that
    // separate what follows.
    !s.trim().is_empty()
        && !s.ends_with("\n\n")
        && !s.chars().any(|c| (c.is_control() && c != '\n') || is_break(c))
        && !s.split('\n').any(|l| l.ends_with(' '))
}

/// `|` and the text's lines indented to `level`.
fn literal_block(text: &mut String, level: usize, s: &str) {
    text.push('|');
    // An explicit indentation when the first line of content starts with a space (the
    // block's indentation is otherwise taken from it).
    if s.split('\n').find(|l| !l.is_empty()).is_some_and(|l| l.starts_with(' ')) {
        text.push('2');
    }
    // `|` keeps one final line break, `|-` none (see `literal_ok`).
    let body = match s.strip_suffix('\n') {
        Some(body) => body,
        None => {
            text.push('-');
            s
        }
    };
    text.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(text, level);
            text.push_str(line);
        }
        text.push('\n');
    }
}
