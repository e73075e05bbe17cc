//! An exact binary form of YAML values, so the texts cache can keep each
//! record's parsed front matter beside its text: decoding it is several
//! times faster than parsing the YAML again. Every value serde_yaml makes
//! (null, booleans, integers, floats, strings, sequences, mappings in their
//! order, tagged values) reads back equal; anything short, long or odd
//! reads back as nothing.

use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Number, Value};

use crate::cachefile::{Reader, put_bytes, put_u32};

/// Deeper than serde_yaml itself nests (its recursion limit is 128).
const MAX_DEPTH: usize = 256;

/// Appends the binary form of `v` to `out`.
pub fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(1 + u8::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push(3);
                out.extend_from_slice(&i.to_le_bytes());
            } else if let Some(u) = n.as_u64() {
                out.push(4);
                out.extend_from_slice(&u.to_le_bytes());
            } else {
                out.push(5);
                let f = n.as_f64().unwrap_or(f64::NAN);
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
        }
        Value::String(s) => {
            out.push(6);
            put_bytes(out, s.as_bytes());
        }
        Value::Sequence(items) => {
            out.push(7);
            put_u32(out, items.len());
            items.iter().for_each(|i| encode(i, out));
        }
        Value::Mapping(m) => {
            out.push(8);
            put_u32(out, m.len());
            for (k, v) in m {
                encode(k, out);
                encode(v, out);
            }
        }
        Value::Tagged(t) => {
            out.push(9);
            put_bytes(out, t.tag.to_string().as_bytes());
            encode(&t.value, out);
        }
    }
}

/// The value `bytes` hold, when they hold exactly one.
pub fn decode(bytes: &[u8]) -> Option<Value> {
    let mut r = Reader(bytes);
    let v = read(&mut r, 0)?;
    r.0.is_empty().then_some(v)
}

fn read(r: &mut Reader<'_>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let word = |r: &mut Reader<'_>| -> Option<[u8; 8]> { r.take(8)?.try_into().ok() };
    Some(match r.take(1)?[0] {
        0 => Value::Null,
        1 => Value::Bool(false),
        2 => Value::Bool(true),
        3 => Value::Number(Number::from(i64::from_le_bytes(word(r)?))),
        4 => Value::Number(Number::from(u64::from_le_bytes(word(r)?))),
        5 => Value::Number(Number::from(f64::from_bits(u64::from_le_bytes(word(r)?)))),
        6 => Value::String(r.string()?),
        7 => {
            let n = r.u32()?;
            // Each item takes at least one byte: never reserve more than is left.
            let mut items = Vec::with_capacity(n.min(r.0.len()));
            for _ in 0..n {
                items.push(read(r, depth + 1)?);
            }
            Value::Sequence(items)
        }
        8 => {
            let n = r.u32()?;
            let mut m = Mapping::with_capacity(n.min(r.0.len() / 2));
            for _ in 0..n {
                let k = read(r, depth + 1)?;
                let v = read(r, depth + 1)?;
                // A mapping read from YAML never repeats a key.
                if m.insert(k, v).is_some() {
                    return None;
                }
            }
            Value::Mapping(m)
        }
        9 => {
            // serde_yaml never makes an empty tag (and `Tag::new` refuses one).
            let tag = r.string().filter(|t| !t.is_empty()).map(Tag::new)?;
            let value = read(r, depth + 1)?;
            Value::Tagged(Box::new(TaggedValue { tag, value }))
        }
        _ => return None,
    })
}

/// A typed value read straight from the binary form, as serde_yaml's
/// `Value` would deserialize into `T` (with `unknown` told of every field
/// `T` does not know), without making the `Value`: `None` wherever the
/// two might not agree (a tagged value, a null where a list or mapping is
/// wanted, ...), so the caller decodes the `Value` and asks it instead.
pub fn typed<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    unknown: impl FnMut(serde_ignored::Path<'_>),
) -> Option<T> {
    let mut r = Reader(bytes);
    let value = serde_ignored::deserialize(
        De {
            r: &mut r,
            depth: 0,
        },
        unknown,
    )
    .ok()?;
    r.0.is_empty().then_some(value)
}

/// A string or number that stands directly under a mapping key.
pub enum Scalar<'b> {
    Str(&'b str),
    Number,
}

/// Calls `f` with the keys leading to each string or number that stands
/// directly under a string key of a mapping, descending into mappings
/// and sequences (not into the values of other keys, nor tagged values):
/// what the loader's timestamp check walks. `None` if the form is not
/// one whole value, or holds a tagged key (which that check reads as the
/// string under the tag: the caller asks the decoded value).
pub fn keyed_scalars<'b>(bytes: &'b [u8], f: &mut dyn FnMut(&[&'b str], Scalar<'b>)) -> Option<()> {
    let mut r = Reader(bytes);
    scalars(&mut r, &mut Vec::new(), None, f, 0)?;
    r.0.is_empty().then_some(())
}

