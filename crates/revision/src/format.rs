//! The revision file format: a header of `-- key: value` comment lines, then an up section and
//! a down section, each introduced by a marker line. The whole file is valid SQL, so editors
//! highlight it and psql could run either section by hand.

use crate::error::{Error, Result};
use crate::{sha256_hex, Expectation, Replaced, Revision, RevisionKind};

const FIRST_LINE: &str = "-- schemactl revision ";
const UP_MARKER: &str = "-- schemactl:up";
const DOWN_MARKER: &str = "-- schemactl:down";
const NOTE: &str = "-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.";

/// Which part of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Up,
    Down,
}

/// What a new revision holds; [`build`] turns it into a [`Revision`] with its text.
#[derive(Clone, Debug)]
pub struct Draft {
    pub id: String,
    pub slug: String,
    pub parent: Option<String>,
    pub message: String,
    pub kind: RevisionKind,
    pub before: String,
    pub after: String,
    pub hazards: Vec<String>,
    pub expects: Vec<Expectation>,
    pub up: String,
    pub down: String,
}

/// Renders a draft into its file text and returns the revision that text parses to.
pub fn build(draft: Draft) -> Revision {
    build_replacing(draft, None)
}

/// [`build`] for a baseline that takes over from another tool's history: the header gets a
/// `-- replaces: <tool> <revision>` line after `-- parent:`. Without one the text is exactly
/// what [`build`] wrote before this line existed, so older files read and seal the same.
pub fn build_replacing(draft: Draft, replaces: Option<Replaced>) -> Revision {
    let hazards = if draft.hazards.is_empty() { "none".to_string() } else { draft.hazards.join(", ") };
    let message = one_line(&draft.message);
    let mut text = format!(
        "{FIRST_LINE}{id}\n-- parent: {parent}\n{replaces_line}-- kind: {kind}\n-- message: {message}\n\
         -- schema-before: {before}\n-- schema-after: {after}\n-- hazards: {hazards}\n{expects}{NOTE}\n\n{UP_MARKER}\n",
        id = draft.id,
        parent = draft.parent.as_deref().unwrap_or("none"),
        replaces_line = replaces.as_ref().map(|r| format!("-- replaces: {r}\n")).unwrap_or_default(),
        kind = draft.kind.as_str(),
        before = draft.before,
        after = draft.after,
        expects = draft.expects.iter().map(|e| format!("-- expects: {}\n", expectation_text(e))).collect::<String>(),
    );
    push_section(&mut text, &draft.up);
    text.push('\n');
    text.push_str(DOWN_MARKER);
    text.push('\n');
    push_section(&mut text, &draft.down);
    let file_name = format!("{}_{}.sql", draft.id, draft.slug);
    Revision {
        checksum: sha256_hex(text.as_bytes()),
        id: draft.id,
        file_name,
        parent: draft.parent,
        replaces,
        message,
        kind: draft.kind,
        before: draft.before,
        after: draft.after,
        hazards: draft.hazards,
        expects: draft.expects,
        up: draft.up.trim().to_string(),
        down: draft.down.trim().to_string(),
        text,
    }
}

fn push_section(text: &mut String, body: &str) {
    let body = body.trim();
    if !body.is_empty() {
        text.push_str(body);
        text.push('\n');
    }
}

/// `relation "portal"."users" <fingerprint>`: identifiers always quoted, so any name survives,
/// and written `U&"..."` with escapes when they hold a line break or another control character,
/// so the header stays one line per expectation (a raw newline would end the comment).
fn expectation_text(e: &Expectation) -> String {
    let quote = schemactl_sqltext::encode_quoted;
    let name = if e.schema.is_empty() { quote(&e.name) } else { format!("{}.{}", quote(&e.schema), quote(&e.name)) };
    format!("{} {name} {}", e.kind, e.fingerprint)
}

fn parse_expectation(text: &str) -> Option<Expectation> {
    let (kind, mut rest) = text.split_once(' ')?;
    let mut parts = Vec::new();
    loop {
        let (ident, after) = schemactl_sqltext::decode_quoted(rest)?;
        parts.push(ident);
        let mut chars = after.chars();
        match chars.next()? {
            '.' => rest = chars.as_str(),
            ' ' => {
                rest = chars.as_str();
                break;
            }
            _ => return None,
        }
    }
    let fingerprint = rest.to_string();
    let (schema, name) = match parts.as_slice() {
        [name] => (String::new(), name.clone()),
        [schema, name] => (schema.clone(), name.clone()),
        _ => return None,
    };
    (!fingerprint.is_empty()).then(|| Expectation { kind: kind.to_string(), schema, name, fingerprint })
}

