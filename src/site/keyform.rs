//! The byte form a page's inputs are hashed in for its key: a serde
//! serializer that writes any value as a self-delimiting string of bytes,
//! so two values of one type share a form only if they are equal as serde
//! data.
//!
//! Every value starts with a tag byte saying what follows; strings, bytes
//! and names carry their length; sequences, maps and structs end with an
//! end tag that no value starts with. The form is read back one way only,
//! so it is as exact as CBOR, which keys used before; it is several times
//! quicker to write, since it is only ever hashed, never read: no minimal
//! integer widths, no I/O layer, one buffer.
//!
//! Structs and enums are written with their type's name, but a field
//! without its name and a variant by its index alone: a struct's fields
//! come in the one order its type serialises them (each field present or
//! skipped, in its place), and a variant's index names it within its enum.
//! So values of one type share a form only if they are equal as serde
//! data, and a page's key, taken of values of the types this baton (whose
//! id every key holds) gives it, spends no bytes on names it repeats.

use serde::ser::{self, Serialize};

/// Appends `value`'s form to `out`.
pub fn write(value: &impl Serialize, out: &mut Vec<u8>) {
    // Writing to a vector cannot fail; a value whose own Serialize fails
    // would leave its form cut short (and able to equal another's), so
    // that stops the build, as it did when keys were CBOR.
    value
        .serialize(&mut Form(out))
        .expect("page inputs serialise");
}

mod tag {
    pub const END: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const INT: u8 = 3;
    pub const UINT: u8 = 4;
    pub const WIDE: u8 = 5;
    pub const UWIDE: u8 = 6;
    pub const FLOAT: u8 = 7;
    pub const CHAR: u8 = 8;
    pub const STR: u8 = 9;
    pub const BYTES: u8 = 10;
    pub const NONE: u8 = 11;
    pub const SOME: u8 = 12;
    pub const UNIT: u8 = 13;
    pub const UNIT_STRUCT: u8 = 14;
    pub const UNIT_VARIANT: u8 = 15;
    pub const NEWTYPE_STRUCT: u8 = 16;
    pub const NEWTYPE_VARIANT: u8 = 17;
    pub const SEQ: u8 = 18;
    pub const TUPLE: u8 = 19;
    pub const TUPLE_STRUCT: u8 = 20;
    pub const TUPLE_VARIANT: u8 = 21;
    pub const MAP: u8 = 22;
    pub const STRUCT: u8 = 23;
    pub const STRUCT_VARIANT: u8 = 24;
    pub const SKIPPED: u8 = 25;
    pub const FIELD: u8 = 26;
}

struct Form<'a>(&'a mut Vec<u8>);

#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("page inputs do not serialise")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Never
    }
}

