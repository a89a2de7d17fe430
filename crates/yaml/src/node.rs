//! YAML text -> a tree of nodes that remember where they were written.
//!
//! Built from saphyr-parser's events (each comes with its span), rather than from a
//! ready-made document type, for three things the format needs: the position of every key
//! as well as every value, duplicate keys reported instead of silently overwritten, and
//! limits on nesting and alias expansion so that no input can exhaust the stack or memory.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

/// Nesting deeper than this is refused (the deserializer recurses once per level).
const MAX_DEPTH: usize = 64;
/// Nodes (aliases expanded) per document: far more than any schema, far less than a
/// "billion laughs" document.
const MAX_NODES: usize = 1_000_000;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn start(span: &Span) -> Pos {
        Pos { line: span.start.line(), column: span.start.col() + 1 }
    }
}

/// A node and where its value starts.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` of a mapping; keys are scalars.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    pub text: String,
    pub style: Style,
    /// Characters of source the scalar spans, quotes and indicators included.
    pub source_chars: usize,
    /// Whether the scalar starts and ends on the same line.
    pub one_line: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Plain, so `true`, `12` and `null` mean what YAML says they mean.
    Plain,
    /// Quoted, block, or tagged `!!str`: always a string.
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl Scalar {
    /// A plain `null`, `~` or nothing at all.
    pub fn is_null(&self) -> bool {
        self.style == Style::Plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// A plain boolean, as YAML 1.2 spells it.
    pub fn as_bool(&self) -> Option<bool> {
        if self.style != Style::Plain {
            return None;
        }
        match self.text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// A plain integer (decimal, `0x` hexadecimal or `0o` octal).
    pub fn as_i128(&self) -> Option<i128> {
        if self.style != Style::Plain {
            return None;
        }
        let t = self.text.as_str();
        let (negative, digits) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x").filter(|_| t == digits) {
            (16, hex)
        } else if let Some(oct) = digits.strip_prefix("0o").filter(|_| t == digits) {
            (8, oct)
        } else {
            (10, digits)
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let value = i128::from_str_radix(digits, radix).ok()?;
        Some(if negative { -value } else { value })
    }

    /// A plain floating-point number (YAML 1.2 core schema).
    pub fn as_f64(&self) -> Option<f64> {
        if self.style != Style::Plain {
            return None;
        }
        let t = self.text.as_str();
        match t.trim_start_matches(['-', '+']) {
            ".inf" | ".Inf" | ".INF" => {
                return Some(if t.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY })
            }
            ".nan" | ".NaN" | ".NAN" if t.starts_with('.') => return Some(f64::NAN),
            _ => {}
        }
        let numeric = t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
        if numeric && t.chars().any(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    }
}

/// A YAML syntax or structure problem found while building the tree.
#[derive(Debug)]
pub(crate) struct TreeError {
    pub pos: Pos,
    pub message: String,
    /// The key path, for problems found inside a mapping (duplicate keys).
    pub path: String,
}

/// Parses one YAML document. An empty stream (only comments) is `None`.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, TreeError> {
    let mut builder = Builder { anchors: BTreeMap::new(), nodes: 0, stack: Vec::new(), root: None, documents: 0 };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| TreeError {
            pos: Pos { line: e.marker().line(), column: e.marker().col() + 1 },
            message: e.info().to_string(),
            path: String::new(),
        })?;
        builder.event(event, &span)?;
    }
    Ok(builder.root)
}

struct Builder {
    anchors: BTreeMap<usize, Node>,
    nodes: usize,
    stack: Vec<Frame>,
    root: Option<Node>,
    documents: usize,
}

/// A collection being built, with its anchor.
struct Frame {
    node: Node,
    anchor: usize,
    /// For mappings: the key waiting for its value.
    key: Option<(String, Pos)>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<(), TreeError> {
        let pos = Pos::start(span);
        let error = |message: String| TreeError { pos, message, path: String::new() };
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(error("a file holds one YAML document; remove the second `---`".into()));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = scalar_style(style, tag.as_deref()).map_err(error)?;
                let scalar = Scalar {
                    text: text.into_owned(),
                    style,
                    source_chars: span.end.index().saturating_sub(span.start.index()),
                    one_line: span.start.line() == span.end.line(),
                };
                self.add(Node { pos, value: Value::Scalar(scalar) }, anchor)?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if let Some(tag) = tag.as_deref() {
                    if !tag.is_yaml_core_schema() {
                        return Err(error(format!("tag `{tag}` is not supported (schema files hold plain data)")));
                    }
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(error(format!("nested more than {MAX_DEPTH} levels deep")));
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                self.stack.push(Frame { node: Node { pos, value }, anchor, key: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    self.add(frame.node, frame.anchor)?;
                }
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Err(error("alias to an unknown anchor".into()));
                };
                self.nodes += count(&node);
                if self.nodes > MAX_NODES {
                    return Err(error(format!("aliases expand to more than {MAX_NODES} nodes")));
                }
                self.add(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Adds a finished node to the collection being built (or makes it the root).
    fn add(&mut self, node: Node, anchor: usize) -> Result<(), TreeError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(TreeError { pos: node.pos, message: "document too large".into(), path: String::new() });
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut frame.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match frame.key.take() {
                None => {
                    let Value::Scalar(key) = node.value else {
                        return Err(TreeError {
                            pos: node.pos,
                            message: "keys must be plain text, not lists or mappings".into(),
                            path: String::new(),
                        });
                    };
                    if let Some(first) = entries.iter().find(|e| e.key == key.text) {
                        let message = format!("duplicate key `{}` (first at line {})", key.text, first.key_pos.line);
                        let mut path = self.path();
                        push_key(&mut path, &key.text);
                        return Err(TreeError { pos: node.pos, message, path });
                    }
                    frame.key = Some((key.text, node.pos));
                }
                Some((key, key_pos)) => entries.push(Entry { key, key_pos, value: node }),
            },
            Value::Scalar(_) => {}
        }
        Ok(())
    }
}

impl Builder {
    /// The key path of the collection being built, as errors show it.
    fn path(&self) -> String {
        let mut path = String::new();
        let parents = self.stack.len().saturating_sub(1);
        for frame in &self.stack[..parents] {
            match &frame.node.value {
                Value::Map(_) => push_key(&mut path, frame.key.as_ref().map_or("", |(k, _)| k.as_str())),
                Value::Seq(items) => path.push_str(&format!("[{}]", items.len())),
                Value::Scalar(_) => {}
            }
        }
        path
    }
}

/// Appends `.key` (or `key` at the root) to a key path.
pub(crate) fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

fn count(node: &Node) -> usize {
    match &node.value {
        Value::Scalar(_) => 1,
        Value::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|e| 1 + count(&e.value)).sum::<usize>(),
    }
}

fn scalar_style(style: ScalarStyle, tag: Option<&Tag>) -> Result<Style, String> {
    if let Some(tag) = tag {
        let core = tag.is_yaml_core_schema();
        match tag.suffix.as_str() {
            "str" if core => return Ok(Style::SingleQuoted),
            "null" | "bool" | "int" | "float" if core => {}
            _ if tag.handle == "!" && tag.suffix.is_empty() => return Ok(Style::SingleQuoted),
            _ => return Err(format!("tag `{tag}` is not supported (schema files hold plain data)")),
        }
    }
    Ok(match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    })
}
