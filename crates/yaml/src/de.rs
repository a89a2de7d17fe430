//! A serde deserializer over the node tree that knows where every value was written.
//!
//! Errors carry the position and key path of the node they are about: unknown keys point at
//! the key, wrong types at the value, missing keys at the key whose mapping lacks them. The
//! document types derive `Deserialize` (with `deny_unknown_fields`), so the rules of the
//! format live in one place and the JSON Schema is generated from the same types.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};

use crate::node::{Entry, Node, Pos, Scalar, Value};

/// A deserialization error, located once it has passed through the node it concerns.
#[derive(Debug)]
pub(crate) struct DeError {
    pub message: String,
    pub at: Option<(Pos, String)>,
    /// Point at the key owning the value rather than at the value (missing keys).
    at_key: bool,
}

impl DeError {
    fn new(message: String) -> Self {
        DeError { message, at: None, at_key: false }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!("expected {}, found {}", expected(exp), unexpected(&unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!("expected {}, found {}", expected(exp), unexpected(&unexp)))
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        DeError::new(format!("expected {}, found {len} items", expected(exp)))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let mut message = format!("unknown value `{variant}`");
        match suggest(variant, expected) {
            Some(close) => message.push_str(&format!(" (did you mean `{close}`?)")),
            None => message.push_str(&format!("; expected {}", one_of(expected))),
        }
        DeError::new(message)
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut message = format!("unknown key `{field}`");
        if field == "<<" {
            message.push_str(" (merge keys are YAML 1.1 and not supported; repeat the keys)");
        } else if let Some(close) = suggest(field, expected) {
            message.push_str(&format!(" (did you mean `{close}`?)"));
        } else if expected.is_empty() {
            message.push_str(" (no keys are allowed here)");
        } else {
            message.push_str(&format!("; expected {}", one_of(expected)));
        }
        DeError::new(message)
    }

    fn missing_field(field: &'static str) -> Self {
        DeError { message: format!("missing required key `{field}`"), at: None, at_key: true }
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::new(format!("duplicate key `{field}`"))
    }
}

/// `a`, `b` or `c`.
fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        None => "nothing".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
    }
}

/// The closest candidate, when it is close enough to be a typo.
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (distance(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance, counting a swap of neighbours as one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// What serde's visitors expect, in the words of the format.
fn expected(exp: &dyn de::Expected) -> String {
    let text = exp.to_string();
    match text.as_str() {
        "a sequence" => "a list".into(),
        "a map" | "map" => "a mapping".into(),
        "a boolean" => "true or false".into(),
        "unit" => "nothing".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "isize" | "usize" => {
            format!("an integer ({text})")
        }
        "f32" | "f64" => "a number".into(),
        _ if text.starts_with("struct ") => "a mapping".into(),
        _ if text.starts_with("variant identifier") => "a name".into(),
        _ => text,
    }
}

fn unexpected(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Str(s) => {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "..." } else { "" };
            format!("`{shown}{more}`")
        }
        Unexpected::Unit => "nothing (null)".into(),
        Unexpected::Map => "a mapping".into(),
        Unexpected::Seq => "a list".into(),
        Unexpected::Bool(b) => format!("`{b}`"),
        Unexpected::Signed(n) => format!("the number {n}"),
        Unexpected::Unsigned(n) => format!("the number {n}"),
        Unexpected::Float(n) => format!("the number {n}"),
        other => other.to_string(),
    }
}

/// A key path, built on the stack as the deserializer descends.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Deserializes a whole document.
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, DeError> {
    T::deserialize(De { node, path: Path::Root, key_pos: None })
}

/// One value node.
#[derive(Clone, Copy)]
pub(crate) struct De<'a> {
    node: &'a Node,
    path: Path<'a>,
    /// Where the key this node is the value of was written.
    key_pos: Option<Pos>,
}

