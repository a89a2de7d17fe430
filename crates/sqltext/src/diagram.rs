//! Names in diagrams: Mermaid and Graphviz DOT are languages too, and a table called
//! `a"b`, `x y` or `#quot;` must draw as itself without ending a string or a statement early.
//! Control characters are shown escaped first ([`visible`](crate::visible)), as everywhere.

use crate::visible;

/// Text for inside a Mermaid double-quoted string (entity names, comments, labels). Mermaid has
/// no backslash escape: `"` is written as its entity code `#quot;`, and `#` as `#35;` so that
/// text which looks like an entity code (`#lt;`) is not decoded into another character. `<` and
/// `>` get codes too, since GitHub renders labels as HTML, and so do `` ` `` (a fence around the
/// diagram) and `%` (a comment). Checked with Mermaid 11's parser on hostile names.
pub fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            // A backtick run would end the Markdown fence around the diagram.
            '`' => out.push_str("#96;"),
            // `%%` starts a Mermaid comment anywhere on a line, even inside quotes.
            '%' => out.push_str("#37;"),
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid `erDiagram` attribute type or name, which cannot be quoted: ASCII letters, digits,
/// `_` and `-`, starting with a letter. Anything else becomes `_`; the second value is false
/// when the word is not the text itself (the caller then shows the text in the comment).
pub fn mermaid_word(text: &str) -> (String, bool) {
    let mut word: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let kept = word.trim_end_matches('_').len();
    if kept > 0 {
        word.truncate(kept);
    }
    let word_ok = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !word_ok {
        word.insert_str(0, "x_");
    }
    let same = word == text;
    (word, same)
}

/// A DOT double-quoted string, quotes included: `\` and `"` escaped. Newlines in the text are
/// already shown as `\n` by [`visible`], so its line breaks are the caller's `\l`.
pub fn dot_string(text: &str) -> String {
    format!("\"{}\"", dot_text(text))
}

/// The inside of a DOT double-quoted string (see [`dot_string`]), for labels built of parts.
pub fn dot_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in visible(text).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_strings_never_end_early() {
        assert_eq!(mermaid_text("plain"), "plain");
        assert_eq!(mermaid_text("a\"b"), "a#quot;b");
        assert_eq!(mermaid_text("#quot; <b>"), "#35;quot; #lt;b#gt;");
        assert_eq!(mermaid_text("new\nline"), "new\\nline");
        assert_eq!(mermaid_text("ünïcode"), "ünïcode");
        assert_eq!(mermaid_text("a %% b `c`"), "a #37;#37; b #96;c#96;");
        assert!(!mermaid_text("\"\"\n\"").contains(['"', '\n']));
    }

    #[test]
    fn mermaid_words_are_tokens() {
        assert_eq!(mermaid_word("user_id"), ("user_id".into(), true));
        assert_eq!(mermaid_word("character varying(20)"), ("character_varying_20".into(), false));
        assert_eq!(mermaid_word("1st"), ("x_1st".into(), false));
        assert_eq!(mermaid_word(""), ("x_".into(), false));
        assert_eq!(mermaid_word("naïve \"x\""), ("na_ve__x".into(), false));
    }

    #[test]
    fn dot_strings_never_end_early() {
        assert_eq!(dot_string("public.users"), "\"public.users\"");
        assert_eq!(dot_string("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(dot_string("x\ny"), "\"x\\\\ny\"");
        assert_eq!(dot_string("ünïcode"), "\"ünïcode\"");
    }
}