impl Form<'_> {
    fn tag(&mut self, tag: u8) {
        self.0.push(tag);
    }

    /// A length or index, LEB128 (lengths are small: mostly one byte).
    fn len(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    /// A tag and a value of fixed width.
    fn fixed(&mut self, tag: u8, bytes: &[u8]) -> Result {
        self.tag(tag);
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn text(&mut self, s: &[u8]) {
        self.len(s.len() as u64);
        self.0.extend_from_slice(s);
    }

    /// A variant: its enum's name and its index (see the module's doc).
    fn variant(&mut self, tag: u8, name: &str, index: u32) {
        self.tag(tag);
        self.text(name.as_bytes());
        self.len(index.into());
    }
}

type Result = std::result::Result<(), Never>;

impl<'a, 'b> ser::Serializer for &'a mut Form<'b> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result {
        self.tag(if v { tag::TRUE } else { tag::FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.fixed(tag::INT, &v.to_le_bytes())
    }
    fn serialize_i128(self, v: i128) -> Result {
        self.fixed(tag::WIDE, &v.to_le_bytes())
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.fixed(tag::UINT, &v.to_le_bytes())
    }
    fn serialize_u128(self, v: u128) -> Result {
        self.fixed(tag::UWIDE, &v.to_le_bytes())
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.fixed(tag::FLOAT, &v.to_bits().to_le_bytes())
    }
    fn serialize_char(self, v: char) -> Result {
        self.fixed(tag::CHAR, &u32::from(v).to_le_bytes())
    }
    fn serialize_str(self, v: &str) -> Result {
        self.tag(tag::STR);
        self.text(v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        self.tag(tag::BYTES);
        self.text(v);
        Ok(())
    }
    fn serialize_none(self) -> Result {
        self.tag(tag::NONE);
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        self.tag(tag::SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.tag(tag::UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result {
        self.tag(tag::UNIT_STRUCT);
        self.text(name.as_bytes());
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Result {
        self.variant(tag::UNIT_VARIANT, name, index);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result {
        self.tag(tag::NEWTYPE_STRUCT);
        self.text(name.as_bytes());
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result {
        self.variant(tag::NEWTYPE_VARIANT, name, index);
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Self, Never> {
        self.tag(tag::SEQ);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> std::result::Result<Self, Never> {
        self.tag(tag::TUPLE);
        Ok(self)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> std::result::Result<Self, Never> {
        self.tag(tag::TUPLE_STRUCT);
        self.text(name.as_bytes());
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
        _: usize,
    ) -> std::result::Result<Self, Never> {
        self.variant(tag::TUPLE_VARIANT, name, index);
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> std::result::Result<Self, Never> {
        self.tag(tag::MAP);
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> std::result::Result<Self, Never> {
        self.tag(tag::STRUCT);
        self.text(name.as_bytes());
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
        _: usize,
    ) -> std::result::Result<Self, Never> {
        self.variant(tag::STRUCT_VARIANT, name, index);
        Ok(self)
    }
}

/// Sequences, tuples and maps: their items, then the end tag.
macro_rules! items {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for &mut Form<'_> {
            type Ok = ();
            type Error = Never;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result {
                self.tag(tag::END);
                Ok(())
            }
        }
    };
}

items!(SerializeSeq, serialize_element);
items!(SerializeTuple, serialize_element);
items!(SerializeTupleStruct, serialize_field);
items!(SerializeTupleVariant, serialize_field);

impl ser::SerializeMap for &mut Form<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result {
        self.tag(tag::END);
        Ok(())
    }
}

/// Structs: each field in its place, tagged as present (then its value)
/// or left out, so a field left out is told apart from another; then the
/// end tag. Field names are not written (see the module's doc).
macro_rules! fields {
    ($trait:ident) => {
        impl ser::$trait for &mut Form<'_> {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                // Known by its place (see the module's doc).
                _key: &'static str,
                value: &T,
            ) -> Result {
                self.tag(tag::FIELD);
                value.serialize(&mut **self)
            }
            fn skip_field(&mut self, _: &'static str) -> Result {
                self.tag(tag::SKIPPED);
                Ok(())
            }
            fn end(self) -> Result {
                self.tag(tag::END);
                Ok(())
            }
        }
    };
}

fields!(SerializeStruct);
fields!(SerializeStructVariant);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Serialize;

    fn form(v: &impl Serialize) -> Vec<u8> {
        let mut out = Vec::new();
        super::write(v, &mut out);
        out
    }

    /// A value with the shapes view types have: fields left out when
    /// empty, options, lists, enums of each kind, nested structs.
    #[derive(Serialize, Debug, PartialEq, Clone)]
    struct Shape {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<String>,
        list: Vec<String>,
        kind: Kind,
        inner: Option<Box<Shape>>,
        n: i64,
        m: u32,
    }

    #[derive(Serialize, Debug, PartialEq, Clone)]
    enum Kind {
        Unit,
        Other,
        New(String),
        Pair(String, String),
        Named { x: String },
    }

    fn text() -> impl Strategy<Value = String> {
        "[a\u{0}\u{1}\u{19}\u{1a}]{0,2}"
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Unit),
            Just(Kind::Other),
            text().prop_map(Kind::New),
            (text(), text()).prop_map(|(a, b)| Kind::Pair(a, b)),
            text().prop_map(|x| Kind::Named { x }),
        ]
    }

    fn flat() -> impl Strategy<Value = Shape> {
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..3),
            kind(),
            -1i64..2,
            0u32..2,
        )
            .prop_map(|(a, b, list, kind, n, m)| Shape {
                a,
                b,
                list,
                kind,
                inner: None,
                n,
                m,
            })
    }

    fn shape() -> impl Strategy<Value = Shape> {
        (flat(), proptest::option::of(flat())).prop_map(|(mut s, inner)| {
            s.inner = inner.map(Box::new);
            s
        })
    }

    proptest! {
        /// Values that differ never share a form; equal ones always do.
        #[test]
        fn values_that_differ_differ_in_form(x in shape(), y in shape()) {
            prop_assert_eq!(x == y, form(&x) == form(&y));
        }

        /// Nor do pairs and lists of them, cut at different places.
        #[test]
        fn sequences_cut_differently_differ_in_form(
            x in proptest::collection::vec(text(), 0..4),
            y in proptest::collection::vec(text(), 0..4),
        ) {
            prop_assert_eq!(x == y, form(&x) == form(&y));
            prop_assert_eq!(x == y, form(&(&x, "")) == form(&(&y, "")));
        }
    }

    #[test]
    fn a_field_left_out_is_not_another_field_left_out() {
        let only_a = Shape {
            a: Some("x".into()),
            b: None,
            list: vec![],
            kind: Kind::Unit,
            inner: None,
            n: 0,
            m: 0,
        };
        let only_b = Shape {
            a: None,
            b: Some("x".into()),
            ..only_a.clone()
        };
        assert_ne!(form(&only_a), form(&only_b));
    }
}