/// The message as its header line holds it: whitespace runs (line breaks included) become one
/// space, other control characters are escaped visibly. What the file says is what parses back.
fn one_line(message: &str) -> String {
    schemactl_sqltext::visible(&message.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Parses a revision file. `file_name` must start with the id the header names.
pub fn parse(file_name: &str, text: &str) -> Result<Revision> {
    let bad = |line: usize, reason: String| Error::Format { file: file_name.to_string(), line, reason };
    let mut lines = text.lines().enumerate();
    let id = match lines.next() {
        Some((_, first)) => first.strip_prefix(FIRST_LINE).map(str::trim).unwrap_or_default(),
        None => "",
    };
    if id.is_empty() {
        return Err(bad(1, format!("the first line must be `{FIRST_LINE}<id>`")));
    }
    if !file_name.starts_with(&format!("{id}_")) {
        return Err(bad(1, format!("the header names revision {id} but the file name does not start with `{id}_`")));
    }
    let mut fields: Vec<(&str, &str, usize)> = Vec::new();
    let mut expects = Vec::new();
    for (index, line) in lines.by_ref() {
        let Some(rest) = line.strip_prefix("-- ") else { break };
        let Some((key, value)) = rest.split_once(": ") else { continue };
        if key == "expects" {
            let e = parse_expectation(value.trim())
                .ok_or_else(|| bad(index + 1, format!("`-- expects:` line not understood: {value}")))?;
            expects.push(e);
            continue;
        }
        if key.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            fields.push((key, value.trim(), index + 1));
        }
    }
    let field = |key: &str| fields.iter().find(|(k, _, _)| *k == key).map(|(_, v, _)| v.to_string());
    let required = |key: &str| field(key).ok_or_else(|| bad(2, format!("the header has no `-- {key}:` line")));
    let kind = match required("kind")?.as_str() {
        "planned" => RevisionKind::Planned,
        "manual" => RevisionKind::Manual,
        other => return Err(bad(3, format!("unknown kind `{other}` (planned or manual)"))),
    };
    let parent = required("parent")?;
    let hazards = required("hazards")?;
    let replaces = match fields.iter().find(|(k, _, _)| *k == "replaces") {
        None => None,
        Some((_, value, line)) => Some(value.parse::<Replaced>().map_err(|reason| bad(*line, reason))?),
    };
    let (up, down) = sections(text)
        .ok_or_else(|| bad(1, format!("a revision needs a `{UP_MARKER}` line followed by a `{DOWN_MARKER}` line")))?;
    Ok(Revision {
        id: id.to_string(),
        file_name: file_name.to_string(),
        parent: (parent != "none").then_some(parent),
        replaces,
        message: field("message").unwrap_or_default(),
        kind,
        before: required("schema-before")?,
        after: required("schema-after")?,
        hazards: if hazards == "none" {
            Vec::new()
        } else {
            hazards.split(',').map(|h| h.trim().to_string()).collect()
        },
        expects,
        up: up.trim().to_string(),
        down: down.trim().to_string(),
        checksum: sha256_hex(text.as_bytes()),
        text: text.to_string(),
    })
}

/// The text with its header's `-- hazards:` line listing `hazards` (`none` when empty), the
/// rest byte for byte; `None` when the header has no such line.
pub fn with_hazards(text: &str, hazards: &[String]) -> Option<String> {
    let value = if hazards.is_empty() { "none".to_string() } else { hazards.join(", ") };
    let mut out = String::with_capacity(text.len());
    let mut replaced = false;
    let mut in_header = true;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        in_header &= index == 0 || line.starts_with("-- ");
        if in_header && !replaced && line.starts_with("-- hazards: ") {
            let ending = &line[line.trim_end_matches(['\r', '\n']).len()..];
            out.push_str(&format!("-- hazards: {value}{ending}"));
            replaced = true;
        } else {
            out.push_str(line);
        }
    }
    replaced.then_some(out)
}

/// Byte ranges of the up and down sections' bodies.
fn section_ranges(text: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut up_start = None;
    let mut down_marker = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == UP_MARKER && up_start.is_none() {
            up_start = Some(offset + line.len());
        } else if bare == DOWN_MARKER && up_start.is_some() && down_marker.is_none() {
            down_marker = Some((offset, offset + line.len()));
        }
        offset += line.len();
    }
    let up_start = up_start?;
    let (down_line, down_start) = down_marker?;
    Some((up_start..down_line, down_start..text.len()))
}

