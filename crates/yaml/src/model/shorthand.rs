//! Short forms: `email: citext` for `email: {type: citext}`, `user_role: [a, b]` for
//! `user_role: {values: [a, b]}`...
//!
//! A type with a short form derives its long form with `#[serde(remote = "Self")]` (serde then
//! generates inherent `deserialize`/`serialize` functions instead of the traits) and this
//! macro implements the traits: a mapping reads the long form, a string or list the short
//! one, and writing uses the short form whenever it says everything. The JSON Schema of
//! such a type is `anyOf` the short and the long form (see [`any_of`]).

/// Implements `Deserialize` and `Serialize` for a type with a short form.
///
/// - `$ty`: the type (derives `Deserialize`/`Serialize` with `remote = "Self"`);
/// - `$expecting`: what the error says was expected, e.g. "a type name or a mapping";
/// - `str`/`seq`: whether the short form is a string or a list of strings;
/// - `$from`: `fn(String or Vec<String>) -> Result<$ty, String>` (the error names what is wrong);
/// - `$to`: `fn(&$ty) -> Option<String or Vec<String>>`, the short form if it says everything.
macro_rules! shorthand {
    ($ty:ty, $expecting:literal, str, $from:expr, $to:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        let from: fn(String) -> Result<$ty, String> = $from;
                        from(v.to_string()).map_err(E::custom)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                        <$ty>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let to: fn(&$ty) -> Option<String> = $to;
                match to(self) {
                    Some(short) => s.serialize_str(&short),
                    None => <$ty>::serialize(self, s),
                }
            }
        }
    };
    ($ty:ty, $expecting:literal, seq, $from:expr, $to:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<$ty, A::Error> {
                        let items: Vec<String> =
                            serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                        let from: fn(Vec<String>) -> Result<$ty, String> = $from;
                        from(items).map_err(serde::de::Error::custom)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                        <$ty>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let to: fn(&$ty) -> Option<Vec<String>> = $to;
                match to(self) {
                    Some(short) => serde::Serialize::serialize(&short, s),
                    None => <$ty>::serialize(self, s),
                }
            }
        }
    };
}

pub(crate) use shorthand;

/// Turns a type's derived object schema into `anyOf: [short, object]`, keeping the
/// description on the outside where editors show it.
pub(crate) fn any_of(schema: &mut schemars::Schema, short: serde_json::Value) {
    let mut object = schema.clone();
    let description = object.remove("description");
    let title = object.remove("title");
    let mut wrapped = serde_json::Map::new();
    if let Some(title) = title {
        wrapped.insert("title".into(), title);
    }
    if let Some(description) = description {
        wrapped.insert("description".into(), description);
    }
    wrapped.insert("anyOf".into(), serde_json::Value::Array(vec![short, object.to_value()]));
    *schema = schemars::Schema::from(wrapped);
}

/// Schema of a short form that is one string.
pub(crate) fn string_short(description: &str) -> serde_json::Value {
    serde_json::json!({ "type": "string", "description": description })
}

/// Schema of a short form that is a list of strings.
pub(crate) fn list_short(description: &str) -> serde_json::Value {
    serde_json::json!({ "type": "array", "items": { "type": "string" }, "description": description })
}

/// An optional SQL text that may be written as a YAML number or boolean (`default: 0`).
pub(crate) fn optional_sql_scalar(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "number", "boolean", "null"] })
}

/// A map of names to SQL texts that may be numbers or booleans (`with: {fillfactor: 70}`).
pub(crate) fn sql_scalar_map(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } })
}