/// Reads one value; `under` is set for a value directly under a string key.
fn scalars<'b>(
    r: &mut Reader<'b>,
    keys: &mut Vec<&'b str>,
    under: Option<()>,
    f: &mut dyn FnMut(&[&'b str], Scalar<'b>),
    depth: usize,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    match r.take(1)?[0] {
        0..=2 => {}
        3..=5 => {
            r.take(8)?;
            if under.is_some() {
                f(keys, Scalar::Number);
            }
        }
        6 => {
            let s = std::str::from_utf8(r.bytes()?).ok()?;
            if under.is_some() {
                f(keys, Scalar::Str(s));
            }
        }
        7 => {
            for _ in 0..r.u32()? {
                scalars(r, keys, None, f, depth + 1)?;
            }
        }
        8 => {
            for _ in 0..r.u32()? {
                let key = match r.0.first() {
                    Some(6) => {
                        r.take(1)?;
                        Some(std::str::from_utf8(r.bytes()?).ok()?)
                    }
                    // A tagged key counts as the string under its tag
                    // (serde_yaml's `as_str`): the value is asked instead.
                    Some(9) => return None,
                    _ => None,
                };
                match key {
                    Some(k) => {
                        keys.push(k);
                        scalars(r, keys, Some(()), f, depth + 1)?;
                        keys.pop();
                    }
                    None => {
                        // A key that is not a string: neither it nor its value is walked.
                        skip(r, depth + 1)?;
                        skip(r, depth + 1)?;
                    }
                }
            }
        }
        9 => {
            r.bytes()?;
            skip(r, depth + 1)?;
        }
        _ => return None,
    }
    Some(())
}

/// Steps over one value.
fn skip(r: &mut Reader<'_>, depth: usize) -> Option<()> {
    scalars(r, &mut Vec::new(), None, &mut |_, _| {}, depth)
}

/// A value of the form was not what the type wanted, or not what this
/// deserializer answers for (the `Value` is asked instead).
#[derive(Debug)]
struct Miss;

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not read from the kept form")
    }
}

impl std::error::Error for Miss {}

impl serde::de::Error for Miss {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Miss
    }
}

/// Deserializes the next value of the form, method by method as
/// serde_yaml's `Value` does (see its `impl Deserializer for Value`), or
/// misses.
struct De<'r, 'b> {
    r: &'r mut Reader<'b>,
    depth: usize,
}

use serde::de::{self, Visitor};

impl<'r, 'b> De<'r, 'b> {
    fn tag(&self) -> Option<u8> {
        self.r.0.first().copied()
    }

    fn nested(&mut self) -> De<'_, 'b> {
        De {
            r: &mut *self.r,
            depth: self.depth + 1,
        }
    }

    fn string(self) -> Result<&'b str, Miss> {
        match self.r.take(1).ok_or(Miss)?[0] {
            6 => std::str::from_utf8(self.r.bytes().ok_or(Miss)?).map_err(|_| Miss),
            _ => Err(Miss),
        }
    }

    fn word(&mut self) -> Result<[u8; 8], Miss> {
        self.r.take(8).and_then(|w| w.try_into().ok()).ok_or(Miss)
    }

    fn number<V: Visitor<'b>>(mut self, v: V) -> Result<V::Value, Miss> {
        match self.r.take(1).ok_or(Miss)?[0] {
            // As serde_yaml's numbers: non-negative integers are unsigned.
            3 => match i64::from_le_bytes(self.word()?) {
                n if n >= 0 => v.visit_u64(n as u64),
                n => v.visit_i64(n),
            },
            4 => v.visit_u64(u64::from_le_bytes(self.word()?)),
            5 => v.visit_f64(f64::from_bits(u64::from_le_bytes(self.word()?))),
            _ => Err(Miss),
        }
    }

    fn seq<V: Visitor<'b>>(mut self, v: V) -> Result<V::Value, Miss> {
        if self.depth > MAX_DEPTH || self.r.take(1).ok_or(Miss)?[0] != 7 {
            return Err(Miss);
        }
        let left = self.r.u32().ok_or(Miss)?;
        let mut items = Items {
            de: self.nested(),
            left,
        };
        let value = v.visit_seq(&mut items)?;
        // Every item read, as serde_yaml insists.
        if items.left == 0 {
            Ok(value)
        } else {
            Err(Miss)
        }
    }

    fn map<V: Visitor<'b>>(mut self, v: V) -> Result<V::Value, Miss> {
        if self.depth > MAX_DEPTH || self.r.take(1).ok_or(Miss)?[0] != 8 {
            return Err(Miss);
        }
        let left = self.r.u32().ok_or(Miss)?;
        let mut entries = Items {
            de: self.nested(),
            left,
        };
        let value = v.visit_map(&mut entries)?;
        if entries.left == 0 {
            Ok(value)
        } else {
            Err(Miss)
        }
    }
}

/// The items of a sequence, or the entries of a mapping, still to read.
struct Items<'r, 'b> {
    de: De<'r, 'b>,
    left: usize,
}