fn sections(text: &str) -> Option<(&str, &str)> {
    let (up, down) = section_ranges(text)?;
    Some((&text[up], &text[down]))
}

/// The text with everything but one section's body replaced by spaces (newlines kept), so a
/// parser run on it reports positions in the file.
pub fn mask_except(text: &str, section: Section) -> String {
    let Some((up, down)) = section_ranges(text) else { return String::new() };
    let keep = match section {
        Section::Up => up,
        Section::Down => down,
    };
    text.char_indices().map(|(i, c)| if keep.contains(&i) || c == '\n' { c } else { ' ' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            id: "20261126014500".into(),
            slug: "add_widgets".into(),
            parent: Some("20261125000000".into()),
            message: "add\nwidgets".into(),
            kind: RevisionKind::Planned,
            before: "aa".into(),
            after: "bb".into(),
            hazards: vec!["data-loss".into(), "index-build".into()],
            expects: vec![
                Expectation {
                    kind: "relation".into(),
                    schema: "app".into(),
                    name: "we\"ird.name".into(),
                    fingerprint: "ab12".into(),
                },
                Expectation {
                    kind: "schema".into(),
                    schema: String::new(),
                    name: "app".into(),
                    fingerprint: "absent".into(),
                },
            ],
            up: "CREATE TABLE w (id int);\n".into(),
            down: "DROP TABLE w;".into(),
        }
    }

    #[test]
    fn build_then_parse_round_trips() {
        let built = build(draft());
        assert_eq!(built.file_name, "20261126014500_add_widgets.sql");
        let parsed = parse(&built.file_name, &built.text).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(parsed.message, "add widgets");
        assert_eq!(parsed.hazards, ["data-loss", "index-build"]);
    }

    #[test]
    fn a_baseline_records_what_it_replaces() {
        let plain = build(draft());
        let replaced = Replaced::new("alembic", "a1b2c3d4e5f6").unwrap();
        let built = build_replacing(draft(), Some(replaced.clone()));
        assert_eq!(
            built.text,
            plain.text.replace(
                "-- parent: 20261125000000\n",
                "-- parent: 20261125000000\n-- replaces: alembic a1b2c3d4e5f6\n"
            )
        );
        let parsed = parse(&built.file_name, &built.text).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(parsed.replaces, Some(replaced));
        // Without the line, the text is what it always was, and parses to no replacement.
        assert_eq!(plain.replaces, None);
        assert_eq!(parse(&plain.file_name, &plain.text).unwrap(), plain);
        let bad = built.text.replace("alembic a1b2c3d4e5f6", "flyway 7");
        let err = parse(&built.file_name, &bad).unwrap_err().to_string();
        assert!(err.contains(":3: unknown tool `flyway`"), "{err}");
        let bad = built.text.replace("alembic a1b2c3d4e5f6", "alembic");
        assert!(parse(&built.file_name, &bad).is_err());
        for id in ["", "a b", "x\ny", "\u{202e}"] {
            assert!(Replaced::new("alembic", id).is_err(), "{id:?}");
        }
        assert_eq!(Replaced::new("Alembic", "0001_init").unwrap().to_string(), "alembic 0001_init");
    }

    #[test]
    fn masking_keeps_positions() {
        let built = build(draft());
        let masked = mask_except(&built.text, Section::Down);
        assert_eq!(masked.len(), built.text.len());
        assert_eq!(masked.trim(), "DROP TABLE w;");
        let line = masked.lines().position(|l| l.contains("DROP")).unwrap();
        assert_eq!(built.text.lines().nth(line).unwrap(), "DROP TABLE w;");
    }

    #[test]
    fn the_hazards_line_is_replaced_in_place() {
        let built = build(draft());
        let text = with_hazards(&built.text, &["table-rewrite".into()]).unwrap();
        assert_eq!(text, built.text.replace("-- hazards: data-loss, index-build\n", "-- hazards: table-rewrite\n"));
        assert_eq!(parse(&built.file_name, &text).unwrap().hazards, ["table-rewrite"]);
        let none = with_hazards(&text, &[]).unwrap();
        assert_eq!(none, built.text.replace("-- hazards: data-loss, index-build\n", "-- hazards: none\n"));
        // Only the header counts: a body line that looks like one is left alone.
        let body = built.text.replace("DROP TABLE w;", "-- hazards: x\nDROP TABLE w;");
        assert!(with_hazards(&body, &[]).unwrap().contains("-- hazards: x\nDROP"));
        let headless = built.text.replace("-- hazards: data-loss, index-build\n", "");
        assert_eq!(with_hazards(&headless, &[]), None);
    }

    /// Names PostgreSQL accepts and a line-based header could choke on.
    fn hostile_names() -> Vec<String> {
        let mut names: Vec<String> = [
            "x\nDROP TABLE public.victim;--",
            "c\rDELETE FROM public.victim;--",
            "crlf\r\n",
            "\"quoted\" \"\"",
            "back\\slash\\000a",
            "*/ comment /*",
            "-- dashes",
            "$$ dollars $body$",
            "tab\tbell\u{7}esc\u{1b}",
            "ünïcödé 名前 🐘 \u{2028}\u{202e}",
            "U&\"not\" an escape",
            " padded ",
            "a.b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.push("x".repeat(63));
        names.push("é".repeat(31) + "\n");
        names
    }

    #[test]
    fn expectations_round_trip_any_name() {
        let mut d = draft();
        d.expects = hostile_names()
            .into_iter()
            .flat_map(|name| {
                let relation = Expectation {
                    kind: "relation".into(),
                    schema: name.clone(),
                    name: name.clone(),
                    fingerprint: "ab12".into(),
                };
                let schema =
                    Expectation { kind: "schema".into(), schema: String::new(), name, fingerprint: "absent".into() };
                [relation, schema]
            })
            .collect();
        let built = build(d.clone());
        assert_eq!(built.expects, d.expects);
        // Every expectation is one header line, and no header line holds a control character.
        let header: Vec<&str> = built.text.lines().take_while(|l| *l != UP_MARKER).collect();
        assert_eq!(header.iter().filter(|l| l.starts_with("-- expects: ")).count(), d.expects.len());
        assert!(!header.concat().chars().any(schemactl_sqltext::is_unsafe_char), "{header:#?}");
        let parsed = parse(&built.file_name, &built.text).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(parsed.expects, d.expects);
        assert!(built.text.contains("-- expects: relation U&\"x\\000aDROP TABLE public.victim;--\".U&\"x\\000aDROP"));
    }

    #[test]
    fn earlier_headers_read_the_same() {
        // Written before U&"" escapes existed: a backslash in a plain quoted name is just that.
        let text = build(draft())
            .text
            .replace("-- expects: schema \"app\" absent\n", "-- expects: schema \"a\\000a\" absent\n");
        let parsed = parse("20261126014500_add_widgets.sql", &text).unwrap();
        assert_eq!(parsed.expects[1].name, "a\\000a");
        assert_eq!(parsed.expects[0].name, "we\"ird.name");
        let err = parse("20261126014500_add_widgets.sql", &text.replace("\"a\\000a\"", "U&\"a\\zz\"")).unwrap_err();
        assert!(err.to_string().contains("`-- expects:` line not understood"), "{err}");
    }

    #[test]
    fn messages_stay_on_their_line() {
        for message in hostile_names().into_iter().chain(["first line\n\nsecond line\r\n".to_string()]) {
            let mut d = draft();
            d.message = message.clone();
            let built = build(d);
            let parsed = parse(&built.file_name, &built.text).unwrap();
            assert_eq!(parsed, built, "{message:?}");
            assert!(!parsed.message.chars().any(schemactl_sqltext::is_unsafe_char), "{message:?}");
            assert_eq!(built.text.lines().filter(|l| l.starts_with("-- message: ")).count(), 1);
        }
        let mut d = draft();
        d.message = "first line\n\nsecond\tline\u{7}".into();
        assert_eq!(build(d).message, "first line second line\\u{7}");
    }

    #[test]
    fn rejects_files_that_are_not_revisions() {
        let err = parse("x.sql", "CREATE TABLE t ();").unwrap_err().to_string();
        assert!(err.contains("x.sql:1: the first line must be"), "{err}");
        let text = build(draft()).text.replace("-- schemactl:down\n", "");
        let err = parse("20261126014500_add_widgets.sql", &text).unwrap_err().to_string();
        assert!(err.contains("schemactl:down"), "{err}");
        let err = parse("20261126014501_x.sql", &build(draft()).text).unwrap_err().to_string();
        assert!(err.contains("does not start with `20261126014500_`"), "{err}");
    }
}