impl De<'_> {
    fn locate(&self, mut e: DeError) -> DeError {
        if e.at.is_none() {
            // A missing value (`type:` and nothing) is best shown at its key.
            let empty = matches!(&self.node.value, Value::Scalar(s) if s.is_null() && s.text.is_empty());
            let pos = if e.at_key || empty { self.key_pos.unwrap_or(self.node.pos) } else { self.node.pos };
            e.at = Some((pos, self.path.to_string()));
        }
        e
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match &self.node.value {
            Value::Scalar(s) if s.is_null() => Unexpected::Unit,
            Value::Scalar(s) => match (s.as_bool(), s.as_i128()) {
                (Some(b), _) => Unexpected::Bool(b),
                (_, Some(n)) => i64::try_from(n).map_or(Unexpected::Str(&s.text), Unexpected::Signed),
                _ => Unexpected::Str(&s.text),
            },
            Value::Seq(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    fn wrong<'de, V: Visitor<'de>, T>(&self, visitor: &V) -> Result<T, DeError> {
        Err(self.locate(de::Error::invalid_type(self.unexpected(), visitor)))
    }

    fn scalar(&self) -> Option<&Scalar> {
        match &self.node.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    fn integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let n = self.scalar().and_then(Scalar::as_i128);
        let result = match n {
            Some(n) => match (i64::try_from(n), u64::try_from(n)) {
                (Ok(i), _) => visitor.visit_i64(i),
                (_, Ok(u)) => visitor.visit_u64(u),
                _ => Err(de::Error::custom(format!("the number {n} is too large"))),
            },
            None => return self.wrong(&visitor),
        };
        result.map_err(|e| self.locate(e))
    }

    fn map<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        const NONE: &[Entry] = &[];
        let entries = match &self.node.value {
            Value::Map(entries) => entries.as_slice(),
            // `users:` with nothing below is an empty mapping.
            Value::Scalar(s) if s.is_null() => NONE,
            _ => return self.wrong(&visitor),
        };
        let access = MapAccess { entries: entries.iter(), current: None, path: self.path };
        visitor.visit_map(access).map_err(|e| self.locate(e))
    }
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Scalar(s) if s.is_null() => visitor.visit_unit(),
            Value::Scalar(s) => match (s.as_bool(), s.as_i128(), s.as_f64()) {
                (Some(b), _, _) => visitor.visit_bool(b),
                (_, Some(_), _) => return self.integer(visitor),
                (_, _, Some(f)) => visitor.visit_f64(f),
                _ => visitor.visit_str(&s.text),
            },
            Value::Seq(_) => return self.deserialize_seq(visitor),
            Value::Map(_) => return self.map(visitor),
        };
        result.map_err(|e| self.locate(e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar().and_then(Scalar::as_bool) {
            Some(b) => visitor.visit_bool(b).map_err(|e| self.locate(e)),
            None => self.wrong(&visitor),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar().and_then(Scalar::as_f64) {
            Some(f) => visitor.visit_f64(f).map_err(|e| self.locate(e)),
            None => self.wrong(&visitor),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    /// Any scalar but null reads as its text: `default: 0` and `default: true` are the SQL
    /// expressions `0` and `true`, as written.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(s) if !s.is_null() => visitor.visit_str(&s.text).map_err(|e| self.locate(e)),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(s) if s.is_null() => visitor.visit_none().map_err(|e| self.locate(e)),
            _ => visitor.visit_some(self).map_err(|e| self.locate(e)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(s) if s.is_null() => visitor.visit_unit().map_err(|e| self.locate(e)),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self).map_err(|e| self.locate(e))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Value::Seq(items) = &self.node.value else {
            return self.wrong(&visitor);
        };
        let access = SeqAccess { items: items.iter().enumerate(), path: self.path };
        visitor.visit_seq(access).map_err(|e| self.locate(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(s) if !s.is_null() => {
                let access: de::value::StrDeserializer<'_, DeError> = s.text.as_str().into_deserializer();
                visitor.visit_enum(access).map_err(|e| self.locate(e))
            }
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct MapAccess<'a> {
    entries: std::slice::Iter<'a, Entry>,
    current: Option<&'a Entry>,
    path: Path<'a>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some(entry);
        let path = Path::Key(&self.path, &entry.key);
        let key: de::value::StrDeserializer<'_, DeError> = entry.key.as_str().into_deserializer();
        seed.deserialize(key).map(Some).map_err(|mut e| {
            if e.at.is_none() {
                e.at = Some((entry.key_pos, path.to_string()));
            }
            e
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(entry) = self.current.take() else {
            return Err(de::Error::custom("value without a key"));
        };
        let path = Path::Key(&self.path, &entry.key);
        seed.deserialize(De { node: &entry.value, path, key_pos: Some(entry.key_pos) })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct SeqAccess<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    path: Path<'a>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some((i, node)) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(&self.path, i);
        seed.deserialize(De { node, path, key_pos: Some(node.pos) }).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}
