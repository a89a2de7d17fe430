//! A serde serializer into a small ordered tree, which [`crate::emit`] writes as YAML.
//!
//! Serializing through serde (rather than writing each type by hand) keeps the writer in
//! step with the reader: both follow the same derived field names, defaults and short forms.

use std::fmt;

use serde::ser::{self, Serialize};

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Out>),
    Map(Vec<(String, Out)>),
}

#[derive(Debug)]
pub(crate) struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

pub(crate) fn to_out<T: Serialize + ?Sized>(value: &T) -> Result<Out, SerError> {
    value.serialize(ToOut)
}

struct ToOut;

type R = Result<Out, SerError>;

impl ser::Serializer for ToOut {
    type Ok = Out;
    type Error = SerError;
    type SerializeSeq = SeqOut;
    type SerializeTuple = SeqOut;
    type SerializeTupleStruct = SeqOut;
    type SerializeTupleVariant = SeqOut;
    type SerializeMap = MapOut;
    type SerializeStruct = MapOut;
    type SerializeStructVariant = MapOut;

    fn serialize_bool(self, v: bool) -> R {
        Ok(Out::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_u8(self, v: u8) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> R {
        Ok(Out::Int(v.into()))
    }
    fn serialize_f32(self, v: f32) -> R {
        Ok(Out::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> R {
        Ok(Out::Float(v))
    }
    fn serialize_char(self, v: char) -> R {
        Ok(Out::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> R {
        Ok(Out::Str(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        Ok(Out::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn serialize_none(self) -> R {
        Ok(Out::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(Out::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R {
        Ok(Out::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> R {
        Ok(Out::Str(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        Ok(Out::Map(vec![(variant.to_string(), value.serialize(ToOut)?)]))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::new()))
    }
    fn serialize_tuple(self, _len: usize) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::new()))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::new()))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<SeqOut, SerError> {
        Err(ser::Error::custom("tuple variants are not part of the format"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapOut, SerError> {
        Ok(MapOut { entries: Vec::new(), key: None })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapOut, SerError> {
        Ok(MapOut { entries: Vec::new(), key: None })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<MapOut, SerError> {
        Err(ser::Error::custom("struct variants are not part of the format"))
    }
}

pub(crate) struct SeqOut(Vec<Out>);

impl ser::SerializeSeq for SeqOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.0.push(value.serialize(ToOut)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Out::Seq(self.0))
    }
}

impl ser::SerializeTuple for SeqOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for SeqOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

pub(crate) struct MapOut {
    entries: Vec<(String, Out)>,
    key: Option<String>,
}

impl ser::SerializeMap for MapOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.key = Some(match key.serialize(ToOut)? {
            Out::Str(s) => s,
            Out::Int(n) => n.to_string(),
            Out::Bool(b) => b.to_string(),
            _ => return Err(ser::Error::custom("keys must be strings")),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self.key.take().ok_or_else(|| <SerError as ser::Error>::custom("value without a key"))?;
        self.entries.push((key, value.serialize(ToOut)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Out::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        self.entries.push((key.to_string(), value.serialize(ToOut)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Out::Map(self.entries))
    }
}

impl ser::SerializeStructVariant for MapOut {
    type Ok = Out;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> R {
        ser::SerializeStruct::end(self)
    }
}