impl<'b> de::SeqAccess<'b> for Items<'_, 'b> {
    type Error = Miss;
    fn next_element_seed<T: de::DeserializeSeed<'b>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Miss> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.de.nested()).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'b> de::MapAccess<'b> for Items<'_, 'b> {
    type Error = Miss;
    fn next_key_seed<K: de::DeserializeSeed<'b>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Miss> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.de.nested()).map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'b>>(&mut self, seed: V) -> Result<V::Value, Miss> {
        seed.deserialize(self.de.nested())
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'b> de::Deserializer<'b> for De<'_, 'b> {
    type Error = Miss;

    fn deserialize_any<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        match self.tag().ok_or(Miss)? {
            0 => {
                self.r.take(1);
                v.visit_unit()
            }
            1 | 2 => self.deserialize_bool(v),
            3..=5 => self.number(v),
            6 => v.visit_str(self.string()?),
            7 => self.seq(v),
            8 => self.map(v),
            _ => Err(Miss),
        }
    }
    fn deserialize_bool<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        match self.r.take(1).ok_or(Miss)?[0] {
            1 => v.visit_bool(false),
            2 => v.visit_bool(true),
            _ => Err(Miss),
        }
    }
    fn deserialize_i8<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_i16<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_i32<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_i64<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_u8<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_u16<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_u32<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_u64<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_f32<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_f64<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.number(v)
    }
    fn deserialize_char<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        v.visit_str(self.string()?)
    }
    fn deserialize_str<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        v.visit_str(self.string()?)
    }
    fn deserialize_string<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        v.visit_str(self.string()?)
    }
    fn deserialize_bytes<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        v.visit_str(self.string()?)
    }
    fn deserialize_byte_buf<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        v.visit_str(self.string()?)
    }
    fn deserialize_option<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        match self.tag().ok_or(Miss)? {
            0 => {
                self.r.take(1);
                v.visit_none()
            }
            _ => v.visit_some(self),
        }
    }
    fn deserialize_unit<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        match self.r.take(1).ok_or(Miss)?[0] {
            0 => v.visit_unit(),
            _ => Err(Miss),
        }
    }
    fn deserialize_unit_struct<V: Visitor<'b>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Miss> {
        self.deserialize_unit(v)
    }
    fn deserialize_newtype_struct<V: Visitor<'b>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Miss> {
        v.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.seq(v)
    }
    fn deserialize_tuple<V: Visitor<'b>>(self, _: usize, v: V) -> Result<V::Value, Miss> {
        self.seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'b>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, Miss> {
        self.seq(v)
    }
    fn deserialize_map<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        self.map(v)
    }
    fn deserialize_struct<V: Visitor<'b>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Miss> {
        self.map(v)
    }
    fn deserialize_enum<V: Visitor<'b>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Miss> {
        // A unit variant by its name (serde's own string deserializer
        // refuses any other kind of variant), as serde_yaml reads a string.
        let name = self.string()?;
        v.visit_enum(de::value::StrDeserializer::<Miss>::new(name))
    }
    fn deserialize_identifier<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        v.visit_str(self.string()?)
    }
    fn deserialize_ignored_any<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Miss> {
        skip(self.r, self.depth).ok_or(Miss)?;
        v.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(yaml: &str) -> (Value, Option<Value>) {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        let mut bytes = Vec::new();
        encode(&v, &mut bytes);
        (v, decode(&bytes))
    }

    #[test]
    fn every_kind_of_value_reads_back_equal() {
        let yaml = "
null_: ~
yes: true
no: false
small: -7
big: 18446744073709551615
zero: 0
float: 1.5
exp: 1e300
inf: .inf
text: \"héllo: \\\"quoted\\\"\"
when: 2026-11-30T14:00:00Z
list: [1, two, [3], {four: 4}]
? [complex, key]
: value
1: numeric key
tagged: !custom {a: 1}
block: |
  line one
  line two
";
        let (v, back) = round_trip(yaml);
        assert_eq!(back.as_ref(), Some(&v));
        // Mapping order is kept, not only equality.
        let keys = |v: &Value| format!("{v:?}");
        assert_eq!(keys(&v), keys(&back.unwrap()));
        let (nan, back) = round_trip("n: .nan");
        assert_eq!(format!("{nan:?}"), format!("{:?}", back.unwrap()));
    }

    #[test]
    fn short_long_or_odd_bytes_read_as_nothing() {
        let v: Value = serde_yaml::from_str("a: [1, {b: c}]\nd: !t x").unwrap();
        let mut bytes = Vec::new();
        encode(&v, &mut bytes);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode(&long).is_none());
        assert!(decode(&[42]).is_none());
        // A mapping that repeats a key.
        let mut twice = vec![8];
        put_u32(&mut twice, 2);
        twice.extend_from_slice(&[0, 0, 0, 0]);
        assert!(decode(&twice).is_none());
        // A tag with no name (serde_yaml never makes one).
        let mut untagged = vec![9];
        put_bytes(&mut untagged, b"");
        untagged.push(0);
        assert!(decode(&untagged).is_none());
        // Nesting deeper than any YAML: refused, not a stack overflow.
        let mut deep = Vec::new();
        for _ in 0..100_000 {
            deep.push(7);
            put_u32(&mut deep, 1);
        }
        deep.push(0);
        assert!(decode(&deep).is_none());
    }
}
