//! Under an error at a place in a schema file (`file:line:column: message`: the parser, the
//! YAML reader, or a server error the shadow load maps back to its statement), the source line
//! with a caret under the column, drawn by miette. Read back from the message's first line,
//! so that the libraries keep producing plain messages and only the terminal gets the picture.

use std::path::Path;

/// The snippet for an error whose first line starts at a place in a readable file; `None`
/// when it does not (most errors), or the file or the line is gone.
pub fn for_message(first_line: &str, color: bool) -> Option<String> {
    let (path, line, column) = location(first_line)?;
    let text = std::fs::read_to_string(path).ok()?;
    render(path, &text, span(&text, line, column)?, color)
}

/// `file:line:column:` at the start of the line, or after a `: ` (messages that say first what
/// was being done). The file is the one that exists: its name may itself contain a `:`.
fn location(first: &str) -> Option<(&str, usize, usize)> {
    let starts = std::iter::once(0).chain(first.match_indices(": ").map(|(i, _)| i + 2));
    for start in starts {
        let rest = &first[start..];
        for (i, _) in rest.match_indices(':') {
            let path = &rest[..i];
            let mut parts = rest[i + 1..].splitn(3, ':');
            let (Some(line), Some(column), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let (Ok(line), Ok(column)) = (line.parse::<usize>(), column.parse::<usize>()) else { continue };
            if line > 0 && !path.is_empty() && Path::new(path).is_file() {
                return Some((path, line, column));
            }
        }
    }
    None
}

/// The byte offset and length of the character at 1-based `line` and `column` (counted in
/// characters, as the messages count them), kept on the line: a column past its end points at
/// its last character.
fn span(text: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let mut offset = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            let content = l.trim_end_matches(['\n', '\r']);
            let mut chars = content.char_indices();
            let last = content.char_indices().last();
            let (at, c) = chars.nth(column.saturating_sub(1)).or(last)?;
            return Some((offset + at, c.len_utf8()));
        }
        offset += l.len();
    }
    None
}

fn render(path: &str, text: &str, (offset, len): (usize, usize), color: bool) -> Option<String> {
    use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, ThemeStyles};
    // An unlabeled span of one character: drawn as a `^` under it.
    let diagnostic = MietteDiagnostic::new(String::new()).with_label(LabeledSpan::new(None, offset, len));
    let report = miette::Report::new(diagnostic).with_source_code(NamedSource::new(path, text.to_string()));
    let mut theme = GraphicalTheme::ascii();
    theme.styles = if color { ThemeStyles::ansi() } else { ThemeStyles::none() };
    // One line either side: miette's context is counted in lines around the span's own.
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false).with_context_lines(1);
    let mut drawn = String::new();
    handler.render_report(&mut drawn, report.as_ref()).ok()?;
    // The header line miette draws first would repeat the error's first line: the snippet
    // starts at the frame that names the file.
    let start = drawn.find(",-[")?;
    let start = drawn[..start].rfind('\n').map_or(0, |i| i + 1);
    Some(drawn[start..].trim_end().to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_found_after_a_prefix_and_only_in_files_that_exist() {
        let dir = tempfile_dir();
        let file = dir.join("a:b.sql");
        std::fs::write(&file, "CREATE TABLE t (\n  id intt\n);\n").unwrap();
        let shown = file.display().to_string();
        assert_eq!(location(&format!("{shown}:2:6: type \"intt\" does not exist")), Some((shown.as_str(), 2, 6)));
        assert_eq!(location(&format!("loading: {shown}:2:6: x")), Some((shown.as_str(), 2, 6)));
        assert_eq!(location("nowhere.sql:2:6: x"), None);
        assert_eq!(location("connection refused"), None);
        assert_eq!(span("ab\ncdé\nx", 2, 3), Some((5, 2)));
        assert_eq!(span("ab\ncd\n", 2, 40), Some((4, 1)));
        assert_eq!(span("ab\n", 5, 1), None);
        let snippet = for_message(&format!("{shown}:2:6: type \"intt\" does not exist"), false).expect("snippet");
        let source = snippet.lines().find(|l| l.contains("id intt")).unwrap_or_else(|| panic!("{snippet}"));
        let caret = snippet.lines().find(|l| l.contains('^')).unwrap_or_else(|| panic!("{snippet}"));
        assert_eq!(caret.find('^'), source.find("intt"), "{snippet}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("schemactl-snippet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
